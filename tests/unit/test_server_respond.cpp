// handshake::server_respond — the server's phases 1-2 (RFC 5246 §7.4.1.3 - §7.4.5): version
// and suite choice (server and client preference, version gating, refusals with their
// alerts), key-pair choice per key exchange, the ServerHello extensions echoed, the message
// sequence per key exchange family, the ServerKeyExchange signature checked with crypto::verify
// over client_random ‖ server_random ‖ params assembled here by hand (TLS 1.2 schemes incl.
// RSA-PSS, and the TLS 1.0/1.1 MD5+SHA-1 / SHA-1 signatures without an algorithm field),
// CertificateRequest fields, groups, records and the server state.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "crypto/crypto.hpp"
#include "crypto/tls_crypto.hpp"
#include "dh/groups.hpp"
#include "handshake/client_hello.hpp"
#include "handshake/server_respond.hpp"
#include "handshake/signatures.hpp"
#include "handshake/state.hpp"
#include "hsk/error.hpp"
#include "pki/testpki.hpp"
#include "pki/x509.hpp"
#include "wire/extensions.hpp"
#include "wire/messages.hpp"
#include "wire/reader.hpp"
#include "wire/record.hpp"

using hsk::Bytes;
using hsk::ByteView;
using hsk::to_hex;
using namespace hsk::handshake;
namespace wire = hsk::wire;
namespace crypto = hsk::crypto;

