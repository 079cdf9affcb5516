// hsk::inspect — splitting the TLS connections of a packet capture into step files
// (split_capture, `hsk decode --split`).
//
// capture::TcpReassembler gives each direction of each TCP connection as one byte stream;
// each TLS direction is kept until its connection closes (up to kDataCap bytes after its
// Finished, so memory is bounded per connection), then cut into records (RFC 5246 §6.2.1)
// and the records are grouped into the step files the other subcommands read.
// A flight boundary is found by framing the handshake messages of the plaintext records (RFC
// 5246 §7.4) and reading their types: the client's first file ends with the record that
// completes the ClientHello, the server's first with the one that completes the
// ServerHelloDone (an abbreviated handshake, RFC 5246 §7.3, has none: the server's
// ChangeCipherSpec comes first). After a ChangeCipherSpec records are protected and cut by
// count (RFC 5246 §7.4.9): the first handshake record after it is the Finished. Bytes are
// never re-encoded: every file is a run of whole records exactly as captured.
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "capture/capture.hpp"
#include "capture/tcp.hpp"
#include "hsk/error.hpp"
#include "inspect/capture_common.hpp"
#include "inspect/inspect.hpp"
#include "io/file.hpp"
#include "wire/messages.hpp"
#include "wire/reader.hpp"
#include "wire/record.hpp"
#include "wire/registry.hpp"

namespace hsk::inspect {

namespace {

using Json = nlohmann::ordered_json;
using capture::Direction;

constexpr std::uint8_t kTypeChangeCipherSpec = 20;
constexpr std::uint8_t kTypeHandshake = 22;
constexpr std::uint8_t kMsgClientHello = 1;
constexpr std::uint8_t kMsgServerHello = 2;
constexpr std::uint8_t kMsgCertificateRequest = 13;
constexpr std::uint8_t kMsgServerHelloDone = 14;

// The step files, in the order their concatenation per direction rebuilds the stream.
constexpr const char* kClientHello = "1-client-hello.tls";
constexpr const char* kServerFlight = "2-server-flight.tls";
constexpr const char* kClientFlight = "3-client-flight.tls";
constexpr const char* kServerFinished = "4-server-finished.tls";
constexpr const char* kClientData = "5-client-data.tls";
constexpr const char* kServerData = "6-server-data.tls";

std::size_t index_of(Direction d) { return static_cast<std::size_t>(d); }

// RecordSpan is one whole record of a direction's stream.
struct RecordSpan {
  std::size_t offset = 0;
  std::size_t size = 0;  // header included
  std::uint8_t type = 0;
};

// Framer frames handshake messages across the fragments of consecutive plaintext handshake
// records (RFC 5246 §7.4) and returns each completed message's type and body.
class Framer {
 public:
  struct Message {
    std::uint8_t type = 0;
    Bytes body;
  };
  std::vector<Message> add(ByteView fragment) {
    pending_.insert(pending_.end(), fragment.begin(), fragment.end());
    std::vector<Message> out;
    std::size_t pos = 0;
    while (pending_.size() - pos >= 4) {
      std::size_t len = std::size_t{pending_[pos + 1]} << 16 | std::size_t{pending_[pos + 2]} << 8 |
                        pending_[pos + 3];
      if (pending_.size() - pos - 4 < len) {
        break;
      }
      Message m;
      m.type = pending_[pos];
      m.body.assign(pending_.begin() + static_cast<std::ptrdiff_t>(pos + 4),
                    pending_.begin() + static_cast<std::ptrdiff_t>(pos + 4 + len));
      out.push_back(std::move(m));
      pos += 4 + len;
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(pos));
    return out;
  }

