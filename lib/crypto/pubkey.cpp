// hsk::crypto — the key model, key generation, key checks and signatures over Crypto++.
// Crypto++ exceptions are rethrown as hsk::Error at each public function.
#include <cryptopp/asn.h>
#include <cryptopp/dsa.h>
#include <cryptopp/eccrypto.h>
#include <cryptopp/integer.h>
#include <cryptopp/nbtheory.h>
#include <cryptopp/oids.h>
#include <cryptopp/osrng.h>
#include <cryptopp/pssr.h>
#include <cryptopp/rsa.h>
#include <cryptopp/sha.h>

#include <array>

#include "crypto/crypto.hpp"
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

Bytes from_int(const Integer& v, std::size_t width) {
  Bytes out(width);
  v.Encode(out.data(), out.size());
  return out;
}

[[noreturn]] void rethrow(const CryptoPP::Exception& e, std::string_view where) {
  throw Error(ErrorKind::internal, std::string(where) + ": Crypto++: " + e.what());
}

[[noreturn]] void bad_key(std::string what) {
  throw Error(ErrorKind::malformed, std::move(what), Error::kAlertDecodeError);
}

[[noreturn]] void check_fail(std::string what) {
  throw Error(ErrorKind::check_failed, std::move(what), Error::kAlertDecodeError);
}

// RngAdapter presents an hsk Rng as a Crypto++ RandomNumberGenerator, so key generation and
// signing draw from the injected source (and are reproducible with seeded_rng).
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

// ---- Curves ----------------------------------------------------------------------------

using EcGroup = CryptoPP::DL_GroupParameters_EC<CryptoPP::ECP>;

// One group object per thread: Crypto++ fills some members lazily (e.g. the cofactor), so
// a shared instance would race.
const EcGroup& ec_group(Curve c) {
  thread_local const EcGroup p256(CryptoPP::ASN1::secp256r1());
  thread_local const EcGroup p384(CryptoPP::ASN1::secp384r1());
  return c == Curve::p384 ? p384 : p256;
}

Bytes encode_point(Curve c, const CryptoPP::ECP::Point& p) {
  const auto& curve = ec_group(c).GetCurve();
  Bytes out(curve.EncodedPointSize(false));
  curve.EncodePoint(out.data(), p, false);
  return out;
}

CryptoPP::ECP::Point decode_point(Curve c, ByteView encoded) {
  const auto& curve = ec_group(c).GetCurve();
  std::size_t w = curve_bytes(c);
  if (encoded.empty() || !((encoded[0] == 4 && encoded.size() == 1 + 2 * w) ||
                           ((encoded[0] == 2 || encoded[0] == 3) && encoded.size() == 1 + w))) {
    bad_key(std::string(curve_name(c)) + " public point: wrong encoding or length");
  }
  CryptoPP::ECP::Point p;
  if (!curve.DecodePoint(p, encoded.data(), encoded.size()) || p.identity ||
      !curve.VerifyPoint(p)) {
    bad_key(std::string(curve_name(c)) + " public point: not on the curve");
  }
  return p;
}

// ---- RSA -------------------------------------------------------------------------------

CryptoPP::RSAFunction rsa_public(const PublicKey& key) {
  const RsaPublic& k = key.rsa;
  Integer n = to_int(k.n);
  Integer e = to_int(k.e);
  if (n.IsEven() || n.BitCount() < 512 || e.IsEven() || e < Integer(3) || e >= n) {
    bad_key("RSA public key: modulus or exponent out of range");
  }
  CryptoPP::RSAFunction f;
  f.Initialize(n, e);
  return f;
}

CryptoPP::InvertibleRSAFunction rsa_private(const PrivateKey& key) {
  const RsaPrivate& k = key.rsa;
  if (k.d.empty() || k.p.empty() || k.q.empty() || k.dp.empty() || k.dq.empty() || k.qinv.empty()) {
    bad_key("RSA private key: missing CRT components");
  }
  rsa_public(key.pub);  // range checks
  CryptoPP::InvertibleRSAFunction f;
  f.Initialize(to_int(key.pub.rsa.n), to_int(key.pub.rsa.e), to_int(k.d), to_int(k.p), to_int(k.q),
               to_int(k.dp), to_int(k.dq), to_int(k.qinv));
  return f;
}

// DigestInfo prefixes for EMSA-PKCS1-v1_5 (RFC 8017 §9.2, note 1).
Bytes digest_info_prefix(HashAlg h) {
  switch (h) {
    case HashAlg::md5:
      return from_hex("3020300c06082a864886f70d020505000410");
    case HashAlg::sha1:
      return from_hex("3021300906052b0e03021a05000414");
    case HashAlg::sha224:
      return from_hex("302d300d06096086480165030402040500041c");
    case HashAlg::sha256:
      return from_hex("3031300d060960864801650304020105000420");
    case HashAlg::sha384:
      return from_hex("3041300d060960864801650304020205000430");
    case HashAlg::sha512:
      return from_hex("3051300d060960864801650304020305000440");
    case HashAlg::md5_sha1:
      return {};  // TLS 1.0/1.1: the bare 36-byte hash (RFC 2246 §7.4.3)
  }
  return {};
}

