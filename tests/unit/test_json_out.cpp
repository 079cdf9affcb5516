// hsk::inspect::JsonOut — the decoder's streaming JSON writer must write exactly what
// nlohmann's dump() writes for the same value, compact and indented (dump(2)), with the same
// escapes and the same U+FFFD for invalid UTF-8: nlohmann is the reference here, and the
// documents decode_json wrote before the writer existed came from it.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "hsk/bytes.hpp"
#include "inspect/document.hpp"
#include "inspect/inspect.hpp"
#include "inspect/json_out.hpp"

using Json = nlohmann::ordered_json;
using hsk::inspect::JsonOut;

namespace {

std::string dump(const Json& j, int indent) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

std::string written(const Json& j, bool pretty) {
  JsonOut o(pretty);
  hsk::inspect::detail::write_json(o, j);
  return o.take();
}

// A small deterministic generator (xorshift) for nested values.
struct Gen {
  std::uint64_t s;
  std::uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
};

const std::vector<std::string>& strings() {
  static const std::vector<std::string> v = {
      "",
      "client_hello",
      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "a \"quoted\" word",
      "back\\slash",
      "line\nbreak\ttab\rreturn",
      std::string("nul\0byte", 8),
      "\x01\x1f control",
      "caf\xc3\xa9 (UTF-8)",
      "\xff\xfe invalid UTF-8",
      "trailing colon:",
      "trailing space ",
      "{[not json]}",
      "\x7f delete",
  };
  return v;
}

Json value(Gen& g, int depth) {
  std::size_t kind = depth >= 4 ? g.below(4) : g.below(6);
  switch (kind) {
    case 0:
      return strings()[g.below(strings().size())];
    case 1: {
      static const std::uint64_t numbers[] = {
          0, 1, 9, 10, 255, 65535, 1u << 31, std::numeric_limits<std::uint64_t>::max()};
      return numbers[g.below(std::size(numbers))];
    }
    case 2:
      return g.below(2) == 0;
    case 3:
      return g.below(3) == 0 ? Json::object() : Json::array();
    case 4: {
      Json o = Json::object();
      std::size_t n = g.below(5);
      for (std::size_t i = 0; i < n; ++i) {
        o[strings()[g.below(strings().size())] + std::to_string(i)] = value(g, depth + 1);
      }
      return o;
    }
    default: {
      Json a = Json::array();
      std::size_t n = g.below(5);
      for (std::size_t i = 0; i < n; ++i) {
        a.push_back(value(g, depth + 1));
      }
      return a;
    }
  }
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("JsonOut writes what nlohmann's dump writes, compact and indented", "[json_out]") {
  Gen g{0x9e3779b97f4a7c15ULL};
  for (int i = 0; i < 2000; ++i) {
    Json j = value(g, 0);
    INFO("case " << i << ": " << dump(j, -1));
    REQUIRE(written(j, false) == dump(j, -1));
    REQUIRE(written(j, true) == dump(j, 2));
  }
}

TEST_CASE("JsonOut: escapes, empty containers and nesting by hand", "[json_out]") {
  JsonOut o;
  o.open_object();
  o.key("a");
  o.open_array();
  o.close_array();
  o.key("b");
  o.open_object();
  o.close_object();
  o.key("c");
  o.string("x\"y\\z\n\x01");
  o.key("d");
  o.string("\xc3\x28");  // invalid UTF-8: replaced
  o.key("e");
  o.hex(hsk::Bytes{0x00, 0xab, 0xff});
  o.key("f");
  o.code_name(22, "handshake");
  o.key("g");
  o.code_name(7, "odd \"name\"");
  o.key("h");
  o.boolean(false);
  o.key("i");
  o.number(18446744073709551615ULL);
  o.close_object();
  CHECK(o.str() == R"({"a":[],"b":{},"c":"x\"y\\z\n\u0001","d":")"
                   "\xef\xbf\xbd"  // U+FFFD as UTF-8: nlohmann's replacement, ensure_ascii off
                   R"((","e":"00abff",)"
                   R"("f":{"code":22,"name":"handshake"},"g":{"code":7,"name":"odd \"name\""},)"
                   R"("h":false,"i":18446744073709551615})");
}

TEST_CASE("JsonOut: offsets are moved by offset_base or left out", "[json_out]") {
  JsonOut o;
  o.offset_base = 1000;
  o.open_array();
  o.open_object();
  o.offset(5);
  o.key("x");
  o.number(1);
  o.close_object();
  o.strip_offsets = true;
  o.open_object();
  o.offset(6);
  o.key("x");
  o.number(2);
  o.close_object();
  o.open_object();
  o.offset(7);
  o.close_object();
  o.close_array();
  CHECK(o.str() == R"([{"offset":1005,"x":1},{"x":2},{}])");
}

TEST_CASE("decode_json documents are nlohmann's dump(2) of themselves", "[json_out]") {
  // Every recorded step file: the document parses, and re-dumping it gives the same bytes.
  std::filesystem::path root = std::filesystem::path(HSK_TESTDATA) / "handshakes";
  REQUIRE(std::filesystem::is_directory(root));
  std::size_t checked = 0;
  for (const auto& dir : std::filesystem::directory_iterator(root)) {
    std::vector<hsk::inspect::Input> inputs;
    for (const auto& f : std::filesystem::directory_iterator(dir.path())) {
      if (f.path().extension() == ".tls") {
        std::string data = read_file(f.path());
        inputs.push_back({f.path().filename().string(), hsk::Bytes(data.begin(), data.end())});
      }
    }
    if (inputs.empty()) {
      continue;
    }
    std::sort(inputs.begin(), inputs.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    std::string out = hsk::inspect::decode_json(inputs, hsk::inspect::DecodeOptions{});
    INFO(dir.path().string());
    REQUIRE(dump(Json::parse(out), 2) + "\n" == out);
    ++checked;
  }
  CHECK(checked >= 10);
}
