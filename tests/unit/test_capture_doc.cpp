// hsk::inspect::decode_capture: the TLS connections of a capture, as JSON Lines. The messages
// decoded from each testdata/handshakes/*/capture.pcapng must equal those decode_json finds in
// the step files recorded beside it (the same bytes, cut from the same connection by
// OpenSSL's own record layer), and the hand-made captures of testdata/captures (reordered,
// duplicated, split, cut by the snapshot length, truncated, garbage after the handshake) must
// give a clear per-connection message without losing the other connections.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "capture/capture.hpp"
#include "crypto/crypto.hpp"
#include "crypto/record_protection.hpp"
#include "crypto/tls_crypto.hpp"
#include "hsk/bytes.hpp"
#include "hsk/error.hpp"
#include "inspect/inspect.hpp"
#include "wire/registry.hpp"

using hsk::Bytes;
using hsk::ByteView;
using Json = nlohmann::ordered_json;

namespace {

const std::string kData = HSK_TESTDATA;

Bytes read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  REQUIRE(f.good());
  return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

struct Decoded {
  std::vector<Json> connections;
  Json summary;
  hsk::inspect::CaptureDecodeSummary counts;
};

bool same_counts(const hsk::inspect::CaptureDecodeSummary& a,
                 const hsk::inspect::CaptureDecodeSummary& b) {
  return a.packets == b.packets && a.bytes == b.bytes && a.tcp_connections == b.tcp_connections &&
         a.tls_connections == b.tls_connections &&
         a.connections_with_errors == b.connections_with_errors &&
         a.connections_decrypted == b.connections_decrypted &&
         a.connections_failing_checks == b.connections_failing_checks && a.stop_note == b.stop_note;
}

// decode runs decode_capture twice, on this thread and with 3 worker threads (ParallelSink),
// requires the same output and counts from both, and parses the output.
Decoded decode(ByteView capture, const std::string& name,
               hsk::inspect::CaptureDecodeOptions options = {}) {
  options.json = true;
  auto run = [&](std::size_t threads, std::string& out) {
    options.threads = threads;
    hsk::capture::CaptureReader reader(capture, name);
    return hsk::inspect::decode_capture(reader, options,
                                        [&](std::string_view chunk) { out += chunk; });
  };
  std::string out;
  std::string parallel_out;
  Decoded d;
  d.counts = run(1, out);
  hsk::inspect::CaptureDecodeSummary parallel_counts = run(3, parallel_out);
  REQUIRE(parallel_out == out);
  REQUIRE(same_counts(parallel_counts, d.counts));
  std::size_t pos = 0;
  while (pos < out.size()) {
    std::size_t nl = out.find('\n', pos);
    REQUIRE(nl != std::string::npos);
    Json j = Json::parse(out.substr(pos, nl - pos));
    CHECK(j["hsk_decode"] == 1);
    CHECK(j["capture"] == name);
    if (j.contains("summary")) {
      d.summary = j["summary"];
    } else {
      d.connections.push_back(std::move(j));
    }
    pos = nl + 1;
  }
  return d;
}

// strip removes what only a capture knows (offsets, direction, packet, time) and the
// ciphertext bytes a file decode shows, so records of both views compare.
Json strip(Json j) {
  if (j.is_object()) {
    Json out = Json::object();
    bool encrypted = j.value("encrypted", false);
    for (auto& [k, v] : j.items()) {
      if (k == "offset" || k == "direction" || k == "packet" || k == "time" ||
          (encrypted && k == "fragment_hex")) {
        continue;
      }
      out[k] = strip(v);
    }
    return out;
  }
  if (j.is_array()) {
    Json out = Json::array();
    for (auto& v : j) {
      out.push_back(strip(v));
    }
    return out;
  }
  return j;
}

const char* kSteps[] = {"1-client-hello.tls", "2-server-flight.tls", "3-client-flight.tls",
                        "4-server-finished.tls"};

// step_records decodes the step files with decode_json; each record gets the direction of
// its file (1 and 3 from the client, 2 and 4 from the server).
std::vector<std::pair<std::string, Json>> step_records(const std::string& dir) {
  std::vector<hsk::inspect::Input> inputs;
  for (const char* s : kSteps) {
    inputs.push_back({s, read_file(dir + "/" + s)});
  }
  Json doc = Json::parse(hsk::inspect::decode_json(inputs, {}));
  std::vector<std::pair<std::string, Json>> out;
  for (std::size_t i = 0; i < 4; ++i) {
    for (auto& r : doc["inputs"][i]["records"]) {
      out.emplace_back(i % 2 == 0 ? "client" : "server", strip(r));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("capture decode: each recorded handshake equals its step files", "[capture_doc]") {
  std::size_t cases = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kData + "/handshakes")) {
    std::string dir = entry.path().string();
    if (!std::filesystem::exists(dir + "/capture.pcapng")) {
      continue;
    }
    ++cases;
    INFO(dir);
    Bytes cap = read_file(dir + "/capture.pcapng");
    Decoded d = decode(cap, "capture.pcapng");
    REQUIRE(d.connections.size() == 1);
    const Json& c = d.connections[0];
    CHECK(c["connection"] == 1);
    CHECK(c["close"] == "fin");
    CHECK(c["errors"].empty());
    CHECK(c["notes"].empty());
    CHECK(c["client"].get<std::string>().rfind("127.0.0.1:", 0) == 0);
    auto want = step_records(dir);
    const Json& got = c["records"];
    REQUIRE(got.size() > want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      INFO("record " << i);
      CHECK(got[i]["direction"] == want[i].first);
      CHECK(got[i]["packet"].get<std::uint64_t>() > 0);
      CHECK(strip(got[i]) == want[i].second);
    }
    // What follows the handshake is application data and alerts, all encrypted.
    for (std::size_t i = want.size(); i < got.size(); ++i) {
      int type = got[i]["content_type"]["code"].get<int>();
      CHECK((type == 23 || type == 21));
      CHECK(got[i]["encrypted"] == true);
    }
    // Stream offsets: each direction's records follow each other without a hole.
    std::uint64_t next[2] = {0, 0};
    for (const auto& r : got) {
      int k = r["direction"] == "client" ? 0 : 1;
      CHECK(r["offset"].get<std::uint64_t>() == next[k]);
      next[k] += 5 + r["length"].get<std::uint64_t>();
    }
    CHECK(d.summary["tls_connections"] == 1);
    CHECK(d.counts.connections_with_errors == 0);
  }
  CHECK(cases >= 10);
}

TEST_CASE("capture decode: hand-made captures", "[capture_doc]") {
  const std::string dir = kData + "/handshakes/tls12-ecdhe-rsa";
  auto want = step_records(dir);
  REQUIRE(want.size() == 11);

  for (const char* name : {"tls12-ethernet-reordered.pcap", "tls12-sll2-ipv6.pcap",
                           "tls12-vlan.pcap", "tls12-null.pcap", "tls12-raw.pcap"}) {
    INFO(name);
    Decoded d = decode(read_file(kData + "/captures/" + name), name);
    REQUIRE(d.connections.size() == 1);
    const Json& c = d.connections[0];
    CHECK(c["errors"].empty());
    CHECK(c["notes"].empty());  // duplicates in the reordered one carry the same bytes
    REQUIRE(c["records"].size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      CHECK(c["records"][i]["direction"] == want[i].first);
      CHECK(strip(c["records"][i]) == want[i].second);
    }
    if (std::string(name) == "tls12-sll2-ipv6.pcap") {
      CHECK(c["client"] == "[2001:db8::1]:40000");
      CHECK(c["server"] == "[2001:db8::2]:443");
    } else {
      CHECK(c["client"] == "10.0.0.1:40000");
      CHECK(c["server"] == "10.0.0.2:443");
    }
  }

  SECTION("the ClientHello split across 3 segments, sent out of order, is one record") {
    Decoded d = decode(read_file(kData + "/captures/tls12-ethernet-reordered.pcap"), "r");
    const Json& ch = d.connections[0]["records"][0];
    CHECK(ch["messages"][0]["msg_type"]["name"] == "client_hello");
    // The record completes with the packet carrying its last segment, not the first sent.
    CHECK(ch["packet"] == 7);  // SYN, SYN-ACK, ACK, then segments 3, 1, 1, 2
  }

  SECTION("garbage after the handshake: an error on the connection, what came before kept") {
    Decoded d = decode(read_file(kData + "/captures/tls12-garbage-after-handshake.pcap"), "g");
    REQUIRE(d.connections.size() == 1);
    const Json& c = d.connections[0];
    REQUIRE(c["errors"].size() == 1);
    std::string e = c["errors"][0];
    CHECK(e.find("client: stream offset 246: record: content type 0x01") == 0);
    CHECK(e.find("unexpected_message") != std::string::npos);
    CHECK(c["records"].size() == want.size());
    CHECK(d.counts.connections_with_errors == 1);
  }

  SECTION("snaplen 200: both directions stop at their first gap, with a note") {
    Decoded d = decode(read_file(kData + "/captures/tls12-snaplen-200.pcap"), "s");
    REQUIRE(d.connections.size() == 1);
    const Json& c = d.connections[0];
    CHECK(c["errors"].empty());
    REQUIRE(c["notes"].size() == 2);
    CHECK(c["notes"][0].get<std::string>().find("client: 7 bytes missing at stream offset 146") ==
          0);
    CHECK(c["notes"][0].get<std::string>().find("snapshot length") != std::string::npos);
    CHECK(c["notes"][1].get<std::string>().find("server: ") == 0);
    CHECK(d.counts.connections_with_errors == 0);
  }

  SECTION("truncated file: what was read is decoded, the connection says the file ends early") {
    Decoded d = decode(read_file(kData + "/captures/tls12-truncated.pcap"), "t");
    REQUIRE(d.connections.size() == 1);
    const Json& c = d.connections[0];
    CHECK(c["close"] == "end of capture");
    CHECK(c["records"].size() == 8);  // up to the client's Finished
    for (std::size_t i = 0; i < 8; ++i) {
      CHECK(strip(c["records"][i]) == want[i].second);
    }
    REQUIRE(c["notes"].size() == 1);
    CHECK(c["notes"][0].get<std::string>().find("the capture file ends early") == 0);
    CHECK(d.summary["stop_note"].get<std::string>().find("capture truncated at packet 7") == 0);
  }
}

TEST_CASE("capture decode: a bad connection does not stop the next one", "[capture_doc]") {
  // Two hand-made pcaps (same header) back to back: the garbage connection, then a clean
  // one on the same addresses after both FINs.
  Bytes a = read_file(kData + "/captures/tls12-garbage-after-handshake.pcap");
  Bytes b = read_file(kData + "/captures/tls12-vlan.pcap");
  REQUIRE(std::equal(a.begin(), a.begin() + 24, b.begin()));
  Bytes both = a;
  both.insert(both.end(), b.begin() + 24, b.end());
  Decoded d = decode(both, "both");
  REQUIRE(d.connections.size() == 2);
  CHECK(d.connections[0]["errors"].size() == 1);
  CHECK(d.connections[1]["errors"].empty());
  CHECK(d.connections[1]["records"].size() == 11);
  CHECK(d.summary["tls_connections"] == 2);
  CHECK(d.summary["connections_with_errors"] == 1);

  SECTION("--port narrows") {
    hsk::inspect::CaptureDecodeOptions o;
    o.port = 444;
    Decoded none = decode(both, "both", o);
    CHECK(none.connections.empty());
    CHECK(none.summary["tcp_connections"] == 0);
    o.port = 40000;
    CHECK(decode(both, "both", o).connections.size() == 2);
  }
}

TEST_CASE("capture decode: text names both sides and the problems", "[capture_doc]") {
  Bytes cap = read_file(kData + "/captures/tls12-garbage-after-handshake.pcap");
  hsk::capture::CaptureReader reader(cap, "g.pcap");
  std::string out;
  hsk::inspect::CaptureDecodeOptions o;
  o.offsets = true;
  hsk::inspect::decode_capture(reader, o, [&](std::string_view s) { out += s; });
  CHECK(out.rfind("connection 1: client 10.0.0.1:40000, server 10.0.0.2:443, packets 1-", 0) == 0);
  CHECK(out.find("\n  client, packet ") != std::string::npos);
  CHECK(out.find("\n    record: handshake (0x16), TLS 1.0 (0x0301), length ") != std::string::npos);
  CHECK(out.find("message: server_key_exchange (0x0c)") != std::string::npos);
  CHECK(out.find("\n  error: client: stream offset 246: record: content type 0x01") !=
        std::string::npos);
  CHECK(out.find("capture g.pcap: 11 packets, 1 TCP connections, 1 TLS, 1 with errors\n") !=
        std::string::npos);
}

// ---------------------------------------------------------------- decryption (--keylog)
//
// A hand-built capture: the recorded tls12-ecdhe-rsa handshake (ECDHE-RSA-AES128-GCM-SHA256)
// up to each side's ChangeCipherSpec, then Finished, application data and close_notify
// sealed here under a master secret of the test's choosing (its key log line). The live
// interop cases (tests/cli/decode/capture_keylog.sh) compare with openssl and tshark; these
// cover what a live peer will not send: a Finished that does not match, a tampered record.

namespace {

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

// RawPcap: classic pcap, LINKTYPE_RAW (101), IPv4 10.0.0.1:cport <-> 10.0.0.2:443.
struct RawPcap {
  Bytes out;
  std::uint32_t usec = 0;
  RawPcap() {
    put32le(out, 0xa1b2c3d4);
    put32le(out, 2 | 4 << 16);
    put32le(out, 0);
    put32le(out, 0);
    put32le(out, 65535);
    put32le(out, 101);
  }
  void segment(bool from_client, std::uint16_t cport, std::uint32_t seq, std::uint32_t ack,
               std::uint8_t flags, ByteView payload) {
    Bytes tcp;
    put16be(tcp, from_client ? cport : 443);
    put16be(tcp, from_client ? 443 : cport);
    put32be(tcp, seq);
    put32be(tcp, ack);
    tcp.push_back(5 << 4);
    tcp.push_back(flags);
    put16be(tcp, 65535);
    put32be(tcp, 0);
    tcp.insert(tcp.end(), payload.begin(), payload.end());
    Bytes ip{0x45, 0};
    put16be(ip, static_cast<std::uint32_t>(20 + tcp.size()));
    put32be(ip, 0x12344000);
    ip.insert(ip.end(), {64, 6, 0, 0});
    Bytes a{10, 0, 0, 1}, b{10, 0, 0, 2};
    const Bytes& src = from_client ? a : b;
    const Bytes& dst = from_client ? b : a;
    ip.insert(ip.end(), src.begin(), src.end());
    ip.insert(ip.end(), dst.begin(), dst.end());
    ip.insert(ip.end(), tcp.begin(), tcp.end());
    put32le(out, 1700000000);
    put32le(out, usec++);
    put32le(out, static_cast<std::uint32_t>(ip.size()));
    put32le(out, static_cast<std::uint32_t>(ip.size()));
    out.insert(out.end(), ip.begin(), ip.end());
  }
  // connection: SYN, SYN-ACK, then the client's and the server's streams as alternating
  // flights (one segment each), then FIN both ways.
  void connection(std::uint16_t cport, const std::vector<std::pair<bool, Bytes>>& flights) {
    std::uint32_t cseq = 1000, sseq = 5000;
    segment(true, cport, cseq++, 0, 0x02, {});
    segment(false, cport, sseq++, cseq, 0x12, {});
    for (const auto& [client, data] : flights) {
      if (client) {
        segment(true, cport, cseq, sseq, 0x18, data);
        cseq += static_cast<std::uint32_t>(data.size());
      } else {
        segment(false, cport, sseq, cseq, 0x18, data);
        sseq += static_cast<std::uint32_t>(data.size());
      }
    }
    segment(true, cport, cseq++, sseq, 0x11, {});
    segment(false, cport, sseq++, cseq, 0x11, {});
  }
};

// handshake_bytes: the concatenated fragments of the handshake records in `records`.
Bytes handshake_bytes(ByteView records) {
  Bytes out;
  std::size_t pos = 0;
  while (pos + 5 <= records.size()) {
    std::size_t n = std::size_t{records[pos + 3]} << 8 | records[pos + 4];
    if (records[pos] == 22) {
      out.insert(out.end(), records.begin() + pos + 5, records.begin() + pos + 5 + n);
    }
    pos += 5 + n;
  }
  return out;
}

// SealedSession: the recorded handshake plus the protected records of both sides.
struct SealedSession {
  Bytes master = Bytes(48, 0x42);
  Bytes client_random;
  Bytes client_flight, server_flight;  // each side's protected part, after its CCS
  Bytes client_hello, server_flight_plain, client_plain, server_plain;
  Bytes server_app_record;  // the server's application data record (for tampering)

  // Variants: a client Finished of `long_client_finished` zero bytes (0: the real one); the
  // server's Finished sealed in two records (6 bytes, then the rest).
  explicit SealedSession(bool bad_client_finished, std::size_t long_client_finished = 0,
                         bool split_server_finished = false) {
    const std::string dir = kData + "/handshakes/tls12-ecdhe-rsa/";
    client_hello = read_file(dir + "1-client-hello.tls");
    server_flight_plain = read_file(dir + "2-server-flight.tls");
    Bytes c3 = read_file(dir + "3-client-flight.tls");
    Bytes s4 = read_file(dir + "4-server-finished.tls");
    // CKE record, CCS record / NST record, CCS record: the plaintext before protection.
    std::size_t cke = 5 + (std::size_t{c3[3]} << 8 | c3[4]);
    client_plain.assign(c3.begin(), c3.begin() + static_cast<std::ptrdiff_t>(cke + 6));
    std::size_t nst = 5 + (std::size_t{s4[3]} << 8 | s4[4]);
    server_plain.assign(s4.begin(), s4.begin() + static_cast<std::ptrdiff_t>(nst + 6));
    client_random.assign(client_hello.begin() + 11, client_hello.begin() + 43);
    Bytes server_random(server_flight_plain.begin() + 11, server_flight_plain.begin() + 43);

    const hsk::wire::CipherSuite& suite = *hsk::wire::find_cipher_suite(0xc02f);
    auto prf = hsk::crypto::PrfKind::tls12_sha256;
    Bytes block = hsk::crypto::key_block(prf, master, server_random, client_random,
                                         hsk::crypto::key_block_length(suite, 0x0303));
    auto parts = hsk::crypto::split_key_block(suite, 0x0303, block);
    using RP = hsk::crypto::RecordProtection;
    RP client(hsk::crypto::record_keys(suite, 0x0303, parts, true, false), RP::Direction::seal);
    RP server(hsk::crypto::record_keys(suite, 0x0303, parts, false, false), RP::Direction::seal);
    auto rng = hsk::crypto::seeded_rng("capture keylog test");

    Bytes transcript = handshake_bytes(client_hello);
    Bytes more = handshake_bytes(server_flight_plain);
    transcript.insert(transcript.end(), more.begin(), more.end());
    more = handshake_bytes(client_plain);
    transcript.insert(transcript.end(), more.begin(), more.end());
    Bytes cf{20, 0, 0, 12};
    Bytes vd =
        hsk::crypto::verify_data(prf, master, true, hsk::crypto::transcript_hash(prf, transcript));
    if (bad_client_finished) {
      vd.assign(12, 0);
    }
    if (long_client_finished > 0) {
      vd.assign(long_client_finished, 0);
      cf[3] = static_cast<std::uint8_t>(long_client_finished);
    }
    cf.insert(cf.end(), vd.begin(), vd.end());
    transcript.insert(transcript.end(), cf.begin(), cf.end());
    more = handshake_bytes(server_plain);
    transcript.insert(transcript.end(), more.begin(), more.end());
    Bytes sf{20, 0, 0, 12};
    vd =
        hsk::crypto::verify_data(prf, master, false, hsk::crypto::transcript_hash(prf, transcript));
    sf.insert(sf.end(), vd.begin(), vd.end());

    auto add = [](Bytes& to, const Bytes& rec) { to.insert(to.end(), rec.begin(), rec.end()); };
    add(client_flight, client.seal_records(22, cf, *rng));
    if (split_server_finished) {
      add(server_flight, server.seal_records(22, ByteView(sf).first(6), *rng));
      add(server_flight, server.seal_records(22, ByteView(sf).subspan(6), *rng));
    } else {
      add(server_flight, server.seal_records(22, sf, *rng));
    }
    std::string ping = "ping\r\n";
    add(client_flight, client.seal_records(23, Bytes(ping.begin(), ping.end()), *rng));
    std::string pong = "pong \x01\n";
    server_app_record = server.seal_records(23, Bytes(pong.begin(), pong.end()), *rng);
    add(server_flight, server_app_record);
    add(client_flight, client.seal_records(21, Bytes{1, 0}, *rng));
  }

  std::vector<std::pair<bool, Bytes>> flights(const Bytes& server_protected) const {
    Bytes c = client_plain;
    c.insert(c.end(), client_flight.begin(), client_flight.end());
    Bytes s = server_plain;
    s.insert(s.end(), server_protected.begin(), server_protected.end());
    return {{true, client_hello}, {false, server_flight_plain}, {true, c}, {false, s}};
  }

  hsk::inspect::KeyLog keylog() const {
    std::string text =
        "# test\nCLIENT_RANDOM " + hsk::to_hex(client_random) + " " + hsk::to_hex(master) + "\n";
    return hsk::inspect::parse_keylog(Bytes(text.begin(), text.end()), "test.keys");
  }

  // decode_with_keylog decodes `capture` with this session's key log (and --app-data when
  // app_data).
  Decoded decode_with_keylog(ByteView capture, const std::string& name,
                             bool app_data = false) const {
    hsk::inspect::KeyLog log = keylog();
    hsk::inspect::CaptureDecodeOptions o;
    o.keylog = &log;
    o.app_data = app_data;
    return decode(capture, name, o);
  }
};

}  // namespace

TEST_CASE("capture decrypt: a hand-sealed session", "[capture_doc][keylog]") {
  SealedSession s(false);
  RawPcap p;
  p.connection(40000, s.flights(s.server_flight));
  hsk::inspect::KeyLog log = s.keylog();
  hsk::inspect::CaptureDecodeOptions o;
  o.keylog = &log;
  o.app_data = true;
  Decoded d = decode(p.out, "sealed", o);
  REQUIRE(d.connections.size() == 1);
  const Json& c = d.connections[0];
  CHECK(c["errors"] == Json::array());
  CHECK(c["decryption"]["status"] == "decrypted");
  CHECK(c["decryption"]["master_secret_from"] == "keylog");
  CHECK(c["decryption"]["client_finished"] == "verified");
  CHECK(c["decryption"]["server_finished"] == "verified");
  std::vector<std::string> app;
  std::vector<std::string> alerts;
  for (const auto& r : c["records"]) {
    if (r.contains("application_data")) {
      app.push_back(r["direction"].get<std::string>() + ":" +
                    r["application_data"]["hex"].get<std::string>());
      CHECK(r["encrypted"] == true);
      CHECK(r["decrypted"] == true);
      CHECK(r["length"] == r["plaintext_length"].get<std::size_t>() + 24);  // GCM: 8 + 16
    }
    if (r.value("decrypted", false) && r.contains("alert")) {
      alerts.push_back(r["alert"]["description"]["name"]);
    }
  }
  CHECK(app == std::vector<std::string>{"client:70696e670d0a", "server:706f6e6720010a"});
  CHECK(alerts == std::vector<std::string>{"close_notify"});
  CHECK(d.summary["connections_decrypted"] == 1);
  CHECK(d.summary["connections_failing_checks"] == 0);

  SECTION("text: UTF-8 text, preview with escapes") {
    o.app_data = false;
    Decoded e = decode(p.out, "sealed", o);
    std::string pong;
    for (const auto& r : e.connections[0]["records"]) {
      if (r.contains("application_data") && r["direction"] == "server") {
        pong = r["application_data"]["preview"];
      }
    }
    CHECK(pong == "pong \\x01\\n");
  }
}

TEST_CASE("capture decrypt: a Finished that does not match", "[capture_doc][keylog]") {
  SealedSession s(true);
  RawPcap p;
  p.connection(40000, s.flights(s.server_flight));
  Decoded d = s.decode_with_keylog(p.out, "bad-finished");
  REQUIRE(d.connections.size() == 1);
  const Json& c = d.connections[0];
  CHECK(c["decryption"]["status"] == "failed");
  CHECK(c["decryption"]["client_finished"] == "mismatch");
  CHECK(c["decryption"]["server_finished"] == "verified");
  REQUIRE(c["errors"].size() == 1);
  std::string e = c["errors"][0];
  CHECK(e.rfind("client: Finished: verify_data 000000000000000000000000 does not match ", 0) == 0);
  CHECK(e.find("(alert decrypt_error)") != std::string::npos);
  std::vector<Json> finished;
  for (const auto& r : c["records"]) {
    for (const auto& m : r.value("messages", Json::array())) {
      if (m["msg_type"]["code"] == 20) {
        finished.push_back(m["body"]);
      }
    }
  }
  REQUIRE(finished.size() == 2);
  CHECK(finished[0]["verified"] == false);
  CHECK(finished[0]["expected_verify_data"].get<std::string>().size() == 24);
  CHECK(finished[0]["expected_verify_data"] != finished[0]["verify_data"]);
  CHECK(finished[1]["verified"] == true);
  CHECK(d.counts.connections_failing_checks == 1);
  CHECK(d.counts.connections_with_errors == 0);
}

TEST_CASE("capture decrypt: a tampered record fails that connection only",
          "[capture_doc][keylog]") {
  SealedSession s(false);
  Bytes tampered = s.server_flight;
  // The last byte of the server's application data record (its GCM tag).
  std::size_t at = tampered.size() - 1;
  REQUIRE(std::equal(s.server_app_record.begin(), s.server_app_record.end(),
                     tampered.end() - static_cast<std::ptrdiff_t>(s.server_app_record.size())));
  tampered[at] ^= 0x01;
  RawPcap p;
  p.connection(40000, s.flights(tampered));
  p.connection(40001, s.flights(s.server_flight));
  Decoded d = s.decode_with_keylog(p.out, "tampered");
  REQUIRE(d.connections.size() == 2);
  const Json& bad = d.connections[0];
  CHECK(bad["decryption"]["status"] == "failed");
  CHECK(bad["decryption"]["client_finished"] == "verified");
  CHECK(bad["decryption"]["server_finished"] == "verified");
  REQUIRE(bad["errors"].size() == 1);
  std::uint64_t offset = s.server_flight_plain.size() + s.server_plain.size() +
                         s.server_flight.size() - s.server_app_record.size();
  CHECK(bad["errors"][0] == "server: stream offset " + std::to_string(offset) +
                                ": record: bad record MAC (or padding) (alert bad_record_mac): "
                                "decryption of this direction stops");
  // The tampered record is listed as encrypted; the client's records are all decrypted.
  const Json& last_server = [&]() -> const Json& {
    const Json* r = nullptr;
    for (const auto& x : bad["records"]) {
      if (x["direction"] == "server") {
        r = &x;
      }
    }
    return *r;
  }();
  CHECK(last_server["encrypted"] == true);
  CHECK_FALSE(last_server.contains("decrypted"));
  CHECK(last_server["offset"] == offset);
  const Json& good = d.connections[1];
  CHECK(good["errors"] == Json::array());
  CHECK(good["decryption"]["status"] == "decrypted");
  CHECK(d.counts.connections_failing_checks == 1);
  CHECK(d.counts.connections_decrypted == 2);
}

TEST_CASE("parse_keylog", "[capture_doc][keylog]") {
  auto parse = [](const std::string& text) {
    return hsk::inspect::parse_keylog(Bytes(text.begin(), text.end()), "k.log");
  };
  std::string r1(64, 'a'), r2(64, 'B'), m(96, '1');
  auto log = parse("# comment\n\n  \nCLIENT_HANDSHAKE_TRAFFIC_SECRET " + r1 + " " + m +
                   "\nRSA 0011223344556677 " + m + "\r\nCLIENT_RANDOM " + r1 + " " + m +
                   "\r\nPMS_CLIENT_RANDOM " + r2 + " 0303ff\n");
  REQUIRE(log.master_secrets.size() == 1);
  CHECK(hsk::to_hex(log.master_secrets.at(r1)) == std::string(96, '1'));
  REQUIRE(log.pre_master_secrets.size() == 1);
  CHECK(hsk::to_hex(log.pre_master_secrets.at(std::string(64, 'b'))) == "0303ff");
  auto message = [&](const std::string& text) {
    try {
      parse(text);
    } catch (const hsk::Error& e) {
      CHECK(e.kind() == hsk::ErrorKind::usage);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(message("\nCLIENT_RANDOM " + r1 + "\n") ==
        "k.log:2: CLIENT_RANDOM: expected 3 fields (label, client random, secret), found 2");
  CHECK(message("CLIENT_RANDOM " + r1 + " " + m.substr(2) + "\n") ==
        "k.log:1: CLIENT_RANDOM: master secret is 94 hex digits, expected 96");
  CHECK(message("PMS_CLIENT_RANDOM " + r1.substr(1) + "x 00\n") ==
        "k.log:1: PMS_CLIENT_RANDOM: client random: character 64 of 64 is not a hex digit");
  // The secret is named by position only, never shown.
  CHECK(message("CLIENT_RANDOM " + r1 + " 0123456789abcdefg" + m.substr(17) + "\n") ==
        "k.log:1: CLIENT_RANDOM: master secret: character 17 of 96 is not a hex digit");
  CHECK(message("PMS_CLIENT_RANDOM " + r1 + " 0303abc\n") ==
        "k.log:1: PMS_CLIENT_RANDOM: pre-master secret: odd number of hex digits (7)");
  CHECK(message("CLIENT_RANDOM 0011 " + m) ==
        "k.log:1: CLIENT_RANDOM: client random is 4 hex digits, expected 64");
}

namespace {

// records_of: the records (header included) in `flight`, in order.
std::vector<Bytes> records_of(const Bytes& flight) {
  std::vector<Bytes> out;
  std::size_t pos = 0;
  while (pos + 5 <= flight.size()) {
    std::size_t n = 5 + (std::size_t{flight[pos + 3]} << 8 | flight[pos + 4]);
    out.emplace_back(flight.begin() + static_cast<std::ptrdiff_t>(pos),
                     flight.begin() + static_cast<std::ptrdiff_t>(pos + n));
    pos += n;
  }
  return out;
}

// app_data: "direction:hex" of each decrypted application data record (needs --app-data).
std::vector<std::string> app_data(const Json& c) {
  std::vector<std::string> out;
  for (const auto& r : c["records"]) {
    if (r.contains("application_data")) {
      out.push_back(r["direction"].get<std::string>() + ":" +
                    r["application_data"]["hex"].get<std::string>());
    }
  }
  return out;
}

}  // namespace

TEST_CASE("capture decrypt: a protected handshake message across two records",
          "[capture_doc][keylog]") {
  SealedSession s(false, 0, true);
  RawPcap p;
  p.connection(40000, s.flights(s.server_flight));
  Decoded d = s.decode_with_keylog(p.out, "split-finished", true);
  REQUIRE(d.connections.size() == 1);
  const Json& c = d.connections[0];
  CHECK(c["errors"] == Json::array());
  CHECK(c["decryption"]["status"] == "decrypted");
  CHECK(c["decryption"]["client_finished"] == "verified");
  CHECK(c["decryption"]["server_finished"] == "verified");
  // Both protected halves are listed as decrypted records; the Finished is in the second.
  std::vector<std::size_t> plain_lengths;
  for (const auto& r : c["records"]) {
    if (r["direction"] == "server" && r.value("decrypted", false) &&
        r["content_type"]["code"] == 22) {
      plain_lengths.push_back(r["plaintext_length"]);
    }
  }
  CHECK(plain_lengths == std::vector<std::size_t>{6, 10});
  CHECK(app_data(c) == std::vector<std::string>{"client:70696e670d0a", "server:706f6e6720010a"});
  CHECK(d.counts.connections_with_errors == 0);
  CHECK(d.counts.connections_failing_checks == 0);
}

TEST_CASE("capture decrypt: protected records before the ServerHello", "[capture_doc][keylog]") {
  // The client's stream runs ahead: its Finished (protected) comes before the server's
  // flight, its application data and alert after. The keys are found at the server's first
  // protected record; the client's opener starts after the record it missed.
  SealedSession s(false);
  std::vector<Bytes> client = records_of(s.client_flight);
  REQUIRE(client.size() == 3);
  Bytes c1 = s.client_plain;
  c1.insert(c1.end(), client[0].begin(), client[0].end());
  Bytes c2 = client[1];
  c2.insert(c2.end(), client[2].begin(), client[2].end());
  Bytes s1 = s.server_flight_plain;
  s1.insert(s1.end(), s.server_plain.begin(), s.server_plain.end());
  s1.insert(s1.end(), s.server_flight.begin(), s.server_flight.end());
  RawPcap p;
  p.connection(40000, {{true, s.client_hello}, {true, c1}, {false, s1}, {true, c2}});
  Decoded d = s.decode_with_keylog(p.out, "early", true);
  REQUIRE(d.connections.size() == 1);
  const Json& c = d.connections[0];
  CHECK(c["errors"] == Json::array());
  CHECK(c["decryption"]["status"] == "decrypted");
  CHECK(c["decryption"]["detail"] == "");
  CHECK(c["decryption"]["client_finished"] == "not seen");
  // The transcript is out of order: the server's Finished is not checked (not a mismatch).
  CHECK(c["decryption"]["server_finished"] == "not checked");
  CHECK(app_data(c) == std::vector<std::string>{"server:706f6e6720010a", "client:70696e670d0a"});
  CHECK(c["notes"] == Json::array({"client: 1 protected record(s) came before the hellos: they "
                                   "stay encrypted"}));
  CHECK(d.counts.connections_decrypted == 1);
  CHECK(d.counts.connections_failing_checks == 0);
  CHECK(d.counts.connections_with_errors == 0);
}

TEST_CASE("capture decrypt: a protected record too short is malformed, not a failed check",
          "[capture_doc][keylog]") {
  SealedSession s(false);
  Bytes server = s.server_flight;
  // GCM needs 8 + 16 bytes; one byte of fragment is a decode_error (RFC 5246 §6.2.3).
  Bytes short_record{23, 3, 3, 0, 1, 0x00};
  server.insert(server.end(), short_record.begin(), short_record.end());
  RawPcap p;
  p.connection(40000, s.flights(server));
  Decoded d = s.decode_with_keylog(p.out, "short");
  REQUIRE(d.connections.size() == 1);
  const Json& c = d.connections[0];
  REQUIRE(c["errors"].size() == 1);
  std::uint64_t offset =
      s.server_flight_plain.size() + s.server_plain.size() + s.server_flight.size();
  std::string e = c["errors"][0];
  CHECK(e.rfind("server: stream offset " + std::to_string(offset) + ": ", 0) == 0);
  CHECK(e.find("(alert decode_error)") != std::string::npos);
  CHECK(c["decryption"]["server_finished"] == "verified");
  CHECK(d.counts.connections_with_errors == 1);
  CHECK(d.counts.connections_failing_checks == 0);
}

TEST_CASE("capture decrypt: a long Finished is cut in the error", "[capture_doc][keylog]") {
  SealedSession s(false, 40);
  RawPcap p;
  p.connection(40000, s.flights(s.server_flight));
  Decoded d = s.decode_with_keylog(p.out, "long-finished");
  REQUIRE(d.connections.size() == 1);
  const Json& c = d.connections[0];
  CHECK(c["decryption"]["client_finished"] == "mismatch");
  REQUIRE(c["errors"].size() == 1);
  std::string e = c["errors"][0];
  CHECK(e.rfind("client: Finished: verify_data 000000000000000000000000... (40 bytes) does not "
                "match ",
                0) == 0);
  CHECK(d.counts.connections_failing_checks == 1);
}
