// handshake/signatures: the SignatureScheme table against IANA's names, the choice of scheme,
// sign/verify round trips at TLS 1.0, 1.1 and 1.2 for RSA (PKCS#1 v1.5 and PSS), DSA and ECDSA,
// the failures verify_handshake_signature reports, and agreement with `openssl dgst` both ways
// (an RSA-PSS signature hsk made verifies in OpenSSL, one OpenSSL made verifies in hsk).
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "crypto/crypto.hpp"
#include "handshake/signatures.hpp"
#include "hsk/error.hpp"
#include "pki/keys.hpp"
#include "wire/record.hpp"
#include "wire/registry.hpp"

using namespace hsk;
using namespace hsk::handshake;
using crypto::KeyType;
using crypto::SignatureAlgorithm;

namespace {

struct Keys {
  crypto::PrivateKey rsa, dsa, ec;
};

const Keys& keys() {
  static const Keys k = [] {
    auto rng = crypto::seeded_rng("test_signatures keys");
    Keys out;
    out.rsa = crypto::generate_rsa(*rng, 1024);
    out.dsa = crypto::generate_dsa(*rng, 1024, 160);
    out.ec = crypto::generate_ec(*rng, crypto::Curve::p256);
    return out;
  }();
  return k;
}

struct TempDir {
  std::string path;
  TempDir() {
    std::string t = (std::filesystem::temp_directory_path() / "hsk-sigs-XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()) != nullptr);
    path = t;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return path + "/" + name; }
};

void write_file(const std::string& path, ByteView data) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

Bytes read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), {});
}

// fmt_scheme: "rsa_pss_rsae_sha256 (0x0804)", the IANA name and the code.
std::string fmt_scheme(std::uint16_t code) {
  char buf[16];
  std::snprintf(buf, sizeof buf, " (0x%04x)", code);
  return std::string(wire::name_of(wire::Registry::signature_scheme, code)) + buf;
}

