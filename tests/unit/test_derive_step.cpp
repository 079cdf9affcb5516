// derive_step.hpp: `hsk derive-pms` for each role as one library call reading the peer's
// stream. A whole DH_anon handshake over pipes (client_step, server_step, read_finished): each
// step reads exactly its records (the bytes after them stay unread), both sides derive the
// same master secret and complete; a fatal alert or another record where the flight is due is
// the right error, and the state is left as it was.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <string>
#include <vector>

#include "crypto/crypto.hpp"
#include "handshake/client_hello.hpp"
#include "handshake/derive_pms.hpp"
#include "handshake/derive_step.hpp"
#include "handshake/finish_step.hpp"
#include "handshake/server_respond.hpp"
#include "handshake/state.hpp"
#include "hsk/error.hpp"
#include "io/stream.hpp"
#include "wire/record.hpp"

using hsk::Bytes;
using hsk::Error;
using hsk::ErrorKind;
using namespace hsk::handshake;
namespace crypto = hsk::crypto;
namespace wire = hsk::wire;

namespace {

constexpr std::uint16_t kDhAnonAes128Gcm = 0x00a6;  // TLS_DH_anon_WITH_AES_128_GCM_SHA256

// pipe_of: a stream reading `bytes` (then end of file) through a pipe.
hsk::io::Stream pipe_of(const Bytes& bytes) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  REQUIRE(bytes.size() < 60000);  // fits the pipe buffer: written before anyone reads
  REQUIRE(::write(fds[1], bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  ::close(fds[1]);
  return hsk::io::Stream(fds[0], "pipe", true);
}

Bytes with_tail(Bytes records) {
  const Bytes tail{23, 3, 3, 0, 1, 0x42};  // the next record: must stay unread
  records.insert(records.end(), tail.begin(), tail.end());
  return records;
}

struct Start {
  State client;
  State server;
  Bytes server_flight;
};

Start start() {
  auto rng = crypto::seeded_rng("test_derive_step");
  ClientHelloOptions co;
  co.version = wire::kTls12;
  co.cipher_suites = {kDhAnonAes128Gcm};
  co.gmt_unix_time = 1767225600;
  BuiltClientHello ch = build_client_hello(co, *rng);
  ServerRespondOptions so;
  so.suites = {kDhAnonAes128Gcm};
  so.gmt_unix_time = 1767225600;
  ServerFlight flight = server_respond(ch.hello, ch.message, so, *rng);
  return {new_client_state(ch, std::nullopt), flight.state, flight.records};
}

}  // namespace

TEST_CASE("derive_step: a whole handshake over pipes, each step reading exactly its records",
          "[derive_step]") {
  Start s = start();
  auto rng = crypto::seeded_rng("steps");

  Bytes sent = with_tail(s.server_flight);
  hsk::io::Stream to_client = pipe_of(sent);
  ClientStepResult c = client_step(s.client, to_client, ClientKexOptions{}, *rng, true);
  CHECK_FALSE(c.resumed);
  CHECK(to_client.offset() == s.server_flight.size());
  CHECK(s.client.values.at("client_finished") == "sent");

  hsk::io::Stream to_server = pipe_of(with_tail(c.kex.records));
  ServerStepResult srv = server_step(s.server, to_server, ServerKexOptions{}, *rng, true, 0);
  CHECK(to_server.offset() == c.kex.records.size());
  CHECK(s.server.values.at("handshake_complete") == "true");
  CHECK(srv.kex.warnings.empty());  // no session cache named: nothing to store, no warning
  REQUIRE(srv.records.size() > 6);
  CHECK(int{srv.records[0]} == 20);  // ChangeCipherSpec first

  hsk::io::Stream back = pipe_of(with_tail(srv.records));
  read_finished(s.client, back);
  CHECK(back.offset() == srv.records.size());
  CHECK(s.client.values.at("handshake_complete") == "true");
  CHECK(s.client.secrets.at("master_secret") == s.server.secrets.at("master_secret"));
  CHECK(s.client.secrets.at("master_secret").size() == 48);
}

TEST_CASE("derive_step: --no-finished stops both roles after the key exchange", "[derive_step]") {
  Start s = start();
  auto rng = crypto::seeded_rng("phase3");
  hsk::io::Stream to_client = pipe_of(s.server_flight);
  ClientStepResult c = client_step(s.client, to_client, ClientKexOptions{}, *rng, false);
  CHECK(s.client.values.count("client_finished") == 0);
  hsk::io::Stream to_server = pipe_of(c.kex.records);
  ServerStepResult srv = server_step(s.server, to_server, ServerKexOptions{}, *rng, false, 0);
  CHECK(srv.records.empty());
  CHECK(s.client.secrets.at("master_secret") == s.server.secrets.at("master_secret"));
}

TEST_CASE("derive_step: an alert or another record where the flight is due; state unchanged",
          "[derive_step]") {
  Start s = start();
  auto rng = crypto::seeded_rng("errors");
  const std::string client_before = state_to_json(s.client);
  const std::string server_before = state_to_json(s.server);

  // A fatal handshake_failure alert where the server's flight is due.
  Bytes alerted{21, 3, 3, 0, 2, 2, 40};
  hsk::io::Stream in = pipe_of(alerted);
  try {
    client_step(s.client, in, ClientKexOptions{}, *rng, true);
    FAIL("no error");
  } catch (const PeerAlertError& e) {
    CHECK(int{e.received().description} == 40);
    CHECK(std::string(e.what()).find(
              "the server sent a fatal alert handshake_failure instead of its flight") !=
          std::string::npos);
  }
  CHECK(state_to_json(s.client) == client_before);

  // Application data where the client's ClientKeyExchange is due.
  hsk::io::Stream data = pipe_of(Bytes{23, 3, 3, 0, 1, 0x42});
  try {
    server_step(s.server, data, ServerKexOptions{}, *rng, true, 0);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::malformed);
    CHECK(e.alert() == Error::kAlertUnexpectedMessage);
    CHECK(std::string(e.what()).find("the client sent a application_data record before the end "
                                     "of its flight") != std::string::npos);
  }
  CHECK(state_to_json(s.server) == server_before);
}
