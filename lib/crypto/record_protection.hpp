// hsk::crypto record protection — the TLS 1.0-1.2 record layer's cryptography: turning a
// TLSPlaintext fragment into a TLSCiphertext fragment (seal) and back (open), for one
// direction of one connection.
//
// Suites (record_protection_supported says yes for exactly these):
//   - AES-128-CBC / AES-256-CBC with HMAC-SHA1, HMAC-SHA256 or HMAC-SHA384, "MAC-then-encrypt"
//     (RFC 5246 §6.2.3.2) or encrypt_then_mac (RFC 7366). TLS 1.0 chains the IV from the last
//     ciphertext block of the previous record (RFC 2246 §6.2.3.2); TLS 1.1 and 1.2 send a fresh
//     random IV in front of each record (RFC 4346 §6.2.3.2).
//   - AES-128-GCM / AES-256-GCM (RFC 5288, TLS 1.2 only): nonce = 4-byte implicit salt ‖ 8-byte
//     explicit part, sent in front. seal() uses the sequence number as the explicit part (RFC
//     5288 §3 allows it; BoringSSL and GnuTLS do so; OpenSSL 3 starts at a random value and
//     counts up); open() accepts whatever explicit part the peer sent.
//   - ChaCha20-Poly1305 (RFC 7905, TLS 1.2 only): nonce = 12-byte IV XOR the left-padded
//     sequence number; no explicit nonce on the wire.
// AEAD additional data = seq_num(8) ‖ type(1) ‖ version(2) ‖ plaintext length(2) (RFC 5246
// §6.2.3.3). Not supported (hsk::Error(usage), naming the suite): NULL, RC4, 3DES, DES, IDEA,
// SEED, Camellia, ARIA, AES-CCM, SM4, GOST, export and TLS 1.3 suites; SSL 3.0 and TLS 1.3.
//
// Errors from open() — what a peer alert would say (RFC 5246 §7.2.2):
//   check_failed, bad_record_mac (20): any authentication fault — a wrong MAC or tag, bad CBC
//     padding, a CBC ciphertext whose length is not a multiple of the block size. Bad padding and
//     a bad MAC take the same code path and throw the same message
//     ("record: bad record MAC (or padding)");
//   check_failed, record_overflow (22): a fragment over 2^14 + 2048 bytes (RFC 5246 §6.2.3), or
//     a plaintext over 2^14 bytes (AEAD: known from the length before decryption; CBC: after
//     the MAC check);
//   malformed, decode_error (50): a fragment shorter than the smallest valid one for the suite
//     (AEAD: explicit nonce + tag; CBC: [IV] + one block that holds the MAC and a padding byte;
//     EtM: [IV] + one block + MAC).
// Those length facts are public (they are on the wire), so they are plain branches.
//
// Constant time, honestly: for MAC-then-encrypt CBC, open() follows the Lucky13
// countermeasure of BoringSSL's tls_cbc.cc. After decryption (which is length-public) the
// padding is checked with masks over the last min(256, length) bytes without any early exit;
// a bad padding is treated as padding length 0 so the same work follows; the HMAC inner hash
// runs over the public prefix normally and over the secret-length tail by compressing every
// block up to the public maximum and keeping the right state with masks (the SHA compression
// functions are Crypto++'s); the received MAC is copied out of the secret position by scanning
// the whole possible window with masks; the compare is mask based. So the sequence of
// operations and memory addresses does not depend on the padding length or its validity. Not
// audited: Crypto++'s AES (it uses AES-NI when the CPU has it, a table implementation
// otherwise — the table one is cache-timing sensitive), the compiler's treatment of the mask
// code (ct_value_barrier limits it), and exception handling after the decision (the one
// branch at the end). encrypt_then_mac checks the MAC over public data first and only then
// decrypts; the AEADs (Crypto++'s DecryptAndVerify) decrypt while authenticating the public
// ciphertext and hand out the plaintext only when the tag verifies. Neither needs such care
// (Crypto++'s GHASH uses PCLMUL when present, tables otherwise).
//
// State between steps (a state file): a direction is its RecordKeys plus seq() and, for TLS
// 1.0 CBC, cbc_iv(). Save those three; restore with RecordProtection(keys, direction),
// set_seq() and set_cbc_iv(). open() changes nothing when it fails.
//
// Secrets: RecordKeys holds keys; nothing here prints. Crypto++ stays in the .cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "crypto/crypto.hpp"
#include "crypto/tls_crypto.hpp"
#include "hsk/bytes.hpp"
#include "wire/record.hpp"
#include "wire/registry.hpp"