// emsa_pkcs1_v15 builds 00 01 FF.. 00 || DigestInfo || H, k bytes long.
Bytes emsa_pkcs1_v15(HashAlg h, ByteView message, std::size_t k) {
  Bytes t = digest_info_prefix(h);
  Bytes digest = hash(h, message);
  t.insert(t.end(), digest.begin(), digest.end());
  if (k < t.size() + 11) {
    throw_usage("RSA key too small for a PKCS#1 v1.5 signature with " + std::string(hash_name(h)));
  }
  Bytes em(k, 0xff);
  em[0] = 0x00;
  em[1] = 0x01;
  em[k - t.size() - 1] = 0x00;
  std::copy(t.begin(), t.end(), em.end() - static_cast<std::ptrdiff_t>(t.size()));
  return em;
}

template <class H>
Bytes pss_sign(const CryptoPP::InvertibleRSAFunction& key, ByteView msg, RngAdapter& rng) {
  typename CryptoPP::RSASS<CryptoPP::PSS, H>::Signer signer(key);
  Bytes sig(signer.MaxSignatureLength());
  sig.resize(signer.SignMessage(rng, msg.data(), msg.size(), sig.data()));
  return sig;
}

template <class H>
bool pss_verify(const CryptoPP::RSAFunction& key, ByteView msg, ByteView sig) {
  typename CryptoPP::RSASS<CryptoPP::PSS, H>::Verifier verifier(key);
  if (sig.size() != verifier.SignatureLength()) {
    return false;
  }
  return verifier.VerifyMessage(msg.data(), msg.size(), sig.data(), sig.size());
}

// ---- DSA / ECDSA signature encoding ------------------------------------------------------

// der_int appends a DER INTEGER for an unsigned big-endian value.
void der_int(Bytes& out, ByteView v) {
  Bytes m = minimal(v);
  if (m[0] & 0x80) {
    m.insert(m.begin(), 0);
  }
  out.push_back(0x02);
  out.push_back(static_cast<std::uint8_t>(m.size()));  // r, s are < 2^1024: short form suffices
  out.insert(out.end(), m.begin(), m.end());
}

