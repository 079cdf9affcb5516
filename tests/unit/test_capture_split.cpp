// hsk::inspect::split_capture (`hsk decode --split`): hand-built captures (a classic pcap
// written here field by field: Ethernet, IPv4, TCP) carrying a recorded OpenSSL handshake
// (testdata/handshakes/tls12-dhe-rsa's step files) and hand-built records for the cases
// OpenSSL was not recorded in (an abbreviated handshake, TLS 1.3, a malformed record, a
// connection that is not TLS). Every expected file is a run of the bytes the test put on the
// wire, so the expectations do not come from the code under test.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "capture/capture.hpp"
#include "hsk/bytes.hpp"
#include "hsk/error.hpp"
#include "inspect/inspect.hpp"
#include "io/file.hpp"

using hsk::Bytes;
using hsk::ByteView;
using Json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kData = HSK_TESTDATA;

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
void append(Bytes& b, ByteView x) { b.insert(b.end(), x.begin(), x.end()); }
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) {
    append(out, p);
  }
  return out;
}

Bytes read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  REQUIRE(f.good());
  return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// ---- TLS records, built by hand (RFC 5246 §6.2.1, §7.4)
Bytes record(std::uint8_t type, const Bytes& fragment, std::uint16_t version = 0x0303) {
  Bytes b{type};
  put16be(b, version);
  put16be(b, static_cast<std::uint32_t>(fragment.size()));
  append(b, fragment);
  return b;
}
Bytes handshake(std::uint8_t msg_type, const Bytes& body) {
  Bytes b{msg_type, 0};
  put16be(b, static_cast<std::uint32_t>(body.size()));
  append(b, body);
  return b;
}
Bytes filler(std::size_t n, std::uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) {
    b[i] = static_cast<std::uint8_t>(seed + i * 7);
  }
  return b;
}
// server_hello: RFC 5246 §7.4.1.3, with supported_versions (RFC 8446 §4.2.1) when given.
Bytes server_hello(std::uint16_t suite, std::uint16_t supported_version = 0) {
  Bytes body;
  put16be(body, 0x0303);
  append(body, filler(32, 0x11));
  body.push_back(0);  // session_id
  put16be(body, suite);
  body.push_back(0);  // compression
  if (supported_version != 0) {
    put16be(body, 6);
    put16be(body, 43);
    put16be(body, 2);
    put16be(body, supported_version);
  }
  return handshake(2, body);
}
Bytes client_hello() {
  Bytes body;
  put16be(body, 0x0303);
  append(body, filler(32, 0x22));
  body.push_back(0);
  put16be(body, 2);
  put16be(body, 0x009c);
  body.push_back(1);
  body.push_back(0);
  return handshake(1, body);
}
const Bytes kCcs = record(20, Bytes{1});

// ---- a classic pcap (draft-ietf-opsawg-pcap) of Ethernet / IPv4 / TCP frames
struct Pcap {
  Bytes out;
  std::uint32_t usec = 0;
  Pcap() {
    put32le(out, 0xa1b2c3d4);
    out.insert(out.end(), {2, 0, 4, 0});
    put32le(out, 0);
    put32le(out, 0);
    put32le(out, 65535);
    put32le(out, 1);  // LINKTYPE_ETHERNET
  }
  void add(const Bytes& frame) {
    put32le(out, 1700000000);
    put32le(out, usec++);
    put32le(out, static_cast<std::uint32_t>(frame.size()));
    put32le(out, static_cast<std::uint32_t>(frame.size()));
    append(out, frame);
  }
};

constexpr std::uint8_t kFin = 0x01, kSyn = 0x02, kPsh = 0x08, kAck = 0x10;

// Conn writes one TCP connection 10.0.0.1:cport -> 10.0.0.2:sport into a Pcap, cutting each
// send into segments of at most `mss` bytes.
struct Conn {
  Pcap& pcap;
  std::uint16_t cport;
  std::uint16_t sport;
  std::size_t mss = 1000;
  std::uint32_t cseq = 1000;
  std::uint32_t sseq = 9000;

