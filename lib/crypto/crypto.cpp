// hsk::crypto — randomness, hashes, HMAC and big-integer helpers over Crypto++.
// Public-key code lives in pubkey.cpp. Crypto++ exceptions are rethrown as hsk::Error here.
#include "crypto/crypto.hpp"

#define CRYPTOPP_ENABLE_NAMESPACE_WEAK 1
#include <cryptopp/aes.h>
#include <cryptopp/hmac.h>
#include <cryptopp/integer.h>
#include <cryptopp/md5.h>
#include <cryptopp/modes.h>
#include <cryptopp/nbtheory.h>
#include <cryptopp/osrng.h>
#include <cryptopp/sha.h>

#include <algorithm>
#include <cstring>
#include <variant>

#include "hsk/error.hpp"

namespace hsk::crypto {

namespace {

CryptoPP::Integer to_int(ByteView b) {
  return CryptoPP::Integer(b.data(), b.size(), CryptoPP::Integer::UNSIGNED);
}

Bytes from_int(const CryptoPP::Integer& v) {
  Bytes out(v.MinEncodedSize());
  v.Encode(out.data(), out.size());
  return out;
}

[[noreturn]] void rethrow(const CryptoPP::Exception& e, std::string_view where) {
  throw Error(ErrorKind::internal, std::string(where) + ": Crypto++: " + e.what());
}

// ---- Rng implementations -------------------------------------------------------------

class SystemRng final : public Rng {
 public:
  void fill(std::uint8_t* out, std::size_t n) override {
    try {
      pool_.GenerateBlock(out, n);
    } catch (const CryptoPP::Exception& e) {
      throw Error(ErrorKind::io, std::string("system randomness: ") + e.what());
    }
  }

 private:
  CryptoPP::AutoSeededRandomPool pool_;
};

class SeededRng final : public Rng {
 public:
  explicit SeededRng(ByteView key) {
    std::uint8_t iv[16] = {};
    ctr_.SetKeyWithIV(key.data(), key.size(), iv, sizeof iv);
  }
  void fill(std::uint8_t* out, std::size_t n) override {
    std::memset(out, 0, n);
    ctr_.ProcessData(out, out, n);
  }

