// Phase 4 and application data at the library level (finish_step.hpp, app_data.hpp), hsk
// client against hsk server, over anonymous suites (no PKI needed; the key exchange itself is
// tested in test_handshake_e2e.cpp): ChangeCipherSpec + protected Finished each way, the
// transcripts equal and ending with both Finished, whose verify_data is recomputed here from
// the primitives; application data of 40000 bytes in 3 records each way; tampering (one
// flipped bit in the Finished record -> bad_record_mac; a right-keyed Finished over another
// transcript -> decrypt_error); a ChangeCipherSpec that is not 01; alerts, HelloRequest and
// ChangeCipherSpec after the handshake; read_finished reads exactly its records from a pipe.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "crypto/crypto.hpp"
#include "crypto/tls_crypto.hpp"
#include "handshake/app_data.hpp"
#include "handshake/client_hello.hpp"
#include "handshake/derive_pms.hpp"
#include "handshake/finish_step.hpp"
#include "handshake/record_state.hpp"
#include "handshake/server_respond.hpp"
#include "handshake/state.hpp"
#include "hsk/error.hpp"
#include "io/stream.hpp"
#include "wire/messages.hpp"
#include "wire/record.hpp"
#include "wire/registry.hpp"

using hsk::Bytes;
using hsk::ByteView;
using hsk::Error;
using hsk::ErrorKind;
using namespace hsk::handshake;
namespace crypto = hsk::crypto;
namespace wire = hsk::wire;

namespace {

constexpr std::uint16_t kEcdhAnonAes128Sha = 0xc018;   // TLS_ECDH_anon_WITH_AES_128_CBC_SHA
constexpr std::uint16_t kDhAnonAes128Gcm = 0x00a6;     // TLS_DH_anon_WITH_AES_128_GCM_SHA256
constexpr std::uint16_t kDhAnonAes256Sha256 = 0x006d;  // TLS_DH_anon_WITH_AES_256_CBC_SHA256
constexpr std::uint16_t kEcdhAnonAes256Sha = 0xc019;   // TLS_ECDH_anon_WITH_AES_256_CBC_SHA

std::vector<wire::Record> records_of(ByteView bytes) {
  wire::Reader r(bytes);
  std::vector<wire::Record> out;
  while (!r.empty()) {
    out.push_back(wire::decode_record(r));
  }
  return out;
}

std::vector<wire::HandshakeMessage> messages_of(ByteView records) {
  wire::HandshakeAssembler as;
  for (const auto& rec : records_of(records)) {
    as.add(rec);
  }
  return as.take();
}

struct Pair {
  State client;
  State server;
};

// key_exchange runs phases 1-3 in memory (anonymous suites: no certificates).
Pair key_exchange(std::uint16_t version, std::uint16_t suite, bool ems = true) {
  auto rng = crypto::seeded_rng("test_finish");
  ClientHelloOptions co;
  co.version = version;
  co.cipher_suites = {suite};
  co.extended_master_secret = ems;
  co.gmt_unix_time = 1767225600;
  BuiltClientHello ch = build_client_hello(co, *rng);
  Pair p;
  p.client = new_client_state(ch, std::nullopt);
  ServerRespondOptions so;
  so.suites = {suite};
  so.gmt_unix_time = 1767225600;
  ServerFlight flight = server_respond(ch.hello, ch.message, so, *rng);
  REQUIRE(flight.cipher_suite == suite);
  REQUIRE(flight.version == version);
  p.server = flight.state;
  ClientKexOptions cko;
  ClientKexResult cr = client_key_exchange(p.client, messages_of(flight.records), cko, *rng);
  ServerKexOptions sko;
  server_key_exchange(p.server, messages_of(cr.records), sko, *rng);
  return p;
}

// verify_data_of recomputes a Finished's verify_data from the primitives.
Bytes verify_data_of(const State& s, bool client, std::size_t transcript_messages) {
  const wire::CipherSuite& suite = *wire::find_cipher_suite(*s.cipher_suite);
  crypto::PrfKind prf = crypto::prf_kind(*s.negotiated_version, suite);
  Bytes t;
  for (std::size_t i = 0; i < transcript_messages; ++i) {
    t.insert(t.end(), s.transcript[i].bytes.begin(), s.transcript[i].bytes.end());
  }
  return crypto::verify_data(prf, s.secrets.at("master_secret"), client,
                             crypto::transcript_hash(prf, t));
}

void full_finish(Pair& p) {
  auto rng = crypto::seeded_rng("finish");
  Bytes cf = send_finished(p.client, *rng);
  std::vector<wire::Record> c = records_of(cf);
  REQUIRE(c.size() == 2);
  CHECK(c[0].content_type == 20);
  CHECK(c[0].fragment == Bytes{1});
  CHECK(c[1].content_type == 22);
  receive_finished(p.server, c[0], {c[1]});
  Bytes sf = send_finished(p.server, *rng);
  std::vector<wire::Record> s = records_of(sf);
  REQUIRE(s.size() == 2);
  receive_finished(p.client, s[0], {s[1]});
}

}  // namespace

