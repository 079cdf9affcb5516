// hsk::dh named groups — the finite-field Diffie-Hellman groups of RFC 7919 (ffdhe2048 ...
// ffdhe8192, TLS NamedGroup 0x0100-0x0104) and RFC 3526 (the MODP groups 1536 ... 8192, IKE
// groups 5 and 14-18). Every one is a safe prime p = 2q + 1 with generator g = 2 of the
// order-q subgroup (p = 2^64 - 1 mod 2^64, so p = 7 mod 8).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "crypto/crypto.hpp"

namespace hsk::dh {

// NamedGroup is one row of the table. `name` is hsk's spelling (ffdhe2048, modp2048);
// `openssl_name` is OpenSSL 3's (ffdhe2048, modp_2048), which hsk also accepts.
struct NamedGroup {
  std::string_view name;
  std::string_view openssl_name;
  std::string_view rfc;           // "RFC 7919" or "RFC 3526"
  unsigned bits;                  // |p|
  std::uint16_t tls_named_group;  // RFC 7919 §6.1 codepoint; 0 for the MODP groups
  unsigned ike_group;             // RFC 3526 group number; 0 for the ffdhe groups
  std::uint32_t formula_offset;   // X of RFC 7919 or k of RFC 3526 in p's closed form
  std::string_view p_hex;         // p as the RFC prints it (hex, blanks between words)
};

// named_groups returns the table, sorted by name.
std::span<const NamedGroup> named_groups();

// find_group looks a group up by hsk's or OpenSSL's name (ASCII case-insensitive);
// nullptr when there is none.
const NamedGroup* find_group(std::string_view name);

// group_params returns the group's numbers: p, g = 2 and, when with_q, q = (p-1)/2.
crypto::DhParams group_params(const NamedGroup& group, bool with_q);

// identify_group returns the group whose p and g equal `params`' (and whose q equals theirs
// when they carry one, as OpenSSL requires), or nullptr.
const NamedGroup* identify_group(const crypto::DhParams& params);

}  // namespace hsk::dh