namespace hsk::crypto {

// ---------------------------------------------------------------------------------------
// Which suites.

// record_protection_supported: whether RecordProtection handles `suite` at `version`
// (0x0301-0x0303; TLS 1.2-only suites only at 0x0303). See the list above.
bool record_protection_supported(const wire::CipherSuite& suite, std::uint16_t version);

// require_record_protection throws hsk::Error(usage) when !record_protection_supported, with a
// message that names the suite, the version and why ("3DES_EDE_CBC: not supported by hsk's
// record layer (AES-CBC, AES-GCM and ChaCha20-Poly1305 are)").
void require_record_protection(const wire::CipherSuite& suite, std::uint16_t version);

// ---------------------------------------------------------------------------------------
// Keys of one direction.

// RecordKeys: what one direction of a connection is keyed with. `suite` points into the
// registry (wire::find_cipher_suite). mac_key is empty for AEAD suites; iv is the TLS 1.0 CBC
// IV (16 bytes), the AES-GCM salt (4), the ChaCha20-Poly1305 IV (12), or empty (CBC in TLS
// 1.1/1.2). encrypt_then_mac applies to CBC suites only (RFC 7366 §3: it has no meaning for
// AEAD) and is ignored otherwise.
struct RecordKeys {
  const wire::CipherSuite* suite = nullptr;
  std::uint16_t version = 0x0303;
  Bytes mac_key;
  Bytes enc_key;
  Bytes iv;
  bool encrypt_then_mac = false;
};

// record_keys picks the client-write (client_write = true) or server-write half of a split key
// block (crypto::split_key_block) for `suite` at `version`. A client seals with
// record_keys(..., true, ...) and opens with (..., false, ...); a server the other way round.
// Throws hsk::Error(usage) when the suite is not supported (require_record_protection) or the
// parts do not have the suite's lengths.
RecordKeys record_keys(const wire::CipherSuite& suite, std::uint16_t version, const KeyBlock& keys,
                       bool client_write, bool encrypt_then_mac);

// ---------------------------------------------------------------------------------------
// RecordProtection: one direction's record state (RFC 5246 §6.1: keys, IV, sequence number).

class RecordProtection {
 public:
  enum class Direction { seal, open };

  // Sizes (RFC 5246 §6.2).
  static constexpr std::size_t kMaxPlaintext = 1u << 14;
  static constexpr std::size_t kMaxFragment = (1u << 14) + 2048;

  // RecordProtection keys one direction with sequence number 0: its Crypto++ cipher and MAC
  // objects are keyed here, once, and serve every record. Throws hsk::Error(usage) when the
  // suite is not supported, or a key, MAC key or IV does not have the suite's length.
  RecordProtection(const RecordKeys& keys, Direction direction);
  RecordProtection(RecordProtection&&) noexcept;
  RecordProtection& operator=(RecordProtection&&) noexcept;
  RecordProtection(const RecordProtection&) = delete;
  RecordProtection& operator=(const RecordProtection&) = delete;
  ~RecordProtection();

  const wire::CipherSuite& suite() const;
  std::uint16_t version() const;
  Direction direction() const;
  bool encrypt_then_mac() const;  // false for AEAD suites whatever the keys said

  // seq: the sequence number of the next record (RFC 5246 §6.1). set_seq restores it (from a
  // state file).
  std::uint64_t seq() const;
  void set_seq(std::uint64_t seq);

  // cbc_iv: the IV the next TLS 1.0 CBC record uses (the last ciphertext block of the previous
  // one, or the key block's IV); empty for every other suite and version. set_cbc_iv restores
  // it; hsk::Error(usage) when it is not 16 bytes for TLS 1.0 CBC or not empty otherwise.
  Bytes cbc_iv() const;
  void set_cbc_iv(ByteView iv);

