// hsk decode — see man/hsk-decode.1.
#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

#include "cmd/util.hpp"
#include "commands.hpp"
#include "inspect/inspect.hpp"
#include "io/file.hpp"

namespace hsk::cmd {

Run setup_decode(CLI::App& sub) {
  struct Options {
    std::vector<std::string> files;
    bool json = false;
    bool offsets = false;
    bool show_secret = false;
    std::string suite;
    std::string version;
  };
  auto o = std::make_shared<Options>();
  sub.add_option("FILE", o->files,
                 "Inputs: files of TLS records (binary or hex) or PKI objects (PEM or DER); - for stdin "
                 "(default)");
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
  return [o]() {
    std::vector<inspect::Input> inputs;
    if (o->files.empty()) {
      o->files.push_back("-");
    }
    for (const auto& f : o->files) {
      inputs.push_back({f, io::read_all(f)});
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
