// hsk::capture: CaptureReader (libpcap), decode_frame (link layers, IPv4, IPv6, TCP) and
// TcpReassembler. Hand-made captures are written here by a small pcap writer of the test's
// own (classic pcap, frames assembled field by field from the RFC headers), so every
// expected stream and event is known independently of the code under test. Real captures:
// testdata/handshakes/*/capture.pcapng against their step files and against tshark's
// "follow,tcp,raw"; a live loopback capture of an OpenSSL session ([interop]).
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "capture/capture.hpp"
#include "capture/parallel.hpp"
#include "capture/tcp.hpp"
#include "hsk/bytes.hpp"
#include "hsk/error.hpp"

using hsk::Bytes;
using hsk::ByteView;
using namespace hsk::capture;

namespace {

// ---------------------------------------------------------------- a tiny pcap writer

void put16be(Bytes& b, std::uint32_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
void put32be(Bytes& b, std::uint32_t v) {
  put16be(b, v >> 16);
  put16be(b, v & 0xffff);
}
void put32le(Bytes& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
}
void put16le(Bytes& b, std::uint32_t v) {
  b.push_back(static_cast<std::uint8_t>(v));
  b.push_back(static_cast<std::uint8_t>(v >> 8));
}
void append(Bytes& b, ByteView x) { b.insert(b.end(), x.begin(), x.end()); }
Bytes str(std::string_view s) { return Bytes(s.begin(), s.end()); }

// Pcap writes a classic little-endian, microsecond pcap file (the pcap file format draft,
// draft-ietf-opsawg-pcap §4-5).
struct Pcap {
  Bytes out;
  std::uint32_t snaplen;
  std::uint32_t usec = 0;
  explicit Pcap(std::uint32_t linktype, std::uint32_t snap = 65535) : snaplen(snap) {
    put32le(out, 0xa1b2c3d4);
    put16le(out, 2);
    put16le(out, 4);
    put32le(out, 0);
    put32le(out, 0);
    put32le(out, snaplen);
    put32le(out, linktype);
  }
  // add writes a record; frames longer than the snaplen are cut, as a capture would.
  void add(const Bytes& frame) {
    std::uint32_t cap = std::min<std::uint32_t>(static_cast<std::uint32_t>(frame.size()), snaplen);
    put32le(out, 1700000000);
    put32le(out, usec++);
    put32le(out, cap);
    put32le(out, static_cast<std::uint32_t>(frame.size()));
    out.insert(out.end(), frame.begin(), frame.begin() + cap);
  }
};

// ---------------------------------------------------------------- frames

constexpr std::uint8_t FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10;

Bytes tcp_header(std::uint16_t sport, std::uint16_t dport, std::uint32_t seq, std::uint32_t ack,
                 std::uint8_t flags, const Bytes& options = {}) {
  Bytes b;
  put16be(b, sport);
  put16be(b, dport);
  put32be(b, seq);
  put32be(b, ack);
  b.push_back(static_cast<std::uint8_t>(((20 + options.size()) / 4) << 4));
  b.push_back(flags);
  put16be(b, 65535);  // window
  put16be(b, 0);      // checksum (not checked)
  put16be(b, 0);      // urgent pointer
  append(b, options);
  return b;
}

// ipv4 wraps an L4 payload; `options` must be a multiple of 4 bytes.
Bytes ipv4(std::array<std::uint8_t, 4> src, std::array<std::uint8_t, 4> dst, const Bytes& l4,
           std::uint8_t proto = 6, std::uint16_t frag = 0x4000 /* DF */,
           const Bytes& options = {}) {
  Bytes b;
  b.push_back(static_cast<std::uint8_t>(0x40 | ((20 + options.size()) / 4)));
  b.push_back(0);
  put16be(b, static_cast<std::uint32_t>(20 + options.size() + l4.size()));
  put16be(b, 0x1234);
  put16be(b, frag);
  b.push_back(64);
  b.push_back(proto);
  put16be(b, 0);
  append(b, src);
  append(b, dst);
  append(b, options);
  append(b, l4);
  return b;
}

std::array<std::uint8_t, 16> v6(std::uint8_t last) {
  std::array<std::uint8_t, 16> a{0x20, 0x01, 0x0d, 0xb8};
  a[15] = last;
  return a;
}

// ipv6 wraps an L4 payload behind `ext` (already chained: first_next is the first header).
Bytes ipv6(std::array<std::uint8_t, 16> src, std::array<std::uint8_t, 16> dst, const Bytes& l4,
           std::uint8_t first_next = 6, const Bytes& ext = {}) {
  Bytes b{0x60, 0, 0, 0};
  put16be(b, static_cast<std::uint32_t>(ext.size() + l4.size()));
  b.push_back(first_next);
  b.push_back(64);
  append(b, src);
  append(b, dst);
  append(b, ext);
  append(b, l4);
  return b;
}

Bytes ethernet(std::uint16_t type, const Bytes& payload,
               const std::vector<std::uint16_t>& tags = {}) {
  Bytes b{0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1};
  for (std::size_t i = 0; i < tags.size(); ++i) {
    put16be(b, i == 0 && tags.size() > 1 ? 0x88a8 : 0x8100);
    put16be(b, tags[i]);
  }
  put16be(b, type);
  append(b, payload);
  return b;
}

Bytes sll(std::uint16_t proto, const Bytes& payload) {
  Bytes b;
  put16be(b, 0);    // packet type: to us
  put16be(b, 772);  // ARPHRD_LOOPBACK
  put16be(b, 6);    // address length
  append(b, Bytes{0, 0, 0, 0, 0, 0, 0, 0});
  put16be(b, proto);
  append(b, payload);
  return b;
}

Bytes sll2(std::uint16_t proto, const Bytes& payload) {
  Bytes b;
  put16be(b, proto);
  put16be(b, 0);    // reserved
  put32be(b, 1);    // interface index
  put16be(b, 772);  // ARPHRD_LOOPBACK
  b.push_back(0);   // packet type
  b.push_back(6);   // address length
  append(b, Bytes{0, 0, 0, 0, 0, 0, 0, 0});
  append(b, payload);
  return b;
}

// Flow builds the segments of one IPv4 (or IPv6) connection 10.0.0.1:40000 -> 10.0.0.2:443.
struct Flow {
  std::uint32_t c_isn = 1000;
  std::uint32_t s_isn = 5000;
  bool use_v6 = false;
  std::uint16_t cport = 40000;
  std::uint16_t sport = 443;

  Bytes ip(bool from_client, const Bytes& l4) const {
    if (use_v6) {
      return from_client ? ipv6(v6(1), v6(2), l4) : ipv6(v6(2), v6(1), l4);
    }
    return from_client ? ipv4({10, 0, 0, 1}, {10, 0, 0, 2}, l4)
                       : ipv4({10, 0, 0, 2}, {10, 0, 0, 1}, l4);
  }
  // c / s: a segment from the client / server whose payload starts at stream offset `off`.
  Bytes c(std::uint64_t off, const Bytes& payload, std::uint8_t flags = ACK | PSH,
          std::uint32_t ack_off = 0) const {
    Bytes t = tcp_header(cport, sport, c_isn + 1 + static_cast<std::uint32_t>(off),
                         s_isn + 1 + ack_off, flags);
    append(t, payload);
    return ip(true, t);
  }
  Bytes s(std::uint64_t off, const Bytes& payload, std::uint8_t flags = ACK | PSH,
          std::uint32_t ack_off = 0) const {
    Bytes t = tcp_header(sport, cport, s_isn + 1 + static_cast<std::uint32_t>(off),
                         c_isn + 1 + ack_off, flags);
    append(t, payload);
    return ip(false, t);
  }
  Bytes syn() const { return ip(true, tcp_header(cport, sport, c_isn, 0, SYN)); }
  Bytes syn_ack() const { return ip(false, tcp_header(sport, cport, s_isn, c_isn + 1, SYN | ACK)); }
};

// ---------------------------------------------------------------- recording sink

struct Recorded {
  ConnectionInfo info;  // the public facts at close
  std::array<Bytes, 2> stream;
  std::vector<std::string> events;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> data_from;  // packet, ts.nsec per data event
  std::vector<std::uint64_t> data_now;  // the on_packet in force per data event
  std::string close;
};

struct Recorder : StreamSink {
  std::map<std::uint64_t, Recorded> conns;
  std::vector<std::string> log;  // "id:event" in the order events came
  std::size_t max_open = 0;
  TcpReassembler* reassembler = nullptr;
  std::uint64_t now = 0;                     // the packet of the last on_packet
  std::vector<std::uint64_t> packets;        // every on_packet, in order
  std::string told;                          // what ParallelSink::each told this sink
  const ParallelSink::Emit* emit = nullptr;  // on_close writes "id close-reason\n" to it

  static std::string dir(Direction d) { return d == Direction::client_to_server ? "c" : "s"; }
  void note(std::uint64_t id, const std::string& e) {
    conns[id].events.push_back(e);
    log.push_back(std::to_string(id) + ":" + e);
  }
  void on_packet(std::uint64_t packet, Timestamp) override {
    now = packet;
    packets.push_back(packet);
  }
  void on_open(Connection& c) override {
    if (reassembler != nullptr) {
      max_open = std::max(max_open, reassembler->open_connections());
    }
    note(c.id, "open " + to_string(c.client) + " " + to_string(c.server) +
                   (c.roles_known ? "" : " roles?"));
  }
  void on_data(Connection& c, const DataEvent& e) override {
    append(conns[c.id].stream[static_cast<int>(e.dir)], e.bytes);
    conns[c.id].data_from.emplace_back(e.packet, e.ts.nsec);
    note(c.id, "data " + dir(e.dir) + " " + std::to_string(e.offset) + "+" +
                   std::to_string(e.bytes.size()));
    conns[c.id].data_now.push_back(now);
  }
  void on_gap(Connection& c, const GapEvent& e) override {
    note(c.id, "gap " + dir(e.dir) + " " + std::to_string(e.offset) + "+" +
                   std::to_string(e.length) + " seq " + std::to_string(e.seq) + " " +
                   std::string(gap_reason_name(e.reason)));
  }
  void on_note(Connection& c, Direction d, const std::string& text) override {
    note(c.id, "note " + dir(d) + " " + text);
  }
  void on_close(Connection& c, CloseReason reason) override {
    note(c.id, "close " + std::string(close_reason_name(reason)));
    Recorded& r = conns[c.id];
    r.close = close_reason_name(reason);
    r.info = c;
    if (emit != nullptr) {
      (*emit)(std::to_string(c.id) + " " + r.close + "\n");
    }
  }
};

struct Run {
  Recorder rec;
  CaptureStats stats;
  int link_type = -1;
};

std::unique_ptr<Run> run_bytes(const Bytes& capture, ReassemblyOptions options = {}) {
  auto r = std::make_unique<Run>();
  CaptureReader reader(capture, "test.pcap");
  r->link_type = reader.link_type();
  TcpReassembler reassembler(r->rec, options);
  r->rec.reassembler = &reassembler;
  r->stats = read_capture(reader, reassembler);
  r->rec.reassembler = nullptr;
  return r;
}

std::unique_ptr<Run> run_file(const std::string& path) {
  auto r = std::make_unique<Run>();
  CaptureReader reader(path);
  r->link_type = reader.link_type();
  TcpReassembler reassembler(r->rec);
  r->rec.reassembler = &reassembler;
  r->stats = read_capture(reader, reassembler);
  r->rec.reassembler = nullptr;
  return r;
}

bool starts_with(const Bytes& b, const Bytes& prefix) {
  return b.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), b.begin());
}

