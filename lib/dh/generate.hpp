// hsk::dh generate — new finite-field DH parameters: safe primes (what `openssl dhparam`
// makes) and FIPS 186-4 parameters with a small q (what `openssl dhparam -dsaparam` and
// `openssl genpkey -algorithm DHX` make).
//
// Both search on every core and are reproducible: the result is a function of the bytes drawn
// from `rng` only, never of the thread count or timing (workers scan numbered blocks of
// candidates and the lowest-numbered success wins). With crypto::seeded_rng that makes
// `--seed` reproducible — and insecure: anyone with the seed has the parameters' history.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>

#include "crypto/crypto.hpp"
#include "dh/params.hpp"

namespace hsk::dh {

struct Progress {
  std::string_view phase;    // "safe prime", "FIPS 186-4 q", "FIPS 186-4 p"
  std::uint64_t tested = 0;  // candidates tested with a modular exponentiation so far
  std::uint64_t sieved = 0;  // candidates sieved so far (safe primes)
  double seconds = 0;        // since the search started
  bool done = false;         // the last call, once the parameters are found
};

// ProgressFn is called from the calling thread (never from a worker) every `interval`
// while the search runs, and once more with done = true.
using ProgressFn = std::function<void(const Progress&)>;

struct GenerateOptions {
  unsigned bits = 2048;  // |p|
  unsigned threads = 0;  // worker threads; 0 means one per core
  ProgressFn progress;
  std::chrono::milliseconds interval{250};
};

// generate_safe_prime returns p = 2q + 1 with p and q prime, |p| = bits (64 <= bits <= 10000),
// p = 23 mod 24 and g = 2, which then generates the subgroup of order q. The result has
// format pkcs3 and carries q in numbers.q (encode_pkcs3 drops it; see with_format).
// Throws hsk::Error(usage) for an unsupported size.
DhParameters generate_safe_prime(crypto::Rng& rng, const GenerateOptions& options);

// generate_dsa_style returns FIPS 186-4 parameters (appendix A.1.1.2, the hash of
// crypto::fips186_4_hash) with |p| = bits and |q| = q_bits (160, 224 or 256; q_bits < bits,
// 512 <= bits <= 10000), and g from A.2.1 (h = 2, 3, ...). The result has format x942 and
// carries the domain_parameter_seed and counter as validationParms.
// Throws hsk::Error(usage) for unsupported sizes.
DhParameters generate_dsa_style(crypto::Rng& rng, unsigned q_bits, const GenerateOptions& options);

// with_format returns `params` ready to write as `format`: pkcs3 drops q, j and the seed;
// x942 keeps them and, when q is missing, sets q = (p-1)/2 (right for safe primes only —
// the caller must know p is one). privateValueLength has no place in X9.42 and is dropped.
DhParameters with_format(DhParameters params, ParamsFormat format);

}  // namespace hsk::dh