 private:
  Bytes pending_;
};

// kDataCap is how many bytes of whole records a direction keeps after its Finished record (or
// from its first byte when no Finished comes): what keeps memory bounded per connection.
constexpr std::size_t kDataCap = std::size_t{1} << 20;

struct DirectionBuf {
  Bytes bytes;           // the stream from its first byte
  bool stopped = false;  // a gap ended it: bytes after it are not in `bytes`
  // Record scan as bytes arrive (RFC 5246 §6.2.1), to find the Finished and apply kDataCap.
  std::size_t scan_pos = 0;             // start of the first record not yet scanned
  bool seen_ccs = false;                // a ChangeCipherSpec record was scanned
  std::optional<std::size_t> finished;  // end of the first handshake record after it
  bool capped = false;                  // bytes from capped_at on are dropped
  bool malformed = false;               // capped at a record header that is not TLS
  std::size_t capped_at = 0;
  std::uint64_t dropped = 0;  // bytes received and not kept
};

// cap_at drops the bytes of `d` from `at` on, and every byte that comes later.
void cap_at(DirectionBuf& d, std::size_t at) {
  d.dropped += d.bytes.size() - at;
  d.bytes.resize(at);
  d.capped = true;
  d.capped_at = at;
}

// scan_records frames the records of `d` received so far and caps `d` at the first record that
// would end more than kDataCap bytes after its Finished (after its first byte without one).
// A header that is not TLS keeps only that header: cut_records reports it.
void scan_records(DirectionBuf& d) {
  while (!d.capped && d.bytes.size() - d.scan_pos >= wire::kRecordHeaderSize) {
    const std::uint8_t* h = d.bytes.data() + d.scan_pos;
    std::size_t length = std::size_t{h[3]} << 8 | h[4];
    if (detail::record_header_problem(h, wire::kMaxCiphertext)) {
      d.malformed = true;
      cap_at(d, d.scan_pos + wire::kRecordHeaderSize);
      return;
    }
    std::size_t end = d.scan_pos + wire::kRecordHeaderSize + length;
    if (end > d.bytes.size()) {
      return;
    }
    if (end > d.finished.value_or(0) + kDataCap) {
      cap_at(d, d.scan_pos);
      return;
    }
    if (h[0] == kTypeChangeCipherSpec) {
      d.seen_ccs = true;
    } else if (h[0] == kTypeHandshake && d.seen_ccs && !d.finished) {
      d.finished = end;
    }
    d.scan_pos = end;
  }
}

class SplitConnection final : public capture::ConnectionUser {
 public:
  enum class Kind { unknown, tls, other };
  Kind kind = Kind::unknown;
  std::optional<Direction> first_dir;
  std::array<DirectionBuf, 2> dirs;
  bool swapped = false;  // roles unknown and the "server" side sent the ClientHello
  Json notes = Json::array();
  Json errors = Json::array();
};

// SplitResult is where one connection's streams were cut.
struct SplitResult {
  struct File {
    std::string name;
    bool from_client = true;
    ByteView bytes;
    std::size_t records = 0;
  };
  std::vector<File> files;
  std::optional<std::uint16_t> version;
  std::optional<std::uint16_t> suite;
  std::string handshake = "incomplete";  // full | abbreviated | tls1.3 | incomplete
  bool client_auth_requested = false;
};

// cut_records cuts `stream` into whole records. A malformed header goes to `errors` and ends
// the cut there; an unfinished record at the end goes to `notes` (with why the stream ended).
std::vector<RecordSpan> cut_records(ByteView stream, const std::string& side, bool gap, Json& notes,
                                    Json& errors) {
  std::vector<RecordSpan> out;
  std::size_t pos = 0;
  while (stream.size() - pos >= wire::kRecordHeaderSize) {
    const std::uint8_t* h = stream.data() + pos;
    std::size_t length = std::size_t{h[3]} << 8 | h[4];
    if (auto problem = detail::record_header_problem(h, wire::kMaxCiphertext)) {
      errors.push_back(side + ": stream offset " + std::to_string(pos) +
                       ": record: " + problem->what + ": the records from here on are not written");
      return out;
    }
    if (stream.size() - pos - wire::kRecordHeaderSize < length) {
      break;
    }
    out.push_back(RecordSpan{pos, wire::kRecordHeaderSize + length, h[0]});
    pos += wire::kRecordHeaderSize + length;
  }
  if (pos < stream.size()) {
    notes.push_back(side + ": the stream ends " + (gap ? "at a gap " : "") +
                    "inside a record that starts at stream offset " + std::to_string(pos) + " (" +
                    std::to_string(stream.size() - pos) + " bytes captured): not written");
  }
  return out;
}

// Cuts: record indexes where files end, per direction (nullopt: that boundary never came).
struct ServerCuts {
  std::optional<std::size_t> flight;    // end of 2-server-flight.tls
  std::optional<std::size_t> finished;  // end of 4-server-finished.tls
  bool abbreviated = false;
  bool tls13 = false;
};

ServerCuts cut_server(ByteView stream, const std::vector<RecordSpan>& recs, SplitResult& result,
                      Json& errors) {
  ServerCuts cuts;
  Framer framer;
  bool hello = false;  // ServerHello seen
  bool ccs = false;    // ChangeCipherSpec seen: later records are protected
  for (std::size_t i = 0; i < recs.size(); ++i) {
    const RecordSpan& rec = recs[i];
    if (rec.type == kTypeChangeCipherSpec) {
      ccs = true;
      continue;
    }
    if (rec.type != kTypeHandshake) {
      continue;
    }
    if (ccs) {
      // The first protected handshake record is the Finished (RFC 5246 §7.4.9).
      // Before a ServerHelloDone it ends an abbreviated handshake's server flight.
      if (cuts.flight) {
        cuts.finished = i + 1;
      } else if (hello) {
        cuts.abbreviated = true;
        cuts.flight = i + 1;
      }
      return cuts;
    }
    if (cuts.flight) {
      continue;  // NewSessionTicket and the like, before the ChangeCipherSpec
    }
    for (const Framer::Message& m : framer.add(stream.subspan(
             rec.offset + wire::kRecordHeaderSize, rec.size - wire::kRecordHeaderSize))) {
      if (m.type == kMsgServerHello && !hello) {
        try {
          detail::ServerHelloFacts sh = detail::server_hello_facts(m.body);
          result.version = sh.version;
          result.suite = sh.cipher_suite;
        } catch (const Error& e) {
          errors.push_back("server: record at stream offset " + std::to_string(rec.offset) + ": " +
                           e.message() + ": the server flight is not split");
          return cuts;
        }
        hello = true;
        if (result.version == wire::kTls13) {
          // RFC 8446 §5: everything after the ServerHello is protected (a HelloRetryRequest
          // carries supported_versions 0x0304 too): the directions stay unsplit.
          cuts.tls13 = true;
          return cuts;
        }
      } else if (m.type == kMsgCertificateRequest) {
        result.client_auth_requested = true;
      } else if (m.type == kMsgServerHelloDone && hello) {
        cuts.flight = i + 1;
      }
    }
  }
  return cuts;
}

struct ClientCuts {
  std::optional<std::size_t> hello;   // end of 1-client-hello.tls
  std::optional<std::size_t> flight;  // end of 3-client-flight.tls
};

ClientCuts cut_client(ByteView stream, const std::vector<RecordSpan>& recs, bool tls13) {
  ClientCuts cuts;
  Framer framer;
  bool ccs = false;
  for (std::size_t i = 0; i < recs.size(); ++i) {
    const RecordSpan& rec = recs[i];
    if (!cuts.hello) {
      if (rec.type != kTypeHandshake) {
        return cuts;
      }
      for (const Framer::Message& m : framer.add(stream.subspan(
               rec.offset + wire::kRecordHeaderSize, rec.size - wire::kRecordHeaderSize))) {
        if (m.type == kMsgClientHello && !cuts.hello) {
          cuts.hello = i + 1;
        }
      }
      if (cuts.hello && tls13) {
        return cuts;
      }
      continue;
    }
    if (rec.type == kTypeChangeCipherSpec) {
      ccs = true;
    } else if (rec.type == kTypeHandshake && ccs) {
      cuts.flight = i + 1;
      return cuts;
    }
  }
  return cuts;
}

// add_file appends the records [from, to) of a direction as one file (nothing when empty).
void add_file(SplitResult& result, const char* name, bool from_client, ByteView stream,
              const std::vector<RecordSpan>& recs, std::size_t from, std::size_t to) {
  if (to <= from) {
    return;
  }
  std::size_t begin = recs[from].offset;
  std::size_t end = recs[to - 1].offset + recs[to - 1].size;
  result.files.push_back({name, from_client, stream.subspan(begin, end - begin), to - from});
}

// split_streams cuts one TLS connection's two streams into step files.
SplitResult split_streams(ByteView client, bool client_gap, ByteView server, bool server_gap,
                          Json& notes, Json& errors) {
  SplitResult result;
  std::vector<RecordSpan> crecs = cut_records(client, "client", client_gap, notes, errors);
  std::vector<RecordSpan> srecs = cut_records(server, "server", server_gap, notes, errors);
  ServerCuts sc = cut_server(server, srecs, result, errors);
  ClientCuts cc = cut_client(client, crecs, sc.tls13);

  // Client side: 1, 3 (not in TLS 1.3), 5.
  std::size_t c_at = 0;
  if (cc.hello) {
    add_file(result, kClientHello, true, client, crecs, 0, *cc.hello);
    c_at = *cc.hello;
    if (cc.flight && !sc.tls13) {
      add_file(result, kClientFlight, true, client, crecs, c_at, *cc.flight);
      c_at = *cc.flight;
    }
  } else if (!crecs.empty()) {
    notes.push_back("client: no ClientHello at the start of the stream: written unsplit");
  }
  // Server side: 2, 4 (full handshakes), 6.
  std::size_t s_at = 0;
  if (cc.hello && sc.flight) {
    add_file(result, kServerFlight, false, server, srecs, 0, *sc.flight);
    s_at = *sc.flight;
    if (sc.finished) {
      add_file(result, kServerFinished, false, server, srecs, s_at, *sc.finished);
      s_at = *sc.finished;
    }
  }
  add_file(result, kClientData, true, client, crecs, c_at, crecs.size());
  add_file(result, kServerData, false, server, srecs, s_at, srecs.size());
  // Files in step order: 1, 2, 3, 4, 5, 6.
  std::stable_sort(
      result.files.begin(), result.files.end(),
      [](const SplitResult::File& a, const SplitResult::File& b) { return a.name < b.name; });

  if (sc.tls13) {
    result.handshake = "tls1.3";
  } else if (cc.hello && sc.flight && cc.flight && sc.abbreviated) {
    result.handshake = "abbreviated";
  } else if (cc.hello && sc.flight && cc.flight && sc.finished) {
    result.handshake = "full";
  }
  if (result.handshake == "incomplete" && !crecs.empty()) {
    std::string missing = !cc.hello    ? "the ClientHello"
                          : !sc.flight ? "the end of the server flight"
                          : !cc.flight ? "the client's Finished"
                                       : "the server's Finished";
    notes.push_back("the handshake is incomplete: " + missing +
                    " is not in the capture; the records after the last boundary found are in "
                    "the data files");
  }
  return result;
}

Json enum_json(std::uint16_t code, wire::Registry registry) {
  Json j = Json::object();
  j["code"] = code;
  j["name"] = std::string(wire::name_of(registry, code));
  return j;
}

// suite_json: {"code": n, "name": IANA name, or the hex code when unregistered}.
Json suite_json(std::uint16_t code) {
  Json j = Json::object();
  j["code"] = code;
  const wire::CipherSuite* cs = wire::find_cipher_suite(code);
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%04x", code);
  j["name"] = cs != nullptr ? std::string(cs->iana) : std::string(hex);
  return j;
}

// address_name: the address of an endpoint as a file name part ("127.0.0.1", "2001_db8__1").
std::string address_name(const capture::Endpoint& e) {
  std::string s = capture::to_string(e);
  std::size_t colon = s.rfind(':');
  s.resize(colon);
  if (!s.empty() && s.front() == '[') {
    s = s.substr(1, s.size() - 2);
  }
  for (char& ch : s) {
    if (ch == ':') {
      ch = '_';
    }
  }
  return s;
}

bool has_file(const SplitResult& r, const char* name) {
  for (const auto& f : r.files) {
    if (f.name == name) {
      return true;
    }
  }
  return false;
}

// commands lists the hsk commands that re-check the handshake, run in its directory.
Json commands(const SplitResult& r) {
  Json out = Json::array();
  std::string steps;
  for (const char* name : {kClientHello, kServerFlight, kClientFlight, kServerFinished}) {
    if (has_file(r, name)) {
      steps += std::string(" ") + name;
    }
  }
  if (!steps.empty()) {
    out.push_back("hsk decode" + steps);
  }
  bool flights = has_file(r, kClientHello) && has_file(r, kServerFlight);
  if (flights && r.handshake != "abbreviated" && r.handshake != "tls1.3") {
    std::string verify = std::string("hsk verify-sig ") + kClientHello + " " + kServerFlight;
    if (has_file(r, kClientFlight)) {
      verify += std::string(" ") + kClientFlight;
    }
    out.push_back(verify);
    const wire::CipherSuite* cs = r.suite ? wire::find_cipher_suite(*r.suite) : nullptr;
    bool replayable = cs != nullptr && (wire::kex_shape(cs->kx) == wire::KexShape::rsa ||
                                        wire::kex_shape(cs->kx) == wire::KexShape::dh_fixed);
    if (replayable && has_file(r, kClientFlight)) {
      out.push_back(std::string("hsk derive-pms --role server --hello ") + kClientHello +
                    " --server-flight " + kServerFlight + " --key SERVER_KEY" +
                    (r.client_auth_requested ? " --client-ca CLIENT_CA" : "") + " --in " +
                    kClientFlight + " --show-secrets");
    }
  }
  return out;
}

void make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0) {
    throw_io(path + ": cannot create the directory: " + std::strerror(errno));
  }
}

