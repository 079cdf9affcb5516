// hsk client-hello — see man/hsk-client-hello.1.
#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <ctime>
#include <memory>
#include <optional>
#include <string>

#include "cmd/util.hpp"
#include "commands.hpp"
#include "crypto/crypto.hpp"
#include "handshake/client_hello.hpp"
#include "handshake/state.hpp"
#include "hsk/error.hpp"
#include "io/stream.hpp"
#include "wire/registry.hpp"

namespace hsk::cmd {

namespace {

struct Options {
  std::string state;
  std::string out = "-";
  bool hex = false;
  std::string version;
  std::string record_version = "tls1.0";
  std::string suites;
  std::string random = "rfc";
  std::string time;
  std::string seed;
  bool seeded = false;
  std::string session_id;
  std::string resume;
  std::string compression = "null";
  std::string sni;
  std::string groups;
  std::string sigalgs;
  std::string point_formats;
  std::string alpn;
  bool no_ems = false;
  bool no_etm = false;
  bool scsv = false;
  bool no_reneg = false;
  bool no_extensions = false;
  bool explain = false;
};

// list_or_none: "none" is the empty list; otherwise `parse` reads it.
template <typename Parse>
auto list_or_none(const std::string& text, Parse parse) -> std::optional<decltype(parse(text))> {
  if (text.empty()) {
    return std::nullopt;
  }
  if (text == "none") {
    return decltype(parse(text)){};
  }
  return parse(text);
}

Bytes parse_point_formats(const std::string& text) {
  Bytes out;
  std::size_t start = 0;
  for (;;) {
    std::size_t comma = text.find(',', start);
    std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    std::optional<std::uint16_t> code = wire::code_of(wire::Registry::ec_point_format, item);
    if (!code && item == "compressed") {
      code = 1;
    }
    if (!code && !item.empty() && item.size() <= 3 &&
        item.find_first_not_of("0123456789") == std::string::npos && std::stoul(item) <= 255) {
      code = static_cast<std::uint16_t>(std::stoul(item));
    }
    if (!code) {
      throw_usage("unknown EC point format '" + item +
                  "' (use uncompressed, ansiX962_compressed_prime, "
                  "ansiX962_compressed_char2, a number, or none)");
    }
    out.push_back(static_cast<std::uint8_t>(*code));
    if (comma == std::string::npos) {
      return out;
    }
    start = comma + 1;
  }
}

int run(const Options& o) {
  if (o.state == "-" || o.state.empty()) {
    throw_usage("--state wants a file: standard output carries the ClientHello record");
  }
  if (o.state == o.out) {
    throw_usage("--state and -o name the same file");
  }

  handshake::ClientHelloOptions h;
  if (!o.version.empty()) {
    h.version = parse_version(o.version);
  }
  h.record_version = parse_version(o.record_version);

  std::optional<handshake::ResumeSession> resume;
  if (!o.resume.empty()) {
    handshake::State earlier = handshake::load_state(o.resume);
    resume = handshake::resume_from(earlier, o.resume);
    h.resume = resume;
  }
  const std::uint16_t version = h.version ? *h.version : resume ? resume->version : wire::kTls12;
  if (!o.suites.empty()) {
    h.cipher_suites = handshake::parse_suite_list(o.suites, version);
  }

  const HelloRandom random = parse_hello_random(o.random);
  h.random_mode = random.mode;
  h.random = random.fixed;
  // The clock is read here, not in the library; with --seed the output must not depend on it.
  h.gmt_unix_time = !o.time.empty() ? parse_hello_time(o.time)
                    : o.seeded      ? 0
                                    : static_cast<std::uint32_t>(std::time(nullptr));

  if (!o.session_id.empty()) {
    h.session_id = hex_option(o.session_id, "--session-id");
  }
  h.compression_methods = handshake::parse_compression_list(o.compression);
  h.extensions = !o.no_extensions;
  h.server_name = o.sni;
  h.groups =
      list_or_none(o.groups, [](const std::string& s) { return handshake::parse_group_list(s); });
  h.sigalgs =
      list_or_none(o.sigalgs, [](const std::string& s) { return handshake::parse_sigalg_list(s); });
  h.point_formats = list_or_none(o.point_formats, parse_point_formats);
  if (!o.alpn.empty()) {
    h.alpn = handshake::parse_alpn_list(o.alpn);
  }
  h.extended_master_secret = !o.no_ems;
  h.encrypt_then_mac = !o.no_etm;
  h.renegotiation = o.scsv       ? handshake::Renegotiation::scsv
                    : o.no_reneg ? handshake::Renegotiation::none
                                 : handshake::Renegotiation::extension;

  std::unique_ptr<crypto::Rng> rng = o.seeded ? crypto::seeded_rng(o.seed) : crypto::system_rng();
  handshake::BuiltClientHello built = handshake::build_client_hello(h, *rng);

  // The state first: if it cannot be written, nothing goes on the wire.
  handshake::save_state(o.state, handshake::new_client_state(built, resume));

  if (o.explain) {
    fmt::print(stderr, "{}", handshake::explain_client_hello(built, resume));
    std::fflush(stderr);
  }
  write_records(o.out, built.records, o.hex);
  return 0;
}

}  // namespace

Run setup_client_hello(CLI::App& sub) {
  auto o = std::make_shared<Options>();
  sub.footer(
      "Writes the ClientHello record to standard output (or -o) and the client state to --state "
      "(mode 0600).\n"
      "Exit status: 0 ok, 2 usage, 3 malformed --resume state, 4 I/O. See hsk-client-hello(1).");
  sub.add_option("--state", o->state,
                 "Client state file to write (JSON, mode 0600); the later client steps read it")
      ->required();
  sub.add_option("-o,--out", o->out,
                 "Where the ClientHello record goes: a file, a FIFO, /dev/fd/N, or - (default)");
  sub.add_flag("--hex", o->hex, "Write the record as hex text instead of binary");
  sub.add_option("--version", o->version,
                 "client_version: tls1.0, tls1.1 or tls1.2 (default tls1.2)");
  sub.add_option("--record-version", o->record_version,
                 "Version in the record header (default tls1.0, as OpenSSL)");
  sub.add_option("--suites", o->suites,
                 "Cipher suites in preference order, comma-separated: IANA or OpenSSL names, hex "
                 "codes, or families "
                 "(rsa, dhe, dhe-rsa, dhe-dss, dh-anon, fixed-dh, dh-rsa, dh-dss, ecdhe, "
                 "ecdhe-rsa, ecdhe-ecdsa, "
                 "ecdh-anon, all)");
  sub.add_option("--random", o->random,
                 "rfc (gmt_unix_time + 28 random bytes, default), random, or 64 hex digits");
  sub.add_option(
      "--time", o->time,
      "gmt_unix_time for --random rfc, in seconds since 1970 (default: now; 0 with --seed)");
  sub.add_option("--seed", o->seed,
                 "Make every random byte reproducible from this seed (UNSAFE outside tests)")
      ->each([o](const std::string&) { o->seeded = true; });
  auto* sid =
      sub.add_option("--session-id", o->session_id, "Session id to send, hex (0 to 32 bytes)");
  sub.add_option("--resume", o->resume,
                 "Resume the session an earlier client state set up (its id, suite, version)")
      ->excludes(sid);
  sub.add_option("--compression", o->compression,
                 "Compression methods: null (default), deflate, numbers");
  sub.add_option("--sni", o->sni, "server_name extension with this host name");
  sub.add_option(
      "--groups", o->groups,
      "supported_groups: x25519, secp256r1, secp384r1, ffdhe2048, ..., hex codes, or none "
      "(default: what the suites need)");
  sub.add_option("--sigalgs", o->sigalgs,
                 "signature_algorithms: rsa_pss_rsae_sha256, rsa_pkcs1_sha256, "
                 "ecdsa_secp256r1_sha256, dsa_sha256, "
                 "..., hex codes, or none (default: a modern list, at TLS 1.2 only)");
  sub.add_option("--point-formats", o->point_formats,
                 "ec_point_formats: uncompressed, ansiX962_compressed_prime, ..., or none "
                 "(default: uncompressed "
                 "when EC suites are offered)");
  sub.add_option("--alpn", o->alpn, "ALPN protocols in preference order, e.g. h2,http/1.1");
  sub.add_flag("--no-ems", o->no_ems, "Do not send extended_master_secret (RFC 7627)");
  sub.add_flag(
      "--no-etm", o->no_etm,
      "Do not send encrypt_then_mac (RFC 7366; sent by default when a CBC suite is offered)");
  auto* scsv = sub.add_flag("--scsv", o->scsv,
                            "Signal secure renegotiation with TLS_EMPTY_RENEGOTIATION_INFO_SCSV "
                            "instead of the extension");
  sub.add_flag("--no-reneg", o->no_reneg,
               "Signal no secure renegotiation support at all (neither extension nor SCSV)")
      ->excludes(scsv);
  sub.add_flag("--no-extensions", o->no_extensions,
               "Send no extensions block at all (implies the SCSV)");
  sub.add_flag("--explain", o->explain,
               "Describe on stderr what the hello offers and why (phase 1)");
  return [o]() { return run(*o); };
}

}  // namespace hsk::cmd