// rs_to_der turns Crypto++'s r||s (each half the length) into SEQUENCE { r, s }.
Bytes rs_to_der(ByteView rs) {
  std::size_t half = rs.size() / 2;
  Bytes body;
  der_int(body, rs.first(half));
  der_int(body, rs.subspan(half));
  Bytes out{0x30};
  if (body.size() >= 0x80) {
    out.push_back(0x81);
  }
  out.push_back(static_cast<std::uint8_t>(body.size()));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// der_to_rs parses a strict-DER SEQUENCE { r INTEGER, s INTEGER } and returns r||s, each
// `width` bytes, or nothing when the encoding is not strict DER or r, s do not fit / are 0.
bool read_der_int(ByteView& in, Bytes& out) {
  if (in.size() < 2 || in[0] != 0x02) {
    return false;
  }
  std::size_t len = in[1];
  std::size_t hdr = 2;
  if (len & 0x80) {
    if (len != 0x81 || in.size() < 3 || in[2] < 0x80) {
      return false;
    }
    len = in[2];
    hdr = 3;
  }
  if (len == 0 || in.size() < hdr + len) {
    return false;
  }
  ByteView c = in.subspan(hdr, len);
  if (c[0] & 0x80) {
    return false;  // negative
  }
  if (c.size() > 1 && c[0] == 0 && !(c[1] & 0x80)) {
    return false;  // non-minimal
  }
  out.assign(c.begin(), c.end());
  in = in.subspan(hdr + len);
  return true;
}

bool der_to_rs(ByteView sig, const Integer& order, std::size_t width, Bytes& rs) {
  if (sig.size() < 2 || sig[0] != 0x30) {
    return false;
  }
  std::size_t len = sig[1];
  std::size_t hdr = 2;
  if (len & 0x80) {
    if (len != 0x81 || sig.size() < 3 || sig[2] < 0x80) {
      return false;
    }
    len = sig[2];
    hdr = 3;
  }
  if (sig.size() != hdr + len) {
    return false;
  }
  ByteView body = sig.subspan(hdr);
  Bytes r;
  Bytes s;
  if (!read_der_int(body, r) || !read_der_int(body, s) || !body.empty()) {
    return false;
  }
  Integer ri = to_int(r);
  Integer si = to_int(s);
  if (ri.IsZero() || si.IsZero() || ri >= order || si >= order) {
    return false;
  }
  rs = from_int(ri, width);
  Bytes sb = from_int(si, width);
  rs.insert(rs.end(), sb.begin(), sb.end());
  return true;
}

using DsaPrivateKey = CryptoPP::DL_Keys_DSA::PrivateKey;
using DsaPublicKey = CryptoPP::DL_Keys_DSA::PublicKey;
using EcPrivateKey = CryptoPP::DL_Keys_ECDSA<CryptoPP::ECP>::PrivateKey;
using EcPublicKey = CryptoPP::DL_Keys_ECDSA<CryptoPP::ECP>::PublicKey;

template <class Scheme, class Key>
Bytes dl_sign(const Key& key, ByteView msg, RngAdapter& rng) {
  typename Scheme::Signer signer(key);
  Bytes sig(signer.MaxSignatureLength());
  sig.resize(signer.SignMessage(rng, msg.data(), msg.size(), sig.data()));
  return rs_to_der(sig);
}

template <class Scheme, class Key>
bool dl_verify(const Key& key, const Integer& order, ByteView msg, ByteView der) {
  typename Scheme::Verifier verifier(key);
  Bytes rs;
  if (!der_to_rs(der, order, verifier.SignatureLength() / 2, rs)) {
    return false;
  }
  return verifier.VerifyMessage(msg.data(), msg.size(), rs.data(), rs.size());
}

DsaPrivateKey dsa_private(const PrivateKey& key) {
  const DsaPublic& k = key.pub.dsa;
  if (k.p.empty() || k.q.empty() || k.g.empty() || key.x.empty()) {
    bad_key("DSA private key: missing components");
  }
  DsaPrivateKey out;
  out.Initialize(to_int(k.p), to_int(k.q), to_int(k.g), to_int(key.x));
  return out;
}

DsaPublicKey dsa_public(const PublicKey& key) {
  const DsaPublic& k = key.dsa;
  Integer p = to_int(k.p);
  Integer q = to_int(k.q);
  Integer g = to_int(k.g);
  Integer y = to_int(k.y);
  if (p.IsEven() || p.BitCount() < 512 || q.BitCount() < 160 || q >= p || g <= Integer::One() ||
      g >= p || y <= Integer::One() || y >= p) {
    bad_key("DSA public key: parameters out of range");
  }
  DsaPublicKey out;
  out.Initialize(p, q, g, y);
  return out;
}

EcPrivateKey ec_private(const PrivateKey& key) {
  const EcGroup& group = ec_group(key.pub.ec.curve);
  Integer x = to_int(key.x);
  if (x.IsZero() || x >= group.GetSubgroupOrder()) {
    bad_key("EC private key: scalar out of range");
  }
  EcPrivateKey out;
  out.Initialize(group, x);
  return out;
}

EcPublicKey ec_public(const PublicKey& key) {
  EcPublicKey out;
  out.Initialize(ec_group(key.ec.curve), decode_point(key.ec.curve, key.ec.point));
  return out;
}

void require_type(KeyType have, SignatureAlgorithm alg) {
  if (have != signature_key_type(alg)) {
    throw_usage("a " + std::string(key_type_name(have)) + " key cannot be used for " +
                std::string(signature_algorithm_name(alg)));
  }
}

// Security strength of finite-field groups (SP 800-57 Part 1, Table 2).
unsigned ffc_strength(std::size_t pbits) {
  if (pbits >= 15360) {
    return 256;
  }
  if (pbits >= 7680) {
    return 192;
  }
  if (pbits >= 3072) {
    return 128;
  }
  if (pbits >= 2048) {
    return 112;
  }
  return 80;
}

}  // namespace

// ---- Names -----------------------------------------------------------------------------

std::string_view key_type_name(KeyType t) {
  switch (t) {
    case KeyType::rsa:
      return "RSA";
    case KeyType::dsa:
      return "DSA";
    case KeyType::ec:
      return "EC";
    case KeyType::dh:
      return "DH";
  }
  return "?";
}

std::string_view curve_name(Curve c) { return c == Curve::p384 ? "P-384" : "P-256"; }
std::string_view curve_sec_name(Curve c) { return c == Curve::p384 ? "secp384r1" : "prime256v1"; }
std::size_t curve_bytes(Curve c) { return c == Curve::p384 ? 48 : 32; }

std::size_t key_bits(const PublicKey& key) {
  switch (key.type) {
    case KeyType::rsa:
      return bit_length(key.rsa.n);
    case KeyType::dsa:
      return bit_length(key.dsa.p);
    case KeyType::ec:
      return curve_bytes(key.ec.curve) * 8;
    case KeyType::dh:
      return bit_length(key.dh.params.p);
  }
  return 0;
}

