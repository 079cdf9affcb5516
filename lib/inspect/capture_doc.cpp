// hsk::inspect — decoding the TLS connections of a packet capture (decode_capture).
//
// capture::TcpReassembler turns the capture into one byte stream per direction of each TCP
// connection; here each direction's stream is cut into TLS records (RFC 5246 §6.2.1: only the
// unfinished tail stays buffered), the plaintext records are grouped into units that end at a
// handshake message boundary, and each unit is decoded by the decoder behind decode_json
// (detail::input_records_json; records written compactly here), so a capture and the
// step files of the same handshake give the same messages. The negotiated version and suite
// carry from unit to unit through DecodeOptions (what the ServerHello said), which is exactly
// how decode_json carries them from one input to the next. Records after ChangeCipherSpec, or
// after a TLS 1.3 ServerHello (RFC 8446 §5), are listed as encrypted.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "capture/capture.hpp"
#include "capture/tcp.hpp"
#include "hsk/error.hpp"
#include "inspect/document.hpp"
#include "inspect/inspect.hpp"
#include "wire/messages.hpp"
#include "wire/record.hpp"
#include "wire/registry.hpp"

namespace hsk::inspect {

namespace {

using Json = nlohmann::ordered_json;
using capture::Direction;

constexpr std::uint8_t kTypeChangeCipherSpec = 20;
constexpr std::uint8_t kTypeHandshake = 22;
constexpr std::uint8_t kTypeHeartbeat = 24;
constexpr std::uint16_t kExtSupportedVersions = 43;
constexpr std::uint16_t kTls13 = 0x0304;

// RFC 8446 §4.1.3: a ServerHello with this random is a HelloRetryRequest.
constexpr const char* kHelloRetryRandom =
    "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c";

std::size_t index_of(Direction d) { return static_cast<std::size_t>(d); }

std::string time_text(const capture::Timestamp& ts) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%lld.%09u", static_cast<long long>(ts.sec), ts.nsec);
  return buf;
}

Json enum_json(std::uint16_t code, wire::Registry registry) {
  Json j = Json::object();
  j["code"] = code;
  j["name"] = std::string(wire::name_of(registry, code));
  return j;
}

// shift_offsets moves every "offset" member of `j` (a record and what it holds) by `base`,
// the stream offset of its input's first byte.
void shift_offsets(Json& j, std::uint64_t base) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == "offset" && it->is_number_unsigned()) {
        *it = it->get<std::uint64_t>() + base;
      } else if (it->is_structured()) {
        shift_offsets(*it, base);
      }
    }
  } else if (j.is_array()) {
    for (auto& e : j) {
      if (e.is_structured()) {
        shift_offsets(e, base);
      }
    }
  }
}

// append_string writes `v` as a JSON string: directly when it is printable ASCII without a
// quote or backslash (hex, names), otherwise through nlohmann so escapes stay identical.
void append_string(std::string& out, const std::string& v) {
  bool plain = std::all_of(v.begin(), v.end(), [](char ch) {
    auto u = static_cast<unsigned char>(ch);
    return u >= 0x20 && u < 0x7f && u != '"' && u != '\\';
  });
  if (plain) {
    out += '"';
    out += v;
    out += '"';
  } else {
    out += Json(v).dump(-1, ' ', false, Json::error_handler_t::replace);
  }
}

// append_compact writes `j` as j.dump() (compact) would, faster for the strings of a record.
void append_compact(std::string& out, const Json& j) {
  switch (j.type()) {
    case Json::value_t::object: {
      out += '{';
      bool first = true;
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (!first) {
          out += ',';
        }
        first = false;
        append_string(out, it.key());
        out += ':';
        append_compact(out, *it);
      }
      out += '}';
      break;
    }
    case Json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& e : j) {
        if (!first) {
          out += ',';
        }
        first = false;
        append_compact(out, e);
      }
      out += ']';
      break;
    }
    case Json::value_t::string:
      append_string(out, j.get_ref<const std::string&>());
      break;
    case Json::value_t::number_unsigned:
      out += std::to_string(j.get<std::uint64_t>());
      break;
    case Json::value_t::number_integer:
      out += std::to_string(j.get<std::int64_t>());
      break;
    case Json::value_t::boolean:
      out += j.get<bool>() ? "true" : "false";
      break;
    default:
      out += j.dump(-1, ' ', false, Json::error_handler_t::replace);
      break;
  }
}