namespace {

using Codes = std::vector<std::uint16_t>;

// The test PKI, made once per run from a fixed seed.
struct Pki {
  std::string dir;
  ServerKeyPair rsa, dsa, ecdsa, dh_rsa, dh_dss;
  std::vector<hsk::pki::Certificate> ca;
  Pki() = default;
  Pki(const Pki&) = delete;
  Pki& operator=(const Pki&) = delete;
  Pki(Pki&&) = default;
  Pki& operator=(Pki&&) = default;
  // The directory goes with the object (an atexit handler registered from inside the static's
  // initialiser would run after the static was destroyed).
  ~Pki() {
    if (!dir.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  }
};

const Pki& pki() {
  static const Pki p = [] {
    Pki out;
    char tmpl[] = "/tmp/hsk-test-server-respond-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    out.dir = tmpl;
    auto rng = crypto::seeded_rng("test_server_respond pki");
    hsk::pki::TestPkiOptions o;
    o.not_before = 1700000000;
    o.not_after = 4000000000;
    hsk::pki::make_test_pki(out.dir, *rng, o);
    auto pair = [&](const std::string& name) {
      return load_server_key_pair(out.dir + "/" + name + ".pem", out.dir + "/" + name + ".key");
    };
    out.rsa = pair("server-rsa");
    out.dsa = pair("server-dsa");
    out.ecdsa = pair("server-ecdsa");
    out.dh_rsa = pair("server-dh-rsa");
    out.dh_dss = pair("server-dh-dss");
    out.ca = hsk::pki::load_certificates(out.dir + "/ca.pem");
    return out;
  }();
  return p;
}

ServerRespondOptions all_pairs() {
  ServerRespondOptions o;
  o.pairs = {pki().rsa, pki().dsa, pki().ecdsa, pki().dh_rsa, pki().dh_dss};
  o.random_mode = RandomMode::random;
  return o;
}

BuiltClientHello client(ClientHelloOptions c) {
  auto rng = crypto::seeded_rng("client");
  return build_client_hello(c, *rng);
}

BuiltClientHello hello_for(Codes suites, std::uint16_t version = wire::kTls12) {
  ClientHelloOptions c;
  c.version = version;
  c.cipher_suites = std::move(suites);
  return client(c);
}

ServerFlight respond(const BuiltClientHello& ch, const ServerRespondOptions& o,
                     const std::string& seed = "server") {
  auto rng = crypto::seeded_rng(seed);
  return server_respond(ch.hello, ch.message, o, *rng);
}

Codes types_of(const ServerFlight& f) {
  Codes out;
  for (const auto& m : f.messages) {
    out.push_back(m.msg_type);
  }
  return out;
}

const wire::HandshakeMessage* find(const ServerFlight& f, wire::HandshakeType t) {
  for (const auto& m : f.messages) {
    if (m.msg_type == static_cast<std::uint8_t>(t)) {
      return &m;
    }
  }
  return nullptr;
}

Codes ext_types(const wire::ServerHello& h) {
  Codes out;
  if (h.extensions) {
    for (const auto& e : *h.extensions) {
      out.push_back(e.type);
    }
  }
  return out;
}

void expect_refusal(const BuiltClientHello& ch, const ServerRespondOptions& o, std::uint8_t alert,
                    const std::string& text) {
  try {
    respond(ch, o);
    FAIL("accepted");
  } catch (const hsk::Error& e) {
    INFO(e.message());
    CHECK(e.kind() == hsk::ErrorKind::check_failed);
    CHECK(int(e.alert()) == int(alert));
    CHECK(e.message().find(text) != std::string::npos);
  }
}

// The parts of a ServerKeyExchange, split by hand after RFC 5246 §7.4.3 / RFC 8422 §5.4.
struct Ske {
  Bytes params;
  std::optional<std::uint16_t> algorithm;
  Bytes signature;
  bool has_signature = false;
};

Ske split_ske(ByteView body, bool ec, std::uint16_t version) {
  std::size_t at = 0;
  auto u8 = [&] { return body[at++]; };
  auto u16 = [&] {
    std::uint16_t v = static_cast<std::uint16_t>(body[at] << 8 | body[at + 1]);
    at += 2;
    return v;
  };
  if (ec) {
    CHECK(u8() == 3);  // named_curve
    u16();
    std::size_t n = u8();
    at += n;
  } else {
    for (int i = 0; i < 3; ++i) {  // dh_p, dh_g, dh_Ys
      std::size_t n = u16();
      REQUIRE(n > 0);
      at += n;
    }
  }
  Ske s;
  s.params.assign(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(at));
  if (at == body.size()) {
    return s;
  }
  s.has_signature = true;
  if (version >= wire::kTls12) {
    s.algorithm = u16();
  }
  std::size_t n = u16();
  s.signature.assign(body.begin() + static_cast<std::ptrdiff_t>(at), body.end());
  CHECK(s.signature.size() == n);
  return s;
}

Bytes concat(ByteView a, ByteView b, ByteView c) {
  Bytes out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  out.insert(out.end(), c.begin(), c.end());
  return out;
}

// check_signed_ske verifies the ServerKeyExchange signature with crypto::verify under
// `expected_alg`, over client_random ‖ server_random ‖ params concatenated here.
void check_signed_ske(const BuiltClientHello& ch, const ServerFlight& f, const ServerKeyPair& pair,
                      crypto::SignatureAlgorithm expected_alg,
                      std::optional<std::uint16_t> expected_code) {
  const auto* m = find(f, wire::HandshakeType::server_key_exchange);
  REQUIRE(m);
  const wire::CipherSuite* s = wire::find_cipher_suite(f.cipher_suite);
  REQUIRE(s);
  bool ec = s->kx == wire::KeyExchange::ecdhe_rsa || s->kx == wire::KeyExchange::ecdhe_ecdsa;
  Ske ske = split_ske(m->body, ec, f.version);
  REQUIRE(ske.has_signature);
  CHECK(ske.algorithm == expected_code);
  Bytes data = concat(ch.hello.random, f.server_hello.random, ske.params);
  CHECK(crypto::verify(pair.chain.front().key.value(), expected_alg, data, ske.signature));
  // One byte of the params changed: the signature no longer holds.
  Bytes bad = data;
  bad[70] ^= 1;
  CHECK_FALSE(crypto::verify(pair.chain.front().key.value(), expected_alg, bad, ske.signature));
  // And the library's own check agrees, through the decoder's view of the params.
  wire::Reader r(m->body);
  wire::ServerKeyExchange dec = wire::decode_server_key_exchange(r, {f.version, f.cipher_suite});
  REQUIRE(dec.signature);
  ByteView params = wire::server_params_bytes(m->body, {f.version, f.cipher_suite});
  CHECK(Bytes(params.begin(), params.end()) == ske.params);
  SignatureCheck sc =
      verify_handshake_signature(*pair.chain.front().key, f.version, *dec.signature,
                                 ske_signed_data(ch.hello.random, f.server_hello.random, params));
  INFO(sc.reason);
  CHECK(sc.valid);
}

constexpr std::uint8_t kSH = 2, kCert = 11, kSke = 12, kCr = 13, kShd = 14;

}  // namespace

TEST_CASE("server-respond: server preference vs client preference", "[server-respond]") {
  BuiltClientHello ch = hello_for({0xc030, 0xc02f, 0x009c});
  ServerRespondOptions o = all_pairs();
  o.suites = {0x009c, 0xc02f, 0xc030};
  CHECK(respond(ch, o).cipher_suite == 0x009c);
  o.prefer = Preference::client;
  CHECK(respond(ch, o).cipher_suite == 0xc030);
  // Suites the server does not list are never chosen, whoever prefers.
  o.suites = {0xc02f};
  CHECK(respond(ch, o).cipher_suite == 0xc02f);
  // Default server list: every suite hsk implements, in family order (AEAD ECDHE first).
  ServerRespondOptions d = all_pairs();
  CHECK(respond(hello_for({0x002f, 0x009c, 0xc02f}), d).cipher_suite == 0xc02f);
}

TEST_CASE("server-respond: version gating", "[server-respond]") {
  ServerRespondOptions o = all_pairs();
  // A TLS 1.0 client: the TLS 1.2-only suite (AES-GCM) is passed over.
  ServerFlight f = respond(hello_for({0xc02f, 0xc013}, wire::kTls10), o);
  CHECK(f.version == wire::kTls10);
  CHECK(f.server_hello.server_version == wire::kTls10);
  CHECK(f.cipher_suite == 0xc013);
  CHECK(f.explain.find("needs TLS 1.2") != std::string::npos);
  // max_version caps a TLS 1.2 client.
  o.max_version = wire::kTls11;
  f = respond(hello_for({0xc02f, 0xc013}), o);
  CHECK(f.version == wire::kTls11);
  CHECK(f.cipher_suite == 0xc013);
  // Records carry the negotiated version.
  CHECK(to_hex(ByteView(f.records).first(3)) == "160302");
  // Below min_version: protocol_version.
  o = all_pairs();
  o.min_version = wire::kTls12;
  expect_refusal(hello_for({0xc013}, wire::kTls10), o, 70, "at least TLS 1.2");
  o.min_version = wire::kTls13;
  CHECK_THROWS_AS(respond(hello_for({0xc013}), o), hsk::Error);
}

TEST_CASE("server-respond: no common suite is handshake_failure", "[server-respond]") {
  ServerRespondOptions rsa_only;
  rsa_only.pairs = {pki().rsa};
  // DHE_DSS needs a DSA key; ECDHE_ECDSA an EC key.
  expect_refusal(hello_for({0x00a2, 0xc02b}), rsa_only, 40, "DHE_DSS");
  // Nothing in common with --suites.
  ServerRespondOptions o = all_pairs();
  o.suites = {0x009c};
  expect_refusal(hello_for({0xc02f}), o, 40, "none of the client's 1 cipher suites");
  // No key pairs: only anonymous suites could be served.
  ServerRespondOptions none;
  expect_refusal(hello_for({0x009c}), none, 40, "no --cert/--key pair");
  CHECK(respond(hello_for({0x009c, 0x00a6}), none).cipher_suite == 0x00a6);
  // No null compression.
  ClientHelloOptions c;
  c.cipher_suites = {0x009c};
  c.compression_methods = {1};
  expect_refusal(client(c), all_pairs(), 40, "null compression");
}

TEST_CASE("server-respond: the key pair that fits each suite", "[server-respond]") {
  ServerRespondOptions o = all_pairs();  // rsa 0, dsa 1, ecdsa 2, dh_rsa 3, dh_dss 4
  struct Row {
    std::uint16_t suite;
    std::size_t pair;
  };
  for (Row row : {Row{0x009c, 0}, Row{0xc02f, 0}, Row{0x009e, 0}, Row{0x00a2, 1}, Row{0xc02b, 2},
                  Row{0x00a0, 3}, Row{0x00a4, 4}}) {
    INFO(std::hex << row.suite);
    ServerFlight f = respond(hello_for({row.suite}), o);
    CHECK(f.cipher_suite == row.suite);
    REQUIRE(f.pair_index);
    CHECK(*f.pair_index == row.pair);
    CHECK(f.state.values.at("server_key_file") == o.pairs[row.pair].key_file);
    CHECK(f.state.values.at("server_cert_file") == o.pairs[row.pair].cert_file);
  }
  // Order of the pairs: the first that fits wins; those that do not fit are skipped.
  ServerRespondOptions r;
  r.pairs = {pki().ecdsa, pki().rsa};
  CHECK(*respond(hello_for({0xc02f}), r).pair_index == 1);

  using K = wire::KeyExchange;
  CHECK(pair_fits_suite(pki().rsa, K::rsa, std::nullopt).empty());
  CHECK_FALSE(pair_fits_suite(pki().rsa, K::dhe_dss, std::nullopt).empty());
  CHECK(pair_fits_suite(pki().dh_rsa, K::dh_rsa, std::nullopt).empty());
  CHECK(pair_fits_suite(pki().dh_rsa, K::dh_dss, std::nullopt).find("DSA") != std::string::npos);
  CHECK(pair_fits_suite(pki().dh_dss, K::dh_dss, std::nullopt).empty());
  CHECK_FALSE(pair_fits_suite(pki().dh_dss, K::dh_rsa, std::nullopt).empty());
  CHECK(pair_fits_suite(pki().ecdsa, K::ecdhe_ecdsa, Codes{29, 23}).empty());
  CHECK(pair_fits_suite(pki().ecdsa, K::ecdhe_ecdsa, Codes{29, 24}).find("secp256r1") !=
        std::string::npos);

  // A P-256 key when the client lists only x25519 and secp384r1: ECDHE_ECDSA is not eligible.
  ClientHelloOptions c;
  c.cipher_suites = {0xc02b, 0xc02f};
  c.groups = Codes{29, 24};
  CHECK(respond(client(c), o).cipher_suite == 0xc02f);
}

TEST_CASE("server-respond: message sequence per key exchange family", "[server-respond]") {
  ServerRespondOptions o = all_pairs();
  struct Row {
    std::uint16_t suite;
    Codes types;
  };
  for (Row row : {
           Row{0x009c, {kSH, kCert, kShd}},        // RSA: no ServerKeyExchange
           Row{0x00a0, {kSH, kCert, kShd}},        // DH_RSA: fixed DH, none either
           Row{0x00a4, {kSH, kCert, kShd}},        // DH_DSS
           Row{0x009e, {kSH, kCert, kSke, kShd}},  // DHE_RSA
           Row{0x00a2, {kSH, kCert, kSke, kShd}},  // DHE_DSS
           Row{0xc02f, {kSH, kCert, kSke, kShd}},  // ECDHE_RSA
           Row{0xc02b, {kSH, kCert, kSke, kShd}},  // ECDHE_ECDSA
           Row{0x00a6, {kSH, kSke, kShd}},         // DH_anon: no Certificate
           Row{0xc018, {kSH, kSke, kShd}},         // ECDH_anon
       }) {
    INFO(std::hex << row.suite);
    ServerFlight f = respond(hello_for({row.suite}), o);
    CHECK(types_of(f) == row.types);
    const auto* ske = find(f, wire::HandshakeType::server_key_exchange);
    bool anon = row.suite == 0x00a6 || row.suite == 0xc018;
    if (anon) {
      // Unsigned: the body is exactly the params.
      Ske s = split_ske(ske->body, row.suite == 0xc018, f.version);
      CHECK_FALSE(s.has_signature);
      CHECK(s.params == ske->body);
      CHECK_FALSE(f.pair_index);
      CHECK(f.state.values.count("server_key_file") == 0);
    }
    if (!ske) {
      CHECK(f.state.secrets.count("kex_private") == 0);
      CHECK(f.state.values.count("kex_group") == 0);
    } else {
      CHECK(f.state.secrets.count("kex_private") == 1);
    }
    const auto* cert = find(f, wire::HandshakeType::certificate);
    if (cert) {
      wire::Reader r(cert->body);
      wire::Certificate c = wire::decode_certificate(r);
      REQUIRE(c.certificate_list.size() == 1);
      CHECK(c.certificate_list[0] == o.pairs[*f.pair_index].chain.front().der);
    }
  }
}

TEST_CASE("server-respond: the whole chain of a cert file goes out, leaf first",
          "[server-respond]") {
  ServerKeyPair p = pki().rsa;
  p.chain.push_back(pki().ca.front());
  ServerRespondOptions o;
  o.pairs = {p};
  ServerFlight f = respond(hello_for({0x009c}), o);
  const auto* cert = find(f, wire::HandshakeType::certificate);
  REQUIRE(cert);
  wire::Reader r(cert->body);
  wire::Certificate c = wire::decode_certificate(r);
  REQUIRE(c.certificate_list.size() == 2);
  CHECK(c.certificate_list[0] == pki().rsa.chain.front().der);
  CHECK(c.certificate_list[1] == pki().ca.front().der);
}

TEST_CASE("server-respond: ServerHello extensions echo what the client sent", "[server-respond]") {
  ServerRespondOptions o = all_pairs();
  o.alpn = {"http/1.1", "h2"};
  ClientHelloOptions c;
  c.cipher_suites = {0xc02f};
  c.alpn = {"h2", "http/1.1"};
  ServerFlight f = respond(client(c), o);
  // renegotiation_info, extended_master_secret, ec_point_formats, ALPN.
  CHECK(ext_types(f.server_hello) == Codes{0xff01, 23, 11, 16});
  for (const auto& e : *f.server_hello.extensions) {
    if (e.type == 0xff01) {
      CHECK(to_hex(e.data) == "00");
    } else if (e.type == 23) {
      CHECK(e.data.empty());
    } else if (e.type == 11) {
      CHECK(to_hex(e.data) == "0100");
    } else if (e.type == 16) {
      CHECK(to_hex(e.data) == "0003026832");  // the client's first: h2
    }
  }
  CHECK(f.state.values.at("alpn") == "h2");

  // --no-ems; a non-EC suite gets no ec_point_formats; no ALPN configured, none echoed.
  o.extended_master_secret = false;
  o.alpn.clear();
  c.cipher_suites = {0x009c};
  f = respond(client(c), o);
  CHECK(ext_types(f.server_hello) == Codes{0xff01});

  // The SCSV alone asks for renegotiation_info too; no EMS from the client, none back.
  ClientHelloOptions s;
  s.cipher_suites = {0x009c};
  s.renegotiation = Renegotiation::scsv;
  s.extended_master_secret = false;
  CHECK(ext_types(respond(client(s), all_pairs()).server_hello) == Codes{0xff01});

  // No renegotiation signal and no EMS: no extensions block at all.
  s.renegotiation = Renegotiation::none;
  ServerFlight n = respond(client(s), all_pairs());
  CHECK_FALSE(n.server_hello.extensions);

  // ALPN with nothing in common: no_application_protocol (RFC 7301 §3.2).
  ServerRespondOptions a = all_pairs();
  a.alpn = {"spdy/3"};
  expect_refusal(client(c), a, 120, "ALPN");
}

TEST_CASE("server-respond: encrypt_then_mac is echoed for CBC suites only (RFC 7366 §3)",
          "[server-respond]") {
  ClientHelloOptions c;
  c.cipher_suites = {0xc02f, 0xc027};  // ECDHE-RSA AES-128-GCM, then AES-128-CBC-SHA256
  ServerRespondOptions o = all_pairs();
  // The client offers it (a CBC suite is in its list); the server picks GCM: no echo.
  const BuiltClientHello offer = client(c);
  REQUIRE(offer.hello.extensions);
  const auto& offered = *offer.hello.extensions;
  REQUIRE(std::count_if(offered.begin(), offered.end(),
                        [](const auto& e) { return e.type == 22 && e.data.empty(); }) == 1);
  CHECK(ext_types(respond(client(c), o).server_hello) == Codes{0xff01, 23, 11});
  // The server picks the CBC suite: echoed, empty.
  o.suites = {0xc027};
  ServerFlight f = respond(client(c), o);
  CHECK(f.server_hello.cipher_suite == 0xc027);
  CHECK(ext_types(f.server_hello) == Codes{0xff01, 23, 22, 11});
  // --no-etm, or a client that did not offer it: not echoed.
  o.encrypt_then_mac = false;
  CHECK(ext_types(respond(client(c), o).server_hello) == Codes{0xff01, 23, 11});
  o.encrypt_then_mac = true;
  c.encrypt_then_mac = false;
  CHECK(ext_types(respond(client(c), o).server_hello) == Codes{0xff01, 23, 11});
}

TEST_CASE("server-respond: TLS 1.2 ServerKeyExchange signatures verify", "[server-respond]") {
  using A = crypto::SignatureAlgorithm;
  ServerRespondOptions o = all_pairs();
  // Default client sigalgs: ECDSA first, then RSA-PSS (as OpenSSL 3 offers): PSS for RSA keys.
  BuiltClientHello ch = hello_for({0xc02f});
  ServerFlight f = respond(ch, o);
  check_signed_ske(ch, f, pki().rsa, A::rsa_pss_sha256, 0x0804);
  CHECK(f.state.values.at("signature_scheme") == "0x0804");

  ClientHelloOptions c;
  c.cipher_suites = {0x009e};
  c.sigalgs = Codes{0x0401};  // RSA+SHA256 (PKCS#1 v1.5)
  ch = client(c);
  check_signed_ske(ch, respond(ch, o), pki().rsa, A::rsa_pkcs1_sha256, 0x0401);

  c.sigalgs = Codes{0x0805, 0x0401};
  ch = client(c);
  check_signed_ske(ch, respond(ch, o), pki().rsa, A::rsa_pss_sha384, 0x0805);

  ch = hello_for({0x00a2});
  check_signed_ske(ch, respond(ch, o), pki().dsa, A::dsa_sha256, 0x0402);

  ch = hello_for({0xc02b});
  check_signed_ske(ch, respond(ch, o), pki().ecdsa, A::ecdsa_sha256, 0x0403);

  // No signature_algorithms from the client: RFC 5246 §7.4.1.4.1 means SHA-1.
  c.cipher_suites = {0xc02f};
  c.sigalgs = Codes{};
  ch = client(c);
  check_signed_ske(ch, respond(ch, o), pki().rsa, A::rsa_pkcs1_sha1, 0x0201);

  // A client that accepts no RSA scheme: ECDHE_RSA is not eligible; ECDHE_ECDSA is.
  c.cipher_suites = {0xc02f, 0xc02b};
  c.sigalgs = Codes{0x0403};
  ch = client(c);
  CHECK(respond(ch, o).cipher_suite == 0xc02b);
}

TEST_CASE("server-respond: TLS 1.0/1.1 signatures (MD5+SHA-1, SHA-1; no algorithm field)",
          "[server-respond]") {
  using A = crypto::SignatureAlgorithm;
  ServerRespondOptions o = all_pairs();
  BuiltClientHello ch = hello_for({0x0033}, wire::kTls10);  // DHE-RSA-AES128-SHA
  ServerFlight f = respond(ch, o);
  CHECK(f.version == wire::kTls10);
  check_signed_ske(ch, f, pki().rsa, A::rsa_pkcs1_md5_sha1, std::nullopt);
  CHECK(f.state.values.count("signature_scheme") == 0);

  ch = hello_for({0x0032}, wire::kTls11);  // DHE-DSS-AES128-SHA
  check_signed_ske(ch, respond(ch, o), pki().dsa, A::dsa_sha1, std::nullopt);

  ch = hello_for({0xc009}, wire::kTls10);  // ECDHE-ECDSA-AES128-SHA
  check_signed_ske(ch, respond(ch, o), pki().ecdsa, A::ecdsa_sha1, std::nullopt);
}

TEST_CASE("server-respond: groups", "[server-respond]") {
  ServerRespondOptions o = all_pairs();
  auto ske_of = [](const ServerFlight& f) {
    const auto* m = find(f, wire::HandshakeType::server_key_exchange);
    REQUIRE(m);
    wire::Reader r(m->body);
    return wire::decode_server_key_exchange(r, {f.version, f.cipher_suite});
  };
  // No supported_groups for a DHE-only client hello: --group (ffdhe2048).
  ClientHelloOptions c;
  c.cipher_suites = {0x009e};
  c.groups = Codes{};
  ServerFlight f = respond(client(c), o);
  CHECK(crypto::bit_length(ske_of(f).dh.dh_p) == 2048);
  CHECK(ske_of(f).dh.dh_p == hsk::dh::group_params(*hsk::dh::find_group("ffdhe2048"), false).p);
  CHECK(f.state.values.at("kex_group") == "ffdhe2048");
  // The private x matches the public Ys: g^x mod p.
  CHECK(crypto::mod_exp(Bytes{2}, f.state.secrets.at("kex_private"), ske_of(f).dh.dh_p) ==
        ske_of(f).dh.dh_Ys);

  o.dh_group = "ffdhe3072";
  CHECK(respond(client(c), o).state.values.at("kex_group") == "ffdhe3072");

  // The client's first known RFC 7919 group wins over --group (RFC 7919 §4).
  c.groups = Codes{29, 0x0102, 0x0100};
  f = respond(client(c), o);
  CHECK(f.state.values.at("kex_group") == "ffdhe4096");
  CHECK(crypto::bit_length(ske_of(f).dh.dh_p) == 4096);
  // Only unknown ffdhe codes: no DHE suite (RFC 7919 §4).
  c.groups = Codes{0x01fc};
  expect_refusal(client(c), o, 40, "RFC 7919");

  // --dh-params wins over everything.
  hsk::crypto::DhParams explicit_params =
      hsk::dh::group_params(*hsk::dh::find_group("modp2048"), false);
  o.dh_params = explicit_params;
  c.groups = Codes{0x0100};
  f = respond(client(c), o);
  CHECK(f.state.values.at("kex_group") == "explicit");
  CHECK(ske_of(f).dh.dh_p == explicit_params.p);

  // ECDHE: the first of x25519/secp256r1/secp384r1 in the client's order.
  ClientHelloOptions e;
  e.cipher_suites = {0xc02f};
  e.groups = Codes{0x0100, 24, 23, 29};
  f = respond(client(e), all_pairs());
  CHECK(ske_of(f).ecdh.named_curve == 24);
  CHECK(ske_of(f).ecdh.point.size() == 97);
  CHECK(f.state.values.at("kex_group") == "secp384r1");
  // The private scalar is the point's: agreeing with a peer gives the same secret both ways.
  auto peer = crypto::seeded_rng("peer");
  crypto::KexKeyPair kp = crypto::ecdh_generate(crypto::EcdhGroup::secp384r1, *peer);
  CHECK(crypto::ecdh_agree(crypto::EcdhGroup::secp384r1, f.state.secrets.at("kex_private"),
                           kp.public_key) ==
        crypto::ecdh_agree(crypto::EcdhGroup::secp384r1, kp.private_key, ske_of(f).ecdh.point));
  e.groups = std::nullopt;  // default client groups: x25519 first
  f = respond(client(e), all_pairs());
  CHECK(ske_of(f).ecdh.named_curve == 29);
  CHECK(ske_of(f).ecdh.point.size() == 32);
  // Only curves hsk does not implement: no ECDHE suite.
  e.groups = Codes{25};
  expect_refusal(client(e), all_pairs(), 40, "supported_groups");
}

TEST_CASE("server-respond: CertificateRequest", "[server-respond]") {
  ServerRespondOptions o = all_pairs();
  o.request_cert = true;
  o.client_ca = pki().ca;
  ServerFlight f = respond(hello_for({0xc02f}), o);
  CHECK(types_of(f) == Codes{kSH, kCert, kSke, kCr, kShd});
  const auto* m = find(f, wire::HandshakeType::certificate_request);
  REQUIRE(m);
  wire::Reader r(m->body);
  wire::CertificateRequest cr = wire::decode_certificate_request(r, wire::kTls12);
  CHECK(to_hex(cr.certificate_types) == "010240");  // rsa_sign, dss_sign, ecdsa_sign
  REQUIRE(cr.signature_algorithms);
  CHECK(*cr.signature_algorithms == server_supported_sigalgs());
  CHECK(std::find(cr.signature_algorithms->begin(), cr.signature_algorithms->end(), 0x0804) !=
        cr.signature_algorithms->end());
  REQUIRE(cr.certificate_authorities.size() == 1);
  CHECK(cr.certificate_authorities[0] == pki().ca.front().subject_der);
  CHECK(f.state.values.at("client_auth_requested") == "true");

  // Fixed DH adds rsa_fixed_dh and dss_fixed_dh; TLS 1.0 has no signature algorithms field.
  f = respond(hello_for({0x0030}, wire::kTls10), o);  // DH-DSS-AES128-SHA
  m = find(f, wire::HandshakeType::certificate_request);
  REQUIRE(m);
  wire::Reader r10(m->body);
  cr = wire::decode_certificate_request(r10, wire::kTls10);
  CHECK(to_hex(cr.certificate_types) == "0102400304");
  CHECK_FALSE(cr.signature_algorithms);

  // Not asked: no CertificateRequest, no value.
  o.request_cert = false;
  f = respond(hello_for({0xc02f}), o);
  CHECK(find(f, wire::HandshakeType::certificate_request) == nullptr);
  CHECK(f.state.values.count("client_auth_requested") == 0);
}

TEST_CASE("server-respond: records, state and reproducibility", "[server-respond]") {
  ClientHelloOptions c;
  c.cipher_suites = {0x009e};
  c.session_id = Bytes(32, 0xaa);
  BuiltClientHello ch = client(c);
  ServerRespondOptions o = all_pairs();
  o.random_mode = RandomMode::rfc;
  o.gmt_unix_time = 0x5f000000;
  ServerFlight f = respond(ch, o);

  // The records reassemble into exactly the messages; each record at most 2^14 bytes.
  wire::Reader rr(f.records);
  wire::HandshakeAssembler as;
  while (!rr.empty()) {
    wire::Record rec = wire::decode_record(rr, wire::kMaxPlaintext);
    CHECK(rec.content_type == 22);
    CHECK(rec.version == wire::kTls12);
    as.add(rec);
  }
  CHECK_FALSE(as.pending());
  auto msgs = as.take();
  REQUIRE(msgs.size() == f.messages.size());
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    CHECK(msgs[i] == f.messages[i]);
  }