KeyType signature_key_type(SignatureAlgorithm alg) {
  switch (alg) {
    case SignatureAlgorithm::dsa_sha1:
    case SignatureAlgorithm::dsa_sha224:
    case SignatureAlgorithm::dsa_sha256:
      return KeyType::dsa;
    case SignatureAlgorithm::ecdsa_sha1:
    case SignatureAlgorithm::ecdsa_sha224:
    case SignatureAlgorithm::ecdsa_sha256:
    case SignatureAlgorithm::ecdsa_sha384:
    case SignatureAlgorithm::ecdsa_sha512:
      return KeyType::ec;
    default:
      return KeyType::rsa;
  }
}

HashAlg signature_hash(SignatureAlgorithm alg) {
  switch (alg) {
    case SignatureAlgorithm::rsa_pkcs1_md5_sha1:
      return HashAlg::md5_sha1;
    case SignatureAlgorithm::rsa_pkcs1_sha1:
    case SignatureAlgorithm::dsa_sha1:
    case SignatureAlgorithm::ecdsa_sha1:
      return HashAlg::sha1;
    case SignatureAlgorithm::rsa_pkcs1_sha224:
    case SignatureAlgorithm::dsa_sha224:
    case SignatureAlgorithm::ecdsa_sha224:
      return HashAlg::sha224;
    case SignatureAlgorithm::rsa_pkcs1_sha256:
    case SignatureAlgorithm::rsa_pss_sha256:
    case SignatureAlgorithm::dsa_sha256:
    case SignatureAlgorithm::ecdsa_sha256:
      return HashAlg::sha256;
    case SignatureAlgorithm::rsa_pkcs1_sha384:
    case SignatureAlgorithm::rsa_pss_sha384:
    case SignatureAlgorithm::ecdsa_sha384:
      return HashAlg::sha384;
    case SignatureAlgorithm::rsa_pkcs1_sha512:
    case SignatureAlgorithm::rsa_pss_sha512:
    case SignatureAlgorithm::ecdsa_sha512:
      return HashAlg::sha512;
  }
  return HashAlg::sha256;
}

std::string_view signature_algorithm_name(SignatureAlgorithm alg) {
  switch (alg) {
    case SignatureAlgorithm::rsa_pkcs1_md5_sha1:
      return "rsa_pkcs1_md5_sha1";
    case SignatureAlgorithm::rsa_pkcs1_sha1:
      return "rsa_pkcs1_sha1";
    case SignatureAlgorithm::rsa_pkcs1_sha224:
      return "rsa_pkcs1_sha224";
    case SignatureAlgorithm::rsa_pkcs1_sha256:
      return "rsa_pkcs1_sha256";
    case SignatureAlgorithm::rsa_pkcs1_sha384:
      return "rsa_pkcs1_sha384";
    case SignatureAlgorithm::rsa_pkcs1_sha512:
      return "rsa_pkcs1_sha512";
    case SignatureAlgorithm::rsa_pss_sha256:
      return "rsa_pss_sha256";
    case SignatureAlgorithm::rsa_pss_sha384:
      return "rsa_pss_sha384";
    case SignatureAlgorithm::rsa_pss_sha512:
      return "rsa_pss_sha512";
    case SignatureAlgorithm::dsa_sha1:
      return "dsa_sha1";
    case SignatureAlgorithm::dsa_sha224:
      return "dsa_sha224";
    case SignatureAlgorithm::dsa_sha256:
      return "dsa_sha256";
    case SignatureAlgorithm::ecdsa_sha1:
      return "ecdsa_sha1";
    case SignatureAlgorithm::ecdsa_sha224:
      return "ecdsa_sha224";
    case SignatureAlgorithm::ecdsa_sha256:
      return "ecdsa_sha256";
    case SignatureAlgorithm::ecdsa_sha384:
      return "ecdsa_sha384";
    case SignatureAlgorithm::ecdsa_sha512:
      return "ecdsa_sha512";
  }
  return "?";
}

// ---- Generation ------------------------------------------------------------------------

