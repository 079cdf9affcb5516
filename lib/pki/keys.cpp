// hsk::pki keys — PKCS#8, SPKI, PKCS#1, SEC1 and traditional DSA keys, PEM or DER.
#include "pki/keys.hpp"

#include <sys/stat.h>

#include <cerrno>

#include "hsk/error.hpp"
#include "io/file.hpp"
#include "pki/der.hpp"
#include "pki/oids.hpp"
#include "pki/pem.hpp"

namespace hsk::pki {

using crypto::Curve;
using crypto::DhOid;
using crypto::DhParams;
using crypto::KeyType;
using crypto::SignatureAlgorithm;

namespace {

constexpr std::size_t kMaxModulusBits = 16384;
constexpr const char* kDecryptHint =
    "the key is encrypted; decrypt it first, e.g. `openssl pkey -in KEY -out PLAIN.pem`";

// inner returns a reader over an element's content (skipping `skip` leading content bytes,
// e.g. the unused-bits byte of a BIT STRING), with absolute offsets preserved.
DerReader inner(const DerElement& e, std::string context, std::size_t skip = 0) {
  std::size_t header = e.encoded.size() - e.content.size();
  return DerReader(e.content.subspan(skip), e.offset + header + skip, std::move(context));
}

// big reads an INTEGER that is a modulus-sized value and bounds its size.
Bytes big(DerReader& r, std::string_view field) {
  std::size_t at = r.offset();
  Bytes v = r.integer(field);
  if (crypto::bit_length(v) > kMaxModulusBits) {
    DerReader(ByteView{}, at, "").fail(field, "integer larger than 16384 bits");
  }
  return v;
}

bool is_zero(ByteView v) { return crypto::bit_length(v) == 0; }

// require checks a decoded value; on failure it throws malformed at `at`.
void require(bool ok, std::size_t at, std::string_view context, std::string_view what) {
  if (!ok) {
    throw_malformed(at, std::string(context), std::string(what));
  }
}

// BIT STRING with 0 unused bits, returned as an element so nested parses keep offsets.
DerElement bit_string_element(DerReader& r, std::string_view field) {
  DerElement e = r.expect(tag::kBitString, field);
  if (e.content.empty() || e.content[0] != 0) {
    throw_malformed(e.offset, "BIT STRING", std::string(field) + ": unused bits must be 0");
  }
  return e;
}

// ---- Domain parameters ----------------------------------------------------------------

// check_ff_domain: structural checks on DSA/DH domain parameters (primality is
// crypto::check_private_key's job). p is capped at 10000 bits, as OpenSSL caps DSA and DH.
void check_ff_domain(const Bytes& p, const Bytes& g, std::size_t at, std::string_view what) {
  require(crypto::bit_length(p) >= 64 && (p.back() & 1) == 1, at, what,
          "p is not an odd prime-sized integer");
  require(crypto::bit_length(p) <= 10000, at, what, "p is larger than 10000 bits");
  require(crypto::compare_int(g, Bytes{1}) > 0 && crypto::compare_int(g, p) < 0, at, what,
          "g out of range (1, p)");
}

crypto::DsaPublic read_dss_parms(DerReader& r) {
  std::size_t at = r.offset();
  DerReader s = r.enter(tag::kSequence, "Dss-Parms");
  crypto::DsaPublic d;
  d.p = big(s, "p");
  d.q = big(s, "q");
  d.g = big(s, "g");
  s.expect_end("Dss-Parms");
  check_ff_domain(d.p, d.g, at, "Dss-Parms");
  require(crypto::bit_length(d.q) >= 64 && crypto::compare_int(d.q, d.p) < 0, at, "Dss-Parms",
          "q out of range");
  return d;
}

void write_dss_parms(DerWriter& w, const crypto::DsaPublic& d) {
  w.sequence([&](DerWriter& s) {
    s.integer(d.p);
    s.integer(d.q);
    s.integer(d.g);
  });
}

DhParams read_dh_domain(DerReader& r, DhOid oid) {
  std::size_t at = r.offset();
  DhParams d;
  if (oid == DhOid::dh_key_agreement) {
    DerReader s = r.enter(tag::kSequence, "DHParameter");
    d.p = big(s, "p");
    d.g = big(s, "g");
    if (!s.empty()) {
      d.private_value_length = s.small_integer("privateValueLength");
    }
    s.expect_end("DHParameter");
  } else {
    DerReader s = r.enter(tag::kSequence, "DomainParameters");
    d.p = big(s, "p");
    d.g = big(s, "g");
    d.q = big(s, "q");
    if (s.peek_tag() == tag::kInteger) {
      d.j = big(s, "j");
    }
    if (s.peek_tag() == tag::kSequence) {
      DerReader v = s.enter(tag::kSequence, "validationParms");
      v.bit_string("seed");
      v.integer("pgenCounter");
      v.expect_end("validationParms");
    }
    s.expect_end("DomainParameters");
    require(crypto::compare_int(d.q, Bytes{1}) > 0 && crypto::compare_int(d.q, d.p) < 0, at,
            "DomainParameters", "q out of range");
  }
  check_ff_domain(d.p, d.g, at,
                  oid == DhOid::dh_key_agreement ? "DHParameter" : "DomainParameters");
  return d;
}

void write_dh_domain(DerWriter& w, const DhParams& d, DhOid oid) {
  w.sequence([&](DerWriter& s) {
    s.integer(d.p);
    s.integer(d.g);
    if (oid == DhOid::dh_key_agreement) {
      if (d.private_value_length != 0) {
        s.small_integer(d.private_value_length);
      }
    } else {
      if (d.q.empty()) {
        throw_usage("an X9.42 (dhpublicnumber) DH key needs q");
      }
      s.integer(d.q);
      if (!d.j.empty()) {
        s.integer(d.j);
      }
    }
  });
}

// ---- Algorithm identifiers --------------------------------------------------------------

struct AlgId {
  std::string oid;
  std::size_t offset = 0;
  std::optional<DerElement> params;
};

AlgId read_alg_id(DerReader& r, std::string_view field) {
  AlgId a;
  a.offset = r.offset();
  DerReader s = r.enter(tag::kSequence, field);
  a.oid = s.oid("algorithm");
  if (!s.empty()) {
    a.params = s.next("parameters");
  }
  s.expect_end(field);
  return a;
}

Curve read_named_curve(DerReader& r, std::string_view context) {
  std::size_t at = r.offset();
  if (r.peek_tag() == tag::kSequence) {
    throw_malformed(at, std::string(context),
                    "explicit EC parameters are not supported (use a named curve)");
  }
  if (r.peek_tag() == tag::kNull) {
    throw_malformed(at, std::string(context), "implicitCA EC parameters are not supported");
  }
  std::string dotted = r.oid("namedCurve");
  std::optional<Curve> c = curve_from_oid(dotted);
  if (!c) {
    throw_malformed(at, std::string(context),
                    "unsupported curve " + dotted + " (hsk supports P-256 and P-384)");
  }
  return *c;
}

// key_type_of maps an algorithm OID to a key type, or fails naming the OID.
struct KeyAlg {
  KeyType type;
  DhOid dh_oid = DhOid::dh_key_agreement;
};

KeyAlg key_alg(const AlgId& a, std::string_view context) {
  if (a.oid == oid::kRsaEncryption) {
    return {KeyType::rsa};
  }
  if (a.oid == oid::kIdDsa) {
    return {KeyType::dsa};
  }
  if (a.oid == oid::kIdEcPublicKey) {
    return {KeyType::ec};
  }
  if (a.oid == oid::kDhKeyAgreement) {
    return {KeyType::dh, DhOid::dh_key_agreement};
  }
  if (a.oid == oid::kDhPublicNumber) {
    return {KeyType::dh, DhOid::dh_public_number};
  }
  if (a.oid == oid::kRsassaPss) {
    throw_malformed(a.offset, std::string(context),
                    "RSA-PSS-restricted keys (OID 1.2.840.113549.1.1.10) are not supported; use an "
                    "rsaEncryption key");
  }
  static constexpr std::pair<std::string_view, std::string_view> kKnown[] = {
      {"1.3.101.110", "X25519"}, {"1.3.101.111", "X448"},        {"1.3.101.112", "Ed25519"},
      {"1.3.101.113", "Ed448"},  {"1.2.156.10197.1.301", "SM2"},
  };
  std::string name = a.oid;
  for (const auto& [o, n] : kKnown) {
    if (a.oid == o) {
      name = std::string(n) + " (" + a.oid + ")";
    }
  }
  throw_malformed(
      a.offset, std::string(context),
      "unsupported key algorithm " + name + " (hsk reads RSA, DSA, EC, DH and DHX keys)");
}

void require_no_params_or_null(const AlgId& a, std::string_view context) {
  if (a.params && a.params->tag != tag::kNull) {
    throw_malformed(a.params->offset, std::string(context),
                    "rsaEncryption parameters must be NULL");
  }
  if (a.params && !a.params->content.empty()) {
    throw_malformed(a.params->offset, std::string(context), "NULL with content");
  }
}

DerReader params_reader(const AlgId& a, std::string_view context) {
  if (!a.params) {
    throw_malformed(a.offset, std::string(context), "algorithm parameters are missing");
  }
  return DerReader(a.params->encoded, a.params->offset, std::string(context));
}

// ---- Completing keys ---------------------------------------------------------------------

Bytes ff_public(const Bytes& g, const Bytes& x, const Bytes& p, std::size_t at,
                std::string_view context) {
  require(!is_zero(x) && crypto::compare_int(x, p) < 0, at, context, "private value out of range");
  return crypto::mod_exp(g, x, p);
}

PrivateKey read_rsa_private(DerReader& outer, std::string_view context) {
  std::size_t at = outer.offset();
  DerReader s = outer.enter(tag::kSequence, "RSAPrivateKey");
  std::uint64_t version = s.small_integer("version");
  if (version != 0) {
    throw_malformed(at, std::string(context), "multi-prime RSA keys (version 1) are not supported");
  }
  PrivateKey k;
  k.pub.type = KeyType::rsa;
  k.pub.rsa.n = big(s, "modulus");
  k.pub.rsa.e = big(s, "publicExponent");
  k.rsa.d = big(s, "privateExponent");
  k.rsa.p = big(s, "prime1");
  k.rsa.q = big(s, "prime2");
  k.rsa.dp = big(s, "exponent1");
  k.rsa.dq = big(s, "exponent2");
  k.rsa.qinv = big(s, "coefficient");
  s.expect_end("RSAPrivateKey");
  require(crypto::bit_length(k.pub.rsa.n) >= 256 && (k.pub.rsa.n.back() & 1), at, context,
          "modulus is even or too small");
  require(!is_zero(k.rsa.d) && !is_zero(k.rsa.p) && !is_zero(k.rsa.q), at, context,
          "zero private component");
  return k;
}

crypto::RsaPublic read_rsa_public(DerReader& outer, std::string_view context) {
  std::size_t at = outer.offset();
  DerReader s = outer.enter(tag::kSequence, "RSAPublicKey");
  crypto::RsaPublic k;
  k.n = big(s, "modulus");
  k.e = big(s, "publicExponent");
  s.expect_end("RSAPublicKey");
  require(crypto::bit_length(k.n) >= 256 && (k.n.back() & 1), at, context,
          "modulus is even or too small");
  require(crypto::bit_length(k.e) >= 2, at, context, "public exponent out of range");
  return k;
}

void write_rsa_private(DerWriter& w, const PrivateKey& k) {
  w.sequence([&](DerWriter& s) {
    s.small_integer(0);
    s.integer(k.pub.rsa.n);
    s.integer(k.pub.rsa.e);
    s.integer(k.rsa.d);
    s.integer(k.rsa.p);
    s.integer(k.rsa.q);
    s.integer(k.rsa.dp);
    s.integer(k.rsa.dq);
    s.integer(k.rsa.qinv);
  });
}

void write_rsa_public(DerWriter& w, const crypto::RsaPublic& k) {
  w.sequence([&](DerWriter& s) {
    s.integer(k.n);
    s.integer(k.e);
  });
}

void write_ec_private(DerWriter& w, const PrivateKey& k, bool with_params) {
  w.sequence([&](DerWriter& s) {
    s.small_integer(1);
    s.octet_string(crypto::left_pad(k.x, crypto::curve_bytes(k.pub.ec.curve)));
    if (with_params) {
      s.constructed(tag::context(0), [&](DerWriter& c) { c.oid(curve_oid(k.pub.ec.curve)); });
    }
    s.constructed(tag::context(1), [&](DerWriter& c) { c.bit_string(k.pub.ec.point); });
  });
}

void require_type(const PrivateKey& k, KeyType t, std::string_view what) {
  if (k.pub.type != t) {
    throw_usage(std::string(what) + " needs a " + std::string(crypto::key_type_name(t)) +
                " key, not " + std::string(crypto::key_type_name(k.pub.type)));
  }
}

std::string text(ByteView data) {
  return std::string(reinterpret_cast<const char*>(data.data()), data.size());
}

// ---- DER classification -----------------------------------------------------------------

enum class DerKind {
  pkcs8,
  encrypted_pkcs8,
  spki,
  sec1,
  pkcs1,
  dsa_traditional,
  pkcs1_public,
  unknown
};

DerKind classify(ByteView der) {
  try {
    DerReader top(der, 0, "key");
    DerReader s = top.enter(tag::kSequence, "key");
    std::vector<std::uint8_t> tags;
    while (!s.empty() && tags.size() < 12) {
      tags.push_back(s.next("element").tag);
    }
    auto all_int = [&](std::size_t n) {
      if (tags.size() != n) {
        return false;
      }
      for (std::uint8_t t : tags) {
        if (t != tag::kInteger) {
          return false;
        }
      }
      return true;
    };
    if (tags.size() >= 3 && tags[0] == tag::kInteger && tags[1] == tag::kSequence &&
        tags[2] == tag::kOctetString) {
      return DerKind::pkcs8;
    }
    if (tags.size() == 2 && tags[0] == tag::kSequence && tags[1] == tag::kBitString) {
      return DerKind::spki;
    }
    if (tags.size() == 2 && tags[0] == tag::kSequence && tags[1] == tag::kOctetString) {
      return DerKind::encrypted_pkcs8;
    }
    if (tags.size() >= 2 && tags[0] == tag::kInteger && tags[1] == tag::kOctetString) {
      return DerKind::sec1;
    }
    if (all_int(9)) {
      return DerKind::pkcs1;
    }
    if (all_int(6)) {
      return DerKind::dsa_traditional;
    }
    if (all_int(2)) {
      return DerKind::pkcs1_public;
    }
  } catch (const Error&) {
    // fall through: the caller reports a generic error, or the PKCS#8 parser's own.
  }
  return DerKind::unknown;
}

DecodedKey from_private(PrivateKey k, std::string format) {
  DecodedKey d;
  d.pub = k.pub;
  d.priv = std::move(k);
  d.format = std::move(format);
  return d;
}

DecodedKey from_public(PublicKey k, std::string format) {
  DecodedKey d;
  d.pub = std::move(k);
  d.format = std::move(format);
  return d;
}

DecodedKey decode_der(ByteView der, std::optional<Curve> curve) {
  switch (classify(der)) {
    case DerKind::pkcs8:
      return from_private(decode_pkcs8(der), "PKCS#8");
    case DerKind::encrypted_pkcs8:
      throw Error(ErrorKind::malformed, 0, "EncryptedPrivateKeyInfo", kDecryptHint,
                  Error::kAlertDecodeError);
    case DerKind::spki:
      return from_public(decode_spki(der), "SubjectPublicKeyInfo");
    case DerKind::sec1:
      return from_private(decode_ec_private_sec1(der, curve), "SEC1");
    case DerKind::pkcs1:
      return from_private(decode_rsa_private_pkcs1(der), "PKCS#1");
    case DerKind::dsa_traditional:
      return from_private(decode_dsa_private_traditional(der), "DSA traditional");
    case DerKind::pkcs1_public:
      return from_public(decode_rsa_public_pkcs1(der), "PKCS#1 public");
    case DerKind::unknown:
      break;
  }
  if (der.empty() || der[0] != tag::kSequence) {
    throw_malformed(0, "key", "not a key: neither PEM nor DER");
  }
  // Let the PKCS#8 parser name the first thing that is wrong.
  return from_private(decode_pkcs8(der), "PKCS#8");
}

std::string hash_oid(crypto::HashAlg h) {
  switch (h) {
    case crypto::HashAlg::sha256:
      return std::string(oid::kSha256);
    case crypto::HashAlg::sha384:
      return std::string(oid::kSha384);
    case crypto::HashAlg::sha512:
      return std::string(oid::kSha512);
    default:
      break;
  }
  throw_usage("no PSS parameters for " + std::string(crypto::hash_name(h)));
}

PrivateKey read_sec1(ByteView der, std::size_t base, std::optional<Curve> curve);

}  // namespace

// ---- Curves ------------------------------------------------------------------------------

std::optional<Curve> curve_from_oid(std::string_view dotted) {
  if (dotted == oid::kPrime256v1) {
    return Curve::p256;
  }
  if (dotted == oid::kSecp384r1) {
    return Curve::p384;
  }
  return std::nullopt;
}

std::string curve_oid(Curve curve) {
  return std::string(curve == Curve::p384 ? oid::kSecp384r1 : oid::kPrime256v1);
}

// ---- DH domain ---------------------------------------------------------------------------

DhParams decode_dh_domain(ByteView der, DhOid oid) {
  DerReader r(der, 0, oid == DhOid::dh_key_agreement ? "DHParameter" : "DomainParameters");
  DhParams d = read_dh_domain(r, oid);
  r.expect_end("trailing data");
  return d;
}

Bytes encode_dh_domain(const DhParams& params, DhOid oid) {
  DerWriter w;
  write_dh_domain(w, params, oid);
  return w.take();
}

// ---- PKCS#8 ------------------------------------------------------------------------------

PrivateKey decode_pkcs8(ByteView der) {
  constexpr std::string_view ctx = "PKCS#8";
  DerReader top(der, 0, std::string(ctx));
  DerReader s = top.enter(tag::kSequence, "PrivateKeyInfo");
  std::size_t vat = s.offset();
  std::uint64_t version = s.small_integer("version");
  require(version <= 1, vat, ctx, "unsupported PrivateKeyInfo version");
  AlgId alg = read_alg_id(s, "privateKeyAlgorithm");
  KeyAlg ka = key_alg(alg, ctx);
  DerElement pk = s.expect(tag::kOctetString, "privateKey");
  if (s.peek_tag() == tag::context(0)) {
    s.next("attributes");
  }
  if (s.peek_tag() == tag::context(1, false)) {
    s.next("publicKey");
  }
  s.expect_end("PrivateKeyInfo");
  top.expect_end("trailing data after PrivateKeyInfo");

  DerReader in = inner(pk, std::string(ctx));
  PrivateKey k;
  switch (ka.type) {
    case KeyType::rsa: {
      require_no_params_or_null(alg, ctx);
      k = read_rsa_private(in, ctx);
      break;
    }
    case KeyType::dsa: {
      DerReader pr = params_reader(alg, ctx);
      k.pub.type = KeyType::dsa;
      k.pub.dsa = read_dss_parms(pr);
      std::size_t at = in.offset();
      k.x = big(in, "x");
      require(crypto::compare_int(k.x, k.pub.dsa.q) < 0, at, ctx, "x >= q");
      k.pub.dsa.y = ff_public(k.pub.dsa.g, k.x, k.pub.dsa.p, at, ctx);
      break;
    }
    case KeyType::ec: {
      DerReader pr = params_reader(alg, ctx);
      Curve c = read_named_curve(pr, ctx);
      pr.expect_end("parameters");
      k = read_sec1(pk.content, pk.offset + (pk.encoded.size() - pk.content.size()), c);
      return k;  // the ECPrivateKey is the whole OCTET STRING
    }
    case KeyType::dh: {
      DerReader pr = params_reader(alg, ctx);
      k.pub.type = KeyType::dh;
      k.pub.dh.oid = ka.dh_oid;
      k.pub.dh.params = read_dh_domain(pr, ka.dh_oid);
      std::size_t at = in.offset();
      k.x = big(in, "x");
      k.pub.dh.y = ff_public(k.pub.dh.params.g, k.x, k.pub.dh.params.p, at, ctx);
      break;
    }
  }
  in.expect_end("privateKey");
  return k;
}

Bytes encode_pkcs8(const PrivateKey& key) {
  DerWriter w;
  w.sequence([&](DerWriter& s) {
    s.small_integer(0);
    DerWriter body;
    switch (key.pub.type) {
      case KeyType::rsa:
        s.sequence([&](DerWriter& a) {
          a.oid(oid::kRsaEncryption);
          a.null();
        });
        write_rsa_private(body, key);
        break;
      case KeyType::dsa:
        s.sequence([&](DerWriter& a) {
          a.oid(oid::kIdDsa);
          write_dss_parms(a, key.pub.dsa);
        });
        body.integer(key.x);
        break;
      case KeyType::ec:
        s.sequence([&](DerWriter& a) {
          a.oid(oid::kIdEcPublicKey);
          a.oid(curve_oid(key.pub.ec.curve));
        });
        write_ec_private(body, key, false);
        break;
      case KeyType::dh:
        s.sequence([&](DerWriter& a) {
          a.oid(key.pub.dh.oid == DhOid::dh_key_agreement ? oid::kDhKeyAgreement
                                                          : oid::kDhPublicNumber);
          write_dh_domain(a, key.pub.dh.params, key.pub.dh.oid);
        });
        body.integer(key.x);
        break;
    }
    s.octet_string(body.data());
  });
  return w.take();
}

// ---- SPKI --------------------------------------------------------------------------------

PublicKey decode_spki(ByteView der) {
  constexpr std::string_view ctx = "SubjectPublicKeyInfo";
  DerReader top(der, 0, std::string(ctx));
  DerReader s = top.enter(tag::kSequence, ctx);
  AlgId alg = read_alg_id(s, "algorithm");
  KeyAlg ka = key_alg(alg, ctx);
  DerElement bits = bit_string_element(s, "subjectPublicKey");
  s.expect_end(ctx);
  top.expect_end("trailing data after SubjectPublicKeyInfo");

  DerReader in = inner(bits, std::string(ctx), 1);
  PublicKey k;
  k.type = ka.type;
  switch (ka.type) {
    case KeyType::rsa:
      require_no_params_or_null(alg, ctx);
      k.rsa = read_rsa_public(in, ctx);
      break;
    case KeyType::dsa: {
      if (!alg.params) {
        throw_malformed(alg.offset, std::string(ctx),
                        "DSA key without parameters (inherited from the issuer) is not supported");
      }
      DerReader pr = params_reader(alg, ctx);
      k.dsa = read_dss_parms(pr);
      std::size_t at = in.offset();
      k.dsa.y = big(in, "y");
      require(
          crypto::compare_int(k.dsa.y, Bytes{1}) > 0 && crypto::compare_int(k.dsa.y, k.dsa.p) < 0,
          at, ctx, "y out of range (1, p)");
      break;
    }
    case KeyType::ec: {
      DerReader pr = params_reader(alg, ctx);
      k.ec.curve = read_named_curve(pr, ctx);
      pr.expect_end("parameters");
      try {
        k.ec.point = crypto::ec_decode_point(k.ec.curve, bits.content.subspan(1));
      } catch (const Error& e) {
        throw_malformed(bits.offset, std::string(ctx), e.detail());
      }
      return k;  // the point is the whole BIT STRING
    }
    case KeyType::dh: {
      DerReader pr = params_reader(alg, ctx);
      k.dh.oid = ka.dh_oid;
      k.dh.params = read_dh_domain(pr, ka.dh_oid);
      std::size_t at = in.offset();
      k.dh.y = big(in, "y");
      require(crypto::compare_int(k.dh.y, Bytes{1}) > 0 &&
                  crypto::compare_int(k.dh.y, k.dh.params.p) < 0,
              at, ctx, "y out of range (1, p)");
      break;
    }
  }
  in.expect_end("subjectPublicKey");
  return k;
}

Bytes encode_spki(const PublicKey& key) {
  DerWriter w;
  w.sequence([&](DerWriter& s) {
    DerWriter bits;
    switch (key.type) {
      case KeyType::rsa:
        s.sequence([&](DerWriter& a) {
          a.oid(oid::kRsaEncryption);
          a.null();
        });
        write_rsa_public(bits, key.rsa);
        break;
      case KeyType::dsa:
        s.sequence([&](DerWriter& a) {
          a.oid(oid::kIdDsa);
          write_dss_parms(a, key.dsa);
        });
        bits.integer(key.dsa.y);
        break;
      case KeyType::ec:
        s.sequence([&](DerWriter& a) {
          a.oid(oid::kIdEcPublicKey);
          a.oid(curve_oid(key.ec.curve));
        });
        bits.raw(key.ec.point);
        break;
      case KeyType::dh:
        s.sequence([&](DerWriter& a) {
          a.oid(key.dh.oid == DhOid::dh_key_agreement ? oid::kDhKeyAgreement
                                                      : oid::kDhPublicNumber);
          write_dh_domain(a, key.dh.params, key.dh.oid);
        });
        bits.integer(key.dh.y);
        break;
    }
    s.bit_string(bits.data());
  });
  return w.take();
}

// ---- Traditional formats -----------------------------------------------------------------

PrivateKey decode_rsa_private_pkcs1(ByteView der) {
  DerReader top(der, 0, "PKCS#1");
  PrivateKey k = read_rsa_private(top, "PKCS#1");
  top.expect_end("trailing data after RSAPrivateKey");
  return k;
}

Bytes encode_rsa_private_pkcs1(const PrivateKey& key) {
  require_type(key, KeyType::rsa, "PKCS#1");
  DerWriter w;
  write_rsa_private(w, key);
  return w.take();
}

PublicKey decode_rsa_public_pkcs1(ByteView der) {
  DerReader top(der, 0, "PKCS#1 public");
  PublicKey k;
  k.type = KeyType::rsa;
  k.rsa = read_rsa_public(top, "PKCS#1 public");
  top.expect_end("trailing data after RSAPublicKey");
  return k;
}

Bytes encode_rsa_public_pkcs1(const PublicKey& key) {
  if (key.type != KeyType::rsa) {
    throw_usage("PKCS#1 needs an RSA key");
  }
  DerWriter w;
  write_rsa_public(w, key.rsa);
  return w.take();
}

PrivateKey decode_dsa_private_traditional(ByteView der) {
  constexpr std::string_view ctx = "DSA private key";
  DerReader top(der, 0, std::string(ctx));
  std::size_t at = top.offset();
  DerReader s = top.enter(tag::kSequence, "DSAPrivateKey");
  require(s.small_integer("version") == 0, at, ctx, "unsupported version");
  PrivateKey k;
  k.pub.type = KeyType::dsa;
  k.pub.dsa.p = big(s, "p");
  k.pub.dsa.q = big(s, "q");
  k.pub.dsa.g = big(s, "g");
  k.pub.dsa.y = big(s, "y");
  k.x = big(s, "x");
  s.expect_end("DSAPrivateKey");
  top.expect_end("trailing data after DSAPrivateKey");
  check_ff_domain(k.pub.dsa.p, k.pub.dsa.g, at, ctx);
  require(
      crypto::bit_length(k.pub.dsa.q) >= 64 && crypto::compare_int(k.pub.dsa.q, k.pub.dsa.p) < 0,
      at, ctx, "q out of range");
  require(!is_zero(k.x) && crypto::compare_int(k.x, k.pub.dsa.q) < 0, at, ctx,
          "x out of range [1, q-1]");
  require(crypto::mod_exp(k.pub.dsa.g, k.x, k.pub.dsa.p) == crypto::minimal(k.pub.dsa.y), at, ctx,
          "y does not match the private key (y != g^x mod p)");
  return k;
}

Bytes encode_dsa_private_traditional(const PrivateKey& key) {
  require_type(key, KeyType::dsa, "a traditional DSA key");
  DerWriter w;
  w.sequence([&](DerWriter& s) {
    s.small_integer(0);
    s.integer(key.pub.dsa.p);
    s.integer(key.pub.dsa.q);
    s.integer(key.pub.dsa.g);
    s.integer(key.pub.dsa.y);
    s.integer(key.x);
  });
  return w.take();
}

PrivateKey decode_ec_private_sec1(ByteView der, std::optional<Curve> curve) {
  return read_sec1(der, 0, curve);
}

namespace {
PrivateKey read_sec1(ByteView der, std::size_t base, std::optional<Curve> curve) {
  constexpr std::string_view ctx = "ECPrivateKey";
  DerReader top(der, base, std::string(ctx));
  std::size_t at = top.offset();
  DerReader s = top.enter(tag::kSequence, ctx);
  require(s.small_integer("version") == 1, at, ctx, "version must be 1");
  DerElement priv = s.expect(tag::kOctetString, "privateKey");
  std::optional<Curve> own;
  if (s.peek_tag() == tag::context(0)) {
    DerReader p = s.enter(tag::context(0), "parameters");
    own = read_named_curve(p, ctx);
    p.expect_end("parameters");
  }
  std::optional<DerElement> pub;
  if (s.peek_tag() == tag::context(1)) {
    DerReader p = s.enter(tag::context(1), "publicKey");
    pub = bit_string_element(p, "publicKey");
    p.expect_end("publicKey");
  }
  s.expect_end(ctx);
  top.expect_end("trailing data after ECPrivateKey");
  if (own && curve && *own != *curve) {
    throw_malformed(at, std::string(ctx),
                    "the key's curve differs from the curve given outside it");
  }
  if (!own && !curve) {
    throw_malformed(at, std::string(ctx), "no curve: neither the key nor its container names one");
  }
  Curve c = own ? *own : *curve;
  PrivateKey k;
  k.pub.type = KeyType::ec;
  k.pub.ec.curve = c;
  // RFC 5915 wants exactly curve_bytes; some writers add a leading zero or drop leading
  // zeros, which OpenSSL accepts, so only the value's size counts.
  Bytes scalar = crypto::minimal(priv.content);
  require(!priv.content.empty() && scalar.size() <= crypto::curve_bytes(c), priv.offset, ctx,
          "private key has the wrong length for " + std::string(crypto::curve_name(c)));
  k.x = crypto::left_pad(scalar, crypto::curve_bytes(c));
  // The public point is always computed (this also range-checks the scalar); a stored one
  // must be a valid encoding of the same point.
  try {
    k.pub.ec.point = crypto::ec_public_from_private(c, k.x);
  } catch (const Error& e) {
    throw_malformed(priv.offset, std::string(ctx), e.detail());
  }
  if (pub) {
    Bytes stored;
    try {
      stored = crypto::ec_decode_point(c, pub->content.subspan(1));
    } catch (const Error& e) {
      throw_malformed(pub->offset, std::string(ctx), e.detail());
    }
    require(stored == k.pub.ec.point, pub->offset, ctx, "publicKey does not match the private key");
  }
  return k;
}
}  // namespace

Bytes encode_ec_private_sec1(const PrivateKey& key) {
  require_type(key, KeyType::ec, "SEC1");
  DerWriter w;
  write_ec_private(w, key, true);
  return w.take();
}

// ---- Any key -----------------------------------------------------------------------------

DecodedKey decode_key(ByteView data) {
  if (!is_pem(data)) {
    DecodedKey d = decode_der(data, std::nullopt);
    d.pem = false;
    return d;
  }
  std::vector<PemBlock> blocks = pem_decode_all(text(data));
  std::optional<Curve> curve;
  std::string seen;
  for (const PemBlock& b : blocks) {
    const std::string& l = b.label;
    std::optional<DecodedKey> d;
    try {
      if (l == "ENCRYPTED PRIVATE KEY") {
        throw Error(ErrorKind::malformed, 0, "PEM " + l, kDecryptHint, Error::kAlertDecodeError);
      }
      if (l == "EC PARAMETERS") {
        DerReader r(b.der, 0, "EC PARAMETERS");
        curve = read_named_curve(r, "EC PARAMETERS");
        r.expect_end("EC PARAMETERS");
      } else if (l == "PRIVATE KEY") {
        d = from_private(decode_pkcs8(b.der), "PKCS#8");
      } else if (l == "RSA PRIVATE KEY") {
        d = from_private(decode_rsa_private_pkcs1(b.der), "PKCS#1");
      } else if (l == "DSA PRIVATE KEY") {
        d = from_private(decode_dsa_private_traditional(b.der), "DSA traditional");
      } else if (l == "EC PRIVATE KEY") {
        d = from_private(decode_ec_private_sec1(b.der, curve), "SEC1");
      } else if (l == "PUBLIC KEY") {
        d = from_public(decode_spki(b.der), "SubjectPublicKeyInfo");
      } else if (l == "RSA PUBLIC KEY") {
        d = from_public(decode_rsa_public_pkcs1(b.der), "PKCS#1 public");
      }
    } catch (Error& e) {
      if (e.context().empty() || e.context().find("PEM") == std::string::npos) {
        throw Error(e.kind(), e.offset().value_or(0), "PEM " + l + ": " + e.context(), e.detail(),
                    e.alert());
      }
      throw;
    }
    if (d) {
      d->pem = true;
      return std::move(*d);
    }
    seen += (seen.empty() ? "" : ", ") + l;
  }
  throw Error(ErrorKind::malformed, 0, "PEM",
              "no key found" + (seen.empty() ? std::string() : " (blocks: " + seen + ")"),
              Error::kAlertDecodeError);
}

PrivateKey decode_private_key(ByteView data) {
  DecodedKey d = decode_key(data);
  if (!d.priv) {
    throw Error(ErrorKind::malformed, 0, d.format, "not a private key (this is a public key)",
                Error::kAlertDecodeError);
  }
  return std::move(*d.priv);
}

PublicKey decode_public_key(ByteView data) { return decode_key(data).pub; }

PrivateKey read_private_key(const std::string& path) {
  Bytes data = io::read_all(path);
  try {
    return decode_private_key(data);
  } catch (Error& e) {
    e.with_input(path == "-" ? "standard input" : path);
    throw;
  }
}

PublicKey read_public_key(const std::string& path) {
  Bytes data = io::read_all(path);
  try {
    return decode_public_key(data);
  } catch (Error& e) {
    e.with_input(path == "-" ? "standard input" : path);
    throw;
  }
}

// ---- Writing -----------------------------------------------------------------------------

Bytes encode_private_key(const PrivateKey& key, KeyFormat format) {
  Bytes der = encode_pkcs8(key);
  if (format == KeyFormat::der) {
    return der;
  }
  std::string pem = pem_encode("PRIVATE KEY", der);
  return Bytes(pem.begin(), pem.end());
}

Bytes encode_public_key(const PublicKey& key, KeyFormat format) {
  Bytes der = encode_spki(key);
  if (format == KeyFormat::der) {
    return der;
  }
  std::string pem = pem_encode("PUBLIC KEY", der);
  return Bytes(pem.begin(), pem.end());
}

void write_private_key(const std::string& path, const PrivateKey& key, KeyFormat format,
                       bool force) {
  Bytes data = encode_private_key(key, format);
  if (path != "-" && !force) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
      throw Error(ErrorKind::usage, path + ": exists; use --force to overwrite");
    }
    if (errno != ENOENT) {
      throw Error(ErrorKind::io, path + ": cannot check whether it exists");
    }
  }
  io::write_atomic(path, data, 0600);
}

