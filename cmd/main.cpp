// hsk — run a TLS 1.0–1.2 handshake one step at a time. See hsk(1).
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdio>
#include <exception>
#include <string>

#include "commands.hpp"
#include "hsk/error.hpp"

int main(int argc, char** argv) {
  using hsk::ExitCode;
  CLI::App app{"hsk — run a TLS 1.0-1.2 handshake one step at a time, as files of wire bytes.\n"
               "Exit status: 0 ok, 1 a check failed, 2 usage, 3 malformed input, 4 I/O error, 5 internal error.\n"
               "See hsk(1) and hsk-COMMAND(1)."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "hsk " HSK_VERSION);
  std::vector<std::pair<CLI::App*, hsk::cmd::Run>> runs;
  for (const auto& command : hsk::cmd::kCommands) {
    CLI::App* sub = app.add_subcommand(std::string(command.name), std::string(command.summary));
    runs.emplace_back(sub, command.setup(*sub));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return static_cast<int>(ExitCode::usage);
  }
  try {
    for (auto& [sub, run] : runs) {
      if (sub->parsed()) {
        return run();
      }
    }
    return static_cast<int>(ExitCode::usage);
  } catch (const hsk::Error& e) {
    std::fflush(stdout);
    fmt::print(stderr, "hsk: {}\n", e.message());
    return static_cast<int>(hsk::exit_code_for(e.kind()));
  } catch (const std::exception& e) {
    std::fflush(stdout);
    fmt::print(stderr, "hsk: internal error: {}\n", e.what());
    return static_cast<int>(ExitCode::internal);
  }
}