int run(const std::string& cmd) {
  int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("signature_algorithm_of and scheme_of follow the IANA SignatureScheme registry",
          "[signatures]") {
  struct Row {
    std::uint16_t code;
    std::string_view iana;
    SignatureAlgorithm alg;
  };
  const Row rows[] = {
      {0x0201, "rsa_pkcs1_sha1", SignatureAlgorithm::rsa_pkcs1_sha1},
      {0x0401, "rsa_pkcs1_sha256", SignatureAlgorithm::rsa_pkcs1_sha256},
      {0x0501, "rsa_pkcs1_sha384", SignatureAlgorithm::rsa_pkcs1_sha384},
      {0x0601, "rsa_pkcs1_sha512", SignatureAlgorithm::rsa_pkcs1_sha512},
      {0x0804, "rsa_pss_rsae_sha256", SignatureAlgorithm::rsa_pss_sha256},
      {0x0805, "rsa_pss_rsae_sha384", SignatureAlgorithm::rsa_pss_sha384},
      {0x0806, "rsa_pss_rsae_sha512", SignatureAlgorithm::rsa_pss_sha512},
      {0x0809, "rsa_pss_pss_sha256", SignatureAlgorithm::rsa_pss_sha256},
      {0x080a, "rsa_pss_pss_sha384", SignatureAlgorithm::rsa_pss_sha384},
      {0x080b, "rsa_pss_pss_sha512", SignatureAlgorithm::rsa_pss_sha512},
      {0x0202, "dsa_sha1", SignatureAlgorithm::dsa_sha1},
      {0x0402, "dsa_sha256", SignatureAlgorithm::dsa_sha256},
      {0x0203, "ecdsa_sha1", SignatureAlgorithm::ecdsa_sha1},
      {0x0403, "ecdsa_secp256r1_sha256", SignatureAlgorithm::ecdsa_sha256},
      {0x0503, "ecdsa_secp384r1_sha384", SignatureAlgorithm::ecdsa_sha384},
      {0x0603, "ecdsa_secp521r1_sha512", SignatureAlgorithm::ecdsa_sha512},
  };
  for (const auto& row : rows) {
    INFO(row.iana);
    CHECK(wire::name_of(wire::Registry::signature_scheme, row.code) == row.iana);
    REQUIRE(signature_algorithm_of(row.code).has_value());
    CHECK(*signature_algorithm_of(row.code) == row.alg);
    // RFC 5246 §7.4.1.4.1: the low byte is the signature (1 rsa, 2 dsa, 3 ecdsa) for the
    // hash/signature pairs; 0x08xx are the RFC 8446 RSA-PSS codes.
    KeyType want = (row.code >> 8) == 0x08  ? KeyType::rsa
                   : (row.code & 0xff) == 1 ? KeyType::rsa
                   : (row.code & 0xff) == 2 ? KeyType::dsa
                                            : KeyType::ec;
    CHECK(crypto::signature_key_type(row.alg) == want);
    if (row.code < 0x0809) {
      REQUIRE(scheme_of(row.alg).has_value());
      CHECK(*scheme_of(row.alg) == row.code);
    }
  }
  CHECK(scheme_of(SignatureAlgorithm::rsa_pss_sha256) == std::uint16_t{0x0804});  // rsae, not pss
  CHECK_FALSE(scheme_of(SignatureAlgorithm::rsa_pkcs1_md5_sha1).has_value());
  // Codes hsk does not verify: ed25519, ed448, GREASE, 0.
  for (std::uint16_t code : {0x0807, 0x0808, 0x0a0a, 0x0000, 0xffff}) {
    INFO(code);
    CHECK_FALSE(signature_algorithm_of(static_cast<std::uint16_t>(code)).has_value());
  }
}

TEST_CASE("legacy_signature_algorithm: what TLS 1.0/1.1 sign with", "[signatures]") {
  CHECK(legacy_signature_algorithm(KeyType::rsa) == SignatureAlgorithm::rsa_pkcs1_md5_sha1);
  CHECK(legacy_signature_algorithm(KeyType::dsa) == SignatureAlgorithm::dsa_sha1);
  CHECK(legacy_signature_algorithm(KeyType::ec) == SignatureAlgorithm::ecdsa_sha1);
  CHECK(crypto::signature_hash(SignatureAlgorithm::rsa_pkcs1_md5_sha1) ==
        crypto::HashAlg::md5_sha1);
  CHECK_THROWS_AS(legacy_signature_algorithm(KeyType::dh), Error);
}

TEST_CASE("choose_signature_scheme: the peer's order wins; none means SHA-1", "[signatures]") {
  std::vector<std::uint16_t> offered = {0x0403, 0x0804, 0x0401, 0x0402, 0x0201};
  CHECK(choose_signature_scheme(KeyType::rsa, offered) == 0x0804);
  CHECK(choose_signature_scheme(KeyType::ec, offered) == 0x0403);
  CHECK(choose_signature_scheme(KeyType::dsa, offered) == 0x0402);
  std::vector<std::uint16_t> pkcs1_first = {0x0401, 0x0804};
  CHECK(choose_signature_scheme(KeyType::rsa, pkcs1_first) == 0x0401);
  // rsa_pss_pss_* need an RSA-PSS key: skipped for an rsaEncryption key.
  std::vector<std::uint16_t> pss_pss = {0x0809, 0x0805};
  CHECK(choose_signature_scheme(KeyType::rsa, pss_pss) == 0x0805);
  // SHA-1 and SHA-224 only when nothing stronger fits (OpenSSL's order puts dsa_sha224 and
  // dsa_sha1 before dsa_sha256).
  std::vector<std::uint16_t> openssl_dsa = {0x0403, 0x0303, 0x0203, 0x0302, 0x0202, 0x0402};
  CHECK(choose_signature_scheme(KeyType::dsa, openssl_dsa) == 0x0402);
  CHECK(choose_signature_scheme(KeyType::ec, openssl_dsa) == 0x0403);
  std::vector<std::uint16_t> weak_only = {0x0302, 0x0202};
  CHECK(choose_signature_scheme(KeyType::dsa, weak_only) == 0x0302);
  // Unknown codes are skipped.
  std::vector<std::uint16_t> unknown = {0x0a0a, 0x0807, 0x0503};
  CHECK(choose_signature_scheme(KeyType::ec, unknown) == 0x0503);
  // RFC 5246 §7.4.1.4.1: no list means {sha1, the key's type}.
  CHECK(choose_signature_scheme(KeyType::rsa, std::nullopt) == 0x0201);
  CHECK(choose_signature_scheme(KeyType::dsa, std::nullopt) == 0x0202);
  CHECK(choose_signature_scheme(KeyType::ec, std::nullopt) == 0x0203);
  // Nothing fits: check_failed with handshake_failure (40).
  std::vector<std::uint16_t> ec_only = {0x0403, 0x0503};
  try {
    choose_signature_scheme(KeyType::rsa, ec_only);
    FAIL("no exception");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::check_failed);
    CHECK(e.alert() == 40);
    CHECK(e.alert() == Error::kAlertHandshakeFailure);
  }
  std::vector<std::uint16_t> empty;
  CHECK_THROWS_AS(choose_signature_scheme(KeyType::dsa, empty), Error);
}

