// hsk::handshake derive_step — `hsk derive-pms` as one call per role: what is read from the
// peer's stream and in which order, which checks run, and what goes back (RFC 5246 §7.3
// Figures 1 and 2). The command parses options, loads keys and state, writes the state and the
// records, and prints; the protocol is here.
//
//   client  reads the server's flight up to ServerHelloDone and answers with [Certificate]
//           ClientKeyExchange [CertificateVerify] and, unless told not to, ChangeCipherSpec +
//           Finished (client_key_exchange, send_finished). When the ServerHello resumes the
//           session the ClientHello offered, the flight is ServerHello, ChangeCipherSpec,
//           Finished instead (client_resume_hello, read_finished_after): the answer is
//           ChangeCipherSpec + Finished, and the client's side is complete.
//   server  reads [Certificate] ClientKeyExchange, then the CertificateVerify when the
//           certificate signs (server_key_exchange); then, unless told not to, the client's
//           ChangeCipherSpec + Finished (read_finished), answers with its own, and stores the
//           session in the server-respond --session-cache (cache_completed_session).
#pragma once

#include <cstdint>
#include <vector>

#include "crypto/crypto.hpp"
#include "handshake/derive_pms.hpp"
#include "handshake/state.hpp"
#include "io/stream.hpp"
#include "wire/messages.hpp"

namespace hsk::handshake {

// complete_flight: the messages of a flight io::read_flight ended, or throws for one that
// stopped early: PeerAlertError (finish_step.hpp) for an alert, hsk::Error(malformed,
// unexpected_message) for another content type. `peer` ("server") and `what` ("its flight (up
// to ServerHelloDone)") name them in the message.
std::vector<wire::HandshakeMessage> complete_flight(io::Flight f, const char* peer,
                                                    const char* what);

struct ClientStepResult {
  ClientKexResult kex;  // kex.records: everything the client sends now, ready for the wire
  bool resumed = false;
};

// client_step: the client's derive-pms on a state fresh from client-hello. `finished`: end the
// full handshake's flight with ChangeCipherSpec + Finished (--no-finished clears it; the
// abbreviated handshake always sends them). Throws as client_key_exchange,
// client_resume_hello, read_finished_after and complete_flight; on any error `state` is left
// as it was.
ClientStepResult client_step(State& state, io::Stream& in, const ClientKexOptions& options,
                             crypto::Rng& rng, bool finished);

struct ServerStepResult {
  ServerKexResult kex;
  Bytes records;  // ChangeCipherSpec + Finished when `finished`, else empty
};

// server_step: the server's derive-pms. `finished`: read the client's ChangeCipherSpec +
// Finished, answer with ours, and cache the session at time `now` (a failure to cache is a
// warning in kex.warnings: it costs only the resumption). Throws as server_key_exchange,
// read_finished and complete_flight; on any error `state` is left as it was.
ServerStepResult server_step(State& state, io::Stream& in, const ServerKexOptions& options,
                             crypto::Rng& rng, bool finished, std::int64_t now);

}  // namespace hsk::handshake
