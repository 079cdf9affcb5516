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
// after a TLS 1.3 ServerHello (RFC 8446 §5), are listed as encrypted — unless a key log or
// the server's RSA key gives the master secret: then each direction's records after its
// ChangeCipherSpec are opened by a crypto::RecordProtection and go through the same units as
// plaintext ones, while the handshake transcript (kept until both Finished are checked)
// yields the RFC 7627 session hash and the expected verify_data.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "capture/capture.hpp"
#include "capture/parallel.hpp"
#include "capture/tcp.hpp"
#include "crypto/crypto.hpp"
#include "crypto/record_protection.hpp"
#include "crypto/tls_crypto.hpp"
#include "hsk/error.hpp"
#include "inspect/capture_common.hpp"
#include "inspect/document.hpp"
#include "inspect/inspect.hpp"
#include "inspect/json_out.hpp"
#include "wire/messages.hpp"
#include "wire/record.hpp"
#include "wire/registry.hpp"

namespace hsk::inspect {

namespace {

using Json = nlohmann::ordered_json;
using capture::Direction;

constexpr std::uint8_t kTypeChangeCipherSpec = 20;
constexpr std::uint8_t kTypeHandshake = 22;
constexpr std::uint8_t kTypeApplicationData = 23;
constexpr std::uint16_t kExtEncryptThenMac = 22;        // RFC 7366
constexpr std::uint16_t kExtExtendedMasterSecret = 23;  // RFC 7627
constexpr std::uint8_t kMsgClientHello = 1;
constexpr std::uint8_t kMsgServerHello = 2;
constexpr std::uint8_t kMsgClientKeyExchange = 16;
constexpr std::uint8_t kMsgFinished = 20;
constexpr std::size_t kPreviewBytes = 48;  // application data shown without --app-data
constexpr std::uint16_t kTls13 = 0x0304;

std::size_t index_of(Direction d) { return static_cast<std::size_t>(d); }

// append_time writes a capture time as seconds.nanoseconds ("%lld.%09u").
void append_time(std::string& out, const capture::Timestamp& ts) {
  char buf[40];
  char* p = std::to_chars(buf, buf + 20, ts.sec).ptr;
  *p++ = '.';
  char digits[12];
  char* end = std::to_chars(digits, digits + sizeof digits, ts.nsec).ptr;
  auto n = static_cast<std::size_t>(end - digits);
  for (std::size_t i = n; i < 9; ++i) {
    *p++ = '0';
  }
  p = std::copy(digits, end, p);
  out.append(buf, p);
}

std::string time_text(const capture::Timestamp& ts) {
  std::string out;
  append_time(out, ts);
  return out;
}

// RecordMeta is where a record completed: its direction's stream offset, and the packet
// whose arrival completed it (as Wireshark numbers a reassembled PDU: for bytes that waited in
// the out-of-order buffer, the packet that filled the hole, not the one that carried them).
struct RecordMeta {
  std::uint64_t offset = 0;
  std::uint64_t packet = 0;
  capture::Timestamp ts;
  bool decrypted = false;       // the unit holds the record's plaintext, rebuilt
  std::size_t wire_length = 0;  // decrypted: the length of the protected fragment
};

// escaped: `data` as printable ASCII with C escapes (\n, \r, \t, \\, \", \xHH).
std::string escaped(ByteView data) {
  std::string out;
  out.reserve(data.size());
  for (std::uint8_t b : data) {
    switch (b) {
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      default:
        if (b >= 0x20 && b < 0x7f) {
          out += static_cast<char>(b);
        } else {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", b);
          out += buf;
        }
    }
  }
  return out;
}

// valid_utf8: whether `data` is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates).
bool valid_utf8(ByteView data) {
  std::size_t i = 0;
  while (i < data.size()) {
    std::uint8_t b = data[i];
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (b < 0x80) {
      ++i;
      continue;
    } else if ((b & 0xe0) == 0xc0) {
      n = 1;
      cp = b & 0x1f;
    } else if ((b & 0xf0) == 0xe0) {
      n = 2;
      cp = b & 0x0f;
    } else if ((b & 0xf8) == 0xf0) {
      n = 3;
      cp = b & 0x07;
    } else {
      return false;
    }
    if (data.size() - i <= n) {
      return false;
    }
    for (std::size_t k = 1; k <= n; ++k) {
      if ((data[i + k] & 0xc0) != 0x80) {
        return false;
      }
      cp = cp << 6 | (data[i + k] & 0x3f);
    }
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

// unit_messages: the handshake messages of a unit (whole records, already accepted by the
// decoder), in order.
std::vector<wire::HandshakeMessage> unit_messages(ByteView unit) {
  wire::HandshakeAssembler assembler;
  wire::Reader r(unit, 0, "unit");
  while (!r.empty()) {
    wire::Record rec = wire::decode_record(r, wire::kMaxPlaintext);
    if (rec.content_type == kTypeHandshake) {
      assembler.add(rec);
    }
  }
  return assembler.take();
}

// Decryption: what a connection needs to find its keys and check its Finished messages.
struct Decryption {
  bool active = false;  // a key log or a key was given
  // The handshake transcript (RFC 5246 §7.4.9: every handshake message, headers included,
  // HelloRequest excluded), kept until both Finished are checked.
  bool tracking = true;
  Bytes transcript;
  std::optional<std::size_t> cke_end;  // transcript length after ClientKeyExchange
  Bytes cke_body;
  Bytes client_random;
  Bytes server_random;
  bool client_ems = false, server_ems = false, client_etm = false, server_etm = false;
  // not_tried: no protected record yet, or the last try failed for a cause that can change
  // (a hello not seen yet in a reordered capture): the next protected record tries again.
  enum class Keys { not_tried, ready, unavailable } keys = Keys::not_tried;
  bool tried = false;         // setup_keys ran at least once
  bool out_of_order = false;  // a protected record came before the keys: transcript unusable
  std::string status;         // see man/hsk-decode.1, DECRYPTION
  std::string detail;
  std::string source;
  bool extended_master_secret = false;
  bool encrypt_then_mac = false;
  crypto::PrfKind prf = crypto::PrfKind::tls12_sha256;
  Bytes master;
  std::array<std::string, 2> finished{"not seen", "not seen"};  // client, server
  bool failed = false;       // a check failed (counted in connections_failing_checks)
  std::size_t failures = 0;  // lines of the connection's "errors" that are such failures
};

struct DirectionState {
  Bytes buf;                   // bytes not yet cut into records
  std::uint64_t buf_base = 0;  // stream offset of buf[0]
  bool seen = false;           // data arrived in this direction
  bool stopped = false;        // a gap or a malformed record ended decoding here
  bool is_protected = false;   // ChangeCipherSpec (or a TLS 1.3 ServerHello) passed
  // Decryption of this direction's protected records (keys known); stopped after a failure.
  std::unique_ptr<crypto::RecordProtection> opener;
  bool decrypt_stopped = false;
  // Protected records seen before the keys were known (they stay encrypted), and the last
  // 16 bytes of the last one (TLS 1.0 CBC chains its IV): the opener starts after them.
  std::uint64_t before_keys = 0;
  Bytes before_keys_tail;
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
  Decryption dec;
};

class CaptureSink final : public capture::StreamSink {
 public:
  CaptureSink(std::string name, const CaptureDecodeOptions& options,
              const std::function<void(std::string_view)>& emit)
      : name_(std::move(name)), options_(options), emit_(emit) {}

  void on_open(capture::Connection& c) override {
    auto t = std::make_unique<TlsConnection>();
    t->dec.active = options_.keylog != nullptr || options_.rsa_key != nullptr;
    c.user = std::move(t);
  }

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
    if (t.dec.active) {
      finish_decryption(t);
      if (t.dec.failed) {
        ++failing_checks_;
      }
      if (t.dec.keys == Decryption::Keys::ready) {
        ++decrypted_;
      }
    }
    if (t.errors.size() > t.dec.failures) {
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

  // on_packet: the packet being fed to the reassembler now (a record's "packet" and "time"
  // are those of the packet that completes it).
  void on_packet(std::uint64_t packet, capture::Timestamp ts) override {
    now_packet_ = packet;
    now_ts_ = ts;
  }

  // set_stop_note: the capture file was cut; said on every connection still open.
  void set_stop_note(std::string note) { stop_note_ = std::move(note); }

  std::uint64_t tcp_connections() const { return tcp_connections_; }
  std::uint64_t tls_connections() const { return tls_connections_; }
  std::uint64_t with_errors() const { return with_errors_; }
  std::uint64_t failing_checks() const { return failing_checks_; }
  std::uint64_t decrypted() const { return decrypted_; }

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
    if (!c.roles_known) {
      t.swapped = detail::roles_swapped(first, *t.first_dir == Direction::client_to_server);
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
      if (auto problem = detail::record_header_problem(h, max)) {
        fail(t, dir, at, problem->what, problem->alert);
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
      // A decrypted handshake record adds to the unit being gathered (a message may span
      // records, e.g. a Certificate during renegotiation); decrypt flushes before anything
      // else it hands on.
      if (t.dec.active && decrypt(t, dir, type, version, rec, meta)) {
        return;
      }
      flush(t, dir);  // nothing pending normally; a pending message becomes an error
      if (d.stopped) {
        return;
      }
      JsonOut j =
          protected_record(meta.offset, type, version, rec.size() - wire::kRecordHeaderSize);
      j.close_object();
      begin_record(t, dir, meta);
      t.records.append(j.str(), 1, std::string::npos);
      return;
    }
    plain_record(t, dir, type, rec, meta);
  }

  // protected_record opens the object of a protected record: its stream offset, type,
  // version, fragment length and "encrypted": true.
  static JsonOut protected_record(std::uint64_t offset, std::uint8_t type, std::uint16_t version,
                                  std::size_t length) {
    JsonOut j;
    j.open_object();
    j.offset(offset);
    j.key("content_type");
    j.code_name(type, wire::name_of(wire::Registry::content_type, type));
    j.key("version");
    j.code_name(version, wire::name_of(wire::Registry::protocol_version, version));
    j.key("length");
    j.number(length);
    j.key("encrypted");
    j.boolean(true);
    return j;
  }

  // plain_record adds a plaintext record (as received, or rebuilt from a decrypted one) to
  // the unit being gathered, and flushes the unit when no handshake message is pending.
  void plain_record(TlsConnection& t, Direction dir, std::uint8_t type, ByteView rec,
                    const RecordMeta& meta) {
    DirectionState& d = t.dirs[index_of(dir)];
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
    detail::RecordStyle style;
    style.offset_base = d.unit_base;
    for (std::size_t i = 0; i < metas.size(); ++i) {
      if (metas[i].decrypted) {
        style.decrypted.resize(metas.size());
        style.decrypted[i] = detail::RecordStyle::Protected{metas[i].offset, metas[i].wire_length};
      }
    }
    std::vector<std::string> records;
    try {
      records = detail::input_records_compact(in, opts, style);
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
    if (t.dec.active && t.dec.tracking) {
      std::vector<std::string> checks = track(t, dir, in.data);
      if (std::any_of(checks.begin(), checks.end(), [](const auto& c) { return !c.empty(); })) {
        // A Finished was checked: write the unit again with the verdicts in their bodies.
        style.finished_members = std::move(checks);
        records = detail::input_records_compact(in, opts, style);
      }
    }
    // Each record object, compact, after the record's direction, packet and time.
    for (std::size_t i = 0; i < records.size() && i < metas.size(); ++i) {
      begin_record(t, dir, metas[i]);
      // begin_record wrote the opening brace and a comma: the record's members follow.
      t.records.append(records[i], 1, std::string::npos);
    }
    // A unit holding a ChangeCipherSpec ends with it (RFC 5246 §7.1): protection starts.
    if (record_type_at_end(in.data) == kTypeChangeCipherSpec) {
      d.is_protected = true;
    }
  }

  // track adds the unit's handshake messages to the transcript: the hellos give randoms and
  // extension flags, ClientKeyExchange the session hash's end (RFC 7627 §3) and, for RSA, the
  // encrypted pre-master secret; each Finished is checked against the transcript before it
  // (RFC 5246 §7.4.9). Returns, per Finished of the unit in order, the members its body gets:
  // "verified" (and, when false, "expected_verify_data") as compact JSON, or "" when it was
  // not checked. Once both Finished are checked the transcript is dropped.
  std::vector<std::string> track(TlsConnection& t, Direction dir, ByteView unit) {
    Decryption& x = t.dec;
    std::vector<std::string> checks;  // per Finished in this unit, in order
    if (tls13(t)) {
      x.tracking = false;
      Bytes().swap(x.transcript);
      return checks;
    }
    bool from_client = side(t, dir) == "client";
    try {
      for (const wire::HandshakeMessage& m : unit_messages(unit)) {
        if (m.msg_type == 0) {
          continue;  // HelloRequest is not part of the transcript (RFC 5246 §7.4.1.1)
        }
        if (m.msg_type == kMsgFinished) {
          Json c = check_finished(t, from_client, m.body);
          std::string members = c.empty() ? std::string() : c.dump();
          checks.push_back(members.empty() ? members : members.substr(1, members.size() - 2));
        }
        std::size_t n = m.body.size();
        const std::uint8_t header[4] = {m.msg_type, static_cast<std::uint8_t>(n >> 16),
                                        static_cast<std::uint8_t>(n >> 8),
                                        static_cast<std::uint8_t>(n)};
        x.transcript.insert(x.transcript.end(), header, header + 4);
        x.transcript.insert(x.transcript.end(), m.body.begin(), m.body.end());
        wire::Reader br(m.body, 0, "message");
        if (m.msg_type == kMsgClientHello) {
          wire::ClientHello ch = wire::decode_client_hello(br);
          x.client_random.assign(ch.random.begin(), ch.random.end());
          x.client_ems = has_ext(ch.extensions, kExtExtendedMasterSecret);
          x.client_etm = has_ext(ch.extensions, kExtEncryptThenMac);
        } else if (m.msg_type == kMsgServerHello) {
          wire::ServerHello sh = wire::decode_server_hello(br);
          x.server_random.assign(sh.random.begin(), sh.random.end());
          x.server_ems = has_ext(sh.extensions, kExtExtendedMasterSecret);
          x.server_etm = has_ext(sh.extensions, kExtEncryptThenMac);
        } else if (m.msg_type == kMsgClientKeyExchange) {
          x.cke_end = x.transcript.size();
          x.cke_body = m.body;
        }
      }
    } catch (const Error&) {
      // An SSL 2.0 ClientHello or the like: no transcript to speak of.
      x.tracking = false;
      Bytes().swap(x.transcript);
      return {};
    }
    if (x.finished[0] != "not seen" && x.finished[1] != "not seen") {
      x.tracking = false;
      Bytes().swap(x.transcript);
    }
    return checks;
  }

  // short_hex: up to 12 bytes in hex, then "... (N bytes)" when there is more.
  static std::string short_hex(ByteView b) {
    constexpr std::size_t kShown = 12;
    if (b.size() <= kShown) {
      return to_hex(b);
    }
    return to_hex(b.first(kShown)) + "... (" + std::to_string(b.size()) + " bytes)";
  }

  static bool has_ext(const std::optional<std::vector<wire::Extension>>& exts, std::uint16_t type) {
    return exts && std::any_of(exts->begin(), exts->end(),
                               [&](const wire::Extension& e) { return e.type == type; });
  }

  // check_finished compares a Finished body with the verify_data the transcript so far gives;
  // returns the members to add to its body. Without keys there is nothing to compare.
  Json check_finished(TlsConnection& t, bool from_client, ByteView body) {
    Decryption& x = t.dec;
    Json out = Json::object();
    if (x.keys != Decryption::Keys::ready) {
      return out;
    }
    if (x.out_of_order) {
      // Protected records came before the hellos: the transcript is not in order.
      x.finished[from_client ? 0 : 1] = "not checked";
      return out;
    }
    Bytes want = crypto::verify_data(x.prf, x.master, from_client,
                                     crypto::transcript_hash(x.prf, x.transcript));
    bool ok = crypto::ct_equal(want, body);
    out["verified"] = ok;
    x.finished[from_client ? 0 : 1] = ok ? "verified" : "mismatch";
    if (!ok) {
      out["expected_verify_data"] = to_hex(want);
      x.failed = true;
      ++x.failures;
      t.errors.push_back(std::string(from_client ? "client" : "server") +
                         ": Finished: verify_data " + short_hex(body) + " does not match " +
                         to_hex(want) +
                         " computed from the transcript (alert decrypt_error): wrong secret or "
                         "altered handshake");
    }
    return out;
  }

  // setup_keys finds the connection's master secret and keys both directions' openers, or
  // says in the status why not.
  // A cause that can change (a hello or the ClientKeyExchange not seen yet) leaves keys
  // not_tried, so that the next protected record tries again.
  void setup_keys(TlsConnection& t) {
    Decryption& x = t.dec;
    x.tried = true;
    x.keys = Decryption::Keys::unavailable;
    auto later = [&](const char* detail) {
      x.status = "no secret";
      x.detail = detail;
      x.keys = Decryption::Keys::not_tried;
      x.out_of_order = true;
    };
    if (!t.server_version || !t.cipher_suite) {
      later("no ServerHello in the capture");
      return;
    }
    const wire::CipherSuite* suite = wire::find_cipher_suite(*t.cipher_suite);
    std::uint16_t version = *t.server_version;
    try {
      if (suite == nullptr) {
        throw Error(ErrorKind::usage,
                    "unknown cipher suite " +
                        hex_byte(static_cast<std::uint8_t>(*t.cipher_suite >> 8)) +
                        hex_byte(static_cast<std::uint8_t>(*t.cipher_suite & 0xff)).substr(2));
      }
      crypto::require_record_protection(*suite, version);
      x.prf = crypto::prf_kind(version, *suite);
    } catch (const Error& e) {
      x.status = "unsupported";
      x.detail = e.detail();
      return;
    }
    if (x.client_random.size() != crypto::kRandomLength ||
        x.server_random.size() != crypto::kRandomLength) {
      later("the hellos are not in the capture");
      return;
    }
    std::string cr = to_hex(x.client_random);
    Bytes master;
    Bytes pms;
    const KeyLog* log = options_.keylog;
    if (log != nullptr && log->master_secrets.count(cr) > 0) {
      master = log->master_secrets.at(cr);
      x.source = "keylog";
    } else if (log != nullptr && log->pre_master_secrets.count(cr) > 0) {
      pms = log->pre_master_secrets.at(cr);
      x.source = "keylog pre-master secret";
    } else if (options_.rsa_key != nullptr && suite->kx == wire::KeyExchange::rsa &&
               !x.cke_body.empty()) {
      x.source = "RSA key";
      std::size_t n = x.cke_body.size();
      if (n < 2 || (std::size_t{x.cke_body[0]} << 8 | x.cke_body[1]) != n - 2) {
        x.status = "failed";
        x.detail =
            "the ClientKeyExchange does not hold a length-prefixed encrypted pre-master secret";
        fail_check(t, x.detail);
        return;
      }
      Bytes fallback(crypto::kRsaPreMasterLength, 0);
      try {
        pms = crypto::rsa_decrypt_fixed_length(*options_.rsa_key, ByteView(x.cke_body).subspan(2),
                                               fallback, rng());
      } catch (const Error&) {
        pms = fallback;  // a key the countermeasure cannot use: as a wrong key
      }
      // The countermeasure returns the fallback for any fault; a real pre-master secret
      // starts with the client's version (RFC 5246 §7.4.7.1), never with two zero bytes.
      if (pms == fallback) {
        x.status = "failed";
        x.detail = "the RSA key does not decrypt the pre-master secret (not the server's key?)";
        fail_check(t, x.detail);
        return;
      }
    } else if (options_.rsa_key != nullptr && suite->kx == wire::KeyExchange::rsa) {
      later("no ClientKeyExchange in the capture (resumed session?)");
      x.detail = "no key log line for client random " + cr + " and " + x.detail;
      return;
    } else {
      x.status = "no secret";
      x.detail = "no key log line for client random " + cr;
      if (options_.rsa_key != nullptr) {
        x.detail += suite->kx == wire::KeyExchange::rsa
                        ? " and no ClientKeyExchange in the capture (resumed session?)"
                        : "; the RSA key only helps with RSA key exchange";
      }
      return;
    }
    try {
      x.extended_master_secret = x.client_ems && x.server_ems;
      if (!pms.empty()) {
        if (x.extended_master_secret) {
          if (x.out_of_order) {
            // The session hash needs the messages in order (RFC 7627 §3).
            x.status = "no secret";
            x.detail =
                "extended master secret: protected records came before the hellos, "
                "the session hash is not known";
            return;
          }
          if (!x.cke_end) {
            later("extended master secret: no ClientKeyExchange in the capture");
            return;
          }
          Bytes session_hash =
              crypto::transcript_hash(x.prf, ByteView(x.transcript).first(*x.cke_end));
          master = crypto::extended_master_secret(x.prf, pms, session_hash);
        } else {
          master = crypto::master_secret(x.prf, pms, x.client_random, x.server_random);
        }
      }
      if (master.size() != crypto::kMasterSecretLength) {
        throw Error(ErrorKind::usage,
                    "master secret of " + std::to_string(master.size()) + " bytes");
      }
      Bytes block = crypto::key_block(x.prf, master, x.server_random, x.client_random,
                                      crypto::key_block_length(*suite, version));
      crypto::KeyBlock parts = crypto::split_key_block(*suite, version, block);
      bool etm = x.client_etm && x.server_etm && suite->mac != "AEAD";
      x.encrypt_then_mac = etm;
      Direction client_dir = t.swapped ? Direction::server_to_client : Direction::client_to_server;
      Direction server_dir = t.swapped ? Direction::client_to_server : Direction::server_to_client;
      t.dirs[index_of(client_dir)].opener = std::make_unique<crypto::RecordProtection>(
          crypto::record_keys(*suite, version, parts, true, etm),
          crypto::RecordProtection::Direction::open);
      t.dirs[index_of(server_dir)].opener = std::make_unique<crypto::RecordProtection>(
          crypto::record_keys(*suite, version, parts, false, etm),
          crypto::RecordProtection::Direction::open);
    } catch (const Error& e) {
      x.status = "unsupported";
      x.detail = e.detail();
      return;
    }
    // Records that came before the keys stay encrypted; the openers start after them.
    for (Direction dir : {Direction::client_to_server, Direction::server_to_client}) {
      DirectionState& d = t.dirs[index_of(dir)];
      if (d.before_keys > 0 && d.opener) {
        t.notes.push_back(side(t, dir) + ": " + std::to_string(d.before_keys) +
                          " protected record(s) came before the hellos: they stay encrypted");
        d.opener->set_seq(d.before_keys);
        if (!d.opener->cbc_iv().empty() && d.before_keys_tail.size() == 16) {
          d.opener->set_cbc_iv(d.before_keys_tail);
        }
      }
    }
    x.master = std::move(master);
    x.keys = Decryption::Keys::ready;
    x.status = "decrypted";
    x.detail.clear();
  }

  void fail_check(TlsConnection& t, const std::string& what) {
    t.dec.failed = true;
    ++t.dec.failures;
    t.errors.push_back("decryption: " + what);
  }

  // decrypt opens one protected record of `dir` and hands its plaintext on: application data
  // straight to the records, anything else through a unit as a plaintext record would go.
  // Returns false when the record stays encrypted (no keys, or this direction failed).
  bool decrypt(TlsConnection& t, Direction dir, std::uint8_t type, std::uint16_t version,
               ByteView rec, const RecordMeta& meta) {
    if (tls13(t)) {
      return false;
    }
    DirectionState& d = t.dirs[index_of(dir)];
    if (t.dec.keys == Decryption::Keys::not_tried) {
      setup_keys(t);
      if (t.dec.keys == Decryption::Keys::not_tried) {
        d.before_keys += 1;
        ByteView f = rec.subspan(wire::kRecordHeaderSize);
        d.before_keys_tail.assign(
            f.end() - static_cast<std::ptrdiff_t>(std::min<std::size_t>(f.size(), 16)), f.end());
        return false;
      }
      if (t.dec.keys != Decryption::Keys::ready) {
        // No Finished will be checked: the transcript is not needed any more.
        t.dec.tracking = false;
        Bytes().swap(t.dec.transcript);
      }
    }
    if (t.dec.keys != Decryption::Keys::ready || d.decrypt_stopped || !d.opener) {
      return false;
    }
    ByteView fragment = rec.subspan(wire::kRecordHeaderSize);
    Bytes plain;
    try {
      plain = d.opener->open(type, version, fragment);
    } catch (const Error& e) {
      Error at(e.kind(), static_cast<std::size_t>(meta.offset), "", e.detail(), e.alert());
      // A record that does not authenticate fails a check (exit 1); one too short to hold
      // the protection's overhead (decode_error) is a malformed record (exit 3).
      if (e.kind() != ErrorKind::malformed) {
        t.dec.failed = true;
        ++t.dec.failures;
        t.dec.status = "failed";
      }
      t.errors.push_back(side(t, dir) + ": stream " + at.message() +
                         ": decryption of this direction stops");
      d.decrypt_stopped = true;
      return false;
    }
    RecordMeta m = meta;
    m.decrypted = true;
    m.wire_length = fragment.size();
    if (type != kTypeHandshake) {
      flush(t, dir);  // nothing pending normally; a pending message becomes an error
      if (d.stopped) {
        return true;
      }
    }
    if (type == kTypeApplicationData) {
      JsonOut j = protected_record(meta.offset, type, version, fragment.size());
      j.key("decrypted");
      j.boolean(true);
      j.key("plaintext_length");
      j.number(plain.size());
      j.key("application_data");
      j.open_object();
      if (options_.app_data) {
        j.key("hex");
        j.hex(plain);
        if (valid_utf8(plain)) {
          j.key("text");
          j.string(std::string_view(reinterpret_cast<const char*>(plain.data()), plain.size()));
        }
      } else {
        std::size_t n = std::min(plain.size(), kPreviewBytes);
        j.key("preview");
        j.string(escaped(ByteView(plain).first(n)) + (n < plain.size() ? "..." : ""));
      }
      j.close_object();
      j.close_object();
      begin_record(t, dir, m);
      t.records.append(j.str(), 1, std::string::npos);
      return true;
    }
    Bytes rebuilt = {
        type, static_cast<std::uint8_t>(version >> 8), static_cast<std::uint8_t>(version),
        static_cast<std::uint8_t>(plain.size() >> 8), static_cast<std::uint8_t>(plain.size())};
    rebuilt.insert(rebuilt.end(), plain.begin(), plain.end());
    plain_record(t, dir, type, rebuilt, m);
    if (type == kTypeChangeCipherSpec) {
      // Renegotiation (RFC 5746): new keys from a handshake hsk does not follow.
      d.decrypt_stopped = true;
      t.notes.push_back(side(t, dir) +
                        ": a ChangeCipherSpec under protection (renegotiation): the records "
                        "after it stay encrypted");
    }
    return true;
  }

  // finish_decryption settles the status of a connection that never needed keys.
  void finish_decryption(TlsConnection& t) {
    Decryption& x = t.dec;
    Bytes().swap(x.transcript);
    if (tls13(t)) {
      x.status = "unsupported";
      x.detail = "TLS 1.3: hsk decrypts TLS 1.0-1.2 only";
    } else if (x.keys == Decryption::Keys::not_tried && !x.tried) {
      x.status = "not needed";
      x.detail = "no protected records";
    } else if (x.failed) {
      x.status = "failed";
    }
  }

  crypto::Rng& rng() {
    if (!rng_) {
      rng_ = crypto::system_rng();
    }
    return *rng_;
  }

  // decryption_json: the connection's "decryption" object (schema in man/hsk-decode.1).
  static Json decryption_json(const Decryption& x) {
    Json j = Json::object();
    j["status"] = x.status;
    j["detail"] = x.detail;
    j["master_secret_from"] = x.source;
    j["extended_master_secret"] = x.extended_master_secret;
    j["encrypt_then_mac"] = x.encrypt_then_mac;
    j["client_finished"] = x.finished[0];
    j["server_finished"] = x.finished[1];
    return j;
  }

  // begin_record opens a record object with its direction, packet and time.
  void begin_record(TlsConnection& t, Direction dir, const RecordMeta& meta) {
    std::string& out = t.records;
    if (!out.empty()) {
      out += ',';
    }
    bool from_client = (dir == Direction::client_to_server) != t.swapped;
    out +=
        from_client ? R"({"direction":"client","packet":)" : R"({"direction":"server","packet":)";
    char buf[24];
    out.append(buf, std::to_chars(buf, buf + sizeof buf, meta.packet).ptr);
    out += R"(,"time":")";
    append_time(out, meta.ts);
    out += "\",";
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
      detail::ServerHelloFacts sh = detail::server_hello_facts(m.body);
      if (sh.hello_retry) {
        continue;
      }
      t.server_version = sh.version;
      t.cipher_suite = sh.cipher_suite;
      if (sh.version == kTls13) {
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
    JsonOut o;
    o.open_object();
    o.key("hsk_decode");
    o.number(1);
    o.key("capture");
    o.string(name_);
    o.key("connection");
    o.number(c.id);
    o.key("client");
    o.string(capture::to_string(t.swapped ? c.server : c.client));
    o.key("server");
    o.string(capture::to_string(t.swapped ? c.client : c.server));
    o.key("first_packet");
    o.number(c.first_packet);
    o.key("last_packet");
    o.number(c.last_packet);
    o.key("first_time");
    o.string(time_text(c.first_ts));
    o.key("last_time");
    o.string(time_text(c.last_ts));
    o.key("close");
    o.string(capture::close_reason_name(reason));
    o.key("records");
    o.open_array();
    o.raw(t.records);  // already compact JSON objects, comma-separated
    o.close_array();
    if (t.dec.active) {
      o.key("decryption");
      detail::write_json(o, decryption_json(t.dec));
    }
    o.key("notes");
    detail::write_json(o, t.notes);
    o.key("errors");
    detail::write_json(o, t.errors);
    o.close_object();
    std::string out = o.take();
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
      if (t.dec.active) {
        // Record by record: a decrypted one gets its plaintext lines after its header.
        for (auto& r : run) {
          bool decrypted = r.value("decrypted", false);
          Json extra;
          if (decrypted) {
            extra = Json::object();
            extra["plaintext_length"] = r["plaintext_length"];
            if (r.contains("application_data")) {
              extra["application_data"] = std::move(r["application_data"]);
              r.erase("application_data");
            }
            r.erase("encrypted");
          }
          std::string tree = run_text(Json::array({std::move(r)}));
          if (decrypted) {
            std::size_t nl = tree.find('\n');
            std::string lines = "      decrypted: " +
                                std::to_string(extra["plaintext_length"].get<std::uint64_t>()) +
                                " bytes of plaintext\n";
            if (extra.contains("application_data")) {
              lines += app_data_text(extra["application_data"]);
            }
            tree.insert(nl == std::string::npos ? tree.size() : nl + 1, lines);
          }
          out += tree;
        }
      } else {
        out += run_text(std::move(run));
      }
      i = k;
    }
    if (t.dec.active) {
      const Decryption& x = t.dec;
      std::string line = "  decryption: " + x.status;
      std::vector<std::string> parts;
      if (!x.detail.empty()) {
        parts.push_back(x.detail);
      }
      if (!x.source.empty()) {
        parts.push_back("master secret from " + x.source);
      }
      if (x.keys == Decryption::Keys::ready) {
        parts.push_back(x.extended_master_secret ? "extended master secret"
                                                 : "no extended master secret");
        if (x.encrypt_then_mac) {
          parts.push_back("encrypt_then_mac");
        }
        parts.push_back("client Finished " + x.finished[0]);
        parts.push_back("server Finished " + x.finished[1]);
      }
      for (std::size_t p = 0; p < parts.size(); ++p) {
        line += (p == 0 ? " (" : "; ") + parts[p];
      }
      out += line + (parts.empty() ? "\n" : ")\n");
    }
    for (const auto& n : t.notes) {
      out += "  note: " + n.get<std::string>() + "\n";
    }
    for (const auto& e : t.errors) {
      out += "  error: " + e.get<std::string>() + "\n";
    }
    return out;
  }

  // run_text draws records of one direction with the file renderer, indented under the run's
  // header line (the renderer's "input" line dropped).
  std::string run_text(Json run) const {
    Json in = Json::object();
    in["name"] = "";
    in["format"] = "capture";
    in["records"] = std::move(run);
    Json doc = Json::object();
    doc["inputs"] = Json::array({std::move(in)});
    std::string tree = detail::render_text_doc(doc, options_.offsets);
    std::string out;
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
    return out;
  }

  // app_data_text: the lines of decrypted application data: the preview, or (--app-data) the
  // whole text escaped, or the hex when it is not UTF-8.
  static std::string app_data_text(const Json& a) {
    if (a.contains("preview")) {
      return "      data: \"" + a["preview"].get<std::string>() + "\"\n";
    }
    const std::string& hex = a["hex"].get_ref<const std::string&>();
    Bytes data = from_hex(hex);
    return "      data: \"" + escaped(data) + "\"\n";
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
  std::uint64_t failing_checks_ = 0;
  std::uint64_t decrypted_ = 0;
  std::unique_ptr<crypto::Rng> rng_;
};

}  // namespace

KeyLog parse_keylog(ByteView text, const std::string& name) {
  KeyLog log;
  std::size_t pos = 0;
  std::size_t number = 0;
  while (pos < text.size()) {
    std::size_t end = pos;
    while (end < text.size() && text[end] != '\n') {
      ++end;
    }
    std::string line(text.begin() + static_cast<std::ptrdiff_t>(pos),
                     text.begin() + static_cast<std::ptrdiff_t>(end));
    pos = end + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    std::vector<std::string> fields;
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
        ++i;
      }
      std::size_t start = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') {
        ++i;
      }
      if (i > start) {
        fields.push_back(line.substr(start, i - start));
      }
    }
    if (fields.empty() || fields[0][0] == '#') {
      continue;
    }
    bool master = fields[0] == "CLIENT_RANDOM";
    if (!master && fields[0] != "PMS_CLIENT_RANDOM") {
      continue;  // TLS 1.3 traffic secrets, "RSA" lines, ...: not used here
    }
    auto bad = [&](const std::string& what) {
      return Error(ErrorKind::usage,
                   name + ":" + std::to_string(number) + ": " + fields[0] + ": " + what);
    };
    if (fields.size() != 3) {
      throw bad("expected 3 fields (label, client random, secret), found " +
                std::to_string(fields.size()));
    }
    // A bad field is named by position only: the line holds a secret.
    auto parse = [&](const std::string& hex, const char* what) {
      auto it = std::find_if(hex.begin(), hex.end(), [](char ch) {
        return std::isxdigit(static_cast<unsigned char>(ch)) == 0;
      });
      if (it != hex.end()) {
        throw bad(std::string(what) + ": character " + std::to_string(it - hex.begin() + 1) +
                  " of " + std::to_string(hex.size()) + " is not a hex digit");
      }
      if (hex.size() % 2 != 0) {
        throw bad(std::string(what) + ": odd number of hex digits (" + std::to_string(hex.size()) +
                  ")");
      }
      return from_hex(hex);
    };
    Bytes random = parse(fields[1], "client random");
    if (random.size() != crypto::kRandomLength) {
      throw bad("client random is " + std::to_string(fields[1].size()) +
                " hex digits, expected 64");
    }
    Bytes secret = parse(fields[2], master ? "master secret" : "pre-master secret");
    if (master && secret.size() != crypto::kMasterSecretLength) {
      throw bad("master secret is " + std::to_string(fields[2].size()) +
                " hex digits, expected 96");
    }
    if (secret.empty()) {
      throw bad("empty pre-master secret");
    }
    auto& map = master ? log.master_secrets : log.pre_master_secrets;
    map[to_hex(random)] = std::move(secret);
  }
  return log;
}

CaptureDecodeSummary decode_capture(capture::CaptureReader& reader,
                                    const CaptureDecodeOptions& options,
                                    const std::function<void(std::string_view)>& emit) {
  // One sink on this thread, or one per worker behind a ParallelSink (same output).
  std::vector<CaptureSink*> sinks;
  std::unique_ptr<CaptureSink> single;
  std::unique_ptr<capture::ParallelSink> parallel;
  std::size_t threads = options.threads;
  if (threads == 0) {
    threads = std::min<std::size_t>(std::thread::hardware_concurrency(), kMaxDecodeThreads);
  }
  if (threads > 1) {
    parallel = std::make_unique<capture::ParallelSink>(
        threads,
        [&](std::size_t, const capture::ParallelSink::Emit& worker_emit) {
          auto s = std::make_unique<CaptureSink>(reader.name(), options, worker_emit);
          sinks.push_back(s.get());
          return s;
        },
        emit);
  } else {
    single = std::make_unique<CaptureSink>(reader.name(), options, emit);
    sinks.push_back(single.get());
  }
  capture::StreamSink& front = parallel ? static_cast<capture::StreamSink&>(*parallel) : *single;
  auto check = [&] {
    if (parallel) {
      parallel->check();
    } else {
      single->rethrow();
    }
  };
  capture::TcpReassembler reassembler(front);
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
    reassembler.add(segment, packet.ts, packet.number);
    check();
  }
  if (parallel) {
    parallel->each([note = reader.stop_note()](capture::StreamSink& s) {
      static_cast<CaptureSink&>(s).set_stop_note(note);
    });
  } else {
    single->set_stop_note(reader.stop_note());
  }
  reassembler.finish();
  if (parallel) {
    parallel->finish();
  }
  check();
  for (const CaptureSink* s : sinks) {
    summary.tcp_connections += s->tcp_connections();
    summary.tls_connections += s->tls_connections();
    summary.connections_with_errors += s->with_errors();
    summary.connections_decrypted += s->decrypted();
    summary.connections_failing_checks += s->failing_checks();
  }
  const bool decrypting = options.keylog != nullptr || options.rsa_key != nullptr;
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
    if (decrypting) {
      s["connections_decrypted"] = summary.connections_decrypted;
      s["connections_failing_checks"] = summary.connections_failing_checks;
    }
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
    if (decrypting) {
      line += ", " + std::to_string(summary.connections_decrypted) + " decrypted";
      if (summary.connections_failing_checks > 0) {
        line += ", " + std::to_string(summary.connections_failing_checks) + " failing checks";
      }
    }
    if (!summary.stop_note.empty()) {
      line += "; " + summary.stop_note;
    }
    emit(line + "\n");
  }
  return summary;
}

}  // namespace hsk::inspect
