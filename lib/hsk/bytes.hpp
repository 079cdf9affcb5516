// hsk — byte containers and hex helpers shared by every layer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hsk {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// to_hex returns the lowercase hex form of `data`, two digits per byte, no separators.
std::string to_hex(ByteView data);

// from_hex parses hex digits, ignoring ASCII whitespace and ':' separators.
// Throws hsk::Error (malformed) naming `what` on an odd digit count or a non-hex character.
Bytes from_hex(std::string_view text, std::string_view what = "hex");

// looks_like_hex is true when `text` is non-empty and holds only hex digits, whitespace and ':'.
bool looks_like_hex(std::string_view text);

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace hsk
