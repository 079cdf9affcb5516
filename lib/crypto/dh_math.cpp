// hsk::crypto DH math over Crypto++ Integer. See dh_math.hpp for the contracts.
#include "crypto/dh_math.hpp"

#include <cryptopp/integer.h>
#include <cryptopp/modarith.h>
#include <cryptopp/nbtheory.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hsk/error.hpp"

namespace hsk::crypto {

namespace {

using CryptoPP::Integer;
__extension__ typedef unsigned __int128 U128;

Integer to_int(ByteView b) { return Integer(b.data(), b.size(), Integer::UNSIGNED); }

Bytes from_int(const Integer& v) {
  if (v.IsZero()) {
    return Bytes{0x00};
  }
  Bytes out(v.MinEncodedSize(Integer::UNSIGNED));
  v.Encode(out.data(), out.size(), Integer::UNSIGNED);
  return out;
}

Bytes encode_width(const Integer& v, std::size_t width) {
  Bytes out(width);
  v.Encode(out.data(), out.size(), Integer::UNSIGNED);
  return out;
}

// guard runs `f`, turning Crypto++ exceptions into hsk::Error(internal).
template <typename F>
auto guard(const char* what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const CryptoPP::Exception& e) {
    throw Error(ErrorKind::internal, std::string(what) + ": " + e.what());
  }
}

// Small primes for trial division (below 2000), from Crypto++'s table.
const std::vector<std::uint32_t>& trial_primes() {
  static const std::vector<std::uint32_t> primes = [] {
    unsigned size = 0;
    const CryptoPP::word16* table = CryptoPP::GetPrimeTable(size);
    std::vector<std::uint32_t> out;
    for (unsigned i = 0; i < size && table[i] < 2000; ++i) {
      out.push_back(table[i]);
    }
    return out;
  }();
  return primes;
}

// pow2_mod returns 2^e mod m for odd m > 2, by Montgomery squaring and doubling (a doubling
// is an addition, cheaper than the multiplication a general base needs).
Integer pow2_mod(const Integer& e, const Integer& m) {
  CryptoPP::MontgomeryRepresentation mr(m);
  Integer acc = mr.MultiplicativeIdentity();
  for (int bit = static_cast<int>(e.BitCount()) - 1; bit >= 0; --bit) {
    acc = mr.Square(acc);
    if (e.GetBit(static_cast<std::size_t>(bit))) {
      acc = mr.Add(acc, acc);
    }
  }
  return mr.ConvertOut(acc);
}

// strong_base2 is the strong probable-prime test to base 2 for odd n > 3 (Montgomery doubling
// for 2^d, then squarings).
bool strong_base2(const Integer& n) {
  const Integer n1 = n - Integer::One();
  unsigned s = 0;
  while (!n1.GetBit(s)) {
    ++s;
  }
  Integer x = pow2_mod(n1 >> s, n);
  if (x.IsUnit() || x == n1) {
    return true;
  }
  for (unsigned i = 1; i < s; ++i) {
    x = a_times_b_mod_c(x, x, n);
    if (x == n1) {
      return true;
    }
    if (x.IsUnit()) {
      return false;
    }
  }
  return false;
}

// mr_base derives the i-th Miller-Rabin base in [2, n-2] from the salt (n > 4).
Integer mr_base(const Integer& n, ByteView n_bytes, ByteView salt, unsigned i) {
  std::size_t want = n.ByteCount() + 8;
  Bytes stream;
  for (std::uint32_t block = 0; stream.size() < want; ++block) {
    Hash h(HashAlg::sha256);
    h.update(as_bytes("hsk dh_math mr base v1"));
    std::uint8_t len[4] = {
        static_cast<std::uint8_t>(salt.size() >> 24), static_cast<std::uint8_t>(salt.size() >> 16),
        static_cast<std::uint8_t>(salt.size() >> 8), static_cast<std::uint8_t>(salt.size())};
    h.update(ByteView(len, 4));
    h.update(salt);
    h.update(n_bytes);
    std::uint8_t idx[8] = {
        static_cast<std::uint8_t>(i >> 24),     static_cast<std::uint8_t>(i >> 16),
        static_cast<std::uint8_t>(i >> 8),      static_cast<std::uint8_t>(i),
        static_cast<std::uint8_t>(block >> 24), static_cast<std::uint8_t>(block >> 16),
        static_cast<std::uint8_t>(block >> 8),  static_cast<std::uint8_t>(block)};
    h.update(ByteView(idx, 8));
    Bytes d = h.finish();
    stream.insert(stream.end(), d.begin(), d.end());
  }
  Integer r = to_int(stream);
  return Integer::Two() + r % (n - 3);
}

bool bpsw_int(const Integer& n, unsigned rounds, ByteView salt, unsigned threads) {
  if (n < Integer::Two()) {
    return false;
  }
  for (std::uint32_t r : trial_primes()) {
    if (n == Integer(static_cast<CryptoPP::word>(r))) {
      return true;
    }
    if (n.Modulo(r) == 0) {
      return false;
    }
  }
  if (n < Integer(static_cast<CryptoPP::word>(2000 * 2000))) {
    return true;  // no prime factor below its square root
  }
  if (!strong_base2(n)) {
    return false;
  }
  if (!CryptoPP::IsStrongLucasProbablePrime(n)) {
    return false;
  }
  if (rounds == 0) {
    return true;
  }
  Bytes n_bytes = from_int(n);
  threads = std::max(1u, std::min(threads, rounds));
  std::atomic<bool> composite{false};
  auto run = [&](unsigned first) {
    for (unsigned i = first; i < rounds && !composite.load(std::memory_order_relaxed);
         i += threads) {
      if (!CryptoPP::IsStrongProbablePrime(n, mr_base(n, n_bytes, salt, i))) {
        composite = true;
      }
    }
  };
  if (threads == 1) {
    run(0);
  } else {
    std::vector<std::thread> pool;
    std::exception_ptr failure;
    std::mutex failure_mutex;
    for (unsigned t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        try {
          run(t);
        } catch (...) {
          std::lock_guard lock(failure_mutex);
          failure = std::current_exception();
          composite = true;
        }
      });
    }
    for (auto& th : pool) {
      th.join();
    }
    if (failure) {
      std::rethrow_exception(failure);
    }
  }
  return !composite;
}

