// hsk derive-pms — see man/hsk-derive-pms.1.
#include <fcntl.h>
#include <unistd.h>

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cmd/util.hpp"
#include "commands.hpp"
#include "crypto/crypto.hpp"
#include "handshake/derive_pms.hpp"
#include "handshake/derive_step.hpp"
#include "handshake/finish_step.hpp"
#include "handshake/key_schedule.hpp"
#include "handshake/state.hpp"
#include "hsk/error.hpp"
#include "io/file.hpp"
#include "io/stream.hpp"
#include "pki/keys.hpp"
#include "pki/x509.hpp"

namespace hsk::cmd {

namespace {

struct Options {
  std::string state;
  std::string role;
  std::string in = "-";
  std::string out = "-";
  bool hex = false;
  // client role
  std::vector<std::string> ca;
  bool insecure = false;
  bool allow_weak_dh = false;
  std::string server_name;
  std::string cert;
  std::string key;
  // server role
  std::vector<std::string> client_ca;
  bool require_client_cert = false;
  std::string hello;
  std::string server_flight;
  // both
  bool no_finished = false;
  std::string alert_to;
  bool no_alert = false;
  std::string keylog;
  bool show_secrets = false;
  bool explain = false;
  std::string seed;
  bool seeded = false;
};

// Keylog is the --keylog file, opened (created 0600 when missing) before anything else is
// written, so that a path that cannot be opened changes nothing.
class Keylog {
 public:
  explicit Keylog(const std::string& path) : path_(path) {
    if (path.empty()) {
      return;
    }
    fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) {
      throw Error(ErrorKind::io, path + ": cannot open the key log: " + std::strerror(errno));
    }
  }
  Keylog(const Keylog&) = delete;
  Keylog& operator=(const Keylog&) = delete;
  ~Keylog() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  void append(const std::string& line) {
    if (fd_ >= 0) {
      io::write_all_fd(fd_, as_bytes(line), path_);
    }
  }

