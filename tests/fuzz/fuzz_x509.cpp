// fuzz_x509 — libFuzzer target for certificate parsing (lib/pki/x509.cpp) and the chain check
// (lib/pki/chain.cpp), plus the text parsers gen-cert feeds with user input.
//
// The input is:
//   1. parsed as one DER certificate and, through read_certificates, as PEM or DER;
//   2. for every certificate that parses: the TBS bytes must be the exact slice of the input
//      that was read, parsing its own DER again must give the same fields, names must
//      re-encode to something that decodes to a matching name, every printer must work, and the
//      certificate is checked as a chain against itself (signature verification over
//      attacker-chosen keys included);
//   3. given as text to parse_name, parse_time, parse_general_names, parse_key_usage and
//      parse_key_spec.
// Only hsk::Error may escape a parser (anything else escapes and libFuzzer reports it); a
// malformed certificate must be ErrorKind::malformed with an offset inside the input.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "hsk/error.hpp"
#include "pki/chain.hpp"
#include "pki/testpki.hpp"
#include "pki/x509.hpp"

namespace {

using hsk::Bytes;
using hsk::ByteView;
using namespace hsk::pki;

[[noreturn]] void mismatch() { std::abort(); }

void exercise(const Certificate& c, ByteView input, bool exact_input) {
  if (exact_input) {
    // The TBS is a slice of what was read, byte for byte.
    auto it = std::search(input.begin(), input.end(), c.tbs.begin(), c.tbs.end());
    if (c.der.size() != input.size() || it == input.end()) {
      mismatch();
    }
  }
  Certificate again = parse_certificate(c.der);
  if (again.tbs != c.tbs || again.serial != c.serial || !(again.subject == c.subject) ||
      again.extensions != c.extensions || again.not_after != c.not_after || again.key != c.key) {
    mismatch();
  }
  for (const Name* n : {&c.subject, &c.issuer}) {
    Name round = decode_name(encode_name(*n));
    if (!names_match(round, *n)) {
      mismatch();
    }
    std::string s = name_to_string(*n);
    try {
      Name parsed = parse_name(s);
      (void)parsed;
    } catch (const hsk::Error& e) {
      if (e.kind() != hsk::ErrorKind::usage) {
        mismatch();
      }
    }
  }
  (void)c.serial_hex();
  (void)c.key_description();
  (void)c.self_issued();
  (void)signature_algorithm_description(c);
  (void)format_time(c.not_before);
  for (const auto& n : c.subject_alt_names) {
    (void)general_name_to_string(n);
  }
  std::vector<Certificate> self{c};
  for (Purpose p : {Purpose::any, Purpose::server}) {
    ChainOptions o;
    o.at = c.not_before;
    o.purpose = p;
    ChainResult r = verify_chain(c, {}, self, o);
    (void)chain_report_text(r, o);
    (void)chain_report_json(r, o);
    (void)chain_verdict(r);
  }
}

template <class F>
void text_parser(F f) {
  try {
    f();
  } catch (const hsk::Error& e) {
    if (e.kind() != hsk::ErrorKind::usage) {
      mismatch();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView input(data, size);
  try {
    Certificate c = parse_certificate(input);
    exercise(c, input, true);
  } catch (const hsk::Error& e) {
    if (e.kind() != hsk::ErrorKind::malformed || !e.offset() || *e.offset() > size) {
      mismatch();
    }
  }
  try {
    for (const Certificate& c : read_certificates(input, "fuzz")) {
      exercise(c, input, false);
    }
  } catch (const hsk::Error& e) {
    if (e.kind() != hsk::ErrorKind::malformed) {
      mismatch();
    }
  }
  if (size <= 512) {
    std::string text(reinterpret_cast<const char*>(data), size);
    text_parser([&] { (void)parse_name(text); });
    text_parser([&] { (void)parse_time(text); });
    text_parser([&] { (void)parse_general_names(text); });
    text_parser([&] { (void)parse_key_usage(text); });
    text_parser([&] { (void)parse_key_spec(text); });
  }
  return 0;
}