// ---- Signature algorithm identifiers -----------------------------------------------------

std::string signature_algorithm_oid(SignatureAlgorithm alg) {
  switch (alg) {
    case SignatureAlgorithm::rsa_pkcs1_md5_sha1:
      break;
    case SignatureAlgorithm::rsa_pkcs1_sha1:
      return std::string(oid::kSha1WithRsaEncryption);
    case SignatureAlgorithm::rsa_pkcs1_sha224:
      return std::string(oid::kSha224WithRsaEncryption);
    case SignatureAlgorithm::rsa_pkcs1_sha256:
      return std::string(oid::kSha256WithRsaEncryption);
    case SignatureAlgorithm::rsa_pkcs1_sha384:
      return std::string(oid::kSha384WithRsaEncryption);
    case SignatureAlgorithm::rsa_pkcs1_sha512:
      return std::string(oid::kSha512WithRsaEncryption);
    case SignatureAlgorithm::rsa_pss_sha256:
    case SignatureAlgorithm::rsa_pss_sha384:
    case SignatureAlgorithm::rsa_pss_sha512:
      return std::string(oid::kRsassaPss);
    case SignatureAlgorithm::dsa_sha1:
      return std::string(oid::kDsaWithSha1);
    case SignatureAlgorithm::dsa_sha224:
      return std::string(oid::kDsaWithSha224);
    case SignatureAlgorithm::dsa_sha256:
      return std::string(oid::kDsaWithSha256);
    case SignatureAlgorithm::ecdsa_sha1:
      return std::string(oid::kEcdsaWithSha1);
    case SignatureAlgorithm::ecdsa_sha224:
      return std::string(oid::kEcdsaWithSha224);
    case SignatureAlgorithm::ecdsa_sha256:
      return std::string(oid::kEcdsaWithSha256);
    case SignatureAlgorithm::ecdsa_sha384:
      return std::string(oid::kEcdsaWithSha384);
    case SignatureAlgorithm::ecdsa_sha512:
      return std::string(oid::kEcdsaWithSha512);
  }
  throw_usage("rsa_pkcs1_md5_sha1 has no AlgorithmIdentifier");
}