// ---- the safe-prime sieve's prime table --------------------------------------------------

// SievePrimes holds the odd primes 5 <= r < bound with, for each, 24^-1 mod r and a Barrett
// reciprocal floor((2^64 - 1) / r) for fast residues of the start point.
struct SievePrimes {
  std::uint32_t bound = 0;
  std::vector<std::uint32_t> prime;
  std::vector<std::uint32_t> inv24;
  std::vector<std::uint64_t> recip;
};

std::shared_ptr<const SievePrimes> sieve_primes(std::uint32_t bound) {
  static std::mutex mutex;
  static std::shared_ptr<const SievePrimes> cached;
  std::lock_guard lock(mutex);
  if (cached && cached->bound >= bound) {
    return cached;
  }
  auto t = std::make_shared<SievePrimes>();
  t->bound = bound;
  t->prime.reserve(static_cast<std::size_t>(1.1 * bound / std::log(static_cast<double>(bound))) +
                   16);
  // Segmented Eratosthenes over odd numbers (index i stands for 2i + 1), one cache-sized
  // segment at a time, with the odd base primes below sqrt(bound).
  std::vector<std::uint32_t> base;
  for (std::uint32_t r = 3; r * r < bound; r += 2) {
    bool prime = true;
    for (std::uint32_t b : base) {
      if (b * b > r) {
        break;
      }
      if (r % b == 0) {
        prime = false;
        break;
      }
    }
    if (prime) {
      base.push_back(r);
    }
  }
  constexpr std::uint64_t kSegment = 1 << 15;  // odd numbers per segment
  std::vector<std::uint8_t> composite(kSegment);
  const std::uint64_t odd_count = bound / 2;  // 2i + 1 < bound
  for (std::uint64_t lo = 0; lo < odd_count; lo += kSegment) {
    const std::uint64_t hi = std::min(odd_count, lo + kSegment);
    std::fill(composite.begin(), composite.end(), 0);
    for (std::uint32_t r : base) {
      std::uint64_t first = std::uint64_t{r} * r / 2;  // index of r^2
      if (first >= hi) {
        break;
      }
      if (first < lo) {
        first += (lo - first + r - 1) / r * r;
      }
      for (std::uint64_t j = first; j < hi; j += r) {
        composite[j - lo] = 1;
      }
    }
    for (std::uint64_t i = std::max<std::uint64_t>(lo, 2); i < hi; ++i) {  // from 5
      if (!composite[i - lo]) {
        auto r = static_cast<std::uint32_t>(2 * i + 1);
        t->prime.push_back(r);
        // Every unit u mod 24 has u^2 = 1, so r^-1 = r (mod 24) and
        // 24 * (1 + r * t) / 24 = 1 (mod r) with t = -r mod 24.
        std::uint64_t tt = (24 - r % 24) % 24;
        t->inv24.push_back(static_cast<std::uint32_t>((1 + std::uint64_t{r} * tt) / 24));
        t->recip.push_back(~std::uint64_t{0} / r);
      }
    }
  }
  cached = std::move(t);
  return cached;
}