  Bytes frame(bool from_client, std::uint32_t seq, std::uint32_t ack, std::uint8_t flags,
              ByteView payload) const {
    Bytes tcp;
    put16be(tcp, from_client ? cport : sport);
    put16be(tcp, from_client ? sport : cport);
    put32be(tcp, seq);
    put32be(tcp, ack);
    tcp.push_back(5 << 4);
    tcp.push_back(flags);
    put16be(tcp, 65535);
    put16be(tcp, 0);
    put16be(tcp, 0);
    append(tcp, payload);
    Bytes ip{0x45, 0};
    put16be(ip, static_cast<std::uint32_t>(20 + tcp.size()));
    put16be(ip, 0);
    put16be(ip, 0x4000);
    ip.push_back(64);
    ip.push_back(6);
    put16be(ip, 0);
    Bytes a{10, 0, 0, 1}, b{10, 0, 0, 2};
    append(ip, from_client ? a : b);
    append(ip, from_client ? b : a);
    append(ip, tcp);
    Bytes eth{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00};
    append(eth, ip);
    return eth;
  }
  void open() {
    pcap.add(frame(true, cseq, 0, kSyn, {}));
    pcap.add(frame(false, sseq, cseq + 1, kSyn | kAck, {}));
    ++cseq;
    ++sseq;
  }
  // send: `data` from the client or the server, in segments.
  void send(bool from_client, const Bytes& data) {
    for (std::size_t pos = 0; pos < data.size(); pos += mss) {
      std::size_t n = std::min(mss, data.size() - pos);
      ByteView piece(data.data() + pos, n);
      if (from_client) {
        pcap.add(frame(true, cseq, sseq, kAck | kPsh, piece));
        cseq += static_cast<std::uint32_t>(n);
      } else {
        pcap.add(frame(false, sseq, cseq, kAck | kPsh, piece));
        sseq += static_cast<std::uint32_t>(n);
      }
    }
  }
  void close() {
    pcap.add(frame(true, cseq, sseq, kFin | kAck, {}));
    pcap.add(frame(false, sseq, cseq + 1, kFin | kAck, {}));
    pcap.add(frame(true, cseq + 1, sseq + 1, kAck, {}));
  }
};

struct Split {
  fs::path dir;
  std::string out;
  hsk::inspect::CaptureSplitSummary summary;
};

// run_split splits `capture` into a fresh directory under the system's temporary directory.
Split run_split(const Bytes& capture, const std::string& tag, bool json = true) {
  Split s;
  s.dir = fs::temp_directory_path() / ("hsk-split-unit-" + tag + "-" + std::to_string(::getpid()));
  fs::remove_all(s.dir);
  hsk::capture::CaptureReader reader(capture, tag + ".pcap");
  hsk::inspect::CaptureSplitOptions options;
  options.json = json;
  s.summary = hsk::inspect::split_capture(reader, s.dir.string(), options,
                                          [&](std::string_view chunk) { s.out += chunk; });
  return s;
}

std::vector<std::string> subdirs(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> files_of(const fs::path& sub) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(sub)) {
    out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Json load_json(const fs::path& p) {
  std::ifstream f(p);
  REQUIRE(f.good());
  return Json::parse(f);
}

// recorded_steps: the four step files of testdata/handshakes/tls12-dhe-rsa (a real OpenSSL
// handshake), in order.
std::array<Bytes, 4> recorded_steps() {
  const std::string hs = kData + "/handshakes/tls12-dhe-rsa/";
  return {read_file(hs + "1-client-hello.tls"), read_file(hs + "2-server-flight.tls"),
          read_file(hs + "3-client-flight.tls"), read_file(hs + "4-server-finished.tls")};
}

}  // namespace