class SplitSink final : public capture::StreamSink {
 public:
  SplitSink(std::string name, std::string dir, const CaptureSplitOptions& options,
            const std::function<void(std::string_view)>& emit)
      : name_(std::move(name)), dir_(std::move(dir)), options_(options), emit_(emit) {}

  void on_open(capture::Connection& c) override { c.user = std::make_unique<SplitConnection>(); }

  void on_data(capture::Connection& c, const capture::DataEvent& ev) override {
    SplitConnection& t = state(c);
    DirectionBuf& d = t.dirs[index_of(ev.dir)];
    if (t.kind == SplitConnection::Kind::other || d.stopped) {
      return;
    }
    if (d.capped) {
      d.dropped += ev.bytes.size();
      return;
    }
    d.bytes.insert(d.bytes.end(), ev.bytes.begin(), ev.bytes.end());
    if (!t.first_dir) {
      t.first_dir = ev.dir;
    }
    if (t.kind == SplitConnection::Kind::unknown) {
      decide(c, t, false);
    }
    if (t.kind == SplitConnection::Kind::tls) {
      scan_records(d);
    }
  }

  void on_gap(capture::Connection& c, const capture::GapEvent& ev) override {
    SplitConnection& t = state(c);
    DirectionBuf& d = t.dirs[index_of(ev.dir)];
    if (t.kind == SplitConnection::Kind::other || d.stopped || d.capped) {
      return;
    }
    std::string note = side(t, ev.dir) + ": " + std::to_string(ev.length) +
                       " bytes missing at stream offset " + std::to_string(ev.offset) + " (seq " +
                       std::to_string(ev.seq) + ", " +
                       std::string(capture::gap_reason_name(ev.reason)) + ")";
    if (ev.packet != 0) {
      note += " at packet " + std::to_string(ev.packet);
    }
    t.notes.push_back(note + ": nothing from there on is written");
    d.stopped = true;
  }

