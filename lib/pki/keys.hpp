// hsk::pki keys — private and public keys in the file formats OpenSSL reads and writes.
//
// The key model (crypto::PrivateKey, crypto::PublicKey) is plain data from crypto/crypto.hpp;
// this file only converts it to and from bytes, with the DER reader/writer of pki/der.hpp.
// Formats (all unencrypted):
//   PKCS#8 PrivateKeyInfo   "PRIVATE KEY"      RFC 5208 §5; RSA, DSA, EC, DH, DHX
//   SubjectPublicKeyInfo    "PUBLIC KEY"       RFC 5280 §4.1.2.7, RFC 3279, RFC 5480
//   PKCS#1 RSAPrivateKey    "RSA PRIVATE KEY"  RFC 8017 A.1.2
//   PKCS#1 RSAPublicKey     "RSA PUBLIC KEY"   RFC 8017 A.1.1
//   DSA traditional         "DSA PRIVATE KEY"  SEQUENCE { 0, p, q, g, y, x } (OpenSSL)
//   SEC1 ECPrivateKey       "EC PRIVATE KEY"   RFC 5915, optionally preceded by "EC PARAMETERS"
// Every decoder throws hsk::Error(malformed) with an offset on bad input; an encrypted key
// ("ENCRYPTED PRIVATE KEY", or Proc-Type/DEK-Info headers) gets an error that says to run
// `openssl pkey -in KEY -out PLAIN.pem`. Only named curves P-256 and P-384 are supported;
// explicit EC parameters and other curves are refused with a clear error.
// Decoders check structure and ranges, not primality: use crypto::check_private_key for that.
#pragma once

#include <optional>
#include <string>

#include "crypto/crypto.hpp"
#include "hsk/bytes.hpp"

