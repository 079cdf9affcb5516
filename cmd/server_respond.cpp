// hsk server-respond — see man/hsk-server-respond.1.
#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cmd/util.hpp"
#include "commands.hpp"
#include "crypto/crypto.hpp"
#include "dh/groups.hpp"
#include "dh/params.hpp"
#include "handshake/client_hello.hpp"
#include "handshake/server_respond.hpp"
#include "handshake/session_cache.hpp"
#include "handshake/state.hpp"
#include "hsk/error.hpp"
#include "io/file.hpp"
#include "io/stream.hpp"
#include "pki/x509.hpp"
#include "wire/messages.hpp"
#include "wire/record.hpp"

namespace hsk::cmd {

namespace {

std::string absolute_path(const std::string& path) {
  std::error_code ec;
  std::filesystem::path a = std::filesystem::absolute(path, ec);
  return ec ? path : a.lexically_normal().string();
}

struct Options {
  std::string in = "-";
  std::string out = "-";
  std::string state;
  std::vector<std::string> certs;
  std::vector<std::string> keys;
  std::string dh_params;
  std::string group;
  std::string suites;
  std::string prefer = "server";
  std::string min_version = "tls1.0";
  std::string max_version = "tls1.2";
  bool request_cert = false;
  std::vector<std::string> client_ca;
  std::string session_id;
  std::string alpn;
  bool no_ems = false;
  bool no_etm = false;
  std::string session_cache;
  std::int64_t session_lifetime = handshake::kDefaultSessionLifetime;
  std::string random = "rfc";
  std::string time;
  std::string seed;
  bool seeded = false;
  bool explain = false;
  bool hex = false;
};

int run(const Options& o) {
  if (o.state == "-" || o.state.empty()) {
    throw_usage("--state wants a file: standard output carries the server flight");
  }
  if (o.state == o.out) {
    throw_usage("--state and -o name the same file");
  }
  if (o.certs.size() != o.keys.size()) {
    throw_usage("--cert and --key come in pairs: got " + std::to_string(o.certs.size()) +
                " --cert and " + std::to_string(o.keys.size()) + " --key");
  }

  // Everything the user gave is read and checked before the ClientHello is.
  handshake::ServerRespondOptions s;
  for (std::size_t i = 0; i < o.certs.size(); ++i) {
    s.pairs.push_back(handshake::load_server_key_pair(o.certs[i], o.keys[i]));
  }
  s.min_version = parse_version(o.min_version);
  s.max_version = parse_version(o.max_version);
  for (auto [v, name] :
       {std::pair{s.min_version, "--min-version"}, std::pair{s.max_version, "--max-version"}}) {
    if (v < wire::kTls10 || v > wire::kTls12) {
      throw_usage(std::string(name) + " wants tls1.0, tls1.1 or tls1.2");
    }
  }
  if (s.min_version > s.max_version) {
    throw_usage("--min-version is above --max-version");
  }
  if (!o.suites.empty()) {
    s.suites = handshake::parse_suite_list(o.suites, s.max_version);
  }
  s.prefer = o.prefer == "client" ? handshake::Preference::client : handshake::Preference::server;
  if (!o.dh_params.empty()) {
    try {
      s.dh_params = dh::decode_dh_params(io::read_all(o.dh_params)).numbers;
    } catch (Error& e) {
      e.with_input(o.dh_params);
      throw;
    }
    s.dh_params_name = o.dh_params;
  }
  if (!o.group.empty()) {
    if (dh::find_group(o.group) == nullptr) {
      throw_usage("--group: unknown DH group '" + o.group +
                  "' (use ffdhe2048 .. ffdhe8192 or modp1536 .. modp8192)");
    }
    s.dh_group = o.group;
  }
  s.request_cert = o.request_cert;
  for (const auto& f : o.client_ca) {
    auto certs = pki::load_certificates(f);
    s.client_ca.insert(s.client_ca.end(), certs.begin(), certs.end());
  }
  if (!o.session_id.empty()) {
    s.session_id = o.session_id == "none" ? Bytes{} : hex_option(o.session_id, "--session-id");
    if (s.session_id->size() > 32) {
      throw_usage("--session-id is at most 32 bytes, got " + std::to_string(s.session_id->size()));
    }
  }
  if (!o.alpn.empty()) {
    s.alpn = handshake::parse_alpn_list(o.alpn);
  }
  s.extended_master_secret = !o.no_ems;
  s.encrypt_then_mac = !o.no_etm;
  const HelloRandom random = parse_hello_random(o.random);
  s.random_mode = random.mode;
  s.random = random.fixed;
  // The clock is read here, not in the library; with --seed the output must not depend on it.
  s.gmt_unix_time = !o.time.empty() ? parse_hello_time(o.time)
                    : o.seeded      ? 0
                                    : static_cast<std::uint32_t>(std::time(nullptr));

  // Read exactly the ClientHello's records (stream discipline: nothing after them).
  io::Stream in = io::Stream::open_input(o.in);
  std::uint16_t alert_version = wire::kTls10;
  auto refuse = [&](Error& e) {
    e.with_input(in.name());
    // The peer learns why, as a TLS server would tell it (RFC 5246 §7.2).
    if (e.kind() == ErrorKind::check_failed || e.kind() == ErrorKind::malformed) {
      try {
        write_records(o.out, handshake::alert_record(alert_version, e.alert()), o.hex);
      } catch (const Error&) {
        // The original error is the one to report.
      }
    }
  };

  io::Flight flight;
  wire::ClientHello hello;
  Bytes message;
  try {
    flight = io::read_flight(in, wire::HandshakeType::client_hello);
    if (!flight.records.empty()) {
      alert_version = flight.records.front().version;
    }
    if (!flight.complete) {
      throw Error(ErrorKind::malformed, in.offset(), "ClientHello",
                  flight.alerts.empty()
                      ? "the client sent a non-handshake record before its ClientHello"
                      : "the client sent an alert instead of a ClientHello",
                  Error::kAlertUnexpectedMessage);
    }
    const wire::HandshakeMessage& m = flight.messages.back();
    if (flight.messages.size() != 1 ||
        m.msg_type != static_cast<std::uint8_t>(wire::HandshakeType::client_hello)) {
      const wire::HandshakeMessage& odd =
          flight.messages.front().msg_type == 1 ? flight.messages.back() : flight.messages.front();
      throw Error(ErrorKind::malformed, odd.offset, "ClientHello",
                  std::string(odd.msg_type == 1 ? "a message after" : "a message before") +
                      " the ClientHello in its flight (" +
                      std::string(wire::message_name(odd.msg_type).empty()
                                      ? "type " + std::to_string(odd.msg_type)
                                      : wire::message_name(odd.msg_type)) +
                      ")",
                  Error::kAlertUnexpectedMessage);
    }
    wire::Reader r(m.body, wire::absolute_offset(m, 4), "ClientHello");
    hello = wire::decode_client_hello(r);
    message = wire::encode_handshake(m);
  } catch (Error& e) {
    refuse(e);
    throw;
  }

  // Session resumption: look the offered session id up in the cache (a corrupt entry is a
  // miss with a warning, never the end of the handshake).
  std::string cache_warning;
  if (!o.session_cache.empty()) {
    if (o.session_lifetime < 0) {
      throw_usage("--session-lifetime wants 0 or more seconds");
    }
    s.session_cache = absolute_path(o.session_cache);
    s.session_lifetime = o.session_lifetime;
    if (!hello.session_id.empty()) {
      handshake::CacheLookup c = handshake::find_session(
          s.session_cache, hello.session_id, static_cast<std::int64_t>(std::time(nullptr)));
      s.cached_session = c.entry;
      s.cache_miss = c.miss;
      cache_warning = c.warning;
    }
  }

  std::unique_ptr<crypto::Rng> rng = o.seeded ? crypto::seeded_rng(o.seed) : crypto::system_rng();
  handshake::ServerFlight f;
  try {
    f = handshake::server_respond(hello, message, s, *rng);
  } catch (Error& e) {
    refuse(e);
    throw;
  }

  if (!cache_warning.empty()) {
    fmt::print(stderr, "hsk: warning: {}\n", cache_warning);
  }
  // The state first: if it cannot be written, nothing goes on the wire.
  handshake::save_state(o.state, f.state);
  if (o.explain) {
    fmt::print(stderr, "{}", f.explain);
    std::fflush(stderr);
  }
  write_records(o.out, f.records, o.hex);
  return 0;
}

}  // namespace

Run setup_server_respond(CLI::App& sub) {
  auto o = std::make_shared<Options>();
  sub.footer(
      "Reads a ClientHello (--in, default standard input; exactly its records), writes the server "
      "flight to standard output (or -o) and the server state to --state (mode 0600).\n"
      "No common version or suite: writes a fatal alert record and exits 1.\n"
      "With --session-cache DIR, a session found there is resumed: ServerHello, ChangeCipherSpec "
      "and Finished are written, and hsk finish reads the client's Finished.\n"
      "Exit status: 0 ok, 1 handshake refused, 2 usage, 3 malformed ClientHello, 4 I/O. See "
      "hsk-server-respond(1).");
  sub.add_option("--state", o->state,
                 "Server state file to write (JSON, mode 0600); derive-pms --state reads it")
      ->required();
  sub.add_option("--in", o->in,
                 "Where the ClientHello comes from: a file, a FIFO, /dev/fd/N, or - (default)");
  sub.add_option("-o,--out", o->out,
                 "Where the server flight goes: a file, a FIFO, /dev/fd/N, or - (default)");
  sub.add_flag("--hex", o->hex, "Write the records as hex text instead of binary");
  sub.add_option("--cert", o->certs,
                 "Certificate file (PEM chain, leaf first); repeat with --key for several pairs");
  sub.add_option("--key", o->keys, "Private key of the --cert of the same position");
  auto* dhp = sub.add_option("--dh-params", o->dh_params,
                             "DH parameters for DHE/DH_anon (PEM PKCS#3 or X9.42), instead of a "
                             "named group");
  sub.add_option("--group", o->group,
                 "Named DH group when the client lists none (default ffdhe2048; ffdhe3072, "
                 "modp2048, ...)")
      ->excludes(dhp);
  sub.add_option("--suites", o->suites,
                 "Cipher suites this server accepts, in its preference order (same syntax as "
                 "client-hello --suites; default: all hsk implements)");
  sub.add_option("--prefer", o->prefer, "Whose suite order wins: server (default) or client")
      ->check(CLI::IsMember({"server", "client"}));
  sub.add_option("--min-version", o->min_version, "Lowest version accepted (default tls1.0)");
  sub.add_option("--max-version", o->max_version, "Highest version accepted (default tls1.2)");
  auto* req = sub.add_flag("--request-cert", o->request_cert,
                           "Send a CertificateRequest (ask the client for a certificate)");
  sub.add_option("--client-ca", o->client_ca,
                 "CA certificate file whose subjects the CertificateRequest names (repeatable)")
      ->needs(req);
  sub.add_option("--session-id", o->session_id,
                 "Session id to assign, hex (0 to 32 bytes), or none (default: 32 random bytes)");
  sub.add_option("--alpn", o->alpn, "ALPN protocols this server speaks, e.g. h2,http/1.1");
  sub.add_flag("--no-ems", o->no_ems, "Do not echo extended_master_secret (RFC 7627)");
  sub.add_flag("--no-etm", o->no_etm,
               "Do not echo encrypt_then_mac (RFC 7366; echoed by default for a CBC suite)");
  sub.add_option("--session-cache", o->session_cache,
                 "Directory of resumable sessions (one 0600 file per session id, created 0700): "
                 "resume the client's session from it; derive-pms stores new sessions there");
  sub.add_option("--session-lifetime", o->session_lifetime,
                 "Seconds a session stored after this handshake stays resumable (default 7200; "
                 "0: never)");
  sub.add_option("--random", o->random,
                 "rfc (gmt_unix_time + 28 random bytes, default), random, or 64 hex digits");
  sub.add_option(
      "--time", o->time,
      "gmt_unix_time for --random rfc, in seconds since 1970 (default: now; 0 with --seed)");
  sub.add_option("--seed", o->seed,
                 "Make every random byte reproducible from this seed (UNSAFE outside tests)")
      ->each([o](const std::string&) { o->seeded = true; });
  sub.add_flag("--explain", o->explain,
               "Describe on stderr what was chosen and why, and what was signed (phases 1-2)");
  return [o]() { return run(*o); };
}

}  // namespace hsk::cmd
