// hsk::crypto DH math — the big-integer work behind finite-field DH parameters: primality,
// the combined safe-prime sieve, FIPS 186-4 (p, q) generation, generators and order checks.
//
// Like crypto.hpp this header exposes no Crypto++ type: numbers are unsigned big-endian Bytes
// (leading zeros ignored on input, minimal on output; zero is {0x00}). Nothing here touches an
// Rng: callers pass the random bytes in (a start point, a FIPS seed, a salt for Miller-Rabin
// bases), so every result is a deterministic function of its inputs and the DH layer decides
// where randomness comes from and how threads share the work (lib/dh/generate.cpp).
// Every function is safe to call from several threads at once. Crypto++ exceptions become
// hsk::Error(internal).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "crypto/crypto.hpp"
#include "hsk/bytes.hpp"

namespace hsk::crypto {

// ---------------------------------------------------------------------------------------
// Primality and small arithmetic.

// is_probable_prime_bpsw decides primality as a careful checker should for numbers an
// adversary may have chosen: trial division by the primes below 2000, a strong probable-prime
// test to base 2 and a strong Lucas test (together Baillie-PSW), then `mr_rounds` Miller-Rabin
// rounds with bases in [2, n-2] derived from SHA-256(salt, n, i) — unpredictable when the salt
// is. With `threads` > 1 the rounds are split over that many threads. False for 0 and 1.
bool is_probable_prime_bpsw(ByteView n, unsigned mr_rounds, ByteView salt, unsigned threads = 1);

// miller_rabin_rounds is the round count OpenSSL 3 uses for a number of `bits` bits (64 up to
// 2048 bits, 128 above), which bounds the error by 2^-128 even for chosen composites.
unsigned miller_rabin_rounds(std::size_t bits);

// jacobi returns the Jacobi symbol (a/n) for odd n >= 3: -1, 0 or 1. Throws
// hsk::Error(usage) for an even n or n < 3.
int jacobi(ByteView a, ByteView n);

// int_sub_word / int_add_word: a - w (throws hsk::Error(usage) when negative) and a + w.
Bytes int_sub_word(ByteView a, std::uint32_t w);
Bytes int_add_word(ByteView a, std::uint32_t w);
// int_shr returns a >> bits.
Bytes int_shr(ByteView a, unsigned bits);
// int_mod_word returns a mod w (w > 0).
std::uint32_t int_mod_word(ByteView a, std::uint32_t w);
// int_divide returns (a / b, a mod b). Throws hsk::Error(usage) when b is 0.
struct IntDivision {
  Bytes quotient;
  Bytes remainder;
};
IntDivision int_divide(ByteView a, ByteView b);
// is_one / is_zero on big-endian magnitudes.
bool int_is_one(ByteView a);
bool int_is_zero(ByteView a);

// smallest_quadratic_residue returns the smallest h >= 2 with (h/p) = 1. For a safe prime
// p = 2q + 1 that h generates the subgroup of order q (h = 2 exactly when p = ±1 mod 8).
// Throws hsk::Error(usage) when p is even or < 7.
std::uint32_t smallest_quadratic_residue(ByteView p);

// ---------------------------------------------------------------------------------------
// Safe primes: a combined sieve on p and q = (p-1)/2.
//
// SafePrimeSearch walks p = S + 24 i (i = 0, 1, ...) where S is derived from random bytes:
// S has exactly `bits` bits (top bit set) and S = 23 mod 24, so every candidate has p = 7 mod 8
// (2 is a quadratic residue, hence g = 2 generates the order-q subgroup) and neither p nor q is
// divisible by 2 or 3 — the same residue class OpenSSL's `dhparam` searches. The walk is cut
// into blocks of kBlockSize candidates; a block is sieved by every prime below the sieve bound
// (about 2^24 for 2048-bit p), striking i where p = 0 or q = 0 modulo that prime. Survivors are
// tested in increasing order: 2^q = 1 mod p (Euler's criterion, which for p = 7 mod 8 every
// prime p passes), then 2^((q-1)/2) = (2/q) mod q; a survivor of both is confirmed with
// is_probable_prime_bpsw(q, rounds, salt) and a strong Lucas test of p. Given q prime,
// 2^(p-1) = 1 mod p and gcd(2^2 - 1, p) = 1 prove p prime (Pocklington).
//
// The outcome of a block depends only on (bits, start bytes, salt, block), so threads can scan
// different blocks and the caller can pick the lowest passing index deterministically.
class SafePrimeSearch {
 public:
  static constexpr std::uint64_t kBlockSize = std::uint64_t{1} << 14;

