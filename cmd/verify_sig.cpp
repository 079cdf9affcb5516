// hsk verify-sig — see man/hsk-verify-sig.1.
//
// Two modes: the certificate chain check (--cert LEAF --ca CA ...), and the handshake checks
// on step files (STEP... [--ca CA]): the ServerKeyExchange signature, the client's
// CertificateVerify and, with --ca, both chains (handshake::verify_steps).
#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "handshake/verify_steps.hpp"
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
  bool explain = false;
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

std::vector<pki::Certificate> load_all(const std::vector<std::string>& files) {
  std::vector<pki::Certificate> out;
  for (const auto& f : files) {
    auto certs = pki::load_certificates(f);
    out.insert(out.end(), certs.begin(), certs.end());
  }
  return out;
}

int check_steps(const Options& o) {
  if (!o.purpose.empty()) {
    throw_usage(
        "--purpose is for --cert: with step files the server chain is checked for a server and "
        "the client chain for a client");
  }
  if (std::count(o.steps.begin(), o.steps.end(), "-") > 1) {
    throw_usage("standard input ('-') can be given once");
  }
  handshake::VerifyStepsOptions options;
  options.trusted = load_all(o.ca);
  options.untrusted = load_all(o.untrusted);
  if (!o.untrusted.empty() && o.ca.empty()) {
    throw_usage("--untrusted needs --ca (the chains are checked only against trust anchors)");
  }
  options.at = o.at.empty() ? pki::now_utc() : pki::parse_time(o.at, "--at");
  options.partial_chain = o.partial_chain;
  std::vector<handshake::StepInput> inputs;
  for (const auto& path : o.steps) {
    inputs.push_back({path, io::read_all(path)});
  }
  handshake::StepsReport report = handshake::verify_steps(inputs, options);
  if (o.explain) {
    fmt::print(stderr, "{}", handshake::steps_explain(report));
    std::fflush(stderr);
  }
  std::string out =
      o.json ? handshake::steps_report_json(report) : handshake::steps_report_text(report);
  io::write_stdout(as_bytes(out));
  if (report.valid()) {
    return 0;
  }
  std::fflush(stdout);
  fmt::print(stderr, "hsk: {}\n", handshake::steps_failure(report));
  return static_cast<int>(ExitCode::check_failed);
}

}  // namespace

Run setup_verify_sig(CLI::App& sub) {
  auto o = std::make_shared<Options>();
  sub.footer(
      "Exit status: 0 valid (or nothing to check), 1 invalid (the reason on stderr), 2 usage, 3 "
      "malformed input, 4 I/O.\n"
      "Examples:\n"
      "  hsk verify-sig --cert pki/server-rsa.pem --ca pki/ca.pem --purpose server\n"
      "  hsk verify-sig --ca pki/ca.pem 1-client-hello.tls 2-server-flight.tls");
  sub.add_option("STEP", o->steps,
                 "Step files of one connection, in order (binary or hex records; - for stdin): "
                 "checks the ServerKeyExchange and CertificateVerify signatures")
      ->check(CLI::ExistingFile | CLI::IsMember({"-"}));
  sub.add_option("--cert", o->cert,
                 "The certificate to verify (PEM or DER; further certificates in a PEM file "
                 "count as untrusted intermediates)")
      ->type_name("FILE");
  // One file per --ca / --untrusted (repeat the option for more), so that step files may follow.
  sub.add_option("--ca", o->ca, "Trusted certificates (PEM, several per file; repeatable)")
      ->type_name("FILE")
      ->allow_extra_args(false);
  sub.add_option("--untrusted", o->untrusted, "Untrusted intermediate certificates (repeatable)")
      ->type_name("FILE")
      ->allow_extra_args(false);
  sub.add_option("--purpose", o->purpose,
                 "Check extendedKeyUsage and keyUsage for TLS server or client")
      ->check(CLI::IsMember({"server", "client"}));
  sub.add_option(
         "--at", o->at,
         "Check validity at TIME instead of now: RFC 3339, YYYYMMDDHHMMSSZ, YYYY-MM-DD or @SECONDS "
         "(as openssl verify -attime)")
      ->type_name("TIME");
  sub.add_flag("--json", o->json, "Print the chain and the verdict (or the checks) as JSON");
  sub.add_flag("--explain", o->explain,
               "Step files: show on stderr what was hashed, the digest and the key used");
  sub.add_flag("--partial-chain", o->partial_chain,
               "Accept a trusted certificate that is not self-signed as the trust anchor (openssl "
               "-partial_chain)");
  return [o]() {
    if (!o->steps.empty()) {
      if (!o->cert.empty()) {
        throw_usage("give either --cert (a chain) or step files (a handshake), not both");
      }
      return check_steps(*o);
    }
    if (o->explain) {
      throw_usage("--explain is for step files");
    }
    if (o->cert.empty()) {
      throw_usage(
          "--cert FILE is required (the certificate whose chain to check), or step files (the "
          "handshake whose signatures to check)");
    }
    return check_chain(*o);
  };
}

}  // namespace hsk::cmd
