// hsk::dh parameters — finite-field DH domain parameters in the files OpenSSL reads and writes.
//
//   PKCS#3 "DH PARAMETERS"        DHParameter ::= SEQUENCE { prime INTEGER, base INTEGER,
//                                   privateValueLength INTEGER OPTIONAL }   (PKCS #3 §9)
//   X9.42  "X9.42 DH PARAMETERS"  DomainParameters ::= SEQUENCE { p INTEGER, g INTEGER,
//                                   q INTEGER, j INTEGER OPTIONAL,
//                                   validationParms ValidationParms OPTIONAL }
//                                 ValidationParms ::= SEQUENCE { seed BIT STRING,
//                                   pgenCounter INTEGER }               (RFC 3279 §2.3.3)
// Note the X9.42 order p, g, q (DSA's Dss-Parms is p, q, g).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "crypto/crypto.hpp"
#include "hsk/bytes.hpp"

namespace hsk::dh {

enum class ParamsFormat { pkcs3, x942 };

// DhParameters is one parameter set as a file holds it. `numbers` carries p, g, q (empty for
// PKCS#3), j (empty when absent) and privateValueLength (0 when absent; PKCS#3 only).
// `seed` and `pgen_counter` are X9.42 validationParms (FIPS 186-4 domain_parameter_seed and
// counter), present together or not at all.
struct DhParameters {
  ParamsFormat format = ParamsFormat::pkcs3;
  crypto::DhParams numbers;
  Bytes seed;
  std::optional<std::uint64_t> pgen_counter;
  bool operator==(const DhParameters&) const = default;
};

// pem_label is "DH PARAMETERS" or "X9.42 DH PARAMETERS".
std::string_view pem_label(ParamsFormat format);

// decode_pkcs3 / decode_x942 read exactly one DER structure (nothing may follow). INTEGERs
// must be minimal and non-negative. Throws hsk::Error(malformed) with the offset and field.
DhParameters decode_pkcs3(ByteView der);
DhParameters decode_x942(ByteView der);

// decode_dh_params reads PEM or DER. In PEM the first "DH PARAMETERS" or
// "X9.42 DH PARAMETERS" block counts (other blocks are skipped; none at all is an error).
// DER is told apart by structure: a third INTEGER that is at most |p| is PKCS#3's
// privateValueLength, a larger one (or a fourth element) makes it X9.42.
// Throws hsk::Error(malformed).
DhParameters decode_dh_params(ByteView data);

// encode_pkcs3 writes SEQUENCE { p, g [, privateValueLength] } (q, j and the seed are not
// representable and are dropped). encode_x942 writes SEQUENCE { p, g, q [, j]
// [, validationParms] }; throws hsk::Error(usage) when q is empty. encode_dh_params picks by
// params.format. All agree byte for byte with OpenSSL's encoders.
Bytes encode_pkcs3(const crypto::DhParams& numbers);
Bytes encode_x942(const DhParameters& params);
Bytes encode_dh_params(const DhParameters& params);

// to_pem wraps encode_dh_params in its PEM block.
std::string to_pem(const DhParameters& params);

// dh_params_text prints the parameters the way `openssl dhparam -text` does (indent 4) or
// `openssl pkeyparam -text` (indent 0): "DH Parameters: (N bit)", then "GROUP: name" for a
// named group, else P, Q, G, J in OpenSSL's hex layout, SEED, pcounter and
// recommended-private-length.
std::string dh_params_text(const DhParameters& params, unsigned indent = 4);

// dh_params_json describes the parameters as one JSON object (for `hsk decode --json` of PKI
// objects): {"type": "DH PARAMETERS" | "X9.42 DH PARAMETERS", "bits": N, "group": name | null,
// "p": hex, "g": hex, "q": hex | null, "j": hex | null, "private_value_length": N | null,
// "seed": hex | null, "pgen_counter": N | null}; numbers as minimal lowercase hex. Compact,
// no trailing newline.
std::string dh_params_json(const DhParameters& params);

}  // namespace hsk::dh