  // seal protects one record: returns the fragment that follows the 5-byte record header
  // (whose length field is the returned size), and advances the sequence number. The MAC/AAD
  // covers `content_type` and version() as the header carries them. `rng` supplies the TLS
  // 1.1/1.2 CBC explicit IV (16 bytes per record) and is not used otherwise. Throws
  // hsk::Error(usage) when this object opens, when the plaintext exceeds 2^14 bytes, or when
  // the sequence number is 2^64 - 1 (RFC 5246 §6.1: it must not wrap; renegotiate).
  Bytes seal(std::uint8_t content_type, ByteView plaintext, Rng& rng);

  // open checks and decrypts one record's fragment, `content_type` and `record_version` being
  // the header's (the MAC/AAD covers them as received; checking the version against the
  // negotiated one is the caller's business). Returns the plaintext (possibly empty) and
  // advances the sequence number; on any error the sequence number (and the TLS 1.0 IV) stays
  // as it was. Errors: see the top of this file. Also hsk::Error(usage) when this object seals
  // or the sequence number is 2^64 - 1.
  Bytes open(std::uint8_t content_type, std::uint16_t record_version, ByteView fragment);

  // seal_records: `plaintext` cut into fragments of at most 2^14 bytes (one empty record when
  // it is empty), each sealed and framed with its 5-byte record header (content_type,
  // version(), length): the bytes to write to the peer. Throws as seal (except for the size).
  Bytes seal_records(std::uint8_t content_type, ByteView plaintext, Rng& rng);

  // open (record form): open(rec.content_type, rec.version, rec.fragment) for a record read by
  // wire::decode_record.
  Bytes open(const wire::Record& rec) { return open(rec.content_type, rec.version, rec.fragment); }

  // overhead: the largest number of bytes seal() adds to a plaintext (explicit IV or nonce, MAC
  // or tag, padding).
  std::size_t overhead() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------------------
// The primitives underneath, exposed for known-answer tests (Wycheproof): each keys the same
// Crypto++ wrapper RecordProtection uses and calls it once. All throw hsk::Error(usage) on
// wrong key, nonce or IV lengths; none throws on account of the data.

inline constexpr std::size_t kAeadTagLength = 16;

// aes_gcm_seal: AES-GCM (NIST SP 800-38D) with a 16-, 24- or 32-byte key, a 12-byte nonce and
// a 16-byte tag; returns ciphertext ‖ tag.
Bytes aes_gcm_seal(ByteView key, ByteView nonce, ByteView aad, ByteView plaintext);
// aes_gcm_open: the plaintext of ciphertext ‖ tag, or nullopt when the tag does not verify (or
// the input is shorter than a tag).
std::optional<Bytes> aes_gcm_open(ByteView key, ByteView nonce, ByteView aad,
                                  ByteView ciphertext_and_tag);

// chacha20_poly1305_seal / _open: the RFC 8439 AEAD (32-byte key, 12-byte nonce, 16-byte tag),
// same conventions as AES-GCM.
Bytes chacha20_poly1305_seal(ByteView key, ByteView nonce, ByteView aad, ByteView plaintext);
std::optional<Bytes> chacha20_poly1305_open(ByteView key, ByteView nonce, ByteView aad,
                                            ByteView ciphertext_and_tag);

// aes_cbc_encrypt / aes_cbc_decrypt: raw AES-CBC without padding (16-, 24- or 32-byte key,
// 16-byte IV). hsk::Error(usage) when the data is not a multiple of 16 bytes.
Bytes aes_cbc_encrypt(ByteView key, ByteView iv, ByteView data);
Bytes aes_cbc_decrypt(ByteView key, ByteView iv, ByteView data);

// hmac_secret_length computes HMAC-alg(key, header ‖ data[0..data_length)) where data_length
// is secret and data.size() public, in the Lucky13-resistant way described at the top (the
// work and memory accesses depend on header.size(), data.size() and the key length only).
// alg: sha1, sha256 or sha384; else hsk::Error(usage). Also usage when data_length >
// data.size(). Exposed so the tests can compare it with crypto::hmac for every length.
Bytes hmac_secret_length(HashAlg alg, ByteView key, ByteView header, ByteView data,
                         std::size_t data_length);

}  // namespace hsk::crypto