  // start_random must hold at least ceil(bits / 8) bytes (extra bytes are ignored).
  // bits must lie in [64, 16384]; `threads` > 1 splits the set-up (residues of S) and the
  // Miller-Rabin rounds that confirm a winner over that many threads.
  // Throws hsk::Error(usage) otherwise.
  SafePrimeSearch(unsigned bits, ByteView start_random, ByteView salt, unsigned threads = 1);
  ~SafePrimeSearch();
  SafePrimeSearch(const SafePrimeSearch&) = delete;
  SafePrimeSearch& operator=(const SafePrimeSearch&) = delete;

  unsigned bits() const;
  // block_count is the number of blocks whose candidates all stay below 2^bits (capped at
  // 2^24); past it the caller must start again from fresh random bytes.
  std::uint64_t block_count() const;
  // sieve_bound is the largest prime the sieve strikes with.
  std::uint32_t sieve_bound() const;

  struct BlockResult {
    std::optional<std::uint64_t> index;  // the lowest passing candidate index, if any
    std::uint64_t survivors = 0;         // candidates left by the sieve (before stopping)
    std::uint64_t tested = 0;            // survivors that got a modular exponentiation
    bool stopped = false;                // `stop` asked to abandon the block
  };
  // scan_block tests block `block` (< block_count()). `stop` is polled before each survivor's
  // test; when it returns true the block is abandoned. `tested` (optional) is incremented per
  // exponentiation, for progress reports.
  BlockResult scan_block(std::uint64_t block, const std::function<bool()>& stop,
                         std::atomic<std::uint64_t>* tested = nullptr) const;

  // prime returns p for candidate `index` (= block * kBlockSize + offset in block).
  Bytes prime(std::uint64_t index) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------------------
// FIPS 186-4 domain parameters (appendix A.1.1.2 generation, A.2.1 generator), as
// `openssl dhparam -dsaparam` and `openssl genpkey -algorithm DHX` make them.

// fips186_4_hash is the hash A.1.1.2 uses for an N-bit q in hsk and OpenSSL 3: SHA-1 for
// N = 160, SHA-224 for N = 224, SHA-256 for N = 256. Throws hsk::Error(usage) otherwise.
HashAlg fips186_4_hash(unsigned q_bits);

// fips186_4_q is steps 6-9 for one domain_parameter_seed (seedlen = 8 * seed.size() bits,
// at least N): U = Hash(seed) mod 2^(N-1), q = 2^(N-1) + U + 1 - (U mod 2). Returns q when it
// is prime (is_probable_prime_bpsw with `mr_rounds`), else an empty Bytes.
Bytes fips186_4_q(ByteView seed, unsigned q_bits, unsigned mr_rounds, ByteView salt);

// fips186_4_p_candidate is steps 11.1-11.6 for one counter (offset = 1 + counter * (n + 1)):
// W from the hashes of seed + offset + j, X = W + 2^(L-1), p = X - (X mod 2q - 1). Returns an
// empty Bytes when p < 2^(L-1).
Bytes fips186_4_p_candidate(ByteView seed, ByteView q, unsigned p_bits, unsigned counter);

// fips186_2_legacy_q / fips186_2_legacy_p_candidate derive q and p the way OpenSSL 3.0's
// "fips186_2" parameter generation does — the default of `openssl genpkey -algorithm DHX`:
// q = (Hash(seed) XOR Hash(seed + 1)) truncated to N bits with the top and bottom bits set;
// p from Hash(seed + 2 + counter * (n + 1) + j), j = 0..n, n = (L - 1) / 160, shifted by
// outlen * j and reduced mod 2^(L-1), then as in A.1.1.2. The hash is fips186_4_hash(N);
// only the first N/8 seed bytes count. No primality test: these are for verifying a
// (seed, counter) a file carries. p_candidate returns an empty Bytes when p < 2^(L-1).
Bytes fips186_2_legacy_q(ByteView seed, unsigned q_bits);
Bytes fips186_2_legacy_p_candidate(ByteView seed, ByteView q, unsigned p_bits, unsigned counter);

// is_probable_prime_fast_reject runs trial division by small primes and a base-2 strong
// probable-prime test: false means certainly composite (used to filter candidates before
// is_probable_prime_bpsw).
bool is_probable_prime_fast_reject(ByteView n);

// fips186_4_generator is A.2.1: e = (p-1)/q, g = h^e mod p for h = 2, 3, ... until g != 1.
// Returns g and stores h. Throws hsk::Error(usage) when q does not divide p-1.
Bytes fips186_4_generator(ByteView p, ByteView q, std::uint32_t* h_out = nullptr);

}  // namespace hsk::crypto
