// Helpers shared by the command files: parsing user spellings of suites, versions, hex,
// hello randoms and times, and answering a failure with an alert record.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "handshake/client_hello.hpp"
#include "handshake/state.hpp"
#include "hsk/bytes.hpp"
#include "hsk/error.hpp"
#include "wire/messages.hpp"

namespace hsk::cmd {

// parse_suite accepts an IANA or OpenSSL name or a hex code (0xc02f / c02f). Throws usage.
std::uint16_t parse_suite(const std::string& text);

// parse_version accepts tls1.0, tls1.1, tls1.2, tls1.3, ssl3.0 or a hex code. Throws usage.
std::uint16_t parse_version(const std::string& text);

// hex_option reads hex given on the command line for `option`: a bad digit is a usage error.
Bytes hex_option(const std::string& text, const std::string& option);

// parse_hello_time reads --time: seconds since 1970, 0 to 2^32-1. Throws usage.
std::uint32_t parse_hello_time(const std::string& text);

// HelloRandom is a parsed --random: rfc, random, or 64 hex digits (mode fixed).
struct HelloRandom {
  handshake::RandomMode mode = handshake::RandomMode::rfc;
  wire::Random fixed{};
};
HelloRandom parse_hello_random(const std::string& text);

// write_records writes a flight to `path` (io::write_flight): the bytes, or with `hex` their
// hex text and a newline.
void write_records(const std::string& path, ByteView records, bool hex);

// live_peer: whether `path` ("-" for standard output) is a socket or a pipe, i.e. a peer
// rather than a step file or a terminal.
bool live_peer(const std::string& path);

// send_fatal_alert writes the record of a fatal alert for `e` (protected when this side's
// ChangeCipherSpec went out) to `to` and says so on stderr; a `seed` (--seed) makes the record
// reproducible (--seed). A failure to write it is reported, not thrown: it must not hide `e`.
void send_fatal_alert(handshake::State& state, const Error& e, const std::string& to,
                      const std::optional<std::string>& seed);

}  // namespace hsk::cmd