  void on_note(capture::Connection& c, Direction dir, const std::string& note) override {
    SplitConnection& t = state(c);
    if (t.kind != SplitConnection::Kind::other) {
      t.notes.push_back(side(t, dir) + ": " + note);
    }
  }

  void on_close(capture::Connection& c, capture::CloseReason reason) override {
    ++tcp_connections_;
    SplitConnection& t = state(c);
    if (t.kind == SplitConnection::Kind::unknown) {
      decide(c, t, true);
    }
    if (t.kind != SplitConnection::Kind::tls || failure_) {
      return;
    }
    ++tls_connections_;
    if (reason == capture::CloseReason::end_of_capture && !stop_note_.empty()) {
      t.notes.push_back("the capture file ends early (" + stop_note_ +
                        "): this connection may be incomplete");
    }
    try {
      write_connection(c, t, reason);
    } catch (...) {
      failure_ = std::current_exception();
    }
  }

  void rethrow() const {
    if (failure_) {
      std::rethrow_exception(failure_);
    }
  }
  void set_stop_note(std::string note) { stop_note_ = std::move(note); }
  std::uint64_t tcp_connections() const { return tcp_connections_; }
  std::uint64_t tls_connections() const { return tls_connections_; }
  std::uint64_t with_errors() const { return with_errors_; }