PrivateKey generate_rsa(Rng& rng, unsigned bits) {
  if (bits != 1024 && bits != 2048 && bits != 3072 && bits != 4096) {
    throw_usage("RSA key size must be 2048, 3072 or 4096 bits (1024 for tests), not " +
                std::to_string(bits));
  }
  RngAdapter a(rng);
  try {
    CryptoPP::InvertibleRSAFunction f;
    f.Initialize(a, bits, Integer(65537));  // not GenerateRandomWithKeySize: that uses e = 17
    PrivateKey k;
    k.pub.type = KeyType::rsa;
    k.pub.rsa.n = from_int(f.GetModulus());
    k.pub.rsa.e = from_int(f.GetPublicExponent());
    k.rsa.d = from_int(f.GetPrivateExponent());
    k.rsa.p = from_int(f.GetPrime1());
    k.rsa.q = from_int(f.GetPrime2());
    k.rsa.dp = from_int(f.GetModPrime1PrivateExponent());
    k.rsa.dq = from_int(f.GetModPrime2PrivateExponent());
    k.rsa.qinv = from_int(f.GetMultiplicativeInverseOfPrime2ModPrime1());
    return k;
  } catch (const CryptoPP::Exception& e) {
    rethrow(e, "RSA key generation");
  }
}

PrivateKey generate_dsa(Rng& rng, unsigned p_bits, unsigned q_bits) {
  bool ok = (p_bits == 1024 && q_bits == 160) || (p_bits == 2048 && q_bits == 224) ||
            (p_bits == 2048 && q_bits == 256) || (p_bits == 3072 && q_bits == 256);
  if (!ok) {
    throw_usage("DSA sizes must be 2048/224, 2048/256 or 3072/256 (1024/160 for tests), not " +
                std::to_string(p_bits) + "/" + std::to_string(q_bits));
  }
  RngAdapter a(rng);
  try {
    CryptoPP::DL_GroupParameters_DSA params;
    params.GenerateRandom(
        a, CryptoPP::MakeParameters(CryptoPP::Name::ModulusSize(), static_cast<int>(p_bits))(
               CryptoPP::Name::SubgroupOrderSize(), static_cast<int>(q_bits)));
    if (params.GetSubgroupOrder().BitCount() != q_bits) {
      throw Error(ErrorKind::internal, "DSA parameter generation gave a " +
                                           std::to_string(params.GetSubgroupOrder().BitCount()) +
                                           "-bit q, not " + std::to_string(q_bits));
    }
    const Integer& p = params.GetModulus();
    const Integer& q = params.GetSubgroupOrder();
    const Integer& g = params.GetGenerator();
    Integer x(a, Integer::One(), q - Integer::One());
    PrivateKey k;
    k.pub.type = KeyType::dsa;
    k.pub.dsa.p = from_int(p);
    k.pub.dsa.q = from_int(q);
    k.pub.dsa.g = from_int(g);
    k.pub.dsa.y = from_int(CryptoPP::ModularExponentiation(g, x, p));
    k.x = from_int(x);
    return k;
  } catch (const CryptoPP::Exception& e) {
    rethrow(e, "DSA key generation");
  }
}

PrivateKey generate_ec(Rng& rng, Curve curve) {
  RngAdapter a(rng);
  try {
    const EcGroup& group = ec_group(curve);
    Integer x(a, Integer::One(), group.GetSubgroupOrder() - Integer::One());
    PrivateKey k;
    k.pub.type = KeyType::ec;
    k.pub.ec.curve = curve;
    k.pub.ec.point = encode_point(curve, group.ExponentiateBase(x));
    k.x = from_int(x, curve_bytes(curve));
    return k;
  } catch (const CryptoPP::Exception& e) {
    rethrow(e, "EC key generation");
  }
}

PrivateKey generate_dh(Rng& rng, const DhParams& params, DhOid oid) {
  if (params.p.empty() || params.g.empty()) {
    throw_usage("DH key generation: parameters lack p or g");
  }
  try {
    Integer p = to_int(params.p);
    Integer g = to_int(params.g);
    if (p.BitCount() < 64 || p.IsEven() || g < Integer::Two() || g > p - Integer::Two()) {
      throw_usage("DH key generation: p or g out of range");
    }
    Bytes x;
    if (!params.q.empty()) {
      Integer q = to_int(params.q);
      if (q < Integer(5) || q >= p) {
        throw_usage("DH key generation: q out of range");
      }
      x = random_range(rng, Bytes{2}, from_int(q - Integer::Two()));
    } else {
      std::size_t pbits = p.BitCount();
      std::size_t len =
          params.private_value_length != 0 ? params.private_value_length : 2 * ffc_strength(pbits);
      len = std::min(len, pbits - 1);
      Integer lo = Integer::Power2(len - 1);
      Integer hi = std::min(Integer::Power2(len) - Integer::One(), p - Integer::Two());
      x = random_range(rng, from_int(lo), from_int(hi));
    }
    PrivateKey k;
    k.pub.type = KeyType::dh;
    k.pub.dh.oid = oid;
    k.pub.dh.params = params;
    k.pub.dh.params.p = minimal(params.p);
    k.pub.dh.params.g = minimal(params.g);
    if (!params.q.empty()) {
      k.pub.dh.params.q = minimal(params.q);
    }
    k.pub.dh.y = mod_exp(params.g, x, params.p);
    k.x = std::move(x);
    return k;
  } catch (const CryptoPP::Exception& e) {
    rethrow(e, "DH key generation");
  }
}

