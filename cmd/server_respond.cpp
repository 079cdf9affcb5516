// hsk server-respond — see man/hsk-server-respond.1. (Placeholder: the owner replaces this file.)
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "hsk/error.hpp"

namespace hsk::cmd {

Run setup_server_respond(CLI::App& sub) {
  (void)sub;
  return []() -> int { throw_usage("server-respond is not implemented yet"); };
}

}  // namespace hsk::cmd