 private:
  static SplitConnection& state(capture::Connection& c) {
    return static_cast<SplitConnection&>(*c.user);
  }

  static bool from_client(const SplitConnection& t, Direction dir) {
    return (dir == Direction::client_to_server) != t.swapped;
  }
  static std::string side(const SplitConnection& t, Direction dir) {
    return from_client(t, dir) ? "client" : "server";
  }

  // decide classifies the connection by the first bytes of its first direction (5 of them, or
  // what there is when it closes); without the SYN, whoever sent the ClientHello is the client.
  static void decide(capture::Connection& c, SplitConnection& t, bool closing) {
    if (!t.first_dir) {
      t.kind = closing ? SplitConnection::Kind::other : SplitConnection::Kind::unknown;
      return;
    }
    const Bytes& first = t.dirs[index_of(*t.first_dir)].bytes;
    if (first.size() < 5 && !closing) {
      return;
    }
    if (!capture::looks_like_tls(first)) {
      t.kind = SplitConnection::Kind::other;
      for (auto& d : t.dirs) {
        Bytes().swap(d.bytes);
      }
      return;
    }
    t.kind = SplitConnection::Kind::tls;
    if (!c.roles_known) {
      t.swapped = detail::roles_swapped(first, *t.first_dir == Direction::client_to_server);
    }
  }

