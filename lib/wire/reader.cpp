#include "wire/reader.hpp"

#include <string>

#include "hsk/error.hpp"

namespace hsk::wire {

Reader::Reader(ByteView data, std::size_t base_offset, std::string context)
    : data_(data), base_(base_offset), context_(std::move(context)) {}

void Reader::fail(std::string_view field, std::string_view what, std::uint8_t alert) const {
  fail_at(offset(), field, what, alert);
}

void Reader::fail_at(std::size_t absolute_offset, std::string_view field, std::string_view what,
                     std::uint8_t alert) const {
  std::string ctx = context_;
  if (!field.empty()) {
    ctx += ctx.empty() ? "" : ": ";
    ctx += field;
  }
  throw_malformed(absolute_offset, std::move(ctx), std::string(what), alert);
}

ByteView Reader::take(std::size_t n, std::string_view field) {
  if (n > remaining()) {
    fail(field, "truncated: needs " + std::to_string(n) + " bytes, " +
                    std::to_string(remaining()) + " left");
  }
  ByteView out = data_.subspan(pos_, n);
  pos_ += n;
  return out;
}

std::uint64_t Reader::uint_n(std::size_t n, std::string_view field) {
  ByteView b = take(n, field);
  std::uint64_t v = 0;
  for (std::uint8_t x : b) {
    v = v << 8 | x;
  }
  return v;
}

std::uint8_t Reader::u8(std::string_view field) { return static_cast<std::uint8_t>(uint_n(1, field)); }
std::uint16_t Reader::u16(std::string_view field) { return static_cast<std::uint16_t>(uint_n(2, field)); }
std::uint32_t Reader::u24(std::string_view field) { return static_cast<std::uint32_t>(uint_n(3, field)); }
std::uint32_t Reader::u32(std::string_view field) { return static_cast<std::uint32_t>(uint_n(4, field)); }

Bytes Reader::bytes(std::size_t n, std::string_view field) {
  ByteView b = take(n, field);
  return Bytes(b.begin(), b.end());
}

Reader Reader::child(std::size_t length_bytes, std::string_view field, std::size_t min,
                     std::size_t max) {
  std::size_t at = offset();
  std::string len_field = std::string(field) + " length";
  std::size_t len = static_cast<std::size_t>(uint_n(length_bytes, len_field));
  if (len < min) {
    fail_at(at, field, "length " + std::to_string(len) + " is below the minimum " + std::to_string(min));
  }
  if (len > max) {
    fail_at(at, field, "length " + std::to_string(len) + " is above the maximum " + std::to_string(max));
  }
  if (len > remaining()) {
    fail_at(at, field, "length " + std::to_string(len) + " runs past its container (" +
                           std::to_string(remaining()) + " bytes left)");
  }
  std::size_t child_base = offset();
  ByteView b = take(len, field);
  return Reader(b, child_base, context_);
}

Reader Reader::vec8(std::string_view field, std::size_t min, std::size_t max) { return child(1, field, min, max); }
Reader Reader::vec16(std::string_view field, std::size_t min, std::size_t max) { return child(2, field, min, max); }
Reader Reader::vec24(std::string_view field, std::size_t min, std::size_t max) { return child(3, field, min, max); }

Bytes Reader::opaque8(std::string_view field, std::size_t min, std::size_t max) {
  Reader r = vec8(field, min, max);
  return r.bytes(r.remaining(), field);
}
Bytes Reader::opaque16(std::string_view field, std::size_t min, std::size_t max) {
  Reader r = vec16(field, min, max);
  return r.bytes(r.remaining(), field);
}
Bytes Reader::opaque24(std::string_view field, std::size_t min, std::size_t max) {
  Reader r = vec24(field, min, max);
  return r.bytes(r.remaining(), field);
}

void Reader::expect_end(std::string_view field) {
  if (!empty()) {
    fail(field, std::to_string(remaining()) + " unexpected trailing bytes");
  }
}

}  // namespace hsk::wire