TEST_CASE("split: a recorded TLS 1.2 handshake in small segments gives the step files",
          "[capture_split]") {
  auto [f1, f2, f3, f4] = recorded_steps();
  Bytes c_data = cat({record(23, filler(40, 1)), record(21, filler(26, 2))});
  Bytes s_data = record(23, filler(57, 3));

  Pcap pcap;
  Conn c{pcap, 40000, 443, 100};
  c.open();
  c.send(true, f1);
  c.send(false, f2);
  c.send(true, f3);
  c.send(false, f4);
  c.send(true, c_data);
  c.send(false, s_data);
  c.close();

  Split s = run_split(pcap.out, "full");
  CHECK(s.summary.tcp_connections == 1);
  CHECK(s.summary.tls_connections == 1);
  CHECK(s.summary.connections_with_errors == 0);
  REQUIRE(subdirs(s.dir) == std::vector<std::string>{"001-10.0.0.1.40000-10.0.0.2.443"});
  fs::path sub = s.dir / "001-10.0.0.1.40000-10.0.0.2.443";
  CHECK(files_of(sub) == std::vector<std::string>{"1-client-hello.tls", "2-server-flight.tls",
                                                  "3-client-flight.tls", "4-server-finished.tls",
                                                  "5-client-data.tls", "6-server-data.tls",
                                                  "connection.json"});
  CHECK(read_file((sub / "1-client-hello.tls").string()) == f1);
  CHECK(read_file((sub / "2-server-flight.tls").string()) == f2);
  CHECK(read_file((sub / "3-client-flight.tls").string()) == f3);
  CHECK(read_file((sub / "4-server-finished.tls").string()) == f4);
  CHECK(read_file((sub / "5-client-data.tls").string()) == c_data);
  CHECK(read_file((sub / "6-server-data.tls").string()) == s_data);

  Json j = load_json(sub / "connection.json");
  CHECK(j["connection"] == 1);
  CHECK(j["client"] == "10.0.0.1:40000");
  CHECK(j["server"] == "10.0.0.2:443");
  CHECK(j["close"] == "fin");
  CHECK(j["version"]["code"] == 0x0303);
  CHECK(j["cipher_suite"]["code"] == 0x009e);
  CHECK(j["cipher_suite"]["name"] == "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256");
  CHECK(j["handshake"] == "full");
  CHECK(j["client_auth_requested"] == false);
  CHECK(j["files"][1]["bytes"] == f2.size());
  CHECK(j["files"][1]["direction"] == "server");
  CHECK(j["notes"].empty());
  CHECK(j["errors"].empty());
  CHECK(j["commands"] ==
        Json::array({"hsk decode 1-client-hello.tls 2-server-flight.tls 3-client-flight.tls "
                     "4-server-finished.tls",
                     "hsk verify-sig 1-client-hello.tls 2-server-flight.tls 3-client-flight.tls"}));
  // The JSON line is connection.json; the summary follows.
  std::size_t nl = s.out.find('\n');
  REQUIRE(nl != std::string::npos);
  CHECK(Json::parse(s.out.substr(0, nl)) == j);
  CHECK(Json::parse(s.out.substr(nl + 1))["summary"]["tls_connections"] == 1);
  struct stat st {};
  REQUIRE(::stat(sub.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == (0755 & ~[] {
          mode_t m = ::umask(0);
          ::umask(m);
          return m;
        }()));
  fs::remove_all(s.dir);
}

TEST_CASE("split: an abbreviated handshake", "[capture_split]") {
  Bytes f1 = record(22, client_hello());
  Bytes f2 = cat({record(22, server_hello(0x009c)), kCcs, record(22, filler(40, 5))});
  Bytes f3 = cat({kCcs, record(22, filler(40, 6))});
  Bytes c_data = record(23, filler(30, 7));
  Pcap pcap;
  Conn c{pcap, 40001, 4433, 7};
  c.open();
  c.send(true, f1);
  c.send(false, f2);
  c.send(true, cat({f3, c_data}));
  c.close();
  Split s = run_split(pcap.out, "abbreviated");
  fs::path sub = s.dir / "001-10.0.0.1.40001-10.0.0.2.4433";
  CHECK(files_of(sub) == std::vector<std::string>{"1-client-hello.tls", "2-server-flight.tls",
                                                  "3-client-flight.tls", "5-client-data.tls",
                                                  "connection.json"});
  CHECK(read_file((sub / "2-server-flight.tls").string()) == f2);
  CHECK(read_file((sub / "3-client-flight.tls").string()) == f3);
  CHECK(read_file((sub / "5-client-data.tls").string()) == c_data);
  Json j = load_json(sub / "connection.json");
  CHECK(j["handshake"] == "abbreviated");
  CHECK(j["notes"].empty());
  CHECK(j["commands"].size() == 1);  // decode only: nothing is signed
  fs::remove_all(s.dir);
}

TEST_CASE("split: TLS 1.3 is split after the ClientHello only", "[capture_split]") {
  Bytes f1 = record(22, client_hello(), 0x0301);
  Bytes c_rest = cat({kCcs, record(23, filler(60, 8))});
  Bytes s_all = cat({record(22, server_hello(0x1301, 0x0304)), kCcs, record(23, filler(90, 9)),
                     record(23, filler(20, 10))});
  Pcap pcap;
  Conn c{pcap, 40002, 443, 50};
  c.open();
  c.send(true, f1);
  c.send(false, s_all);
  c.send(true, c_rest);
  c.close();
  Split s = run_split(pcap.out, "tls13", false);
  fs::path sub = s.dir / "001-10.0.0.1.40002-10.0.0.2.443";
  CHECK(files_of(sub) == std::vector<std::string>{"1-client-hello.tls", "5-client-data.tls",
                                                  "6-server-data.tls", "connection.json"});
  CHECK(read_file((sub / "1-client-hello.tls").string()) == f1);
  CHECK(read_file((sub / "5-client-data.tls").string()) == c_rest);
  CHECK(read_file((sub / "6-server-data.tls").string()) == s_all);
  Json j = load_json(sub / "connection.json");
  CHECK(j["handshake"] == "tls1.3");
  CHECK(j["version"]["code"] == 0x0304);
  CHECK(j["cipher_suite"]["name"] == "TLS_AES_128_GCM_SHA256");
  CHECK(s.out.rfind("001-10.0.0.1.40002-10.0.0.2.443: TLS 1.3 TLS_AES_128_GCM_SHA256, not split "
                    "(TLS 1.3), 3 files\n",
                    0) == 0);
  fs::remove_all(s.dir);
}

TEST_CASE(
    "split: a malformed record keeps what precedes it; other connections go on; "
    "non-TLS connections are skipped",
    "[capture_split]") {
  Bytes f1 = record(22, client_hello());
  Bytes f2 = cat({record(22, cat({server_hello(0x009c), handshake(11, filler(30, 1))})),
                  record(22, handshake(14, {}))});
  Bytes f3 = cat({record(22, handshake(16, filler(66, 2))), kCcs, record(22, filler(40, 3))});
  Bytes f4 = cat({record(22, handshake(4, filler(20, 4))), kCcs, record(22, filler(40, 5))});
  Bytes garbage{0x99, 0x03, 0x03, 0x00, 0x02, 0xaa, 0xbb};
  Pcap pcap;
  Conn bad{pcap, 40003, 443, 40};
  Conn good{pcap, 40004, 443, 1000};
  Conn http{pcap, 40005, 80, 1000};
  bad.open();
  good.open();
  http.open();
  bad.send(true, f1);
  good.send(true, f1);
  http.send(true, Bytes{'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P', '/', '1', '.', '1'});
  bad.send(false, cat({f2, garbage}));
  good.send(false, f2);
  http.send(false, Bytes{'H', 'T', 'T', 'P', '/', '1', '.', '1', ' ', '2', '0', '0'});
  good.send(true, f3);
  good.send(false, f4);
  bad.close();
  good.close();
  http.close();
  Split s = run_split(pcap.out, "errors");
  CHECK(s.summary.tcp_connections == 3);
  CHECK(s.summary.tls_connections == 2);
  CHECK(s.summary.connections_with_errors == 1);
  REQUIRE(subdirs(s.dir) == std::vector<std::string>{"001-10.0.0.1.40003-10.0.0.2.443",
                                                     "002-10.0.0.1.40004-10.0.0.2.443"});
  fs::path b = s.dir / "001-10.0.0.1.40003-10.0.0.2.443";
  CHECK(files_of(b) ==
        std::vector<std::string>{"1-client-hello.tls", "2-server-flight.tls", "connection.json"});
  CHECK(read_file((b / "2-server-flight.tls").string()) == f2);
  Json jb = load_json(b / "connection.json");
  REQUIRE(jb["errors"].size() == 1);
  CHECK(jb["errors"][0].get<std::string>().find(
            "server: stream offset " + std::to_string(f2.size()) + ": record: content type 0x99") ==
        0);
  CHECK(jb["handshake"] == "incomplete");
  fs::path g = s.dir / "002-10.0.0.1.40004-10.0.0.2.443";
  CHECK(read_file((g / "3-client-flight.tls").string()) == f3);
  CHECK(read_file((g / "4-server-finished.tls").string()) == f4);
  Json jg = load_json(g / "connection.json");
  CHECK(jg["handshake"] == "full");
  CHECK(jg["errors"].empty());
  CHECK(jg["commands"].size() == 3);  // RSA: derive-pms replay offered
  CHECK(jg["commands"][2].get<std::string>().find("hsk derive-pms --role server") == 0);
  fs::remove_all(s.dir);
}

TEST_CASE("split: DIR must be new or empty", "[capture_split]") {
  Pcap pcap;
  Conn c{pcap, 40006, 443};
  c.open();
  c.send(true, record(22, client_hello()));
  c.close();
  fs::path dir = fs::temp_directory_path() / ("hsk-split-unit-dir-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directory(dir);
  { std::ofstream(dir / "keep") << "x"; }
  hsk::capture::CaptureReader reader(pcap.out, "dir.pcap");
  std::string out;
  auto emit = [&](std::string_view chunk) { out += chunk; };
  try {
    hsk::inspect::split_capture(reader, dir.string(), {}, emit);
    FAIL("a non-empty DIR was accepted");
  } catch (const hsk::Error& e) {
    CHECK(e.kind() == hsk::ErrorKind::usage);
  }
  CHECK(files_of(dir) == std::vector<std::string>{"keep"});
  CHECK(out.empty());
  hsk::capture::CaptureReader reader2(pcap.out, "dir.pcap");
  CHECK_THROWS_AS(hsk::inspect::split_capture(reader2, (dir / "keep").string(), {}, emit),
                  hsk::Error);
  fs::remove_all(dir);
  // A client that only says hello: its file is written, the handshake is incomplete.
  hsk::capture::CaptureReader reader3(pcap.out, "dir.pcap");
  hsk::inspect::split_capture(reader3, dir.string(), {}, emit);
  fs::path sub = dir / "001-10.0.0.1.40006-10.0.0.2.443";
  CHECK(files_of(sub) == std::vector<std::string>{"1-client-hello.tls", "connection.json"});
  CHECK(load_json(sub / "connection.json")["handshake"] == "incomplete");
  fs::remove_all(dir);
}

TEST_CASE(
    "split: a capture that starts after the ClientHello: roles from the ServerHello, "
    "directions unsplit",
    "[capture_split]") {
  Bytes f2 = cat({record(22, cat({server_hello(0x009c), handshake(11, filler(30, 1))})),
                  record(22, handshake(14, {}))});
  Bytes f3 = cat({record(22, handshake(16, filler(66, 2))), kCcs, record(22, filler(40, 3))});
  Pcap pcap;
  Conn c{pcap, 40007, 443, 30};
  ++c.cseq;  // no SYN in the capture: the server's segment comes first
  ++c.sseq;
  c.send(false, f2);
  c.send(true, f3);
  c.close();
  Split s = run_split(pcap.out, "midstream");
  REQUIRE(subdirs(s.dir) == std::vector<std::string>{"001-10.0.0.1.40007-10.0.0.2.443"});
  fs::path sub = s.dir / "001-10.0.0.1.40007-10.0.0.2.443";
  CHECK(files_of(sub) ==
        std::vector<std::string>{"5-client-data.tls", "6-server-data.tls", "connection.json"});
  CHECK(read_file((sub / "5-client-data.tls").string()) == f3);
  CHECK(read_file((sub / "6-server-data.tls").string()) == f2);
  Json j = load_json(sub / "connection.json");
  CHECK(j["client"] == "10.0.0.1:40007");
  CHECK(j["handshake"] == "incomplete");
  REQUIRE(!j["notes"].empty());
  CHECK(j["notes"][0] == "client: no ClientHello at the start of the stream: written unsplit");
  fs::remove_all(s.dir);
}

TEST_CASE("split: a direction keeps at most 1 MiB of records after its Finished",
          "[capture_split]") {
  auto [f1, f2, f3, f4] = recorded_steps();
  // 80 full records from the client (16389 bytes each with the header): 63 end within
  // 1048576 bytes after the Finished (63 * 16389 = 1032507, 64 * 16389 = 1048896).
  Bytes c_kept, c_dropped;
  for (int i = 0; i < 80; ++i) {
    append(i < 63 ? c_kept : c_dropped, record(23, filler(16384, static_cast<std::uint8_t>(i))));
  }
  Bytes s_data;  // 20 records from the server: under the cap, all written
  for (int i = 0; i < 20; ++i) {
    append(s_data, record(23, filler(16384, static_cast<std::uint8_t>(100 + i))));
  }
  Pcap pcap;
  Conn c{pcap, 40010, 443, 1400};
  c.open();
  c.send(true, f1);
  c.send(false, f2);
  c.send(true, f3);
  c.send(false, f4);
  c.send(true, cat({c_kept, c_dropped}));
  c.send(false, s_data);
  c.close();
  Split s = run_split(pcap.out, "cap");
  REQUIRE(subdirs(s.dir) == std::vector<std::string>{"001-10.0.0.1.40010-10.0.0.2.443"});
  fs::path sub = s.dir / "001-10.0.0.1.40010-10.0.0.2.443";
  CHECK(read_file((sub / "3-client-flight.tls").string()) == f3);
  CHECK(read_file((sub / "5-client-data.tls").string()) == c_kept);
  CHECK(read_file((sub / "6-server-data.tls").string()) == s_data);
  Json j = load_json(sub / "connection.json");
  CHECK(j["handshake"] == "full");
  CHECK(j["errors"].empty());
  std::size_t at = f1.size() + f3.size() + c_kept.size();
  REQUIRE(j["notes"].size() == 1);
  CHECK(j["notes"][0] == "client: data after " + std::to_string(at) + " bytes not written: the " +
                             std::to_string(c_dropped.size()) + " bytes from stream offset " +
                             std::to_string(at) +
                             " on are beyond the 1048576 bytes kept after the Finished");
  fs::remove_all(s.dir);
}

TEST_CASE("split: write_new_file creates, never replaces, never follows a symlink",
          "[capture_split]") {
  fs::path dir = fs::temp_directory_path() / ("hsk-split-unit-wnf-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directory(dir);
  Bytes data = filler(70000, 3);
  hsk::io::write_new_file((dir / "a").string(), data, 0600);
  CHECK(read_file((dir / "a").string()) == data);
  struct stat st {};
  REQUIRE(::stat((dir / "a").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == (0600 & ~[] {
          mode_t m = ::umask(0);
          ::umask(m);
          return m;
        }()));
  try {
    hsk::io::write_new_file((dir / "a").string(), Bytes{1}, 0644);
    FAIL("an existing file was replaced");
  } catch (const hsk::Error& e) {
    CHECK(e.kind() == hsk::ErrorKind::io);
  }
  CHECK(read_file((dir / "a").string()) == data);
  fs::create_symlink(dir / "target", dir / "link");
  CHECK_THROWS_AS(hsk::io::write_new_file((dir / "link").string(), Bytes{1}, 0644), hsk::Error);
  CHECK(!fs::exists(dir / "target"));
  // A directory that does not exist: hsk::Error(io), nothing created.
  CHECK_THROWS_AS(hsk::io::write_new_file((dir / "missing" / "x").string(), Bytes{1}, 0644),
                  hsk::Error);
  hsk::io::sync_filesystem(dir.string());
  fs::remove_all(dir);
}