  CHECK(to_hex(ByteView(f.server_hello.random).first(4)) == "5f000000");
  CHECK(f.server_hello.session_id.size() == 32);
  CHECK(f.server_hello.session_id != c.session_id);  // an unknown id is not resumed

  const State& s = f.state;
  CHECK(s.role == Role::server);
  CHECK(s.version == wire::kTls12);
  CHECK(s.offered_suites == ch.hello.cipher_suites);
  CHECK(s.client_random == ch.hello.random);
  CHECK(s.session_id == c.session_id);
  CHECK(s.negotiated_version == wire::kTls12);
  CHECK(s.cipher_suite == 0x009e);
  CHECK(s.server_random == f.server_hello.random);
  CHECK(s.server_session_id == f.server_hello.session_id);
  REQUIRE(s.transcript.size() == 5);
  CHECK(s.transcript[0].from == Role::client);
  CHECK(s.transcript[0].bytes == ch.message);
  for (std::size_t i = 1; i < 5; ++i) {
    CHECK(s.transcript[i].from == Role::server);
    CHECK(s.transcript[i].bytes == wire::encode_handshake(f.messages[i - 1]));
  }
  CHECK(s.values.at("server_key_file") == pki().dir + "/server-rsa.key");
  CHECK(s.values.at("server_cert_file") == pki().dir + "/server-rsa.pem");
  CHECK(s.values.at("kex_group") == "ffdhe2048");
  // The state survives the JSON round trip.
  CHECK(state_from_json(state_to_json(s), "test") == s);