Bytes encode_signature_algorithm(SignatureAlgorithm alg) {
  std::string o = signature_algorithm_oid(alg);
  DerWriter w;
  w.sequence([&](DerWriter& s) {
    s.oid(o);
    switch (crypto::signature_key_type(alg)) {
      case KeyType::rsa:
        if (o == oid::kRsassaPss) {
          crypto::HashAlg h = crypto::signature_hash(alg);
          std::string ho = hash_oid(h);
          s.sequence([&](DerWriter& p) {
            p.constructed(tag::context(0), [&](DerWriter& c) {
              c.sequence([&](DerWriter& a) {
                a.oid(ho);
                a.null();
              });
            });
            p.constructed(tag::context(1), [&](DerWriter& c) {
              c.sequence([&](DerWriter& a) {
                a.oid(oid::kMgf1);
                a.sequence([&](DerWriter& m) {
                  m.oid(ho);
                  m.null();
                });
              });
            });
            p.constructed(tag::context(2),
                          [&](DerWriter& c) { c.small_integer(crypto::hash_size(h)); });
          });
        } else {
          s.null();
        }
        break;
      default:
        break;  // DSA and ECDSA: parameters absent (RFC 3279 §2.2.2, RFC 5758 §3.2)
    }
  });
  return w.take();
}