namespace hsk::pki {

using crypto::PrivateKey;
using crypto::PublicKey;

enum class KeyFormat { pem, der };

// ---------------------------------------------------------------------------------------
// Reading.

// DecodedKey is what decode_key found: a private key (when the input held one), its public
// part (always), and a name of the format read: "PKCS#8", "PKCS#1", "DSA traditional",
// "SEC1", "SubjectPublicKeyInfo", "PKCS#1 public".
struct DecodedKey {
  std::optional<PrivateKey> priv;
  PublicKey pub;
  std::string format;
  bool pem = false;  // true when the input was PEM
};

// decode_key reads one key, PEM or DER (detected), private or public. In PEM the first key
// block counts; other blocks (certificates, "EC PARAMETERS" — which must then name the same
// curve as the key) are skipped. DER is tried as PKCS#8, SPKI, PKCS#1, SEC1, DSA traditional,
// PKCS#1 public, by structure. For keys whose format omits the public value (PKCS#8 DSA/DH,
// SEC1 without publicKey) the public value is computed. Throws hsk::Error(malformed).
DecodedKey decode_key(ByteView data);

// decode_private_key: decode_key, but a public key alone is an error (malformed, "not a
// private key").
PrivateKey decode_private_key(ByteView data);

// decode_public_key: the public part of whatever decode_key reads.
PublicKey decode_public_key(ByteView data);

// read_private_key / read_public_key read a file ("-" for stdin) and decode it; errors name
// the file (Error::with_input).
PrivateKey read_private_key(const std::string& path);
PublicKey read_public_key(const std::string& path);

// ---------------------------------------------------------------------------------------
// Individual DER formats.

// decode_pkcs8 / encode_pkcs8: PrivateKeyInfo (version 0; RFC 5958 version 1 with a trailing
// publicKey is accepted on read). Encoding follows OpenSSL 3: RSA with NULL parameters and
// an RSAPrivateKey; DSA with Dss-Parms and INTEGER x; EC with the namedCurve and an
// ECPrivateKey without parameters but with the public key; DH/DHX with their domain and
// INTEGER x. Output agrees byte for byte with `openssl pkcs8 -topk8 -nocrypt -outform DER`
// for the same key (note `openssl pkey -outform DER` writes the traditional forms instead).
PrivateKey decode_pkcs8(ByteView der);
Bytes encode_pkcs8(const PrivateKey& key);

// decode_spki / encode_spki: SubjectPublicKeyInfo, exact DER as X.509 wants it
// (RSA: rsaEncryption + NULL; DSA: id-dsa + Dss-Parms, y as INTEGER; EC: id-ecPublicKey +
// namedCurve, uncompressed point; DH: dhKeyAgreement or dhpublicnumber + domain, y as INTEGER).
// decode_spki checks the whole input is one SPKI (no trailing bytes); compressed EC points
// are accepted and returned uncompressed.
PublicKey decode_spki(ByteView der);
Bytes encode_spki(const PublicKey& key);

// Traditional formats (decoders used by decode_key; encoders for tests and interop).
PrivateKey decode_rsa_private_pkcs1(ByteView der);
Bytes encode_rsa_private_pkcs1(const PrivateKey& key);
PublicKey decode_rsa_public_pkcs1(ByteView der);
Bytes encode_rsa_public_pkcs1(const PublicKey& key);
PrivateKey decode_dsa_private_traditional(ByteView der);
Bytes encode_dsa_private_traditional(const PrivateKey& key);
// decode_ec_private_sec1: `curve` is the curve from an outer AlgorithmIdentifier or a
// preceding "EC PARAMETERS" block, if any; the key's own [0] parameters, when present, must
// agree with it; one of the two must be present. The public point is computed from the
// scalar; a stored [1] publicKey must equal it. decode_dsa_private_traditional likewise
// requires y = g^x mod p. (RSA keys are not cross-checked on reading: check_private_key.)
PrivateKey decode_ec_private_sec1(ByteView der, std::optional<crypto::Curve> curve = std::nullopt);
// encode_ec_private_sec1: ECPrivateKey version 1 with [0] namedCurve and [1] publicKey
// (what `openssl ec` writes).
Bytes encode_ec_private_sec1(const PrivateKey& key);

// decode_dh_domain / encode_dh_domain: the parameters of a DH AlgorithmIdentifier —
// PKCS#3 DHParameter SEQUENCE { p, g, privateValueLength OPTIONAL } for dh_key_agreement,
// X9.42 DomainParameters SEQUENCE { p, g, q, j OPTIONAL, validationParms OPTIONAL } for
// dh_public_number (validationParms are read and dropped). These are also the DER inside
// "DH PARAMETERS" and "X9.42 DH PARAMETERS" PEM blocks (minus validationParms on write).
crypto::DhParams decode_dh_domain(ByteView der, crypto::DhOid oid);
Bytes encode_dh_domain(const crypto::DhParams& params, crypto::DhOid oid);

// curve_from_oid maps 1.2.840.10045.3.1.7 / 1.3.132.0.34; nullopt for any other curve.
std::optional<crypto::Curve> curve_from_oid(std::string_view dotted);
std::string curve_oid(crypto::Curve curve);

// ---------------------------------------------------------------------------------------
// Writing.

// encode_private_key: PKCS#8, as PEM "PRIVATE KEY" text or DER.
// encode_public_key: SPKI, as PEM "PUBLIC KEY" text or DER.
Bytes encode_private_key(const PrivateKey& key, KeyFormat format = KeyFormat::pem);
Bytes encode_public_key(const PublicKey& key, KeyFormat format = KeyFormat::pem);

// write_private_key writes encode_private_key(key, format) to `path` atomically with mode
// 0600. When `path` exists and force is false it throws hsk::Error(usage) "... exists; use
// --force to overwrite" and leaves the file alone. "-" writes to stdout.
void write_private_key(const std::string& path, const PrivateKey& key,
                       KeyFormat format = KeyFormat::pem, bool force = false);

// ---------------------------------------------------------------------------------------
// Signature AlgorithmIdentifiers (for X.509 and CSRs).

// signature_algorithm_oid: sha256WithRSAEncryption, dsa-with-SHA256, ecdsa-with-SHA384, ...
// (RFC 4055, RFC 5758, RFC 3279); rsassa-pss for the PSS ones. Throws hsk::Error(usage) for
// rsa_pkcs1_md5_sha1, which has no OID.
std::string signature_algorithm_oid(crypto::SignatureAlgorithm alg);

// encode_signature_algorithm: the DER AlgorithmIdentifier — RSA PKCS#1 with NULL parameters,
// DSA/ECDSA with parameters absent, PSS with RSASSA-PSS-params (hash, MGF1 with the same
// hash, salt = hash length; RFC 4055 §3.1).
Bytes encode_signature_algorithm(crypto::SignatureAlgorithm alg);

// decode_signature_algorithm: the inverse; RSA PKCS#1 accepts NULL or absent parameters,
// DSA/ECDSA require them absent, PSS requires params matching one of rsa_pss_sha256/384/512.
// Throws hsk::Error(malformed) for anything else (naming the OID).
crypto::SignatureAlgorithm decode_signature_algorithm(ByteView algorithm_identifier);

}  // namespace hsk::pki
