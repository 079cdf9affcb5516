// hsk::crypto TLS core, part 2: key exchange — RSA pre-master secret with the RFC 5246
// §7.4.7.1 countermeasure, finite-field DH, ECDH on P-256/P-384 and X25519 (see
// tls_crypto.hpp). Crypto++ exceptions become hsk::Error here.
#include "crypto/tls_crypto.hpp"

#include <cryptopp/asn.h>
#include <cryptopp/eccrypto.h>
#include <cryptopp/ecp.h>
#include <cryptopp/integer.h>
#include <cryptopp/nbtheory.h>
#include <cryptopp/oids.h>
#include <cryptopp/rsa.h>
#include <cryptopp/secblock.h>
#include <cryptopp/xed25519.h>

#include <string>

#include "hsk/error.hpp"

namespace hsk::crypto {

namespace {

using CryptoPP::Integer;

Integer to_int(ByteView b) { return Integer(b.data(), b.size(), Integer::UNSIGNED); }

Bytes from_int(const Integer& v) {
  Bytes out(v.MinEncodedSize());
  v.Encode(out.data(), out.size());
  return out;
}

[[noreturn]] void rethrow(const CryptoPP::Exception& e, std::string_view where) {
  throw Error(ErrorKind::internal, std::string(where) + ": Crypto++: " + e.what());
}

[[noreturn]] void refuse(std::string what) {
  throw Error(ErrorKind::check_failed, std::move(what), Error::kAlertIllegalParameter);
}

[[noreturn]] void malformed(std::string what) {
  throw Error(ErrorKind::malformed, std::move(what), Error::kAlertDecodeError);
}

// RngAdapter presents an hsk Rng as a Crypto++ RandomNumberGenerator (blinding, key generation).
class RngAdapter final : public CryptoPP::RandomNumberGenerator {
 public:
  explicit RngAdapter(Rng& rng) : rng_(rng) {}
  void GenerateBlock(CryptoPP::byte* output, size_t size) override {
    if (size != 0) {
      rng_.fill(output, size);
    }
  }