TEST_CASE("finish: both Finished verify; transcripts and verify_data agree", "[finish]") {
  struct Case {
    std::uint16_t version, suite;
    bool ems;
  };
  for (Case k :
       {Case{wire::kTls12, kDhAnonAes128Gcm, true}, Case{wire::kTls12, kEcdhAnonAes128Sha, false},
        Case{wire::kTls12, kDhAnonAes256Sha256, true}, Case{wire::kTls11, kEcdhAnonAes256Sha, true},
        Case{wire::kTls10, kEcdhAnonAes128Sha, true},
        Case{wire::kTls10, kEcdhAnonAes256Sha, false}}) {
    INFO("suite 0x" << std::hex << k.suite << " version 0x" << k.version);
    Pair p = key_exchange(k.version, k.suite, k.ems);
    const std::size_t n = p.client.transcript.size();  // up to ClientKeyExchange
    full_finish(p);
    CHECK(p.client.values.at("handshake_complete") == "true");
    CHECK(p.server.values.at("handshake_complete") == "true");
    CHECK(p.client.values.at("server_finished") == "verified");
    CHECK(p.server.values.at("client_finished") == "verified");
    REQUIRE(p.client.transcript.size() == n + 2);
    CHECK(transcript_bytes(p.client) == transcript_bytes(p.server));
    // Finished = 14 00 00 0c || PRF(ms, label, Hash(transcript before it))[0..11].
    Bytes cfin{20, 0, 0, 12};
    Bytes vd = verify_data_of(p.client, true, n);
    REQUIRE(vd.size() == 12);
    cfin.insert(cfin.end(), vd.begin(), vd.end());
    CHECK(p.client.transcript[n].bytes == cfin);
    CHECK(p.client.transcript[n].from == Role::client);
    Bytes sfin{20, 0, 0, 12};
    Bytes svd = verify_data_of(p.client, false, n + 1);
    sfin.insert(sfin.end(), svd.begin(), svd.end());
    CHECK(p.client.transcript[n + 1].bytes == sfin);
    CHECK(vd != svd);
    // Sequence numbers: one record each way so far.
    CHECK(p.client.values.at("client_write_seq") == "1");
    CHECK(p.client.values.at("server_write_seq") == "1");
    CHECK(p.server.values.at("client_write_seq") == "1");
  }
}

TEST_CASE("finish: application data in records of at most 2^14 bytes, each way",
          "[finish][app-data]") {
  for (auto [version, suite] :
       {std::pair{wire::kTls12, kDhAnonAes128Gcm}, std::pair{wire::kTls10, kEcdhAnonAes128Sha}}) {
    Pair p = key_exchange(version, suite);
    full_finish(p);
    auto rng = crypto::seeded_rng("data");
    Bytes data(40000);
    for (std::size_t i = 0; i < data.size(); ++i) {
      data[i] = static_cast<std::uint8_t>(i * 7 + 3);
    }
    for (int dir = 0; dir < 2; ++dir) {
      State& from = dir == 0 ? p.client : p.server;
      State& to = dir == 0 ? p.server : p.client;
      std::vector<wire::Record> recs = records_of(seal_application_data(from, data, *rng));
      REQUIRE(recs.size() == 3);
      Bytes got;
      for (const auto& r : recs) {
        CHECK(r.content_type == 23);
        CHECK(r.version == version);
        Incoming in = open_incoming(to, r);
        REQUIRE(in.kind == Incoming::Kind::data);
        CHECK(in.data.size() <= 16384);
        got.insert(got.end(), in.data.begin(), in.data.end());
      }
      CHECK(got == data);
      // close_notify, protected: not a 2-byte fragment on the wire, a warning alert inside.
      wire::Alert cn;
      cn.level = 1;
      cn.description = 0;
      std::vector<wire::Record> a = records_of(alert_record(from, cn, *rng));
      REQUIRE(a.size() == 1);
      CHECK(a[0].content_type == 21);
      CHECK(a[0].fragment.size() > 2);
      Incoming in = open_incoming(to, a[0]);
      REQUIRE(in.kind == Incoming::Kind::alert);
      CHECK(in.alert == cn);
    }
    CHECK(seal_application_data(p.client, Bytes{}, *rng).empty());
  }
}

