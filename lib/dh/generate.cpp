#include "dh/generate.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "crypto/dh_math.hpp"
#include "hsk/error.hpp"

namespace hsk::dh {

namespace {

using Clock = std::chrono::steady_clock;

unsigned worker_count(unsigned requested) {
  if (requested != 0) {
    return requested;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Pool runs `work(worker_index)` on `n` threads while the calling thread reports progress,
// and rethrows the first exception a worker threw. `stop_all` is called when a worker fails
// so the others can finish early.
class Pool {
 public:
  template <typename Work, typename Report>
  void run(unsigned n, Work&& work, const std::function<void()>& stop_all, Report&& report,
           std::chrono::milliseconds interval) {
    std::vector<std::thread> threads;
    threads.reserve(n);
    for (unsigned i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        try {
          work(i);
        } catch (...) {
          std::lock_guard lock(mutex_);
          if (!failure_) {
            failure_ = std::current_exception();
          }
          stop_all();
        }
        std::lock_guard lock(mutex_);
        ++finished_;
        cv_.notify_all();
      });
    }
    {
      std::unique_lock lock(mutex_);
      while (finished_ < n) {
        cv_.wait_for(lock, interval);
        if (finished_ < n) {
          lock.unlock();
          report();
          lock.lock();
        }
      }
    }
    for (auto& t : threads) {
      t.join();
    }
    if (failure_) {
      std::rethrow_exception(failure_);
    }
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  unsigned finished_ = 0;
  std::exception_ptr failure_;
};

constexpr std::uint64_t kNone = std::numeric_limits<std::uint64_t>::max();

}  // namespace

DhParameters generate_safe_prime(crypto::Rng& rng, const GenerateOptions& options) {
  const unsigned bits = options.bits;
  if (bits < 64 || bits > 10000) {
    throw_usage("safe-prime size must lie in [64, 10000] bits, not " + std::to_string(bits));
  }
  const unsigned threads = worker_count(options.threads);
  const auto start = Clock::now();
  const Bytes salt = rng.bytes(32);
  const std::size_t start_bytes = (bits + 7) / 8;

  // Work items are (epoch, block), handed out in increasing order; an epoch is one random
  // start point, replaced only when its blocks would run past 2^bits (small sizes).
  std::mutex mutex;
  std::deque<std::unique_ptr<crypto::SafePrimeSearch>> epochs;
  epochs.push_back(
      std::make_unique<crypto::SafePrimeSearch>(bits, rng.bytes(start_bytes), salt, threads));
  std::uint64_t next_epoch = 0;
  std::uint64_t next_block = 0;
  std::atomic<std::uint64_t> best_key{kNone};  // epoch << 32 | block of the best success
  std::uint64_t best_index = 0;
  std::atomic<std::uint64_t> tested{0};
  std::atomic<std::uint64_t> sieved{0};
  constexpr std::uint64_t kEpochShift = 32;

  struct Item {
    const crypto::SafePrimeSearch* search;
    std::uint64_t block;
    std::uint64_t key;
  };
  auto dispense = [&]() -> std::optional<Item> {
    std::lock_guard lock(mutex);
    if (best_key.load() != kNone) {
      return std::nullopt;  // something passed already; later items cannot win
    }
    while (next_block >= epochs[next_epoch]->block_count()) {
      ++next_epoch;
      next_block = 0;
      if (next_epoch == epochs.size()) {
        epochs.push_back(
            std::make_unique<crypto::SafePrimeSearch>(bits, rng.bytes(start_bytes), salt, threads));
      }
    }
    Item item{epochs[next_epoch].get(), next_block, next_epoch << kEpochShift | next_block};
    ++next_block;
    return item;
  };
  auto work = [&](unsigned) {
    for (;;) {
      std::optional<Item> item = dispense();
      if (!item || item->key > best_key.load()) {
        return;
      }
      auto stop = [&] { return item->key > best_key.load(std::memory_order_relaxed); };
      auto result = item->search->scan_block(item->block, stop, &tested);
      sieved.fetch_add(crypto::SafePrimeSearch::kBlockSize, std::memory_order_relaxed);
      if (result.index) {
        std::lock_guard lock(mutex);
        if (item->key < best_key.load()) {
          best_key = item->key;
          best_index = *result.index;
        }
      }
    }
  };
  auto report = [&](bool done) {
    if (options.progress) {
      Progress p;
      p.phase = "safe prime";
      p.tested = tested.load();
      p.sieved = sieved.load();
      p.seconds = seconds_since(start);
      p.done = done;
      options.progress(p);
    }
  };
  Pool pool;
  pool.run(
      threads, work, [&] { best_key = 0; }, [&] { report(false); }, options.interval);
  report(true);

  const std::uint64_t key = best_key.load();
  const auto& search = *epochs[key >> kEpochShift];
  DhParameters out;
  out.format = ParamsFormat::pkcs3;
  out.numbers.p = search.prime(best_index);
  out.numbers.q = crypto::int_shr(out.numbers.p, 1);
  std::uint32_t g = crypto::smallest_quadratic_residue(out.numbers.p);
  out.numbers.g = Bytes{static_cast<std::uint8_t>(g)};
  return out;
}

DhParameters generate_dsa_style(crypto::Rng& rng, unsigned q_bits, const GenerateOptions& options) {
  const unsigned bits = options.bits;
  crypto::fips186_4_hash(q_bits);  // validates q_bits
  if (bits < 512 || bits > 10000 || bits <= q_bits) {
    throw_usage("FIPS 186-4 p size must lie in [512, 10000] bits, not " + std::to_string(bits));
  }
  const unsigned threads = worker_count(options.threads);
  const auto start = Clock::now();
  const Bytes salt = rng.bytes(32);
  std::atomic<std::uint64_t> tested{0};
  std::string_view phase = "FIPS 186-4 q";
  auto report = [&](bool done) {
    if (options.progress) {
      Progress p;
      p.phase = phase;
      p.tested = tested.load();
      p.seconds = seconds_since(start);
      p.done = done;
      options.progress(p);
    }
  };
  const unsigned q_rounds = crypto::miller_rabin_rounds(q_bits);
  const unsigned p_rounds = crypto::miller_rabin_rounds(bits);
  const unsigned counters = 4 * bits;  // A.1.1.2 step 11: counter = 0 .. 4L - 1
  for (;;) {
    // Steps 5-9: a seed whose q is prime (cheap: q is small).
    phase = "FIPS 186-4 q";
    Bytes seed;
    Bytes q;
    while (q.empty()) {
      seed = rng.bytes(q_bits / 8);
      q = crypto::fips186_4_q(seed, q_bits, q_rounds, salt);
      tested.fetch_add(1, std::memory_order_relaxed);
    }
    // Steps 10-11: the lowest counter whose p is prime, counters shared between workers.
    phase = "FIPS 186-4 p";
    std::atomic<std::uint32_t> next{0};
    std::atomic<std::uint64_t> best{kNone};
    std::mutex best_mutex;
    auto work = [&](unsigned) {
      for (;;) {
        std::uint32_t c = next.fetch_add(1);
        if (c >= counters || c > best.load()) {
          return;
        }
        Bytes p = crypto::fips186_4_p_candidate(seed, q, bits, c);
        if (p.empty()) {
          continue;
        }
        tested.fetch_add(1, std::memory_order_relaxed);
        if (!crypto::is_probable_prime_fast_reject(p)) {
          continue;
        }
        if (crypto::is_probable_prime_bpsw(p, p_rounds, salt)) {
          std::lock_guard lock(best_mutex);
          if (c < best.load()) {
            best = c;
          }
        }
      }
    };
    Pool pool;
    pool.run(
        threads, work, [&] { next = counters; }, [&] { report(false); }, options.interval);
    if (best.load() == kNone) {
      continue;  // step 12: a new seed
    }
    DhParameters out;
    out.format = ParamsFormat::x942;
    auto counter = static_cast<std::uint32_t>(best.load());
    out.numbers.p = crypto::fips186_4_p_candidate(seed, q, bits, counter);
    out.numbers.q = q;
    out.numbers.g = crypto::fips186_4_generator(out.numbers.p, q);
    out.seed = seed;
    out.pgen_counter = counter;
    report(true);
    return out;
  }
}

DhParameters with_format(DhParameters params, ParamsFormat format) {
  params.format = format;
  if (format == ParamsFormat::pkcs3) {
    params.numbers.q.clear();
    params.numbers.j.clear();
    params.seed.clear();
    params.pgen_counter.reset();
  } else {
    if (params.numbers.q.empty()) {
      params.numbers.q = crypto::int_shr(params.numbers.p, 1);
    }
    params.numbers.private_value_length = 0;
  }
  return params;
}

}  // namespace hsk::dh
