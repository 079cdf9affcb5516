// hsk::crypto TLS core — the cryptography of the TLS 1.0-1.2 handshake: the PRF, the key
// schedule (master secret, extended master secret, key block, Finished), the RSA key exchange
// with the RFC 5246 §7.4.7.1 countermeasure, finite-field DH and ECDH/X25519 agreement, and a
// few constant-time helpers.
//
// Like crypto.hpp this header exposes no Crypto++ type (lib/crypto/tls_prf.cpp and
// tls_kex.cpp include Crypto++). Bytes in, Bytes out; randomness comes from an injected Rng;
// every failure is an hsk::Error, never a Crypto++ exception:
//   ErrorKind::usage        a caller bug: wrong lengths of our own values, an unsupported
//                           version or suite, a key of the wrong type;
//   ErrorKind::malformed    a peer value that does not have the shape the protocol requires
//                           (alert decode_error), e.g. a 64-byte P-256 point;
//   ErrorKind::check_failed a well-formed peer value that is refused (alert
//                           illegal_parameter), e.g. Ys = 1, a point off the curve, an all-zero
//                           X25519 secret;
//   ErrorKind::internal     a Crypto++ failure that should not happen.
// Versions are the wire values 0x0301 (TLS 1.0), 0x0302 (TLS 1.1) and 0x0303 (TLS 1.2);
// SSL 3.0 and TLS 1.3 are refused (usage).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/crypto.hpp"
#include "hsk/bytes.hpp"
#include "wire/registry.hpp"