// residues computes s mod r for the primes [first, last) of `t`, with s given as 32-bit
// limbs, most significant first. Four primes advance together so their Barrett steps overlap.
void residues(const SievePrimes& t, const std::vector<std::uint32_t>& limbs, std::size_t first,
              std::size_t last, std::vector<std::uint32_t>& out) {
  auto step = [](std::uint64_t acc, std::uint32_t limb, std::uint32_t r, std::uint64_t m) {
    std::uint64_t x = acc << 32 | limb;  // acc < r < 2^32 keeps x < 2^64
    auto qhat = static_cast<std::uint64_t>((static_cast<U128>(x) * m) >> 64);
    std::uint64_t rem = x - qhat * r;
    return rem >= r ? rem - r : rem;
  };
  std::size_t i = first;
  for (; i + 4 <= last; i += 4) {
    std::uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    const std::uint32_t r0 = t.prime[i], r1 = t.prime[i + 1], r2 = t.prime[i + 2],
                        r3 = t.prime[i + 3];
    const std::uint64_t m0 = t.recip[i], m1 = t.recip[i + 1], m2 = t.recip[i + 2],
                        m3 = t.recip[i + 3];
    for (std::uint32_t limb : limbs) {
      a0 = step(a0, limb, r0, m0);
      a1 = step(a1, limb, r1, m1);
      a2 = step(a2, limb, r2, m2);
      a3 = step(a3, limb, r3, m3);
    }
    out[i] = static_cast<std::uint32_t>(a0);
    out[i + 1] = static_cast<std::uint32_t>(a1);
    out[i + 2] = static_cast<std::uint32_t>(a2);
    out[i + 3] = static_cast<std::uint32_t>(a3);
  }
  for (; i < last; ++i) {
    std::uint64_t a = 0;
    for (std::uint32_t limb : limbs) {
      a = step(a, limb, t.prime[i], t.recip[i]);
    }
    out[i] = static_cast<std::uint32_t>(a);
  }
}

std::uint32_t sieve_bound_for(unsigned bits) {
  if (bits <= 256) {
    return 1u << 12;
  }
  if (bits <= 512) {
    return 1u << 16;
  }
  if (bits <= 1024) {
    return 1u << 20;
  }
  return 1u << 24;
}

}  // namespace

// ---- primality and small arithmetic -----------------------------------------------------

bool is_probable_prime_bpsw(ByteView n, unsigned mr_rounds, ByteView salt, unsigned threads) {
  return guard("primality test", [&] { return bpsw_int(to_int(n), mr_rounds, salt, threads); });
}