// RecordMeta is where a record completed: its direction's stream offset, and the packet
// whose arrival completed it (as Wireshark numbers a reassembled PDU: for bytes that waited in
// the out-of-order buffer, the packet that filled the hole, not the one that carried them).
struct RecordMeta {
  std::uint64_t offset = 0;
  std::uint64_t packet = 0;
  capture::Timestamp ts;
};

struct DirectionState {
  Bytes buf;                   // bytes not yet cut into records
  std::uint64_t buf_base = 0;  // stream offset of buf[0]
  bool seen = false;           // data arrived in this direction
  bool stopped = false;        // a gap or a malformed record ended decoding here
  bool is_protected = false;   // ChangeCipherSpec (or a TLS 1.3 ServerHello) passed
  // The unit being gathered: whole plaintext records, ending where no handshake message
  // is pending.
  Bytes unit;
  std::uint64_t unit_base = 0;
  std::vector<RecordMeta> unit_records;
  // Handshake framing (RFC 5246 §7.4) across the unit's records.
  std::array<std::uint8_t, 4> header{};
  std::size_t header_have = 0;
  std::size_t body_left = 0;
  bool message_pending() const { return header_have > 0 || body_left > 0; }
};

class TlsConnection final : public capture::ConnectionUser {
 public:
  enum class Kind { unknown, tls, other };
  Kind kind = Kind::unknown;
  std::optional<Direction> first_dir;  // the direction whose first bytes decide the kind
  std::array<DirectionState, 2> dirs;
  std::string records;                 // the records as compact JSON objects, comma-separated
  std::vector<Direction> record_dirs;  // per record
  std::vector<std::uint64_t> record_packets;
  Json notes = Json::array();
  Json errors = Json::array();
  bool swapped = false;  // roles unknown and the "server" side sent the ClientHello
  std::optional<std::uint16_t> server_version;
  std::optional<std::uint16_t> cipher_suite;
};

class CaptureSink final : public capture::StreamSink {
 public:
  CaptureSink(std::string name, const CaptureDecodeOptions& options,
              const std::function<void(std::string_view)>& emit)
      : name_(std::move(name)), options_(options), emit_(emit) {}

  void on_open(capture::Connection& c) override { c.user = std::make_unique<TlsConnection>(); }

  void on_data(capture::Connection& c, const capture::DataEvent& ev) override {
    auto& t = state(c);
    if (t.kind == TlsConnection::Kind::other) {
      return;
    }
    DirectionState& d = t.dirs[index_of(ev.dir)];
    if (d.stopped) {
      return;
    }
    if (!d.seen) {
      d.seen = true;
      d.buf_base = ev.offset;
    }
    if (t.kind == TlsConnection::Kind::unknown) {
      if (!t.first_dir) {
        t.first_dir = ev.dir;
      }
      d.buf.insert(d.buf.end(), ev.bytes.begin(), ev.bytes.end());
      decide(c, t, false, ev);
      return;
    }
    feed(t, ev.dir, ev.bytes, ev);
  }

  void on_gap(capture::Connection& c, const capture::GapEvent& ev) override {
    auto& t = state(c);
    if (t.kind == TlsConnection::Kind::other) {
      return;
    }
    DirectionState& d = t.dirs[index_of(ev.dir)];
    if (d.stopped) {
      return;
    }
    std::string note = side(t, ev.dir) + ": " + std::to_string(ev.length) +
                       " bytes missing at stream offset " + std::to_string(ev.offset) + " (seq " +
                       std::to_string(ev.seq) + ", " +
                       std::string(capture::gap_reason_name(ev.reason)) + ")";
    if (ev.packet != 0) {
      note += " at packet " + std::to_string(ev.packet);
    }
    std::size_t dropped = d.buf.size() + d.unit.size();
    note += ": decoding of this direction stops";
    if (dropped > 0) {
      note += "; " + std::to_string(dropped) + " bytes of unfinished records dropped";
    }
    t.notes.push_back(std::move(note));
    stop(d);
  }

