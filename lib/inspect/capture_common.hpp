// hsk::inspect capture_common — what the capture decoder (capture_doc.cpp) and the capture
// splitter (capture_split.cpp) read the same way from a reassembled TCP stream. Internal to
// lib/inspect.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "hsk/bytes.hpp"

namespace hsk::inspect::detail {

// HeaderProblem: why 5 bytes are not a TLS record header, and the alert a TLS stack would
// send for it.
struct HeaderProblem {
  std::string what;  // "content type 0x47 is not a TLS record (0x14..0x18)", ...
  std::uint8_t alert = 0;
};

// record_header_problem checks a record header (5 bytes at `header`): content type 0x14..0x18
// (else unexpected_message), major version 3 (else decode_error), length at most `max` (else
// record_overflow). nullopt when it is a TLS record header.
std::optional<HeaderProblem> record_header_problem(const std::uint8_t* header, std::size_t max);

// ServerHelloFacts: what a ServerHello body says about the connection.
struct ServerHelloFacts {
  std::uint16_t version = 0;  // supported_versions when present (RFC 8446 §4.2.1)
  std::uint16_t cipher_suite = 0;
  bool hello_retry = false;  // the HelloRetryRequest random (RFC 8446 §4.1.3)
};

// server_hello_facts decodes a ServerHello body. Throws hsk::Error(malformed) when it does not
// parse.
ServerHelloFacts server_hello_facts(ByteView body);

// roles_swapped: without the SYN the reassembler guesses the roles; whoever sent the
// ClientHello is the client. `first` is the first bytes of the first direction that sent
// data, `first_is_client_to_server` the reassembler's guess for that direction. True when a
// ClientHello came from the guessed server or a ServerHello from the guessed client.
bool roles_swapped(ByteView first, bool first_is_client_to_server);

}  // namespace hsk::inspect::detail
