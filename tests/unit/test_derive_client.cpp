// handshake::client_key_exchange (derive-pms, client role; RFC 5246 §7.4.1.3 - §7.4.8,
// §8.1; RFC 7627; RFC 8422) against server flights built here with the wire encoders and keys
// whose private halves the test holds: the pre-master secret is recovered the server's way
// (RSA decryption, DH/ECDH with the server's private key, crypto::mod_exp) and the master
// secret recomputed from the transcript, with and without extended master secret; the DH
// shared secret loses its leading zero byte; and each refusal carries its kind and alert.
#include <catch2/catch.hpp>

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
#include "wire/extensions.hpp"
#include "wire/messages.hpp"
#include "wire/reader.hpp"
#include "wire/record.hpp"
#include "wire/writer.hpp"

using hsk::Bytes;
using hsk::ByteView;
using hsk::Error;
using hsk::ErrorKind;
using hsk::from_hex;
namespace crypto = hsk::crypto;
namespace pki = hsk::pki;
namespace wire = hsk::wire;
using namespace hsk::handshake;

namespace {

constexpr pki::UnixTime kNow = 1800000000;  // 2027-01-15

constexpr std::uint16_t kRsaAes128Sha = 0x002f;
constexpr std::uint16_t kRsaAes128Gcm = 0x009c;
constexpr std::uint16_t kDheRsaAes128Gcm = 0x009e;
constexpr std::uint16_t kDheRsaAes128Sha = 0x0033;
constexpr std::uint16_t kDhRsaAes128Gcm = 0x00a0;
constexpr std::uint16_t kDhAnonAes128Gcm = 0x00a6;
constexpr std::uint16_t kEcdheEcdsaAes128Gcm = 0xc02b;
constexpr std::uint16_t kEcdheRsaAes128Gcm = 0xc02f;

// A 512-bit safe prime (`openssl dhparam 512`), generator 2.
const char* const kWeakP =
    "ccd47b56ce78ff0172ef31ed163604d2f2c420e37c797665994badf520f54ee1db037bcd68ab505ca6c5c7f9dc87"
    "ee0a22fa95fd79b7861c67d892f3812d844f";

struct Pki {
  std::unique_ptr<crypto::Rng> rng = crypto::seeded_rng("test_derive_client pki");
  crypto::PrivateKey ca_key, server_rsa, client_rsa, server_ec, client_ec, server_dh, client_dh;
  crypto::DhParams ffdhe2048;
  pki::Certificate ca, server_rsa_cert, client_rsa_cert, server_ec_cert, client_ec_cert,
      server_dh_cert, client_dh_cert;

  Pki() {
    ca_key = crypto::generate_rsa(*rng, 1024);
    server_rsa = crypto::generate_rsa(*rng, 1024);
    client_rsa = crypto::generate_rsa(*rng, 1024);
    server_ec = crypto::generate_ec(*rng, crypto::Curve::p256);
    client_ec = crypto::generate_ec(*rng, crypto::Curve::p256);
    ffdhe2048 = hsk::dh::group_params(*hsk::dh::find_group("ffdhe2048"), false);
    server_dh = crypto::generate_dh(*rng, ffdhe2048, crypto::DhOid::dh_key_agreement);
    client_dh = crypto::generate_dh(*rng, ffdhe2048, crypto::DhOid::dh_key_agreement);
    ca = cert("CN=test CA", ca_key.pub, nullptr, true, pki::Purpose::any);
    server_rsa_cert = cert("CN=localhost", server_rsa.pub, &ca, false, pki::Purpose::server);
    client_rsa_cert = cert("CN=client", client_rsa.pub, &ca, false, pki::Purpose::client);
    server_ec_cert = cert("CN=localhost", server_ec.pub, &ca, false, pki::Purpose::server);
    client_ec_cert = cert("CN=client ec", client_ec.pub, &ca, false, pki::Purpose::client);
    server_dh_cert = cert("CN=localhost", server_dh.pub, &ca, false, pki::Purpose::server);
    client_dh_cert = cert("CN=client dh", client_dh.pub, &ca, false, pki::Purpose::client);
  }