// ---- Checks ----------------------------------------------------------------------------

Bytes ec_decode_point(Curve curve, ByteView encoded) {
  try {
    return encode_point(curve, decode_point(curve, encoded));
  } catch (const CryptoPP::Exception& e) {
    bad_key(std::string(curve_name(curve)) + " public point: " + e.what());
  }
}

Bytes ec_public_from_private(Curve curve, ByteView scalar) {
  try {
    const EcGroup& group = ec_group(curve);
    Integer x = to_int(scalar);
    if (x.IsZero() || x >= group.GetSubgroupOrder()) {
      bad_key(std::string(curve_name(curve)) + " private key: scalar out of range");
    }
    return encode_point(curve, group.ExponentiateBase(x));
  } catch (const CryptoPP::Exception& e) {
    rethrow(e, "EC public key");
  }
}

void check_public_key(const PublicKey& key) {
  try {
    switch (key.type) {
      case KeyType::rsa: {
        Integer n = to_int(key.rsa.n);
        Integer e = to_int(key.rsa.e);
        if (n.IsEven() || n.BitCount() < 512) {
          check_fail("RSA key: modulus is even or too small");
        }
        if (e.IsEven() || e < Integer(3) || e >= n) {
          check_fail("RSA key: bad public exponent");
        }
        return;
      }
      case KeyType::dsa: {
        Integer p = to_int(key.dsa.p);
        Integer q = to_int(key.dsa.q);
        Integer g = to_int(key.dsa.g);
        Integer y = to_int(key.dsa.y);
        if (p.IsEven() || q.IsZero() || !((p - Integer::One()) % q).IsZero()) {
          check_fail("DSA key: q does not divide p-1");
        }
        if (g <= Integer::One() || g >= p ||
            CryptoPP::ModularExponentiation(g, q, p) != Integer::One()) {
          check_fail("DSA key: g is not of order q");
        }
        if (y <= Integer::One() || y >= p ||
            CryptoPP::ModularExponentiation(y, q, p) != Integer::One()) {
          check_fail("DSA key: y is not in the order-q subgroup");
        }
        return;
      }
      case KeyType::ec:
        try {
          decode_point(key.ec.curve, key.ec.point);
        } catch (const Error& e) {
          check_fail(e.detail());
        }
        return;
      case KeyType::dh: {
        Integer p = to_int(key.dh.params.p);
        Integer y = to_int(key.dh.y);
        if (p.IsEven() || y <= Integer::One() || y >= p - Integer::One()) {
          check_fail("DH key: public value out of range [2, p-2]");
        }
        if (!key.dh.params.q.empty() &&
            CryptoPP::ModularExponentiation(y, to_int(key.dh.params.q), p) != Integer::One()) {
          check_fail("DH key: public value is not in the order-q subgroup");
        }
        return;
      }
    }
  } catch (const CryptoPP::Exception& e) {
    rethrow(e, "key check");
  }
}

