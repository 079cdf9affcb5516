// hsk::handshake app_data — after both Finished: application data and alerts under the
// negotiated record protection (RFC 5246 §6.2, §7.2, §10), one side's view, continuing the
// sequence numbers kept in its state file (record_state.hpp).
//
// Used by `hsk app-data` (man/hsk-app-data.1): --send seals standard input into
// application_data records, --recv opens the peer's records to standard output, --close sends
// close_notify. Send and receive of one state must not run at the same time (each rewrites
// the state file with its own direction's sequence number).
#pragma once

#include <cstdint>
#include <string>

#include "crypto/crypto.hpp"
#include "handshake/state.hpp"
#include "hsk/bytes.hpp"
#include "wire/messages.hpp"
#include "wire/record.hpp"

namespace hsk::handshake {

// require_handshake_complete throws hsk::Error(usage) naming `path` unless this side sent its
// Finished and verified the peer's (finish_step.hpp: values["handshake_complete"]), e.g.
// "c.json: the handshake is not complete: run hsk finish first".
void require_handshake_complete(const State& state, const std::string& path);

// seal_application_data cuts `plaintext` into application_data records of at most 2^14 bytes
// (RFC 5246 §6.2.1) sealed as state.role sends them, and returns them concatenated; empty
// input gives no record. Advances this side's sequence number. Throws as seal_record.
Bytes seal_application_data(State& state, ByteView plaintext, crypto::Rng& rng);

// Incoming is one record from the peer, opened.
struct Incoming {
  enum class Kind { data, alert, ignored };
  Kind kind = Kind::data;
  Bytes data;         // Kind::data: the plaintext (may be empty: TLS 1.0 peers send empty
                      // records before data as a CBC countermeasure)
  wire::Alert alert;  // Kind::alert
  std::string note;   // Kind::ignored: what was skipped and why
};

// open_incoming opens one record the peer sent (protected once its ChangeCipherSpec was
// seen), advancing the peer's sequence number. application_data gives its plaintext; an alert
// record gives the alert (exactly one 2-byte alert, else malformed decode_error); a
// HelloRequest is ignored (RFC 5246 §7.4.1.1: a client may decline to renegotiate). Throws
// hsk::Error: check_failed bad_record_mac / record_overflow as open_record; malformed
// unexpected_message for a ChangeCipherSpec, any other handshake message (renegotiation is not
// supported) or another content type. On error the state is left as it was.
Incoming open_incoming(State& state, const wire::Record& record);

}  // namespace hsk::handshake