TEST_CASE("finish: a flipped bit in the Finished record is bad_record_mac", "[finish]") {
  for (auto [version, suite] :
       {std::pair{wire::kTls12, kDhAnonAes128Gcm}, std::pair{wire::kTls12, kDhAnonAes256Sha256},
        std::pair{wire::kTls10, kEcdhAnonAes128Sha}}) {
    Pair p = key_exchange(version, suite);
    auto rng = crypto::seeded_rng("flip");
    std::vector<wire::Record> c = records_of(send_finished(p.client, *rng));
    for (std::size_t bit :
         {std::size_t{0}, c[1].fragment.size() * 8 / 2, c[1].fragment.size() * 8 - 1}) {
      State before = p.server;
      wire::Record bad = c[1];
      bad.fragment[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      try {
        receive_finished(p.server, c[0], {bad});
        FAIL("a flipped bit was accepted");
      } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::check_failed);
        CHECK(int{e.alert()} == Error::kAlertBadRecordMac);
      }
      CHECK(p.server == before);
    }
    receive_finished(p.server, c[0], {c[1]});  // the genuine one still passes
  }
}

TEST_CASE("finish: a well-protected Finished over another transcript is decrypt_error",
          "[finish]") {
  // Without extended master secret the keys do not depend on the transcript: change one byte
  // of the ClientHello the server remembers (inside its random), and the client's Finished
  // still authenticates but its verify_data is not what the server computes.
  Pair p = key_exchange(wire::kTls12, kDhAnonAes128Gcm, false);
  p.server.transcript[0].bytes[10] ^= 0x01;
  auto rng = crypto::seeded_rng("decrypt_error");
  std::vector<wire::Record> c = records_of(send_finished(p.client, *rng));
  try {
    receive_finished(p.server, c[0], {c[1]});
    FAIL("a Finished over another transcript was accepted");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::check_failed);
    CHECK(int{e.alert()} == Error::kAlertDecryptError);
  }
}

TEST_CASE("finish: ChangeCipherSpec must be the single byte 01; records where Finished is due",
          "[finish]") {
  Pair p = key_exchange(wire::kTls12, kDhAnonAes128Gcm);
  auto rng = crypto::seeded_rng("ccs");
  std::vector<wire::Record> c = records_of(send_finished(p.client, *rng));
  wire::Record ccs = c[0];
  ccs.fragment = {2};
  CHECK_THROWS_MATCHES(
      receive_finished(p.server, ccs, {c[1]}), Error, Catch::Predicate<Error>([](const Error& e) {
        return e.kind() == ErrorKind::malformed && e.alert() == Error::kAlertUnexpectedMessage;
      }));
  // No Finished after the ChangeCipherSpec.
  CHECK_THROWS_AS(receive_finished(p.server, c[0], {}), Error);
  // application_data where the Finished is due (sealed with the right keys).
  State fake = p.client;
  fake.values.erase("client_write_seq");
  start_protection(fake, Role::client);
  Bytes app = seal_record(fake, Role::client, 23, Bytes{'h', 'i'}, *rng);
  CHECK_THROWS_MATCHES(receive_finished(p.server, c[0], records_of(app)), Error,
                       Catch::Predicate<Error>([](const Error& e) {
                         return e.alert() == Error::kAlertUnexpectedMessage;
                       }));
}

