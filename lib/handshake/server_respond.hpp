// hsk::handshake server_respond — phases 1 and 2 of the handshake, the server's side
// (RFC 5246 §7.4.1.3 - §7.4.5; RFC 2246/4346 for TLS 1.0/1.1; RFC 8422 for ECC suites;
// RFC 7919 for the finite-field groups; RFC 5746, RFC 7627, RFC 7301 for the extensions
// echoed): read a ClientHello, choose the version and cipher suite, and build the server's
// flight — ServerHello, Certificate (not for anonymous suites), ServerKeyExchange (signed for
// DHE and ECDHE, bare for DH_anon and ECDH_anon, absent for RSA and fixed DH),
// CertificateRequest (when asked), ServerHelloDone — and the server state that derive-pms
// (server role) reads next.
//
// Pure apart from load_server_key_pair: randomness comes from the Rng, the time from the
// options; the caller (cmd/server_respond.cpp) reads the ClientHello, writes the state and
// the records.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/crypto.hpp"
#include "handshake/client_hello.hpp"
#include "handshake/session_cache.hpp"
#include "handshake/state.hpp"
#include "hsk/bytes.hpp"
#include "pki/x509.hpp"
#include "wire/messages.hpp"
#include "wire/registry.hpp"

namespace hsk::handshake {

// ServerKeyPair is one --cert/--key pair: the chain to send (leaf first, as the file holds it)
// and the leaf's private key. The paths are recorded in the state (values "server_cert_file",
// "server_key_file") so the server's derive-pms step can load the key again.
struct ServerKeyPair {
  crypto::PrivateKey key;
  std::vector<pki::Certificate> chain;  // leaf first; never empty
  std::string cert_file;                // absolute path ("" when made in memory)
  std::string key_file;                 // absolute path ("" when made in memory)
};

// load_server_key_pair reads a certificate file (PEM, one or more CERTIFICATE blocks, leaf
// first; or one DER certificate) and a private key file, and checks that the key is the leaf
// certificate's. The paths are stored made absolute. Throws hsk::Error: io when a file cannot
// be read, malformed when it does not parse, usage when the key does not match the leaf
// ("KEY is not the private key of CERT's certificate") or the leaf's key type is unsupported.
ServerKeyPair load_server_key_pair(const std::string& cert_file, const std::string& key_file);

// Preference says whose order of cipher suites decides (RFC 5246 §7.4.1.3 leaves it to the
// server).
enum class Preference : std::uint8_t { server, client };

struct ServerRespondOptions {
  // Key pairs, in the order given; for each suite the first pair that fits is used (see
  // pair_fits_suite). May be empty: then only anonymous suites are eligible.
  std::vector<ServerKeyPair> pairs;

  // Suites this server accepts, in its order of preference. Empty: every suite hsk implements
  // (family_suites("all", max_version)). TLS 1.2-only suites are skipped below TLS 1.2.
  std::vector<std::uint16_t> suites;
  Preference prefer = Preference::server;

  std::uint16_t min_version = wire::kTls10;  // TLS 1.0 .. TLS 1.2
  std::uint16_t max_version = wire::kTls12;

  // Finite-field DH for DHE and DH_anon. `dh_params` (from --dh-params) wins; without it the
  // first RFC 7919 group in the client's supported_groups that hsk knows is used (RFC 7919
  // §4), else `dh_group` (an RFC 7919 / RFC 3526 name, see dh::find_group). When the client
  // lists only ffdhe codes hsk does not know, no DHE or DH_anon suite is chosen (RFC 7919 §4).
  std::optional<crypto::DhParams> dh_params;
  std::string dh_params_name;  // how --explain names them (e.g. the file)
  std::string dh_group = "ffdhe2048";

  // Client authentication (RFC 5246 §7.4.4): send a CertificateRequest naming these CAs
  // (their subjects, in order).
  bool request_cert = false;
  std::vector<pki::Certificate> client_ca;

  // ServerHello fields.
  RandomMode random_mode = RandomMode::rfc;  // rfc: gmt_unix_time + 28 random bytes
  std::uint32_t gmt_unix_time = 0;           // rfc mode (the caller's clock)
  wire::Random random{};                     // fixed mode
  std::optional<Bytes> session_id;           // nullopt: 32 random bytes; may be empty (<0..32>)
  std::vector<std::string> alpn;             // protocols this server speaks (RFC 7301)
  bool extended_master_secret = true;        // echo RFC 7627's extension when the client sent it
  bool encrypt_then_mac = true;  // echo RFC 7366's extension when the client sent it, CBC suites

