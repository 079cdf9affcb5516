#include "pki/chain.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>

#include "crypto/crypto.hpp"
#include "hsk/error.hpp"
#include "pki/oids.hpp"

namespace hsk::pki {

namespace {

constexpr std::size_t kMaxChain = 32;  // certificates, leaf and anchor included

struct ErrorInfo {
  ChainError error;
  std::string_view id;
  std::string_view reason;
  std::string_view openssl;
  int code;
};

constexpr ErrorInfo kErrors[] = {
    {ChainError::issuer_not_found, "issuer_not_found", "issuer not found",
     "unable to get local issuer certificate", 20},
    {ChainError::issuer_of_trusted_not_found, "issuer_of_trusted_not_found",
     "issuer of a trusted certificate not found", "unable to get issuer certificate", 2},
    {ChainError::self_signed_leaf, "self_signed_leaf", "self-signed certificate",
     "self-signed certificate", 18},
    {ChainError::self_signed_in_chain, "self_signed_in_chain",
     "self-signed certificate in certificate chain", "self-signed certificate in certificate chain",
     19},
    {ChainError::chain_too_long, "chain_too_long", "certificate chain too long",
     "certificate chain too long", 22},
    {ChainError::unhandled_critical_extension, "unhandled_critical_extension",
     "unhandled critical extension", "unhandled critical extension", 34},
    {ChainError::issuer_not_ca, "issuer_not_ca", "issuer is not a CA", "invalid CA certificate",
     79},
    {ChainError::issuer_lacks_key_cert_sign, "issuer_lacks_key_cert_sign",
     "issuer lacks keyCertSign", "key usage does not include certificate signing", 32},
    {ChainError::path_length_exceeded, "path_length_exceeded", "path length exceeded",
     "path length constraint exceeded", 25},
    {ChainError::unsuitable_purpose, "unsuitable_purpose", "unsuitable purpose",
     "unsuitable certificate purpose", 26},
    {ChainError::issuer_key_unusable, "issuer_key_unusable", "issuer key unusable",
     "unable to decode issuer public key", 6},
    {ChainError::signature_algorithm_mismatch, "signature_algorithm_mismatch",
     "signature algorithm mismatch", "certificate signature failure", 7},
    {ChainError::signature_failure, "signature_failure", "signature does not verify",
     "certificate signature failure", 7},
    {ChainError::not_yet_valid, "not_yet_valid", "certificate is not yet valid",
     "certificate is not yet valid", 9},
    {ChainError::expired, "expired", "certificate has expired", "certificate has expired", 10},
};

const ErrorInfo& info(ChainError e) {
  for (const auto& i : kErrors) {
    if (i.error == e) {
      return i;
    }
  }
  throw Error(ErrorKind::internal, "unknown chain error");
}

// Extensions whose criticality hsk honours (those OpenSSL 3 handles, minus the ones hsk does
// not enforce: name constraints, policy constraints and mappings).
bool handled_extension(std::string_view id) {
  return id == oid::kBasicConstraints || id == oid::kKeyUsage || id == oid::kExtKeyUsage ||
         id == oid::kSubjectAltName || id == oid::kCertificatePolicies;
}

bool same_cert(const Certificate& a, const Certificate& b) { return a.der == b.der; }

// likely_issued: `issuer` may have issued `cert` (names, key identifiers and the key type
// against the signature algorithm agree), as OpenSSL's ossl_x509_likely_issued decides.
bool likely_issued(const Certificate& issuer, const Certificate& cert) {
  if (!names_match(issuer.subject, cert.issuer)) {
    return false;
  }
  if (cert.authority_key_id && issuer.subject_key_id &&
      *cert.authority_key_id != *issuer.subject_key_id) {
    return false;
  }
  auto alg = certificate_signature_algorithm(cert);
  if (alg && issuer.key && crypto::signature_key_type(*alg) != issuer.key->type) {
    return false;
  }
  return true;
}

// signature_problem checks cert's signature with issuer's key; returns a problem or nullopt.
std::optional<ChainProblem> signature_problem(const Certificate& cert, const Certificate& issuer,
                                              std::size_t depth) {
  if (!issuer.key) {
    return ChainProblem{ChainError::issuer_key_unusable, depth, issuer.key_error};
  }
  if (cert.signature_algorithm != cert.tbs_signature_algorithm) {
    return ChainProblem{ChainError::signature_algorithm_mismatch, depth,
                        "signatureAlgorithm differs from the TBSCertificate's signature field"};
  }
  auto alg = certificate_signature_algorithm(cert);
  if (!alg) {
    return ChainProblem{
        ChainError::signature_failure, depth,
        "signature algorithm not supported: " + signature_algorithm_description(cert)};
  }
  if (crypto::signature_key_type(*alg) != issuer.key->type) {
    return ChainProblem{ChainError::signature_failure, depth,
                        std::string(crypto::key_type_name(issuer.key->type)) +
                            " issuer key cannot check " + signature_algorithm_description(cert)};
  }
  bool ok = false;
  try {
    ok = crypto::verify(*issuer.key, *alg, cert.tbs, cert.signature);
  } catch (const Error& e) {
    return ChainProblem{ChainError::issuer_key_unusable, depth,
                        e.detail().empty() ? e.what() : e.detail()};
  }
  if (!ok) {
    return ChainProblem{ChainError::signature_failure, depth, {}};
  }
  return std::nullopt;
}

bool eku_allows(const Certificate& c, Purpose p) {
  if (!c.ext_key_usage) {
    return true;
  }
  const auto& list = *c.ext_key_usage;
  auto has = [&](std::string_view id) {
    return std::find(list.begin(), list.end(), id) != list.end();
  };
  bool server = has(oid::kServerAuth);
  bool client = has(oid::kClientAuth);
  switch (p) {
    case Purpose::any:
      return true;
    case Purpose::server:
      return server;
    case Purpose::client:
      return client;
    case Purpose::both:
      return server && client;
  }
  return true;
}

// leaf_key_usage_allows: OpenSSL's sslserver purpose wants digitalSignature, keyEncipherment
// or keyAgreement; sslclient digitalSignature or keyAgreement.
bool leaf_key_usage_allows(const Certificate& c, Purpose p) {
  if (!c.key_usage || p == Purpose::any) {
    return true;
  }
  using namespace key_usage;
  std::uint16_t server = kDigitalSignature | kKeyEncipherment | kKeyAgreement;
  std::uint16_t client = kDigitalSignature | kKeyAgreement;
  bool s = (*c.key_usage & server) != 0;
  bool cl = (*c.key_usage & client) != 0;
  return p == Purpose::server ? s : p == Purpose::client ? cl : (s && cl);
}

std::string_view purpose_name(Purpose p) {
  switch (p) {
    case Purpose::any:
      return "any";
    case Purpose::server:
      return "server";
    case Purpose::client:
      return "client";
    case Purpose::both:
      return "both";
  }
  return "any";
}

std::string problem_line(const ChainResult& r, const ChainProblem& p) {
  const ErrorInfo& i = info(p.error);
  std::string out = "depth " + std::to_string(p.depth);
  if (p.depth < r.chain.size()) {
    out += " (" + name_to_string(r.chain[p.depth].subject) + ")";
  }
  out += ": ";
  out += i.reason;
  if (!p.detail.empty()) {
    out += ": " + p.detail;
  }
  if (i.reason != i.openssl) {
    out += " (openssl: " + std::string(i.openssl) + ")";
  }
  return out;
}

}  // namespace

std::string_view chain_error_id(ChainError e) { return info(e).id; }
std::string_view chain_error_reason(ChainError e) { return info(e).reason; }
std::string_view chain_error_openssl(ChainError e) { return info(e).openssl; }
int chain_error_openssl_code(ChainError e) { return info(e).code; }

ChainResult verify_chain(const Certificate& leaf, std::span<const Certificate> untrusted,
                         std::span<const Certificate> trusted, const ChainOptions& options) {
  ChainResult r;
  r.chain.push_back(leaf);
  auto is_trusted = [&](const Certificate& c) {
    return std::any_of(trusted.begin(), trusted.end(),
                       [&](const Certificate& t) { return same_cert(t, c); });
  };
  auto used = [&](const Certificate& c) {
    return std::any_of(r.chain.begin(), r.chain.end(),
                       [&](const Certificate& x) { return same_cert(x, c); });
  };

  // ---- path building (trusted first) ----
  for (;;) {
    const Certificate& cur = r.chain.back();
    std::size_t depth = r.chain.size() - 1;
    bool cur_trusted = is_trusted(cur);
    if (cur_trusted && (cur.self_issued() || options.partial_chain)) {
      r.anchored = true;
      break;
    }
    if (cur.self_issued()) {
      r.problems.push_back(
          {depth == 0 ? ChainError::self_signed_leaf : ChainError::self_signed_in_chain,
           depth,
           {}});
      return r;
    }
    if (r.chain.size() >= kMaxChain) {
      r.problems.push_back({ChainError::chain_too_long, depth, {}});
      return r;
    }
    // Candidates: trusted ones first, then untrusted; among each, one whose signature
    // verifies and that is valid at `at` wins over one that is not.
    const Certificate* best = nullptr;
    int best_score = -1;
    for (int pass = 0; pass < 2 && !best; ++pass) {
      std::span<const Certificate> pool = pass == 0 ? trusted : untrusted;
      for (const Certificate& cand : pool) {
        if (used(cand) || !likely_issued(cand, cur)) {
          continue;
        }
        int score = 0;
        if (!signature_problem(cur, cand, depth)) {
          score += 2;
        }
        if (cand.not_before <= options.at && options.at <= cand.not_after) {
          score += 1;
        }
        if (score > best_score) {
          best = &cand;
          best_score = score;
        }
      }
    }
    if (!best) {
      r.problems.push_back(
          {cur_trusted ? ChainError::issuer_of_trusted_not_found : ChainError::issuer_not_found,
           depth,
           {}});
      return r;
    }
    r.chain.push_back(*best);
  }

  const std::size_t n = r.chain.size();
  // ---- extensions, issuers, path length, purpose: leaf up ----
  std::size_t intermediates_below = 0;  // non-self-issued certificates at depths 1..i-1
  for (std::size_t i = 0; i < n; ++i) {
    const Certificate& c = r.chain[i];
    for (const Extension& e : c.extensions) {
      if (e.critical && !handled_extension(e.oid)) {
        r.problems.push_back({ChainError::unhandled_critical_extension, i, e.oid});
      }
    }
    if (i > 0) {
      if (c.key_usage && !(*c.key_usage & key_usage::kKeyCertSign)) {
        r.problems.push_back({ChainError::issuer_lacks_key_cert_sign, i, {}});
      } else if (c.basic_constraints) {
        if (!c.basic_constraints->ca) {
          r.problems.push_back({ChainError::issuer_not_ca, i, "basicConstraints cA is FALSE"});
        }
      } else if (!(c.version == 1 && c.self_issued()) && !c.key_usage) {
        r.problems.push_back({ChainError::issuer_not_ca, i, "no basicConstraints"});
      }
      if (c.basic_constraints && c.basic_constraints->path_len &&
          intermediates_below > *c.basic_constraints->path_len) {
        r.problems.push_back({ChainError::path_length_exceeded, i,
                              "pathLenConstraint " +
                                  std::to_string(*c.basic_constraints->path_len) + ", " +
                                  std::to_string(intermediates_below) + " intermediate(s) below"});
      }
      if (!c.self_issued()) {
        ++intermediates_below;
      }
    }
    if (options.purpose != Purpose::any) {
      if (i == 0) {
        if (!eku_allows(c, options.purpose)) {
          r.problems.push_back({ChainError::unsuitable_purpose, i,
                                "extendedKeyUsage lacks " +
                                    std::string(purpose_name(options.purpose)) +
                                    " authentication"});
        } else if (!leaf_key_usage_allows(c, options.purpose)) {
          r.problems.push_back({ChainError::unsuitable_purpose, i, "keyUsage does not allow TLS"});
        }
      } else if (!eku_allows(c, options.purpose)) {
        // OpenSSL checks the anchor's extendedKeyUsage too (X509_TRUST_NO_SS_COMPAT).
        r.problems.push_back({ChainError::unsuitable_purpose, i,
                              "issuer's extendedKeyUsage lacks " +
                                  std::string(purpose_name(options.purpose)) + " authentication"});
      }
    }
  }
  // ---- signatures and validity: anchor down ----
  for (std::size_t k = n; k-- > 0;) {
    const Certificate& c = r.chain[k];
    if (k + 1 < n) {
      if (auto p = signature_problem(c, r.chain[k + 1], k)) {
        r.problems.push_back(*p);
      }
    }
    if (options.at < c.not_before) {
      r.problems.push_back(
          {ChainError::not_yet_valid, k, "notBefore " + format_time(c.not_before)});
    } else if (options.at > c.not_after) {
      r.problems.push_back({ChainError::expired, k, "notAfter " + format_time(c.not_after)});
    }
  }
  return r;
}

std::string chain_verdict(const ChainResult& result) {
  if (result.valid()) {
    return "OK";
  }
  if (result.problems.empty()) {
    return "no trust anchor";
  }
  return problem_line(result, result.problems.front());
}

std::string chain_report_text(const ChainResult& result, const ChainOptions& options) {
  std::string out = "certificate chain, leaf first, checked at " + format_time(options.at);
  if (options.purpose != Purpose::any) {
    out += " for purpose " + std::string(purpose_name(options.purpose));
  }
  out += ":\n";
  for (std::size_t i = 0; i < result.chain.size(); ++i) {
    const Certificate& c = result.chain[i];
    bool anchor = result.anchored && i + 1 == result.chain.size();
    out += "depth " + std::to_string(i) + ": " + name_to_string(c.subject) +
           (anchor ? "  [trust anchor]" : "") + "\n";
    out += "  issuer:    " + name_to_string(c.issuer) + "\n";
    out += "  serial:    " + c.serial_hex() + "\n";
    out += "  validity:  " + format_time(c.not_before) + " to " + format_time(c.not_after) + "\n";
    out += "  key:       " + c.key_description() + "\n";
    out += "  signature: " + signature_algorithm_description(c) + "\n";
  }
  if (result.problems.size() > 1) {
    out += "problems:\n";
    for (const auto& p : result.problems) {
      out += "  " + problem_line(result, p) + "\n";
    }
  }
  out += result.valid() ? "verdict: OK\n" : "verdict: invalid: " + chain_verdict(result) + "\n";
  return out;
}

std::string chain_report_json(const ChainResult& result, const ChainOptions& options) {
  using Json = nlohmann::ordered_json;
  Json j;
  j["valid"] = result.valid();
  j["at"] = format_time(options.at);
  j["purpose"] = std::string(purpose_name(options.purpose));
  j["anchored"] = result.anchored;
  Json chain = Json::array();
  for (std::size_t i = 0; i < result.chain.size(); ++i) {
    const Certificate& c = result.chain[i];
    Json e;
    e["depth"] = i;
    e["subject"] = name_to_string(c.subject);
    e["issuer"] = name_to_string(c.issuer);
    e["serial"] = c.serial_hex();
    e["not_before"] = format_time(c.not_before);
    e["not_after"] = format_time(c.not_after);
    e["key"] = c.key_description();
    e["signature_algorithm"] = signature_algorithm_description(c);
    e["trust_anchor"] = result.anchored && i + 1 == result.chain.size();
    chain.push_back(std::move(e));
  }
  j["chain"] = std::move(chain);
  Json problems = Json::array();
  for (const auto& p : result.problems) {
    const ErrorInfo& i = info(p.error);
    Json e;
    e["error"] = std::string(i.id);
    e["depth"] = p.depth;
    e["reason"] = std::string(i.reason);
    e["detail"] = p.detail;
    e["openssl_code"] = i.code;
    e["openssl"] = std::string(i.openssl);
    problems.push_back(std::move(e));
  }
  j["problems"] = std::move(problems);
  j["verdict"] = result.valid() ? "OK" : chain_verdict(result);
  // Names are valid UTF-8 (name_to_string escapes the rest); replace guards any other text.
  return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace hsk::pki
