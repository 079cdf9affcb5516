// hsk::wire registries: the small IANA code -> name tables, the lookups over them and over
// the cipher-suite table (registry_suites.cpp).
//
// Every table is a sorted constexpr array; a static_assert proves each one is strictly
// ascending by code (sorted, no duplicates), so name_of can binary-search it. Names are the
// RFCs' own spellings (enumerator names of the RFC structs), so code can be grepped against
// the RFCs. Sources: IANA "Transport Layer Security (TLS) Parameters" and "TLS ExtensionType
// Values"; tests/unit/test_registry.cpp cross-checks them against Wireshark's tables.
#include <algorithm>
#include <cstddef>
#include <iterator>

#include "wire/registry.hpp"

namespace hsk::wire {
namespace {

// The tables keep one row per line so that adding a value is adding one line.
// clang-format off

// RFC 5246 §6.2.1, RFC 6520 (heartbeat), RFC 9146 (tls12_cid), RFC 9147 (ack).
constexpr NamedCode kContentTypes[] = {
    {20, "change_cipher_spec"},
    {21, "alert"},
    {22, "handshake"},
    {23, "application_data"},
    {24, "heartbeat"},
    {25, "tls12_cid"},
    {26, "ack"},
};

// The record-layer versions hsk can meet (RFC 6101, 2246, 4346, 5246, 8446).
constexpr NamedCode kProtocolVersions[] = {
    {0x0300, "SSL 3.0"},
    {0x0301, "TLS 1.0"},
    {0x0302, "TLS 1.1"},
    {0x0303, "TLS 1.2"},
    {0x0304, "TLS 1.3"},
};

// RFC 5246 §7.4, RFC 6347 (hello_verify_request), RFC 5077, RFC 8446 §4, RFC 6066
// (certificate_url, certificate_status), RFC 4680 (supplemental_data), RFC 9147 (connection
// ids), RFC 9261 (client_certificate_request), RFC 8879 (compressed_certificate), RFC 8870
// (ekt_key). IANA's reserved 6 (hello_retry_request drafts) is not a name.
constexpr NamedCode kHandshakeTypes[] = {
    {0, "hello_request"},
    {1, "client_hello"},
    {2, "server_hello"},
    {3, "hello_verify_request"},
    {4, "new_session_ticket"},
    {5, "end_of_early_data"},
    {8, "encrypted_extensions"},
    {9, "request_connection_id"},
    {10, "new_connection_id"},
    {11, "certificate"},
    {12, "server_key_exchange"},
    {13, "certificate_request"},
    {14, "server_hello_done"},
    {15, "certificate_verify"},
    {16, "client_key_exchange"},
    {17, "client_certificate_request"},
    {20, "finished"},
    {21, "certificate_url"},
    {22, "certificate_status"},
    {23, "supplemental_data"},
    {24, "key_update"},
    {25, "compressed_certificate"},
    {26, "ekt_key"},
    {254, "message_hash"},
};

// RFC 5246 §7.2.
constexpr NamedCode kAlertLevels[] = {
    {1, "warning"},
    {2, "fatal"},
};

// RFC 5246 §7.2 and later additions. The values IANA now lists as *_RESERVED (21, 30, 41, 60,
// 100, 111, 114) are still sent by TLS <= 1.2 peers, so they keep their RFC 5246 / RFC 6066
// names here.
constexpr NamedCode kAlertDescriptions[] = {
    {0, "close_notify"},
    {10, "unexpected_message"},
    {20, "bad_record_mac"},
    {21, "decryption_failed"},
    {22, "record_overflow"},
    {30, "decompression_failure"},
    {40, "handshake_failure"},
    {41, "no_certificate"},
    {42, "bad_certificate"},
    {43, "unsupported_certificate"},
    {44, "certificate_revoked"},
    {45, "certificate_expired"},
    {46, "certificate_unknown"},
    {47, "illegal_parameter"},
    {48, "unknown_ca"},
    {49, "access_denied"},
    {50, "decode_error"},
    {51, "decrypt_error"},
    {52, "too_many_cids_requested"},
    {60, "export_restriction"},
    {70, "protocol_version"},
    {71, "insufficient_security"},
    {80, "internal_error"},
    {86, "inappropriate_fallback"},
    {90, "user_canceled"},
    {100, "no_renegotiation"},
    {109, "missing_extension"},
    {110, "unsupported_extension"},
    {111, "certificate_unobtainable"},
    {112, "unrecognized_name"},
    {113, "bad_certificate_status_response"},
    {114, "bad_certificate_hash_value"},
    {115, "unknown_psk_identity"},
    {116, "certificate_required"},
    {120, "no_application_protocol"},
    {121, "ech_required"},
};

// IANA "TLS ExtensionType Values". Not named: 40 and 46 (reserved), 53 (IANA: "connection_id
// (deprecated)", draft code point), GREASE (is_grease), and the unregistered code points some
// stacks send (13172 next_protocol_negotiation, 17513 application_settings, 30032 channel_id).
constexpr NamedCode kExtensionTypes[] = {
    {0, "server_name"},
    {1, "max_fragment_length"},
    {2, "client_certificate_url"},
    {3, "trusted_ca_keys"},
    {4, "truncated_hmac"},
    {5, "status_request"},
    {6, "user_mapping"},
    {7, "client_authz"},
    {8, "server_authz"},
    {9, "cert_type"},
    {10, "supported_groups"},
    {11, "ec_point_formats"},
    {12, "srp"},
    {13, "signature_algorithms"},
    {14, "use_srtp"},
    {15, "heartbeat"},
    {16, "application_layer_protocol_negotiation"},
    {17, "status_request_v2"},
    {18, "signed_certificate_timestamp"},
    {19, "client_certificate_type"},
    {20, "server_certificate_type"},
    {21, "padding"},
    {22, "encrypt_then_mac"},
    {23, "extended_master_secret"},
    {24, "token_binding"},
    {25, "cached_info"},
    {26, "tls_lts"},
    {27, "compress_certificate"},
    {28, "record_size_limit"},
    {29, "pwd_protect"},
    {30, "pwd_clear"},
    {31, "password_salt"},
    {32, "ticket_pinning"},
    {33, "tls_cert_with_extern_psk"},
    {34, "delegated_credential"},
    {35, "session_ticket"},
    {36, "TLMSP"},
    {37, "TLMSP_proxying"},
    {38, "TLMSP_delegate"},
    {39, "supported_ekt_ciphers"},
    {41, "pre_shared_key"},
    {42, "early_data"},
    {43, "supported_versions"},
    {44, "cookie"},
    {45, "psk_key_exchange_modes"},
    {47, "certificate_authorities"},
    {48, "oid_filters"},
    {49, "post_handshake_auth"},
    {50, "signature_algorithms_cert"},
    {51, "key_share"},
    {52, "transparency_info"},
    {54, "connection_id"},
    {55, "external_id_hash"},
    {56, "external_session_id"},
    {57, "quic_transport_parameters"},
    {58, "ticket_request"},
    {59, "dnssec_chain"},
    {0xfd00, "ech_outer_extensions"},
    {0xfe0d, "encrypted_client_hello"},
    {0xff01, "renegotiation_info"},
};

// IANA "TLS Supported Groups": RFC 8422 (1-30, 0xff01-0xff02), RFC 8734 (31-33), RFC 9189
// (34-40), RFC 8998 (41), RFC 7919 (256-260), draft-ietf-tls-mlkem and
// draft-ietf-tls-ecdhe-mlkem (0x0200-0x0202, 0x11eb-0x11ed), draft-tls-westerbaan-xyber768d00
// (0x6399, 0x639a).
constexpr NamedCode kNamedGroups[] = {
    {1, "sect163k1"},
    {2, "sect163r1"},
    {3, "sect163r2"},
    {4, "sect193r1"},
    {5, "sect193r2"},
    {6, "sect233k1"},
    {7, "sect233r1"},
    {8, "sect239k1"},
    {9, "sect283k1"},
    {10, "sect283r1"},
    {11, "sect409k1"},
    {12, "sect409r1"},
    {13, "sect571k1"},
    {14, "sect571r1"},
    {15, "secp160k1"},
    {16, "secp160r1"},
    {17, "secp160r2"},
    {18, "secp192k1"},
    {19, "secp192r1"},
    {20, "secp224k1"},
    {21, "secp224r1"},
    {22, "secp256k1"},
    {23, "secp256r1"},
    {24, "secp384r1"},
    {25, "secp521r1"},
    {26, "brainpoolP256r1"},
    {27, "brainpoolP384r1"},
    {28, "brainpoolP512r1"},
    {29, "x25519"},
    {30, "x448"},
    {31, "brainpoolP256r1tls13"},
    {32, "brainpoolP384r1tls13"},
    {33, "brainpoolP512r1tls13"},
    {34, "GC256A"},
    {35, "GC256B"},
    {36, "GC256C"},
    {37, "GC256D"},
    {38, "GC512A"},
    {39, "GC512B"},
    {40, "GC512C"},
    {41, "curveSM2"},
    {256, "ffdhe2048"},
    {257, "ffdhe3072"},
    {258, "ffdhe4096"},
    {259, "ffdhe6144"},
    {260, "ffdhe8192"},
    {0x0200, "MLKEM512"},
    {0x0201, "MLKEM768"},
    {0x0202, "MLKEM1024"},
    {0x11eb, "SecP256r1MLKEM768"},
    {0x11ec, "X25519MLKEM768"},
    {0x11ed, "SecP384r1MLKEM1024"},
    {0x6399, "X25519Kyber768Draft00"},
    {0x639a, "SecP256r1Kyber768Draft00"},
    {0xff01, "arbitrary_explicit_prime_curves"},
    {0xff02, "arbitrary_explicit_char2_curves"},
};

// RFC 8422 §5.1.2.
constexpr NamedCode kEcPointFormats[] = {
    {0, "uncompressed"},
    {1, "ansiX962_compressed_prime"},
    {2, "ansiX962_compressed_char2"},
};

// RFC 8422 §5.4.
constexpr NamedCode kEcCurveTypes[] = {
    {1, "explicit_prime"},
    {2, "explicit_char2"},
    {3, "named_curve"},
};

// RFC 8446 §4.2.3 SignatureScheme names, plus the TLS 1.2 hash/signature pairs of RFC 5246
// §7.4.1.4.1 that have no SignatureScheme name, spelt the same way (<sig>_<hash>, with
// rsa_pkcs1_ for RSA): 0x0101-0x0103, 0x0202, 0x0301-0x0303, 0x0402, 0x0502, 0x0602. In TLS 1.2,
// 0x0403/0x0503/0x0603 mean ECDSA with that hash on any curve. Others: RFC 8998 (sm2sig_sm3),
// RFC 9367 (0x0709-0x070f), RFC 8734 (brainpool), RFC 9189 (0x0840, 0x0841),
// draft-ietf-tls-tls13-pkcs1 (*_legacy), draft-wang-tls-raw-public-key-with-ibc (0x0704-0x0707).
constexpr NamedCode kSignatureSchemes[] = {
    {0x0101, "rsa_pkcs1_md5"},
    {0x0102, "dsa_md5"},
    {0x0103, "ecdsa_md5"},
    {0x0201, "rsa_pkcs1_sha1"},
    {0x0202, "dsa_sha1"},
    {0x0203, "ecdsa_sha1"},
    {0x0301, "rsa_pkcs1_sha224"},
    {0x0302, "dsa_sha224"},
    {0x0303, "ecdsa_sha224"},
    {0x0401, "rsa_pkcs1_sha256"},
    {0x0402, "dsa_sha256"},
    {0x0403, "ecdsa_secp256r1_sha256"},
    {0x0420, "rsa_pkcs1_sha256_legacy"},
    {0x0501, "rsa_pkcs1_sha384"},
    {0x0502, "dsa_sha384"},
    {0x0503, "ecdsa_secp384r1_sha384"},
    {0x0520, "rsa_pkcs1_sha384_legacy"},
    {0x0601, "rsa_pkcs1_sha512"},
    {0x0602, "dsa_sha512"},
    {0x0603, "ecdsa_secp521r1_sha512"},
    {0x0620, "rsa_pkcs1_sha512_legacy"},
    {0x0704, "eccsi_sha256"},
    {0x0705, "iso_ibs1"},
    {0x0706, "iso_ibs2"},
    {0x0707, "iso_chinese_ibs"},
    {0x0708, "sm2sig_sm3"},
    {0x0709, "gostr34102012_256a"},
    {0x070a, "gostr34102012_256b"},
    {0x070b, "gostr34102012_256c"},
    {0x070c, "gostr34102012_256d"},
    {0x070d, "gostr34102012_512a"},
    {0x070e, "gostr34102012_512b"},
    {0x070f, "gostr34102012_512c"},
    {0x0804, "rsa_pss_rsae_sha256"},
    {0x0805, "rsa_pss_rsae_sha384"},
    {0x0806, "rsa_pss_rsae_sha512"},
    {0x0807, "ed25519"},
    {0x0808, "ed448"},
    {0x0809, "rsa_pss_pss_sha256"},
    {0x080a, "rsa_pss_pss_sha384"},
    {0x080b, "rsa_pss_pss_sha512"},
    {0x081a, "ecdsa_brainpoolP256r1tls13_sha256"},
    {0x081b, "ecdsa_brainpoolP384r1tls13_sha384"},
    {0x081c, "ecdsa_brainpoolP512r1tls13_sha512"},
    {0x0840, "gostr34102012_256"},
    {0x0841, "gostr34102012_512"},
};

// RFC 5246 §7.4.1.4.1, RFC 8422 §5.1.3 (intrinsic).
constexpr NamedCode kHashAlgorithms[] = {
    {0, "none"},
    {1, "md5"},
    {2, "sha1"},
    {3, "sha224"},
    {4, "sha256"},
    {5, "sha384"},
    {6, "sha512"},
    {8, "intrinsic"},
};

// RFC 5246 §7.4.1.4.1, RFC 8422 §5.1.3 (ed25519, ed448), RFC 9189 (64, 65).
constexpr NamedCode kSignatureAlgorithms[] = {
    {0, "anonymous"},
    {1, "rsa"},
    {2, "dsa"},
    {3, "ecdsa"},
    {7, "ed25519"},
    {8, "ed448"},
    {64, "gostr34102012_256"},
    {65, "gostr34102012_512"},
};

// RFC 5246 §7.4.1.2, RFC 3749 (DEFLATE), RFC 3943 (LZS).
constexpr NamedCode kCompressionMethods[] = {
    {0, "null"},
    {1, "DEFLATE"},
    {64, "LZS"},
};

// RFC 5246 §7.4.4, RFC 8422 §5.5 (64-66), RFC 9189 (67, 68). 5, 6 and 20 are only reserved
// today but keep their RFC 4346 names.
constexpr NamedCode kClientCertificateTypes[] = {
    {1, "rsa_sign"},
    {2, "dss_sign"},
    {3, "rsa_fixed_dh"},
    {4, "dss_fixed_dh"},
    {5, "rsa_ephemeral_dh"},
    {6, "dss_ephemeral_dh"},
    {20, "fortezza_dms"},
    {64, "ecdsa_sign"},
    {65, "rsa_fixed_ecdh"},
    {66, "ecdsa_fixed_ecdh"},
    {67, "gost_sign256"},
    {68, "gost_sign512"},
};

// RFC 6066 §3.
constexpr NamedCode kServerNameTypes[] = {
    {0, "host_name"},
};

// RFC 6066 §8, RFC 6961 (ocsp_multi).
constexpr NamedCode kCertificateStatusTypes[] = {
    {1, "ocsp"},
    {2, "ocsp_multi"},
};

// RFC 8446 §4.2.9.
constexpr NamedCode kPskKeyExchangeModes[] = {
    {0, "psk_ke"},
    {1, "psk_dhe_ke"},
};

// RFC 5246 §7.1.
constexpr NamedCode kChangeCipherSpecTypes[] = {
    {1, "change_cipher_spec"},
};

// clang-format on

// strictly_ascending is true when each code is larger than the one before it (sorted, no
// duplicate code).
template <std::size_t N>
constexpr bool strictly_ascending(const NamedCode (&table)[N]) {
  for (std::size_t i = 1; i < N; ++i) {
    if (table[i - 1].code >= table[i].code) {
      return false;
    }
  }
  return true;
}

static_assert(strictly_ascending(kContentTypes));
static_assert(strictly_ascending(kProtocolVersions));
static_assert(strictly_ascending(kHandshakeTypes));
static_assert(strictly_ascending(kAlertLevels));
static_assert(strictly_ascending(kAlertDescriptions));
static_assert(strictly_ascending(kExtensionTypes));
static_assert(strictly_ascending(kNamedGroups));
static_assert(strictly_ascending(kEcPointFormats));
static_assert(strictly_ascending(kEcCurveTypes));
static_assert(strictly_ascending(kSignatureSchemes));
static_assert(strictly_ascending(kHashAlgorithms));
static_assert(strictly_ascending(kSignatureAlgorithms));
static_assert(strictly_ascending(kCompressionMethods));
static_assert(strictly_ascending(kClientCertificateTypes));
static_assert(strictly_ascending(kServerNameTypes));
static_assert(strictly_ascending(kCertificateStatusTypes));
static_assert(strictly_ascending(kPskKeyExchangeModes));
static_assert(strictly_ascending(kChangeCipherSpecTypes));

struct RegistryTable {
  Registry registry;
  std::span<const NamedCode> table;
};

// kRegistries maps each Registry to its table; row i is Registry value i (checked below).
constexpr RegistryTable kRegistries[] = {
    {Registry::content_type, kContentTypes},
    {Registry::protocol_version, kProtocolVersions},
    {Registry::handshake_type, kHandshakeTypes},
    {Registry::alert_level, kAlertLevels},
    {Registry::alert_description, kAlertDescriptions},
    {Registry::extension_type, kExtensionTypes},
    {Registry::named_group, kNamedGroups},
    {Registry::ec_point_format, kEcPointFormats},
    {Registry::ec_curve_type, kEcCurveTypes},
    {Registry::signature_scheme, kSignatureSchemes},
    {Registry::hash_algorithm, kHashAlgorithms},
    {Registry::signature_algorithm, kSignatureAlgorithms},
    {Registry::compression_method, kCompressionMethods},
    {Registry::client_certificate_type, kClientCertificateTypes},
    {Registry::server_name_type, kServerNameTypes},
    {Registry::certificate_status_type, kCertificateStatusTypes},
    {Registry::psk_key_exchange_mode, kPskKeyExchangeModes},
    {Registry::change_cipher_spec_type, kChangeCipherSpecTypes},
};

constexpr bool registries_in_enum_order() {
  for (std::size_t i = 0; i < std::size(kRegistries); ++i) {
    if (static_cast<std::size_t>(kRegistries[i].registry) != i) {
      return false;
    }
  }
  return static_cast<std::size_t>(Registry::change_cipher_spec_type) + 1 == std::size(kRegistries);
}
static_assert(registries_in_enum_order(), "kRegistries must list every Registry in enum order");

struct KeyExchangeInfo {
  KeyExchange kx;
  std::string_view name;  // as the IANA suite names spell the family
  KexShape shape;
};

// kKeyExchanges: row i is KeyExchange value i (checked below).
constexpr KeyExchangeInfo kKeyExchanges[] = {
    {KeyExchange::null, "NULL", KexShape::other},
    {KeyExchange::rsa, "RSA", KexShape::rsa},
    {KeyExchange::rsa_export, "RSA_EXPORT", KexShape::rsa_export},
    {KeyExchange::dh_dss, "DH_DSS", KexShape::dh_fixed},
    {KeyExchange::dh_rsa, "DH_RSA", KexShape::dh_fixed},
    {KeyExchange::dhe_dss, "DHE_DSS", KexShape::dhe},
    {KeyExchange::dhe_rsa, "DHE_RSA", KexShape::dhe},
    {KeyExchange::dh_anon, "DH_anon", KexShape::dh_anon},
    {KeyExchange::ecdh_ecdsa, "ECDH_ECDSA", KexShape::ecdh_fixed},
    {KeyExchange::ecdh_rsa, "ECDH_RSA", KexShape::ecdh_fixed},
    {KeyExchange::ecdhe_ecdsa, "ECDHE_ECDSA", KexShape::ecdhe},
    {KeyExchange::ecdhe_rsa, "ECDHE_RSA", KexShape::ecdhe},
    {KeyExchange::ecdh_anon, "ECDH_anon", KexShape::ecdh_anon},
    {KeyExchange::psk, "PSK", KexShape::other},
    {KeyExchange::dhe_psk, "DHE_PSK", KexShape::other},
    {KeyExchange::rsa_psk, "RSA_PSK", KexShape::other},
    {KeyExchange::ecdhe_psk, "ECDHE_PSK", KexShape::other},
    {KeyExchange::srp_sha, "SRP_SHA", KexShape::other},
    {KeyExchange::srp_sha_rsa, "SRP_SHA_RSA", KexShape::other},
    {KeyExchange::srp_sha_dss, "SRP_SHA_DSS", KexShape::other},
    {KeyExchange::krb5, "KRB5", KexShape::other},
    {KeyExchange::eccpwd, "ECCPWD", KexShape::other},
    {KeyExchange::tls13, "TLS13", KexShape::other},
    {KeyExchange::gostr341112_256, "GOSTR341112_256", KexShape::other},
};

constexpr bool key_exchanges_in_enum_order() {
  for (std::size_t i = 0; i < std::size(kKeyExchanges); ++i) {
    if (static_cast<std::size_t>(kKeyExchanges[i].kx) != i) {
      return false;
    }
  }
  return static_cast<std::size_t>(KeyExchange::gostr341112_256) + 1 == std::size(kKeyExchanges);
}
static_assert(key_exchanges_in_enum_order(), "kKeyExchanges must list every KeyExchange in order");

struct AuthenticationInfo {
  Authentication auth;
  std::string_view name;
};

// kAuthentications: row i is Authentication value i (checked below).
// clang-format off
constexpr AuthenticationInfo kAuthentications[] = {
    {Authentication::none, "anon"},
    {Authentication::rsa, "RSA"},
    {Authentication::dss, "DSS"},
    {Authentication::ecdsa, "ECDSA"},
    {Authentication::psk, "PSK"},
    {Authentication::krb5, "KRB5"},
    {Authentication::srp, "SRP"},
    {Authentication::any, "any"},
    {Authentication::eccpwd, "ECCPWD"},
    {Authentication::gost, "GOST"},
};
// clang-format on

constexpr bool authentications_in_enum_order() {
  for (std::size_t i = 0; i < std::size(kAuthentications); ++i) {
    if (static_cast<std::size_t>(kAuthentications[i].auth) != i) {
      return false;
    }
  }
  return static_cast<std::size_t>(Authentication::gost) + 1 == std::size(kAuthentications);
}
static_assert(authentications_in_enum_order(), "kAuthentications must follow Authentication");

// ascii_iequal compares two names ignoring ASCII case.
bool ascii_iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') {
      x = static_cast<char>(x - 'A' + 'a');
    }
    if (y >= 'A' && y <= 'Z') {
      y = static_cast<char>(y - 'A' + 'a');
    }
    if (x != y) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::span<const NamedCode> entries(Registry registry) {
  auto index = static_cast<std::size_t>(registry);
  if (index >= std::size(kRegistries)) {
    return {};
  }
  return kRegistries[index].table;
}

std::string_view name_of(Registry registry, std::uint16_t code) {
  std::span<const NamedCode> table = entries(registry);
  auto it = std::lower_bound(table.begin(), table.end(), code,
                             [](const NamedCode& e, std::uint16_t c) { return e.code < c; });
  if (it == table.end() || it->code != code) {
    return {};
  }
  return it->name;
}

std::optional<std::uint16_t> code_of(Registry registry, std::string_view name) {
  if (name.empty()) {
    return std::nullopt;
  }
  for (const NamedCode& e : entries(registry)) {
    if (e.name == name) {
      return e.code;
    }
  }
  return std::nullopt;
}

const CipherSuite* find_cipher_suite(std::uint16_t code) {
  std::span<const CipherSuite> suites = cipher_suites();
  auto it = std::lower_bound(suites.begin(), suites.end(), code,
                             [](const CipherSuite& s, std::uint16_t c) { return s.code < c; });
  if (it == suites.end() || it->code != code) {
    return nullptr;
  }
  return &*it;
}

const CipherSuite* find_cipher_suite(std::string_view name) {
  if (name.empty()) {
    return nullptr;  // many rows have an empty OpenSSL name: "" must not match them
  }
  for (const CipherSuite& s : cipher_suites()) {
    if (ascii_iequal(s.iana, name) || (!s.openssl.empty() && ascii_iequal(s.openssl, name))) {
      return &s;
    }
  }
  return nullptr;
}

std::string_view to_string(KeyExchange kx) {
  auto index = static_cast<std::size_t>(kx);
  if (index >= std::size(kKeyExchanges)) {
    return {};
  }
  return kKeyExchanges[index].name;
}

std::string_view to_string(Authentication auth) {
  auto index = static_cast<std::size_t>(auth);
  if (index >= std::size(kAuthentications)) {
    return {};
  }
  return kAuthentications[index].name;
}

KexShape kex_shape(KeyExchange kx) {
  auto index = static_cast<std::size_t>(kx);
  if (index >= std::size(kKeyExchanges)) {
    return KexShape::other;
  }
  return kKeyExchanges[index].shape;
}

}  // namespace hsk::wire