  // Session resumption (RFC 5246 §7.3 Figure 2, §7.4.1.3). `cached_session`: the session
  // cache's entry for the ClientHello's session id (session_cache.hpp find_session; the
  // caller looks it up, so this function stays free of files). `cache_miss`: why there is
  // none, for --explain. `session_cache` / `session_lifetime`: recorded in the state (values
  // session_cache, session_lifetime) so that the server's derive-pms stores the session once
  // a full handshake completes; "" keeps no cache.
  std::optional<CachedSession> cached_session;
  std::string cache_miss;
  std::string session_cache;
  std::int64_t session_lifetime = kDefaultSessionLifetime;
};

// ServerFlight is what server_respond produced.
struct ServerFlight {
  std::vector<wire::HandshakeMessage> messages;  // in the order sent
  Bytes records;  // the messages as handshake records (split at 2^14 bytes; record
                  // version = the negotiated version), ready for the wire
  State state;    // the server state to save (before the records are written)
  wire::ServerHello server_hello;
  std::uint16_t version = wire::kTls12;  // negotiated
  std::uint16_t cipher_suite = 0;
  std::optional<std::size_t> pair_index;          // the key pair used (options.pairs index)
  std::optional<std::uint16_t> signature_scheme;  // TLS 1.2 ServerKeyExchange signature
  std::string explain;  // phases 1 and 2 in words, for --explain (no secret values)
  // resumed: an abbreviated handshake (messages holds only the ServerHello; records also
  // carry ChangeCipherSpec and the protected Finished). not_resumed: why a session id the
  // client offered was not resumed ("" when it was, or none was offered).
  bool resumed = false;
  std::string not_resumed;
};

// server_respond answers `hello`. `client_hello_message` is the ClientHello exactly as
// received (4-byte handshake header + body): it becomes the first transcript message.
//
// Version: min(client_version, max_version); below min_version (or a client_version below
// TLS 1.0) throws hsk::Error(check_failed, alert protocol_version).
// Suite: in the server's (or, with Preference::client, the client's) order, the first suite
// both list that is eligible: known to hsk's key exchange (RSA, DHE_RSA, DHE_DSS, DH_RSA,
// DH_DSS, DH_anon, ECDHE_RSA, ECDHE_ECDSA, ECDH_anon), valid at the negotiated version, with a
// fitting key pair (pair_fits_suite), a group both sides can use (ECDHE/ECDH_anon: x25519,
// secp256r1 or secp384r1 among the client's supported_groups when it sent them), and at
// TLS 1.2 a signature scheme the client accepts for the pair's key. None: hsk::Error(
// check_failed, alert handshake_failure) whose message lists why the families failed. The
// client must offer the null compression method (else handshake_failure too).
// ALPN: the first protocol of the client's list that options.alpn also holds; when both sent
// lists and they share none, hsk::Error(check_failed, alert no_application_protocol (120)).
//
// The state: role server; version, offered_suites, client_random, session_id from the
// ClientHello; negotiated_version, cipher_suite, server_random, server_session_id; the
// transcript (ClientHello, then every message sent); secrets["kex_private"] = the ephemeral DH
// x or ECDH private key (none for RSA and fixed DH); values "server_cert_file",
// "server_key_file" (of the chosen pair, when there is one), "kex_group" ("ffdhe2048",
// "x25519", ..., or "explicit" for options.dh_params; absent for RSA and fixed DH),
// "signature_scheme" ("0x0804", TLS 1.2 signed suites), "alpn" (when agreed),
// "client_auth_requested" = "true" when a CertificateRequest went out.
//
// Resumption: when options.cached_session is the entry of the ClientHello's session id, the
// negotiated version is the session's, the client still offers the session's suite and this
// server still accepts it (options.suites), the session has the extended master secret and
// this hello and server use it too (RFC 7627 §5.3: a session without EMS is never resumed),
// and, when request_cert is on, the session's client was authenticated (else a full
// handshake asks for the certificate), the flight is abbreviated: ServerHello
// (the same session id, the session's suite, the extensions as for a full handshake),
// ChangeCipherSpec and the server's protected Finished (RFC 5246 §7.3 Figure 2: the server's
// Finished first). The state then holds the session's master secret and the key block from
// the new randoms (resume_keys: values["resumed"] = "true"), values["client_authenticated"]
// and (when true) values["client_certificate"] from the session, values["server_finished"] =
// "sent"; the client's ChangeCipherSpec + Finished are read by `hsk finish` (finish_step.hpp).
// Otherwise a full handshake with a fresh session id, and `not_resumed` and the explanation
// say why.
//
// Draws from `rng`, in order: the server random (28 or 32 bytes; none when fixed), the
// session id (32, unless given), the ephemeral key, the signature's randomness.
// Throws hsk::Error(usage) for inconsistent options (min above max, a version outside
// TLS 1.0-1.2, an unknown dh_group, a session id over 32 bytes).
ServerFlight server_respond(const wire::ClientHello& hello, ByteView client_hello_message,
                            const ServerRespondOptions& options, crypto::Rng& rng);

// pair_fits_suite says whether a key pair can serve a suite's key exchange, and why not:
// RSA, DHE_RSA, ECDHE_RSA: an RSA key; DHE_DSS: a DSA key; ECDHE_ECDSA: an EC key whose
// curve is in `client_groups` when the client sent supported_groups (nullopt: any curve);
// DH_RSA / DH_DSS: a certificate with a DH key, signed by its issuer with RSA / DSA.
// Anonymous suites need no pair (always false here). Returns "" when it fits, else the reason
// ("the key is EC, ECDHE_RSA needs RSA").
std::string pair_fits_suite(const ServerKeyPair& pair, wire::KeyExchange kx,
                            const std::optional<std::vector<std::uint16_t>>& client_groups);

// server_supported_sigalgs: the SignatureScheme list hsk puts in a TLS 1.2 CertificateRequest
// (what it can verify): ECDSA SHA-256/384/512, RSA-PSS-RSAE SHA-256/384/512, RSA PKCS#1
// SHA-256/384/512, DSA SHA-256, then the SHA-1 schemes (RSA, ECDSA, DSA).
std::vector<std::uint16_t> server_supported_sigalgs();

// alert_record returns one TLS record carrying a fatal alert (RFC 5246 §7.2):
// 15 <version> 00 02 02 <description>.
Bytes alert_record(std::uint16_t record_version, std::uint8_t description);

}  // namespace hsk::handshake