TEST_CASE("ske_signed_data is client_random || server_random || params", "[signatures]") {
  Bytes cr(32, 0x11), sr(32, 0x22), params = {0x00, 0x01, 0x05};
  Bytes d = ske_signed_data(cr, sr, params);
  REQUIRE(d.size() == 67);
  CHECK(d[0] == 0x11);
  CHECK(d[31] == 0x11);
  CHECK(d[32] == 0x22);
  CHECK(d[63] == 0x22);
  CHECK(Bytes(d.begin() + 64, d.end()) == params);
}

TEST_CASE("sign_handshake / verify_handshake_signature round trips", "[signatures]") {
  auto rng = crypto::seeded_rng("test_signatures round trips");
  const Bytes data = ske_signed_data(Bytes(32, 1), Bytes(32, 2), Bytes(300, 3));
  Bytes other = data;
  other[40] ^= 1;
  struct Case {
    const crypto::PrivateKey* key;
    std::uint16_t version;
    std::uint16_t scheme;
    SignatureAlgorithm want;
  };
  const Keys& k = keys();
  const Case cases[] = {
      {&k.rsa, wire::kTls12, 0x0804, SignatureAlgorithm::rsa_pss_sha256},
      {&k.rsa, wire::kTls12, 0x0805, SignatureAlgorithm::rsa_pss_sha384},
      {&k.rsa, wire::kTls12, 0x0401, SignatureAlgorithm::rsa_pkcs1_sha256},
      {&k.rsa, wire::kTls12, 0x0601, SignatureAlgorithm::rsa_pkcs1_sha512},
      {&k.rsa, wire::kTls12, 0x0201, SignatureAlgorithm::rsa_pkcs1_sha1},
      {&k.dsa, wire::kTls12, 0x0402, SignatureAlgorithm::dsa_sha256},
      {&k.dsa, wire::kTls12, 0x0202, SignatureAlgorithm::dsa_sha1},
      {&k.ec, wire::kTls12, 0x0403, SignatureAlgorithm::ecdsa_sha256},
      {&k.ec, wire::kTls12, 0x0503, SignatureAlgorithm::ecdsa_sha384},
      {&k.ec, wire::kTls12, 0x0203, SignatureAlgorithm::ecdsa_sha1},
      {&k.rsa, wire::kTls11, 0, SignatureAlgorithm::rsa_pkcs1_md5_sha1},
      {&k.rsa, wire::kTls10, 0, SignatureAlgorithm::rsa_pkcs1_md5_sha1},
      {&k.dsa, wire::kTls11, 0, SignatureAlgorithm::dsa_sha1},
      {&k.dsa, wire::kTls10, 0, SignatureAlgorithm::dsa_sha1},
      {&k.ec, wire::kTls11, 0, SignatureAlgorithm::ecdsa_sha1},
      {&k.ec, wire::kTls10, 0, SignatureAlgorithm::ecdsa_sha1},
  };
  for (const auto& c : cases) {
    INFO("key " << crypto::key_type_name(c.key->type()) << " version " << c.version << " scheme "
                << c.scheme);
    wire::DigitallySigned sig = sign_handshake(*c.key, c.version, c.scheme, data, *rng);
    if (c.version >= wire::kTls12) {
      REQUIRE(sig.algorithm.has_value());
      CHECK(*sig.algorithm == c.scheme);
    } else {
      CHECK_FALSE(sig.algorithm.has_value());
    }
    // What was signed is an ordinary signature of that algorithm over the data.
    CHECK(crypto::verify(c.key->pub, c.want, data, sig.signature));
    SignatureCheck ok = verify_handshake_signature(c.key->pub, c.version, sig, data);
    CHECK(ok.valid);
    CHECK(ok.reason.empty());
    REQUIRE(ok.algorithm.has_value());
    CHECK(*ok.algorithm == c.want);
    if (c.version >= wire::kTls12) {
      CHECK(ok.algorithm_name == fmt_scheme(c.scheme));
    }
    SignatureCheck bad = verify_handshake_signature(c.key->pub, c.version, sig, other);
    CHECK_FALSE(bad.valid);
    CHECK(bad.reason == "signature does not verify");
    wire::DigitallySigned flipped = sig;
    flipped.signature[flipped.signature.size() / 2] ^= 0x40;
    CHECK_FALSE(verify_handshake_signature(c.key->pub, c.version, flipped, data).valid);
  }
}

