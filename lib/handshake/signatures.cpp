// hsk::handshake signatures (contract in signatures.hpp).
#include "handshake/signatures.hpp"

#include <fmt/core.h>

#include <array>

#include "hsk/error.hpp"
#include "wire/registry.hpp"

namespace hsk::handshake {

namespace {

using crypto::KeyType;
using crypto::SignatureAlgorithm;

struct SchemeRow {
  std::uint16_t code;
  SignatureAlgorithm alg;
};

// The TLS 1.2 codes hsk signs and verifies with, in the order scheme_of prefers them.
constexpr std::array<SchemeRow, 19> kSchemes{{
    {0x0201, SignatureAlgorithm::rsa_pkcs1_sha1},
    {0x0301, SignatureAlgorithm::rsa_pkcs1_sha224},
    {0x0401, SignatureAlgorithm::rsa_pkcs1_sha256},
    {0x0501, SignatureAlgorithm::rsa_pkcs1_sha384},
    {0x0601, SignatureAlgorithm::rsa_pkcs1_sha512},
    {0x0804, SignatureAlgorithm::rsa_pss_sha256},
    {0x0805, SignatureAlgorithm::rsa_pss_sha384},
    {0x0806, SignatureAlgorithm::rsa_pss_sha512},
    // rsa_pss_pss_*: the same signature; the code says the key is an RSA-PSS key.
    {0x0809, SignatureAlgorithm::rsa_pss_sha256},
    {0x080a, SignatureAlgorithm::rsa_pss_sha384},
    {0x080b, SignatureAlgorithm::rsa_pss_sha512},
    {0x0202, SignatureAlgorithm::dsa_sha1},
    {0x0302, SignatureAlgorithm::dsa_sha224},
    {0x0402, SignatureAlgorithm::dsa_sha256},
    {0x0203, SignatureAlgorithm::ecdsa_sha1},
    {0x0303, SignatureAlgorithm::ecdsa_sha224},
    {0x0403, SignatureAlgorithm::ecdsa_sha256},
    {0x0503, SignatureAlgorithm::ecdsa_sha384},
    {0x0603, SignatureAlgorithm::ecdsa_sha512},
}};

std::string scheme_label(std::uint16_t code) {
  std::string_view name = wire::name_of(wire::Registry::signature_scheme, code);
  return name.empty() ? fmt::format("0x{:04x}", code) : fmt::format("{} (0x{:04x})", name, code);
}

std::string legacy_label(SignatureAlgorithm alg) {
  switch (alg) {
    case SignatureAlgorithm::rsa_pkcs1_md5_sha1:
      return "RSA PKCS#1 v1.5 over MD5+SHA-1 (TLS 1.0/1.1)";
    case SignatureAlgorithm::dsa_sha1:
      return "DSA with SHA-1 (TLS 1.0/1.1)";
    case SignatureAlgorithm::ecdsa_sha1:
      return "ECDSA with SHA-1 (TLS 1.0/1.1)";
    default:
      return std::string(crypto::signature_algorithm_name(alg));
  }
}

}  // namespace

std::optional<SignatureAlgorithm> signature_algorithm_of(std::uint16_t scheme) {
  if (scheme == 0) {
    return std::nullopt;
  }
  for (const auto& row : kSchemes) {
    if (row.code == scheme) {
      return row.alg;
    }
  }
  return std::nullopt;
}

std::optional<std::uint16_t> scheme_of(SignatureAlgorithm alg) {
  for (const auto& row : kSchemes) {
    if (row.alg == alg && row.code != 0) {
      return row.code;
    }
  }
  return std::nullopt;
}

SignatureAlgorithm legacy_signature_algorithm(KeyType type) {
  switch (type) {
    case KeyType::rsa:
      return SignatureAlgorithm::rsa_pkcs1_md5_sha1;
    case KeyType::dsa:
      return SignatureAlgorithm::dsa_sha1;
    case KeyType::ec:
      return SignatureAlgorithm::ecdsa_sha1;
    case KeyType::dh:
      break;
  }
  throw_usage("a DH key cannot sign");
}

std::uint16_t choose_signature_scheme(KeyType type,
                                      const std::optional<std::vector<std::uint16_t>>& offered) {
  if (type == KeyType::dh) {
    throw_usage("a DH key cannot sign");
  }
  // RFC 5246 §7.4.1.4.1: no signature_algorithms means {sha1, the key's signature type}.
  std::vector<std::uint16_t> list =
      offered ? *offered
              : std::vector<std::uint16_t>{static_cast<std::uint16_t>(
                    type == KeyType::rsa ? 0x0201 : type == KeyType::dsa ? 0x0202 : 0x0203)};
  // Two passes: the peer's order among schemes with SHA-256 or stronger first; SHA-1 and
  // SHA-224 (which OpenSSL lists before dsa_sha256) only when nothing stronger fits.
  for (bool weak_ok : {false, true}) {
    for (std::uint16_t code : list) {
      std::optional<SignatureAlgorithm> alg = signature_algorithm_of(code);
      // rsa_pss_pss_* need an RSA-PSS key (id-RSASSA-PSS), which hsk does not make.
      if (!alg || crypto::signature_key_type(*alg) != type || (code >= 0x0809 && code <= 0x080b)) {
        continue;
      }
      crypto::HashAlg h = crypto::signature_hash(*alg);
      if (weak_ok || (h != crypto::HashAlg::sha1 && h != crypto::HashAlg::sha224)) {
        return code;
      }
    }
  }
  std::string names;
  for (std::uint16_t code : list) {
    names += (names.empty() ? "" : ", ") + scheme_label(code);
  }
  throw Error(ErrorKind::check_failed,
              fmt::format("no signature algorithm the peer offered fits the {} key (offered: {})",
                          crypto::key_type_name(type), names.empty() ? "none" : names),
              Error::kAlertHandshakeFailure);
}

Bytes ske_signed_data(ByteView client_random, ByteView server_random, ByteView params) {
  Bytes out;
  out.reserve(client_random.size() + server_random.size() + params.size());
  out.insert(out.end(), client_random.begin(), client_random.end());
  out.insert(out.end(), server_random.begin(), server_random.end());
  out.insert(out.end(), params.begin(), params.end());
  return out;
}

wire::DigitallySigned sign_handshake(const crypto::PrivateKey& key, std::uint16_t version,
                                     std::uint16_t scheme, ByteView data, crypto::Rng& rng) {
  wire::DigitallySigned out;
  if (version >= wire::kTls12) {
    std::optional<SignatureAlgorithm> alg = signature_algorithm_of(scheme);
    if (!alg || crypto::signature_key_type(*alg) != key.type()) {
      throw_usage(fmt::format("signature scheme {} does not fit a {} key", scheme_label(scheme),
                              crypto::key_type_name(key.type())));
    }
    out.algorithm = scheme;
    out.signature = crypto::sign(key, *alg, data, rng);
  } else {
    out.signature = crypto::sign(key, legacy_signature_algorithm(key.type()), data, rng);
  }
  return out;
}

SignatureCheck verify_handshake_signature(const crypto::PublicKey& key, std::uint16_t version,
                                          const wire::DigitallySigned& sig, ByteView data) {
  SignatureCheck out;
  if (key.type == KeyType::dh) {
    out.algorithm_name = "none";
    out.reason = "the certificate's key is DH, which cannot sign";
    return out;
  }
  if (version >= wire::kTls12) {
    if (!sig.algorithm) {
      out.algorithm_name = "none";
      out.reason = "TLS 1.2 signature without a SignatureAndHashAlgorithm field";
      return out;
    }
    out.algorithm_name = scheme_label(*sig.algorithm);
    out.algorithm = signature_algorithm_of(*sig.algorithm);
    if (!out.algorithm) {
      out.reason = "unknown or unsupported signature scheme " + out.algorithm_name;
      return out;
    }
  } else {
    if (sig.algorithm) {
      out.algorithm_name = scheme_label(*sig.algorithm);
      out.reason = "a SignatureAndHashAlgorithm field below TLS 1.2";
      return out;
    }
    out.algorithm = legacy_signature_algorithm(key.type);
    out.algorithm_name = legacy_label(*out.algorithm);
  }
  if (crypto::signature_key_type(*out.algorithm) != key.type) {
    out.reason = fmt::format("the key is {} but the algorithm is {}",
                             crypto::key_type_name(key.type), out.algorithm_name);
    return out;
  }
  out.valid = crypto::verify(key, *out.algorithm, data, sig.signature);
  if (!out.valid) {
    out.reason = "signature does not verify";
  }
  return out;
}

}  // namespace hsk::handshake
