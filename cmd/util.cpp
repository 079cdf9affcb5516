#include "cmd/util.hpp"

#include <sys/stat.h>

#include <fmt/core.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "crypto/crypto.hpp"
#include "handshake/finish_step.hpp"
#include "hsk/error.hpp"
#include "io/stream.hpp"
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

Bytes hex_option(const std::string& text, const std::string& option) {
  try {
    return from_hex(text, option);
  } catch (const Error&) {
    throw_usage(option + ": '" + text + "' is not hex");
  }
}

std::uint32_t parse_hello_time(const std::string& text) {
  if (text.empty() || text.size() > 10 ||
      text.find_first_not_of("0123456789") != std::string::npos ||
      std::stoull(text) > 0xffffffffull) {
    throw_usage("--time wants seconds since 1970 (0 to 4294967295), not '" + text + "'");
  }
  return static_cast<std::uint32_t>(std::stoull(text));
}

HelloRandom parse_hello_random(const std::string& text) {
  HelloRandom out;
  if (text == "rfc") {
    out.mode = handshake::RandomMode::rfc;
  } else if (text == "random") {
    out.mode = handshake::RandomMode::random;
  } else {
    Bytes r = hex_option(text, "--random");
    if (r.size() != out.fixed.size()) {
      throw_usage("--random wants rfc, random, or 32 bytes of hex (64 digits); got " +
                  std::to_string(r.size()) + " bytes");
    }
    out.mode = handshake::RandomMode::fixed;
    std::copy(r.begin(), r.end(), out.fixed.begin());
  }
  return out;
}

void write_records(const std::string& path, ByteView records, bool hex) {
  if (hex) {
    std::string text = to_hex(records) + "\n";
    io::write_flight(path, as_bytes(text));
  } else {
    io::write_flight(path, records);
  }
}

bool live_peer(const std::string& path) {
  struct stat st {};
  int rc = path == "-" ? ::fstat(1, &st) : ::stat(path.c_str(), &st);
  return rc == 0 && (S_ISSOCK(st.st_mode) || S_ISFIFO(st.st_mode));
}

void send_fatal_alert(handshake::State& state, const Error& e, const std::string& to,
                      const std::optional<std::string>& seed) {
  try {
    std::unique_ptr<crypto::Rng> rng =
        seed ? crypto::seeded_rng(*seed + "/alert") : crypto::system_rng();
    Bytes rec = handshake::fatal_alert_record(state, e.alert(), *rng);
    io::write_flight(to, rec);
    fmt::print(stderr, "hsk: sent a fatal {} alert to {}\n", handshake::alert_name(e.alert()),
               to == "-" ? "standard output" : to);
  } catch (const Error& w) {
    fmt::print(stderr, "hsk: could not send the alert: {}\n", w.message());
  }
}

}  // namespace hsk::cmd