TEST_CASE("verify_handshake_signature: what is not valid, and why", "[signatures]") {
  auto rng = crypto::seeded_rng("test_signatures failures");
  const Keys& k = keys();
  const Bytes data(100, 0x5a);
  wire::DigitallySigned rsa12 = sign_handshake(k.rsa, wire::kTls12, 0x0401, data, *rng);

  SECTION("a key of another type") {
    SignatureCheck c = verify_handshake_signature(k.ec.pub, wire::kTls12, rsa12, data);
    CHECK_FALSE(c.valid);
    CHECK(c.reason.find("the key is EC") != std::string::npos);
    CHECK(c.reason.find("rsa_pkcs1_sha256") != std::string::npos);
    wire::DigitallySigned rsa10 = sign_handshake(k.rsa, wire::kTls10, 0, data, *rng);
    // Below TLS 1.2 the algorithm follows the key: a DSA key tries DSA-SHA1 and fails.
    SignatureCheck d = verify_handshake_signature(k.dsa.pub, wire::kTls10, rsa10, data);
    CHECK_FALSE(d.valid);
    CHECK(d.algorithm == SignatureAlgorithm::dsa_sha1);
  }
  SECTION("TLS 1.2 without the algorithm field") {
    wire::DigitallySigned s = rsa12;
    s.algorithm.reset();
    SignatureCheck c = verify_handshake_signature(k.rsa.pub, wire::kTls12, s, data);
    CHECK_FALSE(c.valid);
    CHECK_FALSE(c.algorithm.has_value());
    CHECK(c.reason.find("without") != std::string::npos);
  }
  SECTION("an algorithm field below TLS 1.2") {
    SignatureCheck c = verify_handshake_signature(k.rsa.pub, wire::kTls11, rsa12, data);
    CHECK_FALSE(c.valid);
    CHECK(c.reason.find("below TLS 1.2") != std::string::npos);
  }
  SECTION("an unknown scheme") {
    wire::DigitallySigned s = rsa12;
    s.algorithm = 0x0807;  // ed25519
    SignatureCheck c = verify_handshake_signature(k.rsa.pub, wire::kTls12, s, data);
    CHECK_FALSE(c.valid);
    CHECK(c.algorithm_name == "ed25519 (0x0807)");
    CHECK(c.reason.find("0x0807") != std::string::npos);
  }
  SECTION("PKCS#1 signature presented as PSS, and the other way round") {
    wire::DigitallySigned s = rsa12;
    s.algorithm = 0x0804;
    CHECK_FALSE(verify_handshake_signature(k.rsa.pub, wire::kTls12, s, data).valid);
    wire::DigitallySigned pss = sign_handshake(k.rsa, wire::kTls12, 0x0804, data, *rng);
    pss.algorithm = 0x0401;
    CHECK_FALSE(verify_handshake_signature(k.rsa.pub, wire::kTls12, pss, data).valid);
  }
  SECTION("empty and truncated signatures") {
    wire::DigitallySigned s = rsa12;
    s.signature.clear();
    CHECK(verify_handshake_signature(k.rsa.pub, wire::kTls12, s, data).reason ==
          "signature does not verify");
    wire::DigitallySigned e = sign_handshake(k.ec, wire::kTls12, 0x0403, data, *rng);
    e.signature.pop_back();
    CHECK_FALSE(verify_handshake_signature(k.ec.pub, wire::kTls12, e, data).valid);
  }
  SECTION("sign_handshake refuses a scheme that does not fit the key") {
    CHECK_THROWS_AS(sign_handshake(k.ec, wire::kTls12, 0x0804, data, *rng), Error);
    CHECK_THROWS_AS(sign_handshake(k.rsa, wire::kTls12, 0x0807, data, *rng), Error);
  }
}

