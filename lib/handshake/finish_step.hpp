// hsk::handshake finish_step — phase 4 of a full handshake (RFC 5246 §7.1, §7.4.9, Figure 1):
// each side sends ChangeCipherSpec and then its Finished, the first record under the new keys,
// and checks the other side's.
//
// Where the steps live (man/hsk-derive-pms.1, man/hsk-finish.1):
//   client  `hsk derive-pms` appends ChangeCipherSpec + its protected Finished to the client
//           flight ([Certificate] ClientKeyExchange [CertificateVerify] ChangeCipherSpec
//           Finished: the client's whole second flight, as RFC 5246 Figure 1 draws it);
//   server  `hsk derive-pms` reads that flight through the client's Finished, checks it, and
//           writes its own ChangeCipherSpec + protected Finished (and stores the session in
//           the server-respond --session-cache, session_cache.hpp);
//   client  `hsk finish` reads the server's ChangeCipherSpec + Finished and checks it.
// `--no-finished` on derive-pms stops both roles after the key exchange (phase 3 alone).
//
// The abbreviated handshake (session resumption, RFC 5246 §7.3 Figure 2) turns the order
// round: the server's Finished comes first.
//   server  `hsk server-respond --session-cache DIR` finds the session and writes ServerHello
//           (the same session id) + ChangeCipherSpec + its protected Finished;
//   client  `hsk derive-pms` reads ServerHello, ChangeCipherSpec and the server's Finished
//           (derive_pms.hpp client_resume_hello, then read_finished_after), checks it and
//           writes its own ChangeCipherSpec + Finished: its side is then complete;
//   server  `hsk finish --state server.json` reads the client's ChangeCipherSpec + Finished.
// So `hsk finish` is the last step of whichever side sent its Finished first.
//
// State members written here (beside record_state.hpp's sequence numbers and IVs):
//   values["client_finished"], values["server_finished"]  "sent" | "verified"
//   values["handshake_complete"]  "true" once this side sent its Finished and verified the
//       peer's: application data may flow (app_data.hpp)
#pragma once

#include <cstdint>
#include <string>

#include "crypto/crypto.hpp"
#include "handshake/state.hpp"
#include "hsk/bytes.hpp"
#include "hsk/error.hpp"
#include "io/stream.hpp"
#include "wire/messages.hpp"
#include "wire/record.hpp"

namespace hsk::handshake {

// PeerAlertError is the error thrown when the peer sent a fatal alert (or close_notify) where
// a message was due: the connection is over, and no alert must be sent back. alert() is the
// description received; kind() is check_failed.
class PeerAlertError : public Error {
 public:
  PeerAlertError(std::size_t offset, const wire::Alert& alert, const std::string& what);
  const wire::Alert& received() const { return received_; }

 private:
  wire::Alert received_;
};

// alert_name: the registered name of an alert description ("bad_record_mac"), or its number.
std::string alert_name(std::uint8_t description);

// send_finished returns the records state.role sends now: ChangeCipherSpec, then its Finished
// (PRF over the transcript so far, finished.hpp) protected under the new keys. It starts the
// protection of this side's records (record_state.hpp start_protection), adds the Finished to
// the transcript and records values["<role>_finished"] = "sent" (and handshake_complete when
// the peer's Finished was already verified). Throws hsk::Error(usage) when the state holds no
// keys, or when hsk cannot protect records of the negotiated suite (nothing changed then).
Bytes send_finished(State& state, crypto::Rng& rng);

// receive_finished checks the peer's ChangeCipherSpec record `ccs` and the protected records
// `finished` that follow it (normally one record holding exactly the Finished): starts the
// peer's record protection, opens the records, checks the Finished (check_finished) and adds
// it to the transcript; records values["<peer>_finished"] = "verified". Throws hsk::Error:
// malformed, unexpected_message when `ccs` is not a ChangeCipherSpec (fragment 01) or a record
// is not a handshake record or holds another message; malformed, decode_error for a Finished
// of the wrong length or bytes after it; check_failed, bad_record_mac when a record does not
// authenticate (a flipped bit anywhere in the protected Finished lands here: the MAC or AEAD
// tag catches it before verify_data is looked at); check_failed, decrypt_error when the record
// authenticates but verify_data is wrong (the sides disagree on the transcript). On error the
// state is left as it was.
void receive_finished(State& state, const wire::Record& ccs,
                      const std::vector<wire::Record>& finished);

// read_finished reads from `in` exactly the peer's ChangeCipherSpec and Finished records and
// nothing after them (DESIGN.md, stream discipline), then checks them as receive_finished.
// Before the ChangeCipherSpec only warning alerts are accepted (recorded and skipped); a fatal
// alert or close_notify throws PeerAlertError; a handshake message there throws malformed,
// unexpected_message ("the server sent NewSessionTicket; hsk did not offer session tickets").
// End of stream throws malformed (decode_error). Errors name the stream.
void read_finished(State& state, io::Stream& in);

// read_finished_after: read_finished for a stream whose ChangeCipherSpec record `ccs` was
// already consumed (io::read_flight stops at it, which is how the client meets the server's
// ChangeCipherSpec after a ServerHello that resumes its session): checks `ccs`, then reads
// exactly the peer's protected Finished record(s) from `in` and checks them as
// receive_finished. Throws as read_finished; on error the state is left as it was.
void read_finished_after(State& state, const wire::Record& ccs, io::Stream& in);

// fatal_alert_record: the record carrying a fatal alert `description` (RFC 5246 §7.2) as
// state.role sends it — protected when its ChangeCipherSpec was sent, plaintext before.
// Never throws for a state whose protection started; before any keys it is plaintext.
Bytes fatal_alert_record(State& state, std::uint8_t description, crypto::Rng& rng);

// alert_record: the same for any level (1 warning, 2 fatal), e.g. close_notify (1, 0).
Bytes alert_record(State& state, const wire::Alert& alert, crypto::Rng& rng);

}  // namespace hsk::handshake
