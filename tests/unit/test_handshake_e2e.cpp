// The handshake end to end at the library level, hsk client against hsk server:
// build_client_hello -> server_respond -> client_key_exchange -> server_key_exchange, for
// every key exchange hsk implements (RSA, DHE_RSA, DHE_DSS, DH_anon, DH_RSA, DH_DSS,
// ECDHE_RSA, ECDHE_ECDSA on P-256 and x25519, ECDH_anon), at TLS 1.2 and at TLS 1.0/1.1 where
// the suite exists, with and without client authentication (RSA, ECDSA, DSA and fixed-DH
// client certificates), extended master secret on and off. Both states must hold the same
// transcript, pre-master secret, master secret and key block; the master secret is also
// recomputed here from the primitives (crypto::master_secret / extended_master_secret over the
// transcript up to ClientKeyExchange), and EMS on and off (same randoms and pre-master secret,
// from the same seeds) must differ.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/crypto.hpp"
#include "crypto/tls_crypto.hpp"
#include "handshake/client_hello.hpp"
#include "handshake/derive_pms.hpp"
#include "handshake/server_respond.hpp"
#include "handshake/state.hpp"
#include "hsk/error.hpp"
#include "pki/keys.hpp"
#include "pki/testpki.hpp"
#include "pki/x509.hpp"
#include "wire/messages.hpp"
#include "wire/record.hpp"

using hsk::Bytes;
using hsk::ByteView;
using namespace hsk::handshake;
namespace crypto = hsk::crypto;
namespace wire = hsk::wire;
namespace pki = hsk::pki;

namespace {

const pki::UnixTime kNow = 1767225600;  // 2026-01-01, inside the test PKI's validity

// The test PKI (pki::make_test_pki, seeded), made once per process in a temporary folder.
struct TestPki {
  std::string dir;
  std::vector<ServerKeyPair> pairs;  // rsa, dsa, ecdsa, dh-rsa, dh-dss
  std::vector<pki::Certificate> cas;
  struct Client {
    std::vector<pki::Certificate> chain;
    crypto::PrivateKey key;
  };
  Client rsa, ecdsa, dsa, dh;

  TestPki() {
    char tmpl[] = "/tmp/hsk-e2e-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    auto rng = crypto::seeded_rng("test_handshake_e2e");
    pki::TestPkiOptions o;
    o.not_before = kNow - 86400;
    o.not_after = kNow + 86400 * 365;
    pki::make_test_pki(dir, *rng, o);
    for (const char* name :
         {"server-rsa", "server-dsa", "server-ecdsa", "server-dh-rsa", "server-dh-dss"}) {
      pairs.push_back(load_server_key_pair(file(name) + ".pem", file(name) + ".key"));
    }
    cas = pki::load_certificates(file("ca.pem"));
    for (auto& c : pki::load_certificates(file("dsa-ca.pem"))) {
      cas.push_back(c);
    }
    rsa = client("client");
    ecdsa = client("client-ecdsa");
    dsa = client("client-dsa");
    dh = client("client-dh");
  }
  ~TestPki() { std::filesystem::remove_all(dir); }