std::string as_string(const Bytes& b) { return std::string(b.begin(), b.end()); }

Bytes read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  REQUIRE(f);
  return Bytes(std::istreambuf_iterator<char>(f), {});
}

constexpr std::uint16_t kV4 = 0x0800;
constexpr std::uint16_t kV6 = 0x86dd;

// handshake_frames: SYN, SYN-ACK, ACK, then the given middle, then FIN/ACK both ways.
void open_flow(Pcap& p, const Flow& f, std::uint16_t type = kV4) {
  p.add(ethernet(type, f.syn()));
  p.add(ethernet(type, f.syn_ack()));
  p.add(ethernet(type, f.c(0, {}, ACK)));
}

}  // namespace

// ================================================================ basics

TEST_CASE("capture: in-order connection over Ethernet, events and streams", "[capture]") {
  Flow f;
  Pcap p(1);
  open_flow(p, f);
  p.add(ethernet(kV4, f.c(0, str("hello "))));
  p.add(ethernet(kV4, f.s(0, str("world"), ACK | PSH, 6)));
  p.add(ethernet(kV4, f.c(6, str("again"), ACK | PSH, 5)));
  p.add(ethernet(kV4, f.c(11, {}, ACK | FIN, 5)));
  p.add(ethernet(kV4, f.s(5, {}, ACK | FIN, 12)));
  p.add(ethernet(kV4, f.c(12, {}, ACK, 6)));  // last ACK: after close, ignored
  auto r = run_bytes(p.out);
  CHECK(r->link_type == link::kEthernet);
  CHECK(r->stats.packets == 9);
  CHECK(r->stats.tcp_segments == 9);
  CHECK(r->stats.stop_note.empty());
  REQUIRE(r->rec.conns.size() == 1);
  const Recorded& c = r->rec.conns.at(1);
  CHECK(as_string(c.stream[0]) == "hello again");
  CHECK(as_string(c.stream[1]) == "world");
  CHECK(c.events == std::vector<std::string>{"open 10.0.0.1:40000 10.0.0.2:443", "data c 0+6",
                                             "data s 0+5", "data c 6+5", "close fin"});
  CHECK(c.info.roles_known);
  CHECK(c.info.first_packet == 1);
  CHECK(c.info.stats[0].syn);
  CHECK(c.info.stats[0].fin);
  CHECK(c.info.stats[1].fin);
  CHECK(c.info.stats[0].bytes == 11);
  CHECK(c.info.stats[0].segments == 3);  // two with data, one FIN
  CHECK(c.info.stats[0].duplicate_bytes == 0);
}

TEST_CASE("capture: reordered segments are delivered in stream order", "[capture]") {
  Flow f;
  Pcap p(1);
  open_flow(p, f);
  p.add(ethernet(kV4, f.c(8, str("CCCC"))));
  p.add(ethernet(kV4, f.c(4, str("BBBB"))));
  p.add(ethernet(kV4, f.c(0, str("AAAA"))));
  p.add(ethernet(kV4, f.c(12, str("DD"))));
  auto r = run_bytes(p.out);
  const Recorded& c = r->rec.conns.at(1);
  CHECK(as_string(c.stream[0]) == "AAAABBBBCCCCDD");
  CHECK(c.events == std::vector<std::string>{"open 10.0.0.1:40000 10.0.0.2:443", "data c 0+4",
                                             "data c 4+4", "data c 8+4", "data c 12+2",
                                             "close end of capture"});
  // Each data event carries the packet its bytes came from (the writer stamps packet n at
  // n - 1 microseconds).
  using P = std::pair<std::uint64_t, std::uint32_t>;
  CHECK(c.data_from == std::vector<P>{{6, 5000}, {5, 4000}, {4, 3000}, {7, 6000}});
  CHECK(c.info.stats[0].out_of_order_segments == 2);
  CHECK(c.info.stats[0].gaps == 0);
}

TEST_CASE("capture: duplicated segments are delivered once", "[capture]") {
  Flow f;
  Pcap p(1);
  open_flow(p, f);
  p.add(ethernet(kV4, f.c(0, str("one,"))));
  p.add(ethernet(kV4, f.c(0, str("one,"))));  // retransmission of delivered bytes
  p.add(ethernet(kV4, f.c(8, str("three"))));
  p.add(ethernet(kV4, f.c(8, str("three"))));  // duplicate while buffered
  p.add(ethernet(kV4, f.c(4, str("two,"))));
  p.add(ethernet(kV4, f.c(4, str("two,"))));
  auto r = run_bytes(p.out);
  const Recorded& c = r->rec.conns.at(1);
  CHECK(as_string(c.stream[0]) == "one,two,three");
  CHECK(c.info.stats[0].duplicate_bytes == 4 + 5 + 4);
  CHECK(c.info.stats[0].conflicting_bytes == 0);
  CHECK(c.info.stats[0].bytes == 13);
}

TEST_CASE("capture: overlapping segments with equal data", "[capture]") {
  Flow f;
  Pcap p(1);
  open_flow(p, f);
  p.add(ethernet(kV4, f.c(0, str("0123456789"))));
  p.add(ethernet(kV4, f.c(5, str("56789abcde"))));   // half old, half new
  p.add(ethernet(kV4, f.c(20, str("klmno"))));       // ahead
  p.add(ethernet(kV4, f.c(13, str("defghijklm"))));  // overlaps both sides
  auto r = run_bytes(p.out);
  const Recorded& c = r->rec.conns.at(1);
  CHECK(as_string(c.stream[0]) == "0123456789abcdefghijklmno");
  CHECK(c.info.stats[0].duplicate_bytes == 5 + 2 + 3);
  CHECK(c.info.stats[0].conflicting_bytes == 0);
  for (const auto& e : c.events) {
    CHECK(e.rfind("note", 0) != 0);
  }
}

