// hsk::wire records and handshake framing (RFC 5246 §6.2, §7.4).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "hsk/bytes.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace hsk::wire {

enum class ContentType : std::uint8_t {
  change_cipher_spec = 20,
  alert = 21,
  handshake = 22,
  application_data = 23,
  heartbeat = 24,
};

enum class HandshakeType : std::uint8_t {
  hello_request = 0,
  client_hello = 1,
  server_hello = 2,
  new_session_ticket = 4,
  certificate = 11,
  server_key_exchange = 12,
  certificate_request = 13,
  server_hello_done = 14,
  certificate_verify = 15,
  client_key_exchange = 16,
  finished = 20,
  certificate_status = 22,  // RFC 6066 §8
};

constexpr std::uint16_t kSsl30 = 0x0300;
constexpr std::uint16_t kTls10 = 0x0301;
constexpr std::uint16_t kTls11 = 0x0302;
constexpr std::uint16_t kTls12 = 0x0303;
constexpr std::uint16_t kTls13 = 0x0304;

constexpr std::size_t kRecordHeaderSize = 5;
constexpr std::size_t kMaxPlaintext = 1u << 14;             // RFC 5246 §6.2.1
constexpr std::size_t kMaxCiphertext = (1u << 14) + 2048;   // RFC 5246 §6.2.3

// Record is one TLSPlaintext/TLSCiphertext as it crossed the wire.
struct Record {
  std::uint8_t content_type = 22;
  std::uint16_t version = kTls12;
  Bytes fragment;
  std::size_t offset = 0;                        // absolute offset of the header (decode only)
  std::optional<std::uint32_t> length_override;  // encode only: write this length instead

  bool operator==(const Record& o) const {
    return content_type == o.content_type && version == o.version && fragment == o.fragment;
  }
};

// decode_record reads one record header and fragment. Unknown content types fail with
// unexpected_message; a major version other than 3 fails with decode_error; a fragment over
// `max_fragment` (kMaxPlaintext, or kMaxCiphertext once protected) fails with record_overflow.
Record decode_record(Reader& r, std::size_t max_fragment = kMaxCiphertext);
void encode_record(Writer& w, const Record& rec);
Bytes encode_record(const Record& rec);
// encode_records cuts `data` (e.g. handshake messages back to back) into records of
// `content_type` at `version` whose fragments hold at most kMaxPlaintext bytes (RFC 5246
// §6.2.1), in order; empty data gives one empty record.
Bytes encode_records(std::uint8_t content_type, std::uint16_t version, ByteView data);

// HandshakeMessage is one Handshake struct: msg_type, a 24-bit length and the body.
struct HandshakeMessage {
  std::uint8_t msg_type = 0;
  Bytes body;
  std::size_t offset = 0;                         // absolute offset of the 4-byte header
  std::optional<std::uint32_t> length_override;   // encode only
  // The fragment sizes this message occupied in each record it spanned (decode), or asks
  // encode to split it that way. Empty or one element: not split.
  std::vector<std::size_t> record_split;
  // decode only: the absolute offset where each piece named in record_split begins (the
  // first is `offset`). Empty when record_split is.
  std::vector<std::size_t> piece_offsets;

  bool operator==(const HandshakeMessage& o) const {
    return msg_type == o.msg_type && body == o.body;
  }
};

// encode_handshake writes the 4-byte header (msg_type, uint24 length, or length_override
// when set) and the body. It does not split into records: record_split is left to whoever
// builds the records.
void encode_handshake(Writer& w, const HandshakeMessage& m);
Bytes encode_handshake(const HandshakeMessage& m);

// absolute_offset maps `position` within m's encoding (0 = the first header byte, 4 = the
// first body byte) to the absolute input offset, skipping the record headers between the
// pieces of a message that spanned records. Use it to place errors found in a body:
// Reader(m.body, absolute_offset(m, 4)) is exact only up to the first record boundary.
std::size_t absolute_offset(const HandshakeMessage& m, std::size_t position);

// HandshakeAssembler reassembles handshake messages from the fragments of consecutive
// handshake records (RFC 5246 §6.2.1: a message may span records, a record may hold many).
class HandshakeAssembler {
 public:
  // add takes one handshake record's fragment; complete messages become available from
  // take(). A record whose content type is not handshake throws unexpected_message; an
  // empty fragment is ignored. Messages may span records and records may hold many.
  void add(const Record& rec);
  // pending is true when a message has started but not finished.
  bool pending() const { return !buffer_.empty(); }
  std::size_t pending_bytes() const { return buffer_.size(); }
  // take returns the messages completed so far and forgets them.
  std::vector<HandshakeMessage> take();

 private:
  Bytes buffer_;
  std::size_t buffer_offset_ = 0;            // absolute offset of buffer_[0]
  std::vector<std::size_t> split_;           // bytes contributed per record to the current message
  std::vector<std::pair<std::size_t, std::size_t>> chunks_;  // (absolute offset, length) of each piece
  std::vector<HandshakeMessage> done_;
};

}  // namespace hsk::wire