 private:
  CryptoPP::CTR_Mode<CryptoPP::AES>::Encryption ctr_;
};

// ---- Hash state ------------------------------------------------------------------------

struct Md5Sha1 {
  CryptoPP::Weak::MD5 md5;
  CryptoPP::SHA1 sha1;
};

using HashState = std::variant<CryptoPP::Weak::MD5, CryptoPP::SHA1, CryptoPP::SHA224,
                               CryptoPP::SHA256, CryptoPP::SHA384, CryptoPP::SHA512, Md5Sha1>;

HashState make_state(HashAlg alg) {
  switch (alg) {
    case HashAlg::md5:
      return CryptoPP::Weak::MD5();
    case HashAlg::sha1:
      return CryptoPP::SHA1();
    case HashAlg::sha224:
      return CryptoPP::SHA224();
    case HashAlg::sha256:
      return CryptoPP::SHA256();
    case HashAlg::sha384:
      return CryptoPP::SHA384();
    case HashAlg::sha512:
      return CryptoPP::SHA512();
    case HashAlg::md5_sha1:
      return Md5Sha1();
  }
  throw Error(ErrorKind::internal, "unknown hash algorithm");
}

void state_update(HashState& s, ByteView data) {
  std::visit(
      [&](auto& h) {
        if constexpr (std::is_same_v<std::decay_t<decltype(h)>, Md5Sha1>) {
          h.md5.Update(data.data(), data.size());
          h.sha1.Update(data.data(), data.size());
        } else {
          h.Update(data.data(), data.size());
        }
      },
      s);
}

Bytes state_final(HashState& s) {
  return std::visit(
      [&](auto& h) {
        if constexpr (std::is_same_v<std::decay_t<decltype(h)>, Md5Sha1>) {
          Bytes out(36);
          h.md5.Final(out.data());
          h.sha1.Final(out.data() + 16);
          return out;
        } else {
          Bytes out(h.DigestSize());
          h.Final(out.data());
          return out;
        }
      },
      s);
}

template <class H>
Bytes hmac_with(ByteView key, ByteView data) {
  CryptoPP::HMAC<H> mac(key.data(), key.size());
  Bytes out(mac.DigestSize());
  mac.Update(data.data(), data.size());
  mac.Final(out.data());
  return out;
}

}  // namespace

// ---- Rng -------------------------------------------------------------------------------

Bytes Rng::bytes(std::size_t n) {
  Bytes out(n);
  if (n != 0) {
    fill(out.data(), n);
  }
  return out;
}

std::unique_ptr<Rng> system_rng() {
  try {
    return std::make_unique<SystemRng>();
  } catch (const CryptoPP::Exception& e) {
    throw Error(ErrorKind::io, std::string("system randomness: ") + e.what());
  }
}

std::unique_ptr<Rng> seeded_rng(std::string_view seed) {
  Hash h(HashAlg::sha256);
  h.update(as_bytes("hsk seeded_rng v1"));
  h.update(as_bytes(seed));
  Bytes key = h.finish();
  return std::make_unique<SeededRng>(key);
}

std::unique_ptr<Rng> child_rng(Rng& parent) {
  Bytes key = parent.bytes(32);
  return std::make_unique<SeededRng>(key);
}

// ---- Hashes ----------------------------------------------------------------------------

std::size_t hash_size(HashAlg alg) {
  switch (alg) {
    case HashAlg::md5:
      return 16;
    case HashAlg::sha1:
      return 20;
    case HashAlg::sha224:
      return 28;
    case HashAlg::sha256:
      return 32;
    case HashAlg::sha384:
      return 48;
    case HashAlg::sha512:
      return 64;
    case HashAlg::md5_sha1:
      return 36;
  }
  return 0;
}

std::string_view hash_name(HashAlg alg) {
  switch (alg) {
    case HashAlg::md5:
      return "MD5";
    case HashAlg::sha1:
      return "SHA-1";
    case HashAlg::sha224:
      return "SHA-224";
    case HashAlg::sha256:
      return "SHA-256";
    case HashAlg::sha384:
      return "SHA-384";
    case HashAlg::sha512:
      return "SHA-512";
    case HashAlg::md5_sha1:
      return "MD5+SHA-1";
  }
  return "?";
}

struct Hash::Impl {
  HashState state;
};

Hash::Hash(HashAlg alg) : alg_(alg), impl_(std::make_unique<Impl>(Impl{make_state(alg)})) {}
Hash::Hash(const Hash& other) : alg_(other.alg_), impl_(std::make_unique<Impl>(*other.impl_)) {}
Hash& Hash::operator=(const Hash& other) {
  if (this != &other) {
    alg_ = other.alg_;
    impl_ = std::make_unique<Impl>(*other.impl_);
  }
  return *this;
}
Hash::Hash(Hash&&) noexcept = default;
Hash& Hash::operator=(Hash&&) noexcept = default;
Hash::~Hash() = default;

void Hash::update(ByteView data) { state_update(impl_->state, data); }

Bytes Hash::finish() { return state_final(impl_->state); }

Bytes hash(HashAlg alg, ByteView data) {
  Hash h(alg);
  h.update(data);
  return h.finish();
}

Bytes hmac(HashAlg alg, ByteView key, ByteView data) {
  try {
    switch (alg) {
      case HashAlg::md5:
        return hmac_with<CryptoPP::Weak::MD5>(key, data);
      case HashAlg::sha1:
        return hmac_with<CryptoPP::SHA1>(key, data);
      case HashAlg::sha224:
        return hmac_with<CryptoPP::SHA224>(key, data);
      case HashAlg::sha256:
        return hmac_with<CryptoPP::SHA256>(key, data);
      case HashAlg::sha384:
        return hmac_with<CryptoPP::SHA384>(key, data);
      case HashAlg::sha512:
        return hmac_with<CryptoPP::SHA512>(key, data);
      case HashAlg::md5_sha1:
        break;
    }
  } catch (const CryptoPP::Exception& e) {
    rethrow(e, "HMAC");
  }
  throw_usage("HMAC is not defined for MD5+SHA-1");
}

bool ct_equal(ByteView a, ByteView b) {
  if (a.size() != b.size()) {
    return false;
  }
  std::uint8_t diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<std::uint8_t>(a[i] ^ b[i]);
  }
  return diff == 0;
}