TEST_CASE("capture: overlapping segments with unequal data: first copy wins, reported",
          "[capture]") {
  Flow f;
  Pcap p(1);
  open_flow(p, f);
  p.add(ethernet(kV4, f.c(10, str("KLMNOPQRST"))));  // buffered first
  p.add(ethernet(kV4, f.c(5, str("fghijXXXXX"))));   // [10,15) differs from the buffered copy
  p.add(ethernet(kV4, f.c(0, str("abcde"))));
  // Against delivered bytes: [0,5) is gone from memory, so it counts as duplicate only.
  p.add(ethernet(kV4, f.c(0, str("zzzzzzzzzzzzzzzzzzzzZ"))));
  auto r = run_bytes(p.out);
  const Recorded& c = r->rec.conns.at(1);
  CHECK(as_string(c.stream[0]) == "abcdefghijKLMNOPQRSTZ");
  CHECK(c.info.stats[0].conflicting_bytes == 5);
  CHECK(c.info.stats[0].duplicate_bytes == 5 + 20);
  CHECK(c.events == std::vector<std::string>{
                        "open 10.0.0.1:40000 10.0.0.2:443",
                        "note c packet 5: seq 1006: 5 bytes differ from the first copy, first "
                        "copy kept",
                        "data c 0+5", "data c 5+5", "data c 10+10", "data c 20+1",
                        "close end of capture"});
}

TEST_CASE("capture: a TLS handshake message split across three segments", "[capture]") {
  Bytes hello = read_file(std::string(HSK_TESTDATA) + "/handshakes/tls12-rsa/1-client-hello.tls");
  REQUIRE(hello.size() > 100);
  CHECK(looks_like_tls(hello));
  Flow f;
  Pcap p(1);
  open_flow(p, f);
  // Cut inside the record header, then inside the handshake body; send 3rd, 1st, 2nd.
  Bytes a(hello.begin(), hello.begin() + 3);
  Bytes b(hello.begin() + 3, hello.begin() + 100);
  Bytes c3(hello.begin() + 100, hello.end());
  p.add(ethernet(kV4, f.c(100, c3)));
  p.add(ethernet(kV4, f.c(0, a)));
  p.add(ethernet(kV4, f.c(3, b)));
  auto r = run_bytes(p.out);
  const Recorded& c = r->rec.conns.at(1);
  CHECK(c.stream[0] == hello);
  CHECK(c.events == std::vector<std::string>{"open 10.0.0.1:40000 10.0.0.2:443", "data c 0+3",
                                             "data c 3+97",
                                             "data c 100+" + std::to_string(hello.size() - 100),
                                             "close end of capture"});
}

TEST_CASE("capture: sequence numbers wrap around 2^32", "[capture]") {
  Flow f;
  f.c_isn = 0xfffffff8;
  Pcap p(1);
  open_flow(p, f);
  p.add(ethernet(kV4, f.c(10, str("klmnopqrst"))));  // seq wraps inside the stream
  p.add(ethernet(kV4, f.c(0, str("abcdefghij"))));
  auto r = run_bytes(p.out);
  const Recorded& c = r->rec.conns.at(1);
  CHECK(as_string(c.stream[0]) == "abcdefghijklmnopqrst");
}

// ================================================================ link layers and IP

namespace {

// two_way: a short connection in one link encapsulation; returns the streams.
void check_two_way(const Bytes& capture, int want_link, const std::string& client,
                   const std::string& server) {
  auto r = run_bytes(capture);
  CHECK(r->link_type == want_link);
  REQUIRE(r->rec.conns.size() == 1);
  const Recorded& c = r->rec.conns.at(1);
  CHECK(as_string(c.stream[0]) == "ping?");
  CHECK(as_string(c.stream[1]) == "pong!");
  CHECK(c.events.front() == "open " + client + " " + server);
  CHECK(c.close == "fin");
}

template <typename Wrap>
Bytes two_way_capture(std::uint32_t linktype, const Flow& f, Wrap wrap) {
  Pcap p(linktype);
  p.add(wrap(f.syn()));
  p.add(wrap(f.syn_ack()));
  p.add(wrap(f.c(0, str("ping?"))));
  p.add(wrap(f.s(0, str("pong!"), ACK | PSH, 5)));
  p.add(wrap(f.c(5, {}, ACK | FIN, 5)));
  p.add(wrap(f.s(5, {}, ACK | FIN, 6)));
  return p.out;
}

}  // namespace

TEST_CASE("capture: IPv6 with extension headers", "[capture]") {
  Flow f;
  f.use_v6 = true;
  // Hop-by-hop (8 bytes) -> destination options (16 bytes) -> TCP.
  auto wrap = [](const Bytes& v6frame) {
    Bytes ip(v6frame.begin(), v6frame.begin() + 40);
    Bytes l4(v6frame.begin() + 40, v6frame.end());
    Bytes ext{60, 0, 1, 4, 0, 0, 0, 0, /* dest opts: */ 6, 1, 1, 12, 0, 0, 0, 0,
              0,  0, 0, 0, 0, 0, 0, 0};
    Bytes out = ipv6(v6(ip[23]), v6(ip[39]), l4, 0, ext);
    return ethernet(kV6, out);
  };
  check_two_way(two_way_capture(1, f, wrap), link::kEthernet, "[2001:db8::1]:40000",
                "[2001:db8::2]:443");
}

TEST_CASE("capture: Linux cooked SLL and SLL2", "[capture]") {
  Flow f;
  check_two_way(two_way_capture(113, f, [](const Bytes& ip) { return sll(kV4, ip); }),
                link::kLinuxSll, "10.0.0.1:40000", "10.0.0.2:443");
  check_two_way(two_way_capture(276, f, [](const Bytes& ip) { return sll2(kV4, ip); }),
                link::kLinuxSll2, "10.0.0.1:40000", "10.0.0.2:443");
  f.use_v6 = true;
  check_two_way(two_way_capture(276, f, [](const Bytes& ip) { return sll2(kV6, ip); }),
                link::kLinuxSll2, "[2001:db8::1]:40000", "[2001:db8::2]:443");
}

TEST_CASE("capture: null and loop link types", "[capture]") {
  Flow f;
  // DLT_NULL: the family in the writer's byte order, either way.
  check_two_way(two_way_capture(0, f,
                                [](const Bytes& ip) {
                                  Bytes b;
                                  put32le(b, 2);
                                  append(b, ip);
                                  return b;
                                }),
                link::kNull, "10.0.0.1:40000", "10.0.0.2:443");
  check_two_way(two_way_capture(0, f,
                                [](const Bytes& ip) {
                                  Bytes b;
                                  put32be(b, 2);
                                  append(b, ip);
                                  return b;
                                }),
                link::kNull, "10.0.0.1:40000", "10.0.0.2:443");
  f.use_v6 = true;
  for (std::uint32_t af : {10u, 24u, 28u, 30u}) {
    check_two_way(two_way_capture(0, f,
                                  [af](const Bytes& ip) {
                                    Bytes b;
                                    put32le(b, af);
                                    append(b, ip);
                                    return b;
                                  }),
                  link::kNull, "[2001:db8::1]:40000", "[2001:db8::2]:443");
  }
  // DLT_LOOP: network byte order.
  check_two_way(two_way_capture(108, f,
                                [](const Bytes& ip) {
                                  Bytes b;
                                  put32be(b, 24);
                                  append(b, ip);
                                  return b;
                                }),
                link::kLoop, "[2001:db8::1]:40000", "[2001:db8::2]:443");
}

TEST_CASE("capture: raw IP link types", "[capture]") {
  Flow f;
  auto same = [](const Bytes& ip) { return ip; };
  // LINKTYPE_RAW (101) is DLT_RAW (12) once libpcap has read it.
  check_two_way(two_way_capture(101, f, same), link::kRaw, "10.0.0.1:40000", "10.0.0.2:443");
  check_two_way(two_way_capture(228, f, same), link::kIpv4, "10.0.0.1:40000", "10.0.0.2:443");
  f.use_v6 = true;
  check_two_way(two_way_capture(101, f, same), link::kRaw, "[2001:db8::1]:40000",
                "[2001:db8::2]:443");
  check_two_way(two_way_capture(229, f, same), link::kIpv6, "[2001:db8::1]:40000",
                "[2001:db8::2]:443");
}

TEST_CASE("capture: 802.1Q and 802.1ad VLAN tags", "[capture]") {
  Flow f;
  check_two_way(two_way_capture(1, f, [](const Bytes& ip) { return ethernet(kV4, ip, {100}); }),
                link::kEthernet, "10.0.0.1:40000", "10.0.0.2:443");
  check_two_way(two_way_capture(1, f,
                                [](const Bytes& ip) {
                                  return ethernet(kV4, ip, {200, 100});
                                }),
                link::kEthernet, "10.0.0.1:40000", "10.0.0.2:443");
}

