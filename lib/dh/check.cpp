#include "dh/check.hpp"

#include <algorithm>
#include <string>
#include <thread>

#include "crypto/dh_math.hpp"
#include "hsk/error.hpp"

namespace hsk::dh {

namespace {

// OpenSSL 3's DH_MIN_MODULUS_BITS and OPENSSL_DH_MAX_MODULUS_BITS.
constexpr std::size_t kMinBits = 512;
constexpr std::size_t kMaxBits = 10000;
constexpr std::size_t kRecommendedBits = 2048;

std::string hash_label(crypto::HashAlg alg) { return std::string(crypto::hash_name(alg)); }

}  // namespace

std::string_view severity_name(Severity s) {
  switch (s) {
    case Severity::ok:
      return "ok";
    case Severity::info:
      return "info";
    case Severity::warning:
      return "warning";
    case Severity::error:
      return "error";
  }
  return "?";
}

bool CheckReport::valid() const { return count(Severity::error) == 0; }

std::size_t CheckReport::count(Severity s) const {
  return static_cast<std::size_t>(std::count_if(findings.begin(), findings.end(),
                                                [s](const Finding& f) { return f.severity == s; }));
}

CheckReport check_dh_params(const DhParameters& params, crypto::Rng& rng,
                            const CheckOptions& options) {
  CheckReport report;
  const auto& n = params.numbers;
  const Bytes p = crypto::minimal(n.p);
  const Bytes g = crypto::minimal(n.g);
  const bool has_q = !n.q.empty();
  report.format = params.format;
  report.bits = crypto::bit_length(p);
  report.group = identify_group(n);
  const unsigned threads =
      options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  const Bytes salt = rng.bytes(32);
  auto add = [&](Severity s, std::string message) {
    report.findings.push_back({s, std::move(message)});
  };
  const std::string bits_text = std::to_string(report.bits) + "-bit";

  // Size.
  if (report.bits < kMinBits) {
    add(Severity::error, "p has " + std::to_string(report.bits) + " bits, below the minimum of " +
                             std::to_string(kMinBits));
  } else if (report.bits > kMaxBits) {
    add(Severity::error, "p has " + std::to_string(report.bits) + " bits, above the maximum of " +
                             std::to_string(kMaxBits));
  } else if (report.bits < kRecommendedBits) {
    add(Severity::warning, bits_text +
                               " p is too small for today: use 2048 bits or more "
                               "(RFC 7919, NIST SP 800-57)");
  } else {
    add(Severity::ok, "p has " + std::to_string(report.bits) + " bits");
  }

  // A named group is known good (OpenSSL's DH_check returns at once for one).
  if (report.group) {
    add(Severity::info, "p and g are the " + std::string(report.group->rfc) + " group " +
                            std::string(report.group->name));
    if (options.trust_named_groups) {
      add(Severity::ok,
          "standard safe prime with g = 2 generating the order-q subgroup "
          "(primality not re-tested)");
      return report;
    }
  }

  // Generator range: 1 < g < p - 1.
  const Bytes p_minus_1 = crypto::int_is_zero(p) ? Bytes{0x00} : crypto::int_sub_word(p, 1);
  bool g_in_range = true;
  if (crypto::compare_int(g, Bytes{0x01}) <= 0) {
    add(Severity::error, "g must be greater than 1");
    g_in_range = false;
  } else if (crypto::compare_int(g, p_minus_1) >= 0) {
    add(Severity::error, "g must be less than p - 1");
    g_in_range = false;
  } else {
    add(Severity::ok, "1 < g < p - 1");
  }

  // Past OpenSSL's maximum the primality tests would take minutes: the size error stands.
  if (report.bits > kMaxBits) {
    return report;
  }

  // p prime.
  const bool p_odd = !p.empty() && (p.back() & 1) != 0;
  const bool p_prime = p_odd && crypto::is_probable_prime_bpsw(
                                    p, crypto::miller_rabin_rounds(report.bits), salt, threads);
  if (p_prime) {
    add(Severity::ok, "p is prime");
  } else {
    add(Severity::error, "p is not prime");
  }

  if (has_q) {
    const Bytes q = crypto::minimal(n.q);
    const bool q_below_p = crypto::compare_int(q, p) < 0;
    if (!q_below_p) {
      add(Severity::error, "q is not smaller than p");
    }
    if (crypto::is_probable_prime_bpsw(q, crypto::miller_rabin_rounds(crypto::bit_length(q)), salt,
                                       threads)) {
      add(Severity::ok, "q is prime (" + std::to_string(crypto::bit_length(q)) + " bits)");
    } else {
      add(Severity::error, "q is not prime");
    }
    const auto division = crypto::int_divide(p, q);
    const bool divides = crypto::int_is_one(division.remainder);
    if (divides) {
      add(Severity::ok, "q divides p - 1");
    } else {
      add(Severity::error, "q does not divide p - 1");
    }
    if (q_below_p && g_in_range) {
      if (crypto::int_is_one(crypto::mod_exp(g, q, p))) {
        add(Severity::ok, "g has order q (g^q = 1 mod p)");
      } else {
        add(Severity::error, "g does not have order q (g^q mod p is not 1)");
      }
    }
    if (!n.j.empty() && crypto::compare_int(n.j, division.quotient) != 0) {
      add(Severity::error, "j is not (p - 1) / q");
    }
    if (params.pgen_counter) {
      const std::size_t q_bits = crypto::bit_length(q);
      if (q_bits == 160 || q_bits == 224 || q_bits == 256) {
        const auto alg = crypto::fips186_4_hash(static_cast<unsigned>(q_bits));
        const std::uint64_t counter = *params.pgen_counter;
        const bool seed_fits =
            params.seed.size() * 8 >= q_bits && counter < 4 * std::uint64_t{report.bits};
        const auto bits_u = static_cast<unsigned>(report.bits);
        const auto counter_u = static_cast<unsigned>(counter);
        std::string how;
        if (seed_fits) {
          Bytes q4 = crypto::fips186_4_q(params.seed, static_cast<unsigned>(q_bits), 0, salt);
          if (!q4.empty() && crypto::compare_int(q4, q) == 0 &&
              crypto::compare_int(crypto::fips186_4_p_candidate(params.seed, q, bits_u, counter_u),
                                  p) == 0) {
            how = "FIPS 186-4 A.1.1.2";
          } else if (crypto::compare_int(
                         crypto::fips186_2_legacy_q(params.seed, static_cast<unsigned>(q_bits)),
                         q) == 0 &&
                     crypto::compare_int(
                         crypto::fips186_2_legacy_p_candidate(params.seed, q, bits_u, counter_u),
                         p) == 0) {
            how = "OpenSSL's FIPS 186-2-style generation";
          }
        }
        if (!how.empty()) {
          add(Severity::ok, "p and q derive from the seed by " + how + " (" + hash_label(alg) +
                                ", counter " + std::to_string(counter) + ")");
        } else {
          add(Severity::warning,
              "p and q do not derive from the seed and counter (neither FIPS 186-4 "
              "A.1.1.2 nor OpenSSL's FIPS 186-2 style, " +
                  hash_label(alg) + ")");
        }
      } else {
        add(Severity::info, "seed and counter given, but a " + std::to_string(q_bits) +
                                "-bit q has no FIPS 186-4 hash: not verified");
      }
    }
  } else if (p_prime) {
    const Bytes q = crypto::int_shr(p, 1);
    if (crypto::is_probable_prime_bpsw(q, crypto::miller_rabin_rounds(report.bits), salt,
                                       threads)) {
      add(Severity::ok, "p is a safe prime: q = (p - 1) / 2 is prime");
      if (g_in_range) {
        if (crypto::int_is_one(crypto::mod_exp(g, q, p))) {
          add(Severity::ok, "g generates the subgroup of order q = (p - 1) / 2");
        } else {
          add(Severity::warning,
              "g generates the whole group of order p - 1, not the subgroup of "
              "order (p - 1) / 2: public values reveal the low bit of the "
              "private exponent (as with OpenSSL 1.1.1's g = 2, p = 11 mod 24)");
        }
      }
    } else {
      add(Severity::error, "p is not a safe prime: (p - 1) / 2 is not prime, and no q is given");
    }
  }
  if (n.private_value_length != 0) {
    add(Severity::info,
        "privateValueLength is " + std::to_string(n.private_value_length) + " bits");
  }
  return report;
}

}  // namespace hsk::dh