unsigned miller_rabin_rounds(std::size_t bits) { return bits > 2048 ? 128 : 64; }

int jacobi(ByteView a, ByteView n) {
  Integer nn = to_int(n);
  if (nn.IsEven() || nn < Integer(3)) {
    throw_usage("Jacobi symbol needs an odd modulus >= 3");
  }
  return guard("Jacobi symbol", [&] { return CryptoPP::Jacobi(to_int(a) % nn, nn); });
}

Bytes int_sub_word(ByteView a, std::uint32_t w) {
  Integer v = to_int(a);
  Integer r = v - Integer(static_cast<CryptoPP::word>(w));
  if (r.IsNegative()) {
    throw_usage("integer subtraction below zero");
  }
  return from_int(r);
}

Bytes int_add_word(ByteView a, std::uint32_t w) {
  return from_int(to_int(a) + Integer(static_cast<CryptoPP::word>(w)));
}

Bytes int_shr(ByteView a, unsigned bits) { return from_int(to_int(a) >> bits); }

std::uint32_t int_mod_word(ByteView a, std::uint32_t w) {
  if (w == 0) {
    throw_usage("division by zero");
  }
  return static_cast<std::uint32_t>(to_int(a).Modulo(w));
}

IntDivision int_divide(ByteView a, ByteView b) {
  Integer d = to_int(b);
  if (d.IsZero()) {
    throw_usage("division by zero");
  }
  Integer q, r;
  Integer::Divide(r, q, to_int(a), d);
  return {from_int(q), from_int(r)};
}

bool int_is_one(ByteView a) { return to_int(a) == Integer::One(); }

bool int_is_zero(ByteView a) { return to_int(a).IsZero(); }

std::uint32_t smallest_quadratic_residue(ByteView p) {
  Integer pp = to_int(p);
  if (pp.IsEven() || pp < Integer(7)) {
    throw_usage("smallest_quadratic_residue needs an odd p >= 7");
  }
  return guard("quadratic residue", [&] {
    for (std::uint32_t h = 2;; ++h) {
      if (CryptoPP::Jacobi(Integer(static_cast<CryptoPP::word>(h)), pp) == 1) {
        return h;
      }
    }
  });
}

// ---- the safe-prime search ----------------------------------------------------------------

struct SafePrimeSearch::Impl {
  unsigned bits = 0;
  Integer start;
  Bytes salt;
  std::uint64_t blocks = 0;
  std::shared_ptr<const SievePrimes> table;
  std::size_t nprimes = 0;
  std::vector<std::uint32_t> a;  // i0 with S + 24 i0 = 0 mod r, i.e. -S / 24 mod r
  unsigned rounds = 64;
  unsigned threads = 1;  // for the Miller-Rabin rounds that confirm a winner

  Integer candidate(std::uint64_t index) const {
    return start +
           Integer(static_cast<CryptoPP::word>(24)) * Integer(static_cast<CryptoPP::word>(index));
  }
};

