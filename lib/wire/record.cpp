// hsk::wire records and handshake framing (RFC 5246 §6.2.1, §7.4).
#include "wire/record.hpp"

#include <algorithm>
#include <string>

#include "hsk/error.hpp"

namespace hsk::wire {

namespace {

constexpr std::size_t kHandshakeHeaderSize = 4;

}  // namespace

Record decode_record(Reader& r, std::size_t max_fragment) {
  // Read through a child reader named after the RFC struct, then advance the caller's reader
  // by what was consumed: the caller keeps its own context.
  Reader h(r.rest(), r.offset(), "TLSPlaintext");
  Record rec;
  rec.offset = h.offset();
  std::size_t type_at = h.offset();
  rec.content_type = h.u8("type");
  if (rec.content_type < static_cast<std::uint8_t>(ContentType::change_cipher_spec) ||
      rec.content_type > static_cast<std::uint8_t>(ContentType::heartbeat)) {
    h.fail_at(type_at, "type", "unknown content type " + std::to_string(rec.content_type),
              Error::kAlertUnexpectedMessage);
  }
  std::size_t version_at = h.offset();
  rec.version = h.u16("version");
  if ((rec.version >> 8) != 3) {
    h.fail_at(version_at, "version",
              "major version " + std::to_string(rec.version >> 8) + " is not 3");
  }
  std::size_t length_at = h.offset();
  std::uint16_t length = h.u16("length");
  if (length > max_fragment) {
    h.fail_at(
        length_at, "length",
        "fragment length " + std::to_string(length) + " exceeds " + std::to_string(max_fragment),
        Error::kAlertRecordOverflow);
  }
  rec.fragment = h.bytes(length, "fragment");
  r.take(kRecordHeaderSize + length, "record");
  return rec;
}

void encode_record(Writer& w, const Record& rec) {
  w.u8(rec.content_type);
  w.u16(rec.version);
  w.vec16(
      "fragment", [&](Writer& f) { f.bytes(rec.fragment); }, rec.length_override);
}

Bytes encode_record(const Record& rec) {
  Writer w;
  encode_record(w, rec);
  return w.take();
}

Bytes encode_records(std::uint8_t content_type, std::uint16_t version, ByteView data) {
  Writer w;
  std::size_t at = 0;
  do {
    const std::size_t n = std::min(kMaxPlaintext, data.size() - at);
    Record r;
    r.content_type = content_type;
    r.version = version;
    r.fragment.assign(data.begin() + static_cast<std::ptrdiff_t>(at),
                      data.begin() + static_cast<std::ptrdiff_t>(at + n));
    encode_record(w, r);
    at += n;
  } while (at < data.size());
  return w.take();
}

void encode_handshake(Writer& w, const HandshakeMessage& m) {
  w.u8(m.msg_type);
  w.vec24(
      "body", [&](Writer& b) { b.bytes(m.body); }, m.length_override);
}

Bytes encode_handshake(const HandshakeMessage& m) {
  Writer w;
  encode_handshake(w, m);
  return w.take();
}

std::size_t absolute_offset(const HandshakeMessage& m, std::size_t position) {
  std::size_t n = std::min(m.record_split.size(), m.piece_offsets.size());
  if (n < 2) {
    return m.offset + position;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (position < m.record_split[i] || i + 1 == n) {
      return m.piece_offsets[i] + position;
    }
    position -= m.record_split[i];
  }
  return m.offset + position;  // not reached
}

void HandshakeAssembler::add(const Record& rec) {
  if (rec.content_type != static_cast<std::uint8_t>(ContentType::handshake)) {
    throw_malformed(rec.offset, "Handshake",
                    "record of content type " + std::to_string(rec.content_type) +
                        " fed to the handshake assembler",
                    Error::kAlertUnexpectedMessage);
  }
  if (rec.fragment.empty()) {
    return;
  }
  buffer_.insert(buffer_.end(), rec.fragment.begin(), rec.fragment.end());
  chunks_.emplace_back(rec.offset + kRecordHeaderSize, rec.fragment.size());

  // Cut every complete message out of the buffer, then drop the consumed bytes and pieces
  // once (a record may hold thousands of small messages).
  std::size_t pos = 0;         // start of the next message in buffer_
  std::size_t first_live = 0;  // first entry of chunks_ not used up
  while (buffer_.size() - pos >= kHandshakeHeaderSize) {
    std::size_t body_length =
        std::size_t{buffer_[pos + 1]} << 16 | std::size_t{buffer_[pos + 2]} << 8 | buffer_[pos + 3];
    std::size_t total = kHandshakeHeaderSize + body_length;
    if (buffer_.size() - pos < total) {
      break;
    }
    HandshakeMessage m;
    m.msg_type = buffer_[pos];
    auto start = buffer_.begin() + static_cast<std::ptrdiff_t>(pos);
    m.body.assign(start + kHandshakeHeaderSize, start + static_cast<std::ptrdiff_t>(total));
    m.offset = chunks_[first_live].first;

    // Walk the pieces this message occupies, trimming the last one it used in part.
    std::size_t need = total;
    std::vector<std::size_t> split;
    std::vector<std::size_t> offsets;
    while (need > 0) {
      auto& [chunk_offset, chunk_length] = chunks_[first_live];
      std::size_t part = std::min(need, chunk_length);
      split.push_back(part);
      offsets.push_back(chunk_offset);
      need -= part;
      if (part == chunk_length) {
        ++first_live;
      } else {
        chunk_offset += part;
        chunk_length -= part;
      }
    }
    if (split.size() > 1) {
      m.record_split = std::move(split);
      m.piece_offsets = std::move(offsets);
    }
    pos += total;
    done_.push_back(std::move(m));
  }
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(pos));
  chunks_.erase(chunks_.begin(), chunks_.begin() + static_cast<std::ptrdiff_t>(first_live));
  buffer_offset_ = chunks_.empty() ? 0 : chunks_.front().first;
}

std::vector<HandshakeMessage> HandshakeAssembler::take() {
  std::vector<HandshakeMessage> out = std::move(done_);
  done_.clear();
  return out;
}

}  // namespace hsk::wire