TEST_CASE("capture: IPv4 options, Ethernet padding, TCP options", "[capture]") {
  Flow f;
  auto wrap = [](const Bytes& ip) {
    // Re-wrap with 8 bytes of IPv4 options (NOP x3 + EOL ...) and TCP options, then pad the
    // frame to 80 bytes as a short Ethernet frame would be.
    Bytes l4(ip.begin() + 20, ip.end());
    Bytes tcp(l4.begin(), l4.begin() + 20);
    Bytes payload(l4.begin() + 20, l4.end());
    Bytes opts{2, 4, 0x05, 0xb4, 1, 1, 1, 0};  // MSS 1460, NOP, NOP, NOP, EOL
    tcp[12] = static_cast<std::uint8_t>(((20 + opts.size()) / 4) << 4);
    Bytes seg = tcp;
    append(seg, opts);
    append(seg, payload);
    Bytes out = ipv4({ip[12], ip[13], ip[14], ip[15]}, {ip[16], ip[17], ip[18], ip[19]}, seg, 6,
                     0x4000, Bytes{1, 1, 1, 1, 1, 1, 1, 0});
    Bytes frame = ethernet(kV4, out);
    frame.resize(std::max<std::size_t>(frame.size(), 80), 0xee);
    return frame;
  };
  check_two_way(two_way_capture(1, f, wrap), link::kEthernet, "10.0.0.1:40000", "10.0.0.2:443");
  // decode_frame exposes the options.
  Bytes frame = wrap(f.c(0, str("x")));
  TcpSegment seg;
  REQUIRE(decode_frame(link::kEthernet, frame, static_cast<std::uint32_t>(frame.size()), seg) ==
          FrameResult::tcp);
  CHECK(hsk::to_hex(seg.options) == "020405b401010100");
  CHECK(as_string(Bytes(seg.payload.begin(), seg.payload.end())) == "x");
  CHECK(seg.seq == 1001);
  CHECK(seg.ack == 5001);
  CHECK(seg.flags == (ACK | PSH));
}

TEST_CASE("capture: frames that are not TCP over IP are counted and skipped", "[capture]") {
  Flow f;
  Pcap p(1);
  open_flow(p, f);
  p.add(ethernet(0x0806, Bytes(28, 0)));                                              // ARP
  p.add(ethernet(kV4, ipv4({10, 0, 0, 1}, {10, 0, 0, 2}, Bytes(16, 0), 17)));         // UDP
  p.add(ethernet(kV4, ipv4({10, 0, 0, 1}, {10, 0, 0, 2}, Bytes(40, 0), 6, 0x2000)));  // MF
  p.add(ethernet(kV4, ipv4({10, 0, 0, 1}, {10, 0, 0, 2}, Bytes(40, 0), 6, 0x0005)));  // offset
  // IPv6 fragment header with offset 8 (not atomic).
  p.add(ethernet(kV6, ipv6(v6(1), v6(2), Bytes(40, 0), 44, Bytes{6, 0, 0, 8, 0, 0, 0, 1})));
  Bytes bad = ethernet(kV4, f.c(0, str("x")));
  bad[14] = 0x45 + 0x10;  // IP version 5
  p.add(bad);
  p.add(ethernet(kV4, f.c(0, str("data"))));
  auto r = run_bytes(p.out);
  using R = FrameResult;
  CHECK(r->stats.frames[static_cast<int>(R::not_ip)] == 1);
  CHECK(r->stats.first_packet[static_cast<int>(R::not_ip)] == 4);
  CHECK(r->stats.frames[static_cast<int>(R::not_tcp)] == 1);
  CHECK(r->stats.frames[static_cast<int>(R::ip_fragment)] == 3);
  CHECK(r->stats.first_packet[static_cast<int>(R::ip_fragment)] == 6);
  CHECK(r->stats.frames[static_cast<int>(R::malformed)] == 1);
  CHECK(r->stats.tcp_segments == 4);
  CHECK(as_string(r->rec.conns.at(1).stream[0]) == "data");
  CHECK(frame_result_name(R::ip_fragment) == "ip fragment");
}

// ================================================================ damage

TEST_CASE("capture: a snaplen that cut the payload becomes a gap", "[capture]") {
  Flow f;
  Pcap p(1, 14 + 20 + 20 + 10);  // Ethernet + IPv4 + TCP + 10 payload bytes
  open_flow(p, f);
  p.add(ethernet(kV4, f.c(0, str("0123456789ABCDEF"))));  // 6 bytes cut
  p.add(ethernet(kV4, f.c(16, str("short"))));
  p.add(ethernet(kV4, f.c(41, str("0123456789abcd"))));  // out of order, cut, then the hole
  p.add(ethernet(kV4, f.c(21, str("01234567890123456789"))));
  auto r = run_bytes(p.out);
  const Recorded& c = r->rec.conns.at(1);
  CHECK(as_string(c.stream[0]) == "0123456789short01234567890123456789");
  CHECK(c.events ==
        std::vector<std::string>{"open 10.0.0.1:40000 10.0.0.2:443", "data c 0+10",
                                 "gap c 10+6 seq 1011 cut by the snapshot length", "data c 16+5",
                                 "data c 21+10", "gap c 31+10 seq 1032 cut by the snapshot length",
                                 "data c 41+10", "gap c 51+4 seq 1052 cut by the snapshot length",
                                 "close end of capture"});
  CHECK(c.info.stats[0].gap_bytes == 20);
  CHECK(c.info.stats[0].gaps == 3);
}

TEST_CASE("capture: a snaplen that cut the headers counts the frame as truncated", "[capture]") {
  Flow f;
  Pcap p(1, 14 + 20 + 10);  // cut inside the TCP header
  p.add(ethernet(kV4, f.c(0, str("x"))));
  auto r = run_bytes(p.out);
  CHECK(r->stats.frames[static_cast<int>(FrameResult::truncated)] == 1);
  CHECK(r->rec.conns.empty());
  // And the same lengths without a cut (caplen == len) are malformed, not truncated.
  Bytes frame = ethernet(kV4, f.c(0, str("x")));
  frame.resize(14 + 20 + 10);
  TcpSegment seg;
  CHECK(decode_frame(link::kEthernet, frame, static_cast<std::uint32_t>(frame.size()), seg) ==
        FrameResult::malformed);
  CHECK(decode_frame(link::kEthernet, frame, 100, seg) == FrameResult::truncated);
  CHECK(decode_frame(999, frame, 100, seg) == FrameResult::unsupported_link);
}

TEST_CASE("capture: a truncated file delivers what precedes the cut, then a note", "[capture]") {
  Flow f;
  Pcap p(1);
  open_flow(p, f);
  p.add(ethernet(kV4, f.c(0, str("first"))));
  p.add(ethernet(kV4, f.s(0, str("second"), ACK | PSH, 5)));
  const std::size_t whole = p.out.size();
  p.add(ethernet(kV4, f.c(5, str("lost"))));
  for (std::size_t cut : {whole + 7, whole + 16 + 20}) {  // in the record header, in the frame
    Bytes capture(p.out.begin(), p.out.begin() + static_cast<std::ptrdiff_t>(cut));
    auto r = run_bytes(capture);
    CHECK(r->stats.packets == 5);
    CHECK(r->stats.stop_note.rfind("capture truncated at packet 6: ", 0) == 0);
    const Recorded& c = r->rec.conns.at(1);
    CHECK(as_string(c.stream[0]) == "first");
    CHECK(as_string(c.stream[1]) == "second");
    CHECK(c.close == "end of capture");
  }
}

TEST_CASE("capture: garbage after the TCP header is payload", "[capture]") {
  Flow f;
  Pcap p(1);
  open_flow(p, f);
  Bytes junk{0x16, 0x99, 0x00, 0xff, 0x00};  // not TLS: version byte 0x99
  p.add(ethernet(kV4, f.c(0, junk)));
  auto r = run_bytes(p.out);
  const Recorded& c = r->rec.conns.at(1);
  CHECK(c.stream[0] == junk);
  CHECK_FALSE(looks_like_tls(c.stream[0]));
  CHECK(looks_like_tls(Bytes{0x16, 0x03, 0x01}));
  CHECK(looks_like_tls(Bytes{0x80, 0x2e, 0x01, 0x03, 0x01}));  // SSL 2.0-framed ClientHello
  CHECK_FALSE(looks_like_tls(Bytes{0x17, 0x03, 0x03}));
  CHECK(looks_like_capture(Pcap(1).out));
  CHECK(looks_like_capture(Bytes{0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0x1c}));  // pcapng SHB
  CHECK(looks_like_capture(Bytes{0xa1, 0xb2, 0x3c, 0x4d}));                 // nanosecond pcap
  CHECK_FALSE(looks_like_capture(Bytes{0x16, 0x03, 0x01, 0x00}));
  CHECK_FALSE(looks_like_capture(Bytes{0xd4, 0xc3, 0xb2}));
}

