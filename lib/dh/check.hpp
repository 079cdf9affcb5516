// hsk::dh check — validate finite-field DH parameters, agreeing with OpenSSL 3's
// DH_check (`openssl dhparam -check`, `openssl pkeyparam -check`) on what is invalid.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "crypto/crypto.hpp"
#include "dh/groups.hpp"
#include "dh/params.hpp"

namespace hsk::dh {

enum class Severity { ok, info, warning, error };

// severity_name is "ok", "info", "warning" or "error".
std::string_view severity_name(Severity s);

struct Finding {
  Severity severity = Severity::ok;
  std::string message;
  bool operator==(const Finding&) const = default;
};

// CheckReport lists what check_dh_params found, in the order it checked.
struct CheckReport {
  ParamsFormat format = ParamsFormat::pkcs3;
  std::size_t bits = 0;               // |p|
  const NamedGroup* group = nullptr;  // the standard group p and g (and q) are, if any
  std::vector<Finding> findings;
  // valid is true when no finding is an error.
  bool valid() const;
  // count returns how many findings have severity `s`.
  std::size_t count(Severity s) const;
};

struct CheckOptions {
  // trust_named_groups: a named group is accepted without primality tests, as OpenSSL does.
  bool trust_named_groups = true;
  // threads for the Miller-Rabin rounds; 0 means one per core.
  unsigned threads = 0;
};

// check_dh_params validates `params`:
//   - size: p below 512 bits or above 10000 bits is an error (OpenSSL's limits; above the
//     maximum nothing else is tested), below 2048 bits a warning;
//   - a named group (RFC 7919, RFC 3526) is reported and, with trust_named_groups, accepted;
//   - 1 < g < p - 1;
//   - p prime (Baillie-PSW plus 64 or 128 Miller-Rabin rounds with bases drawn from `rng`);
//   - with q: q < p, q prime, q divides p - 1, g^q = 1 mod p, j = (p-1)/q when j is given, and
//     (a warning when they disagree) p and q derive from the FIPS 186-4 seed when one is given;
//   - without q: p a safe prime, (p-1)/2 prime; g of order (p-1)/2 is reported as ok, g of
//     order p - 1 (what OpenSSL 1.1.1 and older generated for g = 2) as a warning — OpenSSL 3
//     accepts such parameters and so does hsk.
// Throws hsk::Error only for internal failures: every finding is in the report.
CheckReport check_dh_params(const DhParameters& params, crypto::Rng& rng,
                            const CheckOptions& options = {});

}  // namespace hsk::dh