SafePrimeSearch::SafePrimeSearch(unsigned bits, ByteView start_random, ByteView salt,
                                 unsigned threads)
    : impl_(std::make_unique<Impl>()) {
  if (bits < 64 || bits > 16384) {
    throw_usage("safe-prime size must lie in [64, 16384] bits, not " + std::to_string(bits));
  }
  std::size_t nbytes = (bits + 7) / 8;
  if (start_random.size() < nbytes) {
    throw_usage("safe-prime search needs " + std::to_string(nbytes) + " random bytes");
  }
  guard("safe-prime search set-up", [&] {
    Impl& m = *impl_;
    m.bits = bits;
    m.salt.assign(salt.begin(), salt.end());
    m.rounds = miller_rabin_rounds(bits);
    m.threads = std::max(1u, threads);
    Integer x = to_int(start_random.first(nbytes));
    Integer top = Integer::Power2(bits);
    x = x % top;
    x.SetBit(bits - 1);
    x = x - x.Modulo(24) + Integer(23);
    m.start = x;
    // Blocks whose last candidate stays below 2^bits.
    Integer span = Integer(static_cast<CryptoPP::word>(24 * kBlockSize));
    Integer room = top > x ? (top - x) / span : Integer::Zero();
    const std::uint64_t cap = std::uint64_t{1} << 24;
    m.blocks = room > Integer(static_cast<CryptoPP::word>(cap)) ? cap : room.ConvertToLong();
    // Sieve residues.
    std::uint32_t bound = sieve_bound_for(bits);
    m.table = sieve_primes(bound);
    m.nprimes = static_cast<std::size_t>(
        std::lower_bound(m.table->prime.begin(), m.table->prime.end(), bound) -
        m.table->prime.begin());
    std::vector<std::uint32_t> limbs;
    Bytes sb = encode_width(x, (nbytes + 3) / 4 * 4);
    for (std::size_t i = 0; i < sb.size(); i += 4) {
      limbs.push_back(std::uint32_t{sb[i]} << 24 | std::uint32_t{sb[i + 1]} << 16 |
                      std::uint32_t{sb[i + 2]} << 8 | sb[i + 3]);
    }
    std::vector<std::uint32_t> s_mod(m.nprimes);
    threads = std::max(1u, threads);
    if (threads == 1 || m.nprimes < 4096) {
      residues(*m.table, limbs, 0, m.nprimes, s_mod);
    } else {
      std::vector<std::thread> pool;
      std::size_t chunk = (m.nprimes / threads + 3) / 4 * 4;
      for (unsigned t = 0; t < threads; ++t) {
        std::size_t first = std::min(m.nprimes, t * chunk);
        std::size_t last = t + 1 == threads ? m.nprimes : std::min(m.nprimes, (t + 1) * chunk);
        pool.emplace_back([&, first, last] { residues(*m.table, limbs, first, last, s_mod); });
      }
      for (auto& th : pool) {
        th.join();
      }
    }
    m.a.resize(m.nprimes);
    for (std::size_t i = 0; i < m.nprimes; ++i) {
      std::uint64_t r = m.table->prime[i];
      std::uint64_t v = std::uint64_t{s_mod[i]} * m.table->inv24[i] % r;
      m.a[i] = static_cast<std::uint32_t>((r - v) % r);
    }
    return 0;
  });
}

SafePrimeSearch::~SafePrimeSearch() = default;

unsigned SafePrimeSearch::bits() const { return impl_->bits; }
std::uint64_t SafePrimeSearch::block_count() const { return impl_->blocks; }
std::uint32_t SafePrimeSearch::sieve_bound() const {
  return impl_->nprimes ? impl_->table->prime[impl_->nprimes - 1] : 3;
}

Bytes SafePrimeSearch::prime(std::uint64_t index) const {
  return guard("safe-prime search", [&] { return from_int(impl_->candidate(index)); });
}