  void write_connection(capture::Connection& c, SplitConnection& t, capture::CloseReason reason) {
    Direction cdir = t.swapped ? Direction::server_to_client : Direction::client_to_server;
    Direction sdir = t.swapped ? Direction::client_to_server : Direction::server_to_client;
    const DirectionBuf& cb = t.dirs[index_of(cdir)];
    const DirectionBuf& sb = t.dirs[index_of(sdir)];
    for (Direction dir : {cdir, sdir}) {
      const DirectionBuf& d = t.dirs[index_of(dir)];
      if (d.capped && !d.malformed) {
        t.notes.push_back(side(t, dir) + ": data after " + std::to_string(d.capped_at) +
                          " bytes not written: the " + std::to_string(d.dropped) +
                          " bytes from stream offset " + std::to_string(d.capped_at) +
                          " on are beyond the " + std::to_string(kDataCap) + " bytes kept " +
                          (d.finished ? "after the Finished" : "without a Finished"));
      }
    }
    SplitResult r = split_streams(cb.bytes, cb.stopped, sb.bytes, sb.stopped, t.notes, t.errors);
    const capture::Endpoint& client = t.swapped ? c.server : c.client;
    const capture::Endpoint& server = t.swapped ? c.client : c.server;

    char num[32];
    std::snprintf(num, sizeof num, "%03llu", static_cast<unsigned long long>(c.id));
    std::string sub = std::string(num) + "-" + address_name(client) + "." +
                      std::to_string(client.port) + "-" + address_name(server) + "." +
                      std::to_string(server.port);
    // Written into NNN-....partial, renamed once connection.json is in it: a directory
    // without the suffix is complete.
    std::string final_path = dir_ + "/" + sub;
    std::string path = final_path + ".partial";
    make_dir(path);

    Json j = Json::object();
    j["hsk_split"] = 1;
    j["capture"] = name_;
    j["connection"] = c.id;
    j["directory"] = sub;
    j["client"] = capture::to_string(client);
    j["server"] = capture::to_string(server);
    j["first_packet"] = c.first_packet;
    j["last_packet"] = c.last_packet;
    j["close"] = std::string(capture::close_reason_name(reason));
    j["version"] = r.version ? enum_json(*r.version, wire::Registry::protocol_version) : Json();
    j["cipher_suite"] = r.suite ? suite_json(*r.suite) : Json();
    j["handshake"] = r.handshake;
    j["client_auth_requested"] = r.client_auth_requested;
    Json files = Json::array();
    for (const auto& f : r.files) {
      io::write_new_file(path + "/" + f.name, f.bytes, 0644);
      Json fj = Json::object();
      fj["name"] = f.name;
      fj["direction"] = f.from_client ? "client" : "server";
      fj["bytes"] = f.bytes.size();
      fj["records"] = f.records;
      files.push_back(std::move(fj));
    }
    j["files"] = std::move(files);
    j["commands"] = commands(r);
    j["notes"] = std::move(t.notes);
    j["errors"] = std::move(t.errors);
    std::string doc = j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
    io::write_new_file(path + "/connection.json", as_bytes(doc), 0644);
    if (::rename(path.c_str(), final_path.c_str()) != 0) {
      throw_io(path + ": cannot rename to " + sub + ": " + std::strerror(errno));
    }
    if (!j["errors"].empty()) {
      ++with_errors_;
    }
    // The streams are no longer needed: free them before the connection goes.
    for (auto& d : t.dirs) {
      Bytes().swap(d.bytes);
    }

    if (options_.json) {
      emit_(j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n");
      return;
    }
    std::string line = sub + ": ";
    if (r.version) {
      std::string_view v = wire::name_of(wire::Registry::protocol_version, *r.version);
      line += v.empty() ? "version " + std::to_string(*r.version) : std::string(v);
      if (r.suite) {
        line += " " + suite_json(*r.suite)["name"].get<std::string>();
      }
      line += ", ";
    }
    line +=
        r.handshake == "tls1.3" ? std::string("not split (TLS 1.3)") : r.handshake + " handshake";
    line += ", " + std::to_string(r.files.size()) + " files";
    if (!j["notes"].empty()) {
      line += ", " + std::to_string(j["notes"].size()) + " notes";
    }
    if (!j["errors"].empty()) {
      line += "; error: " + j["errors"][0].get<std::string>();
    }
    emit_(line + "\n");
  }

  std::string name_;
  std::string dir_;
  const CaptureSplitOptions& options_;
  const std::function<void(std::string_view)>& emit_;
  std::string stop_note_;
  std::exception_ptr failure_;
  std::uint64_t tcp_connections_ = 0;
  std::uint64_t tls_connections_ = 0;
  std::uint64_t with_errors_ = 0;
};

// prepare_dir creates `dir` (and its parents) when missing; an existing directory must be
// empty.
void prepare_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::file_status st = fs::status(dir, ec);
  if (fs::exists(st)) {
    if (!fs::is_directory(st)) {
      throw_usage(dir + ": exists and is not a directory");
    }
    if (!fs::is_empty(dir, ec) || ec) {
      throw_usage(dir +
                  ": the directory is not empty: --split writes only into a new or empty "
                  "directory");
    }
    return;
  }
  fs::path p(dir);
  if (p.has_parent_path() && !p.parent_path().empty()) {
    fs::create_directories(p.parent_path(), ec);
    if (ec) {
      throw_io(p.parent_path().string() + ": cannot create the directory: " + ec.message());
    }
  }
  make_dir(dir);
}

}  // namespace