  void on_note(capture::Connection& c, Direction dir, const std::string& note) override {
    auto& t = state(c);
    if (t.kind != TlsConnection::Kind::other) {
      t.notes.push_back(side(t, dir) + ": " + note);
    }
  }

  void on_close(capture::Connection& c, capture::CloseReason reason) override {
    ++tcp_connections_;
    auto& t = state(c);
    if (t.kind == TlsConnection::Kind::unknown) {
      capture::DataEvent none;
      none.packet = c.last_packet;
      none.ts = c.last_ts;
      decide(c, t, true, none);
    }
    if (t.kind != TlsConnection::Kind::tls) {
      return;
    }
    for (Direction dir : {Direction::client_to_server, Direction::server_to_client}) {
      DirectionState& d = t.dirs[index_of(dir)];
      if (d.stopped) {
        continue;
      }
      std::size_t left = d.buf.size() + d.unit.size();
      if (left > 0) {
        t.notes.push_back(side(t, dir) + ": the connection ends inside " +
                          (d.unit.empty() ? std::string("a record") : "a handshake message") +
                          " that starts at stream offset " +
                          std::to_string(d.unit.empty() ? d.buf_base : d.unit_base) + " (" +
                          std::to_string(left) + " bytes captured)");
      }
      stop(d);
    }
    if (reason == capture::CloseReason::end_of_capture && !stop_note_.empty()) {
      t.notes.push_back("the capture file ends early (" + stop_note_ +
                        "): this connection may be incomplete");
    }
    ++tls_connections_;
    if (!t.errors.empty()) {
      ++with_errors_;
    }
    if (failure_) {
      return;
    }
    try {
      emit_(options_.json ? connection_json(c, t, reason) : connection_text(c, t, reason));
    } catch (...) {
      failure_ = std::current_exception();
    }
  }

  // rethrow passes on what emit threw (StreamSink callbacks must not throw).
  void rethrow() const {
    if (failure_) {
      std::rethrow_exception(failure_);
    }
  }

  // at: the packet being fed to the reassembler now.
  void at(std::uint64_t packet, capture::Timestamp ts) {
    now_packet_ = packet;
    now_ts_ = ts;
  }

  // set_stop_note: the capture file was cut; said on every connection still open.
  void set_stop_note(std::string note) { stop_note_ = std::move(note); }

  std::uint64_t tcp_connections() const { return tcp_connections_; }
  std::uint64_t tls_connections() const { return tls_connections_; }
  std::uint64_t with_errors() const { return with_errors_; }

 private:
  static TlsConnection& state(capture::Connection& c) {
    return static_cast<TlsConnection&>(*c.user);
  }

  // side names a direction by its sender, with the roles as shown ("client" / "server").
  static std::string side(const TlsConnection& t, Direction dir) {
    bool from_client = (dir == Direction::client_to_server) != t.swapped;
    return from_client ? "client" : "server";
  }

  static void stop(DirectionState& d) {
    d.stopped = true;
    Bytes().swap(d.buf);
    Bytes().swap(d.unit);
    d.unit_records.clear();
  }