SafePrimeSearch::BlockResult SafePrimeSearch::scan_block(std::uint64_t block,
                                                         const std::function<bool()>& stop,
                                                         std::atomic<std::uint64_t>* tested) const {
  const Impl& m = *impl_;
  BlockResult result;
  std::vector<std::uint8_t> struck(kBlockSize, 0);
  const std::uint64_t base = block * kBlockSize;
  const auto& primes = m.table->prime;
  const auto& inv24 = m.table->inv24;
  for (std::size_t i = 0; i < m.nprimes; ++i) {
    const std::uint32_t r = primes[i];
    const auto off = static_cast<std::uint32_t>(base % r);
    std::uint32_t k0 = m.a[i] >= off ? m.a[i] - off : m.a[i] + r - off;  // p = 0 mod r
    std::uint32_t k1 = k0 + inv24[i];                                    // p = 1: q = 0 mod r
    if (k1 >= r) {
      k1 -= r;
    }
    for (std::uint64_t k = k0; k < kBlockSize; k += r) {
      struck[k] = 1;
    }
    for (std::uint64_t k = k1; k < kBlockSize; k += r) {
      struck[k] = 1;
    }
  }
  return guard("safe-prime search", [&] {
    for (std::uint64_t k = 0; k < kBlockSize; ++k) {
      if (struck[k]) {
        continue;
      }
      ++result.survivors;
      if (stop && stop()) {
        result.stopped = true;
        return result;
      }
      Integer p = m.candidate(base + k);
      if (p.BitCount() != m.bits) {
        continue;
      }
      Integer q = p >> 1;
      ++result.tested;
      if (tested) {
        tested->fetch_add(1, std::memory_order_relaxed);
      }
      // Euler's criterion for p with base 2: 2 is a residue since p = 7 mod 8.
      if (!pow2_mod(q, p).IsUnit()) {
        continue;
      }
      if (tested) {
        tested->fetch_add(1, std::memory_order_relaxed);
      }
      // Euler's criterion for q with base 2: q = 3 mod 4, (2/q) = 1 iff q = 7 mod 8.
      Integer e = pow2_mod(q >> 1, q);
      bool plus = q.Modulo(8) == 7;
      if (plus ? !e.IsUnit() : e != q - 1) {
        continue;
      }
      if (bpsw_int(q, m.rounds, m.salt, m.threads) && CryptoPP::IsStrongLucasProbablePrime(p)) {
        result.index = base + k;
        return result;
      }
    }
    return result;
  });
}

// ---- FIPS 186-4 ---------------------------------------------------------------------------

HashAlg fips186_4_hash(unsigned q_bits) {
  switch (q_bits) {
    case 160:
      return HashAlg::sha1;
    case 224:
      return HashAlg::sha224;
    case 256:
      return HashAlg::sha256;
    default:
      throw_usage("FIPS 186-4 q size must be 160, 224 or 256 bits, not " + std::to_string(q_bits));
  }
}

Bytes fips186_4_q(ByteView seed, unsigned q_bits, unsigned mr_rounds, ByteView salt) {
  HashAlg alg = fips186_4_hash(q_bits);
  if (seed.size() * 8 < q_bits) {
    throw_usage("FIPS 186-4 seed must have at least as many bits as q");
  }
  return guard("FIPS 186-4 q", [&] {
    Integer u = to_int(hash(alg, seed)) % Integer::Power2(q_bits - 1);
    Integer q = Integer::Power2(q_bits - 1) + u + Integer::One() - Integer(u.GetBit(0) ? 1 : 0);
    if (!bpsw_int(q, mr_rounds, salt, 1)) {
      return Bytes{};
    }
    return from_int(q);
  });
}

Bytes fips186_4_p_candidate(ByteView seed, ByteView q, unsigned p_bits, unsigned counter) {
  // q_bits decides the hash; outlen is its size.
  Integer qq = to_int(q);
  HashAlg alg = fips186_4_hash(qq.BitCount());
  return guard("FIPS 186-4 p", [&] {
    const unsigned outlen = static_cast<unsigned>(hash_size(alg) * 8);
    const unsigned n = (p_bits + outlen - 1) / outlen - 1;
    const unsigned b = p_bits - 1 - n * outlen;
    const std::size_t seedlen = seed.size();
    const Integer seed_mod = Integer::Power2(seedlen * 8);
    const Integer s = to_int(seed);
    const Integer offset = Integer::One() + Integer(static_cast<CryptoPP::word>(counter)) *
                                                Integer(static_cast<CryptoPP::word>(n + 1));
    Integer w;
    for (unsigned j = 0; j <= n; ++j) {
      Integer v_in = (s + offset + Integer(static_cast<CryptoPP::word>(j))) % seed_mod;
      Integer v = to_int(hash(alg, encode_width(v_in, seedlen)));
      if (j == n) {
        v = v % Integer::Power2(b);
      }
      w += v << (j * outlen);
    }
    Integer x = w + Integer::Power2(p_bits - 1);
    Integer c = x % (qq << 1);
    Integer p = x - (c - Integer::One());
    if (p < Integer::Power2(p_bits - 1)) {
      return Bytes{};
    }
    return from_int(p);
  });
}

