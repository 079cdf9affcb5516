// hsk::wire registries — IANA's TLS tables as sorted constexpr arrays (see registry_*.cpp).
//
// Wire values are open: a code missing from a table is still a valid value; name_of returns
// an empty view for it and printers show the hex code alone. Adding a suite, extension,
// group or scheme is one row.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace hsk::wire {

// Registry selects one of the small code -> name tables.
enum class Registry {
  content_type,          // RFC 5246 §6.2.1, RFC 6520 (heartbeat)
  protocol_version,      // SSL 3.0 .. TLS 1.3 (0x0300 .. 0x0304)
  handshake_type,        // RFC 5246 §7.4, RFC 8446 §4
  alert_level,           // RFC 5246 §7.2
  alert_description,     // RFC 5246 §7.2 and later additions
  extension_type,        // IANA "TLS ExtensionType Values"
  named_group,           // IANA "TLS Supported Groups" (RFC 8422, RFC 7919)
  ec_point_format,       // RFC 8422 §5.1.2
  ec_curve_type,         // RFC 8422 §5.4
  signature_scheme,      // RFC 8446 §4.2.3 (and the TLS 1.2 hash/signature pairs as codes)
  hash_algorithm,        // RFC 5246 §7.4.1.4.1
  signature_algorithm,   // RFC 5246 §7.4.1.4.1
  compression_method,    // RFC 3749
  client_certificate_type,  // RFC 5246 §7.4.4
  server_name_type,      // RFC 6066 §3
  certificate_status_type,  // RFC 6066 §8
  psk_key_exchange_mode,    // RFC 8446 §4.2.9
  change_cipher_spec_type,  // RFC 5246 §7.1
};

struct NamedCode {
  std::uint16_t code;
  std::string_view name;
};

// name_of returns the registered name of `code` in `registry`, or "" when unregistered.
std::string_view name_of(Registry registry, std::uint16_t code);

// code_of looks a name up (exact, case-sensitive) and returns its code, or nullopt.
std::optional<std::uint16_t> code_of(Registry registry, std::string_view name);

// entries returns the whole table, sorted by code.
std::span<const NamedCode> entries(Registry registry);

// is_grease is true for the RFC 8701 reserved values 0x?a?a with equal bytes.
constexpr bool is_grease(std::uint16_t v) {
  return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

// Key exchange families (RFC 5246 App. A.5, RFC 4492/8422, RFC 4279, RFC 5054, ...).
enum class KeyExchange : std::uint8_t {
  null,
  rsa,
  rsa_export,
  dh_dss,
  dh_rsa,
  dhe_dss,
  dhe_rsa,
  dh_anon,
  ecdh_ecdsa,
  ecdh_rsa,
  ecdhe_ecdsa,
  ecdhe_rsa,
  ecdh_anon,
  psk,
  dhe_psk,
  rsa_psk,
  ecdhe_psk,
  srp_sha,
  srp_sha_rsa,
  srp_sha_dss,
  krb5,
  eccpwd,
  tls13,  // TLS 1.3 suites: key exchange not in the suite
  // Appended later (the values above keep their numbers):
  gostr341112_256,  // RFC 9189 GOST suites
};

// Authentication carried by the server certificate (or none).
enum class Authentication : std::uint8_t {
  none,
  rsa,
  dss,
  ecdsa,
  psk,
  krb5,
  srp,
  any,
  // Appended later (the values above keep their numbers):
  eccpwd,  // RFC 8492 password authentication
  gost,    // RFC 9189 GOST R 34.10-2012 certificates
};

// The PRF hash: sha256 for every TLS 1.2 suite that does not name sha384; md5_sha1 is only
// used below TLS 1.2 (RFC 5246 §5). gostr3411_2012_256 (Streebog-256, appended) is the PRF
// hash of the three RFC 9189 GOST suites only.
enum class PrfHash : std::uint8_t { sha256, sha384, gostr3411_2012_256 };

// A NULL cipher with a MAC counts as stream (RFC 5246 App. C); none is used only where there
// is no record protection at all (TLS_NULL_WITH_NULL_NULL and the signalling values).
enum class CipherType : std::uint8_t { stream, block, aead, none };

struct CipherSuite {
  std::uint16_t code;
  std::string_view iana;      // IANA name, e.g. TLS_DHE_RSA_WITH_AES_128_GCM_SHA256
  std::string_view openssl;   // OpenSSL name, e.g. DHE-RSA-AES128-GCM-SHA256, or ""
  KeyExchange kx;
  Authentication auth;
  std::string_view cipher;    // e.g. AES_128_GCM, AES_256_CBC, 3DES_EDE_CBC, CHACHA20_POLY1305, NULL
  std::string_view mac;       // SHA, SHA256, SHA384, MD5, AEAD, NULL
  PrfHash prf;
  CipherType cipher_type;
  std::uint8_t key_length;     // bytes (0 for NULL)
  std::uint8_t iv_length;      // bytes: block size for CBC, fixed IV (salt) for AEAD
  std::uint8_t mac_length;     // bytes (0 for AEAD)
  bool tls12_only;             // needs TLS 1.2 (SHA-256/384 MACs, AEADs)
};

// cipher_suites returns every registered suite, sorted by code.
std::span<const CipherSuite> cipher_suites();

// find_cipher_suite by code, or by IANA or OpenSSL name (case-insensitive); nullptr if unknown.
const CipherSuite* find_cipher_suite(std::uint16_t code);
const CipherSuite* find_cipher_suite(std::string_view name);

std::string_view to_string(KeyExchange kx);      // "DHE_RSA", "ECDHE_ECDSA", ...
std::string_view to_string(Authentication auth); // "RSA", "DSS", ...

// ServerKeyExchange / ClientKeyExchange shape implied by a key exchange.
enum class KexShape : std::uint8_t {
  rsa,         // RSA: no ServerKeyExchange; encrypted pre-master secret
  rsa_export,  // RSA_EXPORT: ServerRSAParams may be sent
  dh_fixed,    // DH_DSS/DH_RSA: no ServerKeyExchange; Yc explicit or implicit
  dhe,         // DHE_*: signed ServerDHParams
  dh_anon,     // DH_anon: unsigned ServerDHParams
  ecdh_fixed,  // ECDH_ECDSA/ECDH_RSA: no ServerKeyExchange; point explicit or implicit
  ecdhe,       // ECDHE_*: signed ServerECDHParams
  ecdh_anon,   // ECDH_anon: unsigned ServerECDHParams
  other,       // PSK, SRP, KRB5, ...: bodies shown raw
};
KexShape kex_shape(KeyExchange kx);

}  // namespace hsk::wire