 private:
  Rng& rng_;
};

// ---- RSA -------------------------------------------------------------------------------

CryptoPP::RSAFunction rsa_public_function(const PublicKey& key) {
  if (key.type != KeyType::rsa) {
    throw_usage("RSA key exchange: the key is " + std::string(key_type_name(key.type)) +
                ", not RSA");
  }
  Integer n = to_int(key.rsa.n);
  Integer e = to_int(key.rsa.e);
  if (n.IsEven() || n.BitCount() < 512 || e.IsEven() || e < Integer(3) || e >= n) {
    malformed("RSA public key: modulus or exponent out of range");
  }
  CryptoPP::RSAFunction f;
  f.Initialize(n, e);
  return f;
}

CryptoPP::InvertibleRSAFunction rsa_private_function(const PrivateKey& key) {
  CryptoPP::RSAFunction pub = rsa_public_function(key.pub);
  const RsaPrivate& k = key.rsa;
  if (k.d.empty() || k.p.empty() || k.q.empty() || k.dp.empty() || k.dq.empty() || k.qinv.empty()) {
    throw_usage("RSA key exchange: the private key lacks its CRT values");
  }
  CryptoPP::InvertibleRSAFunction f;
  f.Initialize(pub.GetModulus(), pub.GetPublicExponent(), to_int(k.d), to_int(k.p), to_int(k.q),
               to_int(k.dp), to_int(k.dq), to_int(k.qinv));
  return f;
}

// decrypt_fixed is steps 2-4 of rsa_decrypt_pms (tls_crypto.hpp) for a message of
// fallback.size() bytes; `version` (2 bytes) adds the check M[0..1] = version when non-null.
Bytes decrypt_fixed(const PrivateKey& key, ByteView encrypted, ByteView fallback,
                    const std::uint8_t* version, Rng& rng) {
  try {
    CryptoPP::InvertibleRSAFunction f = rsa_private_function(key);
    const Integer& n = f.GetModulus();
    const std::size_t k = n.ByteCount();
    const std::size_t mlen = fallback.size();

    // Public facts: the ciphertext's length and value range, the message length the caller
    // expects. A branch on them reveals nothing secret.
    if (encrypted.size() != k || mlen + 11 > k) {
      return Bytes(fallback.begin(), fallback.end());
    }
    Integer c = to_int(encrypted);
    if (c >= n) {
      return Bytes(fallback.begin(), fallback.end());
    }

    RngAdapter adapter(rng);
    CryptoPP::SecByteBlock em(k);
    f.CalculateInverse(adapter, c).Encode(em.data(), k);

    // EM = 00 02 PS 00 M: every check below folds into `good`; no branch, no early exit,
    // and the only indices used are public (loop counters and k - mlen).
    CtMask good = ct_is_zero_mask(em[0]);
    good &= ct_eq_mask(em[1], 2);
    // The first zero byte at index >= 2 ends PS.
    CtMask looking = ~CtMask{0};
    std::size_t zero_index = 0;
    for (std::size_t i = 2; i < k; ++i) {
      CtMask is_zero = ct_is_zero_mask(em[i]);
      zero_index = ct_select(looking & is_zero, i, zero_index);
      looking &= ~is_zero;
    }
    good &= ~looking;                              // a separator exists
    good &= ct_ge_mask(zero_index, 2 + 8);         // PS has at least 8 bytes
    good &= ct_eq_mask(zero_index, k - mlen - 1);  // M is exactly mlen bytes
    const std::size_t m_at = k - mlen;             // where M starts when good
    if (version != nullptr) {
      good &= ct_eq_mask(em[m_at], version[0]);
      good &= ct_eq_mask(em[m_at + 1], version[1]);
    }
    good = ct_value_barrier(good);
    Bytes out(mlen);
    for (std::size_t i = 0; i < mlen; ++i) {
      out[i] = ct_select_u8(good, em[m_at + i], fallback[i]);
    }
    return out;
  } catch (const CryptoPP::CryptoMaterial::InvalidMaterial& e) {
    malformed(std::string("RSA private key: ") + e.what());
  } catch (const CryptoPP::Exception& e) {
    rethrow(e, "RSA decryption");
  }
}

// ---- Elliptic curves -------------------------------------------------------------------

using EcGroup = CryptoPP::DL_GroupParameters_EC<CryptoPP::ECP>;

// One group object per thread: Crypto++ fills some members lazily.
const EcGroup& ec_group(EcdhGroup g) {
  thread_local const EcGroup p256(CryptoPP::ASN1::secp256r1());
  thread_local const EcGroup p384(CryptoPP::ASN1::secp384r1());
  return g == EcdhGroup::secp384r1 ? p384 : p256;
}

std::size_t coordinate_length(EcdhGroup g) { return g == EcdhGroup::secp384r1 ? 48 : 32; }

void require_group(EcdhGroup g) {
  if (g != EcdhGroup::secp256r1 && g != EcdhGroup::secp384r1 && g != EcdhGroup::x25519) {
    throw_usage("ECDH: unsupported group " + std::to_string(static_cast<unsigned>(g)));
  }
}

Bytes x25519_agree(ByteView private_key, ByteView peer) {
  if (private_key.size() != 32) {
    throw_usage("X25519: private key is " + std::to_string(private_key.size()) +
                " bytes, expected 32");
  }
  if (peer.size() != 32) {
    malformed("X25519 public value: " + std::to_string(peer.size()) + " bytes, expected 32");
  }
  CryptoPP::SecByteBlock k(private_key.data(), 32);
  k[0] &= 248;  // clamp (RFC 7748 §5)
  k[31] &= 127;
  k[31] |= 64;
  std::uint8_t u[32];
  std::copy(peer.begin(), peer.end(), u);
  u[31] &= 127;  // RFC 7748 §5: the top bit of the u-coordinate is ignored
  Bytes z(32);
  CryptoPP::x25519 domain;
  // validateOtherPublicKey = false: the all-zero check below covers every small-order value.
  domain.Agree(z.data(), k.data(), u, false);
  std::uint8_t acc = 0;
  for (std::uint8_t b : z) {
    acc |= b;
  }
  if (acc == 0) {
    refuse("X25519: the shared secret is all zero (peer value of small order)");
  }
  return z;
}

Bytes ec_agree(EcdhGroup g, ByteView private_key, ByteView peer) {
  const std::size_t w = coordinate_length(g);
  const std::string name(ecdh_group_name(g));
  if (peer.size() == 1 + w && (peer[0] == 2 || peer[0] == 3)) {
    refuse(name + " public point: compressed points are not supported (RFC 8422 §5.1.2)");
  }
  if (peer.size() != 1 + 2 * w || peer[0] != 4) {
    malformed(name + " public point: not an uncompressed point of " + std::to_string(1 + 2 * w) +
              " bytes");
  }
  const EcGroup& group = ec_group(g);
  Integer d = to_int(private_key);
  if (d.IsZero() || d >= group.GetSubgroupOrder()) {
    throw_usage(name + ": private scalar out of range");
  }
  const CryptoPP::ECP& curve = group.GetCurve();
  CryptoPP::ECP::Point p;
  p.identity = false;
  p.x = to_int(peer.subspan(1, w));
  p.y = to_int(peer.subspan(1 + w, w));
  if (!curve.VerifyPoint(p)) {  // checks x, y < field prime and the curve equation
    refuse(name + " public point: not on the curve");
  }
  CryptoPP::ECP::Point z = curve.ScalarMultiply(p, d);
  if (z.identity) {  // impossible with cofactor 1 and d < order; kept as a guard
    refuse(name + ": the shared point is the point at infinity");
  }
  Bytes out(w);
  z.x.Encode(out.data(), w);
  return out;
}

}  // namespace

// ---- RSA -------------------------------------------------------------------------------

Bytes make_rsa_pms(std::uint16_t client_version, Rng& rng) {
  Bytes pms(kRsaPreMasterLength);
  pms[0] = static_cast<std::uint8_t>(client_version >> 8);
  pms[1] = static_cast<std::uint8_t>(client_version & 0xff);
  rng.fill(pms.data() + 2, pms.size() - 2);
  return pms;
}

Bytes rsa_encrypt_pms(const PublicKey& key, ByteView pms, Rng& rng) {
  try {
    CryptoPP::RSAFunction f = rsa_public_function(key);
    const std::size_t k = f.GetModulus().ByteCount();
    if (pms.size() + 11 > k) {
      throw_usage("RSA encryption: " + std::to_string(pms.size()) +
                  "-byte message too long for a " + std::to_string(k) + "-byte modulus");
    }
    // EM = 00 02 PS 00 M, PS = k - 3 - |M| non-zero random bytes (RFC 8017 §7.2.1).
    CryptoPP::SecByteBlock em(k);
    em[0] = 0;
    em[1] = 2;
    const std::size_t ps_len = k - 3 - pms.size();
    rng.fill(em.data() + 2, ps_len);
    for (std::size_t i = 2; i < 2 + ps_len; ++i) {
      while (em[i] == 0) {
        rng.fill(&em[i], 1);
      }
    }
    em[2 + ps_len] = 0;
    std::copy(pms.begin(), pms.end(), em.data() + 3 + ps_len);
    Integer m(em.data(), k, Integer::UNSIGNED);
    Bytes c(k);
    f.ApplyFunction(m).Encode(c.data(), k);
    return c;
  } catch (const CryptoPP::Exception& e) {
    rethrow(e, "RSA encryption");
  }
}

Bytes rsa_decrypt_pms(const PrivateKey& key, ByteView encrypted, std::uint16_t client_version,
                      Rng& rng) {
  // Step 1: the random fallback first, whatever happens next.
  Bytes fallback = make_rsa_pms(client_version, rng);
  const std::uint8_t version[2] = {fallback[0], fallback[1]};
  return decrypt_fixed(key, encrypted, fallback, version, rng);
}

Bytes rsa_decrypt_fixed_length(const PrivateKey& key, ByteView encrypted, ByteView fallback,
                               Rng& rng) {
  return decrypt_fixed(key, encrypted, fallback, nullptr, rng);
}

// ---- Finite-field DH -------------------------------------------------------------------

KexKeyPair dh_generate(ByteView p, ByteView g, ByteView q, Rng& rng) {
  Integer pi = to_int(p);
  Integer gi = to_int(g);
  if (pi.IsEven() || pi.BitCount() < 64) {
    refuse("DH: p is even or shorter than 64 bits");
  }
  if (gi < Integer::Two() || gi > pi - Integer::Two()) {
    refuse("DH: g is not in [2, p-2]");
  }
  DhParams params;
  params.p = minimal(p);
  params.g = minimal(g);
  if (!q.empty()) {
    params.q = minimal(q);
  }
  PrivateKey k = generate_dh(rng, params, DhOid::dh_key_agreement);
  return KexKeyPair{std::move(k.x), std::move(k.pub.dh.y)};
}

Bytes dh_agree(ByteView p, ByteView x, ByteView peer_y, ByteView q) {
  try {
    Integer pi = to_int(p);
    if (pi.IsEven() || pi < Integer(5)) {
      refuse("DH: p is even or below 5");
    }
    Integer xi = to_int(x);
    if (xi.IsZero()) {
      throw_usage("DH: private value is zero");
    }
    Integer y = to_int(peer_y);
    if (y <= Integer::One() || y >= pi - Integer::One()) {
      refuse("DH: peer public value is not in [2, p-2]");
    }
    if (!q.empty() && CryptoPP::ModularExponentiation(y, to_int(q), pi) != Integer::One()) {
      refuse("DH: peer public value is not in the order-q subgroup");
    }
    Integer z = CryptoPP::ModularExponentiation(y, xi, pi);
    if (z <= Integer::One()) {
      refuse("DH: the shared secret is 1");
    }
    return from_int(z);  // minimal: leading zero bytes stripped (RFC 5246 §8.1.2)
  } catch (const CryptoPP::Exception& e) {
    rethrow(e, "DH agreement");
  }
}

// ---- ECDH ------------------------------------------------------------------------------

std::optional<EcdhGroup> ecdh_group_from_code(std::uint16_t code) {
  switch (code) {
    case 23:
      return EcdhGroup::secp256r1;
    case 24:
      return EcdhGroup::secp384r1;
    case 29:
      return EcdhGroup::x25519;
    default:
      return std::nullopt;
  }
}

std::string_view ecdh_group_name(EcdhGroup group) {
  switch (group) {
    case EcdhGroup::secp256r1:
      return "secp256r1";
    case EcdhGroup::secp384r1:
      return "secp384r1";
    case EcdhGroup::x25519:
      return "x25519";
  }
  return "?";
}

std::size_t ecdh_public_length(EcdhGroup group) {
  require_group(group);
  return group == EcdhGroup::x25519 ? 32 : 1 + 2 * coordinate_length(group);
}

std::size_t ecdh_secret_length(EcdhGroup group) {
  require_group(group);
  return group == EcdhGroup::x25519 ? 32 : coordinate_length(group);
}

KexKeyPair ecdh_generate(EcdhGroup group, Rng& rng) {
  require_group(group);
  try {
    RngAdapter adapter(rng);
    KexKeyPair kp;
    if (group == EcdhGroup::x25519) {
      CryptoPP::x25519 domain;
      kp.private_key.resize(32);
      kp.public_key.resize(32);
      domain.GeneratePrivateKey(adapter, kp.private_key.data());  // 32 random bytes, clamped
      domain.GeneratePublicKey(adapter, kp.private_key.data(), kp.public_key.data());
      return kp;
    }
    const EcGroup& g = ec_group(group);
    const std::size_t w = coordinate_length(group);
    Integer d(adapter, Integer::One(), g.GetSubgroupOrder() - Integer::One());
    kp.private_key.resize(w);
    d.Encode(kp.private_key.data(), w);
    CryptoPP::ECP::Point q = g.ExponentiateBase(d);
    const CryptoPP::ECP& curve = g.GetCurve();
    kp.public_key.resize(curve.EncodedPointSize(false));
    curve.EncodePoint(kp.public_key.data(), q, false);
    return kp;
  } catch (const CryptoPP::Exception& e) {
    rethrow(e, "ECDH key generation");
  }
}

Bytes ecdh_agree(EcdhGroup group, ByteView private_key, ByteView peer_public) {
  require_group(group);
  try {
    if (group == EcdhGroup::x25519) {
      return x25519_agree(private_key, peer_public);
    }
    return ec_agree(group, private_key, peer_public);
  } catch (const CryptoPP::Exception& e) {
    rethrow(e, "ECDH agreement");
  }
}

}  // namespace hsk::crypto