Bytes fips186_2_legacy_q(ByteView seed, unsigned q_bits) {
  HashAlg alg = fips186_4_hash(q_bits);
  const std::size_t qsize = q_bits / 8;
  if (seed.size() < qsize || hash_size(alg) < qsize) {
    throw_usage("FIPS 186-2 seed must have at least as many bits as q");
  }
  return guard("FIPS 186-2 q", [&] {
    ByteView s = seed.first(qsize);
    Integer s1 = (to_int(s) + Integer::One()) % Integer::Power2(qsize * 8);
    Bytes a = hash(alg, s);
    Bytes b = hash(alg, encode_width(s1, qsize));
    Bytes md(qsize);
    for (std::size_t i = 0; i < qsize; ++i) {
      md[i] = static_cast<std::uint8_t>(a[i] ^ b[i]);
    }
    md[0] |= 0x80;
    md[qsize - 1] |= 0x01;
    return from_int(to_int(md));
  });
}

Bytes fips186_2_legacy_p_candidate(ByteView seed, ByteView q, unsigned p_bits, unsigned counter) {
  Integer qq = to_int(q);
  HashAlg alg = fips186_4_hash(qq.BitCount());
  const std::size_t qsize = qq.BitCount() / 8;
  if (seed.size() < qsize) {
    throw_usage("FIPS 186-2 seed must have at least as many bits as q");
  }
  return guard("FIPS 186-2 p", [&] {
    const unsigned l = (p_bits + 63) / 64 * 64;
    const unsigned outlen = static_cast<unsigned>(hash_size(alg) * 8);
    const unsigned n = (l - 1) / 160;
    const Integer seed_mod = Integer::Power2(qsize * 8);
    const Integer s = to_int(seed.first(qsize));
    const Integer offset = Integer(2) + Integer(static_cast<CryptoPP::word>(counter)) *
                                            Integer(static_cast<CryptoPP::word>(n + 1));
    Integer w;
    for (unsigned j = 0; j <= n; ++j) {
      Integer v_in = (s + offset + Integer(static_cast<CryptoPP::word>(j))) % seed_mod;
      w += to_int(hash(alg, encode_width(v_in, qsize))) << (j * outlen);
    }
    w = w % Integer::Power2(l - 1);
    Integer x = w + Integer::Power2(l - 1);
    Integer c = x % (qq << 1);
    Integer p = x - (c - Integer::One());
    if (p < Integer::Power2(l - 1)) {
      return Bytes{};
    }
    return from_int(p);
  });
}

bool is_probable_prime_fast_reject(ByteView n) {
  return guard("primality test", [&] {
    Integer v = to_int(n);
    if (v < Integer(static_cast<CryptoPP::word>(2000 * 2000))) {
      return bpsw_int(v, 0, {}, 1);
    }
    for (std::uint32_t r : trial_primes()) {
      if (v.Modulo(r) == 0) {
        return false;
      }
    }
    return strong_base2(v);
  });
}

Bytes fips186_4_generator(ByteView p, ByteView q, std::uint32_t* h_out) {
  return guard("FIPS 186-4 generator", [&] {
    Integer pp = to_int(p);
    Integer qq = to_int(q);
    if (qq.IsZero() || pp < Integer(5)) {
      throw_usage("generator needs p >= 5 and q > 0");
    }
    Integer e, rem;
    Integer::Divide(rem, e, pp - Integer::One(), qq);
    if (!rem.IsZero()) {
      throw_usage("q does not divide p - 1");
    }
    for (std::uint32_t h = 2; Integer(static_cast<CryptoPP::word>(h)) < pp - Integer::One(); ++h) {
      Integer g = a_exp_b_mod_c(Integer(static_cast<CryptoPP::word>(h)), e, pp);
      if (!g.IsUnit()) {
        if (h_out) {
          *h_out = h;
        }
        return from_int(g);
      }
    }
    throw Error(ErrorKind::internal, "no generator found for the order-q subgroup");
  });
}

}  // namespace hsk::crypto