void check_private_key(const PrivateKey& key) {
  try {
    check_public_key(key.pub);
    CryptoPP::AutoSeededRandomPool pool;
    switch (key.pub.type) {
      case KeyType::rsa: {
        const RsaPrivate& k = key.rsa;
        Integer n = to_int(key.pub.rsa.n);
        Integer e = to_int(key.pub.rsa.e);
        Integer d = to_int(k.d);
        Integer p = to_int(k.p);
        Integer q = to_int(k.q);
        if (p * q != n) {
          check_fail("RSA key: n != p * q");
        }
        if (!CryptoPP::VerifyPrime(pool, p, 2)) {
          check_fail("RSA key: p is not prime");
        }
        if (!CryptoPP::VerifyPrime(pool, q, 2)) {
          check_fail("RSA key: q is not prime");
        }
        Integer p1 = p - Integer::One();
        Integer q1 = q - Integer::One();
        Integer lambda = CryptoPP::LCM(p1, q1);
        if (d.IsZero() || d >= n || (d * e) % lambda != Integer::One()) {
          check_fail("RSA key: d * e != 1 mod lcm(p-1, q-1)");
        }
        if (to_int(k.dp) != d % p1) {
          check_fail("RSA key: dp != d mod (p-1)");
        }
        if (to_int(k.dq) != d % q1) {
          check_fail("RSA key: dq != d mod (q-1)");
        }
        if ((to_int(k.qinv) * q) % p != Integer::One()) {
          check_fail("RSA key: qinv * q != 1 mod p");
        }
        return;
      }
      case KeyType::dsa: {
        Integer p = to_int(key.pub.dsa.p);
        Integer q = to_int(key.pub.dsa.q);
        Integer x = to_int(key.x);
        if (!CryptoPP::VerifyPrime(pool, p, 2) || !CryptoPP::VerifyPrime(pool, q, 2)) {
          check_fail("DSA key: p or q is not prime");
        }
        if (x.IsZero() || x >= q) {
          check_fail("DSA key: x out of range [1, q-1]");
        }
        if (CryptoPP::ModularExponentiation(to_int(key.pub.dsa.g), x, p) != to_int(key.pub.dsa.y)) {
          check_fail("DSA key: y != g^x mod p");
        }
        return;
      }
      case KeyType::ec: {
        Bytes expect;
        try {
          expect = ec_public_from_private(key.pub.ec.curve, key.x);
        } catch (const Error& e) {
          check_fail(e.detail());
        }
        if (expect != key.pub.ec.point) {
          check_fail("EC key: public point != x * G");
        }
        return;
      }
      case KeyType::dh: {
        Integer p = to_int(key.pub.dh.params.p);
        Integer x = to_int(key.x);
        if (!CryptoPP::VerifyPrime(pool, p, 1)) {
          check_fail("DH key: p is not prime");
        }
        if (x <= Integer::One() || x >= p - Integer::One()) {
          check_fail("DH key: x out of range");
        }
        if (!key.pub.dh.params.q.empty() && x >= to_int(key.pub.dh.params.q)) {
          check_fail("DH key: x >= q");
        }
        if (CryptoPP::ModularExponentiation(to_int(key.pub.dh.params.g), x, p) !=
            to_int(key.pub.dh.y)) {
          check_fail("DH key: y != g^x mod p");
        }
        return;
      }
    }
  } catch (const CryptoPP::Exception& e) {
    rethrow(e, "key check");
  }
}

// ---- Signatures ------------------------------------------------------------------------

Bytes sign(const PrivateKey& key, SignatureAlgorithm alg, ByteView message, Rng& rng) {
  require_type(key.pub.type, alg);
  RngAdapter a(rng);
  try {
    switch (alg) {
      case SignatureAlgorithm::rsa_pkcs1_md5_sha1:
      case SignatureAlgorithm::rsa_pkcs1_sha1:
      case SignatureAlgorithm::rsa_pkcs1_sha224:
      case SignatureAlgorithm::rsa_pkcs1_sha256:
      case SignatureAlgorithm::rsa_pkcs1_sha384:
      case SignatureAlgorithm::rsa_pkcs1_sha512: {
        CryptoPP::InvertibleRSAFunction f = rsa_private(key);
        std::size_t k = f.GetModulus().ByteCount();
        Bytes em = emsa_pkcs1_v15(signature_hash(alg), message, k);
        // CalculateInverse blinds the private operation and checks the result.
        return from_int(f.CalculateInverse(a, to_int(em)), k);
      }
      case SignatureAlgorithm::rsa_pss_sha256:
        return pss_sign<CryptoPP::SHA256>(rsa_private(key), message, a);
      case SignatureAlgorithm::rsa_pss_sha384:
        return pss_sign<CryptoPP::SHA384>(rsa_private(key), message, a);
      case SignatureAlgorithm::rsa_pss_sha512:
        return pss_sign<CryptoPP::SHA512>(rsa_private(key), message, a);
      case SignatureAlgorithm::dsa_sha1:
        return dl_sign<CryptoPP::DSA2<CryptoPP::SHA1>>(dsa_private(key), message, a);
      case SignatureAlgorithm::dsa_sha224:
        return dl_sign<CryptoPP::DSA2<CryptoPP::SHA224>>(dsa_private(key), message, a);
      case SignatureAlgorithm::dsa_sha256:
        return dl_sign<CryptoPP::DSA2<CryptoPP::SHA256>>(dsa_private(key), message, a);
      case SignatureAlgorithm::ecdsa_sha1:
        return dl_sign<CryptoPP::ECDSA<CryptoPP::ECP, CryptoPP::SHA1>>(ec_private(key), message, a);
      case SignatureAlgorithm::ecdsa_sha224:
        return dl_sign<CryptoPP::ECDSA<CryptoPP::ECP, CryptoPP::SHA224>>(ec_private(key), message,
                                                                         a);
      case SignatureAlgorithm::ecdsa_sha256:
        return dl_sign<CryptoPP::ECDSA<CryptoPP::ECP, CryptoPP::SHA256>>(ec_private(key), message,
                                                                         a);
      case SignatureAlgorithm::ecdsa_sha384:
        return dl_sign<CryptoPP::ECDSA<CryptoPP::ECP, CryptoPP::SHA384>>(ec_private(key), message,
                                                                         a);
      case SignatureAlgorithm::ecdsa_sha512:
        return dl_sign<CryptoPP::ECDSA<CryptoPP::ECP, CryptoPP::SHA512>>(ec_private(key), message,
                                                                         a);
    }
  } catch (const CryptoPP::Exception& e) {
    rethrow(e, std::string("signing with ") + std::string(signature_algorithm_name(alg)));
  }
  throw Error(ErrorKind::internal, "unknown signature algorithm");
}