CaptureSplitSummary split_capture(capture::CaptureReader& reader, const std::string& dir,
                                  const CaptureSplitOptions& options,
                                  const std::function<void(std::string_view)>& emit) {
  if (dir.empty()) {
    throw_usage("--split wants a directory");
  }
  prepare_dir(dir);
  SplitSink sink(reader.name(), dir, options, emit);
  capture::TcpReassembler reassembler(sink);
  CaptureSplitSummary summary;
  capture::Packet packet;
  capture::TcpSegment segment;
  const int link_type = reader.link_type();
  while (reader.next(packet)) {
    ++summary.packets;
    if (capture::decode_frame(link_type, packet.data, packet.wire_len, segment) !=
        capture::FrameResult::tcp) {
      continue;
    }
    if (options.port && segment.src.port != *options.port && segment.dst.port != *options.port) {
      continue;
    }
    reassembler.add(segment, packet.ts, packet.number);
    sink.rethrow();
  }
  sink.set_stop_note(reader.stop_note());
  reassembler.finish();
  sink.rethrow();
  // One flush for every file written (they were written without fsync).
  io::sync_filesystem(dir);
  summary.tcp_connections = sink.tcp_connections();
  summary.tls_connections = sink.tls_connections();
  summary.connections_with_errors = sink.with_errors();
  summary.stop_note = reader.stop_note();

  if (options.json) {
    Json j = Json::object();
    j["hsk_split"] = 1;
    j["capture"] = reader.name();
    Json s = Json::object();
    s["directory"] = dir;
    s["packets"] = summary.packets;
    s["tcp_connections"] = summary.tcp_connections;
    s["tls_connections"] = summary.tls_connections;
    s["connections_with_errors"] = summary.connections_with_errors;
    s["stop_note"] = summary.stop_note;
    j["summary"] = std::move(s);
    emit(j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n");
  } else {
    std::string line = "capture " + reader.name() + ": " + std::to_string(summary.packets) +
                       " packets, " + std::to_string(summary.tcp_connections) +
                       " TCP connections, " + std::to_string(summary.tls_connections) +
                       " TLS split into " + dir;
    if (summary.connections_with_errors > 0) {
      line += ", " + std::to_string(summary.connections_with_errors) + " with errors";
    }
    if (!summary.stop_note.empty()) {
      line += "; " + summary.stop_note;
    }
    emit(line + "\n");
  }
  return summary;
}

}  // namespace hsk::inspect