// ---- Integers --------------------------------------------------------------------------

bool is_probable_prime(ByteView n, int rounds) {
  try {
    CryptoPP::Integer v = to_int(n);
    if (v < CryptoPP::Integer::Two()) {
      return false;
    }
    if (!CryptoPP::IsPrime(v)) {
      return false;
    }
    if (rounds <= 0) {
      return true;
    }
    CryptoPP::AutoSeededRandomPool pool;
    return CryptoPP::RabinMillerTest(pool, v, static_cast<unsigned>(rounds));
  } catch (const CryptoPP::Exception& e) {
    rethrow(e, "primality test");
  }
}

Bytes mod_exp(ByteView base, ByteView exp, ByteView mod) {
  CryptoPP::Integer m = to_int(mod);
  if (m.IsZero()) {
    throw_usage("mod_exp: modulus is zero");
  }
  try {
    return from_int(CryptoPP::ModularExponentiation(to_int(base), to_int(exp), m));
  } catch (const CryptoPP::Exception& e) {
    rethrow(e, "mod_exp");
  }
}

Bytes random_range(Rng& rng, ByteView lo, ByteView hi) {
  CryptoPP::Integer a = to_int(lo);
  CryptoPP::Integer b = to_int(hi);
  if (a > b) {
    throw_usage("random_range: empty range");
  }
  // Rejection sampling over the bit length of (b - a): uniform and independent of Crypto++'s
  // internal sampling, so seeded results stay stable.
  CryptoPP::Integer span = b - a;
  std::size_t bits = span.BitCount();
  std::size_t nbytes = (bits + 7) / 8;
  if (nbytes == 0) {
    return from_int(a);
  }
  Bytes buf(nbytes);
  for (;;) {
    rng.fill(buf.data(), buf.size());
    if (bits % 8 != 0) {
      buf[0] &= static_cast<std::uint8_t>((1u << (bits % 8)) - 1);
    }
    CryptoPP::Integer r = to_int(buf);
    if (r <= span) {
      return from_int(a + r);
    }
  }
}

int compare_int(ByteView a, ByteView b) {
  Bytes x = minimal(a);
  Bytes y = minimal(b);
  if (x.size() != y.size()) {
    return x.size() < y.size() ? -1 : 1;
  }
  int c = std::memcmp(x.data(), y.data(), x.size());
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

std::size_t bit_length(ByteView n) {
  std::size_t i = 0;
  while (i < n.size() && n[i] == 0) {
    ++i;
  }
  if (i == n.size()) {
    return 0;
  }
  std::size_t bits = (n.size() - i - 1) * 8;
  for (std::uint8_t top = n[i]; top != 0; top >>= 1) {
    ++bits;
  }
  return bits;
}

Bytes minimal(ByteView n) {
  std::size_t i = 0;
  while (i + 1 < n.size() && n[i] == 0) {
    ++i;
  }
  if (n.empty()) {
    return Bytes{0};
  }
  return Bytes(n.begin() + static_cast<std::ptrdiff_t>(i), n.end());
}

Bytes left_pad(ByteView n, std::size_t width) {
  Bytes m = minimal(n);
  if (m.size() == 1 && m[0] == 0) {
    return Bytes(width, 0);
  }
  if (m.size() > width) {
    throw_usage("integer does not fit in " + std::to_string(width) + " bytes");
  }
  Bytes out(width - m.size(), 0);
  out.insert(out.end(), m.begin(), m.end());
  return out;
}

}  // namespace hsk::crypto
