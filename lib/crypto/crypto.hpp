// hsk::crypto — the one door to Crypto++ (STYLE.md habit 7).
//
// Only lib/crypto/*.cpp include <cryptopp/...>; nothing here exposes a Crypto++ type. Every
// Crypto++ exception is caught inside and rethrown as hsk::Error. Numbers cross this door as
// unsigned big-endian byte strings (Bytes) with no leading zero bytes (the value 0 is {0x00}),
// except where a fixed width is stated (EC scalars and points).
//
// What lives where:
//   crypto.hpp (this file; crypto.cpp: Rng, hashes, integers; pubkey.cpp: keys, signatures):
//     Rng, hashes, HMAC, a few big-integer helpers, the key model, key generation,
//     key checks, signatures.
//   pki/keys.hpp: the same keys in OpenSSL's file formats (PKCS#8, PKCS#1, SEC1, SPKI, PEM/DER).
//   lib/crypto/dh_math.{hpp,cpp} (owned by the DH-parameters engineer): prime/parameter
//     generation beyond what is here (sieves, safe primes, parallel search). That file may
//     include Crypto++ and is the right place for further DH big-integer work.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "hsk/bytes.hpp"

namespace hsk::crypto {

// ---------------------------------------------------------------------------------------
// Randomness (STYLE.md habit 9). Every function that needs randomness takes an Rng&.

// Rng is a source of random bytes. An Rng object is NOT thread-safe: give each thread its
// own (see child_rng). fill never fails for the provided implementations (system_rng throws
// hsk::Error(io) if the OS refuses randomness).
class Rng {
 public:
  virtual ~Rng() = default;
  virtual void fill(std::uint8_t* out, std::size_t n) = 0;
  // bytes returns n fresh random bytes.
  Bytes bytes(std::size_t n);
};

// system_rng returns a new Rng over the operating system's randomness (Crypto++
// AutoSeededRandomPool, seeded from /dev/urandom).
std::unique_ptr<Rng> system_rng();

// seeded_rng returns a deterministic Rng: the AES-256-CTR keystream (zero IV) under the key
// SHA-256("hsk seeded_rng v1" || seed). The same seed gives the same stream on every machine
// and build (keys generated from it are reproducible as long as Crypto++'s key generation
// consumes the stream the same way, i.e. for one Crypto++ version). UNSAFE outside tests and
// demos: anyone who knows the seed knows every key.
std::unique_ptr<Rng> seeded_rng(std::string_view seed);

// child_rng returns an independent Rng seeded with 32 bytes drawn from `parent`. A seeded
// parent gives reproducible children (draw them in a fixed order, e.g. one per worker
// thread before starting the threads); a system parent gives system-quality children.
std::unique_ptr<Rng> child_rng(Rng& parent);

// ---------------------------------------------------------------------------------------
// Hashes and HMAC.

// HashAlg names the digests TLS 1.0-1.2 and X.509 use. md5_sha1 is the 36-byte
// MD5(m) || SHA-1(m) of TLS 1.0/1.1 (RFC 2246 §7.4.3); it has no HMAC.
enum class HashAlg { md5, sha1, sha224, sha256, sha384, sha512, md5_sha1 };

// hash_size is the digest length in bytes (16, 20, 28, 32, 48, 64, 36).
std::size_t hash_size(HashAlg alg);
// hash_name is "MD5", "SHA-1", "SHA-224", "SHA-256", "SHA-384", "SHA-512", "MD5+SHA-1".
std::string_view hash_name(HashAlg alg);

// hash returns the digest of `data`.
Bytes hash(HashAlg alg, ByteView data);

// Hash is an incremental digest that can be copied mid-stream (for transcript hashes: copy,
// finish the copy, keep updating the original).
class Hash {
 public:
  explicit Hash(HashAlg alg);
  Hash(const Hash& other);
  Hash& operator=(const Hash& other);
  Hash(Hash&&) noexcept;
  Hash& operator=(Hash&&) noexcept;
  ~Hash();
  HashAlg alg() const { return alg_; }
  void update(ByteView data);
  // finish returns the digest of everything updated so far and resets to the empty state.
  Bytes finish();

