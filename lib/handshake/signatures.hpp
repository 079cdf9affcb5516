// hsk::handshake signatures — the handshake's digital signatures (RFC 5246 §4.7, §7.4.1.4.1,
// §7.4.3, §7.4.8; RFC 4346/2246 §7.4.3 for TLS 1.0/1.1; RFC 8446 §4.2.3 for the RSA-PSS
// codes TLS 1.2 peers use): which algorithm signs, what bytes are signed, and the check.
//
// The bytes signed are always the bytes that crossed the wire (STYLE.md habit 5): the
// ServerKeyExchange params as received (wire::server_params_bytes), the transcript as kept in
// the state. crypto::sign/verify hash them with the algorithm's hash; TLS 1.0/1.1 RSA uses
// the 36-byte MD5 ‖ SHA-1 digest without DigestInfo (crypto::rsa_pkcs1_md5_sha1), DSA and
// ECDSA SHA-1.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/crypto.hpp"
#include "hsk/bytes.hpp"
#include "wire/messages.hpp"

namespace hsk::handshake {

// signature_algorithm_of maps a TLS 1.2 SignatureAndHashAlgorithm / SignatureScheme code to
// the crypto algorithm: 0x0201 rsa_pkcs1_sha1, 0x0301 rsa_pkcs1_sha224 (and 0x0302 dsa_sha224,
// 0x0303 ecdsa_sha224: the SHA-224 pairs of RFC 5246 that OpenSSL still offers and may sign
// with), 0x0401/0x0501/0x0601 rsa_pkcs1_sha256/384/512,
// 0x0804/0x0805/0x0806 rsa_pss_rsae_sha256/384/512 (and 0x0809-0x080b rsa_pss_pss_*, which
// verify the same way), 0x0202 dsa_sha1, 0x0402 dsa_sha256, 0x0203 ecdsa_sha1,
// 0x0403/0x0503/0x0603 ecdsa_secp256r1_sha256 / secp384r1_sha384 / secp521r1_sha512 (in
// TLS 1.2 the curve is not bound by the code). nullopt for any other code.
std::optional<crypto::SignatureAlgorithm> signature_algorithm_of(std::uint16_t scheme);

// scheme_of is the inverse for the algorithms that have a TLS 1.2 code (rsa_pss_* map to the
// rsae codes); nullopt for rsa_pkcs1_md5_sha1.
std::optional<std::uint16_t> scheme_of(crypto::SignatureAlgorithm alg);

// legacy_signature_algorithm: what TLS 1.0/1.1 sign with (no algorithm field on the wire):
// RSA rsa_pkcs1_md5_sha1, DSA dsa_sha1, EC ecdsa_sha1. Throws hsk::Error(usage) for DH keys.
crypto::SignatureAlgorithm legacy_signature_algorithm(crypto::KeyType type);

// choose_signature_scheme picks the TLS 1.2 scheme a key of `type` signs with, given the
// peer's list (`offered`: ClientHello signature_algorithms for a ServerKeyExchange,
// CertificateRequest supported_signature_algorithms for a CertificateVerify; nullopt when the
// peer sent none, which RFC 5246 §7.4.1.4.1 reads as {sha1, <key type>}). It takes the first
// code in the peer's order that this key type can make with SHA-256 or a stronger hash, and
// only when there is none the first with SHA-1 or SHA-224 (OpenSSL lists dsa_sha224 before
// dsa_sha256). Throws hsk::Error(check_failed,
// alert handshake_failure) naming the key type and the list when none fits.
std::uint16_t choose_signature_scheme(crypto::KeyType type,
                                      const std::optional<std::vector<std::uint16_t>>& offered);

// ske_signed_data: client_random ‖ server_random ‖ params (RFC 5246 §7.4.3), the bytes a
// ServerKeyExchange signature covers.
Bytes ske_signed_data(ByteView client_random, ByteView server_random, ByteView params);

// sign_handshake signs `data` for the wire: at TLS 1.2 with `scheme` (which must fit the
// key: else hsk::Error(usage)) and the algorithm field set; below TLS 1.2 with
// legacy_signature_algorithm and no algorithm field (`scheme` ignored).
wire::DigitallySigned sign_handshake(const crypto::PrivateKey& key, std::uint16_t version,
                                     std::uint16_t scheme, ByteView data, crypto::Rng& rng);

// SignatureCheck is the outcome of verify_handshake_signature.
struct SignatureCheck {
  bool valid = false;
  std::optional<crypto::SignatureAlgorithm> algorithm;  // what was (or would be) checked
  std::string algorithm_name;  // e.g. "rsa_pss_rsae_sha256 (0x0804)", "RSA PKCS#1 MD5+SHA-1"
  std::string reason;          // when !valid: "signature does not verify", "the server's key is
                               // EC but the algorithm is rsa_pkcs1_sha256", "unknown scheme
                               // 0x0808", "TLS 1.2 signature without an algorithm field", ...
};

// verify_handshake_signature checks `sig` over `data` with `key` at `version`. A missing or
// unknown algorithm, an algorithm that does not fit the key, and a signature that does not
// verify all return valid = false with the reason; it throws only hsk::Error(malformed) for an
// unusable public key.
SignatureCheck verify_handshake_signature(const crypto::PublicKey& key, std::uint16_t version,
                                          const wire::DigitallySigned& sig, ByteView data);

}  // namespace hsk::handshake