TEST_CASE("capture: a segment the capture lost becomes a gap", "[capture]") {
  Flow f;
  SECTION("the receiver acknowledges past it") {
    Pcap p(1);
    open_flow(p, f);
    p.add(ethernet(kV4, f.c(0, str("aaaa"))));
    p.add(ethernet(kV4, f.c(8, str("cccc"))));  // [4,8) never captured
    p.add(ethernet(kV4, f.s(0, {}, ACK, 12)));
    p.add(ethernet(kV4, f.c(12, str("dd"))));
    auto r = run_bytes(p.out);
    const Recorded& c = r->rec.conns.at(1);
    CHECK(as_string(c.stream[0]) == "aaaaccccdd");
    CHECK(c.events == std::vector<std::string>{"open 10.0.0.1:40000 10.0.0.2:443", "data c 0+4",
                                               "gap c 4+4 seq 1005 acknowledged but not captured",
                                               "data c 8+4", "data c 12+2",
                                               "close end of capture"});
  }
  SECTION("the connection ends first") {
    Pcap p(1);
    open_flow(p, f);
    p.add(ethernet(kV4, f.c(0, str("aaaa"))));
    p.add(ethernet(kV4, f.c(8, str("cccc"), ACK | PSH | FIN)));
    p.add(ethernet(kV4, f.s(0, {}, ACK | FIN, 4)));  // acknowledges only what it got in order
    auto r = run_bytes(p.out);
    const Recorded& c = r->rec.conns.at(1);
    CHECK(c.events ==
          std::vector<std::string>{"open 10.0.0.1:40000 10.0.0.2:443", "data c 0+4",
                                   "gap c 4+4 seq 1005 not captured before the connection ended",
                                   "data c 8+4", "close end of capture"});
  }
  SECTION("the buffer fills") {
    Pcap p(1);
    open_flow(p, f);
    p.add(ethernet(kV4, f.c(4, str("bbbb"))));
    p.add(ethernet(kV4, f.c(8, str("cccc"))));
    p.add(ethernet(kV4, f.c(12, str("dddd"))));
    ReassemblyOptions o;
    o.max_buffered_bytes = 10;
    auto r = run_bytes(p.out, o);
    const Recorded& c = r->rec.conns.at(1);
    CHECK(c.events == std::vector<std::string>{
                          "open 10.0.0.1:40000 10.0.0.2:443",
                          "gap c 0+4 seq 1001 not captured (reassembly buffer full)", "data c 4+4",
                          "data c 8+4", "data c 12+4", "close end of capture"});
  }
}

// ================================================================ connection life

TEST_CASE("capture: a capture that starts mid-connection", "[capture]") {
  Flow f;
  Pcap p(1);
  p.add(ethernet(kV4, f.s(100, str("from the server"))));
  p.add(ethernet(kV4, f.c(50, str("from the client"), ACK | PSH, 115)));
  p.add(ethernet(kV4, f.c(30, str("older, before the stream began"))));  // dropped
  auto r = run_bytes(p.out);
  const Recorded& c = r->rec.conns.at(1);
  // Roles unknown: the first sender is taken as the client.
  CHECK(c.events.front() == "open 10.0.0.2:443 10.0.0.1:40000 roles?");
  CHECK(as_string(c.stream[0]) == "from the server");
  CHECK(as_string(c.stream[1]) == "from the client");
  CHECK_FALSE(c.info.roles_known);
}

TEST_CASE("capture: a cut segment from before the stream's start is a gap, not a read past it",
          "[capture]") {
  // Mid-connection start; then a retransmission of earlier bytes whose declared length reaches
  // past what was delivered but whose captured payload (snaplen) ends before the stream began.
  Flow f;
  Pcap p(1, 14 + 20 + 20 + 4);  // 4 payload bytes captured per frame
  p.add(ethernet(kV4, f.c(100, str("abcd"))));
  p.add(ethernet(kV4, f.c(80, str("0123456789012345678901234567890123456789"))));
  auto r = run_bytes(p.out);
  const Recorded& c = r->rec.conns.at(1);
  CHECK(as_string(c.stream[0]) == "abcd");
  CHECK(c.info.stats[0].gap_bytes == 16);  // offsets 4..19 announced, not captured
  CHECK(c.info.stats[0].gaps == 1);
}

TEST_CASE("capture: RST closes; a new SYN on the same ports opens a new connection", "[capture]") {
  Flow f;
  Pcap p(1);
  open_flow(p, f);
  p.add(ethernet(kV4, f.c(0, str("one"))));
  p.add(ethernet(kV4, f.s(0, {}, RST | ACK, 3)));
  Flow g = f;
  g.c_isn = 77777;
  open_flow(p, g);
  p.add(ethernet(kV4, g.c(0, str("two"))));
  Flow h = f;
  h.c_isn = 999999;
  p.add(ethernet(kV4, h.syn()));  // reuse without FIN or RST
  p.add(ethernet(kV4, h.syn()));  // SYN retransmission: same connection
  p.add(ethernet(kV4, h.c(0, str("three"))));
  auto r = run_bytes(p.out);
  REQUIRE(r->rec.conns.size() == 3);
  CHECK(as_string(r->rec.conns.at(1).stream[0]) == "one");
  CHECK(r->rec.conns.at(1).close == "rst");
  CHECK(r->rec.conns.at(1).info.stats[1].rst);
  CHECK(as_string(r->rec.conns.at(2).stream[0]) == "two");
  CHECK(r->rec.conns.at(2).close == "reused");
  CHECK(as_string(r->rec.conns.at(3).stream[0]) == "three");
  CHECK(r->rec.conns.at(3).close == "end of capture");
  CHECK(r->rec.max_open == 1);
}

TEST_CASE("capture: interleaved connections; memory is freed as they close", "[capture]") {
  Pcap p(1);
  std::vector<Flow> flows(50);
  for (std::size_t i = 0; i < flows.size(); ++i) {
    flows[i].cport = static_cast<std::uint16_t>(30000 + i);
  }
  // Each connection opens, talks and closes while the next has already started.
  for (std::size_t i = 0; i < flows.size(); ++i) {
    const Flow& f = flows[i];
    open_flow(p, f);
    p.add(ethernet(kV4, f.c(0, str("hi " + std::to_string(i)))));
    if (i > 0) {
      const Flow& prev = flows[i - 1];
      p.add(ethernet(kV4, prev.c(100, {}, ACK | FIN)));  // gap: [len, 100) never sent
      p.add(ethernet(kV4, prev.s(0, {}, ACK | FIN, 101)));
    }
  }
  auto r = run_bytes(p.out);
  REQUIRE(r->rec.conns.size() == 50);
  CHECK(r->rec.max_open == 2);
  CHECK(as_string(r->rec.conns.at(7).stream[0]) == "hi 6");
  CHECK(r->rec.conns.at(7).close == "fin");
  CHECK(r->rec.conns.at(7).events[2] == "gap c 4+96 seq 1005 acknowledged but not captured");
  CHECK(r->rec.conns.at(50).close == "end of capture");
}

// ================================================================ ParallelSink

namespace {

// many_connections: 40 interleaved connections with the events a sink can get: data both
// ways, a reordered and a conflicting retransmission (a note), a gap, an RST, a reused
// port, FIN, and some left open at the end of the capture; connection 7 carries 3 MB so that
// its worker's queue fills up (ParallelSink::kMaxQueuedBytes is less).
Bytes many_connections() {
  Pcap p(1);
  std::vector<Flow> flows(40);
  for (std::size_t i = 0; i < flows.size(); ++i) {
    flows[i].cport = static_cast<std::uint16_t>(31000 + i % 37);  // 37..39 reuse 0..2's ports
    flows[i].c_isn = static_cast<std::uint32_t>(1000 + 7919 * i);
  }
  for (std::size_t i = 0; i < flows.size(); ++i) {
    const Flow& f = flows[i];
    open_flow(p, f);
    p.add(ethernet(kV4, f.c(5, str("world"))));  // ahead of the stream: buffered
    if (i % 5 == 1) {
      p.add(ethernet(kV4, f.c(5, str("WORLD"))));  // a conflicting copy of it: a note
    }
    p.add(ethernet(kV4, f.c(0, str("hello"))));
    p.add(ethernet(kV4, f.s(0, str("reply " + std::to_string(i)), ACK | PSH, 10)));
    if (i == 7) {
      Bytes chunk(1400, static_cast<std::uint8_t>('x'));
      for (std::size_t k = 0; k < 3u * 1024 * 1024 / chunk.size(); ++k) {
        p.add(ethernet(kV4, f.c(10 + k * chunk.size(), chunk)));
      }
    }
    if (i >= 3) {
      const Flow& prev = flows[i - 3];
      if (i % 4 == 0) {
        p.add(ethernet(kV4, prev.s(50, {}, RST | ACK)));
      } else if (i % 4 == 1) {
        p.add(ethernet(kV4, prev.c(200, {}, ACK | FIN)));  // bytes [10, 200) never sent: a gap
        p.add(ethernet(kV4, prev.s(50, {}, ACK | FIN, 201)));
      }
    }
  }
  return p.out;
}

}  // namespace

