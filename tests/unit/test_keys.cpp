// Keys in OpenSSL's formats: hsk reads what `openssl` writes and `openssl` reads what hsk
// writes, component by component and byte by byte; signatures cross in both directions;
// key files are written 0600 and never overwritten without force; malformed input is an
// hsk::Error, never a crash. Tests that need the openssl binary skip (with a warning) when
// it is absent.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "crypto/crypto.hpp"
#include "hsk/error.hpp"
#include "io/file.hpp"
#include "pki/der.hpp"
#include "pki/keys.hpp"
#include "pki/oids.hpp"
#include "pki/pem.hpp"

using hsk::Bytes;
using hsk::from_hex;
using namespace hsk::crypto;
using namespace hsk::pki;

namespace {

bool have_openssl() {
  static const bool ok = std::system("openssl version >/dev/null 2>&1") == 0;
  return ok;
}

#define REQUIRE_OPENSSL()                         \
  do {                                            \
    if (!have_openssl()) {                        \
      FAIL("openssl not found (scripts/deps installs it)"); \
    }                                             \
  } while (0)

struct TempDir {
  std::string path;
  TempDir() {
    std::string t = (std::filesystem::temp_directory_path() / "hsk-keys-XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()) != nullptr);
    path = t;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return path + "/" + name; }
};

// sh runs a shell command and returns its stdout; a non-zero exit fails the test with
// the command and its stderr.
std::string sh(const std::string& cmd, bool must_succeed = true, int* status_out = nullptr) {
  std::string full = "(" + cmd + ") 2>/tmp/hsk-keys-stderr-" + std::to_string(::getpid());
  FILE* p = ::popen(full.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) {
    out.append(buf.data(), n);
  }
  int status = ::pclose(p);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (status_out != nullptr) {
    *status_out = code;
  }
  if (must_succeed && code != 0) {
    std::ifstream err("/tmp/hsk-keys-stderr-" + std::to_string(::getpid()));
    std::stringstream ss;
    ss << err.rdbuf();
    FAIL("command failed (" << code << "): " << cmd << "\n" << ss.str());
  }
  return out;
}

Bytes read_file(const std::string& path) { return hsk::io::read_all(path); }

void write_file(const std::string& path, hsk::ByteView data) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

// OpensslText is what `openssl pkey -text -noout` prints: numeric fields (hex blocks or
// "N (0xH)") and textual ones ("ASN1 OID: prime256v1").
struct OpensslText {
  std::map<std::string, Bytes> num;
  std::map<std::string, std::string> str;
};

OpensslText parse_openssl_text(const std::string& text) {
  OpensslText t;
  std::istringstream in(text);
  std::string line;
  std::string current;
  while (std::getline(in, line)) {
    if (line.empty()) {
      continue;
    }
    if (line[0] == ' ') {
      if (!current.empty()) {
        Bytes more = from_hex(line);
        t.num[current].insert(t.num[current].end(), more.begin(), more.end());
      }
      continue;
    }
    std::size_t colon = line.find(':');
    if (colon == std::string::npos) {
      continue;
    }
    std::string name = line.substr(0, colon);
    std::string rest = line.substr(colon + 1);
    while (!rest.empty() && rest.front() == ' ') {
      rest.erase(0, 1);
    }
    while (!rest.empty() && rest.back() == ' ') {
      rest.pop_back();
    }
    current.clear();
    if (rest.empty()) {
      current = name;
      t.num[name];
    } else if (std::size_t open = rest.find("(0x"); open != std::string::npos) {
      std::string hex = rest.substr(open + 3, rest.find(')', open) - open - 3);
      if (hex.size() % 2) {
        hex = "0" + hex;
      }
      t.num[name] = from_hex(hex);
    } else {
      t.str[name] = rest;
    }
  }
  for (auto& [k, v] : t.num) {
    v = minimal(v);
  }
  return t;
}

OpensslText openssl_text(const std::string& path, bool pub = false) {
  return parse_openssl_text(
      sh("openssl pkey " + std::string(pub ? "-pubin " : "") + "-in " + path + " -text -noout"));
}

void check_against_openssl(const DecodedKey& k, const OpensslText& t) {
  const PublicKey& p = k.pub;
  switch (p.type) {
    case KeyType::rsa:
      // Private-key text says modulus/publicExponent, public-key text Modulus/Exponent.
      CHECK(t.num.at(t.num.count("modulus") ? "modulus" : "Modulus") == p.rsa.n);
      CHECK(t.num.at(t.num.count("publicExponent") ? "publicExponent" : "Exponent") == p.rsa.e);
      if (k.priv) {
        CHECK(t.num.at("privateExponent") == k.priv->rsa.d);
        CHECK(t.num.at("prime1") == k.priv->rsa.p);
        CHECK(t.num.at("prime2") == k.priv->rsa.q);
        CHECK(t.num.at("exponent1") == k.priv->rsa.dp);
        CHECK(t.num.at("exponent2") == k.priv->rsa.dq);
        CHECK(t.num.at("coefficient") == k.priv->rsa.qinv);
      }
      break;
    case KeyType::dsa:
      CHECK(t.num.at("P") == p.dsa.p);
      CHECK(t.num.at("Q") == p.dsa.q);
      CHECK(t.num.at("G") == p.dsa.g);
      CHECK(t.num.at("pub") == p.dsa.y);
      if (k.priv) {
        CHECK(t.num.at("priv") == k.priv->x);
      }
      break;
    case KeyType::ec:
      CHECK(t.num.at("pub") == p.ec.point);
      CHECK(t.str.at("NIST CURVE") == curve_name(p.ec.curve));
      if (k.priv) {
        CHECK(t.num.at("priv") == minimal(k.priv->x));
      }
      break;
    case KeyType::dh:
      if (t.num.count("P")) {
        CHECK(t.num.at("P") == p.dh.params.p);
        CHECK(t.num.at("G") == p.dh.params.g);
      }
      if (t.num.count("Q")) {
        CHECK(t.num.at("Q") == p.dh.params.q);
      } else {
        CHECK(p.dh.params.q.empty());
      }
      CHECK(t.num.at("public-key") == p.dh.y);
      if (k.priv) {
        CHECK(t.num.at("private-key") == k.priv->x);
      }
      break;
  }
}

// Generated once per test run: OpenSSL parameter files (DSA and DH generation take a while).
struct OpensslParams {
  TempDir dir;
  std::string dsa;
  std::string dh;
  std::string dhx;
  OpensslParams() {
    dsa = dir / "dsa-params.pem";
    dh = dir / "dh-params.pem";
    dhx = dir / "dhx-params.pem";
    sh("openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 -pkeyopt "
       "dsa_paramgen_q_bits:256 -out " +
       dsa);
    sh("openssl genpkey -genparam -algorithm DH -pkeyopt dh_paramgen_prime_len:512 -out " + dh);
    sh("openssl genpkey -genparam -algorithm DHX -pkeyopt dh_paramgen_prime_len:1024 "
       "-pkeyopt dh_paramgen_subprime_len:160 -out " +
       dhx);
  }
};

const OpensslParams& params() {
  static OpensslParams p;
  return p;
}

}  // namespace

// ---- Reading what OpenSSL writes ---------------------------------------------------------

TEST_CASE("hsk reads every unencrypted key format openssl writes", "[keys][openssl]") {
  REQUIRE_OPENSSL();
  TempDir d;
  const OpensslParams& pp = params();
  struct Gen {
    std::string name;
    std::string cmd;  // writes d/<name>.pem (PKCS#8 PEM)
  };
  std::vector<Gen> gens = {
      {"rsa", "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048"},
      {"dsa", "openssl genpkey -paramfile " + pp.dsa},
      {"ec256", "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256"},
      {"ec384", "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384"},
      {"dh", "openssl genpkey -paramfile " + pp.dh},
      {"dhx", "openssl genpkey -paramfile " + pp.dhx},
      {"ffdhe", "openssl genpkey -algorithm DH -pkeyopt group:ffdhe2048"},
  };
  for (const Gen& g : gens) {
    std::string f = d / (g.name + ".pem");
    sh(g.cmd + " -out " + f);
    OpensslText t = openssl_text(f);
    // Variants of the same key, each with the format hsk should report.
    std::vector<std::pair<std::string, std::string>> variants = {{f, "PKCS#8"}};
    auto add = [&](const std::string& suffix, const std::string& cmd, const std::string& format) {
      std::string out = d / (g.name + suffix);
      sh(cmd + " -in " + f + " -out " + out);
      variants.push_back({out, format});
    };
    // (`openssl pkey -outform DER` writes the traditional form; pkcs8 -topk8 writes PKCS#8.)
    add(".p8.der", "openssl pkcs8 -topk8 -nocrypt -outform DER", "PKCS#8");
    add(".pkey.der", "openssl pkey -outform DER",
        g.name == "rsa"    ? "PKCS#1"
        : g.name == "dsa"  ? "DSA traditional"
        : g.name[0] == 'e' ? "SEC1"
                           : "PKCS#8");
    add(".pub.pem", "openssl pkey -pubout", "SubjectPublicKeyInfo");
    add(".pub.der", "openssl pkey -pubout -outform DER", "SubjectPublicKeyInfo");
    if (g.name == "rsa") {
      add(".trad.pem", "openssl rsa -traditional", "PKCS#1");
      add(".trad.der", "openssl rsa -traditional -outform DER", "PKCS#1");
      add(".rsapub.pem", "openssl rsa -RSAPublicKey_out", "PKCS#1 public");
      add(".rsapub.der", "openssl rsa -RSAPublicKey_out -outform DER", "PKCS#1 public");
    } else if (g.name == "dsa") {
      add(".trad.pem", "openssl dsa", "DSA traditional");
      add(".trad.der", "openssl dsa -outform DER", "DSA traditional");
    } else if (g.name.rfind("ec", 0) == 0) {
      add(".sec1.pem", "openssl ec", "SEC1");
      add(".sec1.der", "openssl ec -outform DER", "SEC1");
      add(".sec1-nopoint.pem", "openssl ec -no_public", "SEC1");
      add(".compressed.pem", "openssl ec -conv_form compressed", "SEC1");
      add(".compressed.pub.pem", "openssl ec -pubout -conv_form compressed",
          "SubjectPublicKeyInfo");
    }
    for (const auto& [path, format] : variants) {
      INFO(path);
      DecodedKey k = decode_key(read_file(path));
      CHECK(k.format == format);
      CHECK(k.pem == (path.find(".der") == std::string::npos));
      CHECK(k.priv.has_value() == (path.find("pub") == std::string::npos));
      check_against_openssl(k, t);
      if (k.priv) {
        check_private_key(*k.priv);
      }
    }
    // Byte-for-byte: our PKCS#8 and SPKI encodings equal OpenSSL's for the same key.
    PrivateKey key = decode_private_key(read_file(f));
    CHECK(encode_pkcs8(key) == read_file(d / (g.name + ".p8.der")));
    CHECK(encode_spki(key.pub) == read_file(d / (g.name + ".pub.der")));
    CHECK(decode_spki(read_file(d / (g.name + ".pub.der"))) == key.pub);
    CHECK(decode_pkcs8(encode_pkcs8(key)) == key);
    if (g.name == "rsa") {
      CHECK(encode_rsa_private_pkcs1(key) == read_file(d / "rsa.trad.der"));
      CHECK(encode_rsa_public_pkcs1(key.pub) == read_file(d / "rsa.rsapub.der"));
    } else if (g.name == "dsa") {
      CHECK(encode_dsa_private_traditional(key) == read_file(d / "dsa.trad.der"));
    } else if (g.name.rfind("ec", 0) == 0) {
      CHECK(encode_ec_private_sec1(key) == read_file(d / (g.name + ".sec1.der")));
    } else if (g.name == "dhx") {
      CHECK(key.pub.dh.oid == DhOid::dh_public_number);
      CHECK_FALSE(key.pub.dh.params.q.empty());
    } else {
      CHECK(key.pub.dh.oid == DhOid::dh_key_agreement);
    }
  }
}

TEST_CASE("hsk reads `openssl ecparam -genkey` output (EC PARAMETERS then EC PRIVATE KEY)",
          "[keys][openssl]") {
  REQUIRE_OPENSSL();
  TempDir d;
  std::string f = d / "ecparam.pem";
  sh("openssl ecparam -genkey -name secp384r1 -out " + f);
  DecodedKey k = decode_key(read_file(f));
  CHECK(k.format == "SEC1");
  REQUIRE(k.priv);
  CHECK(k.pub.ec.curve == Curve::p384);
  check_against_openssl(k, openssl_text(f));
  // A SEC1 key with neither its own curve nor an outer one cannot be read; with an outer
  // curve it can (this is how PKCS#8 carries it).
  DerWriter w;
  w.sequence([&](DerWriter& s) {
    s.small_integer(1);
    s.octet_string(k.priv->x);
  });
  CHECK_THROWS_AS(decode_ec_private_sec1(w.data()), hsk::Error);
  PrivateKey again = decode_ec_private_sec1(w.data(), Curve::p384);
  CHECK(again == *k.priv);
  CHECK_THROWS_AS(decode_ec_private_sec1(w.data(), Curve::p256), hsk::Error);
  // EC PARAMETERS naming another curve than the key's own [0] parameters is an error.
  DerWriter p256;
  p256.oid(oid::kPrime256v1);
  std::string mixed = pem_encode("EC PARAMETERS", p256.data()) +
                      pem_encode("EC PRIVATE KEY", encode_ec_private_sec1(*k.priv));
  CHECK_THROWS_AS(decode_key(hsk::as_bytes(mixed)), hsk::Error);
}

TEST_CASE("hsk reads the keys GnuTLS certtool writes", "[keys][openssl]") {
  REQUIRE_OPENSSL();
  if (std::system("certtool --version >/dev/null 2>&1") != 0) {
    FAIL("certtool not found (scripts/deps installs it)");
  }
  TempDir d;
  // certtool writes a text dump before the PEM block; PKCS#1, traditional DSA and SEC1 by
  // default, PKCS#8 with --pkcs8 (an empty password means unencrypted).
  struct Gen {
    std::string name;
    std::string opts;
    std::string format;
  };
  for (const Gen& g :
       {Gen{"rsa", "--key-type rsa --bits 2048", "PKCS#1"},
        Gen{"dsa", "--key-type dsa --bits 2048", "DSA traditional"},
        Gen{"ec256", "--key-type ecdsa --curve secp256r1", "SEC1"},
        Gen{"ec384-p8", "--key-type ecdsa --curve secp384r1 --pkcs8 --password ''", "PKCS#8"},
        Gen{"rsa-p8", "--key-type rsa --bits 2048 --pkcs8 --password ''", "PKCS#8"}}) {
    INFO(g.name);
    std::string f = d / (g.name + ".pem");
    sh("certtool --generate-privkey " + g.opts + " --outfile " + f);
    DecodedKey k = decode_key(read_file(f));
    CHECK(k.format == g.format);
    REQUIRE(k.priv);
    check_against_openssl(k, openssl_text(f));
    check_private_key(*k.priv);
  }
}

TEST_CASE("encrypted keys get an error that says how to decrypt them", "[keys][openssl]") {
  REQUIRE_OPENSSL();
  TempDir d;
  std::string p8 = d / "enc.pem";
  std::string p8der = d / "enc.der";
  std::string trad = d / "trad.pem";
  sh("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes256 -pass pass:secret "
     "-out " +
     p8);
  sh("openssl pkcs8 -topk8 -in " + p8 +
     " -passin pass:secret -outform DER -v2 aes128 -passout pass:x -out " + p8der);
  sh("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out " + (d / "plain.pem"));
  sh("openssl rsa -traditional -in " + (d / "plain.pem") + " -aes128 -passout pass:x -out " + trad);
  for (const std::string& f : {p8, p8der, trad}) {
    INFO(f);
    try {
      read_private_key(f);
      FAIL("no error");
    } catch (const hsk::Error& e) {
      CHECK(e.kind() == hsk::ErrorKind::malformed);
      CHECK(e.message().find("openssl pkey -in KEY -out PLAIN.pem") != std::string::npos);
      CHECK(e.message().find(f) != std::string::npos);
    }
  }
}

// ---- OpenSSL reading what hsk writes -------------------------------------------------------

TEST_CASE("openssl accepts the keys hsk generates and writes", "[keys][openssl]") {
  REQUIRE_OPENSSL();
  TempDir d;
  const OpensslParams& pp = params();
  auto rng = seeded_rng("openssl accepts");
  // DH keys on OpenSSL's own parameters (read through a key openssl made on them).
  sh("openssl genpkey -paramfile " + pp.dh + " -out " + (d / "odh.pem"));
  sh("openssl genpkey -paramfile " + pp.dhx + " -out " + (d / "odhx.pem"));
  PrivateKey odh = read_private_key(d / "odh.pem");
  PrivateKey odhx = read_private_key(d / "odhx.pem");

  struct Case {
    std::string name;
    PrivateKey key;
    bool check;  // `openssl pkey -check` applies
  };
  std::vector<Case> cases = {
      {"rsa2048", generate_rsa(*rng, 2048), true},
      {"dsa2048-224", generate_dsa(*rng, 2048, 224), true},
      {"ec256", generate_ec(*rng, Curve::p256), true},
      {"ec384", generate_ec(*rng, Curve::p384), true},
      {"dh", generate_dh(*rng, odh.pub.dh.params, DhOid::dh_key_agreement), false},
      {"dhx", generate_dh(*rng, odhx.pub.dh.params, DhOid::dh_public_number), true},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    std::string pem = d / (c.name + ".pem");
    std::string der = d / (c.name + ".der");
    write_private_key(pem, c.key);
    write_private_key(der, c.key, KeyFormat::der);
    if (c.check) {
      sh("openssl pkey -check -noout -in " + pem);
    }
    DecodedKey self{c.key, c.key.pub, "PKCS#8", true};
    check_against_openssl(self, openssl_text(pem));
    // OpenSSL re-encodes our key to the same bytes.
    CHECK(sh("openssl pkcs8 -topk8 -nocrypt -in " + der +
             " -inform DER -outform DER | od -An -tx1 -v") == sh("od -An -tx1 -v " + der));
    std::string pub = d / (c.name + ".pub.pem");
    hsk::io::write_atomic(pub, encode_public_key(c.key.pub));
    check_against_openssl(DecodedKey{std::nullopt, c.key.pub, "", true}, openssl_text(pub, true));
  }
}

// ---- Signatures across the two implementations ---------------------------------------------

TEST_CASE("signatures cross between hsk and openssl in both directions",
          "[keys][openssl][crypto]") {
  REQUIRE_OPENSSL();
  TempDir d;
  const OpensslParams& pp = params();
  auto rng = seeded_rng("cross");
  std::string msg = d / "msg.bin";
  Bytes m;
  for (int i = 0; i < 300; ++i) {
    m.push_back(static_cast<std::uint8_t>(i * 7));
  }
  write_file(msg, m);

  // Keys: ours and OpenSSL's, of each type.
  sh("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out " + (d / "o-rsa.pem"));
  sh("openssl genpkey -paramfile " + pp.dsa + " -out " + (d / "o-dsa.pem"));
  sh("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + (d / "o-ec256.pem"));
  sh("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out " + (d / "o-ec384.pem"));
  write_private_key(d / "h-rsa.pem", generate_rsa(*rng, 2048));
  write_private_key(d / "h-dsa.pem", generate_dsa(*rng, 2048, 256));
  write_private_key(d / "h-ec256.pem", generate_ec(*rng, Curve::p256));
  write_private_key(d / "h-ec384.pem", generate_ec(*rng, Curve::p384));
  for (const char* k : {"h-rsa", "h-dsa", "h-ec256", "h-ec384"}) {
    sh("openssl pkey -check -noout -in " + (d / (std::string(k) + ".pem")));
  }
  for (const char* k :
       {"o-rsa", "o-dsa", "o-ec256", "o-ec384", "h-rsa", "h-dsa", "h-ec256", "h-ec384"}) {
    sh("openssl pkey -pubout -in " + (d / (std::string(k) + ".pem")) + " -out " +
       (d / (std::string(k) + ".pub")));
  }

  struct Case {
    std::string key;  // suffix after o-/h-
    SignatureAlgorithm alg;
    std::string dgst;  // openssl dgst digest option
    std::string opts;  // extra -sigopt
  };
  std::vector<Case> cases = {
      {"rsa", SignatureAlgorithm::rsa_pkcs1_sha1, "-sha1", ""},
      {"rsa", SignatureAlgorithm::rsa_pkcs1_sha256, "-sha256", ""},
      {"rsa", SignatureAlgorithm::rsa_pkcs1_sha384, "-sha384", ""},
      {"rsa", SignatureAlgorithm::rsa_pkcs1_sha512, "-sha512", ""},
      {"rsa", SignatureAlgorithm::rsa_pss_sha256, "-sha256",
       "-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest"},
      {"rsa", SignatureAlgorithm::rsa_pss_sha384, "-sha384",
       "-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest"},
      {"rsa", SignatureAlgorithm::rsa_pss_sha512, "-sha512",
       "-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest"},
      {"dsa", SignatureAlgorithm::dsa_sha1, "-sha1", ""},
      {"dsa", SignatureAlgorithm::dsa_sha256, "-sha256", ""},
      {"ec256", SignatureAlgorithm::ecdsa_sha1, "-sha1", ""},
      {"ec256", SignatureAlgorithm::ecdsa_sha256, "-sha256", ""},
      {"ec384", SignatureAlgorithm::ecdsa_sha384, "-sha384", ""},
      {"ec384", SignatureAlgorithm::ecdsa_sha512, "-sha512", ""},
  };
  for (const Case& c : cases) {
    INFO(signature_algorithm_name(c.alg));
    // hsk signs, openssl verifies.
    PrivateKey hk = read_private_key(d / ("h-" + c.key + ".pem"));
    Bytes sig = sign(hk, c.alg, m, *rng);
    std::string sigf = d / "sig.bin";
    write_file(sigf, sig);
    std::string out = sh("openssl dgst " + c.dgst + " " + c.opts + " -verify " +
                         (d / ("h-" + c.key + ".pub")) + " -signature " + sigf + " " + msg);
    CHECK(out.find("Verified OK") != std::string::npos);
    // openssl signs, hsk verifies.
    std::string osig = d / "osig.bin";
    sh("openssl dgst " + c.dgst + " " + c.opts + " -sign " + (d / ("o-" + c.key + ".pem")) +
       " -out " + osig + " " + msg);
    PublicKey ok = read_public_key(d / ("o-" + c.key + ".pub"));
    CHECK(verify(ok, c.alg, m, read_file(osig)));
    Bytes bad = m;
    bad[5] ^= 1;
    CHECK_FALSE(verify(ok, c.alg, bad, read_file(osig)));
  }

  // TLS 1.0/1.1 RSA: PKCS#1 type 1 over the bare 36-byte MD5||SHA-1.
  PrivateKey hk = read_private_key(d / "h-rsa.pem");
  write_file(d / "tls10.sig", sign(hk, SignatureAlgorithm::rsa_pkcs1_md5_sha1, m, *rng));
  std::string recovered =
      sh("openssl pkeyutl -verifyrecover -pubin -inkey " + (d / "h-rsa.pub") +
         " -pkeyopt rsa_padding_mode:pkcs1 -in " + (d / "tls10.sig") + " | od -An -tx1 -v");
  CHECK(from_hex(recovered) == hash(HashAlg::md5_sha1, m));
  write_file(d / "md5sha1.bin", hash(HashAlg::md5_sha1, m));
  sh("openssl pkeyutl -sign -inkey " + (d / "o-rsa.pem") + " -pkeyopt rsa_padding_mode:pkcs1 -in " +
     (d / "md5sha1.bin") + " -out " + (d / "o-tls10.sig"));
  CHECK(verify(read_public_key(d / "o-rsa.pub"), SignatureAlgorithm::rsa_pkcs1_md5_sha1, m,
               read_file(d / "o-tls10.sig")));
}

// ---- Writing key files -----------------------------------------------------------------------

TEST_CASE("key files are 0600 and never overwritten without force", "[keys]") {
  TempDir d;
  auto rng = seeded_rng("files");
  PrivateKey k1 = generate_ec(*rng, Curve::p256);
  PrivateKey k2 = generate_ec(*rng, Curve::p256);
  std::string f = d / "key.pem";
  ::umask(022);
  write_private_key(f, k1);
  struct stat st {};
  REQUIRE(::stat(f.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(read_private_key(f) == k1);
  try {
    write_private_key(f, k2);
    FAIL("overwrote");
  } catch (const hsk::Error& e) {
    CHECK(e.kind() == hsk::ErrorKind::usage);
    CHECK(std::string(e.what()).find("--force") != std::string::npos);
  }
  CHECK(read_private_key(f) == k1);
  // A dangling symlink counts as existing.
  std::string link = d / "link.pem";
  std::filesystem::create_symlink(d / "nowhere", link);
  CHECK_THROWS_AS(write_private_key(link, k2), hsk::Error);
  // Force replaces, still 0600 (even when the old file was more open).
  ::chmod(f.c_str(), 0644);
  write_private_key(f, k2, KeyFormat::der, true);
  REQUIRE(::stat(f.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(read_private_key(f) == k2);
  CHECK(decode_pkcs8(read_file(f)) == k2);
  // No temporary files are left behind.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(d.path)) {
    ++entries;
  }
  CHECK(entries == 2);
}

// ---- Malformed input --------------------------------------------------------------------------

TEST_CASE("every truncation of a key is a clear error, never a crash", "[keys]") {
  auto rng = seeded_rng("truncate");
  std::vector<Bytes> inputs;
  PrivateKey rsa = generate_rsa(*rng, 1024);
  PrivateKey ec = generate_ec(*rng, Curve::p256);
  PrivateKey dsa = generate_dsa(*rng, 1024, 160);
  inputs.push_back(encode_pkcs8(rsa));
  inputs.push_back(encode_private_key(ec));
  inputs.push_back(encode_pkcs8(dsa));
  inputs.push_back(encode_spki(ec.pub));
  inputs.push_back(encode_ec_private_sec1(ec));
  inputs.push_back(encode_rsa_private_pkcs1(rsa));
  inputs.push_back(encode_dsa_private_traditional(dsa));
  for (const Bytes& full : inputs) {
    CHECK_NOTHROW(decode_key(full));
    for (std::size_t n = 0; n < full.size(); ++n) {
      Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
      try {
        decode_key(cut);
        // A PEM cut inside trailing text may still hold the whole block.
        CHECK(hsk::pki::is_pem(full));
      } catch (const hsk::Error& e) {
        CHECK(e.kind() == hsk::ErrorKind::malformed);
        CHECK_FALSE(std::string(e.what()).empty());
      }
    }
  }
}

TEST_CASE("corrupted keys are errors, never crashes", "[keys]") {
  auto rng = seeded_rng("corrupt");
  PrivateKey ec = generate_ec(*rng, Curve::p256);
  PrivateKey dsa = generate_dsa(*rng, 1024, 160);
  for (const Bytes& full : {encode_pkcs8(ec), encode_pkcs8(dsa), encode_spki(dsa.pub)}) {
    for (std::size_t i = 0; i < full.size(); ++i) {
      for (std::uint8_t flip : {0x01, 0x80, 0xff}) {
        Bytes b = full;
        b[i] ^= flip;
        try {
          DecodedKey k = decode_key(b);
          (void)k;
        } catch (const hsk::Error&) {
        }
      }
    }
  }
  // Specific cases.
  CHECK_THROWS_AS(decode_key(Bytes{}), hsk::Error);
  CHECK_THROWS_AS(
      decode_key(hsk::as_bytes("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")),
      hsk::Error);
  CHECK_THROWS_AS(decode_private_key(encode_public_key(ec.pub)), hsk::Error);
  Bytes trailing = encode_pkcs8(ec);
  trailing.push_back(0);
  CHECK_THROWS_AS(decode_key(trailing), hsk::Error);
  // A wrong PEM label around a valid key.
  std::string wrong = pem_encode("RSA PRIVATE KEY", encode_pkcs8(ec));
  CHECK_THROWS_AS(decode_key(hsk::as_bytes(wrong)), hsk::Error);
}

TEST_CASE("signature AlgorithmIdentifiers round-trip", "[keys]") {
  for (SignatureAlgorithm a :
       {SignatureAlgorithm::rsa_pkcs1_sha1, SignatureAlgorithm::rsa_pkcs1_sha256,
        SignatureAlgorithm::rsa_pkcs1_sha384, SignatureAlgorithm::rsa_pkcs1_sha512,
        SignatureAlgorithm::rsa_pss_sha256, SignatureAlgorithm::rsa_pss_sha384,
        SignatureAlgorithm::rsa_pss_sha512, SignatureAlgorithm::dsa_sha1,
        SignatureAlgorithm::dsa_sha256, SignatureAlgorithm::ecdsa_sha1,
        SignatureAlgorithm::ecdsa_sha256, SignatureAlgorithm::ecdsa_sha384,
        SignatureAlgorithm::ecdsa_sha512}) {
    INFO(signature_algorithm_name(a));
    CHECK(decode_signature_algorithm(encode_signature_algorithm(a)) == a);
  }
  // sha256WithRSAEncryption with NULL, as every certificate carries it (RFC 4055 §5).
  CHECK(hsk::to_hex(encode_signature_algorithm(SignatureAlgorithm::rsa_pkcs1_sha256)) ==
        "300d06092a864886f70d01010b0500");
  // ecdsa-with-SHA256 without parameters (RFC 5758 §3.2).
  CHECK(hsk::to_hex(encode_signature_algorithm(SignatureAlgorithm::ecdsa_sha256)) ==
        "300a06082a8648ce3d040302");
  CHECK(decode_signature_algorithm(from_hex("300b06092a864886f70d01010b")) ==
        SignatureAlgorithm::rsa_pkcs1_sha256);
  CHECK_THROWS_AS(decode_signature_algorithm(from_hex("300c06082a8648ce3d0403020500")), hsk::Error);
  CHECK_THROWS_AS(signature_algorithm_oid(SignatureAlgorithm::rsa_pkcs1_md5_sha1), hsk::Error);
}