  // decide classifies the connection by the first bytes of its first direction, once there
  // are enough of them (or the connection closed), then feeds what was held back.
  void decide(capture::Connection& c, TlsConnection& t, bool closing,
              const capture::DataEvent& ev) {
    if (!t.first_dir) {
      if (closing) {
        t.kind = TlsConnection::Kind::other;
      }
      return;
    }
    const Bytes& first = t.dirs[index_of(*t.first_dir)].buf;
    if (first.size() < 5 && !closing) {
      return;
    }
    if (!capture::looks_like_tls(first)) {
      t.kind = TlsConnection::Kind::other;
      for (auto& d : t.dirs) {
        stop(d);
      }
      return;
    }
    t.kind = TlsConnection::Kind::tls;
    // Without the SYN the roles come from the first handshake message: whoever sent the
    // ClientHello is the client.
    if (!c.roles_known && first.size() > 5 && first[0] == kTypeHandshake) {
      bool from_first = *t.first_dir == Direction::client_to_server;
      t.swapped = (first[5] == 1 && !from_first) || (first[5] == 2 && from_first);
    }
    Direction order[2] = {*t.first_dir, *t.first_dir == Direction::client_to_server
                                            ? Direction::server_to_client
                                            : Direction::client_to_server};
    for (Direction dir : order) {
      DirectionState& d = t.dirs[index_of(dir)];
      Bytes held;
      held.swap(d.buf);
      if (!held.empty() && !d.stopped) {
        capture::DataEvent e = ev;
        e.dir = dir;
        e.offset = d.buf_base;
        feed(t, dir, held, e);
      }
    }
  }

  // feed cuts whole records from `data` (after what is buffered) and keeps the tail.
  void feed(TlsConnection& t, Direction dir, ByteView data, const capture::DataEvent& ev) {
    DirectionState& d = t.dirs[index_of(dir)];
    Bytes joined;
    ByteView view = data;
    std::uint64_t base = d.buf_base;
    if (!d.buf.empty()) {
      d.buf.insert(d.buf.end(), data.begin(), data.end());
      joined.swap(d.buf);
      view = joined;
    } else {
      base = ev.offset;
    }
    std::size_t pos = 0;
    while (!d.stopped && view.size() - pos >= wire::kRecordHeaderSize) {
      const std::uint8_t* h = view.data() + pos;
      std::uint8_t type = h[0];
      std::uint16_t version = static_cast<std::uint16_t>(h[1] << 8 | h[2]);
      std::size_t length = static_cast<std::size_t>(h[3] << 8 | h[4]);
      std::uint64_t at = base + pos;
      std::size_t max = d.is_protected ? wire::kMaxCiphertext : wire::kMaxPlaintext;
      if (type < kTypeChangeCipherSpec || type > kTypeHeartbeat) {
        fail(t, dir, at, "content type " + hex_byte(type) + " is not a TLS record (0x14..0x18)",
             Error::kAlertUnexpectedMessage);
        break;
      }
      if (h[1] != 3) {
        fail(t, dir, at, "version " + hex_byte(h[1]) + hex_byte(h[2]).substr(2) + " is not 3.x",
             Error::kAlertDecodeError);
        break;
      }
      if (length > max) {
        fail(t, dir, at, "length " + std::to_string(length) + " exceeds " + std::to_string(max),
             Error::kAlertRecordOverflow);
        break;
      }
      if (view.size() - pos < wire::kRecordHeaderSize + length) {
        break;
      }
      ByteView rec = view.subspan(pos, wire::kRecordHeaderSize + length);
      record(t, dir, type, version, rec, RecordMeta{at, now_packet_, now_ts_});
      pos += rec.size();
    }
    if (d.stopped) {
      return;
    }
    d.buf_base = base + pos;
    if (!joined.empty()) {
      // Keep only the unfinished tail.
      joined.erase(joined.begin(), joined.begin() + static_cast<std::ptrdiff_t>(pos));
      d.buf.swap(joined);
    } else {
      d.buf.assign(view.begin() + static_cast<std::ptrdiff_t>(pos), view.end());
    }
  }

  static std::string hex_byte(std::uint8_t b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02x", b);
    return buf;
  }

  void fail(TlsConnection& t, Direction dir, std::uint64_t offset, const std::string& what,
            std::uint8_t alert) {
    Error e(ErrorKind::malformed, static_cast<std::size_t>(offset), "record", what, alert);
    add_error(t, dir, e);
  }

  void add_error(TlsConnection& t, Direction dir, const Error& e) {
    t.errors.push_back(side(t, dir) + ": stream " + e.message() +
                       ": decoding of this direction stops");
    stop(t.dirs[index_of(dir)]);
  }