namespace hsk::crypto {

// ---------------------------------------------------------------------------------------
// Constant-time helpers.
//
// A CtMask is all ones (true) or all zero (false). The helpers compute on whole machine words
// without branches; ct_value_barrier hides a value from the optimiser so that it cannot turn a
// mask back into a branch. They are used by the RSA countermeasure below and are meant for
// the record layer (CBC padding and MAC checks). For comparing MACs and Finished messages use
// crypto::ct_equal.

using CtMask = std::size_t;

inline CtMask ct_value_barrier(CtMask a) {
#if defined(__GNUC__) || defined(__clang__)
  __asm__("" : "+r"(a));
#endif
  return a;
}

// ct_msb_mask: all ones when the top bit of `a` is set.
inline CtMask ct_msb_mask(std::size_t a) {
  return ct_value_barrier(CtMask{0} - (a >> (8 * sizeof(std::size_t) - 1)));
}
// ct_is_zero_mask: all ones when a == 0 (only then do ~a and a - 1 both have the top bit set).
inline CtMask ct_is_zero_mask(std::size_t a) { return ct_msb_mask(~a & (a - 1)); }
// ct_eq_mask: all ones when a == b.
inline CtMask ct_eq_mask(std::size_t a, std::size_t b) { return ct_is_zero_mask(a ^ b); }
// ct_lt_mask: all ones when a < b (unsigned). When the top bits differ, the answer is b's top
// bit; when they agree, a - b cannot wrap past half the range and its top bit is the answer.
inline CtMask ct_lt_mask(std::size_t a, std::size_t b) {
  return ct_msb_mask(a ^ ((a ^ b) | ((a - b) ^ a)));
}
// ct_ge_mask: all ones when a >= b.
inline CtMask ct_ge_mask(std::size_t a, std::size_t b) { return ~ct_lt_mask(a, b); }
// ct_select: mask ? a : b.
inline std::size_t ct_select(CtMask mask, std::size_t a, std::size_t b) {
  return (mask & a) | (~mask & b);
}
inline std::uint8_t ct_select_u8(CtMask mask, std::uint8_t a, std::uint8_t b) {
  return static_cast<std::uint8_t>((mask & a) | (~mask & b));
}
// ct_select_bytes: mask ? a : b, byte by byte. Throws hsk::Error(usage) when the sizes differ
// (sizes are public).
Bytes ct_select_bytes(CtMask mask, ByteView a, ByteView b);

// ---------------------------------------------------------------------------------------
// PRF (RFC 2246 §5, RFC 4346 §5, RFC 5246 §5).

// PrfKind: tls10 is PRF(secret, label, seed) = P_MD5(S1, label ‖ seed) XOR P_SHA-1(S2, label ‖
// seed) with S1 and S2 the two (overlapping when |secret| is odd) halves of the secret, used by
// TLS 1.0 and 1.1; tls12_sha256 and tls12_sha384 are P_SHA256 / P_SHA384 of TLS 1.2.
enum class PrfKind { tls10, tls12_sha256, tls12_sha384 };

// prf_kind_name: "TLS 1.0/1.1 PRF (MD5 XOR SHA-1)", "TLS 1.2 PRF (SHA-256)",
// "TLS 1.2 PRF (SHA-384)".
std::string_view prf_kind_name(PrfKind kind);

// prf_kind: the PRF for `version` and `suite`: tls10 below TLS 1.2, the suite's PRF hash in
// TLS 1.2. Throws hsk::Error(usage) for SSL 3.0, TLS 1.3 or an unknown version, for a TLS 1.3
// suite, a TLS 1.2-only suite (AEAD, SHA-256/384 MAC) below TLS 1.2, and for the GOST PRF.
PrfKind prf_kind(std::uint16_t version, const wire::CipherSuite& suite);

// prf returns `length` bytes of PRF(secret, label, seed); label is ASCII without a trailing
// NUL. P_hash(secret, seed) = HMAC(secret, A(1) ‖ seed) ‖ HMAC(secret, A(2) ‖ seed) ‖ ...
// with A(0) = seed, A(i) = HMAC(secret, A(i-1)). Any secret length (including 0) and any
// length work; never throws except on allocation failure.
Bytes prf(PrfKind kind, ByteView secret, std::string_view label, ByteView seed, std::size_t length);

// ---------------------------------------------------------------------------------------
// Transcript hash.

// transcript_hash_alg: the hash of the handshake messages that Finished and the extended
// master secret use: MD5 ‖ SHA-1 (36 bytes, HashAlg::md5_sha1) for tls10, SHA-256 or SHA-384
// (the PRF hash) in TLS 1.2. (A TLS 1.2 CertificateVerify signs with its own signature hash,
// which is not this one.) Incremental use: crypto::Hash(transcript_hash_alg(kind)).
HashAlg transcript_hash_alg(PrfKind kind);

// transcript_hash: the hash of `handshake_messages`, the concatenated handshake messages
// (4-byte handshake headers included, record headers and ChangeCipherSpec excluded).
Bytes transcript_hash(PrfKind kind, ByteView handshake_messages);

// ---------------------------------------------------------------------------------------
// Key schedule (RFC 5246 §8.1, §6.3, §7.4.9; RFC 7627 §4).

inline constexpr std::size_t kMasterSecretLength = 48;
inline constexpr std::size_t kRandomLength = 32;
inline constexpr std::size_t kVerifyDataLength = 12;

// master_secret = PRF(pms, "master secret", client_random ‖ server_random)[0..47].
// Throws hsk::Error(usage) when pms is empty or a random is not 32 bytes.
Bytes master_secret(PrfKind kind, ByteView pre_master_secret, ByteView client_random,
                    ByteView server_random);

// extended_master_secret = PRF(pms, "extended master secret", session_hash)[0..47], where
// session_hash = transcript_hash of the messages up to and including ClientKeyExchange
// (RFC 7627 §3). Throws hsk::Error(usage) when pms is empty or session_hash is not as long as
// transcript_hash_alg(kind)'s digest.
Bytes extended_master_secret(PrfKind kind, ByteView pre_master_secret, ByteView session_hash);

// key_block = PRF(master, "key expansion", server_random ‖ client_random)[0..length-1] — note
// the order of the randoms, the reverse of master_secret's. Throws hsk::Error(usage) when
// master is not 48 bytes or a random is not 32 bytes.
Bytes key_block(PrfKind kind, ByteView master, ByteView server_random, ByteView client_random,
                std::size_t length);

// KeyBlock: the key block cut into its parts, in the order RFC 5246 §6.3 draws them. A part
// the suite does not use is empty: MAC keys for AEAD suites; IVs for stream ciphers, for CBC
// in TLS 1.1 and 1.2 (explicit per-record IVs) — CBC IVs come from the key block only in
// TLS 1.0. AEAD IVs are the fixed (implicit) part of the nonce: 4 bytes for AES-GCM and
// AES-CCM (RFC 5288, RFC 6655), 12 for ChaCha20-Poly1305 (RFC 7905).
struct KeyBlock {
  Bytes client_write_mac_key;
  Bytes server_write_mac_key;
  Bytes client_write_key;
  Bytes server_write_key;
  Bytes client_write_iv;
  Bytes server_write_iv;
  bool operator==(const KeyBlock&) const = default;
};

// key_block_length: 2 × (MAC key + key + IV) for `suite` at `version`, as above.
// Throws hsk::Error(usage) for the cases prf_kind refuses (except the GOST PRF) and for export
// suites (their extra RFC 2246 §6.3 expansion is not implemented).
std::size_t key_block_length(const wire::CipherSuite& suite, std::uint16_t version);

// split_key_block cuts `block` (exactly key_block_length(suite, version) bytes, else
// hsk::Error(usage)) into a KeyBlock.
KeyBlock split_key_block(const wire::CipherSuite& suite, std::uint16_t version, ByteView block);

// verify_data = PRF(master, "client finished" | "server finished", handshake_hash)[0..11]
// where handshake_hash = transcript_hash of every handshake message before this Finished.
// Throws hsk::Error(usage) when master is not 48 bytes or handshake_hash has the wrong length.
// Compare a received verify_data with crypto::ct_equal.
Bytes verify_data(PrfKind kind, ByteView master, bool client, ByteView handshake_hash);

// nss_keylog_line: "CLIENT_RANDOM <client_random hex> <master hex>" (no newline), the NSS
// key-log format Wireshark, tshark and OpenSSL's -keylogfile use. Throws hsk::Error(usage) on
// wrong lengths.
std::string nss_keylog_line(ByteView client_random, ByteView master);

// ---------------------------------------------------------------------------------------
// RSA key exchange (RFC 5246 §7.4.7.1).

inline constexpr std::size_t kRsaPreMasterLength = 48;

// make_rsa_pms: client_version (big-endian) ‖ 46 random bytes.
Bytes make_rsa_pms(std::uint16_t client_version, Rng& rng);

// rsa_encrypt_pms: RSAES-PKCS1-v1_5 (RFC 8017 §7.2.1) encryption of `pms` to `key`: EM =
// 00 02 PS 00 pms with PS non-zero random bytes, raised to e mod n; the result is exactly |n|
// bytes. Throws hsk::Error(usage) when the key is not RSA or pms is longer than |n| - 11,
// hsk::Error(malformed) when the key is unusable (even modulus, e out of range, < 512 bits).
Bytes rsa_encrypt_pms(const PublicKey& key, ByteView pms, Rng& rng);

// rsa_decrypt_pms: the server's side of the RSA key exchange with the RFC 5246 §7.4.7.1
// countermeasure against Bleichenbacher's attack and its version-check variant. It
//   1. draws 46 random bytes R from `rng` first (always, and before anything else), and sets
//      the fallback F = client_version ‖ R;
//   2. when `encrypted` is not exactly |n| bytes, or as an integer is not below n, returns F —
//      those facts are public, so this is a plain branch, but it is not an error;
//   3. otherwise computes the raw RSA private operation m = c^d mod n with Crypto++'s blinded
//      CalculateInverse (not RSAES_PKCS1v15_Decryptor, which branches on the padding), encoded
//      as EM of |n| bytes, and checks — with masks, no branch, no early exit and no memory
//      access whose address depends on EM — that EM = 00 02 PS 00 M with PS at least 8
//      non-zero bytes, the first zero byte after PS at the place that makes M exactly 48
//      bytes, and M[0..1] = client_version;
//   4. returns, byte by byte with the resulting mask, M when every check held and F otherwise.
// So every padding, length or version fault yields F through the same code path: no error,
// no exception, and a result that only the real client could predict. A version mismatch also
// yields F (as OpenSSL does; RFC 5246 would keep M[2..47]) — either way the handshake fails at
// Finished. `client_version` is the ClientHello's client_version, not the negotiated version;
// there is no exception for old clients that send the negotiated version.
// Limits: Crypto++'s Integer arithmetic is not constant-time. Blinding makes the private
// exponentiation work on a value unrelated to c; the unblinding, Crypto++'s check that
// m^e = c, and the conversion of m to EM (Integer::Encode) are not audited for timing.
// Throws only for a bad key (usage: not RSA or missing CRT values; malformed: inconsistent)
// or an internal Crypto++ failure — never on account of `encrypted`.
Bytes rsa_decrypt_pms(const PrivateKey& key, ByteView encrypted, std::uint16_t client_version,
                      Rng& rng);

// rsa_decrypt_fixed_length: the same countermeasure for a message of known length and
// without the version check: returns M when `encrypted` is a valid RSAES-PKCS1-v1_5
// ciphertext whose message is exactly fallback.size() bytes, else a copy of `fallback`, with
// steps 2-4 above. rsa_decrypt_pms is this with F = client_version ‖ R plus the version
// check. `rng` only feeds the blinding. Throws as rsa_decrypt_pms.
Bytes rsa_decrypt_fixed_length(const PrivateKey& key, ByteView encrypted, ByteView fallback,
                               Rng& rng);

// ---------------------------------------------------------------------------------------
// Finite-field Diffie-Hellman (RFC 5246 §8.1.2, ServerDHParams §7.4.3).

// KexKeyPair: an ephemeral key pair. DH: private x and public Y = g^x mod p, minimal
// big-endian. P-256/P-384: private scalar (32/48 bytes) and the uncompressed point. X25519:
// 32-byte clamped private key and 32-byte public u-coordinate.
struct KexKeyPair {
  Bytes private_key;
  Bytes public_key;
};

// dh_generate makes a key pair on (p, g), with q empty when unknown (TLS 1.2 does not send
// it). The exponent policy is crypto::generate_dh's: x in [2, q-2] when q is known, else a
// random x of twice the security strength of |p| bits (224 for 2048-bit p). Throws
// hsk::Error(check_failed, illegal_parameter) when p is even or below 64 bits or g is not in
// [2, p-2].
KexKeyPair dh_generate(ByteView p, ByteView g, ByteView q, Rng& rng);

// dh_agree returns Z = peer_y^x mod p as the TLS pre-master secret: big-endian with its
// leading zero bytes stripped (RFC 5246 §8.1.2). Checks the peer's value first: 1 < Y < p-1,
// and Y^q = 1 mod p when q is non-empty; refuses Z = 1 (SP 800-56A §5.7.1.1). Throws
// hsk::Error(check_failed, illegal_parameter) for those, for an even p or p < 5;
// hsk::Error(usage) when x is zero. Not constant-time (Crypto++ exponentiation).
Bytes dh_agree(ByteView p, ByteView x, ByteView peer_y, ByteView q = {});

// ---------------------------------------------------------------------------------------
// ECDH (RFC 8422 §5.10, §5.11; RFC 7748).

// EcdhGroup: the groups hsk agrees on, valued as their TLS NamedGroup codes.
enum class EcdhGroup : std::uint16_t { secp256r1 = 23, secp384r1 = 24, x25519 = 29 };

// ecdh_group_from_code: the group of a NamedGroup code, or nullopt for any other code.
std::optional<EcdhGroup> ecdh_group_from_code(std::uint16_t code);
// ecdh_group_name: "secp256r1", "secp384r1", "x25519".
std::string_view ecdh_group_name(EcdhGroup group);
// ecdh_public_length: 65, 97, 32. ecdh_secret_length: 32, 48, 32.
std::size_t ecdh_public_length(EcdhGroup group);
std::size_t ecdh_secret_length(EcdhGroup group);

// ecdh_generate makes an ephemeral key pair (see KexKeyPair).
KexKeyPair ecdh_generate(EcdhGroup group, Rng& rng);

// ecdh_agree returns the shared secret, which TLS uses as the pre-master secret as is, with
// its leading zeros (unlike DH): for P-256/P-384 the x-coordinate of private × peer point,
// 32/48 bytes; for X25519 the 32-byte X25519(private, peer) of RFC 7748 §5.
// Peer points, P-256/P-384: only the uncompressed form 04 ‖ X ‖ Y is accepted (RFC 8422
// §5.1.2 deprecates the compressed forms and hsk offers only "uncompressed"); another length
// or first byte: hsk::Error(malformed, decode_error); a compressed point, a point off the
// curve or X, Y not below the field prime: hsk::Error(check_failed, illegal_parameter).
// The point at infinity (SEC 1 encodes it as the single byte 00) is refused as malformed.
// X25519: the peer value must be 32 bytes (else malformed); its top bit is ignored and
// non-canonical values are reduced (RFC 7748 §5); an all-zero result — a peer value of small
// order — is refused with hsk::Error(check_failed, illegal_parameter) (RFC 8422 §5.11, RFC 7748
// §6.1). Points on the twist are accepted (X25519 is defined on them).
// Timing: X25519 is constant-time (curve25519-donna); Crypto++'s P-256/P-384 scalar
// multiplication is not.
// Our private key: P-256/P-384 any big-endian length with value in [1, order-1]; X25519
// exactly 32 bytes (clamped here); else hsk::Error(usage).
Bytes ecdh_agree(EcdhGroup group, ByteView private_key, ByteView peer_public);

}  // namespace hsk::crypto
