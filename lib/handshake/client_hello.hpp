// hsk::handshake client_hello — phase 1 of the handshake, the client's side: build a
// ClientHello (RFC 5246 §7.4.1.2, RFC 2246/4346 for TLS 1.0/1.1) from options, and the client
// state the later client steps read. Pure: randomness comes from the Rng, the time from the
// options, and nothing touches a file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/crypto.hpp"
#include "handshake/state.hpp"
#include "hsk/bytes.hpp"
#include "wire/messages.hpp"

namespace hsk::handshake {

// ---------------------------------------------------------------------------------------
// Lists the user writes (all comma-separated; spaces around items are ignored). Each throws
// hsk::Error(usage) naming the item it does not know, and for an empty list.

// parse_suite_list reads cipher suites in preference order: IANA or OpenSSL names
// (case-insensitive), hex codes (0xc02f, c02f; any value, unknown and GREASE ones included),
// and family words that expand to the suites hsk implements for that key exchange and that
// are valid at `version` (see family_suites). Duplicates keep their first place.
std::vector<std::uint16_t> parse_suite_list(std::string_view spec, std::uint16_t version);

// family_suites expands a family word: rsa, dhe (dhe-rsa + dhe-dss), dhe-rsa, dhe-dss,
// dh-anon, fixed-dh (dh-rsa + dh-dss), dh-rsa, dh-dss, ecdhe (ecdhe-ecdsa + ecdhe-rsa),
// ecdhe-rsa, ecdhe-ecdsa, ecdh-anon, all (every one of those). It yields the registered
// suites of those key exchanges with AES-128/256-CBC (HMAC-SHA1, SHA-256, SHA-384),
// AES-128/256-GCM or ChaCha20-Poly1305, leaving out the TLS 1.2-only ones (SHA-256/384 MACs,
// AEADs) below TLS 1.2. Order: forward-secret authenticated (ECDHE, DHE), then RSA, then
// fixed DH, then anonymous; within each, AEAD before CBC-SHA2 before CBC-SHA1, then ECDHE
// before DHE, AES-128 before AES-256 before ChaCha20, ECDSA before RSA before DSS.
// nullopt when `word` is not a family word.
std::optional<std::vector<std::uint16_t>> family_suites(std::string_view word,
                                                        std::uint16_t version);

// default_suites: ECDHE (ECDSA and RSA), DHE_RSA and RSA suites in family_suites' order,
// those valid at `version`.
std::vector<std::uint16_t> default_suites(std::uint16_t version);

// parse_group_list reads named groups: IANA names (x25519, secp256r1, ffdhe2048, ...), the
// OpenSSL aliases P-256, P-384, P-521, prime256v1, X25519, X448, or hex codes.
std::vector<std::uint16_t> parse_group_list(std::string_view spec);

// parse_sigalg_list reads SignatureScheme names (rsa_pss_rsae_sha256, rsa_pkcs1_sha256,
// ecdsa_secp256r1_sha256, dsa_sha256, ...) or hex codes (0x0804).
std::vector<std::uint16_t> parse_sigalg_list(std::string_view spec);

// parse_compression_list reads compression methods: null, deflate, or numbers (0-255).
Bytes parse_compression_list(std::string_view spec);

// parse_alpn_list reads protocol names (h2, http/1.1, ...), each 1 to 255 bytes.
std::vector<std::string> parse_alpn_list(std::string_view spec);

// default_groups: x25519, secp256r1, secp384r1 when an (EC)DH(E) suite over curves is
// offered; ffdhe2048, ffdhe3072 (RFC 7919) when a finite-field DHE or DH_anon suite is.
std::vector<std::uint16_t> default_groups(const std::vector<std::uint16_t>& suites);

// default_sigalgs: ECDSA (SHA-256/384/512), RSA-PSS-RSAE (SHA-256/384/512), RSA PKCS#1 v1.5
// (SHA-256/384/512), DSA-SHA256 when a DSS suite is offered, then the SHA-1 schemes.
std::vector<std::uint16_t> default_sigalgs(const std::vector<std::uint16_t>& suites);

// ---------------------------------------------------------------------------------------
// Building the ClientHello.

enum class RandomMode : std::uint8_t {
  rfc,     // gmt_unix_time (4 bytes, big-endian) + 28 random bytes (RFC 5246 §7.4.1.2)
  random,  // 32 random bytes
  fixed,   // ClientHelloOptions::random as given
};

// How the client signals secure renegotiation support (RFC 5746 §3.4).
enum class Renegotiation : std::uint8_t {
  extension,  // an empty renegotiation_info extension
  scsv,       // TLS_EMPTY_RENEGOTIATION_INFO_SCSV (0x00ff) after the suites
  none,       // neither (a client without RFC 5746)
};

struct ClientHelloOptions {
  // client_version: TLS 1.0, 1.1 or 1.2. nullopt: TLS 1.2, or the version of `resume`.
  std::optional<std::uint16_t> version;
  std::uint16_t record_version = wire::kTls10;  // the record layer's version (OpenSSL's choice)
  std::vector<std::uint16_t> cipher_suites;     // empty: default_suites(version)
  RandomMode random_mode = RandomMode::rfc;
  std::uint32_t gmt_unix_time = 0;      // rfc mode: seconds since 1970 (the caller's clock)
  wire::Random random{};                // fixed mode
  Bytes session_id;                     // <0..32>; must be empty with `resume`
  std::optional<ResumeSession> resume;  // offer this earlier session (its id and suite)
  Bytes compression_methods{0};         // <1..255>
  bool extensions = true;               // false: no extensions block at all
  std::string server_name;              // SNI host_name; "" for none
  std::optional<std::vector<std::uint16_t>> groups;   // nullopt: default_groups; empty: none
  std::optional<std::vector<std::uint16_t>> sigalgs;  // nullopt: default_sigalgs at TLS 1.2
                                                      // (none below); empty: none
  std::optional<Bytes> point_formats;                 // nullopt: {uncompressed} when EC suites are
                                                      // offered; empty: none
  bool extended_master_secret = true;                 // RFC 7627
  // encrypt_then_mac (RFC 7366): sent when a CBC suite is offered (it means nothing to
  // AEAD suites, RFC 7366 §3); false: never.
  bool encrypt_then_mac = true;
  Renegotiation renegotiation = Renegotiation::extension;
  std::vector<std::string> alpn;  // RFC 7301; empty: none
};

// BuiltClientHello is the message in its three forms.
struct BuiltClientHello {
  wire::ClientHello hello;
  Bytes message;  // the Handshake struct (4-byte header + body): what the transcript covers
  Bytes records;  // the handshake record(s) carrying it (split at 2^14 bytes), as on the wire
  std::uint16_t record_version = wire::kTls10;
  RandomMode random_mode = RandomMode::rfc;
};

// build_client_hello builds the ClientHello. Extensions, in this order: server_name,
// ec_point_formats, supported_groups, signature_algorithms, application_layer_protocol_
// negotiation, encrypt_then_mac, extended_master_secret, renegotiation_info. Without extensions the
// renegotiation signal becomes the SCSV. With `resume`, the session id is the earlier one and
// its suite is appended when the list lacks it (RFC 5246 §7.4.1.2). Draws 28 (rfc) or 32
// (random) bytes from `rng`, nothing in fixed mode. Throws hsk::Error(usage) for a version
// outside TLS 1.0-1.2, a session id over 32 bytes or together with `resume`, no suites or
// no compression methods, an empty or non-ASCII server name, an ALPN name of 0 or over 255
// bytes, an extension option together with extensions = false, or a message too long.
BuiltClientHello build_client_hello(const ClientHelloOptions& options, crypto::Rng& rng);

// new_client_state returns the client state after sending `built`: role client, version,
// offered suites, client random, session id, the resumed session, and the ClientHello as the
// first transcript message.
State new_client_state(const BuiltClientHello& built, const std::optional<ResumeSession>& resume);

// resume_from reads, from an earlier client state, the session its ServerHello set up.
// Throws hsk::Error(usage) naming `path` when it is a server state, holds no ServerHello, the
// server gave no session id (then the session cannot be resumed by id), or the earlier
// handshake did not complete (values["handshake_complete"] is not "true": RFC 5246 §7.2).
ResumeSession resume_from(const State& earlier, const std::string& path);

// explain_client_hello describes the hello in the language of phase 1 (for --explain):
// what was offered and why, one line per item, ending in a newline.
std::string explain_client_hello(const BuiltClientHello& built,
                                 const std::optional<ResumeSession>& resume);

}  // namespace hsk::handshake
