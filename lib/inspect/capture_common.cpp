// hsk::inspect capture_common (capture_common.hpp).
#include "inspect/capture_common.hpp"

#include <algorithm>
#include <cstdio>

#include "hsk/error.hpp"
#include "wire/messages.hpp"
#include "wire/reader.hpp"
#include "wire/record.hpp"

namespace hsk::inspect::detail {

namespace {

constexpr std::uint8_t kTypeChangeCipherSpec = 20;
constexpr std::uint8_t kTypeHandshake = 22;
constexpr std::uint8_t kTypeHeartbeat = 24;
constexpr std::uint8_t kMsgClientHello = 1;
constexpr std::uint8_t kMsgServerHello = 2;
constexpr std::uint16_t kExtSupportedVersions = 43;

// RFC 8446 §4.1.3: SHA-256("HelloRetryRequest").
constexpr std::uint8_t kHelloRetryRandom[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

}  // namespace

std::optional<HeaderProblem> record_header_problem(const std::uint8_t* header, std::size_t max) {
  char buf[96];
  std::size_t length = std::size_t{header[3]} << 8 | header[4];
  if (header[0] < kTypeChangeCipherSpec || header[0] > kTypeHeartbeat) {
    std::snprintf(buf, sizeof buf, "content type 0x%02x is not a TLS record (0x14..0x18)",
                  header[0]);
    return HeaderProblem{buf, Error::kAlertUnexpectedMessage};
  }
  if (header[1] != 3) {
    std::snprintf(buf, sizeof buf, "version 0x%02x%02x is not 3.x", header[1], header[2]);
    return HeaderProblem{buf, Error::kAlertDecodeError};
  }
  if (length > max) {
    std::snprintf(buf, sizeof buf, "length %zu exceeds %zu", length, max);
    return HeaderProblem{buf, Error::kAlertRecordOverflow};
  }
  return std::nullopt;
}

ServerHelloFacts server_hello_facts(ByteView body) {
  wire::Reader r(body, 0, "ServerHello");
  wire::ServerHello sh = wire::decode_server_hello(r);
  ServerHelloFacts f;
  f.version = sh.server_version;
  f.cipher_suite = sh.cipher_suite;
  if (sh.extensions) {
    for (const auto& e : *sh.extensions) {
      if (e.type == kExtSupportedVersions && e.data.size() == 2) {
        f.version = static_cast<std::uint16_t>(e.data[0] << 8 | e.data[1]);
      }
    }
  }
  f.hello_retry = std::equal(sh.random.begin(), sh.random.end(), std::begin(kHelloRetryRandom),
                             std::end(kHelloRetryRandom));
  return f;
}

bool roles_swapped(ByteView first, bool first_is_client_to_server) {
  if (first.size() <= 5 || first[0] != kTypeHandshake) {
    return false;
  }
  return (first[5] == kMsgClientHello && !first_is_client_to_server) ||
         (first[5] == kMsgServerHello && first_is_client_to_server);
}

}  // namespace hsk::inspect::detail