  std::string file(const std::string& name) const { return dir + "/" + name; }
  Client client(const std::string& name) const {
    return {pki::load_certificates(file(name + ".pem")),
            pki::read_private_key(file(name + ".key"))};
  }
};

TestPki& test_pki() {
  static TestPki p;
  return p;
}

enum class Auth { none, rsa, ecdsa, dsa, dh };

const char* auth_name(Auth a) {
  switch (a) {
    case Auth::none:
      return "none";
    case Auth::rsa:
      return "rsa";
    case Auth::ecdsa:
      return "ecdsa";
    case Auth::dsa:
      return "dsa";
    case Auth::dh:
      return "fixed-dh";
  }
  return "?";
}

struct Run {
  State client;
  State server;
  ServerKexResult server_result;
  ClientKexResult client_result;
  Bytes hello_records;  // the three flights as they crossed the wire
  Bytes server_records;
  Bytes client_records;
  std::optional<crypto::PrivateKey> server_key;
};

std::vector<wire::HandshakeMessage> messages_of(ByteView records) {
  wire::Reader r(records);
  wire::HandshakeAssembler as;
  while (!r.empty()) {
    as.add(wire::decode_record(r));
  }
  REQUIRE_FALSE(as.pending());
  return as.take();
}

// handshake runs the four steps in memory, as the commands would over files.
Run handshake(std::uint16_t version, std::uint16_t suite, bool ems, Auth auth,
              std::vector<std::uint16_t> groups = {}) {
  TestPki& pki = test_pki();
  auto rng = crypto::seeded_rng("e2e run");  // the same draws with EMS on and off

  ClientHelloOptions co;
  co.version = version;
  co.cipher_suites = {suite};
  co.gmt_unix_time = static_cast<std::uint32_t>(kNow);
  co.extended_master_secret = ems;
  if (!groups.empty()) {
    co.groups = groups;
  }
  BuiltClientHello ch = build_client_hello(co, *rng);
  Run run;
  run.hello_records = ch.records;
  run.client = new_client_state(ch, std::nullopt);

  ServerRespondOptions so;
  so.pairs = pki.pairs;
  so.suites = {suite};
  so.request_cert = auth != Auth::none;
  so.client_ca = pki.cas;
  so.gmt_unix_time = static_cast<std::uint32_t>(kNow);
  ServerFlight flight = server_respond(ch.hello, ch.message, so, *rng);
  REQUIRE(flight.cipher_suite == suite);
  REQUIRE(flight.version == version);
  run.server = flight.state;
  run.server_records = flight.records;

  ClientKexOptions cko;
  cko.trusted = pki.cas;
  cko.now = kNow;
  const TestPki::Client* cc = nullptr;
  switch (auth) {
    case Auth::none:
      break;
    case Auth::rsa:
      cc = &pki.rsa;
      break;
    case Auth::ecdsa:
      cc = &pki.ecdsa;
      break;
    case Auth::dsa:
      cc = &pki.dsa;
      break;
    case Auth::dh:
      cc = &pki.dh;
      break;
  }
  if (cc != nullptr) {
    cko.client_chain = cc->chain;
    cko.client_key = cc->key;
  }
  // The server flight crosses the wire as records and is read back as messages.
  run.client_result = client_key_exchange(run.client, messages_of(flight.records), cko, *rng);

  ServerKexOptions sko;
  if (flight.pair_index) {
    sko.server_key = pki.pairs[*flight.pair_index].key;
  }
  run.server_key = sko.server_key;
  run.client_records = run.client_result.records;
  sko.client_ca = pki.cas;
  sko.now = kNow;
  std::vector<wire::HandshakeMessage> client_flight = messages_of(run.client_result.records);
  if (auth != Auth::none) {
    CHECK(server_expects_certificate_verify(run.server, client_flight) == (auth != Auth::dh));
  }
  run.server_result = server_key_exchange(run.server, client_flight, sko, *rng);
  return run;
}

// check_agreement: both sides hold the same secrets, and the master secret is what the
// primitives give for the client's pre-master secret and transcript.
void check_agreement(const Run& run, bool ems, Auth auth) {
  const State& c = run.client;
  const State& s = run.server;
  REQUIRE(c.secrets.count("master_secret") == 1);
  REQUIRE(s.secrets.count("master_secret") == 1);
  CHECK(c.secrets.at("pre_master_secret") == s.secrets.at("pre_master_secret"));
  CHECK(c.secrets.at("master_secret") == s.secrets.at("master_secret"));
  CHECK(c.secrets.at("key_block") == s.secrets.at("key_block"));
  CHECK(c.secrets.at("master_secret").size() == 48);
  CHECK(transcript_bytes(c) == transcript_bytes(s));
  CHECK(c.values.at("extended_master_secret") == (ems ? "true" : "false"));
  CHECK(s.values.at("extended_master_secret") == (ems ? "true" : "false"));
  CHECK(run.server_result.client_authenticated == (auth != Auth::none));

  // Independent recomputation from the primitives.
  const wire::CipherSuite& suite = *wire::find_cipher_suite(*c.cipher_suite);
  crypto::PrfKind prf = crypto::prf_kind(*c.negotiated_version, suite);
  const Bytes& pms = c.secrets.at("pre_master_secret");
  Bytes master;
  if (ems) {
    Bytes upto;
    for (const auto& m : c.transcript) {
      upto.insert(upto.end(), m.bytes.begin(), m.bytes.end());
      if (m.msg_type() == static_cast<std::uint8_t>(wire::HandshakeType::client_key_exchange)) {
        break;
      }
    }
    master = crypto::extended_master_secret(prf, pms, crypto::transcript_hash(prf, upto));
  } else {
    master = crypto::master_secret(prf, pms, c.client_random, *c.server_random);
  }
  CHECK(s.secrets.at("master_secret") == master);
  CHECK(s.secrets.at("key_block") ==
        crypto::key_block(prf, master, *c.server_random, c.client_random,
                          crypto::key_block_length(suite, *c.negotiated_version)));
}

struct SuiteCase {
  std::uint16_t suite;
  std::vector<std::uint16_t> versions;
  std::vector<Auth> auths;
  std::vector<std::uint16_t> groups = {};
};

const std::vector<std::uint16_t> kAllVersions = {wire::kTls12, wire::kTls11, wire::kTls10};
const std::vector<std::uint16_t> kTls12Only = {wire::kTls12};

void run_matrix(const std::vector<SuiteCase>& cases) {
  for (const SuiteCase& sc : cases) {
    for (std::uint16_t version : sc.versions) {
      for (Auth auth : sc.auths) {
        INFO(wire::find_cipher_suite(sc.suite)->iana
             << " version 0x" << std::hex << version << std::dec << " client auth "
             << auth_name(auth) << " groups " << sc.groups.size());
        Run on = handshake(version, sc.suite, true, auth, sc.groups);
        check_agreement(on, true, auth);
        if (auth == Auth::dh) {  // Yc came from the client's certificate: an empty CKE
          CHECK(on.server.values.at("pms_source").find("implicit") != std::string::npos);
          CHECK(on.server.transcript.back().bytes == Bytes{16, 0, 0, 0});
        }
        if (!sc.groups.empty()) {  // the ECDH group is the client's first
          CHECK(on.server.values.at("kex_group") ==
                crypto::ecdh_group_name(static_cast<crypto::EcdhGroup>(sc.groups[0])));
        }
        Run off = handshake(version, sc.suite, false, auth, sc.groups);
        check_agreement(off, false, auth);
        // Same seeds: same randoms and pre-master secret; EMS alone changes the master secret.
        CHECK(on.client.client_random == off.client.client_random);
        CHECK(on.client.secrets.at("pre_master_secret") ==
              off.client.secrets.at("pre_master_secret"));
        CHECK(on.server.secrets.at("master_secret") != off.server.secrets.at("master_secret"));
      }
    }
  }
}

const std::vector<Auth> kSigningAuths = {Auth::none, Auth::rsa, Auth::ecdsa, Auth::dsa};

}  // namespace

