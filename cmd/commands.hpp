// hsk cmd/ — the subcommand table. Each subcommand is one row here and one file cmd/<name>.cpp
// whose setup function binds its options to the CLI11 subcommand and returns the action.
#pragma once

#include <functional>
#include <string_view>

namespace CLI {
class App;
}

namespace hsk::cmd {

// Run performs the command after parsing and returns the process exit code. It may throw
// hsk::Error, which main() prints as one line and maps to the documented exit code.
using Run = std::function<int()>;
using Setup = Run (*)(CLI::App& sub);

struct Command {
  std::string_view name;
  std::string_view summary;
  Setup setup;
};

Run setup_decode(CLI::App& sub);
Run setup_encode(CLI::App& sub);

inline constexpr Command kCommands[] = {
    {"decode", "Decode TLS records and handshake messages (binary or hex) as text or JSON", setup_decode},
    {"encode", "Write the wire bytes described by `hsk decode --json` output (possibly edited)", setup_encode},
};

}  // namespace hsk::cmd
