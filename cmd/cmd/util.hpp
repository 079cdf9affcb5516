// Helpers shared by the command files: parsing user spellings of suites and versions.
#pragma once

#include <cstdint>
#include <string>

namespace hsk::cmd {

// parse_suite accepts an IANA or OpenSSL name or a hex code (0xc02f / c02f). Throws usage.
std::uint16_t parse_suite(const std::string& text);

// parse_version accepts tls1.0, tls1.1, tls1.2, tls1.3, ssl3.0 or a hex code. Throws usage.
std::uint16_t parse_version(const std::string& text);

}  // namespace hsk::cmd
