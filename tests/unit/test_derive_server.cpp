// handshake::server_key_exchange, server_expects_certificate_verify and
// server_state_from_flights (derive_pms.hpp, server role; RFC 5246 §7.4.6-§7.4.8, §8.1;
// RFC 7627; RFC 8422 §5.7). The server states and the client's side are built here by hand
// from the wire codecs and the crypto primitives — not with server_respond or
// client_key_exchange — and every expected secret is computed directly with crypto::
// (master_secret, extended_master_secret, key_block, dh_agree, ecdh_agree), never with
// derive_keys.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "crypto/crypto.hpp"
#include "crypto/tls_crypto.hpp"
#include "dh/groups.hpp"
#include "handshake/client_hello.hpp"
#include "handshake/derive_pms.hpp"
#include "handshake/state.hpp"
#include "hsk/error.hpp"
#include "pki/x509.hpp"
#include "wire/messages.hpp"
#include "wire/record.hpp"
#include "wire/writer.hpp"

using hsk::Bytes;
using hsk::ByteView;
using hsk::Error;
using hsk::ErrorKind;
using namespace hsk::handshake;
namespace crypto = hsk::crypto;
namespace wire = hsk::wire;
namespace pki = hsk::pki;

namespace {

constexpr std::uint16_t kRsaAes128Sha256 = 0x003c;    // TLS_RSA_WITH_AES_128_CBC_SHA256
constexpr std::uint16_t kRsaAes128Sha = 0x002f;       // TLS_RSA_WITH_AES_128_CBC_SHA
constexpr std::uint16_t kDheRsaAes128Gcm = 0x009e;    // TLS_DHE_RSA_WITH_AES_128_GCM_SHA256
constexpr std::uint16_t kDhAnonAes128Sha = 0x0034;    // TLS_DH_anon_WITH_AES_128_CBC_SHA
constexpr std::uint16_t kEcdheRsaAes128Gcm = 0xc02f;  // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
constexpr std::uint16_t kEcdhAnonAes128Sha = 0xc018;  // TLS_ECDH_anon_WITH_AES_128_CBC_SHA
constexpr std::uint16_t kDhRsaAes128Gcm = 0x00a0;     // TLS_DH_RSA_WITH_AES_128_GCM_SHA256
constexpr std::uint16_t kEcdheAes256Gcm384 = 0xc030;  // TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384

const pki::UnixTime kNow = 1767225600;  // 2026-01-01

// Keys and certificates for every test, made once per process (RSA 1024 to keep it quick).
struct Pki {
  std::unique_ptr<crypto::Rng> rng = crypto::seeded_rng("test_derive_server");
  crypto::PrivateKey ca_key, server_rsa, client_rsa, server_dh, client_dh, other_dh;
  pki::Certificate ca, server_rsa_cert, client_rsa_cert, server_dh_cert, client_dh_cert,
      other_dh_cert;
  crypto::DhParams ffdhe2048;

  Pki() {
    ca_key = crypto::generate_rsa(*rng, 1024);
    server_rsa = crypto::generate_rsa(*rng, 1024);
    client_rsa = crypto::generate_rsa(*rng, 1024);
    ffdhe2048 = hsk::dh::group_params(*hsk::dh::find_group("ffdhe2048"), false);
    server_dh = crypto::generate_dh(*rng, ffdhe2048, crypto::DhOid::dh_key_agreement);
    client_dh = crypto::generate_dh(*rng, ffdhe2048, crypto::DhOid::dh_key_agreement);
    other_dh =
        crypto::generate_dh(*rng, hsk::dh::group_params(*hsk::dh::find_group("ffdhe3072"), false),
                            crypto::DhOid::dh_key_agreement);
    ca = cert("CN=test CA", ca_key.pub, nullptr, true, pki::Purpose::any);
    server_rsa_cert = cert("CN=server", server_rsa.pub, &ca, false, pki::Purpose::server);
    client_rsa_cert = cert("CN=client", client_rsa.pub, &ca, false, pki::Purpose::client);
    server_dh_cert = cert("CN=dh server", server_dh.pub, &ca, false, pki::Purpose::server);
    client_dh_cert = cert("CN=dh client", client_dh.pub, &ca, false, pki::Purpose::client);
    other_dh_cert = cert("CN=dh client 3072", other_dh.pub, &ca, false, pki::Purpose::client);
  }

