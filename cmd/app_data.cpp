// hsk app-data — see man/hsk-app-data.1.
#include <fcntl.h>
#include <unistd.h>

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "cmd/util.hpp"
#include "commands.hpp"
#include "crypto/crypto.hpp"
#include "handshake/app_data.hpp"
#include "handshake/finish_step.hpp"
#include "handshake/state.hpp"
#include "hsk/error.hpp"
#include "io/file.hpp"
#include "io/stream.hpp"

namespace hsk::cmd {

namespace {

struct Options {
  std::string state;
  bool send = false;
  bool recv = false;
  bool close = false;
  std::string in = "-";
  std::string out = "-";
  long records = -1;
  bool until_eof = false;
  std::size_t record_size = 16384;
  std::string alert_to;
  bool quiet = false;
  std::string seed;
  bool seeded = false;
};

std::unique_ptr<crypto::Rng> make_rng(const Options& o, const char* purpose) {
  return o.seeded ? crypto::seeded_rng(o.seed + "/" + purpose) : crypto::system_rng();
}

// OutFd is where --recv writes plaintext: standard output or a file it creates.
class OutFd {
 public:
  explicit OutFd(const std::string& path) : name_(path) {
    if (path == "-") {
      fd_ = 1;
      name_ = "standard output";
      return;
    }
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd_ < 0) {
      throw Error(ErrorKind::io, path + ": cannot open for writing: " + std::strerror(errno));
    }
    owned_ = true;
  }
  OutFd(const OutFd&) = delete;
  OutFd& operator=(const OutFd&) = delete;
  ~OutFd() {
    if (owned_) {
      ::close(fd_);
    }
  }
  void write(ByteView data) {
    if (!data.empty()) {
      io::write_all_fd(fd_, data, name_);
    }
  }

 private:
  std::string name_;
  int fd_ = -1;
  bool owned_ = false;
};

std::string describe(const wire::Alert& a) {
  return fmt::format("alert: {}{}", handshake::alert_name(a.description),
                     a.level == 2 ? " (fatal)" : "");
}

int run_send(const Options& o, handshake::State state) {
  Bytes plain;
  if (o.send) {
    plain = io::read_all(o.in);
  }
  std::unique_ptr<crypto::Rng> rng = make_rng(o, "send");
  Bytes out;
  for (std::size_t at = 0; at < plain.size(); at += o.record_size) {
    std::size_t n = std::min(o.record_size, plain.size() - at);
    Bytes recs = handshake::seal_application_data(state, ByteView(plain).subspan(at, n), *rng);
    out.insert(out.end(), recs.begin(), recs.end());
  }
  if (o.close) {
    wire::Alert a;
    a.level = 1;
    a.description = Error::kAlertCloseNotify;
    Bytes rec = handshake::alert_record(state, a, *rng);
    out.insert(out.end(), rec.begin(), rec.end());
  }
  // The state first: if it cannot be written, nothing goes on the wire.
  handshake::save_state(o.state, state);
  io::write_flight(o.out, out);
  return 0;
}

// send_alert answers a bad record with a fatal alert on --alert-to (when given).
void send_alert(const Options& o, handshake::State& state, const Error& e) {
  if (!o.alert_to.empty()) {
    send_fatal_alert(state, e, o.alert_to,
                     o.seeded ? std::optional<std::string>(o.seed) : std::nullopt);
  }
}

int run_recv(const Options& o, handshake::State state, io::Stream& in) {
  OutFd out(o.out);
  long data_records = 0;
  bool closed = false;
  bool short_count = false;  // fewer records than --records: the peer did nothing wrong
  try {
    for (;;) {
      if (o.records >= 0 && data_records >= o.records) {
        break;
      }
      std::optional<wire::Record> rec = in.read_record();
      if (!rec) {
        if (o.records >= 0) {
          short_count = true;
          throw Error(ErrorKind::check_failed,
                      fmt::format("end of stream after {} of the {} application data records "
                                  "asked for",
                                  data_records, o.records),
                      Error::kAlertCloseNotify);
        }
        if (!closed && !o.quiet) {
          fmt::print(stderr,
                     "hsk: warning: end of stream without close_notify (the data may be "
                     "truncated)\n");
        }
        break;
      }
      if (closed) {
        throw Error(ErrorKind::malformed, rec->offset, "record",
                    "a record after the peer's close_notify", Error::kAlertUnexpectedMessage);
      }
      handshake::Incoming got = handshake::open_incoming(state, *rec);
      switch (got.kind) {
        case handshake::Incoming::Kind::data:
          out.write(got.data);
          if (!got.data.empty()) {
            ++data_records;
          }
          break;
        case handshake::Incoming::Kind::ignored:
          fmt::print(stderr, "hsk: {}\n", got.note);
          break;
        case handshake::Incoming::Kind::alert:
          fmt::print(stderr, "{}\n", describe(got.alert));
          std::fflush(stderr);
          if (got.alert.level == 2) {
            handshake::save_state(o.state, state);
            throw handshake::PeerAlertError(
                rec->offset, got.alert,
                fmt::format("the peer sent a fatal {} alert",
                            handshake::alert_name(got.alert.description)));
          }
          if (got.alert.description == Error::kAlertCloseNotify) {
            closed = true;
            if (o.records >= 0) {
              short_count = true;
              throw Error(ErrorKind::check_failed, rec->offset, "Alert",
                          fmt::format("close_notify after {} of the {} application data "
                                      "records asked for",
                                      data_records, o.records),
                          Error::kAlertCloseNotify);
            }
          }
          break;
      }
      if (closed && !o.until_eof) {
        break;
      }
    }
  } catch (const handshake::PeerAlertError& e) {
    Error copy = e;
    copy.with_input(in.name());
    throw copy;
  } catch (Error& e) {
    e.with_input(in.name());
    handshake::save_state(o.state, state);
    if (e.kind() != ErrorKind::usage && !short_count) {
      send_alert(o, state, e);
    }
    throw;
  }
  handshake::save_state(o.state, state);
  return 0;
}

int run(const Options& o) {
  if (o.state.empty() || o.state == "-") {
    throw_usage("--state FILE is required");
  }
  int modes = (o.send || o.close ? 1 : 0) + (o.recv ? 1 : 0);
  if (modes != 1) {
    throw_usage("say what to do: --send (and/or --close), or --recv");
  }
  if (!o.recv && (o.records >= 0 || o.until_eof || !o.alert_to.empty())) {
    throw_usage("--records, --until-eof and --alert-to go with --recv");
  }
  if (o.recv && o.records >= 0 && o.until_eof) {
    throw_usage("--records and --until-eof exclude each other");
  }
  if (o.record_size == 0 || o.record_size > 16384) {
    throw_usage(fmt::format("--record-size wants 1..16384, not {}", o.record_size));
  }
  if (o.recv) {
    io::Stream in = io::Stream::open_input(o.in);
    in.wait_readable();
    handshake::State state = handshake::load_state(o.state);
    handshake::require_handshake_complete(state, o.state);
    return run_recv(o, std::move(state), in);
  }
  handshake::State state = handshake::load_state(o.state);
  handshake::require_handshake_complete(state, o.state);
  return run_send(o, std::move(state));
}

}  // namespace

