// hsk encode — see man/hsk-encode.1.
#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "commands.hpp"
#include "hsk/bytes.hpp"
#include "hsk/error.hpp"
#include "inspect/inspect.hpp"
#include "io/file.hpp"

namespace hsk::cmd {

Run setup_encode(CLI::App& sub) {
  struct Options {
    std::string input = "-";
    std::string output = "-";
    bool fix_lengths = false;
    bool hex = false;
  };
  auto o = std::make_shared<Options>();
  sub.add_option("JSON", o->input, "JSON from `hsk decode --json`; - for stdin (default)");
  sub.add_option("-o,--output", o->output,
                 "Write the bytes here (atomically); - for stdout (default)");
  sub.add_flag("--fix-lengths", o->fix_lengths,
               "Ignore every explicit length in the JSON and recompute it from the content");
  sub.add_flag("--hex", o->hex, "Write hex text instead of binary");
  return [o]() {
    Bytes json = io::read_all(o->input);
    inspect::EncodeOptions opts;
    opts.fix_lengths = o->fix_lengths;
    Bytes out;
    try {
      out = inspect::encode_json(
          std::string_view(reinterpret_cast<const char*>(json.data()), json.size()), opts);
    } catch (Error& e) {
      e.with_input(o->input);
      throw;
    }
    if (o->hex) {
      std::string h = to_hex(out) + "\n";
      out.assign(h.begin(), h.end());
    }
    io::write_atomic(o->output, out);
    return 0;
  };
}

}  // namespace hsk::cmd
