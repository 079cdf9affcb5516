// hsk::handshake finished — phase 4's Finished message (RFC 5246 §7.4.9): each side proves it
// holds the master secret and saw the same handshake. Record protection of the message (it is
// the first record after ChangeCipherSpec) is the caller's business.
#pragma once

#include "handshake/state.hpp"
#include "hsk/bytes.hpp"

namespace hsk::handshake {

// expected_verify_data: PRF(master_secret, "client finished" | "server finished",
// transcript_hash(every handshake message in the state's transcript))[0..11] for `sender`, with
// the PRF of the negotiated version and suite. Throws hsk::Error(usage) when the state holds no
// master secret or no negotiated suite.
Bytes expected_verify_data(const State& state, Role sender);

// build_finished: the Finished handshake message (14 00 00 0c ‖ verify_data) that `sender`
// sends now. The caller adds it to the transcript after sending.
Bytes build_finished(const State& state, Role sender);

// check_finished: `message` (a whole handshake message, header included) must be a Finished
// whose verify_data equals expected_verify_data(state, sender), compared in constant time
// (crypto::ct_equal). Throws hsk::Error(malformed, unexpected_message) when it is another
// message, (malformed, decode_error) when its length is wrong, and (check_failed,
// decrypt_error) when verify_data differs ("the client's Finished does not match: ...").
void check_finished(const State& state, Role sender, ByteView message);

}  // namespace hsk::handshake