  pki::Certificate cert(const char* subject, const crypto::PublicKey& key,
                        const pki::Certificate* issuer, bool is_ca, pki::Purpose purpose) {
    pki::CertificateSpec spec;
    spec.subject = pki::parse_name(subject);
    spec.not_before = kNow - 86400;
    spec.not_after = kNow + 86400 * 365;
    spec.ca = is_ca;
    spec.purpose = purpose;
    return pki::build_certificate(spec, key, issuer, ca_key, *rng);
  }
};

Pki& test_pki() {
  static Pki p;
  return p;
}

Bytes handshake(wire::HandshakeType type, const Bytes& body) {
  wire::HandshakeMessage m;
  m.msg_type = static_cast<std::uint8_t>(type);
  m.body = body;
  return wire::encode_handshake(m);
}

wire::HandshakeMessage message(wire::HandshakeType type, const Bytes& body) {
  wire::HandshakeMessage m;
  m.msg_type = static_cast<std::uint8_t>(type);
  m.body = body;
  return m;
}

Bytes concat(const std::vector<Bytes>& parts) {
  Bytes out;
  for (const auto& p : parts) {
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

// Setup describes the server's first flight.
struct Setup {
  std::uint16_t version = wire::kTls12;
  std::uint16_t suite = kRsaAes128Sha256;
  bool ems = false;
  bool request_cert = false;
  const pki::Certificate* server_cert = nullptr;
  std::optional<wire::ServerKeyExchange> ske;
  Bytes kex_private;  // the server's ephemeral private key
};

// Built is the server state plus the transcript messages in wire form, for the client side.
struct Built {
  State state;
  std::vector<Bytes> messages;  // ClientHello .. ServerHelloDone, each header + body
  wire::Random client_random{}, server_random{};
  std::uint16_t client_version = wire::kTls12;
};

Built build_server_state(const Setup& s) {
  Built b;
  for (std::size_t i = 0; i < 32; ++i) {
    b.client_random[i] = static_cast<std::uint8_t>(i);
    b.server_random[i] = static_cast<std::uint8_t>(0xa0 + i);
  }
  ClientHelloOptions co;
  co.version = s.version;
  co.cipher_suites = {s.suite};
  co.random_mode = RandomMode::fixed;
  co.random = b.client_random;
  co.extended_master_secret = s.ems;
  auto rng = crypto::seeded_rng("hello");
  BuiltClientHello ch = build_client_hello(co, *rng);
  b.client_version = ch.hello.client_version;

  wire::ServerHello sh;
  sh.server_version = s.version;
  sh.random = b.server_random;
  sh.session_id = Bytes(32, 0x55);
  sh.cipher_suite = s.suite;
  sh.extensions = std::vector<wire::Extension>{};
  if (s.ems) {
    sh.extensions->push_back(wire::Extension{0x0017, {}, {}, 0});
  }
  wire::Writer shw;
  wire::encode_server_hello(shw, sh);

  b.messages.push_back(ch.message);
  b.messages.push_back(handshake(wire::HandshakeType::server_hello, shw.take()));
  if (s.server_cert != nullptr) {
    wire::Writer w;
    wire::encode_certificate(w, wire::Certificate{{s.server_cert->der}});
    b.messages.push_back(handshake(wire::HandshakeType::certificate, w.take()));
  }
  if (s.ske) {
    wire::Writer w;
    wire::encode_server_key_exchange(w, *s.ske);
    b.messages.push_back(handshake(wire::HandshakeType::server_key_exchange, w.take()));
  }
  if (s.request_cert) {
    wire::CertificateRequest cr;
    cr.certificate_types = {1, 2, 64, 3, 4};
    if (s.version == wire::kTls12) {
      cr.signature_algorithms = std::vector<std::uint16_t>{0x0401, 0x0804, 0x0201};
    }
    cr.certificate_authorities = {test_pki().ca.subject_der};
    wire::Writer w;
    wire::encode_certificate_request(w, cr);
    b.messages.push_back(handshake(wire::HandshakeType::certificate_request, w.take()));
  }
  b.messages.push_back(handshake(wire::HandshakeType::server_hello_done, {}));

  State& st = b.state;
  st.role = Role::server;
  st.version = ch.hello.client_version;
  st.offered_suites = ch.hello.cipher_suites;
  st.client_random = b.client_random;
  st.negotiated_version = s.version;
  st.cipher_suite = s.suite;
  st.server_random = b.server_random;
  st.server_session_id = sh.session_id;
  for (std::size_t i = 0; i < b.messages.size(); ++i) {
    add_message(st, i == 0 ? Role::client : Role::server, b.messages[i]);
  }
  if (!s.kex_private.empty()) {
    st.secrets["kex_private"] = s.kex_private;
  }
  return b;
}

wire::HandshakeMessage rsa_cke(ByteView encrypted) {
  wire::Writer w;
  w.opaque16("EncryptedPreMasterSecret", encrypted);
  return message(wire::HandshakeType::client_key_exchange, w.take());
}

wire::HandshakeMessage dh_cke(ByteView yc) {
  wire::Writer w;
  w.opaque16("dh_Yc", yc);
  return message(wire::HandshakeType::client_key_exchange, w.take());
}

wire::HandshakeMessage ecdh_cke(ByteView point) {
  wire::Writer w;
  w.opaque8("ecdh_Yc", point);
  return message(wire::HandshakeType::client_key_exchange, w.take());
}

wire::HandshakeMessage certificate_msg(const std::vector<const pki::Certificate*>& chain) {
  wire::Certificate c;
  for (const auto* cert : chain) {
    c.certificate_list.push_back(cert->der);
  }
  wire::Writer w;
  wire::encode_certificate(w, c);
  return message(wire::HandshakeType::certificate, w.take());
}

Bytes bytes_of(const wire::HandshakeMessage& m) { return wire::encode_handshake(m); }

crypto::PrfKind prf_for(std::uint16_t version, std::uint16_t suite) {
  return crypto::prf_kind(version, *wire::find_cipher_suite(suite));
}

// expected_master: the client's view, computed directly from the primitives. `upto_cke` is
// every handshake message up to and including ClientKeyExchange.
Bytes expected_master(const Built& b, std::uint16_t suite, bool ems, ByteView pms,
                      const std::vector<Bytes>& upto_cke) {
  crypto::PrfKind prf = prf_for(*b.state.negotiated_version, suite);
  if (ems) {
    Bytes session_hash = crypto::transcript_hash(prf, concat(upto_cke));
    return crypto::extended_master_secret(prf, pms, session_hash);
  }
  return crypto::master_secret(prf, pms, b.client_random, b.server_random);
}

Bytes expected_key_block(const Built& b, std::uint16_t suite, ByteView master) {
  const wire::CipherSuite& cs = *wire::find_cipher_suite(suite);
  std::uint16_t v = *b.state.negotiated_version;
  return crypto::key_block(prf_for(v, suite), master, b.server_random, b.client_random,
                           crypto::key_block_length(cs, v));
}

ServerKexOptions rsa_options() {
  ServerKexOptions o;
  o.server_key = test_pki().server_rsa;
  o.client_ca = {test_pki().ca};
  o.now = kNow;
  return o;
}

template <typename F>
Error catch_error(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  FAIL("no hsk::Error thrown");
  return Error(ErrorKind::internal, "unreachable");
}

wire::ServerKeyExchange dh_ske(const crypto::DhParams& params, ByteView ys, bool signed_) {
  wire::ServerKeyExchange ske;
  ske.form = wire::KexForm::dh;
  ske.dh.dh_p = params.p;
  ske.dh.dh_g = params.g;
  ske.dh.dh_Ys = Bytes(ys.begin(), ys.end());
  if (signed_) {
    ske.signature = wire::DigitallySigned{0x0401, Bytes(128, 0x11)};  // not checked here
  }
  return ske;
}

wire::ServerKeyExchange ecdh_ske(std::uint16_t group, ByteView point, bool signed_) {
  wire::ServerKeyExchange ske;
  ske.form = wire::KexForm::ecdh;
  ske.ecdh.named_curve = group;
  ske.ecdh.point = Bytes(point.begin(), point.end());
  if (signed_) {
    ske.signature = wire::DigitallySigned{0x0401, Bytes(128, 0x11)};
  }
  return ske;
}

// cert_verify signs `transcript` with the client's RSA key, rsa_pkcs1_sha256 at TLS 1.2 or
// the MD5+SHA-1 form below.
wire::HandshakeMessage cert_verify(std::uint16_t version, ByteView transcript,
                                   const crypto::PrivateKey& key) {
  auto rng = crypto::seeded_rng("cv");
  wire::Writer w;
  if (version == wire::kTls12) {
    w.u16(0x0401);
    w.opaque16("signature",
               crypto::sign(key, crypto::SignatureAlgorithm::rsa_pkcs1_sha256, transcript, *rng));
  } else {
    w.opaque16("signature",
               crypto::sign(key, crypto::SignatureAlgorithm::rsa_pkcs1_md5_sha1, transcript, *rng));
  }
  return message(wire::HandshakeType::certificate_verify, w.take());
}

}  // namespace

TEST_CASE("derive-pms server: RSA key exchange recovers the client's pre-master secret",
          "[derive_server]") {
  Pki& p = test_pki();
  struct Case {
    std::uint16_t version;
    std::uint16_t suite;
    bool ems;
  };
  for (Case c :
       {Case{wire::kTls12, kRsaAes128Sha256, false}, Case{wire::kTls12, kRsaAes128Sha256, true},
        Case{wire::kTls11, kRsaAes128Sha, true}, Case{wire::kTls10, kRsaAes128Sha, false}}) {
    INFO("version " << c.version << " ems " << c.ems);
    Setup s;
    s.version = c.version;
    s.suite = c.suite;
    s.ems = c.ems;
    s.server_cert = &p.server_rsa_cert;
    Built b = build_server_state(s);
    auto crng = crypto::seeded_rng("client");
    Bytes pms = crypto::make_rsa_pms(b.client_version, *crng);
    wire::HandshakeMessage cke = rsa_cke(crypto::rsa_encrypt_pms(p.server_rsa.pub, pms, *crng));
    std::vector<Bytes> upto = b.messages;
    upto.push_back(bytes_of(cke));
    Bytes want_master = expected_master(b, c.suite, c.ems, pms, upto);

    auto srng = crypto::seeded_rng("server");
    ServerKexResult r = server_key_exchange(b.state, {cke}, rsa_options(), *srng);
    CHECK(r.keys.pre_master_secret == pms);
    CHECK(r.keys.master_secret == want_master);
    CHECK(r.keys.extended_master_secret == c.ems);
    CHECK(r.keys.key_block == expected_key_block(b, c.suite, want_master));
    CHECK(b.state.secrets.at("master_secret") == want_master);
    CHECK(b.state.transcript.size() == upto.size());
    CHECK(b.state.transcript.back().bytes == upto.back());
    CHECK_FALSE(r.client_authenticated);
    CHECK(r.explain.find("RFC 5246 §7.4.7.1") != std::string::npos);
    // --explain never carries a secret value.
    CHECK(r.explain.find(hsk::to_hex(pms)) == std::string::npos);
    CHECK(r.explain.find(hsk::to_hex(want_master)) == std::string::npos);
  }
}

TEST_CASE("derive-pms server: RSA countermeasure (RFC 5246 §7.4.7.1) has no error path",
          "[derive_server]") {
  Pki& p = test_pki();
  Setup s;
  s.server_cert = &p.server_rsa_cert;
  Built b = build_server_state(s);
  auto crng = crypto::seeded_rng("client");
  Bytes pms = crypto::make_rsa_pms(b.client_version, *crng);
  Bytes good = crypto::rsa_encrypt_pms(p.server_rsa.pub, pms, *crng);

  // The fallback is client_version ‖ the first 46 bytes drawn from the server's rng.
  Bytes fallback = {0x03, 0x03};
  Bytes r46 = crypto::seeded_rng("server")->bytes(46);
  fallback.insert(fallback.end(), r46.begin(), r46.end());

  Bytes flipped_middle = good;
  flipped_middle[good.size() / 2] ^= 0x01;
  Bytes flipped_first = good;
  flipped_first[1] ^= 0x80;
  Bytes short_by_one(good.begin(), good.end() - 1);
  Bytes wrong_version_pms = pms;
  wrong_version_pms[1] = 0x02;  // client_version 0x0302 in the pre-master secret
  Bytes wrong_version = crypto::rsa_encrypt_pms(p.server_rsa.pub, wrong_version_pms, *crng);
  Bytes short_pms(pms.begin(), pms.end() - 1);  // a 47-byte pre-master secret
  Bytes wrong_length = crypto::rsa_encrypt_pms(p.server_rsa.pub, short_pms, *crng);

  std::vector<Bytes> outcomes;
  for (const Bytes* bad :
       {&flipped_middle, &flipped_first, &short_by_one, &wrong_version, &wrong_length}) {
    State st = b.state;
    auto srng = crypto::seeded_rng("server");
    ServerKexResult r;
    REQUIRE_NOTHROW(r = server_key_exchange(st, {rsa_cke(*bad)}, rsa_options(), *srng));
    CHECK(r.keys.pre_master_secret == fallback);
    CHECK(r.keys.master_secret.size() == 48);
    CHECK(r.keys.master_secret != crypto::master_secret(prf_for(wire::kTls12, kRsaAes128Sha256),
                                                        pms, b.client_random, b.server_random));
    CHECK(r.warnings.empty());  // nothing distinguishes a fault
    outcomes.push_back(r.keys.master_secret);
  }
  // Every fault took the same path to the same (fallback) keys.
  for (const auto& m : outcomes) {
    CHECK(m == outcomes.front());
  }
  // The same rng with the good ciphertext gives the real pre-master secret.
  State st = b.state;
  auto srng = crypto::seeded_rng("server");
  CHECK(server_key_exchange(st, {rsa_cke(good)}, rsa_options(), *srng).keys.pre_master_secret ==
        pms);
}

TEST_CASE("derive-pms server: DHE and DH_anon agree with the client", "[derive_server]") {
  Pki& p = test_pki();
  for (bool anon : {false, true}) {
    INFO("anon " << anon);
    auto srng = crypto::seeded_rng(anon ? "dh anon" : "dhe");
    crypto::KexKeyPair server = crypto::dh_generate(p.ffdhe2048.p, p.ffdhe2048.g, {}, *srng);
    crypto::KexKeyPair client = crypto::dh_generate(p.ffdhe2048.p, p.ffdhe2048.g, {}, *srng);
    Setup s;
    s.version = anon ? wire::kTls10 : wire::kTls12;
    s.suite = anon ? kDhAnonAes128Sha : kDheRsaAes128Gcm;
    s.ems = true;
    s.server_cert = anon ? nullptr : &p.server_rsa_cert;
    s.ske = dh_ske(p.ffdhe2048, server.public_key, !anon);
    s.kex_private = server.private_key;
    Built b = build_server_state(s);
    Bytes pms = crypto::dh_agree(p.ffdhe2048.p, client.private_key, server.public_key);
    wire::HandshakeMessage cke = dh_cke(client.public_key);
    std::vector<Bytes> upto = b.messages;
    upto.push_back(bytes_of(cke));
    ServerKexOptions o;  // no server key needed
    ServerKexResult r = server_key_exchange(b.state, {cke}, o, *srng);
    CHECK(r.keys.pre_master_secret == pms);
    CHECK(r.keys.pre_master_secret.front() != 0);  // RFC 5246 §8.1.2: no leading zeros
    CHECK(r.keys.master_secret == expected_master(b, s.suite, true, pms, upto));
  }
}

TEST_CASE("derive-pms server: ECDHE and ECDH_anon agree (x25519 and P-256)", "[derive_server]") {
  Pki& p = test_pki();
  struct Case {
    crypto::EcdhGroup group;
    std::uint16_t suite;
    std::uint16_t version;
  };
  for (Case c : {Case{crypto::EcdhGroup::x25519, kEcdheRsaAes128Gcm, wire::kTls12},
                 Case{crypto::EcdhGroup::secp256r1, kEcdheAes256Gcm384, wire::kTls12},
                 Case{crypto::EcdhGroup::secp256r1, kEcdhAnonAes128Sha, wire::kTls11}}) {
    INFO("group " << crypto::ecdh_group_name(c.group) << " suite " << c.suite);
    auto rng = crypto::seeded_rng("ecdh");
    crypto::KexKeyPair server = crypto::ecdh_generate(c.group, *rng);
    crypto::KexKeyPair client = crypto::ecdh_generate(c.group, *rng);
    bool anon = c.suite == kEcdhAnonAes128Sha;
    Setup s;
    s.version = c.version;
    s.suite = c.suite;
    s.ems = !anon;
    s.server_cert = anon ? nullptr : &p.server_rsa_cert;
    s.ske = ecdh_ske(static_cast<std::uint16_t>(c.group), server.public_key, !anon);
    s.kex_private = server.private_key;
    Built b = build_server_state(s);
    Bytes pms = crypto::ecdh_agree(c.group, client.private_key, server.public_key);
    wire::HandshakeMessage cke = ecdh_cke(client.public_key);
    std::vector<Bytes> upto = b.messages;
    upto.push_back(bytes_of(cke));
    ServerKexResult r = server_key_exchange(b.state, {cke}, ServerKexOptions{}, *rng);
    CHECK(r.keys.pre_master_secret == pms);
    CHECK(r.keys.master_secret == expected_master(b, s.suite, s.ems, pms, upto));
    if (c.suite == kEcdheAes256Gcm384) {
      CHECK(r.keys.prf == crypto::PrfKind::tls12_sha384);
    }
  }
}

TEST_CASE("derive-pms server: bad Yc and bad points are illegal_parameter", "[derive_server]") {
  Pki& p = test_pki();
  auto rng = crypto::seeded_rng("bad yc");
  crypto::KexKeyPair server = crypto::dh_generate(p.ffdhe2048.p, p.ffdhe2048.g, {}, *rng);
  Setup s;
  s.suite = kDheRsaAes128Gcm;
  s.server_cert = &p.server_rsa_cert;
  s.ske = dh_ske(p.ffdhe2048, server.public_key, true);
  s.kex_private = server.private_key;
  Built b = build_server_state(s);
  Bytes p_minus_1 = p.ffdhe2048.p;
  p_minus_1.back() -= 1;  // p is odd
  for (const Bytes& yc : {Bytes{0x01}, Bytes{0x00}, p_minus_1, p.ffdhe2048.p}) {
    State st = b.state;
    Error e = catch_error([&] { server_key_exchange(st, {dh_cke(yc)}, {}, *rng); });
    CHECK(e.kind() == ErrorKind::check_failed);
    CHECK(e.alert() == Error::kAlertIllegalParameter);
    CHECK(st == b.state);  // nothing changed
  }

  crypto::KexKeyPair ec = crypto::ecdh_generate(crypto::EcdhGroup::secp256r1, *rng);
  Setup es;
  es.suite = kEcdheRsaAes128Gcm;
  es.server_cert = &p.server_rsa_cert;
  es.ske = ecdh_ske(23, ec.public_key, true);
  es.kex_private = ec.private_key;
  Built eb = build_server_state(es);
  Bytes off_curve = ec.public_key;
  off_curve.back() ^= 0x01;
  Error e = catch_error([&] { server_key_exchange(eb.state, {ecdh_cke(off_curve)}, {}, *rng); });
  CHECK(e.kind() == ErrorKind::check_failed);
  CHECK(e.alert() == Error::kAlertIllegalParameter);
}

TEST_CASE("derive-pms server: fixed DH with explicit and implicit Yc", "[derive_server]") {
  Pki& p = test_pki();
  ServerKexOptions o;
  o.server_key = p.server_dh;
  o.client_ca = {p.ca};
  o.now = kNow;
  auto rng = crypto::seeded_rng("fixed dh");

  SECTION("explicit Yc, no client authentication") {
    Setup s;
    s.suite = kDhRsaAes128Gcm;
    s.server_cert = &p.server_dh_cert;
    Built b = build_server_state(s);
    crypto::KexKeyPair client = crypto::dh_generate(p.ffdhe2048.p, p.ffdhe2048.g, {}, *rng);
    Bytes pms = crypto::dh_agree(p.ffdhe2048.p, client.private_key, p.server_dh.pub.dh.y);
    wire::HandshakeMessage cke = dh_cke(client.public_key);
    ServerKexResult r = server_key_exchange(b.state, {cke}, o, *rng);
    CHECK(r.keys.pre_master_secret == pms);
    CHECK(r.keys.master_secret == expected_master(b, s.suite, false, pms, {}));
    CHECK_FALSE(r.client_authenticated);
  }
  SECTION("implicit Yc from the client's DH certificate") {
    Setup s;
    s.suite = kDhRsaAes128Gcm;
    s.ems = true;
    s.server_cert = &p.server_dh_cert;
    s.request_cert = true;
    Built b = build_server_state(s);
    wire::HandshakeMessage cert = certificate_msg({&p.client_dh_cert});
    wire::HandshakeMessage cke = message(wire::HandshakeType::client_key_exchange, {});
    CHECK_FALSE(server_expects_certificate_verify(b.state, {cert}));
    Bytes pms = crypto::dh_agree(p.ffdhe2048.p, p.client_dh.x, p.server_dh.pub.dh.y);
    std::vector<Bytes> upto = b.messages;
    upto.push_back(bytes_of(cert));
    upto.push_back(bytes_of(cke));
    ServerKexResult r = server_key_exchange(b.state, {cert, cke}, o, *rng);
    CHECK(r.keys.pre_master_secret == pms);
    CHECK(r.keys.master_secret == expected_master(b, s.suite, true, pms, upto));
    CHECK(r.client_authenticated);
    CHECK(b.state.values.at("client_certificate") == "CN=dh client");
  }
  SECTION("implicit Yc on another group, or without a DH certificate") {
    Setup s;
    s.suite = kDhRsaAes128Gcm;
    s.server_cert = &p.server_dh_cert;
    s.request_cert = true;
    Built b = build_server_state(s);
    wire::HandshakeMessage cke = message(wire::HandshakeType::client_key_exchange, {});
    Error e = catch_error([&] {
      server_key_exchange(b.state, {certificate_msg({&p.other_dh_cert}), cke}, o, *rng);
    });
    CHECK(e.kind() == ErrorKind::check_failed);
    CHECK(e.alert() == Error::kAlertIllegalParameter);
    Error e2 = catch_error([&] {
      server_key_exchange(b.state, {certificate_msg({}), cke}, o, *rng);
    });
    CHECK(e2.kind() == ErrorKind::malformed);
    CHECK(e2.alert() == Error::kAlertDecodeError);
  }
  SECTION("the server key must be the certificate's") {
    Setup s;
    s.suite = kDhRsaAes128Gcm;
    s.server_cert = &p.server_dh_cert;
    Built b = build_server_state(s);
    ServerKexOptions wrong = o;
    wrong.server_key = p.client_dh;
    Error e = catch_error(
        [&] { server_key_exchange(b.state, {dh_cke(p.client_dh.pub.dh.y)}, wrong, *rng); });
    CHECK(e.kind() == ErrorKind::usage);
  }
}

TEST_CASE("derive-pms server: client certificate and CertificateVerify", "[derive_server]") {
  Pki& p = test_pki();
  for (std::uint16_t version : {wire::kTls12, wire::kTls10}) {
    INFO("version " << version);
    Setup s;
    s.version = version;
    s.suite = version == wire::kTls12 ? kRsaAes128Sha256 : kRsaAes128Sha;
    s.ems = true;
    s.server_cert = &p.server_rsa_cert;
    s.request_cert = true;
    Built b = build_server_state(s);
    auto rng = crypto::seeded_rng("cv");
    Bytes pms = crypto::make_rsa_pms(b.client_version, *rng);
    wire::HandshakeMessage cert = certificate_msg({&p.client_rsa_cert, &p.ca});
    wire::HandshakeMessage cke = rsa_cke(crypto::rsa_encrypt_pms(p.server_rsa.pub, pms, *rng));
    std::vector<Bytes> upto = b.messages;
    upto.push_back(bytes_of(cert));
    upto.push_back(bytes_of(cke));
    wire::HandshakeMessage cv = cert_verify(version, concat(upto), p.client_rsa);
    CHECK(server_expects_certificate_verify(b.state, {cert}));

    SECTION("a good signature authenticates the client") {
      State st = b.state;
      ServerKexResult r = server_key_exchange(st, {cert, cke, cv}, rsa_options(), *rng);
      CHECK(r.client_authenticated);
      CHECK(r.keys.master_secret == expected_master(b, s.suite, true, pms, upto));
      CHECK(st.transcript.size() == upto.size() + 1);
      CHECK(st.transcript.back().bytes == bytes_of(cv));
      CHECK(st.values.at("client_authenticated") == "true");
      CHECK(r.explain.find("CertificateVerify") != std::string::npos);
    }
    SECTION("one flipped byte: check_failed, decrypt_error") {
      for (std::size_t at : {cv.body.size() - 1, cv.body.size() / 2}) {
        wire::HandshakeMessage bad = cv;
        bad.body[at] ^= 0x01;
        State st = b.state;
        Error e = catch_error([&] {
          server_key_exchange(st, {cert, cke, bad}, rsa_options(), *rng);
        });
        CHECK(e.kind() == ErrorKind::check_failed);
        CHECK(e.alert() == Error::kAlertDecryptError);
        CHECK(st == b.state);
      }
    }
    SECTION("a signature over another transcript") {
      wire::HandshakeMessage other = cert_verify(version, concat(b.messages), p.client_rsa);
      Error e = catch_error([&] {
        server_key_exchange(b.state, {cert, cke, other}, rsa_options(), *rng);
      });
      CHECK(e.alert() == Error::kAlertDecryptError);
    }
    SECTION("a chain the client CA did not issue, and --insecure") {
      ServerKexOptions o = rsa_options();
      o.client_ca = {p.server_rsa_cert};
      Error e = catch_error([&] { server_key_exchange(b.state, {cert, cke, cv}, o, *rng); });
      CHECK(e.kind() == ErrorKind::check_failed);
      CHECK(e.alert() == Error::kAlertUnknownCa);
      o.insecure = true;
      State st = b.state;
      ServerKexResult r = server_key_exchange(st, {cert, cke, cv}, o, *rng);
      CHECK(r.client_authenticated);
      REQUIRE(r.warnings.size() == 1);
      CHECK(r.warnings[0].find("NOT checked") != std::string::npos);
    }
    SECTION("a certificate without CertificateVerify") {
      Error e = catch_error([&] {
        server_key_exchange(b.state, {cert, cke}, rsa_options(), *rng);
      });
      CHECK(e.kind() == ErrorKind::malformed);
      CHECK(e.alert() == Error::kAlertUnexpectedMessage);
    }
  }
}

TEST_CASE("derive-pms server: empty client Certificate after a CertificateRequest",
          "[derive_server]") {
  Pki& p = test_pki();
  Setup s;
  s.server_cert = &p.server_rsa_cert;
  s.request_cert = true;
  Built b = build_server_state(s);
  auto rng = crypto::seeded_rng("empty");
  Bytes pms = crypto::make_rsa_pms(b.client_version, *rng);
  wire::HandshakeMessage cert = certificate_msg({});
  wire::HandshakeMessage cke = rsa_cke(crypto::rsa_encrypt_pms(p.server_rsa.pub, pms, *rng));
  CHECK_FALSE(server_expects_certificate_verify(b.state, {cert}));
  State st = b.state;
  ServerKexResult r = server_key_exchange(st, {cert, cke}, rsa_options(), *rng);
  CHECK(r.keys.pre_master_secret == pms);
  CHECK_FALSE(r.client_authenticated);
  CHECK(st.values.at("client_certificate") == "empty");
  CHECK(st.values.at("client_authenticated") == "false");
  CHECK(r.explain.find("not authenticated") != std::string::npos);

  ServerKexOptions strict = rsa_options();
  strict.require_client_certificate = true;
  Error e = catch_error([&] { server_key_exchange(b.state, {cert, cke}, strict, *rng); });
  CHECK(e.kind() == ErrorKind::check_failed);
  CHECK(e.alert() == Error::kAlertHandshakeFailure);
}

TEST_CASE("derive-pms server: flight order and state checks", "[derive_server]") {
  Pki& p = test_pki();
  Setup s;
  s.server_cert = &p.server_rsa_cert;
  Built plain = build_server_state(s);
  s.request_cert = true;
  Built requested = build_server_state(s);
  auto rng = crypto::seeded_rng("order");
  Bytes pms = crypto::make_rsa_pms(plain.client_version, *rng);
  wire::HandshakeMessage cke = rsa_cke(crypto::rsa_encrypt_pms(p.server_rsa.pub, pms, *rng));
  wire::HandshakeMessage cert = certificate_msg({&p.client_rsa_cert});
  wire::HandshakeMessage fin = message(wire::HandshakeType::finished, Bytes(12, 0));

  struct Case {
    const char* name;
    const Built* b;
    std::vector<wire::HandshakeMessage> flight;
  };
  for (const Case& c :
       {Case{"CKE then Certificate", &requested, {cke, cert}},
        Case{"Certificate without a request", &plain, {cert, cke}},
        Case{"no Certificate after a request", &requested, {cke}},
        Case{"Finished instead of CKE", &plain, {fin}}, Case{"empty flight", &plain, {}},
        Case{"CKE twice", &plain, {cke, cke}},
        Case{"CertificateVerify without a certificate",
             &plain,
             {cke, message(wire::HandshakeType::certificate_verify, {0x04, 0x01, 0, 0})}}}) {
    INFO(c.name);
    State st = c.b->state;
    Error e = catch_error([&] { server_key_exchange(st, c.flight, rsa_options(), *rng); });
    CHECK(e.kind() == ErrorKind::malformed);
    CHECK(e.alert() == Error::kAlertUnexpectedMessage);
    CHECK(st == c.b->state);
  }

  SECTION("a client state is refused") {
    State st = plain.state;
    st.role = Role::client;
    Error e = catch_error([&] { server_key_exchange(st, {cke}, rsa_options(), *rng); });
    CHECK(e.kind() == ErrorKind::usage);
    CHECK(std::string(e.what()).find("client state") != std::string::npos);
  }
  SECTION("a state that already read the client flight is refused") {
    State st = plain.state;
    server_key_exchange(st, {cke}, rsa_options(), *rng);
    Error e = catch_error([&] { server_key_exchange(st, {cke}, rsa_options(), *rng); });
    CHECK(e.kind() == ErrorKind::usage);
  }
  SECTION("an RSA suite without the server key, or with another key") {
    ServerKexOptions none;
    Error e = catch_error([&] { server_key_exchange(plain.state, {cke}, none, *rng); });
    CHECK(e.kind() == ErrorKind::usage);
    ServerKexOptions other = rsa_options();
    other.server_key = p.client_rsa;
    Error e2 = catch_error([&] { server_key_exchange(plain.state, {cke}, other, *rng); });
    CHECK(e2.kind() == ErrorKind::usage);
    CHECK(std::string(e2.what()).find("does not belong") != std::string::npos);
  }
  SECTION("a ClientKeyExchange shaped for another suite is malformed") {
    wire::HandshakeMessage ec = ecdh_cke(Bytes(65, 0x04));
    Error e = catch_error([&] { server_key_exchange(plain.state, {ec}, rsa_options(), *rng); });
    CHECK(e.kind() == ErrorKind::malformed);
    CHECK(e.alert() == Error::kAlertDecodeError);
  }
  SECTION("a DHE state without its ephemeral key (a replayed DHE handshake)") {
    auto r2 = crypto::seeded_rng("x");
    crypto::KexKeyPair server = crypto::dh_generate(p.ffdhe2048.p, p.ffdhe2048.g, {}, *r2);
    Setup ds;
    ds.suite = kDheRsaAes128Gcm;
    ds.server_cert = &p.server_rsa_cert;
    ds.ske = dh_ske(p.ffdhe2048, server.public_key, true);
    Built db = build_server_state(ds);
    Error e =
        catch_error([&] { server_key_exchange(db.state, {dh_cke(server.public_key)}, {}, *rng); });
    CHECK(e.kind() == ErrorKind::usage);
    CHECK(std::string(e.what()).find("kex_private") != std::string::npos);
  }
}

TEST_CASE("derive-pms server: server_state_from_flights rebuilds a server state",
          "[derive_server]") {
  Pki& p = test_pki();
  Setup s;
  s.ems = true;
  s.server_cert = &p.server_rsa_cert;
  s.request_cert = true;
  Built b = build_server_state(s);

  // The flights as records: the ClientHello in one record, the server flight split across
  // records at odd places, and trailing records after ServerHelloDone (ignored).
  wire::Record ch;
  ch.version = wire::kTls10;
  ch.fragment = b.messages[0];
  Bytes hello = wire::encode_record(ch);
  Bytes server_msgs = concat({b.messages.begin() + 1, b.messages.end()});
  Bytes flight;
  for (std::size_t at = 0; at < server_msgs.size(); at += 301) {
    wire::Record r;
    r.fragment.assign(server_msgs.begin() + at,
                      server_msgs.begin() + std::min(at + 301, server_msgs.size()));
    Bytes enc = wire::encode_record(r);
    flight.insert(flight.end(), enc.begin(), enc.end());
  }
  Bytes with_tail = flight;
  Bytes ccs = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01};
  with_tail.insert(with_tail.end(), ccs.begin(), ccs.end());

  State st = server_state_from_flights(hello, with_tail);
  CHECK(st.role == Role::server);
  CHECK(st.transcript == b.state.transcript);
  CHECK(st.client_random == b.client_random);
  CHECK(st.server_random == b.server_random);
  CHECK(st.cipher_suite == std::optional<std::uint16_t>(kRsaAes128Sha256));
  CHECK(st.negotiated_version == std::optional<std::uint16_t>(wire::kTls12));
  CHECK(st.version == b.state.version);
  CHECK(st.values.at("client_auth_requested") == "true");

  // And the replay: the client's flight gives the client's master secret.
  auto rng = crypto::seeded_rng("replay");
  Bytes pms = crypto::make_rsa_pms(b.client_version, *rng);
  wire::HandshakeMessage cert = certificate_msg({});
  wire::HandshakeMessage cke = rsa_cke(crypto::rsa_encrypt_pms(p.server_rsa.pub, pms, *rng));
  std::vector<Bytes> upto = b.messages;
  upto.push_back(bytes_of(cert));
  upto.push_back(bytes_of(cke));
  ServerKexResult r = server_key_exchange(st, {cert, cke}, rsa_options(), *rng);
  CHECK(r.keys.master_secret == expected_master(b, s.suite, true, pms, upto));

  SECTION("errors") {
    // No ServerHelloDone.
    wire::Record no_done;
    no_done.fragment = concat({b.messages.begin() + 1, b.messages.end() - 1});
    Error e = catch_error([&] { server_state_from_flights(hello, wire::encode_record(no_done)); });
    CHECK(e.kind() == ErrorKind::malformed);
    CHECK(std::string(e.what()).find("no ServerHelloDone") != std::string::npos);
    // Flights swapped.
    Error e2 = catch_error([&] { server_state_from_flights(flight, hello); });
    CHECK(e2.kind() == ErrorKind::malformed);
    CHECK(e2.alert() == Error::kAlertUnexpectedMessage);
    // A server flight from a handshake that offered other suites.
    Setup other = s;
    other.suite = kRsaAes128Sha;
    Built ob = build_server_state(other);
    wire::Record och;
    och.fragment = ob.messages[0];
    Error e3 = catch_error([&] { server_state_from_flights(wire::encode_record(och), flight); });
    CHECK(e3.kind() == ErrorKind::malformed);
    CHECK(std::string(e3.what()).find("different handshakes") != std::string::npos);
  }
}
