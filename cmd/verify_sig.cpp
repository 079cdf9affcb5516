// hsk verify-sig — see man/hsk-verify-sig.1.
//
// Today: the certificate chain check (--cert LEAF --ca CA ...). The positional step files are
// reserved for the handshake-signature checks (ServerKeyExchange, CertificateVerify) that a
// later issue adds; they are parsed here so that the command line keeps one shape.
#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "hsk/error.hpp"
#include "io/file.hpp"
#include "pki/chain.hpp"
#include "pki/x509.hpp"

namespace hsk::cmd {

namespace {

struct Options {
  std::vector<std::string> steps;
  std::string cert;
  std::vector<std::string> ca;
  std::vector<std::string> untrusted;
  std::string purpose;
  std::string at;
  bool json = false;
  bool partial_chain = false;
};

pki::Purpose parse_purpose(const std::string& p) {
  if (p == "server") {
    return pki::Purpose::server;
  }
  if (p == "client") {
    return pki::Purpose::client;
  }
  return pki::Purpose::any;
}

int check_chain(const Options& o) {
  if (o.ca.empty()) {
    throw_usage("--ca FILE is required: the trust anchors to verify against");
  }
  std::vector<pki::Certificate> leaf_file = pki::load_certificates(o.cert);
  std::vector<pki::Certificate> untrusted(leaf_file.begin() + 1, leaf_file.end());
  for (const auto& f : o.untrusted) {
    auto certs = pki::load_certificates(f);
    untrusted.insert(untrusted.end(), certs.begin(), certs.end());
  }
  std::vector<pki::Certificate> trusted;
  for (const auto& f : o.ca) {
    auto certs = pki::load_certificates(f);
    trusted.insert(trusted.end(), certs.begin(), certs.end());
  }
  pki::ChainOptions options;
  options.at = o.at.empty() ? pki::now_utc() : pki::parse_time(o.at, "--at");
  options.purpose = parse_purpose(o.purpose);
  options.partial_chain = o.partial_chain;
  pki::ChainResult result = pki::verify_chain(leaf_file.front(), untrusted, trusted, options);
  std::string out =
      o.json ? pki::chain_report_json(result, options) : pki::chain_report_text(result, options);
  io::write_stdout(as_bytes(out));
  if (result.valid()) {
    return 0;
  }
  std::fflush(stdout);
  fmt::print(stderr, "hsk: {}: verification failed: {}\n", o.cert, pki::chain_verdict(result));
  return static_cast<int>(ExitCode::check_failed);
}

}  // namespace

Run setup_verify_sig(CLI::App& sub) {
  auto o = std::make_shared<Options>();
  sub.footer(
      "Exit status: 0 valid, 1 invalid (the reason on stderr), 2 usage, 3 malformed certificate, 4 "
      "I/O.\n"
      "Example:\n"
      "  hsk verify-sig --cert pki/server-rsa.pem --ca pki/ca.pem --purpose server");
  sub.add_option("STEP", o->steps,
                 "Handshake step files whose signatures to check (reserved: not implemented yet)");
  sub.add_option("--cert", o->cert,
                 "The certificate to verify (PEM or DER; further certificates in a PEM file "
                 "count as untrusted intermediates)")
      ->type_name("FILE");
  sub.add_option("--ca", o->ca, "Trusted certificates (PEM, several per file; repeatable)")
      ->type_name("FILE");
  sub.add_option("--untrusted", o->untrusted, "Untrusted intermediate certificates (repeatable)")
      ->type_name("FILE");
  sub.add_option("--purpose", o->purpose,
                 "Check extendedKeyUsage and keyUsage for TLS server or client")
      ->check(CLI::IsMember({"server", "client"}));
  sub.add_option(
         "--at", o->at,
         "Check validity at TIME instead of now: RFC 3339, YYYYMMDDHHMMSSZ, YYYY-MM-DD or @SECONDS "
         "(as openssl verify -attime)")
      ->type_name("TIME");
  sub.add_flag("--json", o->json, "Print the chain and the verdict as JSON");
  sub.add_flag("--partial-chain", o->partial_chain,
               "Accept a trusted certificate that is not self-signed as the trust anchor (openssl "
               "-partial_chain)");
  return [o]() {
    if (!o->steps.empty()) {
      throw_usage(
          "checking handshake signatures in step files is not implemented yet; use --cert LEAF "
          "--ca CA");
    }
    if (o->cert.empty()) {
      throw_usage("--cert FILE is required (the certificate whose chain to check)");
    }
    return check_chain(*o);
  };
}

}  // namespace hsk::cmd