  pki::Certificate cert(const char* subject, const crypto::PublicKey& key,
                        const pki::Certificate* issuer, bool is_ca, pki::Purpose purpose) {
    pki::CertificateSpec spec;
    spec.subject = pki::parse_name(subject);
    if (!is_ca) {
      spec.subject_alt_names = pki::parse_general_names("DNS:localhost,IP:127.0.0.1");
    }
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

Bytes concat(const std::vector<ByteView>& parts) {
  Bytes out;
  for (const auto& p : parts) {
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

wire::HandshakeMessage message(wire::HandshakeType type, Bytes body) {
  wire::HandshakeMessage m;
  m.msg_type = static_cast<std::uint8_t>(type);
  m.body = std::move(body);
  return m;
}

template <typename T, typename Enc>
Bytes encoded(const T& v, Enc enc) {
  wire::Writer w;
  enc(w, v);
  return w.take();
}

// The client's side: a ClientHello offering `suites` and its state.
State client_state(std::vector<std::uint16_t> suites, std::uint16_t version = wire::kTls12,
                   bool ems = true) {
  ClientHelloOptions o;
  o.version = version;
  o.cipher_suites = std::move(suites);
  o.random_mode = RandomMode::fixed;
  for (std::size_t i = 0; i < o.random.size(); ++i) {
    o.random[i] = static_cast<std::uint8_t>(0xc0 + i);
  }
  o.extended_master_secret = ems;
  auto rng = crypto::seeded_rng("client hello");
  return new_client_state(build_client_hello(o, *rng), std::nullopt);
}

wire::Random server_random() {
  wire::Random r{};
  for (std::size_t i = 0; i < r.size(); ++i) {
    r[i] = static_cast<std::uint8_t>(0x50 + i);
  }
  return r;
}

// Server describes the server flight to build.
struct Server {
  std::uint16_t version = wire::kTls12;
  std::uint16_t suite = kRsaAes128Gcm;
  bool ems = true;
  std::vector<const pki::Certificate*> chain;
  const crypto::PrivateKey* signer = nullptr;  // signs the ServerKeyExchange
  crypto::SignatureAlgorithm sig_alg = crypto::SignatureAlgorithm::rsa_pkcs1_sha256;
  std::uint16_t sig_code = 0x0401;
  std::optional<wire::ServerDhParams> dh;
  std::optional<wire::ServerEcdhParams> ecdh;
  std::optional<wire::CertificateRequest> request;
  bool corrupt_signature = false;
};

wire::HandshakeMessage server_hello_message(const Server& s) {
  wire::ServerHello sh;
  sh.server_version = s.version;
  sh.random = server_random();
  sh.session_id = Bytes(32, 0x11);
  sh.cipher_suite = s.suite;
  sh.compression_method = 0;
  sh.extensions = std::vector<wire::Extension>{};
  if (s.ems) {
    sh.extensions->push_back({0x0017, {}, {}, 0});
  }
  return message(wire::HandshakeType::server_hello, encoded(sh, wire::encode_server_hello));
}

std::vector<wire::HandshakeMessage> server_flight(const State& client, const Server& s) {
  std::vector<wire::HandshakeMessage> out;
  out.push_back(server_hello_message(s));
  if (!s.chain.empty()) {
    wire::Certificate c;
    for (const auto* cert : s.chain) {
      c.certificate_list.push_back(cert->der);
    }
    out.push_back(message(wire::HandshakeType::certificate, encoded(c, wire::encode_certificate)));
  }
  if (s.dh || s.ecdh) {
    wire::ServerKeyExchange ske;
    if (s.dh) {
      ske.form = wire::KexForm::dh;
      ske.dh = *s.dh;
    } else {
      ske.form = wire::KexForm::ecdh;
      ske.ecdh = *s.ecdh;
    }
    Bytes params = encoded(ske, wire::encode_server_key_exchange);  // no signature yet
    if (s.signer) {
      // RFC 5246 §7.4.3: client_random + server_random + params.
      wire::Random sr = server_random();
      Bytes signed_data = concat({client.client_random, sr, params});
      wire::DigitallySigned ds;
      if (s.version >= wire::kTls12) {
        ds.algorithm = s.sig_code;
      }
      auto rng = crypto::seeded_rng("ske signature");
      ds.signature = crypto::sign(*s.signer, s.sig_alg, signed_data, *rng);
      if (s.corrupt_signature) {
        ds.signature[ds.signature.size() / 2] ^= 0x01;
      }
      ske.signature = ds;
    }
    out.push_back(message(wire::HandshakeType::server_key_exchange,
                          encoded(ske, wire::encode_server_key_exchange)));
  }
  if (s.request) {
    out.push_back(message(wire::HandshakeType::certificate_request,
                          encoded(*s.request, wire::encode_certificate_request)));
  }
  out.push_back(message(wire::HandshakeType::server_hello_done, {}));
  return out;
}

// The client flight, parsed back: the messages (header + body each) and the record versions.
struct Sent {
  std::vector<wire::HandshakeMessage> messages;
  std::vector<std::uint16_t> record_versions;
};

Sent parse_flight(const Bytes& records) {
  Sent out;
  wire::Reader r(records);
  wire::HandshakeAssembler a;
  while (!r.empty()) {
    wire::Record rec = wire::decode_record(r);
    out.record_versions.push_back(rec.version);
    a.add(rec);
  }
  out.messages = a.take();
  REQUIRE_FALSE(a.pending());
  return out;
}

Bytes wire_bytes(const wire::HandshakeMessage& m) { return wire::encode_handshake(m); }

// The transcript as the server would see it: ClientHello, the server flight, the client's.
Bytes transcript_of(const State& before, const std::vector<wire::HandshakeMessage>& server,
                    const std::vector<wire::HandshakeMessage>& client, std::size_t client_count) {
  Bytes t = before.transcript.at(0).bytes;
  for (const auto& m : server) {
    Bytes b = wire_bytes(m);
    t.insert(t.end(), b.begin(), b.end());
  }
  for (std::size_t i = 0; i < client_count; ++i) {
    Bytes b = wire_bytes(client[i]);
    t.insert(t.end(), b.begin(), b.end());
  }
  return t;
}

ClientKexOptions trusting_ca() {
  ClientKexOptions o;
  o.trusted = {test_pki().ca};
  o.now = kNow;
  return o;
}

wire::ClientKeyExchange decode_cke(const wire::HandshakeMessage& m, std::uint16_t version,
                                   std::uint16_t suite) {
  REQUIRE(m.msg_type == 16);
  wire::Reader r(m.body);
  return wire::decode_client_key_exchange(r, wire::KexContext{version, suite});
}

template <typename F>
void require_error(F&& f, ErrorKind kind, std::uint8_t alert, const std::string& text = {}) {
  try {
    f();
    FAIL("no error thrown");
  } catch (const Error& e) {
    INFO(e.message());
    CHECK(e.kind() == kind);
    if (kind == ErrorKind::check_failed || kind == ErrorKind::malformed) {
      CHECK(int(e.alert()) == int(alert));
    }
    if (!text.empty()) {
      CHECK_THAT(e.message(), Catch::Matchers::Contains(text));
    }
  }
}

wire::ServerDhParams dh_params(const crypto::DhParams& p, ByteView y) {
  wire::ServerDhParams d;
  d.dh_p = p.p;
  d.dh_g = p.g;
  d.dh_Ys.assign(y.begin(), y.end());
  return d;
}

}  // namespace

TEST_CASE("client_key_exchange: RSA; the server's key decrypts the pre-master secret",
          "[derive_client]") {
  Pki& p = test_pki();
  for (bool ems : {true, false}) {
    INFO("ems " << ems);
    State st = client_state({kRsaAes128Gcm, kRsaAes128Sha}, wire::kTls12, ems);
    const State before = st;
    Server s;
    s.ems = ems;
    s.chain = {&p.server_rsa_cert, &p.ca};
    auto flight = server_flight(st, s);
    auto rng = crypto::seeded_rng("rsa");
    ClientKexResult r = client_key_exchange(st, flight, trusting_ca(), *rng);

    Sent sent = parse_flight(r.records);
    REQUIRE(sent.messages.size() == 1);
    for (auto v : sent.record_versions) {
      CHECK(v == wire::kTls12);
    }
    wire::ClientKeyExchange cke = decode_cke(sent.messages[0], wire::kTls12, kRsaAes128Gcm);
    REQUIRE(cke.form == wire::KexForm::rsa);
    CHECK(cke.value.size() == 128);
    auto srng = crypto::seeded_rng("server");
    Bytes pms = crypto::rsa_decrypt_pms(p.server_rsa, cke.value, wire::kTls12, *srng);
    REQUIRE(pms.size() == 48);
    CHECK(pms[0] == 0x03);
    CHECK(pms[1] == 0x03);
    CHECK(st.secrets.at("pre_master_secret") == pms);
    CHECK(r.keys.pre_master_secret == pms);

    // The master secret, recomputed from the transcript the server saw.
    Bytes expect;
    if (ems) {
      Bytes t = transcript_of(before, flight, sent.messages, 1);
      expect =
          crypto::extended_master_secret(crypto::PrfKind::tls12_sha256, pms,
                                         crypto::transcript_hash(crypto::PrfKind::tls12_sha256, t));
      CHECK(st.values.at("extended_master_secret") == "true");
    } else {
      expect = crypto::master_secret(crypto::PrfKind::tls12_sha256, pms, before.client_random,
                                     server_random());
      CHECK(st.values.at("extended_master_secret") == "false");
    }
    CHECK(st.secrets.at("master_secret") == expect);
    CHECK(st.secrets.at("master_secret") !=
          (ems ? crypto::master_secret(crypto::PrfKind::tls12_sha256, pms, before.client_random,
                                       server_random())
               : Bytes{}));

    // The state: what the ServerHello said, and every message in order.
    CHECK(st.negotiated_version == wire::kTls12);
    CHECK(st.cipher_suite == kRsaAes128Gcm);
    CHECK(st.server_random == server_random());
    CHECK(st.server_session_id == Bytes(32, 0x11));
    REQUIRE(st.transcript.size() == 5);
    std::vector<int> types;
    for (const auto& m : st.transcript) {
      types.push_back(m.msg_type());
    }
    CHECK(types == std::vector<int>{1, 2, 11, 14, 16});
    CHECK(st.transcript[4].from == Role::client);
    CHECK(st.transcript[4].bytes == wire_bytes(sent.messages[0]));
    CHECK(st.transcript[2].bytes == wire_bytes(flight[1]));
    CHECK(st.values.at("server_certificate_verified") == "true");
    CHECK(r.warnings.empty());
    CHECK_THAT(r.explain, Catch::Matchers::Contains("phase 2"));
    CHECK_THAT(r.explain, Catch::Matchers::Contains("phase 3"));
    CHECK_THAT(r.explain, Catch::Matchers::Contains("RSA-encrypted"));
  }
}

TEST_CASE("client_key_exchange: RSA at TLS 1.0 takes the MD5/SHA-1 PRF and client_version",
          "[derive_client]") {
  Pki& p = test_pki();
  State st = client_state({kRsaAes128Sha}, wire::kTls12, false);
  const State before = st;
  Server s;
  s.version = wire::kTls10;
  s.suite = kRsaAes128Sha;
  s.ems = false;
  s.chain = {&p.server_rsa_cert};
  auto flight = server_flight(st, s);
  auto rng = crypto::seeded_rng("rsa10");
  ClientKexResult r = client_key_exchange(st, flight, trusting_ca(), *rng);
  Sent sent = parse_flight(r.records);
  CHECK(sent.record_versions == std::vector<std::uint16_t>{wire::kTls10});
  wire::ClientKeyExchange cke = decode_cke(sent.messages[0], wire::kTls10, kRsaAes128Sha);
  auto srng = crypto::seeded_rng("server");
  // The pre-master secret carries the ClientHello's version (RFC 5246 §7.4.7.1), not 0x0301.
  Bytes pms = crypto::rsa_decrypt_pms(p.server_rsa, cke.value, wire::kTls12, *srng);
  CHECK(pms == st.secrets.at("pre_master_secret"));
  CHECK(st.secrets.at("master_secret") ==
        crypto::master_secret(crypto::PrfKind::tls10, pms, before.client_random, server_random()));
  CHECK(st.values.at("prf") == "TLS 1.0/1.1 PRF (MD5 XOR SHA-1)");
}

TEST_CASE("client_key_exchange: DHE strips the leading zero of the shared secret",
          "[derive_client]") {
  Pki& p = test_pki();
  // The server's ephemeral key on ffdhe2048; find a client seed whose shared secret starts
  // with a zero byte (about one in 256), computed here with crypto::mod_exp.
  auto srng = crypto::seeded_rng("dhe server");
  crypto::KexKeyPair server = crypto::dh_generate(p.ffdhe2048.p, p.ffdhe2048.g, {}, *srng);
  std::string seed;
  for (int i = 0; i < 4000 && seed.empty(); ++i) {
    std::string candidate = "lz-" + std::to_string(i);
    auto rng = crypto::seeded_rng(candidate);
    crypto::KexKeyPair c = crypto::dh_generate(p.ffdhe2048.p, p.ffdhe2048.g, {}, *rng);
    if (crypto::mod_exp(server.public_key, c.private_key, p.ffdhe2048.p).size() < 256) {
      seed = candidate;
    }
  }
  REQUIRE_FALSE(seed.empty());

  State st = client_state({kDheRsaAes128Gcm}, wire::kTls12, false);
  const State before = st;
  Server s;
  s.suite = kDheRsaAes128Gcm;
  s.ems = false;
  s.chain = {&p.server_rsa_cert};
  s.signer = &p.server_rsa;
  s.dh = dh_params(p.ffdhe2048, server.public_key);
  auto flight = server_flight(st, s);
  auto rng = crypto::seeded_rng(seed);
  ClientKexResult r = client_key_exchange(st, flight, trusting_ca(), *rng);
  Sent sent = parse_flight(r.records);
  REQUIRE(sent.messages.size() == 1);
  wire::ClientKeyExchange cke = decode_cke(sent.messages[0], wire::kTls12, kDheRsaAes128Gcm);
  REQUIRE(cke.form == wire::KexForm::dh);
  // The server's view: Z = Yc^x mod p, minimal (RFC 5246 §8.1.2: leading zeros stripped).
  Bytes z = crypto::mod_exp(cke.value, server.private_key, p.ffdhe2048.p);
  CHECK(z.size() < 256);
  CHECK(z.front() != 0);
  CHECK(st.secrets.at("pre_master_secret") == z);
  CHECK(st.secrets.at("master_secret") == crypto::master_secret(crypto::PrfKind::tls12_sha256, z,
                                                                before.client_random,
                                                                server_random()));
  CHECK(st.secrets.at("master_secret") !=
        crypto::master_secret(crypto::PrfKind::tls12_sha256, crypto::left_pad(z, 256),
                              before.client_random, server_random()));
  CHECK_THAT(r.explain, Catch::Matchers::Contains("leading zero"));
}

TEST_CASE("client_key_exchange: a bad ServerKeyExchange signature is decrypt_error",
          "[derive_client]") {
  Pki& p = test_pki();
  auto srng = crypto::seeded_rng("dhe server");
  crypto::KexKeyPair server = crypto::dh_generate(p.ffdhe2048.p, p.ffdhe2048.g, {}, *srng);
  Server s;
  s.suite = kDheRsaAes128Gcm;
  s.chain = {&p.server_rsa_cert};
  s.signer = &p.server_rsa;
  s.dh = dh_params(p.ffdhe2048, server.public_key);
  s.corrupt_signature = true;
  State st = client_state({kDheRsaAes128Gcm});
  auto flight = server_flight(st, s);
  auto rng = crypto::seeded_rng("x");
  require_error([&] { client_key_exchange(st, flight, trusting_ca(), *rng); },
                ErrorKind::check_failed, Error::kAlertDecryptError, "ServerKeyExchange");

  // Signed by a key other than the certificate's.
  s.corrupt_signature = false;
  s.signer = &p.client_rsa;
  State st2 = client_state({kDheRsaAes128Gcm});
  auto flight2 = server_flight(st2, s);
  require_error([&] { client_key_exchange(st2, flight2, trusting_ca(), *rng); },
                ErrorKind::check_failed, Error::kAlertDecryptError);

  // Signed over another client's random: a flight from another handshake.
  s.signer = &p.server_rsa;
  State other = client_state({kDheRsaAes128Gcm});
  other.client_random[0] ^= 1;
  auto flight3 = server_flight(other, s);
  State st3 = client_state({kDheRsaAes128Gcm});
  require_error([&] { client_key_exchange(st3, flight3, trusting_ca(), *rng); },
                ErrorKind::check_failed, Error::kAlertDecryptError);
}

TEST_CASE("client_key_exchange: DH group and public value checks", "[derive_client]") {
  Pki& p = test_pki();
  auto rng = crypto::seeded_rng("dh checks");
  Server s;
  s.suite = kDheRsaAes128Gcm;
  s.chain = {&p.server_rsa_cert};
  s.signer = &p.server_rsa;

  SECTION("a 512-bit p is insufficient_security unless allowed") {
    crypto::DhParams weak;
    weak.p = from_hex(kWeakP);
    weak.g = {2};
    auto srng = crypto::seeded_rng("weak");
    crypto::KexKeyPair server = crypto::dh_generate(weak.p, weak.g, {}, *srng);
    s.dh = dh_params(weak, server.public_key);
    State st = client_state({kDheRsaAes128Gcm});
    auto flight = server_flight(st, s);
    require_error([&] { client_key_exchange(st, flight, trusting_ca(), *rng); },
                  ErrorKind::check_failed, Error::kAlertInsufficientSecurity, "512 bits");
    State st2 = client_state({kDheRsaAes128Gcm});
    ClientKexOptions o = trusting_ca();
    o.allow_weak_dh = true;
    ClientKexResult r = client_key_exchange(st2, flight, o, *rng);
    REQUIRE(r.warnings.size() == 1);
    CHECK_THAT(r.warnings[0], Catch::Matchers::Contains("512"));
    Sent sent = parse_flight(r.records);
    wire::ClientKeyExchange cke = decode_cke(sent.messages[0], wire::kTls12, kDheRsaAes128Gcm);
    CHECK(st2.secrets.at("pre_master_secret") ==
          crypto::mod_exp(cke.value, server.private_key, weak.p));
  }
  SECTION("Ys = 1, Ys = p - 1 and Ys = p are illegal_parameter") {
    Bytes p_minus_1 = p.ffdhe2048.p;
    p_minus_1.back() -= 1;  // p is odd
    for (const Bytes& ys : {Bytes{1}, p_minus_1, p.ffdhe2048.p}) {
      s.dh = dh_params(p.ffdhe2048, ys);
      State st = client_state({kDheRsaAes128Gcm});
      auto flight = server_flight(st, s);
      require_error([&] { client_key_exchange(st, flight, trusting_ca(), *rng); },
                    ErrorKind::check_failed, Error::kAlertIllegalParameter, "ServerKeyExchange");
    }
  }
  SECTION("g = 1 and a composite p are illegal_parameter") {
    crypto::DhParams bad = p.ffdhe2048;
    bad.g = {1};
    s.dh = dh_params(bad, Bytes{2});
    State st = client_state({kDheRsaAes128Gcm});
    auto flight = server_flight(st, s);
    require_error([&] { client_key_exchange(st, flight, trusting_ca(), *rng); },
                  ErrorKind::check_failed, Error::kAlertIllegalParameter);
    bad = p.ffdhe2048;
    bad.p.back() -= 2;  // odd, composite (divisible by 3 or not: not prime with overwhelming odds)
    s.dh = dh_params(bad, Bytes{2});
    State st2 = client_state({kDheRsaAes128Gcm});
    auto flight2 = server_flight(st2, s);
    require_error([&] { client_key_exchange(st2, flight2, trusting_ca(), *rng); },
                  ErrorKind::check_failed, Error::kAlertIllegalParameter, "not prime");
  }
}

TEST_CASE("client_key_exchange: ECDHE_ECDSA with a P-256 point; a point off the curve",
          "[derive_client]") {
  Pki& p = test_pki();
  auto srng = crypto::seeded_rng("ecdhe server");
  crypto::KexKeyPair server = crypto::ecdh_generate(crypto::EcdhGroup::secp256r1, *srng);
  Server s;
  s.suite = kEcdheEcdsaAes128Gcm;
  s.chain = {&p.server_ec_cert};
  s.signer = &p.server_ec;
  s.sig_alg = crypto::SignatureAlgorithm::ecdsa_sha256;
  s.sig_code = 0x0403;
  wire::ServerEcdhParams ec;
  ec.named_curve = 23;
  ec.point = server.public_key;
  s.ecdh = ec;
  State st = client_state({kEcdheEcdsaAes128Gcm});
  auto flight = server_flight(st, s);
  auto rng = crypto::seeded_rng("ecdhe client");
  ClientKexResult r = client_key_exchange(st, flight, trusting_ca(), *rng);
  Sent sent = parse_flight(r.records);
  wire::ClientKeyExchange cke = decode_cke(sent.messages[0], wire::kTls12, kEcdheEcdsaAes128Gcm);
  REQUIRE(cke.form == wire::KexForm::ecdh);
  CHECK(cke.value.size() == 65);
  CHECK(st.secrets.at("pre_master_secret") ==
        crypto::ecdh_agree(crypto::EcdhGroup::secp256r1, server.private_key, cke.value));

  // The point with its last byte changed is off the curve.
  ec.point.back() ^= 1;
  s.ecdh = ec;
  State st2 = client_state({kEcdheEcdsaAes128Gcm});
  auto flight2 = server_flight(st2, s);
  require_error([&] { client_key_exchange(st2, flight2, trusting_ca(), *rng); },
                ErrorKind::check_failed, Error::kAlertIllegalParameter, "ServerKeyExchange");

  // A curve the client did not offer.
  ec = wire::ServerEcdhParams{};
  ec.named_curve = 25;  // secp521r1
  ec.point = Bytes(133, 4);
  s.ecdh = ec;
  State st3 = client_state({kEcdheEcdsaAes128Gcm});
  auto flight3 = server_flight(st3, s);
  require_error([&] { client_key_exchange(st3, flight3, trusting_ca(), *rng); },
                ErrorKind::check_failed, Error::kAlertIllegalParameter, "supported_groups");
}

TEST_CASE("client_key_exchange: the ServerHello must answer this ClientHello", "[derive_client]") {
  Pki& p = test_pki();
  auto rng = crypto::seeded_rng("hello checks");
  Server s;
  s.chain = {&p.server_rsa_cert};
  SECTION("a suite not offered") {
    State st = client_state({kRsaAes128Sha});
    s.suite = kRsaAes128Gcm;
    auto flight = server_flight(st, s);
    require_error([&] { client_key_exchange(st, flight, trusting_ca(), *rng); },
                  ErrorKind::check_failed, Error::kAlertIllegalParameter,
                  "does not answer this client's ClientHello");
  }
  SECTION("a version above the client's") {
    State st = client_state({kRsaAes128Sha}, wire::kTls11);
    s.suite = kRsaAes128Sha;
    auto flight = server_flight(st, s);
    require_error([&] { client_key_exchange(st, flight, trusting_ca(), *rng); },
                  ErrorKind::check_failed, Error::kAlertProtocolVersion);
  }
  SECTION("a TLS 1.2 suite at TLS 1.1") {
    State st = client_state({kRsaAes128Gcm});
    s.version = wire::kTls11;
    s.ems = false;
    auto flight = server_flight(st, s);
    require_error([&] { client_key_exchange(st, flight, trusting_ca(), *rng); },
                  ErrorKind::check_failed, Error::kAlertIllegalParameter);
  }
  SECTION("an extension the client did not send") {
    State st = client_state({kRsaAes128Gcm}, wire::kTls12, false);
    auto flight = server_flight(st, s);  // echoes extended_master_secret
    require_error([&] { client_key_exchange(st, flight, trusting_ca(), *rng); },
                  ErrorKind::check_failed, 110);
  }
  SECTION("a server certificate that does not fit the suite") {
    State st = client_state({kRsaAes128Gcm});
    s.chain = {&p.server_ec_cert};
    auto flight = server_flight(st, s);
    require_error([&] { client_key_exchange(st, flight, trusting_ca(), *rng); },
                  ErrorKind::check_failed, Error::kAlertIllegalParameter, "EC key");
  }
  SECTION("a state that has read its server flight already") {
    State st = client_state({kRsaAes128Gcm});
    auto flight = server_flight(st, s);
    client_key_exchange(st, flight, trusting_ca(), *rng);
    require_error([&] { client_key_exchange(st, flight, trusting_ca(), *rng); }, ErrorKind::usage,
                  0, "client-hello");
  }
  SECTION("a server state") {
    State st = client_state({kRsaAes128Gcm});
    auto flight = server_flight(st, s);
    st.role = Role::server;
    require_error([&] { client_key_exchange(st, flight, trusting_ca(), *rng); }, ErrorKind::usage,
                  0);
  }
}

TEST_CASE("client_key_exchange: messages out of order are unexpected_message", "[derive_client]") {
  Pki& p = test_pki();
  auto rng = crypto::seeded_rng("order");
  auto srng = crypto::seeded_rng("dhe server");
  crypto::KexKeyPair server = crypto::dh_generate(p.ffdhe2048.p, p.ffdhe2048.g, {}, *srng);
  Server s;
  s.suite = kDheRsaAes128Gcm;
  s.chain = {&p.server_rsa_cert};
  s.signer = &p.server_rsa;
  s.dh = dh_params(p.ffdhe2048, server.public_key);
  State st = client_state({kDheRsaAes128Gcm});
  const auto good = server_flight(st, s);  // SH, Certificate, SKE, SHD

  auto fails = [&](std::vector<wire::HandshakeMessage> flight) {
    State copy = st;
    require_error([&] { client_key_exchange(copy, flight, trusting_ca(), *rng); },
                  ErrorKind::malformed, Error::kAlertUnexpectedMessage);
    CHECK(copy == st);  // an error leaves the state as it was
  };
  fails({good[0], good[2], good[1], good[3]});           // SKE before Certificate
  fails({good[0], good[1], good[3]});                    // no SKE for DHE
  fails({good[1], good[0], good[2], good[3]});           // ServerHello not first
  fails({good[0], good[1], good[2]});                    // no ServerHelloDone
  fails({good[0], good[1], good[2], good[3], good[3]});  // after ServerHelloDone
  fails({});
  // An RSA suite with a ServerKeyExchange.
  Server rsa;
  rsa.chain = {&p.server_rsa_cert};
  State st2 = client_state({kRsaAes128Gcm});
  auto r = server_flight(st2, rsa);
  r.insert(r.begin() + 2, good[2]);
  require_error([&] { client_key_exchange(st2, r, trusting_ca(), *rng); }, ErrorKind::malformed,
                Error::kAlertUnexpectedMessage);
}

TEST_CASE("client_key_exchange: the chain check, --insecure and the server name",
          "[derive_client]") {
  Pki& p = test_pki();
  auto rng = crypto::seeded_rng("chain");
  Server s;
  s.chain = {&p.server_rsa_cert};
  SECTION("--insecure skips the check and says so") {
    State st = client_state({kRsaAes128Gcm});
    auto flight = server_flight(st, s);
    ClientKexOptions o;
    o.insecure = true;
    ClientKexResult r = client_key_exchange(st, flight, o, *rng);
    REQUIRE(r.warnings.size() == 1);
    CHECK(r.warnings[0] == "server certificate NOT verified (--insecure)");
    CHECK(st.values.at("server_certificate_verified") == "false");
  }
  SECTION("no trust anchor is a usage error") {
    State st = client_state({kRsaAes128Gcm});
    auto flight = server_flight(st, s);
    require_error([&] { client_key_exchange(st, flight, ClientKexOptions{}, *rng); },
                  ErrorKind::usage, 0, "--ca");
  }
  SECTION("an untrusted issuer is unknown_ca") {
    State st = client_state({kRsaAes128Gcm});
    auto flight = server_flight(st, s);
    ClientKexOptions o;
    o.trusted = {p.server_ec_cert};
    o.now = kNow;
    require_error([&] { client_key_exchange(st, flight, o, *rng); }, ErrorKind::check_failed,
                  Error::kAlertUnknownCa, "Certificate");
  }
  SECTION("an expired certificate is certificate_expired") {
    State st = client_state({kRsaAes128Gcm});
    auto flight = server_flight(st, s);
    ClientKexOptions o = trusting_ca();
    o.now = kNow + 86400 * 400;
    require_error([&] { client_key_exchange(st, flight, o, *rng); }, ErrorKind::check_failed,
                  Error::kAlertCertificateExpired);
  }
  SECTION("a client certificate as the server's: unsupported_certificate") {
    State st = client_state({kRsaAes128Gcm});
    s.chain = {&p.client_rsa_cert};
    auto flight = server_flight(st, s);
    require_error([&] { client_key_exchange(st, flight, trusting_ca(), *rng); },
                  ErrorKind::check_failed, Error::kAlertUnsupportedCertificate);
  }
  SECTION("the server name") {
    for (const char* name : {"localhost", "LOCALHOST", "127.0.0.1"}) {
      State st = client_state({kRsaAes128Gcm});
      auto flight = server_flight(st, s);
      ClientKexOptions o = trusting_ca();
      o.server_name = name;
      ClientKexResult res = client_key_exchange(st, flight, o, *rng);
      CHECK(res.warnings.empty());
      CHECK(res.keys.master_secret.size() == 48);
      CHECK(st.secrets.at("master_secret") == res.keys.master_secret);
      CHECK(st.values.at("server_certificate_verified") == "true");
    }
    for (const char* name : {"example.org", "127.0.0.2", "localhost.example"}) {
      State st = client_state({kRsaAes128Gcm});
      auto flight = server_flight(st, s);
      ClientKexOptions o = trusting_ca();
      o.server_name = name;
      require_error([&] { client_key_exchange(st, flight, o, *rng); }, ErrorKind::check_failed,
                    Error::kAlertBadCertificate, name);
    }
  }
}

TEST_CASE("client_key_exchange: client authentication", "[derive_client]") {
  Pki& p = test_pki();
  auto rng = crypto::seeded_rng("client auth");
  wire::CertificateRequest req;
  req.certificate_types = {1, 64};
  req.signature_algorithms = std::vector<std::uint16_t>{0x0403, 0x0401};
  req.certificate_authorities = {p.ca.subject_der};
  Server s;
  s.chain = {&p.server_rsa_cert};
  s.request = req;

  SECTION("no certificate: an empty Certificate, no CertificateVerify") {
    State st = client_state({kRsaAes128Gcm});
    auto flight = server_flight(st, s);
    ClientKexResult r = client_key_exchange(st, flight, trusting_ca(), *rng);
    Sent sent = parse_flight(r.records);
    REQUIRE(sent.messages.size() == 2);
    CHECK(sent.messages[0].msg_type == 11);
    CHECK(sent.messages[0].body == Bytes{0, 0, 0});
    CHECK(sent.messages[1].msg_type == 16);
    CHECK(st.values.at("client_auth") == "empty");
  }
  for (bool ems : {true, false}) {
    for (std::uint16_t version : {wire::kTls12, wire::kTls10}) {
      DYNAMIC_SECTION("RSA client certificate, version " << version << " ems " << ems) {
        State st = client_state({kRsaAes128Sha}, wire::kTls12, ems);
        const State before = st;
        s.version = version;
        s.suite = kRsaAes128Sha;
        s.ems = ems;
        if (version < wire::kTls12) {
          s.request->signature_algorithms.reset();
        }
        auto flight = server_flight(st, s);
        ClientKexOptions o = trusting_ca();
        o.client_chain = {p.client_rsa_cert, p.ca};
        o.client_key = p.client_rsa;
        ClientKexResult r = client_key_exchange(st, flight, o, *rng);
        Sent sent = parse_flight(r.records);
        REQUIRE(sent.messages.size() == 3);
        wire::Reader cr(sent.messages[0].body);
        CHECK(wire::decode_certificate(cr).certificate_list ==
              std::vector<Bytes>{p.client_rsa_cert.der, p.ca.der});
        REQUIRE(sent.messages[2].msg_type == 15);
        wire::Reader vr(sent.messages[2].body);
        wire::CertificateVerify cv = wire::decode_certificate_verify(vr, version);
        // Signed over ClientHello .. ClientKeyExchange.
        Bytes signed_data = transcript_of(before, flight, sent.messages, 2);
        if (version == wire::kTls12) {
          CHECK(cv.signature.algorithm == std::uint16_t{0x0401});  // the first RSA one listed
          CHECK(crypto::verify(p.client_rsa.pub, crypto::SignatureAlgorithm::rsa_pkcs1_sha256,
                               signed_data, cv.signature.signature));
        } else {
          CHECK_FALSE(cv.signature.algorithm);
          CHECK(crypto::verify(p.client_rsa.pub, crypto::SignatureAlgorithm::rsa_pkcs1_md5_sha1,
                               signed_data, cv.signature.signature));
        }
        // The session hash stops at ClientKeyExchange: CertificateVerify is not in it.
        auto srng = crypto::seeded_rng("server");
        wire::ClientKeyExchange cke = decode_cke(sent.messages[1], version, kRsaAes128Sha);
        Bytes pms = crypto::rsa_decrypt_pms(p.server_rsa, cke.value, wire::kTls12, *srng);
        crypto::PrfKind prf =
            version == wire::kTls12 ? crypto::PrfKind::tls12_sha256 : crypto::PrfKind::tls10;
        Bytes expect = ems ? crypto::extended_master_secret(
                                 prf, pms, crypto::transcript_hash(prf, signed_data))
                           : crypto::master_secret(prf, pms, before.client_random, server_random());
        CHECK(st.secrets.at("master_secret") == expect);
        REQUIRE(st.transcript.size() == 8);
        CHECK(st.transcript.back().msg_type() == 15);
        CHECK(st.values.at("client_auth") == "certificate_verify");
      }
    }
  }
  SECTION("an ECDSA client certificate signs with ecdsa_secp256r1_sha256") {
    State st = client_state({kRsaAes128Gcm});
    const State before = st;
    auto flight = server_flight(st, s);
    ClientKexOptions o = trusting_ca();
    o.client_chain = {p.client_ec_cert};
    o.client_key = p.client_ec;
    ClientKexResult r = client_key_exchange(st, flight, o, *rng);
    Sent sent = parse_flight(r.records);
    REQUIRE(sent.messages.size() == 3);
    wire::Reader vr(sent.messages[2].body);
    wire::CertificateVerify cv = wire::decode_certificate_verify(vr, wire::kTls12);
    CHECK(cv.signature.algorithm == std::uint16_t{0x0403});
    CHECK(crypto::verify(p.client_ec.pub, crypto::SignatureAlgorithm::ecdsa_sha256,
                         transcript_of(before, flight, sent.messages, 2), cv.signature.signature));
  }
  SECTION("a certificate type the server does not take: an empty Certificate and a warning") {
    State st = client_state({kRsaAes128Gcm});
    s.request->certificate_types = {64};
    auto flight = server_flight(st, s);
    ClientKexOptions o = trusting_ca();
    o.client_chain = {p.client_rsa_cert};
    o.client_key = p.client_rsa;
    ClientKexResult r = client_key_exchange(st, flight, o, *rng);
    Sent sent = parse_flight(r.records);
    REQUIRE(sent.messages.size() == 2);
    CHECK(sent.messages[0].body == Bytes{0, 0, 0});
    REQUIRE(r.warnings.size() == 1);
    CHECK_THAT(r.warnings[0], Catch::Matchers::Contains("rsa_sign"));
  }
  SECTION("a key that is not the certificate's is a usage error") {
    State st = client_state({kRsaAes128Gcm});
    auto flight = server_flight(st, s);
    ClientKexOptions o = trusting_ca();
    o.client_chain = {p.client_rsa_cert};
    o.client_key = p.server_rsa;
    require_error([&] { client_key_exchange(st, flight, o, *rng); }, ErrorKind::usage, 0);
  }
}

TEST_CASE(
    "client_key_exchange: fixed DH, with an ephemeral Yc and with a fixed-DH client "
    "certificate",
    "[derive_client]") {
  Pki& p = test_pki();
  auto rng = crypto::seeded_rng("fixed dh");
  Server s;
  s.suite = kDhRsaAes128Gcm;
  s.chain = {&p.server_dh_cert};
  const Bytes& dh_p = p.ffdhe2048.p;

  SECTION("no client certificate: Yc in the ClientKeyExchange") {
    State st = client_state({kDhRsaAes128Gcm});
    auto flight = server_flight(st, s);
    ClientKexResult r = client_key_exchange(st, flight, trusting_ca(), *rng);
    Sent sent = parse_flight(r.records);
    REQUIRE(sent.messages.size() == 1);
    wire::ClientKeyExchange cke = decode_cke(sent.messages[0], wire::kTls12, kDhRsaAes128Gcm);
    REQUIRE(cke.form == wire::KexForm::dh);
    CHECK(st.secrets.at("pre_master_secret") == crypto::mod_exp(cke.value, p.server_dh.x, dh_p));
  }
  SECTION("a fixed-DH client certificate: empty ClientKeyExchange, no CertificateVerify") {
    wire::CertificateRequest req;
    req.certificate_types = {1, 3};
    req.signature_algorithms = std::vector<std::uint16_t>{0x0401};
    s.request = req;
    State st = client_state({kDhRsaAes128Gcm});
    auto flight = server_flight(st, s);
    ClientKexOptions o = trusting_ca();
    o.client_chain = {p.client_dh_cert};
    o.client_key = p.client_dh;
    ClientKexResult r = client_key_exchange(st, flight, o, *rng);
    Sent sent = parse_flight(r.records);
    REQUIRE(sent.messages.size() == 2);
    CHECK(sent.messages[0].msg_type == 11);
    CHECK(sent.messages[1].msg_type == 16);
    CHECK(sent.messages[1].body.empty());
    CHECK(st.secrets.at("pre_master_secret") ==
          crypto::mod_exp(p.client_dh.pub.dh.y, p.server_dh.x, dh_p));
    CHECK(st.values.at("client_auth") == "fixed_dh");
  }
  SECTION("a fixed-DH certificate for a DHE suite is not sent") {
    wire::CertificateRequest req;
    req.certificate_types = {1, 3};
    req.signature_algorithms = std::vector<std::uint16_t>{0x0401};
    auto srng = crypto::seeded_rng("dhe server");
    crypto::KexKeyPair server = crypto::dh_generate(p.ffdhe2048.p, p.ffdhe2048.g, {}, *srng);
    Server d;
    d.suite = kDheRsaAes128Sha;
    d.chain = {&p.server_rsa_cert};
    d.signer = &p.server_rsa;
    d.dh = dh_params(p.ffdhe2048, server.public_key);
    d.request = req;
    State st = client_state({kDheRsaAes128Sha});
    auto flight = server_flight(st, d);
    ClientKexOptions o = trusting_ca();
    o.client_chain = {p.client_dh_cert};
    o.client_key = p.client_dh;
    ClientKexResult r = client_key_exchange(st, flight, o, *rng);
    Sent sent = parse_flight(r.records);
    REQUIRE(sent.messages.size() == 2);
    CHECK(sent.messages[0].body == Bytes{0, 0, 0});
    CHECK_FALSE(sent.messages[1].body.empty());
    CHECK(r.warnings.size() == 1);
  }
}

TEST_CASE("client_key_exchange: anonymous suites", "[derive_client]") {
  Pki& p = test_pki();
  auto rng = crypto::seeded_rng("anon");
  auto srng = crypto::seeded_rng("anon server");
  crypto::KexKeyPair server = crypto::dh_generate(p.ffdhe2048.p, p.ffdhe2048.g, {}, *srng);
  Server s;
  s.suite = kDhAnonAes128Gcm;
  s.dh = dh_params(p.ffdhe2048, server.public_key);
  State st = client_state({kDhAnonAes128Gcm});
  auto flight = server_flight(st, s);
  // No --ca is needed: there is no certificate.
  ClientKexResult r = client_key_exchange(st, flight, ClientKexOptions{}, *rng);
  Sent sent = parse_flight(r.records);
  wire::ClientKeyExchange cke = decode_cke(sent.messages[0], wire::kTls12, kDhAnonAes128Gcm);
  CHECK(st.secrets.at("pre_master_secret") ==
        crypto::mod_exp(cke.value, server.private_key, p.ffdhe2048.p));
  CHECK(st.values.at("server_certificate_verified") == "anonymous");

  // A CertificateRequest from an anonymous server is refused (RFC 5246 §7.4.4).
  wire::CertificateRequest req;
  req.certificate_types = {1};
  req.signature_algorithms = std::vector<std::uint16_t>{0x0401};
  s.request = req;
  State st2 = client_state({kDhAnonAes128Gcm});
  auto flight2 = server_flight(st2, s);
  require_error([&] { client_key_exchange(st2, flight2, ClientKexOptions{}, *rng); },
                ErrorKind::check_failed, Error::kAlertHandshakeFailure);
  (void)kEcdheRsaAes128Gcm;
}
