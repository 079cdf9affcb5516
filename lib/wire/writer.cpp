#include "wire/writer.hpp"

#include <string>

#include "hsk/error.hpp"

namespace hsk::wire {

void Writer::u8(std::uint8_t v) { out_.push_back(v); }
void Writer::u16(std::uint16_t v) {
  out_.push_back(static_cast<std::uint8_t>(v >> 8));
  out_.push_back(static_cast<std::uint8_t>(v));
}
void Writer::u24(std::uint32_t v) {
  out_.push_back(static_cast<std::uint8_t>(v >> 16));
  out_.push_back(static_cast<std::uint8_t>(v >> 8));
  out_.push_back(static_cast<std::uint8_t>(v));
}
void Writer::u32(std::uint32_t v) {
  out_.push_back(static_cast<std::uint8_t>(v >> 24));
  u24(v & 0xffffff);
}
void Writer::bytes(ByteView data) { out_.insert(out_.end(), data.begin(), data.end()); }

void Writer::vec(std::size_t width, std::string_view field, const Body& body,
                 std::optional<std::uint32_t> length_override) {
  std::size_t at = out_.size();
  out_.insert(out_.end(), width, 0);
  body(*this);
  std::size_t len = out_.size() - at - width;
  std::uint64_t limit = (std::uint64_t{1} << (8 * width)) - 1;
  std::uint64_t value = length_override ? *length_override : len;
  if (value > limit) {
    throw Error(ErrorKind::malformed, std::string(field) + ": length " + std::to_string(value) +
                                          " does not fit in " + std::to_string(width) +
                                          " length byte(s)");
  }
  for (std::size_t i = 0; i < width; ++i) {
    out_[at + i] = static_cast<std::uint8_t>(value >> (8 * (width - 1 - i)));
  }
}

void Writer::vec8(std::string_view field, const Body& body, std::optional<std::uint32_t> o) { vec(1, field, body, o); }
void Writer::vec16(std::string_view field, const Body& body, std::optional<std::uint32_t> o) { vec(2, field, body, o); }
void Writer::vec24(std::string_view field, const Body& body, std::optional<std::uint32_t> o) { vec(3, field, body, o); }

void Writer::opaque8(std::string_view field, ByteView data) { vec8(field, [&](Writer& w) { w.bytes(data); }); }
void Writer::opaque16(std::string_view field, ByteView data) { vec16(field, [&](Writer& w) { w.bytes(data); }); }
void Writer::opaque24(std::string_view field, ByteView data) { vec24(field, [&](Writer& w) { w.bytes(data); }); }

}  // namespace hsk::wire