Run setup_app_data(CLI::App& sub) {
  auto o = std::make_shared<Options>();
  sub.footer(
      "After the handshake (both Finished): --send seals its input (--in, default standard "
      "input) into application_data records on standard output (or -o); --close sends "
      "close_notify; --recv opens the peer's records (--in) and writes the plaintext to standard "
      "output (or -o), alerts on stderr.\n"
      "Exit status: 0 ok, 1 a check failed (bad_record_mac, a fatal alert received, fewer "
      "records than --records), 2 usage, 3 malformed input, 4 I/O. See hsk-app-data(1).");
  sub.add_option("--state", o->state, "This side's state file; its sequence numbers are updated")
      ->required();
  sub.add_flag("--send", o->send, "Seal the input into application_data records");
  sub.add_flag("--recv", o->recv, "Open the peer's records, plaintext to the output");
  sub.add_flag("--close", o->close, "Send a close_notify alert (after the data with --send)");
  sub.add_option("--in", o->in, "--send: the plaintext; --recv: the records (file, /dev/fd/N, -)");
  sub.add_option("-o,--out", o->out,
                 "--send/--close: where the records go; --recv: where the plaintext goes (- "
                 "default)");
  sub.add_option("--records", o->records,
                 "--recv: stop after N application_data records that carry data (empty ones, "
                 "a TLS 1.0 countermeasure, do not count)");
  sub.add_flag("--until-eof", o->until_eof,
               "--recv: after close_notify, keep reading until the stream ends (a record there "
               "is an error)");
  sub.add_option("--record-size", o->record_size,
                 "--send: at most this many plaintext bytes per record (1..16384, default 16384)");
  sub.add_option("--alert-to", o->alert_to,
                 "--recv: where a fatal alert record goes when a record fails (e.g. /dev/fd/3)");
  sub.add_flag("-q,--quiet", o->quiet,
               "--recv: no warning for an end of stream without close_notify");
  sub.add_option("--seed", o->seed,
                 "Make every random byte reproducible from this seed (UNSAFE outside tests)")
      ->each([o](const std::string&) { o->seeded = true; });
  return [o]() { return run(*o); };
}

}  // namespace hsk::cmd