TEST_CASE("handshake e2e: RSA key exchange", "[e2e]") {
  run_matrix({
      {0x002f, kAllVersions, kSigningAuths},          // TLS_RSA_WITH_AES_128_CBC_SHA
      {0x009c, kTls12Only, {Auth::none, Auth::rsa}},  // TLS_RSA_WITH_AES_128_GCM_SHA256
  });
}

TEST_CASE("handshake e2e: DHE_RSA and DHE_DSS", "[e2e]") {
  run_matrix({
      {0x0033, kAllVersions, {Auth::none, Auth::rsa}},  // TLS_DHE_RSA_WITH_AES_128_CBC_SHA
      {0x009e, kTls12Only, kSigningAuths},              // TLS_DHE_RSA_WITH_AES_128_GCM_SHA256
      {0x0032, kAllVersions, {Auth::none, Auth::dsa}},  // TLS_DHE_DSS_WITH_AES_128_CBC_SHA
      {0x00a2, kTls12Only, {Auth::none, Auth::rsa}},    // TLS_DHE_DSS_WITH_AES_128_GCM_SHA256
  });
}

TEST_CASE("handshake e2e: DH_anon and ECDH_anon", "[e2e]") {
  run_matrix({
      {0x0034, kAllVersions, {Auth::none}},  // TLS_DH_anon_WITH_AES_128_CBC_SHA
      {0x00a6, kTls12Only, {Auth::none}},    // TLS_DH_anon_WITH_AES_128_GCM_SHA256
      {0xc018, kAllVersions, {Auth::none}},  // TLS_ECDH_anon_WITH_AES_128_CBC_SHA
  });
}