SignatureAlgorithm decode_signature_algorithm(ByteView algorithm_identifier) {
  constexpr std::string_view ctx = "signatureAlgorithm";
  DerReader top(algorithm_identifier, 0, std::string(ctx));
  AlgId a = read_alg_id(top, ctx);
  top.expect_end("trailing data after AlgorithmIdentifier");
  struct Row {
    std::string_view oid;
    SignatureAlgorithm alg;
  };
  static constexpr Row kRows[] = {
      {oid::kSha1WithRsaEncryption, SignatureAlgorithm::rsa_pkcs1_sha1},
      {oid::kSha224WithRsaEncryption, SignatureAlgorithm::rsa_pkcs1_sha224},
      {oid::kSha256WithRsaEncryption, SignatureAlgorithm::rsa_pkcs1_sha256},
      {oid::kSha384WithRsaEncryption, SignatureAlgorithm::rsa_pkcs1_sha384},
      {oid::kSha512WithRsaEncryption, SignatureAlgorithm::rsa_pkcs1_sha512},
      {oid::kDsaWithSha1, SignatureAlgorithm::dsa_sha1},
      {oid::kDsaWithSha224, SignatureAlgorithm::dsa_sha224},
      {oid::kDsaWithSha256, SignatureAlgorithm::dsa_sha256},
      {oid::kEcdsaWithSha1, SignatureAlgorithm::ecdsa_sha1},
      {oid::kEcdsaWithSha224, SignatureAlgorithm::ecdsa_sha224},
      {oid::kEcdsaWithSha256, SignatureAlgorithm::ecdsa_sha256},
      {oid::kEcdsaWithSha384, SignatureAlgorithm::ecdsa_sha384},
      {oid::kEcdsaWithSha512, SignatureAlgorithm::ecdsa_sha512},
  };
  for (const Row& r : kRows) {
    if (a.oid == r.oid) {
      if (crypto::signature_key_type(r.alg) == KeyType::rsa) {
        require_no_params_or_null(a, ctx);
      } else if (a.params) {
        throw_malformed(a.params->offset, std::string(ctx),
                        "parameters must be absent for " + a.oid);
      }
      return r.alg;
    }
  }
  if (a.oid == oid::kRsassaPss) {
    if (!a.params) {
      throw_malformed(a.offset, std::string(ctx), "RSASSA-PSS without parameters is not supported");
    }
    for (SignatureAlgorithm alg :
         {SignatureAlgorithm::rsa_pss_sha256, SignatureAlgorithm::rsa_pss_sha384,
          SignatureAlgorithm::rsa_pss_sha512}) {
      // Hash parameters may be NULL or absent (RFC 4055 §2.1).
      DerReader pr(a.params->encoded, a.params->offset, std::string(ctx));
      DerReader p = pr.enter(tag::kSequence, "RSASSA-PSS-params");
      auto read_hash = [&](DerReader& r) {
        DerReader h = r.enter(tag::kSequence, "hashAlgorithm");
        std::string ho = h.oid("algorithm");
        if (!h.empty()) {
          h.null("parameters");
        }
        h.expect_end("hashAlgorithm");
        return ho;
      };
      std::string want = hash_oid(crypto::signature_hash(alg));
      std::string hash = std::string(oid::kSha1);
      std::string mgf_hash = std::string(oid::kSha1);
      std::uint64_t salt = 20;
      std::uint64_t trailer = 1;
      if (p.peek_tag() == tag::context(0)) {
        DerReader c = p.enter(tag::context(0), "hashAlgorithm");
        hash = read_hash(c);
        c.expect_end("hashAlgorithm");
      }
      if (p.peek_tag() == tag::context(1)) {
        DerReader c = p.enter(tag::context(1), "maskGenAlgorithm");
        DerReader m = c.enter(tag::kSequence, "maskGenAlgorithm");
        std::string mo = m.oid("algorithm");
        if (mo != oid::kMgf1) {
          m.fail("maskGenAlgorithm", "only MGF1 is supported");
        }
        mgf_hash = read_hash(m);
        m.expect_end("maskGenAlgorithm");
        c.expect_end("maskGenAlgorithm");
      }
      if (p.peek_tag() == tag::context(2)) {
        DerReader c = p.enter(tag::context(2), "saltLength");
        salt = c.small_integer("saltLength");
        c.expect_end("saltLength");
      }
      if (p.peek_tag() == tag::context(3)) {
        DerReader c = p.enter(tag::context(3), "trailerField");
        trailer = c.small_integer("trailerField");
        c.expect_end("trailerField");
      }
      p.expect_end("RSASSA-PSS-params");
      if (hash == want && mgf_hash == want &&
          salt == crypto::hash_size(crypto::signature_hash(alg)) && trailer == 1) {
        return alg;
      }
      if (hash != want) {
        continue;
      }
      throw_malformed(a.params->offset, std::string(ctx),
                      "RSASSA-PSS parameters other than MGF1 with the same hash and salt = hash "
                      "length are not supported");
    }
    throw_malformed(a.params->offset, std::string(ctx), "RSASSA-PSS with an unsupported hash");
  }
  throw_malformed(a.offset, std::string(ctx), "unsupported signature algorithm " + a.oid);
}

}  // namespace hsk::pki
