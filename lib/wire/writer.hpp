// hsk::wire::Writer — builds wire bytes with self-patching length prefixes (after BoringSSL's CBB).
//
// vecN(field, body) writes an N-byte length placeholder, runs body, then patches the
// placeholder with the number of bytes body wrote. Nobody computes a length by hand.
// A body too long for its prefix throws hsk::Error (malformed) naming the field.
// An explicit length override writes the given value instead of the true one: hsk encode
// uses it to craft malformed messages on purpose.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "hsk/bytes.hpp"

namespace hsk::wire {

class Writer {
 public:
  Writer() = default;

  void u8(std::uint8_t v);
  void u16(std::uint16_t v);
  void u24(std::uint32_t v);
  void u32(std::uint32_t v);
  void bytes(ByteView data);

  using Body = std::function<void(Writer&)>;
  void vec8(std::string_view field, const Body& body, std::optional<std::uint32_t> length_override = {});
  void vec16(std::string_view field, const Body& body, std::optional<std::uint32_t> length_override = {});
  void vec24(std::string_view field, const Body& body, std::optional<std::uint32_t> length_override = {});

  void opaque8(std::string_view field, ByteView data);
  void opaque16(std::string_view field, ByteView data);
  void opaque24(std::string_view field, ByteView data);

  std::size_t size() const { return out_.size(); }
  const Bytes& data() const { return out_; }
  Bytes take() { return std::move(out_); }

 private:
  void vec(std::size_t width, std::string_view field, const Body& body,
           std::optional<std::uint32_t> length_override);
  Bytes out_;
};

}  // namespace hsk::wire
