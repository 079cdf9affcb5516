// hsk derive-pms — see man/hsk-derive-pms.1. (Placeholder: the owner replaces this file.)
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "hsk/error.hpp"

namespace hsk::cmd {

Run setup_derive_pms(CLI::App& sub) {
  (void)sub;
  return []() -> int { throw_usage("derive-pms is not implemented yet"); };
}

}  // namespace hsk::cmd