TEST_CASE("RSA-PSS and ECDSA handshake signatures agree with openssl dgst",
          "[signatures][openssl]") {
  if (run("openssl version >/dev/null 2>&1") != 0) {
    FAIL("openssl not found (scripts/deps installs it)");
  }
  TempDir dir;
  auto rng = crypto::seeded_rng("test_signatures openssl");
  const Keys& k = keys();
  const Bytes data = ske_signed_data(Bytes(32, 0xc1), Bytes(32, 0x5e), Bytes(200, 0x77));
  write_file(dir / "data", data);
  write_file(dir / "rsa.pem", pki::encode_private_key(k.rsa));
  write_file(dir / "rsa.pub", pki::encode_public_key(k.rsa.pub));
  write_file(dir / "ec.pem", pki::encode_private_key(k.ec));
  write_file(dir / "ec.pub", pki::encode_public_key(k.ec.pub));
  const std::string pss = " -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest ";

  // hsk signs (rsa_pss_rsae_sha256: salt length = 32), OpenSSL verifies.
  wire::DigitallySigned ours = sign_handshake(k.rsa, wire::kTls12, 0x0804, data, *rng);
  write_file(dir / "ours.sig", ours.signature);
  CHECK(run("openssl dgst -sha256" + pss + "-verify " + dir / "rsa.pub" + " -signature " +
            dir / "ours.sig " + dir / "data >/dev/null") == 0);
  Bytes tampered = ours.signature;
  tampered[10] ^= 1;
  write_file(dir / "bad.sig", tampered);
  CHECK(run("openssl dgst -sha256" + pss + "-verify " + dir / "rsa.pub" + " -signature " +
            dir / "bad.sig " + dir / "data >/dev/null 2>&1") == 1);

  // OpenSSL signs, hsk verifies.
  REQUIRE(run("openssl dgst -sha256" + pss + "-sign " + dir / "rsa.pem" + " -out " +
              dir / "theirs.sig " + dir / "data") == 0);
  wire::DigitallySigned theirs{0x0804, read_file(dir / "theirs.sig")};
  CHECK(verify_handshake_signature(k.rsa.pub, wire::kTls12, theirs, data).valid);
  REQUIRE(run("openssl dgst -sha384 -sign " + dir / "rsa.pem" + " -out " + dir / "p1.sig " +
              dir / "data") == 0);
  wire::DigitallySigned p1{0x0501, read_file(dir / "p1.sig")};
  CHECK(verify_handshake_signature(k.rsa.pub, wire::kTls12, p1, data).valid);
  REQUIRE(run("openssl dgst -sha256 -sign " + dir / "ec.pem" + " -out " + dir / "ec.sig " +
              dir / "data") == 0);
  wire::DigitallySigned ec{0x0403, read_file(dir / "ec.sig")};
  CHECK(verify_handshake_signature(k.ec.pub, wire::kTls12, ec, data).valid);
  wire::DigitallySigned ours_ec = sign_handshake(k.ec, wire::kTls12, 0x0403, data, *rng);
  write_file(dir / "ours_ec.sig", ours_ec.signature);
  CHECK(run("openssl dgst -sha256 -verify " + dir / "ec.pub" + " -signature " +
            dir / "ours_ec.sig " + dir / "data >/dev/null") == 0);

  // TLS 1.0/1.1 RSA: PKCS#1 v1.5 type 1 over MD5 || SHA-1 without DigestInfo. OpenSSL's raw
  // public operation recovers exactly those 36 bytes from hsk's signature.
  wire::DigitallySigned legacy = sign_handshake(k.rsa, wire::kTls10, 0, data, *rng);
  write_file(dir / "legacy.sig", legacy.signature);
  REQUIRE(run("openssl pkeyutl -verifyrecover -pubin -inkey " + dir / "rsa.pub" + " -in " +
              dir / "legacy.sig -out " + dir / "recovered") == 0);
  Bytes want = crypto::hash(crypto::HashAlg::md5, data);
  Bytes sha1 = crypto::hash(crypto::HashAlg::sha1, data);
  want.insert(want.end(), sha1.begin(), sha1.end());
  CHECK(read_file(dir / "recovered") == want);
  // And OpenSSL's pkeyutl -sign of MD5||SHA-1 (as `openssl dgst` computes them) verifies in hsk.
  REQUIRE(run("{ openssl dgst -md5 -binary " + dir / "data; openssl dgst -sha1 -binary " +
              dir / "data; } > " + dir / "md5sha1") == 0);
  CHECK(read_file(dir / "md5sha1") == want);
  REQUIRE(run("openssl pkeyutl -sign -inkey " + dir / "rsa.pem" + " -in " + dir / "md5sha1 -out " +
              dir / "legacy_theirs.sig") == 0);
  wire::DigitallySigned lt{std::nullopt, read_file(dir / "legacy_theirs.sig")};
  CHECK(verify_handshake_signature(k.rsa.pub, wire::kTls10, lt, data).valid);
  CHECK(verify_handshake_signature(k.rsa.pub, wire::kTls11, lt, data).valid);
}