 private:
  std::string path_;
  int fd_ = -1;
};

// send_alert answers a failed check or a malformed message with the fatal alert of `e`
// (RFC 5246 §7.2): to --alert-to, or to the flight's destination when that is a socket or a
// pipe. A usage or I/O error, or an alert the peer sent, gets none.
void send_alert(const Options& o, handshake::State& state, const Error& e) {
  if (o.no_alert || e.kind() == ErrorKind::usage || e.kind() == ErrorKind::io ||
      dynamic_cast<const handshake::PeerAlertError*>(&e) != nullptr) {
    return;
  }
  const std::string to = o.alert_to.empty() ? o.out : o.alert_to;
  if (o.alert_to.empty() && !live_peer(to)) {
    return;
  }
  send_fatal_alert(state, e, to, o.seeded ? std::optional<std::string>(o.seed) : std::nullopt);
}

void print_warnings(const std::vector<std::string>& warnings) {
  for (const auto& w : warnings) {
    fmt::print(stderr, "hsk: warning: {}\n", w);
  }
  std::fflush(stderr);
}

// finish prints what the user asked for after the state (and flight) are written.
void finish(const Options& o, Keylog& keylog, const handshake::State& state,
            const handshake::DerivedKeys& keys, const std::string& explain) {
  keylog.append(handshake::keylog_line(state));
  if (o.explain) {
    fmt::print(stderr, "{}", explain);
    std::fflush(stderr);
  }
  if (o.show_secrets) {
    std::string text = handshake::secrets_text(keys);
    io::write_stdout(as_bytes(text));
  }
}

int run_client(const Options& o, handshake::State state, io::Stream& in) {
  for (auto [given, name] : {std::pair{!o.client_ca.empty(), "--client-ca"},
                             std::pair{o.require_client_cert, "--require-client-cert"}}) {
    if (given) {
      throw_usage(std::string(name) + " is for the server role; " + o.state +
                  " is a client state file");
    }
  }
  if (o.show_secrets && o.out == "-") {
    throw_usage(
        "--show-secrets prints to standard output, which carries the client flight: write the "
        "flight with -o FILE");
  }
  handshake::ClientKexOptions c;
  for (const auto& f : o.ca) {
    auto certs = pki::load_certificates(f);
    c.trusted.insert(c.trusted.end(), certs.begin(), certs.end());
  }
  c.insecure = o.insecure;
  c.allow_weak_dh = o.allow_weak_dh;
  c.now = pki::now_utc();
  c.server_name = o.server_name;
  if (!o.cert.empty() || !o.key.empty()) {
    if (o.cert.empty() || o.key.empty()) {
      throw_usage("--cert and --key come together");
    }
    c.client_chain = pki::load_certificates(o.cert);
    c.client_key = pki::read_private_key(o.key);
    if (!c.client_chain[0].key || !(*c.client_chain[0].key == c.client_key->pub)) {
      throw_usage(o.key + " is not the private key of " + o.cert + "'s certificate");
    }
  }

  std::unique_ptr<crypto::Rng> rng = o.seeded ? crypto::seeded_rng(o.seed) : crypto::system_rng();
  Keylog keylog(o.keylog);  // opened (created 0600) before anything is read or written
  handshake::ClientStepResult r;
  try {
    r = handshake::client_step(state, in, c, *rng, !o.no_finished);
  } catch (Error& e) {
    if (e.kind() != ErrorKind::usage) {
      e.with_input(in.name());
    }
    handshake::State s = state;  // as it was: the step leaves it so on error
    send_alert(o, s, e);
    throw;
  }
  print_warnings(r.kex.warnings);
  // The state first: if it cannot be written, nothing goes on the wire.
  handshake::save_state(o.state, state);
  write_records(o.out, r.kex.records, o.hex);
  finish(o, keylog, state, r.kex.keys, r.kex.explain);
  return 0;
}

// run_server reads the client flight: [Certificate] ClientKeyExchange [CertificateVerify].
int run_server(const Options& o, handshake::State state, const std::string& state_out,
               io::Stream& in) {
  for (auto [given, name] :
       {std::pair{!o.ca.empty(),
                  "--ca (the client's trust anchors; the "
                  "server's are --client-ca)"},
        std::pair{o.allow_weak_dh, "--allow-weak-dh"},
        std::pair{!o.server_name.empty(), "--server-name"}, std::pair{!o.cert.empty(), "--cert"}}) {
    if (given) {
      throw_usage(std::string(name) + " is for the client role; this is the server's step");
    }
  }
  if (auto it = state.values.find("resumed"); it != state.values.end() && it->second == "true") {
    throw_usage(o.state +
                ": this server state resumed a session (abbreviated handshake): its Finished went "
                "out with the ServerHello; read the client's ChangeCipherSpec and Finished with "
                "hsk finish --state " +
                o.state);
  }
  handshake::ServerKexOptions s;
  std::string key_file = o.key;
  if (key_file.empty()) {
    auto it = state.values.find("server_key_file");
    if (it != state.values.end()) {
      key_file = it->second;
    }
  }
  if (!key_file.empty()) {
    s.server_key = pki::read_private_key(key_file);
  }
  for (const auto& f : o.client_ca) {
    auto certs = pki::load_certificates(f);
    s.client_ca.insert(s.client_ca.end(), certs.begin(), certs.end());
  }
  s.insecure = o.insecure;
  s.now = pki::now_utc();
  s.require_client_certificate = o.require_client_cert;

  std::unique_ptr<crypto::Rng> rng = o.seeded ? crypto::seeded_rng(o.seed) : crypto::system_rng();
  const bool finished = !o.no_finished && o.hello.empty();  // replay: phase 3 only
  if (finished && o.show_secrets && o.out == "-") {
    throw_usage(
        "--show-secrets prints to standard output, which carries the server's Finished: write "
        "it with -o FILE");
  }
  Keylog keylog(o.keylog);  // opened (created 0600) before anything is read or written
  handshake::ServerStepResult r;
  try {
    r = handshake::server_step(state, in, s, *rng, finished,
                               static_cast<std::int64_t>(std::time(nullptr)));
  } catch (Error& e) {
    if (e.kind() != ErrorKind::usage) {
      e.with_input(in.name());
    }
    handshake::State st = state;  // as it was: the step leaves it so on error
    send_alert(o, st, e);
    throw;
  }
  print_warnings(r.kex.warnings);
  if (!state_out.empty()) {
    handshake::save_state(state_out, state);
  }
  if (finished) {
    write_records(o.out, r.records, o.hex);
  }
  finish(o, keylog, state, r.kex.keys, r.kex.explain);
  return 0;
}

int run(const Options& o) {
  if (!o.role.empty() && o.role != "client" && o.role != "server") {
    throw_usage("--role wants client or server, not '" + o.role + "'");
  }
  if (!o.state.empty() && o.state == o.out && o.out != "-") {
    throw_usage("--state and -o name the same file");
  }
  if (o.state == "-") {
    throw_usage("--state wants a file");
  }

  // Replay mode: the server's side of a handshake someone else ran.
  if (!o.hello.empty() || !o.server_flight.empty()) {
    if (o.hello.empty() || o.server_flight.empty()) {
      throw_usage("replay mode needs both --hello FILE and --server-flight FILE");
    }
    if (o.role != "server") {
      throw_usage("--hello and --server-flight replay the server's side: add --role server");
    }
    if (o.key.empty()) {
      throw_usage("replay mode needs the server's private key: --key FILE");
    }
    if (o.hello == "-" || o.server_flight == "-") {
      throw_usage(
          "--hello and --server-flight want files: standard input carries the client "
          "flight");
    }
    handshake::State state;
    try {
      state = handshake::server_state_from_flights(io::read_all(o.hello),
                                                   io::read_all(o.server_flight));
    } catch (Error& e) {
      e.with_input(o.hello + ", " + o.server_flight);
      throw;
    }
    io::Stream in = io::Stream::open_input(o.in);
    return run_server(o, std::move(state), o.state, in);
  }

  if (o.state.empty()) {
    throw_usage(
        "--state FILE is required (or --role server --hello FILE --server-flight FILE "
        "to replay a server)");
  }
  // In a pipeline (client-hello | server-respond | derive-pms ...) every step starts at once;
  // the state this step reads is written by an earlier step of the same side before the
  // flight that leads here. So wait until the peer's flight begins, then read the state.
  io::Stream in = io::Stream::open_input(o.in);
  in.wait_readable();
  handshake::State state = handshake::load_state(o.state);
  if (!o.role.empty()) {
    handshake::expect_role(
        state, o.role == "client" ? handshake::Role::client : handshake::Role::server, o.state);
  }
  if (state.role == handshake::Role::client) {
    return run_client(o, std::move(state), in);
  }
  return run_server(o, std::move(state), o.state, in);
}

}  // namespace