TEST_CASE("app-data: alerts, HelloRequest and ChangeCipherSpec after the handshake", "[app-data]") {
  Pair p = key_exchange(wire::kTls12, kDhAnonAes128Gcm);
  full_finish(p);
  auto rng = crypto::seeded_rng("after");
  // A fatal alert, protected.
  std::vector<wire::Record> a = records_of(fatal_alert_record(p.server, 20, *rng));
  Incoming in = open_incoming(p.client, a[0]);
  REQUIRE(in.kind == Incoming::Kind::alert);
  CHECK(int{in.alert.level} == 2);
  CHECK(int{in.alert.description} == 20);
  CHECK(alert_name(20) == "bad_record_mac");
  // HelloRequest: ignored.
  std::vector<wire::Record> hr =
      records_of(seal_record(p.server, Role::server, 22, Bytes{0, 0, 0, 0}, *rng));
  CHECK(open_incoming(p.client, hr[0]).kind == Incoming::Kind::ignored);
  // Another handshake message, a ChangeCipherSpec: unexpected_message, state unchanged.
  for (std::uint8_t ct : {std::uint8_t{22}, std::uint8_t{20}}) {
    std::vector<wire::Record> r =
        records_of(seal_record(p.server, Role::server, ct, Bytes{1, 0, 0, 0}, *rng));
    State before = p.client;
    CHECK_THROWS_MATCHES(open_incoming(p.client, r[0]), Error,
                         Catch::Predicate<Error>([](const Error& e) {
                           return e.alert() == Error::kAlertUnexpectedMessage;
                         }));
    CHECK(p.client == before);
    p.client.values["server_write_seq"] = p.server.values.at("server_write_seq");  // skip it
  }
  // A flipped bit in application data: bad_record_mac.
  std::vector<wire::Record> d = records_of(seal_application_data(p.server, Bytes{'x'}, *rng));
  d[0].fragment.back() ^= 0x80;
  CHECK_THROWS_MATCHES(
      open_incoming(p.client, d[0]), Error, Catch::Predicate<Error>([](const Error& e) {
        return e.kind() == ErrorKind::check_failed && e.alert() == Error::kAlertBadRecordMac;
      }));
}

TEST_CASE("finish: read_finished reads exactly the ChangeCipherSpec and Finished from a pipe",
          "[finish]") {
  Pair p = key_exchange(wire::kTls10, kEcdhAnonAes128Sha);
  auto rng = crypto::seeded_rng("pipe");
  Bytes cf = send_finished(p.client, *rng);
  receive_finished(p.server, records_of(cf)[0], {records_of(cf)[1]});
  Bytes sf = send_finished(p.server, *rng);
  Bytes app = seal_application_data(p.server, Bytes{'n', 'e', 'x', 't'}, *rng);
  // A warning alert before the ChangeCipherSpec is skipped.
  Bytes warn{21, 3, 1, 0, 2, 1, 112};  // unrecognized_name, warning
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  Bytes all = warn;
  all.insert(all.end(), sf.begin(), sf.end());
  all.insert(all.end(), app.begin(), app.end());
  REQUIRE(::write(fds[1], all.data(), all.size()) == static_cast<ssize_t>(all.size()));
  ::close(fds[1]);
  hsk::io::Stream in(fds[0], "pipe", true);
  read_finished(p.client, in);
  CHECK(in.offset() == warn.size() + sf.size());
  CHECK(p.client.values.at("handshake_complete") == "true");
  auto rec = in.read_record();
  REQUIRE(rec);
  Incoming got = open_incoming(p.client, *rec);
  CHECK(got.data == Bytes{'n', 'e', 'x', 't'});
}

TEST_CASE("finish: a fatal alert instead of ChangeCipherSpec is PeerAlertError", "[finish]") {
  Pair p = key_exchange(wire::kTls12, kDhAnonAes128Gcm);
  auto rng = crypto::seeded_rng("alert");
  send_finished(p.client, *rng);
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  Bytes alert{21, 3, 3, 0, 2, 2, 20};
  REQUIRE(::write(fds[1], alert.data(), alert.size()) == 7);
  ::close(fds[1]);
  hsk::io::Stream in(fds[0], "pipe", true);
  try {
    read_finished(p.client, in);
    FAIL("no error");
  } catch (const PeerAlertError& e) {
    CHECK(int{e.received().description} == 20);
    CHECK(e.kind() == ErrorKind::check_failed);
    CHECK(std::string(e.what()).find("bad_record_mac") != std::string::npos);
  }
}