TEST_CASE("capture: ParallelSink gives each connection's sink what one sink gets, in order",
          "[capture][parallel]") {
  Bytes capture = many_connections();
  auto serial = run_bytes(capture);
  REQUIRE(serial->rec.conns.size() == 40);
  // The serial run's close order: what ParallelSink's output must follow.
  std::string want_out;
  for (const std::string& line : serial->rec.log) {
    std::size_t colon = line.find(':');
    if (line.compare(colon + 1, 6, "close ") == 0) {
      want_out += line.substr(0, colon) + " " + line.substr(colon + 7) + "\n";
    }
  }
  REQUIRE(std::count(want_out.begin(), want_out.end(), '\n') == 40);

  for (std::size_t workers : {1u, 2u, 3u, 8u}) {
    INFO("workers " << workers);
    std::vector<Recorder*> sinks;
    std::string out;
    std::atomic<std::size_t> closes_when_told{0};
    // The sinks belong to the ParallelSink: it lives until the checks below are done.
    std::unique_ptr<ParallelSink> owner;
    {
      owner = std::make_unique<ParallelSink>(
          workers,
          [&](std::size_t, const ParallelSink::Emit& emit) {
            auto r = std::make_unique<Recorder>();
            r->emit = &emit;
            sinks.push_back(r.get());
            return r;
          },
          [&](std::string_view text) { out += text; });
      ParallelSink& parallel = *owner;
      CaptureReader reader(capture, "many.pcap");
      TcpReassembler reassembler(parallel);
      Packet packet;
      TcpSegment segment;
      while (reader.next(packet)) {
        if (decode_frame(reader.link_type(), packet.data, packet.wire_len, segment) ==
            FrameResult::tcp) {
          reassembler.add(segment, packet.ts, packet.number);
        }
        parallel.check();
      }
      parallel.each([&](StreamSink& s) {
        auto& r = static_cast<Recorder&>(s);
        r.told = "end";
        for (const auto& [id, c] : r.conns) {
          closes_when_told += c.close.empty() ? 0 : 1;
        }
      });
      reassembler.finish();
      parallel.finish();
      REQUIRE(parallel.workers() == workers);
    }
    REQUIRE(sinks.size() == workers);
    CHECK(out == want_out);
    std::map<std::uint64_t, const Recorded*> got;
    for (const Recorder* r : sinks) {
      CHECK(r->told == "end");
      CHECK(r->conns.size() >= 40 / workers - 1);  // round robin
      for (const auto& [id, c] : r->conns) {
        got[id] = &c;
      }
    }
    // The tasks ran after every close the reassembler had raised before each() (those
    // of connections that ended before the end of the capture).
    std::size_t ended_before = 0;
    for (const auto& [id, c] : serial->rec.conns) {
      ended_before += c.close == "end of capture" ? 0 : 1;
    }
    CHECK(closes_when_told == ended_before);
    REQUIRE(got.size() == serial->rec.conns.size());
    for (const auto& [id, want] : serial->rec.conns) {
      INFO("connection " << id);
      const Recorded& c = *got.at(id);
      CHECK(c.events == want.events);
      CHECK(c.stream == want.stream);
      CHECK(c.data_from == want.data_from);
      CHECK(c.data_now == want.data_now);
      CHECK(c.close == want.close);
      CHECK(c.info.client == want.info.client);
      CHECK(c.info.server == want.info.server);
      CHECK(c.info.roles_known == want.info.roles_known);
      CHECK(c.info.first_packet == want.info.first_packet);
      CHECK(c.info.last_packet == want.info.last_packet);
      CHECK(c.info.stats[0].bytes == want.info.stats[0].bytes);
      CHECK(c.info.stats[0].conflicting_bytes == want.info.stats[0].conflicting_bytes);
      CHECK(c.info.stats[1].rst == want.info.stats[1].rst);
      CHECK(c.info.stats[0].gap_bytes == want.info.stats[0].gap_bytes);
    }
    // Spot checks against the capture itself, not only the serial run.
    CHECK(as_string(got.at(1)->stream[0]).substr(0, 10) == "helloworld");
    CHECK(std::any_of(got.at(2)->events.begin(), got.at(2)->events.end(),
                      [](const std::string& e) { return e.find("note c ") == 0; }));
    CHECK(got.at(8)->stream[0].size() == 10 + 3u * 1024 * 1024 / 1400 * 1400);
  }
}

namespace {

// Thrower records nothing and throws from on_data of connection `bad`.
struct Thrower : StreamSink {
  std::uint64_t bad = 0;
  const ParallelSink::Emit* emit = nullptr;
  void on_data(Connection& c, const DataEvent&) override {
    if (c.id == bad) {
      throw std::runtime_error("sink failed on connection " + std::to_string(c.id));
    }
  }
  void on_close(Connection& c, CloseReason) override { (*emit)(std::to_string(c.id) + "\n"); }
};

std::string run_parallel(const Bytes& capture, std::size_t workers, std::uint64_t bad,
                         const ParallelSink::Emit& out) {
  ParallelSink parallel(
      workers,
      [&](std::size_t, const ParallelSink::Emit& emit) {
        auto t = std::make_unique<Thrower>();
        t->bad = bad;
        t->emit = &emit;
        return t;
      },
      out);
  CaptureReader reader(capture, "many.pcap");
  TcpReassembler reassembler(parallel);
  std::string what;
  try {
    read_capture(reader, reassembler);
    parallel.finish();
  } catch (const std::runtime_error& e) {
    what = e.what();
  }
  return what;
}

}  // namespace

TEST_CASE("capture: ParallelSink passes on what a worker's sink or the output throws",
          "[capture][parallel]") {
  Bytes capture = many_connections();
  auto serial = run_bytes(capture);
  std::string closes;  // the connections in the order they close, a line each
  for (const std::string& line : serial->rec.log) {
    std::size_t colon = line.find(':');
    if (line.compare(colon + 1, 6, "close ") == 0) {
      closes += line.substr(0, colon) + "\n";
    }
  }
  const std::size_t five = closes.find("\n5\n") + 1;
  REQUIRE(five > 1);
  std::string out;
  auto keep = [&](std::string_view text) { out += text; };
  CHECK(run_parallel(capture, 3, 5, keep) == "sink failed on connection 5");
  // What is written is in close order and stops before connection 5, whatever the other
  // workers did meanwhile.
  CHECK(out.size() <= five);
  CHECK(closes.compare(0, out.size(), out) == 0);

  std::size_t writes = 0;
  auto full = [&](std::string_view) {
    if (++writes == 3) {
      throw std::runtime_error("disk full");
    }
  };
  CHECK(run_parallel(capture, 2, 0, full) == "disk full");
  CHECK(writes == 3);  // no write after the one that threw

  // Without a failure, every connection is written once.
  out.clear();
  CHECK(run_parallel(capture, 2, 0, keep).empty());
  CHECK(std::count(out.begin(), out.end(), '\n') == 40);
}

// ================================================================ errors

TEST_CASE("capture: open errors name the input", "[capture]") {
  try {
    CaptureReader r("/nonexistent/x.pcap");
    FAIL("no error");
  } catch (const hsk::Error& e) {
    CHECK(e.kind() == hsk::ErrorKind::io);
    CHECK(e.message().find("/nonexistent/x.pcap") != std::string::npos);
  }
  Bytes junk = str("this is not a capture file at all");
  try {
    CaptureReader r(junk, "junk.bin");
    FAIL("no error");
  } catch (const hsk::Error& e) {
    CHECK(e.kind() == hsk::ErrorKind::malformed);
    CHECK(e.message().rfind("junk.bin: not a pcap or pcapng capture: ", 0) == 0);
  }
  CHECK_THROWS_AS(CaptureReader(Bytes{}, "empty"), hsk::Error);
  Bytes header_only = Pcap(1).out;
  header_only.resize(10);
  CHECK_THROWS_AS(CaptureReader(header_only, "short"), hsk::Error);
}

// ================================================================ committed captures

