// hsk finish — see man/hsk-finish.1.
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

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

// wait_readable blocks until `in` has data or its end, so that in a pipeline the state file
// (written by this side's previous step before the peer could answer) is read after it.
void wait_readable(const io::Stream& in) {
  pollfd p{};
  p.fd = in.fd();
  p.events = POLLIN;
  while (::poll(&p, 1, -1) < 0) {
    if (errno != EINTR) {
      throw Error(ErrorKind::io, in.name() + ": poll: " + std::strerror(errno));
    }
  }
}

// live_peer: whether standard output is a socket or a pipe (a peer, not a file or terminal).
bool live_peer() {
  struct stat st {};
  return ::fstat(1, &st) == 0 && (S_ISSOCK(st.st_mode) || S_ISFIFO(st.st_mode));
}

// send_alert writes the fatal alert for `e` to --alert-to, or to standard output when that is
// a socket or a pipe. A failure to write it is reported but does not hide `e`.
void send_alert(const Options& o, handshake::State& state, const Error& e) {
  if (o.no_alert || (o.alert_to.empty() && !live_peer())) {
    return;
  }
  const std::string to = o.alert_to.empty() ? "-" : o.alert_to;
  try {
    std::unique_ptr<crypto::Rng> rng =
        o.seeded ? crypto::seeded_rng(o.seed + "/alert") : crypto::system_rng();
    Bytes rec = handshake::fatal_alert_record(state, e.alert(), *rng);
    io::write_flight(to, rec);
    fmt::print(stderr, "hsk: sent a fatal {} alert to {}\n", handshake::alert_name(e.alert()),
               to == "-" ? "standard output" : to);
  } catch (const Error& w) {
    fmt::print(stderr, "hsk: could not send the alert: {}\n", w.message());
  }
}

int run(const Options& o) {
  if (o.state.empty() || o.state == "-") {
    throw_usage("--state FILE is required (this side's state, after derive-pms)");
  }
  io::Stream in = io::Stream::open_input(o.in);
  wait_readable(in);
  handshake::State state = handshake::load_state(o.state);
  const handshake::Role me = state.role;
  const handshake::Role peer =
      me == handshake::Role::client ? handshake::Role::server : handshake::Role::client;
  const std::string mine = std::string(handshake::role_name(me)) + "_finished";
  const std::string theirs = std::string(handshake::role_name(peer)) + "_finished";
  if (state.values.count(mine) == 0) {
    throw_usage(
        fmt::format("{}: this side has not sent its Finished yet (run hsk derive-pms "
                    "without --no-finished first)",
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