Run setup_derive_pms(CLI::App& sub) {
  auto o = std::make_shared<Options>();
  sub.footer(
      "Client state: reads the server flight (--in, default standard input; exactly up to "
      "ServerHelloDone), checks it, writes the client flight to standard output (or -o) and "
      "updates the state.\n"
      "Server state: reads the client flight (up to ClientKeyExchange, CertificateVerify when "
      "one must come, then ChangeCipherSpec and the protected Finished), derives the keys, checks "
      "the Finished and writes its own ChangeCipherSpec and Finished (--no-finished: stops after "
      "the key exchange, writes nothing).\n"
      "Client state: the client flight ends with ChangeCipherSpec and the protected Finished "
      "(unless --no-finished); `hsk finish` reads the server's.\n"
      "Client state, when the ServerHello resumes the session offered by client-hello --resume: "
      "reads the server's ChangeCipherSpec and Finished too, checks them and writes "
      "ChangeCipherSpec and Finished (abbreviated handshake; the server then runs hsk finish).\n"
      "Exit status: 0 ok, 1 a check failed, 2 usage, 3 malformed input, 4 I/O. See "
      "hsk-derive-pms(1).");
  sub.add_option("--state", o->state,
                 "State file of this side (client: from client-hello; server: from "
                 "server-respond); updated in place (mode 0600). Replay mode: where to write the "
                 "server state (optional)");
  sub.add_option("--role", o->role,
                 "client or server: check the state's role; --role server with --hello and "
                 "--server-flight replays a server");
  sub.add_option("--in", o->in,
                 "Where the peer's flight comes from: a file, /dev/fd/N or - (default)");
  sub.add_option("-o,--out", o->out,
                 "Where the client flight goes: a file, a FIFO, /dev/fd/N, or - (default)");
  sub.add_flag("--hex", o->hex, "Write the records as hex text instead of binary");
  sub.add_option("--ca", o->ca, "Client: trust anchors for the server's chain (repeatable)");
  sub.add_flag("--insecure", o->insecure,
               "Do not verify the peer's certificate chain (a warning says so)");
  sub.add_flag("--allow-weak-dh", o->allow_weak_dh,
               "Client: accept a DH group below 1024 bits (a warning says so)");
  sub.add_option("--server-name", o->server_name,
                 "Client: the host name (or IPv4 address) the server certificate must be for");
  sub.add_option("--cert", o->cert,
                 "Client: certificate (chain, leaf first) to send when the server asks for one");
  sub.add_option("--key", o->key,
                 "Client: the --cert's private key. Server: the server's key (default: the "
                 "state's server_key_file)");
  sub.add_option("--client-ca", o->client_ca,
                 "Server: trust anchors for a client certificate (repeatable)");
  sub.add_flag("--require-client-cert", o->require_client_cert,
               "Server: refuse an empty client Certificate");
  sub.add_option("--hello", o->hello, "Replay: the captured ClientHello records (file)");
  sub.add_option("--server-flight", o->server_flight,
                 "Replay: the captured server flight records (file)");
  sub.add_flag("--no-finished", o->no_finished,
               "Stop after the key exchange (phase 3 alone): the client sends no ChangeCipherSpec "
               "and Finished, the server reads none and writes nothing");
  sub.add_option("--alert-to", o->alert_to,
                 "Where the fatal alert record goes when a check fails (default: the flight's "
                 "destination when it is a socket or a pipe; none for a file)");
  sub.add_flag("--no-alert", o->no_alert, "Send no alert record on failure");
  sub.add_option("--keylog", o->keylog,
                 "Append the NSS key-log line (CLIENT_RANDOM ...) to this file (created 0600)");
  sub.add_flag("--show-secrets", o->show_secrets,
               "Print the pre-master secret, master secret and key block on standard output");
  sub.add_flag("--explain", o->explain,
               "Describe on stderr what the peer chose and sent, what we send and where each "
               "secret comes from");
  sub.add_option("--seed", o->seed,
                 "Make every random byte reproducible from this seed (UNSAFE outside tests)")
      ->each([o](const std::string&) { o->seeded = true; });
  return [o]() { return run(*o); };
}

}  // namespace hsk::cmd
