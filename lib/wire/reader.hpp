// hsk::wire::Reader — a bounds-checked cursor over received bytes (after BoringSSL's CBS).
//
// Every read goes through one checked take(); a read past the end throws hsk::Error
// (malformed, alert decode_error) naming the absolute offset, the structure being read
// (the context) and the field. Child readers for length-prefixed vectors share the
// context and keep absolute offsets, so errors point into the original input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "hsk/bytes.hpp"

namespace hsk::wire {

class Reader {
 public:
  // Reader over `data`, whose first byte sits at absolute `base_offset` of the input.
  explicit Reader(ByteView data, std::size_t base_offset = 0, std::string context = {});

  std::size_t offset() const { return base_ + pos_; }  // absolute offset of the next byte
  std::size_t remaining() const { return data_.size() - pos_; }
  bool empty() const { return remaining() == 0; }
  const std::string& context() const { return context_; }
  void set_context(std::string context) { context_ = std::move(context); }
  ByteView rest() const { return data_.subspan(pos_); }

  std::uint8_t u8(std::string_view field);
  std::uint16_t u16(std::string_view field);
  std::uint32_t u24(std::string_view field);
  std::uint32_t u32(std::string_view field);
  ByteView take(std::size_t n, std::string_view field);
  Bytes bytes(std::size_t n, std::string_view field);

  // vecN reads an N-byte length prefix and returns a child reader over that many bytes.
  // The length must lie in [min, max] (the RFC's <min..max>), else decode_error.
  Reader vec8(std::string_view field, std::size_t min = 0, std::size_t max = 0xff);
  Reader vec16(std::string_view field, std::size_t min = 0, std::size_t max = 0xffff);
  Reader vec24(std::string_view field, std::size_t min = 0, std::size_t max = 0xffffff);

  // opaqueN reads a length-prefixed opaque vector and copies it out.
  Bytes opaque8(std::string_view field, std::size_t min = 0, std::size_t max = 0xff);
  Bytes opaque16(std::string_view field, std::size_t min = 0, std::size_t max = 0xffff);
  Bytes opaque24(std::string_view field, std::size_t min = 0, std::size_t max = 0xffffff);

  // expect_end throws (decode_error) when bytes are left over in this reader.
  void expect_end(std::string_view field);

  // fail throws hsk::Error at the current offset naming `field`.
  [[noreturn]] void fail(std::string_view field, std::string_view what,
                         std::uint8_t alert = 50 /* decode_error */) const;
  [[noreturn]] void fail_at(std::size_t absolute_offset, std::string_view field,
                            std::string_view what, std::uint8_t alert = 50) const;

 private:
  Reader child(std::size_t length_bytes, std::string_view field, std::size_t min,
               std::size_t max);
  std::uint64_t uint_n(std::size_t n, std::string_view field);

  ByteView data_;
  std::size_t pos_ = 0;
  std::size_t base_ = 0;
  std::string context_;
};

}  // namespace hsk::wire