 private:
  struct Impl;
  HashAlg alg_;
  std::unique_ptr<Impl> impl_;
};

// hmac returns HMAC-alg(key, data) (RFC 2104). Throws hsk::Error(usage) for md5_sha1.
Bytes hmac(HashAlg alg, ByteView key, ByteView data);

// ct_equal compares in time that depends only on the lengths.
bool ct_equal(ByteView a, ByteView b);

// ---------------------------------------------------------------------------------------
// Big-integer helpers (unsigned big-endian). Deliberately few; see dh_math above.

// is_probable_prime runs trial division by small primes and then `rounds` Miller-Rabin rounds
// with random bases (Crypto++ IsPrime/RabinMillerTest). False for 0 and 1.
bool is_probable_prime(ByteView n, int rounds = 40);

// mod_exp returns base^exp mod mod, minimal-length (0 is {0x00}). Throws hsk::Error(usage)
// when mod is 0.
Bytes mod_exp(ByteView base, ByteView exp, ByteView mod);

// random_range returns a uniformly random integer in [lo, hi] (minimal length). Throws
// hsk::Error(usage) when lo > hi.
Bytes random_range(Rng& rng, ByteView lo, ByteView hi);

// compare_int compares two unsigned big-endian integers (leading zeros ignored): <0, 0, >0.
int compare_int(ByteView a, ByteView b);

// bit_length of an unsigned big-endian integer (0 for zero).
std::size_t bit_length(ByteView n);

// minimal strips leading zero bytes (keeps one byte for zero); left_pad pads with zeros to
// `width` bytes (throws hsk::Error(usage) when the value does not fit).
Bytes minimal(ByteView n);
Bytes left_pad(ByteView n, std::size_t width);

// ---------------------------------------------------------------------------------------
// The key model. Plain data: the formats live in pki/keys.hpp.

enum class KeyType { rsa, dsa, ec, dh };
std::string_view key_type_name(KeyType t);  // "RSA", "DSA", "EC", "DH"

// Curve: the named curves hsk signs with (RFC 8422 secp256r1 = prime256v1 = P-256, secp384r1).
enum class Curve { p256, p384 };
std::string_view curve_name(Curve c);      // "P-256", "P-384"
std::string_view curve_sec_name(Curve c);  // "prime256v1", "secp384r1" (OpenSSL's names)
std::size_t curve_bytes(Curve c);          // 32, 48: scalar and coordinate width

// DhOid: which OID a DH key travels under. dh_key_agreement (PKCS#3, 1.2.840.113549.1.3.1)
// carries (p, g [, privateValueLength]); dh_public_number (X9.42/RFC 3279,
// 1.2.840.10046.2.1) carries (p, g, q [, j]). OpenSSL calls the second "DHX".
enum class DhOid { dh_key_agreement, dh_public_number };

// DhParams: finite-field DH domain parameters as a key carries them. q and j are empty when
// absent; private_value_length is 0 when absent. (X9.42 validationParms are read and dropped,
// as OpenSSL does in keys.)
struct DhParams {
  Bytes p, g, q, j;
  std::uint64_t private_value_length = 0;
  bool operator==(const DhParams&) const = default;
};

struct RsaPublic {
  Bytes n, e;
  bool operator==(const RsaPublic&) const = default;
};
struct DsaPublic {
  Bytes p, q, g, y;
  bool operator==(const DsaPublic&) const = default;
};
struct EcPublic {
  Curve curve = Curve::p256;
  Bytes point;  // uncompressed: 0x04 || X || Y, each curve_bytes wide
  bool operator==(const EcPublic&) const = default;
};
struct DhPublic {
  DhOid oid = DhOid::dh_key_agreement;
  DhParams params;
  Bytes y;
  bool operator==(const DhPublic&) const = default;
};

// PublicKey: `type` says which one member is filled; the others stay empty.
struct PublicKey {
  KeyType type = KeyType::rsa;
  RsaPublic rsa;
  DsaPublic dsa;
  EcPublic ec;
  DhPublic dh;
  bool operator==(const PublicKey&) const = default;
};

struct RsaPrivate {
  Bytes d, p, q, dp, dq, qinv;
  bool operator==(const RsaPrivate&) const = default;
};

// PrivateKey: the public part plus the secret. For RSA the secret is `rsa`; for DSA and DH
// it is `x` (minimal length); for EC it is `x` = the private scalar, curve_bytes wide.
struct PrivateKey {
  PublicKey pub;
  RsaPrivate rsa;
  Bytes x;
  KeyType type() const { return pub.type; }
  bool operator==(const PrivateKey&) const = default;
};

// key_bits: RSA |n|, DSA/DH |p|, EC the curve's order size (256, 384).
std::size_t key_bits(const PublicKey& key);

// ---------------------------------------------------------------------------------------
// Key generation. All throw hsk::Error(usage) on unsupported sizes.

// generate_rsa: bits in {1024, 2048, 3072, 4096} (1024 for tests only), e = 65537, two primes
// (Crypto++ InvertibleRSAFunction::Initialize(rng, bits, 65537)).
PrivateKey generate_rsa(Rng& rng, unsigned bits);

// generate_dsa: FIPS 186-4 sizes (L, N) in {(1024, 160), (2048, 224), (2048, 256),
// (3072, 256)}; fresh domain parameters and a key pair.
PrivateKey generate_dsa(Rng& rng, unsigned p_bits, unsigned q_bits);

// generate_ec: a key pair on `curve`.
PrivateKey generate_ec(Rng& rng, Curve curve);

// generate_dh: a key pair on given parameters (not checked here: validate them first).
// With q: x uniform in [2, q-2]. Without q: x has private_value_length bits when given, else
// 2 * (security strength of |p|, SP 800-57) bits with the top bit set, and x < p-1. y = g^x mod p.
// Throws hsk::Error(usage) when p or g is empty or g not in [2, p-2].
PrivateKey generate_dh(Rng& rng, const DhParams& params, DhOid oid);

// ---------------------------------------------------------------------------------------
// Key checks.

// ec_decode_point validates `encoded` (uncompressed 04||X||Y or compressed 02/03||X) as a point
// on `curve`, not infinity, and returns it uncompressed. Throws hsk::Error(malformed).
Bytes ec_decode_point(Curve curve, ByteView encoded);

// ec_public_from_private returns the uncompressed public point scalar*G. Throws
// hsk::Error(malformed) when the scalar is 0 or >= the group order.
Bytes ec_public_from_private(Curve curve, ByteView scalar);

// check_private_key checks a key's internal consistency, like `openssl pkey -check`: RSA
// n = pq, d, CRT values, primes probable; DSA/DH y = g^x mod p and ranges; EC point on the
// curve and equal to x*G. Throws hsk::Error(check_failed) naming what is wrong.
void check_private_key(const PrivateKey& key);

// check_public_key checks ranges and (EC) curve membership; cheap, no primality tests.
// Throws hsk::Error(check_failed).
void check_public_key(const PublicKey& key);

// ---------------------------------------------------------------------------------------
// Signatures (RFC 8017, FIPS 186-4, RFC 5246 §4.7, RFC 3279).

enum class SignatureAlgorithm {
  rsa_pkcs1_md5_sha1,  // TLS 1.0/1.1: PKCS#1 v1.5 type 1 padding over MD5||SHA-1, no DigestInfo
  rsa_pkcs1_sha1,
  rsa_pkcs1_sha224,  // TLS 1.2 code 0x0301 (OpenSSL still offers the SHA-224 pairs)
  rsa_pkcs1_sha256,
  rsa_pkcs1_sha384,
  rsa_pkcs1_sha512,
  rsa_pss_sha256,  // RSASSA-PSS, MGF1 with the same hash, salt length = hash length
  rsa_pss_sha384,
  rsa_pss_sha512,
  dsa_sha1,
  dsa_sha224,
  dsa_sha256,
  ecdsa_sha1,
  ecdsa_sha224,
  ecdsa_sha256,
  ecdsa_sha384,
  ecdsa_sha512,
};

// signature_key_type: the key type an algorithm needs; signature_hash: the hash it uses.
KeyType signature_key_type(SignatureAlgorithm alg);
HashAlg signature_hash(SignatureAlgorithm alg);
// signature_algorithm_name: e.g. "rsa_pkcs1_sha256", "ecdsa_sha384" (TLS-ish spelling).
std::string_view signature_algorithm_name(SignatureAlgorithm alg);

// sign hashes `message` with the algorithm's hash and signs it. DSA and ECDSA signatures are
// DER SEQUENCE { r INTEGER, s INTEGER } as X.509 and TLS carry them; RSA ones are |n| bytes.
// Throws hsk::Error(usage) when the key type does not fit the algorithm (or a DH key).
Bytes sign(const PrivateKey& key, SignatureAlgorithm alg, ByteView message, Rng& rng);

// verify returns true iff `signature` is a valid signature of `message` under `key`.
// Any malformed signature (bad DER, non-minimal or negative integers, trailing bytes,
// r or s out of [1, q-1], wrong RSA length or padding) returns false; DSA/ECDSA signatures
// must be strict DER. Throws hsk::Error(usage) only when the key type does not fit the
// algorithm, and hsk::Error(malformed) when the public key itself is unusable (e.g. an EC
// point off the curve, an even RSA modulus).
bool verify(const PublicKey& key, SignatureAlgorithm alg, ByteView message, ByteView signature);

}  // namespace hsk::crypto
