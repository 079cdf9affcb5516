#include "cmd/util.hpp"

#include <cstdlib>

#include "hsk/error.hpp"
#include "wire/registry.hpp"

namespace hsk::cmd {

namespace {
std::optional<std::uint16_t> parse_hex16(std::string text) {
  if (text.rfind("0x", 0) == 0 || text.rfind("0X", 0) == 0) {
    text = text.substr(2);
  }
  if (text.empty() || text.size() > 4) {
    return std::nullopt;
  }
  char* end = nullptr;
  unsigned long v = std::strtoul(text.c_str(), &end, 16);
  if (*end != '\0') {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(v);
}
}  // namespace

std::uint16_t parse_suite(const std::string& text) {
  if (const auto* s = wire::find_cipher_suite(text)) {
    return s->code;
  }
  if (auto v = parse_hex16(text)) {
    return *v;
  }
  throw_usage("unknown cipher suite '" + text + "' (use an IANA or OpenSSL name, or a hex code)");
}

std::uint16_t parse_version(const std::string& text) {
  if (text == "ssl3.0" || text == "ssl3") {
    return 0x0300;
  }
  if (text == "tls1.0" || text == "tls1") {
    return 0x0301;
  }
  if (text == "tls1.1") {
    return 0x0302;
  }
  if (text == "tls1.2") {
    return 0x0303;
  }
  if (text == "tls1.3") {
    return 0x0304;
  }
  if (text.rfind("0x", 0) == 0) {
    if (auto v = parse_hex16(text)) {
      return *v;
    }
  }
  throw_usage("unknown protocol version '" + text + "' (use tls1.0, tls1.1, tls1.2 or a hex code)");
}

}  // namespace hsk::cmd
