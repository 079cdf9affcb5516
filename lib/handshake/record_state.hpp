// hsk::handshake record_state — the record layer's state between steps (RFC 5246 §6.1): after
// ChangeCipherSpec each side protects what it writes and opens what it reads; the sequence
// numbers (and TLS 1.0's chained CBC IVs) live in the state file so the next step continues
// where the last stopped.
//
// State members (beside key_block, which derive_keys stored):
//   values["client_write_seq"], values["server_write_seq"]  decimal sequence numbers; absent
//       until that side's ChangeCipherSpec (absent = that direction is still plaintext)
//   secrets["client_write_cbc_iv"], secrets["server_write_cbc_iv"]  TLS 1.0 CBC only
//   values["encrypt_then_mac"]  "true" when both hellos carried encrypt_then_mac (RFC 7366)
#pragma once

#include <cstdint>

#include "crypto/crypto.hpp"
#include "handshake/state.hpp"
#include "hsk/bytes.hpp"
#include "wire/record.hpp"

namespace hsk::handshake {

// encrypt_then_mac_negotiated: both the ClientHello and the ServerHello in the transcript carry
// encrypt_then_mac (0x0016) and the suite is a CBC suite.
bool encrypt_then_mac_negotiated(const State& state);

// start_protection: `writer`'s ChangeCipherSpec was sent (or received): from now on its
// records are protected, starting at sequence number 0 (and the key block's TLS 1.0 IV).
// Throws hsk::Error(usage) when the state holds no key block, and as
// crypto::require_record_protection when hsk cannot protect records of the negotiated suite.
void start_protection(State& state, Role writer);

// is_protected: whether `writer`'s records are protected (its ChangeCipherSpec was seen).
bool is_protected(const State& state, Role writer);

// seal_record returns a whole record (5-byte header + fragment) of `content_type` carrying
// `plaintext` (at most 2^14 bytes) as `writer` sends it: protected after start_protection,
// plaintext before; the header carries the negotiated version. Advances the stored sequence
// number.
Bytes seal_record(State& state, Role writer, std::uint8_t content_type, ByteView plaintext,
                  crypto::Rng& rng);

// open_record returns the plaintext of a record `writer` sent (protected or not, as above) and
// advances the stored sequence number. Throws as crypto::RecordProtection::open (bad_record_mac,
// record_overflow, decode_error) with the record's offset.
Bytes open_record(State& state, Role writer, const wire::Record& record);

// change_cipher_spec_record: the ChangeCipherSpec record (14 VV VV 00 01 01) at the negotiated
// version.
Bytes change_cipher_spec_record(const State& state);

}  // namespace hsk::handshake
