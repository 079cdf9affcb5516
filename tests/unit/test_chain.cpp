// Certificate chain checks (pki/chain.hpp): every verdict on chains built here, in the order
// OpenSSL reports problems, and agreement with `openssl verify` on chains OpenSSL made at test
// time (skipped with a warning without the openssl binary). The CLI tests
// (tests/cli/verify-sig) hold the full agreement table.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "crypto/crypto.hpp"
#include "hsk/error.hpp"
#include "io/file.hpp"
#include "pki/chain.hpp"
#include "pki/der.hpp"
#include "pki/keys.hpp"
#include "pki/oids.hpp"
#include "pki/x509.hpp"

using hsk::Bytes;
using namespace hsk::pki;
namespace crypto = hsk::crypto;

namespace {

constexpr UnixTime k2030 = 1893456000;  // 2030-01-01T00:00:00Z
constexpr UnixTime k2031 = 1924992000;  // 2031-01-01T00:00:00Z
constexpr UnixTime kMid = 1906195200;   // 2030-05-28T10:40:00Z

struct Issued {
  crypto::PrivateKey key;
  Certificate cert;
};

// Make describes a certificate to build: Make("CN=x").ca().path_len(0).purpose(Purpose::server).
struct Make {
  explicit Make(std::string s) : subject(std::move(s)) {}
  Make& ca() {
    is_ca = true;
    return *this;
  }
  Make& path_len(std::uint64_t n) {
    len = n;
    return *this;
  }
  Make& ku(std::uint16_t mask) {
    usage = mask;
    return *this;
  }
  Make& purpose(Purpose p) {
    eku = p;
    return *this;
  }
  Make& valid(UnixTime from, UnixTime to) {
    nb = from;
    na = to;
    return *this;
  }
  std::string subject;
  bool is_ca = false;
  std::optional<std::uint64_t> len;
  std::optional<std::uint16_t> usage;
  Purpose eku = Purpose::any;
  UnixTime nb = k2030;
  UnixTime na = k2031;
};

crypto::Rng& rng() {
  static auto r = crypto::seeded_rng("test_chain");
  return *r;
}

// One P-256 key per certificate keeps the tests fast.
Issued make(const Make& m, const Issued* issuer = nullptr) {
  crypto::PrivateKey key = crypto::generate_ec(rng(), crypto::Curve::p256);
  CertificateSpec spec;
  spec.subject = parse_name(m.subject);
  spec.ca = m.is_ca;
  spec.path_len = m.len;
  spec.key_usage = m.usage;
  spec.purpose = m.eku;
  spec.not_before = m.nb;
  spec.not_after = m.na;
  Certificate c = build_certificate(spec, key.pub, issuer ? &issuer->cert : nullptr,
                                    issuer ? issuer->key : key, rng());
  return {std::move(key), std::move(c)};
}

ChainResult check(const Certificate& leaf, std::vector<Certificate> untrusted,
                  std::vector<Certificate> trusted, UnixTime at = kMid,
                  Purpose purpose = Purpose::any) {
  ChainOptions o;
  o.at = at;
  o.purpose = purpose;
  return verify_chain(leaf, untrusted, trusted, o);
}

std::optional<ChainError> first(const ChainResult& r) {
  if (r.problems.empty()) {
    return std::nullopt;
  }
  return r.problems.front().error;
}

// A tiny hand-made TBSCertificate signer, for extensions build_certificate does not write.
Certificate sign_raw(const Issued& issuer, const Certificate& like, const Bytes& extra_extension) {
  crypto::SignatureAlgorithm alg = crypto::SignatureAlgorithm::ecdsa_sha256;
  DerWriter tbs;
  tbs.sequence([&](DerWriter& t) {
    t.constructed(tag::context(0), [](DerWriter& v) { v.small_integer(2); });
    t.small_integer(77);
    t.raw(encode_signature_algorithm(alg));
    t.raw(issuer.cert.subject_der);
    t.sequence([&](DerWriter& v) {
      v.raw(encode_time(like.not_before));
      v.raw(encode_time(like.not_after));
    });
    t.raw(like.subject_der);
    t.raw(like.spki);
    t.constructed(tag::context(3), [&](DerWriter& x) {
      x.sequence([&](DerWriter& exts) { exts.raw(extra_extension); });
    });
  });
  Bytes sig = crypto::sign(issuer.key, alg, tbs.data(), rng());
  DerWriter cert;
  cert.sequence([&](DerWriter& c) {
    c.raw(tbs.data());
    c.raw(encode_signature_algorithm(alg));
    c.bit_string(sig);
  });
  return parse_certificate(cert.data());
}

bool have_openssl() {
  static const bool ok = std::system("openssl version >/dev/null 2>&1") == 0;
  return ok;
}

int sh_status(const std::string& cmd) {
  int status = std::system(("(" + cmd + ") >/dev/null 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("chain: a valid chain through an intermediate", "[chain]") {
  Issued root = make(Make("CN=root,O=hsk").ca());
  Issued inter = make(Make("CN=inter,O=hsk").ca().path_len(0), &root);
  Issued leaf = make(Make("CN=leaf").purpose(Purpose::server), &inter);
  ChainResult r = check(leaf.cert, {inter.cert}, {root.cert});
  CHECK(r.valid());
  CHECK(r.anchored);
  REQUIRE(r.chain.size() == 3);
  CHECK(r.chain[1].der == inter.cert.der);
  CHECK(r.chain[2].der == root.cert.der);
  CHECK(chain_verdict(r) == "OK");
  CHECK(check(leaf.cert, {inter.cert}, {root.cert}, kMid, Purpose::server).valid());
  // The intermediate may come from the trusted set too; the root may be among the untrusted
  // (it is found trusted first anyway).
  CHECK(check(leaf.cert, {}, {root.cert, inter.cert}).valid());
  CHECK(check(leaf.cert, {root.cert, inter.cert}, {root.cert}).valid());
  // The anchor alone, trusted: valid; with --partial-chain the intermediate can anchor.
  CHECK(check(root.cert, {}, {root.cert}).valid());
  ChainOptions partial;
  partial.at = kMid;
  partial.partial_chain = true;
  CHECK(verify_chain(leaf.cert, {}, std::vector<Certificate>{inter.cert}, partial).valid());
  ChainResult no_partial = check(leaf.cert, {}, {inter.cert});
  CHECK(first(no_partial) == ChainError::issuer_of_trusted_not_found);

  std::string text = chain_report_text(r, ChainOptions{kMid, Purpose::server, false});
  CHECK(text.find("depth 0: CN=leaf\n") != std::string::npos);
  CHECK(text.find("depth 2: CN=root,O=hsk  [trust anchor]") != std::string::npos);
  CHECK(text.find("  key:       EC P-256") != std::string::npos);
  CHECK(text.find("  signature: ecdsa-with-SHA256") != std::string::npos);
  CHECK(text.find("  validity:  2030-01-01T00:00:00Z to 2031-01-01T00:00:00Z") !=
        std::string::npos);
  CHECK(text.find("verdict: OK") != std::string::npos);
  auto j = nlohmann::json::parse(chain_report_json(r, ChainOptions{kMid, Purpose::server, false}));
  CHECK(j["valid"] == true);
  CHECK(j["purpose"] == "server");
  CHECK(j["at"] == "2030-05-28T10:40:00Z");
  CHECK(j["chain"].size() == 3);
  CHECK(j["chain"][2]["trust_anchor"] == true);
  CHECK(j["chain"][0]["issuer"] == "CN=inter,O=hsk");
  CHECK(j["problems"].empty());
}

TEST_CASE("chain: validity dates", "[chain]") {
  Issued root = make(Make("CN=root").ca().valid(k2030 - 86400 * 365, k2031 + 86400 * 365));
  Issued leaf = make(Make("CN=leaf"), &root);
  CHECK(check(leaf.cert, {}, {root.cert}, k2030).valid());  // notBefore itself is valid
  CHECK(check(leaf.cert, {}, {root.cert}, k2031).valid());  // and notAfter (RFC 5280)
  ChainResult early = check(leaf.cert, {}, {root.cert}, k2030 - 1);
  CHECK(first(early) == ChainError::not_yet_valid);
  CHECK(early.problems.front().depth == 0);
  CHECK(chain_verdict(early) ==
        "depth 0 (CN=leaf): certificate is not yet valid: notBefore 2030-01-01T00:00:00Z");
  ChainResult late = check(leaf.cert, {}, {root.cert}, k2031 + 1);
  CHECK(first(late) == ChainError::expired);
  CHECK(chain_error_openssl_code(ChainError::expired) == 10);
  // An expired root is reported first (OpenSSL checks from the anchor down).
  ChainResult both = check(leaf.cert, {}, {root.cert}, k2031 + 86400 * 400);
  REQUIRE(both.problems.size() == 2);
  CHECK(both.problems[0].depth == 1);
  CHECK(both.problems[1].depth == 0);
}

TEST_CASE("chain: issuers that cannot be found", "[chain]") {
  Issued root = make(Make("CN=root").ca());
  Issued other = make(Make("CN=other root").ca());
  Issued inter = make(Make("CN=inter").ca(), &root);
  Issued leaf = make(Make("CN=leaf"), &inter);
  ChainResult wrong = check(leaf.cert, {inter.cert}, {other.cert});
  CHECK(first(wrong) == ChainError::issuer_not_found);
  CHECK(wrong.problems.front().depth == 1);
  CHECK_FALSE(wrong.anchored);
  CHECK(chain_verdict(wrong) ==
        "depth 1 (CN=inter): issuer not found (openssl: unable to get local issuer certificate)");
  ChainResult missing = check(leaf.cert, {}, {root.cert});
  CHECK(first(missing) == ChainError::issuer_not_found);
  CHECK(missing.problems.front().depth == 0);
  // Same name, different key: the key identifiers tell them apart.
  Issued impostor = make(Make("CN=root").ca());
  CHECK(first(check(leaf.cert, {inter.cert}, {impostor.cert})) == ChainError::issuer_not_found);
  CHECK(check(leaf.cert, {inter.cert}, {impostor.cert, root.cert}).valid());
  // Self-signed and untrusted.
  CHECK(first(check(root.cert, {}, {other.cert})) == ChainError::self_signed_leaf);
  CHECK(first(check(leaf.cert, {inter.cert, root.cert}, {other.cert})) ==
        ChainError::self_signed_in_chain);
}

TEST_CASE("chain: bad signatures", "[chain]") {
  Issued root = make(Make("CN=root").ca());
  Issued leaf = make(Make("CN=leaf"), &root);
  Bytes tampered = leaf.cert.der;
  tampered[tampered.size() - 5] ^= 0x01;  // inside the signature value
  Certificate t = parse_certificate(tampered);
  ChainResult r = check(t, {}, {root.cert});
  CHECK(first(r) == ChainError::signature_failure);
  CHECK(r.problems.front().depth == 0);
  CHECK(chain_verdict(r) ==
        "depth 0 (CN=leaf): signature does not verify (openssl: certificate signature failure)");
  // A change in the signed part (the serial) breaks the signature too.
  Bytes body = leaf.cert.der;
  auto serial_at =
      std::search(body.begin(), body.end(), leaf.cert.serial.begin(), leaf.cert.serial.end());
  REQUIRE(serial_at != body.end());
  *(serial_at + 3) ^= 0x40;
  CHECK(first(check(parse_certificate(body), {}, {root.cert})) == ChainError::signature_failure);
  // The outer signatureAlgorithm no longer equals the TBSCertificate's (SHA-256 -> SHA-384).
  Bytes outer = leaf.cert.der;
  const Bytes oid256 = hsk::from_hex("06082a8648ce3d040302");
  auto at = std::find_end(outer.begin(), outer.end(), oid256.begin(), oid256.end());
  REQUIRE(at != outer.end());
  REQUIRE(at - outer.begin() > static_cast<std::ptrdiff_t>(leaf.cert.tbs.size()));
  *(at + 9) = 0x03;
  ChainResult mismatch = check(parse_certificate(outer), {}, {root.cert});
  CHECK(first(mismatch) == ChainError::signature_algorithm_mismatch);
  CHECK(chain_error_openssl_code(ChainError::signature_algorithm_mismatch) ==
        7);  // what openssl verify says
}

TEST_CASE("chain: issuer checks", "[chain]") {
  Issued root = make(Make("CN=root").ca());
  // An issuer without CA:TRUE.
  Issued not_ca =
      make(Make("CN=not a CA").ku(key_usage::kDigitalSignature | key_usage::kKeyCertSign), &root);
  Issued leaf1 = make(Make("CN=leaf1"), &not_ca);
  ChainResult r1 = check(leaf1.cert, {not_ca.cert}, {root.cert});
  CHECK(first(r1) == ChainError::issuer_not_ca);
  CHECK(r1.problems.front().depth == 1);
  CHECK(chain_error_openssl(ChainError::issuer_not_ca) == "invalid CA certificate");
  // A CA whose keyUsage lacks keyCertSign.
  Issued no_sign = make(
      Make("CN=no keyCertSign").ca().ku(key_usage::kDigitalSignature | key_usage::kCrlSign), &root);
  Issued leaf2 = make(Make("CN=leaf2"), &no_sign);
  ChainResult r2 = check(leaf2.cert, {no_sign.cert}, {root.cert});
  CHECK(first(r2) == ChainError::issuer_lacks_key_cert_sign);
  CHECK(r2.problems.front().depth == 1);
  CHECK(chain_error_openssl_code(ChainError::issuer_lacks_key_cert_sign) == 32);
  // Path length: the root allows no intermediate.
  Issued strict_root = make(Make("CN=strict root").ca().path_len(0));
  Issued inter = make(Make("CN=inter").ca(), &strict_root);
  Issued leaf3 = make(Make("CN=leaf3"), &inter);
  ChainResult r3 = check(leaf3.cert, {inter.cert}, {strict_root.cert});
  CHECK(first(r3) == ChainError::path_length_exceeded);
  CHECK(r3.problems.front().depth == 2);
  // pathlen 0 on the intermediate itself allows its leaf.
  Issued inter0 = make(Make("CN=inter0").ca().path_len(0), &root);
  Issued leaf4 = make(Make("CN=leaf4"), &inter0);
  CHECK(check(leaf4.cert, {inter0.cert}, {root.cert}).valid());
  // pathlen 1 on the root: two intermediates are one too many.
  Issued root1 = make(Make("CN=root1").ca().path_len(1));
  Issued a = make(Make("CN=a").ca(), &root1);
  Issued b = make(Make("CN=b").ca(), &a);
  Issued leaf5 = make(Make("CN=leaf5"), &b);
  CHECK(check(leaf5.cert, {b.cert}, {root1.cert, a.cert}).problems.size() == 1);
  CHECK(first(check(leaf5.cert, {a.cert, b.cert}, {root1.cert})) ==
        ChainError::path_length_exceeded);
}

TEST_CASE("chain: purposes", "[chain]") {
  Issued root = make(Make("CN=root").ca());
  Issued server = make(Make("CN=server").purpose(Purpose::server), &root);
  Issued client = make(Make("CN=client").purpose(Purpose::client), &root);
  Issued any = make(Make("CN=any"), &root);
  CHECK(check(server.cert, {}, {root.cert}, kMid, Purpose::server).valid());
  CHECK(first(check(server.cert, {}, {root.cert}, kMid, Purpose::client)) ==
        ChainError::unsuitable_purpose);
  CHECK(first(check(client.cert, {}, {root.cert}, kMid, Purpose::server)) ==
        ChainError::unsuitable_purpose);
  CHECK(check(client.cert, {}, {root.cert}, kMid, Purpose::client).valid());
  CHECK(check(any.cert, {}, {root.cert}, kMid, Purpose::server).valid());
  // keyUsage that does not allow TLS.
  Issued crl_only = make(Make("CN=crl only").ku(key_usage::kCrlSign), &root);
  CHECK(first(check(crl_only.cert, {}, {root.cert}, kMid, Purpose::server)) ==
        ChainError::unsuitable_purpose);
  // An untrusted intermediate restricted to client auth cannot issue server certificates.
  Issued client_ca = make(Make("CN=client CA").ca().purpose(Purpose::client), &root);
  Issued srv2 = make(Make("CN=srv2").purpose(Purpose::server), &client_ca);
  ChainResult r = check(srv2.cert, {client_ca.cert}, {root.cert}, kMid, Purpose::server);
  CHECK(first(r) == ChainError::unsuitable_purpose);
  CHECK(r.problems.front().depth == 1);
}

TEST_CASE("chain: unhandled critical extensions", "[chain]") {
  Issued root = make(Make("CN=root").ca());
  Issued leaf = make(Make("CN=leaf"), &root);
  DerWriter ext;
  ext.sequence([](DerWriter& e) {
    e.oid("1.3.6.1.4.1.55555.1");
    e.boolean(true);
    e.octet_string(Bytes{0x05, 0x00});
  });
  Certificate odd = sign_raw(root, leaf.cert, ext.data());
  ChainResult r = check(odd, {}, {root.cert});
  CHECK(first(r) == ChainError::unhandled_critical_extension);
  CHECK(r.problems.front().detail == "1.3.6.1.4.1.55555.1");
  // The same extension, not critical, is fine.
  DerWriter soft;
  soft.sequence([](DerWriter& e) {
    e.oid("1.3.6.1.4.1.55555.1");
    e.octet_string(Bytes{0x05, 0x00});
  });
  CHECK(check(sign_raw(root, leaf.cert, soft.data()), {}, {root.cert}).valid());
}

TEST_CASE("chain: error table", "[chain]") {
  for (ChainError e :
       {ChainError::issuer_not_found, ChainError::issuer_of_trusted_not_found,
        ChainError::self_signed_leaf, ChainError::self_signed_in_chain, ChainError::chain_too_long,
        ChainError::unhandled_critical_extension, ChainError::issuer_not_ca,
        ChainError::issuer_lacks_key_cert_sign, ChainError::path_length_exceeded,
        ChainError::unsuitable_purpose, ChainError::issuer_key_unusable,
        ChainError::signature_algorithm_mismatch, ChainError::signature_failure,
        ChainError::not_yet_valid, ChainError::expired}) {
    CHECK_FALSE(chain_error_id(e).empty());
    CHECK_FALSE(chain_error_reason(e).empty());
    CHECK_FALSE(chain_error_openssl(e).empty());
    CHECK(chain_error_openssl_code(e) > 0);
  }
  CHECK(chain_error_reason(ChainError::issuer_not_found) == "issuer not found");
  CHECK(chain_error_openssl(ChainError::issuer_not_found) ==
        "unable to get local issuer certificate");
  CHECK(chain_error_reason(ChainError::issuer_not_ca) == "issuer is not a CA");
  CHECK(chain_error_reason(ChainError::issuer_lacks_key_cert_sign) == "issuer lacks keyCertSign");
  CHECK(chain_error_reason(ChainError::path_length_exceeded) == "path length exceeded");
  CHECK(chain_error_reason(ChainError::unsuitable_purpose) == "unsuitable purpose");
  CHECK(chain_error_reason(ChainError::signature_failure) == "signature does not verify");
}

TEST_CASE("chain: agrees with openssl verify on OpenSSL-made chains", "[chain]") {
  if (!have_openssl()) {
    FAIL("openssl not found (scripts/deps installs it)");
  }
  std::string t = (std::filesystem::temp_directory_path() / "hsk-chain-XXXXXX").string();
  REQUIRE(::mkdtemp(t.data()) != nullptr);
  auto p = [&t](const std::string& n) { return t + "/" + n; };
  std::ofstream(p("ext.cnf"))
      << "[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
         "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
         "[leaf]\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
         "extendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n";
  REQUIRE(sh_status("cd " + t +
                    " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
                    "-keyout root.key"
                    " -subj /CN=ossl-root -days 30 -out root.pem") == 0);
  REQUIRE(
      sh_status(
          "cd " + t +
          " && openssl req -new -newkey rsa:2048 -nodes -keyout int.key -subj /CN=ossl-int -out "
          "int.csr"
          " && openssl x509 -req -in int.csr -CA root.pem -CAkey root.key -CAcreateserial -days 30"
          " -extfile ext.cnf -extensions ca -out int.pem") == 0);
  REQUIRE(
      sh_status(
          "cd " + t +
          " && openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout leaf.key"
          " -subj /CN=ossl-leaf -out leaf.csr && openssl x509 -req -in leaf.csr -CA int.pem -CAkey "
          "int.key"
          " -CAcreateserial -days 30 -extfile ext.cnf -extensions leaf -out leaf.pem") == 0);
  Certificate root = load_certificates(p("root.pem")).front();
  Certificate inter = load_certificates(p("int.pem")).front();
  Certificate leaf = load_certificates(p("leaf.pem")).front();
  UnixTime now = now_utc();
  CHECK(sh_status("openssl verify -CAfile " + p("root.pem") + " -untrusted " + p("int.pem") + " " +
                  p("leaf.pem")) == 0);
  CHECK(check(leaf, {inter}, {root}, now, Purpose::server).valid());
  CHECK(sh_status("openssl verify -CAfile " + p("root.pem") + " " + p("leaf.pem")) != 0);
  CHECK(first(check(leaf, {}, {root}, now)) == ChainError::issuer_not_found);
  std::string later = std::to_string(now + 86400 * 60);
  CHECK(sh_status("openssl verify -attime " + later + " -CAfile " + p("root.pem") + " -untrusted " +
                  p("int.pem") + " " + p("leaf.pem")) != 0);
  CHECK(first(check(leaf, {inter}, {root}, now + 86400 * 60)) == ChainError::expired);
  std::error_code ec;
  std::filesystem::remove_all(t, ec);
}