  // record handles one whole record (header included) of direction `dir`.
  void record(TlsConnection& t, Direction dir, std::uint8_t type, std::uint16_t version,
              ByteView rec, const RecordMeta& meta) {
    DirectionState& d = t.dirs[index_of(dir)];
    // TLS 1.3 keeps a plaintext ChangeCipherSpec for middlebox compatibility (RFC 8446 §5).
    bool compat_ccs = type == kTypeChangeCipherSpec && rec.size() == 6 && tls13(t);
    if (d.is_protected && !compat_ccs) {
      flush(t, dir);  // nothing pending normally; a pending message becomes an error
      if (d.stopped) {
        return;
      }
      Json j = Json::object();
      j["offset"] = meta.offset;
      j["content_type"] = enum_json(type, wire::Registry::content_type);
      j["version"] = enum_json(version, wire::Registry::protocol_version);
      j["length"] = rec.size() - wire::kRecordHeaderSize;
      j["encrypted"] = true;
      std::string body = j.dump();
      begin_record(t, dir, meta);
      t.records.append(body, 1, std::string::npos);
      return;
    }
    if (d.unit.empty()) {
      d.unit_base = meta.offset;
    }
    d.unit.insert(d.unit.end(), rec.begin(), rec.end());
    d.unit_records.push_back(meta);
    if (type == kTypeHandshake) {
      frame_messages(d, rec.subspan(wire::kRecordHeaderSize));
      if (d.message_pending()) {
        return;
      }
    }
    flush(t, dir);
  }

  static void frame_messages(DirectionState& d, ByteView fragment) {
    std::size_t i = 0;
    while (i < fragment.size()) {
      if (d.body_left > 0) {
        std::size_t n = std::min(d.body_left, fragment.size() - i);
        d.body_left -= n;
        i += n;
        continue;
      }
      d.header[d.header_have++] = fragment[i++];
      if (d.header_have == 4) {
        d.body_left = std::size_t{d.header[1]} << 16 | std::size_t{d.header[2]} << 8 | d.header[3];
        d.header_have = 0;
      }
    }
  }

  static bool tls13(const TlsConnection& t) { return t.server_version == kTls13; }

  // flush decodes the gathered unit as decode_json would and appends its records as compact
  // JSON, offsets moved to the stream.
  void flush(TlsConnection& t, Direction dir) {
    DirectionState& d = t.dirs[index_of(dir)];
    if (d.unit.empty()) {
      return;
    }
    Input in{side(t, dir), Bytes()};
    in.data.swap(d.unit);
    std::vector<RecordMeta> metas;
    metas.swap(d.unit_records);
    d.header_have = 0;
    d.body_left = 0;
    DecodeOptions opts;
    if (t.server_version) {
      opts.version = t.server_version == kTls13 ? wire::kTls12 : *t.server_version;
      opts.suite = t.cipher_suite;
    }
    Json records;
    try {
      records = detail::input_records_json(in, opts);
    } catch (const Error& e) {
      std::size_t off = e.offset() ? *e.offset() : 0;
      add_error(t, dir,
                Error(e.kind(), static_cast<std::size_t>(d.unit_base + off), e.context(),
                      e.detail(), e.alert()));
      return;
    }
    if (!t.server_version) {
      learn(t, in.data);
    }
    // Each record object, compact, offsets moved to the stream.
    for (std::size_t i = 0; i < records.size() && i < metas.size(); ++i) {
      Json& r = records[i];
      shift_offsets(r, d.unit_base);
      begin_record(t, dir, metas[i]);
      // begin_record wrote the opening brace and a comma: the record's members follow.
      bool first = true;
      for (auto it = r.begin(); it != r.end(); ++it) {
        if (!first) {
          t.records += ',';
        }
        first = false;
        append_string(t.records, it.key());
        t.records += ':';
        append_compact(t.records, *it);
      }
      t.records += '}';
    }
    // A unit holding a ChangeCipherSpec ends with it (RFC 5246 §7.1): protection starts.
    if (record_type_at_end(in.data) == kTypeChangeCipherSpec) {
      d.is_protected = true;
    }
  }

