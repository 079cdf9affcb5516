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
      if (o->port >= 0) {
        copts.port = static_cast<std::uint16_t>(o->port);
      }
      auto emit = [](std::string_view chunk) {
        io::write_stdout(
            ByteView(reinterpret_cast<const std::uint8_t*>(chunk.data()), chunk.size()));
      };
      bool errors = false;
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
      }
      return errors ? static_cast<int>(ExitCode::malformed) : 0;
    }
    if (o->port >= 0) {
      throw_usage("--port applies to captures only");
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