namespace {

// tls_session writes one recorded TLS 1.2 handshake (testdata/handshakes/tls12-ecdhe-rsa: the
// four step files) as a hand-made TCP connection in the link encapsulation `wrap` gives,
// damaged as `kind` says. Returns the streams each direction must reassemble to.
struct Session {
  Bytes capture;
  Bytes client;  // expected client->server stream (captured bytes only)
  Bytes server;
};

template <typename Wrap>
Session tls_session(const std::string& kind, std::uint32_t linktype, const Flow& f, Wrap wrap,
                    std::uint32_t snaplen = 65535) {
  const std::string dir = std::string(HSK_TESTDATA) + "/handshakes/tls12-ecdhe-rsa/";
  Bytes c1 = read_file(dir + "1-client-hello.tls");
  Bytes s2 = read_file(dir + "2-server-flight.tls");
  Bytes c3 = read_file(dir + "3-client-flight.tls");
  Bytes s4 = read_file(dir + "4-server-finished.tls");
  Session out;
  out.client = c1;
  append(out.client, c3);
  out.server = s2;
  append(out.server, s4);
  Pcap p(linktype, snaplen);
  p.add(wrap(f.syn()));
  p.add(wrap(f.syn_ack()));
  p.add(wrap(f.c(0, {}, ACK)));
  auto piece = [](const Bytes& b, std::size_t from, std::size_t to) {
    return Bytes(b.begin() + static_cast<std::ptrdiff_t>(from),
                 b.begin() + static_cast<std::ptrdiff_t>(std::min(to, b.size())));
  };
  const auto n1 = static_cast<std::uint32_t>(c1.size());
  const auto n2 = static_cast<std::uint32_t>(s2.size());
  if (kind == "reordered") {
    // ClientHello in three segments sent 3, 1, 1 (again), 2; the server flight in two, the
    // second first; a retransmission overlapping both halves of the client's second flight.
    p.add(wrap(f.c(150, piece(c1, 150, n1))));
    p.add(wrap(f.c(0, piece(c1, 0, 3))));
    p.add(wrap(f.c(0, piece(c1, 0, 3))));
    p.add(wrap(f.c(3, piece(c1, 3, 150))));
    p.add(wrap(f.s(1000, piece(s2, 1000, n2), ACK | PSH, n1)));
    p.add(wrap(f.s(0, piece(s2, 0, 1000), ACK | PSH, n1)));
  } else {
    p.add(wrap(f.c(0, c1)));
    p.add(wrap(f.s(0, s2, ACK | PSH, n1)));
  }
  p.add(wrap(f.c(n1, c3, ACK | PSH, n2)));
  if (kind == "reordered") {
    p.add(wrap(f.c(n1 + 10, piece(c3, 10, 60), ACK | PSH, n2)));
  }
  const auto n3 = static_cast<std::uint32_t>(c3.size());
  p.add(wrap(f.s(n2, s4, ACK | PSH, n1 + n3)));
  const auto n4 = static_cast<std::uint32_t>(s4.size());
  if (kind == "garbage") {
    // Not TLS after the handshake: bytes a TLS layer must reject, still stream bytes here.
    Bytes junk = str("\x01garbage after the handshake\xff");
    p.add(wrap(f.c(n1 + n3, junk, ACK | PSH, n2 + n4)));
    append(out.client, junk);
  }
  const auto cend = static_cast<std::uint32_t>(out.client.size());
  p.add(wrap(f.c(cend, {}, ACK | FIN, n2 + n4)));
  p.add(wrap(f.s(n2 + n4, {}, ACK | FIN, cend + 1)));
  p.add(wrap(f.c(cend + 1, {}, ACK, n2 + n4 + 1)));
  out.capture = std::move(p.out);
  return out;
}

Bytes ether4(const Bytes& ip) { return ethernet(kV4, ip); }

struct Committed {
  std::string name;
  Session session;
};

// committed_captures: what scripts/make-test-captures writes to testdata/captures/.
std::vector<Committed> committed_captures() {
  Flow f;
  Flow f6 = f;
  f6.use_v6 = true;
  std::vector<Committed> all;
  all.push_back({"tls12-ethernet-reordered.pcap", tls_session("reordered", 1, f, ether4)});
  all.push_back({"tls12-sll2-ipv6.pcap",
                 tls_session("plain", 276, f6, [](const Bytes& ip) { return sll2(kV6, ip); })});
  all.push_back({"tls12-vlan.pcap", tls_session("plain", 1, f, [](const Bytes& ip) {
                   return ethernet(kV4, ip, {42});
                 })});
  all.push_back({"tls12-null.pcap", tls_session("plain", 0, f, [](const Bytes& ip) {
                   Bytes b;
                   put32le(b, 2);
                   append(b, ip);
                   return b;
                 })});
  all.push_back(
      {"tls12-raw.pcap", tls_session("plain", 101, f, [](const Bytes& ip) { return ip; })});
  all.push_back({"tls12-garbage-after-handshake.pcap", tls_session("garbage", 1, f, ether4)});
  // The server's flight is cut by a 200-byte snaplen: its stream has gaps.
  Session cut = tls_session("plain", 1, f, ether4, 200);
  all.push_back({"tls12-snaplen-200.pcap", cut});
  // The file ends in the middle of the client's second flight.
  Session trunc = tls_session("plain", 1, f, ether4);
  trunc.capture.resize(trunc.capture.size() - 300);
  all.push_back({"tls12-truncated.pcap", trunc});
  return all;
}

}  // namespace

TEST_CASE("capture: the committed hand-made captures", "[capture]") {
  const std::string dir = std::string(HSK_TESTDATA) + "/captures/";
  for (const Committed& c : committed_captures()) {
    INFO(c.name);
    // The committed file is what the generator makes (scripts/make-test-captures).
    REQUIRE(std::filesystem::exists(dir + c.name));
    CHECK(read_file(dir + c.name) == c.session.capture);
    auto r = run_file(dir + c.name);
    REQUIRE(r->rec.conns.size() == 1);
    const Recorded& rc = r->rec.conns.at(1);
    if (c.name == "tls12-snaplen-200.pcap") {
      // 200 - 14 - 20 - 20 = 146 captured payload bytes per segment, the rest gaps.
      const std::string hs = std::string(HSK_TESTDATA) + "/handshakes/tls12-ecdhe-rsa/";
      auto head = [](const Bytes& b) {
        return Bytes(b.begin(),
                     b.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(146, b.size())));
      };
      Bytes client = head(read_file(hs + "1-client-hello.tls"));
      append(client, head(read_file(hs + "3-client-flight.tls")));
      Bytes server = head(read_file(hs + "2-server-flight.tls"));
      append(server, head(read_file(hs + "4-server-finished.tls")));
      CHECK(rc.stream[0] == client);
      CHECK(rc.stream[1] == server);
      CHECK(rc.info.stats[0].gap_bytes == c.session.client.size() - client.size());
      CHECK(rc.info.stats[1].gap_bytes == c.session.server.size() - server.size());
      CHECK(rc.info.stats[0].gaps == 1);  // the ClientHello (153 bytes) is cut; 93 fit
      CHECK(rc.info.stats[1].gaps == 2);
      CHECK(rc.close == "fin");
    } else if (c.name == "tls12-truncated.pcap") {
      CHECK(r->stats.stop_note.rfind("capture truncated at packet ", 0) == 0);
      // The cut falls in the packet carrying 4-server-finished.tls.
      CHECK(rc.stream[0] == c.session.client);
      CHECK(rc.stream[1] == read_file(std::string(HSK_TESTDATA) +
                                      "/handshakes/tls12-ecdhe-rsa/2-server-flight.tls"));
      CHECK(rc.close == "end of capture");
    } else {
      CHECK(rc.stream[0] == c.session.client);
      CHECK(rc.stream[1] == c.session.server);
      CHECK(rc.close == "fin");
      CHECK(rc.info.stats[0].gaps == 0);
      CHECK(rc.info.stats[1].gaps == 0);
    }
  }
}

// Hidden: scripts/make-test-captures runs it with HSK_CAPTURE_OUT=testdata/captures.
TEST_CASE("capture: write the committed captures", "[.write-captures]") {
  const char* out = std::getenv("HSK_CAPTURE_OUT");
  if (out == nullptr) {
    WARN("HSK_CAPTURE_OUT not set: nothing written");
    return;
  }
  for (const Committed& c : committed_captures()) {
    std::ofstream f(std::string(out) + "/" + c.name, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(c.session.capture.data()),
            static_cast<std::streamsize>(c.session.capture.size()));
    REQUIRE(f);
  }
}

// ================================================================ real captures