  // begin_record opens a record object with its direction, packet and time.
  void begin_record(TlsConnection& t, Direction dir, const RecordMeta& meta) {
    if (!t.records.empty()) {
      t.records += ',';
    }
    t.records += "{\"direction\":\"" + side(t, dir) +
                 "\",\"packet\":" + std::to_string(meta.packet) + ",\"time\":\"" +
                 time_text(meta.ts) + "\",";
    t.record_dirs.push_back(dir);
    t.record_packets.push_back(meta.packet);
  }

  // record_type_at_end returns the content type of the last record of a unit.
  static std::uint8_t record_type_at_end(ByteView unit) {
    std::size_t pos = 0;
    std::uint8_t type = 0;
    while (unit.size() - pos >= wire::kRecordHeaderSize) {
      type = unit[pos];
      pos += wire::kRecordHeaderSize + (std::size_t{unit[pos + 3]} << 8 | unit[pos + 4]);
    }
    return type;
  }

  // learn takes what later units depend on from a decoded unit (before the ServerHello): the
  // negotiated version and suite, and TLS 1.3 protection. decode_json accepted the unit, so
  // the framing and the ServerHello are well formed.
  static void learn(TlsConnection& t, ByteView unit) {
    wire::HandshakeAssembler assembler;
    wire::Reader r(unit, 0, "unit");
    while (!r.empty()) {
      wire::Record rec = wire::decode_record(r, wire::kMaxPlaintext);
      if (rec.content_type != kTypeHandshake) {
        continue;
      }
      assembler.add(rec);
    }
    for (const wire::HandshakeMessage& m : assembler.take()) {
      if (m.msg_type != 2) {
        continue;
      }
      wire::Reader br(m.body, 0, "ServerHello");
      wire::ServerHello sh = wire::decode_server_hello(br);
      std::uint16_t version = sh.server_version;
      for (const auto& e : sh.extensions.value_or(std::vector<wire::Extension>{})) {
        if (e.type == kExtSupportedVersions && e.data.size() == 2) {
          version = static_cast<std::uint16_t>(e.data[0] << 8 | e.data[1]);
        }
      }
      bool retry = to_hex(ByteView(sh.random.data(), sh.random.size())) == kHelloRetryRandom;
      if (retry) {
        continue;
      }
      t.server_version = version;
      t.cipher_suite = sh.cipher_suite;
      if (version == kTls13) {
        // RFC 8446 §5: everything after the ServerHello is protected, both ways (a
        // ChangeCipherSpec for middlebox compatibility aside).
        for (auto& d : t.dirs) {
          d.is_protected = true;
        }
      }
    }
  }

  std::string connection_json(capture::Connection& c, TlsConnection& t,
                              capture::CloseReason reason) {
    Json j = Json::object();
    j["hsk_decode"] = 1;
    j["capture"] = name_;
    j["connection"] = c.id;
    j["client"] = capture::to_string(t.swapped ? c.server : c.client);
    j["server"] = capture::to_string(t.swapped ? c.client : c.server);
    j["first_packet"] = c.first_packet;
    j["last_packet"] = c.last_packet;
    j["first_time"] = time_text(c.first_ts);
    j["last_time"] = time_text(c.last_ts);
    j["close"] = std::string(capture::close_reason_name(reason));
    j["records"] = nullptr;  // spliced in below: already compact JSON
    j["notes"] = std::move(t.notes);
    j["errors"] = std::move(t.errors);
    std::string out = j.dump(-1, ' ', false, Json::error_handler_t::replace);
    std::size_t at = out.find("\"records\":null");
    out.replace(at + 10, 4, "[" + t.records + "]");
    out += '\n';
    return out;
  }

