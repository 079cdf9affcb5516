#include "hsk/bytes.hpp"

#include "hsk/error.hpp"

namespace hsk {

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}
bool is_separator(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == ':';
}
}  // namespace

std::string to_hex(ByteView data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (std::uint8_t b : data) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

Bytes from_hex(std::string_view text, std::string_view what) {
  Bytes out;
  out.reserve(text.size() / 2);
  int high = -1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (is_separator(c)) {
      continue;
    }
    int v = hex_value(c);
    if (v < 0) {
      throw_malformed(i, std::string(what), "character " + std::to_string(static_cast<unsigned char>(c)) +
                                                " is not a hex digit");
    }
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  if (high >= 0) {
    throw_malformed(text.size(), std::string(what), "odd number of hex digits");
  }
  return out;
}

bool looks_like_hex(std::string_view text) {
  bool any = false;
  for (char c : text) {
    if (is_separator(c)) {
      continue;
    }
    if (hex_value(c) < 0) {
      return false;
    }
    any = true;
  }
  return any;
}

}  // namespace hsk