namespace {

std::vector<std::string> handshake_dirs() {
  std::vector<std::string> dirs;
  for (const auto& e :
       std::filesystem::directory_iterator(std::string(HSK_TESTDATA) + "/handshakes")) {
    if (std::filesystem::exists(e.path() / "capture.pcapng")) {
      dirs.push_back(e.path().string());
    }
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

// sh_out runs `cmd` and returns its stdout; it must exit 0 unless `any_status`.
std::string sh_out(const std::string& cmd, bool any_status = false) {
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  std::array<char, 65536> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) {
    out.append(buf.data(), n);
  }
  int status = ::pclose(p);
  INFO(cmd);
  REQUIRE(WIFEXITED(status));
  if (!any_status) {
    REQUIRE(WEXITSTATUS(status) == 0);
  }
  return out;
}

// tshark_follow returns tshark's reassembled streams of TCP stream `index`: node 0 (the
// first sender) and node 1, from "-z follow,tcp,raw".
// tshark exits 2 on a truncated capture after printing what it read: `truncated` allows it.
std::array<Bytes, 2> tshark_follow(const std::string& capture, int index, bool truncated = false) {
  std::string out = sh_out(
      "tshark -r '" + capture + "' -q -z follow,tcp,raw," + std::to_string(index) + " 2>/dev/null",
      truncated);
  std::array<std::string, 2> hex;
  std::size_t pos = 0;
  int seps = 0;
  while (pos < out.size()) {
    std::size_t eol = out.find('\n', pos);
    if (eol == std::string::npos) {
      eol = out.size();
    }
    std::string line = out.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.rfind("=====", 0) == 0) {
      ++seps;
      continue;
    }
    if (seps != 1 || line.empty() || line.find(':') != std::string::npos) {
      continue;  // the header lines (Follow:, Filter:, Node N:)
    }
    if (line[0] == '\t') {
      hex[1] += line.substr(1);
    } else {
      hex[0] += line;
    }
  }
  return {hsk::from_hex(hex[0]), hsk::from_hex(hex[1])};
}

bool have_tshark() {
  static const bool ok = std::system("tshark --version >/dev/null 2>&1") == 0;
  return ok;
}

}  // namespace

TEST_CASE("capture: recorded OpenSSL handshakes reassemble to their step files", "[capture]") {
  auto dirs = handshake_dirs();
  REQUIRE(dirs.size() >= 10);
  for (const auto& dir : dirs) {
    INFO(dir);
    auto r = run_file(dir + "/capture.pcapng");
    CHECK(r->link_type == link::kEthernet);
    CHECK(r->stats.stop_note.empty());
    REQUIRE(r->rec.conns.size() == 1);
    const Recorded& c = r->rec.conns.at(1);
    CHECK(c.info.roles_known);
    CHECK(c.info.server.port != 0);
    CHECK(c.close == "fin");
    Bytes client = read_file(dir + "/1-client-hello.tls");
    append(client, read_file(dir + "/3-client-flight.tls"));
    Bytes server = read_file(dir + "/2-server-flight.tls");
    append(server, read_file(dir + "/4-server-finished.tls"));
    // The step files are the first bytes of each direction; application data and alerts follow.
    CHECK(starts_with(c.stream[0], client));
    CHECK(starts_with(c.stream[1], server));
    CHECK(c.stream[0].size() > client.size());
    CHECK(c.stream[1].size() > server.size());
    CHECK(looks_like_tls(c.stream[0]));
    for (int d = 0; d < 2; ++d) {
      CHECK(c.info.stats[d].gaps == 0);
      CHECK(c.info.stats[d].duplicate_bytes == 0);
    }
  }
}

TEST_CASE("capture: recorded handshakes agree with tshark's follow,tcp,raw", "[capture][interop]") {
  if (!have_tshark()) {
    FAIL("tshark not found (scripts/deps installs it)");
  }
  auto dirs = handshake_dirs();
  REQUIRE(dirs.size() >= 10);
  for (const auto& dir : dirs) {
    INFO(dir);
    auto r = run_file(dir + "/capture.pcapng");
    auto want = tshark_follow(dir + "/capture.pcapng", 0);
    REQUIRE(r->rec.conns.size() == 1);
    CHECK(r->rec.conns.at(1).stream[0] == want[0]);
    CHECK(r->rec.conns.at(1).stream[1] == want[1]);
  }
  // The hand-made ones too (tshark reads the same frames the same way), except the snaplen
  // cut, where tshark's follow stops at the first missing bytes.
  for (const Committed& c : committed_captures()) {
    if (c.name == "tls12-snaplen-200.pcap") {
      continue;
    }
    INFO(c.name);
    const std::string path = std::string(HSK_TESTDATA) + "/captures/" + c.name;
    auto r = run_file(path);
    auto want = tshark_follow(path, 0, c.name == "tls12-truncated.pcap");
    REQUIRE(r->rec.conns.size() == 1);
    CHECK(r->rec.conns.at(1).stream[0] == want[0]);
    CHECK(r->rec.conns.at(1).stream[1] == want[1]);
  }
}

TEST_CASE("capture: a recorded pcapng cut anywhere: a prefix of the streams, then a note",
          "[capture]") {
  const std::string dir = std::string(HSK_TESTDATA) + "/handshakes/tls12-ecdhe-rsa";
  Bytes whole = read_file(dir + "/capture.pcapng");
  auto full = run_bytes(whole);
  const Recorded& want = full->rec.conns.at(1);
  std::size_t notes = 0;
  for (std::size_t cut = 1; cut < whole.size(); cut += 37) {
    INFO("cut at " << cut);
    Bytes part(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(cut));
    std::unique_ptr<Run> r;
    try {
      r = run_bytes(part);
    } catch (const hsk::Error& e) {
      CHECK(e.kind() == hsk::ErrorKind::malformed);  // cut inside the section header
      continue;
    }
    if (!r->stats.stop_note.empty()) {
      ++notes;
      CHECK(r->stats.stop_note.find("capture truncated at packet ") == 0);
    }
    for (const auto& [id, c] : r->rec.conns) {
      for (int d = 0; d < 2; ++d) {
        CHECK(starts_with(want.stream[d], c.stream[d]));
      }
    }
  }
  CHECK(notes > 50);
}

// ================================================================ live capture

TEST_CASE("capture: a live loopback capture of OpenSSL agrees with tshark", "[capture][interop]") {
  if (!have_tshark() || std::system("openssl version >/dev/null 2>&1") != 0) {
    FAIL("tshark or openssl not found (scripts/deps installs them)");
  }
  std::string dir = (std::filesystem::temp_directory_path() / "hsk-capture-XXXXXX").string();
  REQUIRE(::mkdtemp(dir.data()) != nullptr);
  struct Cleanup {
    std::string d;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(d, ec);
    }
  } cleanup{dir};
  // s_server on port 0 (the kernel picks), tshark on that port, then s_client sends ~400 KB
  // of text lines (many segments) and s_server (-rev) sends each line back reversed. Every process
  // is ours, killed by PID; everything runs under timeouts.
  const std::string script = R"(
set -eu
cd "$1"
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; done' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout k.pem -out c.pem \
  -subj /CN=hsk.test -days 2 2>/dev/null
timeout 60 openssl s_server -accept 127.0.0.1:0 -naccept 1 -cert c.pem -key k.pem -tls1_2 \
  -rev >server.out 2>&1 </dev/null & pids="$pids $!"
for i in $(seq 100); do grep -q ACCEPT server.out 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\)$/\1/p' server.out)
[ -n "$port" ]
timeout 60 tshark -i lo -f "tcp port $port" -w live.pcapng >tshark.out 2>&1 & tpid=$!; pids="$pids $tpid"
for i in $(seq 100); do grep -q "Capturing on" tshark.out 2>/dev/null && break; sleep 0.1; done
head -c 300000 /dev/urandom | base64 | sed 's/^/line /' >payload.txt
timeout 30 openssl s_client -connect 127.0.0.1:$port -quiet -no_ign_eof -nocommands <payload.txt >client.out 2>&1 || true
sleep 1
kill -INT $tpid
for i in $(seq 100); do kill -0 $tpid 2>/dev/null || break; sleep 0.1; done
test -s live.pcapng
)";
  {
    std::ofstream s(dir + "/live.sh");
    s << script;
  }
  sh_out("timeout 120 bash '" + dir + "/live.sh' '" + dir + "' >/dev/null 2>&1");
  const std::string capture = dir + "/live.pcapng";
  auto r = run_file(capture);
  REQUIRE(r->rec.conns.size() == 1);
  const Recorded& c = r->rec.conns.at(1);
  auto want = tshark_follow(capture, 0);
  CHECK(c.stream[0].size() > 300000);
  CHECK(c.stream[0] == want[0]);
  CHECK(c.stream[1] == want[1]);
  CHECK(looks_like_tls(c.stream[0]));
  CHECK(c.info.roles_known);
  CHECK(c.info.stats[0].gaps == 0);
}
