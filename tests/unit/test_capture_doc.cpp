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
#include "hsk/bytes.hpp"
#include "inspect/inspect.hpp"

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

Decoded decode(ByteView capture, const std::string& name,
               hsk::inspect::CaptureDecodeOptions options = {}) {
  options.json = true;
  hsk::capture::CaptureReader reader(capture, name);
  std::string out;
  Decoded d;
  d.counts =
      hsk::inspect::decode_capture(reader, options, [&](std::string_view chunk) { out += chunk; });
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
