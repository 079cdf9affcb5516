// hsk finish — see man/hsk-finish.1.
#include <unistd.h>

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "cmd/util.hpp"
#include "commands.hpp"
#include "crypto/crypto.hpp"
#include "handshake/finish_step.hpp"
#include "handshake/state.hpp"
#include "hsk/error.hpp"
#include "io/stream.hpp"

namespace hsk::cmd {

namespace {

struct Options {
  std::string state;
  std::string in = "-";
  std::string alert_to;
  bool no_alert = false;
  bool quiet = false;
  std::string seed;
  bool seeded = false;
};

// send_alert writes the fatal alert for `e` to --alert-to, or to standard output when that is
// a socket or a pipe.
void send_alert(const Options& o, handshake::State& state, const Error& e) {
  if (o.no_alert || (o.alert_to.empty() && !live_peer("-"))) {
    return;
  }
  send_fatal_alert(state, e, o.alert_to.empty() ? "-" : o.alert_to,
                   o.seeded ? std::optional<std::string>(o.seed) : std::nullopt);
}

int run(const Options& o) {
  if (o.state.empty() || o.state == "-") {
    throw_usage(
        "--state FILE is required (this side's state: the client's after derive-pms, or the "
        "server's after server-respond resumed a session)");
  }
  io::Stream in = io::Stream::open_input(o.in);
  in.wait_readable();
  handshake::State state = handshake::load_state(o.state);
  const handshake::Role me = state.role;
  const handshake::Role peer =
      me == handshake::Role::client ? handshake::Role::server : handshake::Role::client;
  const std::string mine = std::string(handshake::role_name(me)) + "_finished";
  const std::string theirs = std::string(handshake::role_name(peer)) + "_finished";
  if (state.values.count(mine) == 0) {
    throw_usage(
        fmt::format("{}: this side has not sent its Finished yet (run hsk derive-pms "
                    "without --no-finished first; a server reads the client's Finished of a "
                    "full handshake with derive-pms)",
                    o.state));
  }
  if (state.values.count(theirs) != 0) {
    throw_usage(
        fmt::format("{}: the {}'s Finished was already verified: the handshake is "
                    "complete",
                    o.state, handshake::role_name(peer)));
  }
  handshake::State before = state;
  try {
    handshake::read_finished(state, in);
  } catch (const handshake::PeerAlertError&) {
    throw;  // the peer ended the connection: no alert back
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::usage) {
      send_alert(o, before, e);
    }
    throw;
  }
  handshake::save_state(o.state, state);
  if (!o.quiet) {
    fmt::print(stderr, "handshake complete: both Finished verified\n");
  }
  return 0;
}

}  // namespace

Run setup_finish(CLI::App& sub) {
  auto o = std::make_shared<Options>();
  sub.footer(
      "Phase 4: reads the peer's ChangeCipherSpec and protected Finished (--in, default standard "
      "input; exactly those records), checks them and marks the handshake complete in the state. "
      "The last step of the side whose Finished went first: the client after a full handshake, "
      "the server after an abbreviated one (server-respond --session-cache resumed a session). "
      "On a bad record or Finished a fatal alert goes to --alert-to.\n"
      "Exit status: 0 ok, 1 a check failed (bad_record_mac, decrypt_error, a fatal alert "
      "received), 2 usage, 3 malformed input, 4 I/O. See hsk-finish(1).");
  sub.add_option("--state", o->state,
                 "This side's state file (after derive-pms sent its Finished); updated in place")
      ->required();
  sub.add_option("--in", o->in,
                 "Where the peer's records come from: a file, /dev/fd/N or - (default)");
  sub.add_option("--alert-to", o->alert_to,
                 "Where the fatal alert record goes when a check fails: a file, /dev/fd/N or - "
                 "(default: standard output when it is a socket or a pipe)");
  sub.add_flag("--no-alert", o->no_alert, "Send no alert on failure");
  sub.add_flag("-q,--quiet", o->quiet, "Print nothing on success");
  sub.add_option("--seed", o->seed,
                 "Make every random byte reproducible from this seed (UNSAFE outside tests)")
      ->each([o](const std::string&) { o->seeded = true; });
  return [o]() { return run(*o); };
}

}  // namespace hsk::cmd