  std::string connection_text(capture::Connection& c, TlsConnection& t,
                              capture::CloseReason reason) {
    Json records = Json::parse("[" + t.records + "]");
    std::string out = "connection " + std::to_string(c.id) + ": client " +
                      capture::to_string(t.swapped ? c.server : c.client) + ", server " +
                      capture::to_string(t.swapped ? c.client : c.server) + ", packets " +
                      std::to_string(c.first_packet) + "-" + std::to_string(c.last_packet) +
                      ", closed (" + std::string(capture::close_reason_name(reason)) + ")\n";
    std::size_t i = 0;
    while (i < records.size()) {
      std::size_t k = i;
      Json run = Json::array();
      while (k < records.size() && t.record_dirs[k] == t.record_dirs[i]) {
        run.push_back(std::move(records[k]));
        ++k;
      }
      std::uint64_t p0 = t.record_packets[i];
      std::uint64_t p1 = t.record_packets[k - 1];
      std::string head = "  " + side(t, t.record_dirs[i]) +
                         (p0 == p1 ? ", packet " + std::to_string(p0)
                                   : ", packets " + std::to_string(p0) + "-" + std::to_string(p1)) +
                         ":\n";
      out += head;
      Json in = Json::object();
      in["name"] = "";
      in["format"] = "capture";
      in["records"] = std::move(run);
      Json doc = Json::object();
      doc["inputs"] = Json::array({std::move(in)});
      std::string tree = detail::render_text_doc(doc, options_.offsets);
      // Drop the renderer's "input" line, indent the records under the run's header.
      std::size_t nl = tree.find('\n');
      std::size_t pos = nl == std::string::npos ? tree.size() : nl + 1;
      while (pos < tree.size()) {
        std::size_t end = tree.find('\n', pos);
        if (end == std::string::npos) {
          end = tree.size();
        }
        out += "  ";
        out.append(tree, pos, end - pos);
        out += '\n';
        pos = end + 1;
      }
      i = k;
    }
    for (const auto& n : t.notes) {
      out += "  note: " + n.get<std::string>() + "\n";
    }
    for (const auto& e : t.errors) {
      out += "  error: " + e.get<std::string>() + "\n";
    }
    return out;
  }

  std::string name_;
  const CaptureDecodeOptions& options_;
  const std::function<void(std::string_view)>& emit_;
  std::string stop_note_;
  std::uint64_t now_packet_ = 0;
  capture::Timestamp now_ts_;
  std::exception_ptr failure_;
  std::uint64_t tcp_connections_ = 0;
  std::uint64_t tls_connections_ = 0;
  std::uint64_t with_errors_ = 0;
};

}  // namespace

CaptureDecodeSummary decode_capture(capture::CaptureReader& reader,
                                    const CaptureDecodeOptions& options,
                                    const std::function<void(std::string_view)>& emit) {
  CaptureSink sink(reader.name(), options, emit);
  capture::TcpReassembler reassembler(sink);
  CaptureDecodeSummary summary;
  capture::Packet packet;
  capture::TcpSegment segment;
  const int link_type = reader.link_type();
  while (reader.next(packet)) {
    ++summary.packets;
    summary.bytes += packet.data.size();
    if (capture::decode_frame(link_type, packet.data, packet.wire_len, segment) !=
        capture::FrameResult::tcp) {
      continue;
    }
    if (options.port && segment.src.port != *options.port && segment.dst.port != *options.port) {
      continue;
    }
    sink.at(packet.number, packet.ts);
    reassembler.add(segment, packet.ts, packet.number);
    sink.rethrow();
  }
  sink.set_stop_note(reader.stop_note());
  reassembler.finish();
  sink.rethrow();
  summary.tcp_connections = sink.tcp_connections();
  summary.tls_connections = sink.tls_connections();
  summary.connections_with_errors = sink.with_errors();
  summary.stop_note = reader.stop_note();

  if (options.json) {
    Json j = Json::object();
    j["hsk_decode"] = 1;
    j["capture"] = reader.name();
    Json s = Json::object();
    s["packets"] = summary.packets;
    s["bytes"] = summary.bytes;
    s["tcp_connections"] = summary.tcp_connections;
    s["tls_connections"] = summary.tls_connections;
    s["connections_with_errors"] = summary.connections_with_errors;
    s["stop_note"] = summary.stop_note;
    j["summary"] = std::move(s);
    emit(j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n");
  } else {
    std::string line = "capture " + reader.name() + ": " + std::to_string(summary.packets) +
                       " packets, " + std::to_string(summary.tcp_connections) +
                       " TCP connections, " + std::to_string(summary.tls_connections) + " TLS";
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
