// hsk decode — see man/hsk-decode.1.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "capture/capture.hpp"
#include "cmd/util.hpp"
#include "commands.hpp"
#include "hsk/error.hpp"
#include "inspect/inspect.hpp"
#include "io/file.hpp"
#include "pki/keys.hpp"

namespace hsk::cmd {

namespace {

// file_head returns the first bytes of a file (empty when it cannot be read: read_all then
// reports the error).
Bytes file_head(const std::string& path) {
  Bytes head(4);
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return {};
  }
  head.resize(std::fread(head.data(), 1, head.size(), f));
  std::fclose(f);
  return head;
}

// One input as given on the command line: a capture (read through libpcap, streaming) or a
// file of records / PKI objects (read whole).
struct Source {
  std::string name;
  bool capture = false;
  Bytes data;  // record files; and stdin captures, which libpcap reads from memory
};

}  // namespace

Run setup_decode(CLI::App& sub) {
  struct Options {
    std::vector<std::string> files;
    bool json = false;
    bool offsets = false;
    bool show_secret = false;
    std::string suite;
    std::string version;
    int port = -1;
    std::string keylog;  // --keylog FILE
    std::string key;     // --key FILE
    bool app_data = false;
    std::string split;  // --split DIR
    int threads = -1;   // --threads N (-1: not given)
  };
  auto o = std::make_shared<Options>();
  sub.add_option(
      "FILE", o->files,
      "Inputs: files of TLS records (binary or hex), PKI objects (PEM or DER), or packet "
      "captures (pcap, pcapng); - for stdin (default)");
  sub.add_flag("--json", o->json, "Print JSON (schema in hsk-decode(1)) instead of a text tree");
  sub.add_flag("--offsets", o->offsets,
               "Show the absolute byte offset of each record, message and extension");
  sub.add_flag("--show-secret", o->show_secret,
               "PKI inputs: also print the private numbers of private keys");
  sub.add_option("--suite", o->suite,
                 "Cipher suite that decides the ServerKeyExchange and ClientKeyExchange forms, "
                 "overriding the ServerHello's (IANA or OpenSSL name, or hex code such as 0xc02f)");
  sub.add_option("--tls-version", o->version,
                 "Negotiated version, overriding the ServerHello's (tls1.0|tls1.1|tls1.2|0x0303)");
  sub.add_option("--port", o->port,
                 "Captures: decode only TCP connections with this port on either side")
      ->check(CLI::Range(0, 65535));
  sub.add_option("--keylog", o->keylog,
                 "Captures: decrypt TLS 1.0-1.2 connections with the secrets of this NSS key log "
                 "(CLIENT_RANDOM / PMS_CLIENT_RANDOM lines)")
      ->type_name("FILE");
  sub.add_option("--key", o->key,
                 "Captures: decrypt connections with RSA key exchange with this RSA private key "
                 "(PEM or DER)")
      ->type_name("FILE");
  sub.add_flag("--app-data", o->app_data,
               "Captures: show decrypted application data whole (default: a short preview)");
  sub.add_option("--threads", o->threads,
                 "Captures: decode connections on N worker threads while one thread reads the "
                 "capture (default 0: one per CPU, at most 8; 1: no extra thread); the output "
                 "is the same")
      ->type_name("N")
      ->check(CLI::Range(0, 64));
  sub.add_option("--split", o->split,
                 "Capture: write each TLS connection as step files (1-client-hello.tls ...) in a "
                 "subdirectory of DIR, created if missing, refused if not empty")
      ->type_name("DIR");
  return [o]() {
    std::vector<Source> sources;
    if (o->files.empty()) {
      o->files.push_back("-");
    }
    std::size_t captures = 0;
    for (const auto& f : o->files) {
      Source s{f, false, {}};
      if (f == "-") {
        s.data = io::read_all(f);
        s.capture = capture::looks_like_capture(s.data);
      } else {
        s.capture = capture::looks_like_capture(file_head(f));
        if (!s.capture) {
          s.data = io::read_all(f);
        }
      }
      captures += s.capture ? 1 : 0;
      sources.push_back(std::move(s));
    }
    if (!o->split.empty()) {
      // --split DIR: one capture into step files (hsk-decode(1), SPLIT).
      if (sources.size() != 1 || captures != 1) {
        throw_usage("--split takes one packet capture (pcap or pcapng)");
      }
      if (!o->suite.empty() || !o->version.empty() || o->offsets || o->show_secret ||
          !o->keylog.empty() || !o->key.empty() || o->app_data || o->threads >= 0) {
        throw_usage(
            "--split writes the records as captured: --suite, --tls-version, --offsets, "
            "--show-secret, --keylog, --key, --app-data and --threads do not apply");
      }
      inspect::CaptureSplitOptions sopts;
      sopts.json = o->json;
      if (o->port >= 0) {
        sopts.port = static_cast<std::uint16_t>(o->port);
      }
      Source& s = sources.front();
      std::unique_ptr<capture::CaptureReader> reader =
          s.name != "-" ? std::make_unique<capture::CaptureReader>(s.name)
                        : std::make_unique<capture::CaptureReader>(ByteView(s.data), s.name);
      inspect::CaptureSplitSummary sum =
          inspect::split_capture(*reader, o->split, sopts,
                                 [](std::string_view chunk) { io::write_stdout(as_bytes(chunk)); });
      if (!sum.stop_note.empty()) {
        fmt::print(stderr, "hsk: warning: {}: {}\n", s.name, sum.stop_note);
      }
      return sum.connections_with_errors > 0 ? static_cast<int>(ExitCode::malformed) : 0;
    }
    if (captures > 0) {
      if (captures != sources.size()) {
        throw_usage("captures and files of records cannot be decoded in one call");
      }
      if (!o->suite.empty() || !o->version.empty()) {
        throw_usage("--suite and --tls-version apply to files of records, not to captures");
      }
      inspect::CaptureDecodeOptions copts;
      copts.json = o->json;
      copts.offsets = o->offsets;
      // --keylog / --key: decryption (hsk-decode(1), DECRYPTION).
      std::optional<inspect::KeyLog> keylog;
      std::optional<crypto::PrivateKey> rsa_key;
      if (!o->keylog.empty()) {
        keylog = inspect::parse_keylog(io::read_all(o->keylog), o->keylog);
        copts.keylog = &*keylog;
      }
      if (!o->key.empty()) {
        rsa_key = pki::read_private_key(o->key);
        if (rsa_key->type() != crypto::KeyType::rsa) {
          throw_usage("--key " + o->key + ": not an RSA private key (only RSA key exchange " +
                      "can be decrypted with a key; use --keylog)");
        }
        copts.rsa_key = &*rsa_key;
      }
      copts.app_data = o->app_data;
      copts.threads = o->threads >= 0 ? static_cast<std::size_t>(o->threads) : 0;
      if (o->port >= 0) {
        copts.port = static_cast<std::uint16_t>(o->port);
      }
      auto emit = [](std::string_view chunk) {
        io::write_stdout(
            ByteView(reinterpret_cast<const std::uint8_t*>(chunk.data()), chunk.size()));
      };
      bool errors = false;
      bool failing_checks = false;
      for (auto& s : sources) {
        std::unique_ptr<capture::CaptureReader> reader =
            s.data.empty() && s.name != "-"
                ? std::make_unique<capture::CaptureReader>(s.name)
                : std::make_unique<capture::CaptureReader>(ByteView(s.data), s.name);
        inspect::CaptureDecodeSummary sum = inspect::decode_capture(*reader, copts, emit);
        if (!sum.stop_note.empty()) {
          fmt::print(stderr, "hsk: warning: {}: {}\n", s.name, sum.stop_note);
        }
        errors = errors || sum.connections_with_errors > 0;
        failing_checks = failing_checks || sum.connections_failing_checks > 0;
      }
      if (errors) {
        return static_cast<int>(ExitCode::malformed);
      }
      return failing_checks ? static_cast<int>(ExitCode::check_failed) : 0;
    }
    if (o->port >= 0) {
      throw_usage("--port applies to captures only");
    }
    if (!o->keylog.empty() || !o->key.empty() || o->app_data || o->threads >= 0) {
      throw_usage("--keylog, --key, --app-data and --threads apply to captures only");
    }
    std::vector<inspect::Input> inputs;
    for (auto& s : sources) {
      inputs.push_back({s.name, std::move(s.data)});
    }
    inspect::DecodeOptions opts;
    opts.offsets = o->offsets;
    opts.show_secret = o->show_secret;
    if (!o->suite.empty()) {
      opts.suite = parse_suite(o->suite);
    }
    if (!o->version.empty()) {
      opts.version = parse_version(o->version);
    }
    std::string out =
        o->json ? inspect::decode_json(inputs, opts) : inspect::decode_text(inputs, opts);
    io::write_stdout(as_bytes(out));
    return 0;
  };
}

}  // namespace hsk::cmd