  // Same seed, same bytes; another seed, others.
  CHECK(respond(ch, o).records == f.records);
  CHECK(respond(ch, o, "other").records != f.records);

  // Session id as given, or none.
  o.session_id = Bytes{1, 2, 3};
  CHECK(respond(ch, o).server_hello.session_id == Bytes{1, 2, 3});
  o.session_id = Bytes{};
  CHECK(respond(ch, o).server_hello.session_id.empty());
  o.session_id = Bytes(33, 0);
  CHECK_THROWS_AS(respond(ch, o), hsk::Error);

  // --explain speaks of the phases and what was signed.
  CHECK(f.explain.find("Phase 1 - hello") != std::string::npos);
  CHECK(f.explain.find("Phase 2 - server authentication and key exchange") != std::string::npos);
  CHECK(f.explain.find("client_random (32) ‖ server_random (32) ‖ params") != std::string::npos);
  CHECK(f.explain.find("rsa_pss_rsae_sha256") != std::string::npos);
}

TEST_CASE("server-respond: a flight larger than one record is split at 2^14", "[server-respond]") {
  ServerKeyPair p = pki().rsa;
  for (int i = 0; i < 30; ++i) {
    p.chain.push_back(pki().ca.front());  // ~30 KB of certificates
  }
  ServerRespondOptions o;
  o.pairs = {p};
  ServerFlight f = respond(hello_for({0x009c}), o);
  wire::Reader rr(f.records);
  std::size_t n = 0, total = 0;
  while (!rr.empty()) {
    wire::Record rec = wire::decode_record(rr, wire::kMaxPlaintext);
    CHECK(rec.fragment.size() <= wire::kMaxPlaintext);
    total += rec.fragment.size();
    ++n;
  }
  CHECK(n >= 2);
  std::size_t want = 0;
  for (const auto& m : f.messages) {
    want += 4 + m.body.size();
  }
  CHECK(total == want);
}

TEST_CASE("server-respond: alert_record", "[server-respond]") {
  CHECK(to_hex(alert_record(0x0303, 40)) == "15030300020228");
  CHECK(to_hex(alert_record(0x0301, 70)) == "15030100020246");
}

TEST_CASE("server-respond: load_server_key_pair refuses a key of another certificate",
          "[server-respond]") {
  const std::string& d = pki().dir;
  try {
    load_server_key_pair(d + "/server-rsa.pem", d + "/server-ecdsa.key");
    FAIL("accepted");
  } catch (const hsk::Error& e) {
    CHECK(e.kind() == hsk::ErrorKind::usage);
    CHECK(e.message().find("is not the private key") != std::string::npos);
  }
  ServerKeyPair p = load_server_key_pair(d + "/server-dsa.pem", d + "/server-dsa.key");
  CHECK(p.key.type() == crypto::KeyType::dsa);
  CHECK(p.chain.size() == 1);
  CHECK(p.cert_file == d + "/server-dsa.pem");
}