bool verify(const PublicKey& key, SignatureAlgorithm alg, ByteView message, ByteView signature) {
  require_type(key.type, alg);
  try {
    switch (alg) {
      case SignatureAlgorithm::rsa_pkcs1_md5_sha1:
      case SignatureAlgorithm::rsa_pkcs1_sha1:
      case SignatureAlgorithm::rsa_pkcs1_sha224:
      case SignatureAlgorithm::rsa_pkcs1_sha256:
      case SignatureAlgorithm::rsa_pkcs1_sha384:
      case SignatureAlgorithm::rsa_pkcs1_sha512: {
        CryptoPP::RSAFunction f = rsa_public(key);
        std::size_t k = f.GetModulus().ByteCount();
        if (signature.size() != k) {
          return false;
        }
        Integer s = to_int(signature);
        if (s >= f.GetModulus()) {
          return false;
        }
        Bytes em;
        try {
          em = emsa_pkcs1_v15(signature_hash(alg), message, k);
        } catch (const Error&) {
          return false;  // modulus too small for this hash: nothing can verify
        }
        // Compare the whole encoded message (RFC 8017 §8.2.2 step 4): no parsing of the
        // DigestInfo, so BER variants and missing NULLs are rejected.
        return ct_equal(from_int(f.ApplyFunction(s), k), em);
      }
      case SignatureAlgorithm::rsa_pss_sha256:
        return pss_verify<CryptoPP::SHA256>(rsa_public(key), message, signature);
      case SignatureAlgorithm::rsa_pss_sha384:
        return pss_verify<CryptoPP::SHA384>(rsa_public(key), message, signature);
      case SignatureAlgorithm::rsa_pss_sha512:
        return pss_verify<CryptoPP::SHA512>(rsa_public(key), message, signature);
      case SignatureAlgorithm::dsa_sha1:
      case SignatureAlgorithm::dsa_sha224:
      case SignatureAlgorithm::dsa_sha256: {
        DsaPublicKey k = dsa_public(key);
        const Integer& q = k.GetGroupParameters().GetSubgroupOrder();
        if (alg == SignatureAlgorithm::dsa_sha1) {
          return dl_verify<CryptoPP::DSA2<CryptoPP::SHA1>>(k, q, message, signature);
        }
        if (alg == SignatureAlgorithm::dsa_sha224) {
          return dl_verify<CryptoPP::DSA2<CryptoPP::SHA224>>(k, q, message, signature);
        }
        return dl_verify<CryptoPP::DSA2<CryptoPP::SHA256>>(k, q, message, signature);
      }
      case SignatureAlgorithm::ecdsa_sha1:
      case SignatureAlgorithm::ecdsa_sha224:
      case SignatureAlgorithm::ecdsa_sha256:
      case SignatureAlgorithm::ecdsa_sha384:
      case SignatureAlgorithm::ecdsa_sha512: {
        EcPublicKey k = ec_public(key);
        const Integer& n = ec_group(key.ec.curve).GetSubgroupOrder();
        switch (alg) {
          case SignatureAlgorithm::ecdsa_sha1:
            return dl_verify<CryptoPP::ECDSA<CryptoPP::ECP, CryptoPP::SHA1>>(k, n, message,
                                                                             signature);
          case SignatureAlgorithm::ecdsa_sha224:
            return dl_verify<CryptoPP::ECDSA<CryptoPP::ECP, CryptoPP::SHA224>>(k, n, message,
                                                                               signature);
          case SignatureAlgorithm::ecdsa_sha256:
            return dl_verify<CryptoPP::ECDSA<CryptoPP::ECP, CryptoPP::SHA256>>(k, n, message,
                                                                               signature);
          case SignatureAlgorithm::ecdsa_sha384:
            return dl_verify<CryptoPP::ECDSA<CryptoPP::ECP, CryptoPP::SHA384>>(k, n, message,
                                                                               signature);
          default:
            return dl_verify<CryptoPP::ECDSA<CryptoPP::ECP, CryptoPP::SHA512>>(k, n, message,
                                                                               signature);
        }
      }
    }
  } catch (const CryptoPP::Exception&) {
    return false;  // Crypto++ rejects some malformed signatures by throwing
  }
  throw Error(ErrorKind::internal, "unknown signature algorithm");
}

}  // namespace hsk::crypto
