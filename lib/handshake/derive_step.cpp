// hsk::handshake derive_step (derive_step.hpp).
#include "handshake/derive_step.hpp"

#include <fmt/core.h>

#include <string>
#include <utility>

#include "handshake/finish_step.hpp"
#include "handshake/session_cache.hpp"
#include "hsk/error.hpp"
#include "wire/record.hpp"
#include "wire/registry.hpp"

namespace hsk::handshake {

std::vector<wire::HandshakeMessage> complete_flight(io::Flight f, const char* peer,
                                                    const char* what) {
  if (!f.complete) {
    if (!f.alerts.empty()) {
      const wire::Alert& a = f.alerts.back();
      // PeerAlertError: the connection is over, no alert goes back.
      throw PeerAlertError(
          f.records.back().offset, a,
          fmt::format("the {} sent a {} alert {} instead of {}", peer,
                      a.level == 1 ? "warning" : "fatal", alert_name(a.description), what));
    }
    std::string_view ct = f.stopped_by ? wire::name_of(wire::Registry::content_type, *f.stopped_by)
                                       : std::string_view();
    throw Error(ErrorKind::malformed, f.records.empty() ? 0 : f.records.back().offset, "record",
                fmt::format("the {} sent a {} record before the end of {}", peer,
                            ct.empty() ? "non-handshake" : std::string(ct), what),
                Error::kAlertUnexpectedMessage);
  }
  return std::move(f.messages);
}

ClientStepResult client_step(State& state, io::Stream& in, const ClientKexOptions& options,
                             crypto::Rng& rng, bool finished) {
  const State before = state;
  ClientStepResult r;
  try {
    // Up to ServerHelloDone; a ServerHello that resumes our session is followed by the
    // server's ChangeCipherSpec instead (RFC 5246 §7.3 Figure 2), where read_flight stops.
    io::Flight f = io::read_flight(in, wire::HandshakeType::server_hello_done);
    constexpr auto kCcs = static_cast<std::uint8_t>(wire::ContentType::change_cipher_spec);
    if (!f.complete && f.stopped_by == kCcs && f.messages.size() == 1 &&
        server_resumes(state, f.messages.front())) {
      ClientResumeResult rr = client_resume_hello(state, f.messages.front());
      read_finished_after(state, f.records.back(), in);  // the server's Finished
      r.kex.keys = std::move(rr.keys);
      r.kex.explain = std::move(rr.explain);
      r.resumed = true;
      // The abbreviated handshake ends with our ChangeCipherSpec and Finished: the server's
      // was checked above, so this side is complete.
      r.kex.records = send_finished(state, rng);
      return r;
    }
    std::vector<wire::HandshakeMessage> flight =
        complete_flight(std::move(f), "server", "its flight (up to ServerHelloDone)");
    r.kex = client_key_exchange(state, flight, options, rng);
    if (finished) {
      // Phase 4 begins: ChangeCipherSpec and our Finished complete the client's second
      // flight (RFC 5246 Figure 1); the server's answer is read by `hsk finish`.
      Bytes fin = send_finished(state, rng);
      r.kex.records.insert(r.kex.records.end(), fin.begin(), fin.end());
    }
  } catch (...) {
    state = before;
    throw;
  }
  return r;
}

ServerStepResult server_step(State& state, io::Stream& in, const ServerKexOptions& options,
                             crypto::Rng& rng, bool finished, std::int64_t now) {
  const State before = state;
  ServerStepResult r;
  try {
    const char* what = "its flight (up to ClientKeyExchange)";
    std::vector<wire::HandshakeMessage> flight = complete_flight(
        io::read_flight(in, wire::HandshakeType::client_key_exchange), "client", what);
    if (server_expects_certificate_verify(state, flight)) {
      std::vector<wire::HandshakeMessage> more =
          complete_flight(io::read_flight(in, wire::HandshakeType::certificate_verify), "client",
                          "its CertificateVerify");
      flight.insert(flight.end(), more.begin(), more.end());
    }
    r.kex = server_key_exchange(state, flight, options, rng);
    if (finished) {
      // The client's ChangeCipherSpec and Finished, then ours (RFC 5246 Figure 1).
      read_finished(state, in);
      r.records = send_finished(state, rng);
    }
  } catch (...) {
    state = before;
    throw;
  }
  if (finished) {
    // The client's Finished verified: the session may be resumed later (server-respond
    // --session-cache). The caller writes it out before our Finished goes on the wire, so a
    // client that reconnects at once finds it.
    try {
      cache_completed_session(state, now);
    } catch (const Error& e) {
      r.kex.warnings.push_back(e.message() + " (the session was not cached)");
    }
  }
  return r;
}

}  // namespace hsk::handshake
