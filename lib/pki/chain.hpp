// hsk::pki chain — certification path building and validation (RFC 5280 §6, in the subset and
// order OpenSSL 3's X509_verify_cert applies by default), for `hsk verify-sig --cert`.
//
// What is checked: a path from the leaf through untrusted certificates to a self-issued trust
// anchor (OpenSSL's default "trusted first" search, issuers matched by name and key
// identifiers); unhandled critical extensions; on every issuer basicConstraints cA (or, as
// OpenSSL tolerates, a v1 self-signed root or a keyUsage with keyCertSign), keyUsage
// keyCertSign and pathLenConstraint; extendedKeyUsage and keyUsage against the purpose; each
// signature over the exact TBSCertificate bytes received, by its issuer's key (the anchor's own
// signature is not checked, as in OpenSSL); validity at the given time (RFC 5280: notBefore <=
// at <= notAfter) for every certificate, the anchor included.
// Not checked: revocation, name constraints (a critical nameConstraints extension fails as
// unhandled), certificate policies.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pki/x509.hpp"

namespace hsk::pki {

// ChainError names what failed. Each has hsk's wording and the X509_V_ERR code and string
// OpenSSL reports for the same fault.
enum class ChainError {
  issuer_not_found,              // 20 unable to get local issuer certificate
  issuer_of_trusted_not_found,   // 2  unable to get issuer certificate
  self_signed_leaf,              // 18 self-signed certificate
  self_signed_in_chain,          // 19 self-signed certificate in certificate chain
  chain_too_long,                // 22 certificate chain too long
  unhandled_critical_extension,  // 34 unhandled critical extension
  issuer_not_ca,                 // 79 invalid CA certificate (24 before OpenSSL 3.0)
  issuer_lacks_key_cert_sign,    // 32 key usage does not include certificate signing
  path_length_exceeded,          // 25 path length constraint exceeded
  unsuitable_purpose,            // 26 unsuitable certificate purpose
  issuer_key_unusable,           // 6  unable to decode issuer public key
  signature_algorithm_mismatch,  // 7  certificate signature failure (outer algorithm != TBS's)
  signature_failure,             // 7  certificate signature failure
  not_yet_valid,                 // 9  certificate is not yet valid
  expired,                       // 10 certificate has expired
};

// The codes are OpenSSL 3.0's (x509_vfy.h).
// chain_error_id is a stable identifier for scripts ("expired", "issuer_not_ca", ...);
// chain_error_reason is hsk's one-line wording ("certificate has expired", "signature does not
// verify", "issuer not found", "issuer is not a CA", "issuer lacks keyCertSign", "path length
// exceeded", "unsuitable purpose", ...); chain_error_openssl / chain_error_openssl_code are
// OpenSSL's X509_verify_cert_error_string and X509_V_ERR_* value for it.
std::string_view chain_error_id(ChainError e);
std::string_view chain_error_reason(ChainError e);
std::string_view chain_error_openssl(ChainError e);
int chain_error_openssl_code(ChainError e);

// ChainProblem is one failure: what, at which depth (0 = the leaf; for issuer faults the
// issuer's depth, as OpenSSL reports them) and, when useful, a detail ("unsupported signature
// algorithm 1.3.101.112", the critical extension's OID, ...).
struct ChainProblem {
  ChainError error;
  std::size_t depth = 0;
  std::string detail;
};

struct ChainOptions {
  UnixTime at = 0;                 // the time validity is checked at
  Purpose purpose = Purpose::any;  // any: no purpose check
  bool partial_chain =
      false;  // accept any trusted certificate as the anchor (openssl -partial_chain)
};

// ChainResult: the path as built (leaf first; when `anchored`, the last certificate is the trust
// anchor) and every problem found, in the order OpenSSL finds them: path building; extensions,
// issuers, path length and purpose from the leaf up; then signatures and validity from the
// anchor down. The first problem is the verdict. Path-building problems end the check.
struct ChainResult {
  std::vector<Certificate> chain;
  bool anchored = false;
  std::vector<ChainProblem> problems;
  bool valid() const { return anchored && problems.empty(); }
};

// verify_chain builds and checks the path for `leaf`. `untrusted` are candidate intermediates
// (order does not matter), `trusted` the trust anchors (and trusted intermediates). Throws
// only for internal failures: every finding is in the result.
ChainResult verify_chain(const Certificate& leaf, std::span<const Certificate> untrusted,
                         std::span<const Certificate> trusted, const ChainOptions& options);

// chain_verdict is the one-line reason: "depth 0 (CN=x): certificate has expired", with
// OpenSSL's wording appended in parentheses when it differs; "OK" when valid.
std::string chain_verdict(const ChainResult& result);

// chain_report_text prints the chain (subject, issuer, serial, validity, key, signature
// algorithm; the anchor marked) and the verdict line. chain_report_json prints the same as one
// JSON object (schema in hsk-verify-sig(1)) followed by a newline.
std::string chain_report_text(const ChainResult& result, const ChainOptions& options);
std::string chain_report_json(const ChainResult& result, const ChainOptions& options);

}  // namespace hsk::pki