TEST_CASE("handshake e2e: fixed DH (DH_RSA and DH_DSS)", "[e2e]") {
  run_matrix({
      // TLS_DH_RSA_WITH_AES_128_CBC_SHA, TLS_DH_DSS_WITH_AES_128_CBC_SHA
      {0x0031, kAllVersions, {Auth::none, Auth::rsa, Auth::dh}},
      {0x0030, kAllVersions, {Auth::none, Auth::dh}},
      // TLS_DH_RSA_WITH_AES_128_GCM_SHA256, TLS_DH_DSS_WITH_AES_128_GCM_SHA256
      {0x00a0, kTls12Only, {Auth::none, Auth::dh, Auth::ecdsa}},
      {0x00a4, kTls12Only, {Auth::none, Auth::dh}},
  });
}

TEST_CASE("handshake e2e: ECDHE_RSA and ECDHE_ECDSA on P-256 and x25519", "[e2e]") {
  run_matrix({
      // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
      {0xc013, kAllVersions, {Auth::none, Auth::rsa}, {29}},
      {0xc02f, kTls12Only, kSigningAuths, {23}},
      // TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (SHA-384 PRF)
      {0xc030, kTls12Only, {Auth::none, Auth::ecdsa}, {29}},
      // TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
      {0xc009, kAllVersions, {Auth::none, Auth::ecdsa}, {23}},
      {0xc02b, kTls12Only, {Auth::none, Auth::rsa}, {29, 23}},
      {0xc02b, kTls12Only, {Auth::none}, {23}},
  });
}

TEST_CASE("handshake e2e: a server rebuilt from the captured flights replays RSA and fixed DH",
          "[e2e]") {
  // server_state_from_flights + server_key_exchange with the server's key, given only the
  // bytes that crossed the wire, must reach the master secret both live sides agreed on.
  struct Case {
    std::uint16_t version;
    std::uint16_t suite;
    Auth auth;
  };
  for (Case c : {Case{wire::kTls12, 0x009c, Auth::none}, Case{wire::kTls12, 0x009c, Auth::rsa},
                 Case{wire::kTls10, 0x002f, Auth::ecdsa}, Case{wire::kTls12, 0x00a0, Auth::dh},
                 Case{wire::kTls11, 0x0030, Auth::none}}) {
    for (bool ems : {true, false}) {
      INFO(wire::find_cipher_suite(c.suite)->iana << " client auth " << auth_name(c.auth) << " ems "
                                                  << ems);
      Run live = handshake(c.version, c.suite, ems, c.auth);
      State replay = server_state_from_flights(live.hello_records, live.server_records);
      REQUIRE(replay.transcript.size() < live.server.transcript.size());
      CHECK(std::equal(replay.transcript.begin(), replay.transcript.end(),
                       live.server.transcript.begin()));
      CHECK(replay.client_random == live.server.client_random);
      CHECK(replay.server_random == live.server.server_random);
      ServerKexOptions o;
      o.server_key = live.server_key;
      o.client_ca = test_pki().cas;
      o.now = kNow;
      auto rng = crypto::seeded_rng("replay");
      ServerKexResult r = server_key_exchange(replay, messages_of(live.client_records), o, *rng);
      CHECK(r.keys.master_secret == live.server.secrets.at("master_secret"));
      CHECK(r.keys.key_block == live.server.secrets.at("key_block"));
      CHECK(r.client_authenticated == (c.auth != Auth::none));
      CHECK(transcript_bytes(replay) == transcript_bytes(live.server));
    }
  }
}
