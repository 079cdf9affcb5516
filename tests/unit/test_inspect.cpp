// hsk::inspect: hand-assembled records decoded to JSON with their fields checked, byte-exact
// round trips decode_json -> encode_json (split and coalesced messages, GREASE, unknown
// extensions, protected records), explicit lengths written as given, --fix-lengths, and
// errors that name the input, offset, field and alert (decode) or the JSON path (encode).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "hsk/error.hpp"
#include "inspect/inspect.hpp"
#include "wire/writer.hpp"

using hsk::Bytes;
using hsk::wire::Writer;
using Json = nlohmann::json;
namespace inspect = hsk::inspect;

namespace {

constexpr std::uint8_t kDecodeError = 50;
constexpr std::uint8_t kIllegalParameter = 47;
constexpr std::uint8_t kUnexpectedMessage = 10;

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) {
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

Bytes text_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

// record builds one TLSPlaintext with its true length.
Bytes record(std::uint8_t type, const Bytes& fragment, std::uint16_t version = 0x0303) {
  Writer w;
  w.u8(type);
  w.u16(version);
  w.opaque16("fragment", fragment);
  return w.take();
}

Bytes handshake(std::uint8_t type, const Bytes& body) {
  Writer w;
  w.u8(type);
  w.opaque24("body", body);
  return w.take();
}

Bytes extension(std::uint16_t type, const Bytes& data) {
  Writer w;
  w.u16(type);
  w.opaque16("extension_data", data);
  return w.take();
}

Bytes seq(std::uint8_t first, std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) {
    b[i] = static_cast<std::uint8_t>(first + i);
  }
  return b;
}

// client_hello_body: TLS 1.2, random 00..1f, empty session id, suites c02f, GREASE 0a0a, 002f,
// compression null, extensions server_name "example.com", supported_groups {x25519,
// secp256r1}, unknown 0x1234 "abcd", GREASE 0x1a1a (empty), extended_master_secret.
Bytes client_hello_body() {
  Writer w;
  w.u16(0x0303);
  w.bytes(seq(0, 32));
  w.opaque8("session_id", Bytes{});
  w.vec16("cipher_suites", [](Writer& s) {
    s.u16(0xc02f);
    s.u16(0x0a0a);
    s.u16(0x002f);
  });
  w.opaque8("compression_methods", Bytes{0});
  w.vec16("extensions", [](Writer& e) {
    Writer sni;
    sni.vec16("server_name_list", [](Writer& l) {
      l.u8(0);
      l.opaque16("host_name", text_bytes("example.com"));
    });
    e.bytes(extension(0, sni.data()));
    e.bytes(extension(10, {0x00, 0x04, 0x00, 0x1d, 0x00, 0x17}));
    e.bytes(extension(0x1234, {0xab, 0xcd}));
    e.bytes(extension(0x1a1a, {}));
    e.bytes(extension(23, {}));
  });
  return w.take();
}

Bytes server_hello_body(std::uint16_t suite = 0xc02f) {
  Writer w;
  w.u16(0x0303);
  w.bytes(seq(0x40, 32));
  w.opaque8("session_id", seq(0x80, 32));
  w.u16(suite);
  w.u8(0);
  w.vec16("extensions", [](Writer& e) {
    e.bytes(extension(0xff01, {0x00}));
    e.bytes(extension(11, {0x01, 0x00}));
  });
  return w.take();
}

Bytes certificate_body() {
  Writer w;
  w.vec24("certificate_list", [](Writer& l) {
    l.opaque24("ASN.1Cert", cat({{0x30, 0x82}, seq(1, 40)}));
    l.opaque24("ASN.1Cert", Bytes{0x30, 0x00});
  });
  return w.take();
}

// ECDHE ServerKeyExchange: named_curve secp256r1, a 65-byte point, rsa_pss_rsae_sha256.
Bytes ecdhe_ske_body() {
  Writer w;
  w.u8(3);
  w.u16(0x0017);
  w.opaque8("point", cat({{0x04}, seq(0x10, 64)}));
  w.u16(0x0804);
  w.opaque16("signature", seq(0x90, 20));
  return w.take();
}

Bytes ecdh_cke_body() {
  Writer w;
  w.opaque8("ecdh_Yc", cat({{0x04}, seq(0x20, 64)}));
  return w.take();
}

Bytes client_hello_file() { return record(22, handshake(1, client_hello_body()), 0x0301); }

Bytes server_flight_file() {
  // ServerHello, Certificate, ServerKeyExchange and ServerHelloDone coalesced in one record.
  return record(22, cat({handshake(2, server_hello_body()), handshake(11, certificate_body()),
                         handshake(12, ecdhe_ske_body()), handshake(14, {})}));
}

Bytes client_flight_file() {
  return cat(
      {record(22, handshake(16, ecdh_cke_body())), record(20, {0x01}), record(22, seq(0xa0, 40))});
}

Json decode(const std::vector<inspect::Input>& inputs, const inspect::DecodeOptions& opts = {}) {
  return Json::parse(inspect::decode_json(inputs, opts));
}

Json decode_one(const Bytes& data, const std::string& name = "in.tls") {
  return decode({{name, data}});
}

Bytes round_trip(const std::vector<inspect::Input>& inputs) {
  return inspect::encode_json(inspect::decode_json(inputs, {}), {});
}

Bytes all_bytes(const std::vector<inspect::Input>& inputs) {
  Bytes out;
  for (const auto& in : inputs) {
    out.insert(out.end(), in.data.begin(), in.data.end());
  }
  return out;
}

// expect_decode_error checks kind, input name, offset and alert of a failed decode.
void expect_decode_error(const Bytes& data, std::size_t offset, std::uint8_t alert,
                         std::string_view field = {}) {
  try {
    inspect::decode_json(std::vector<inspect::Input>{{"bad.tls", data}}, {});
    FAIL("decode accepted malformed input");
  } catch (const hsk::Error& e) {
    INFO(e.message());
    CHECK(e.kind() == hsk::ErrorKind::malformed);
    CHECK(e.input() == "bad.tls");
    REQUIRE(e.offset());
    CHECK(*e.offset() == offset);
    CHECK(int(e.alert()) == int(alert));
    if (!field.empty()) {
      CHECK(e.message().find(field) != std::string::npos);
    }
  }
}

std::string encode_error(const Json& doc, const inspect::EncodeOptions& opts = {}) {
  try {
    inspect::encode_json(doc.dump(), opts);
  } catch (const hsk::Error& e) {
    CHECK(e.kind() == hsk::ErrorKind::malformed);
    return e.message();
  }
  FAIL("encode accepted a bad document");
  return {};
}

}  // namespace

TEST_CASE("decode_json: a ClientHello's fields, GREASE and unknown extensions", "[inspect]") {
  Json doc = decode_one(client_hello_file());
  CHECK(doc["hsk_decode"] == 1);
  REQUIRE(doc["inputs"].size() == 1);
  const Json& in = doc["inputs"][0];
  CHECK(in["name"] == "in.tls");
  CHECK(in["format"] == "binary");
  REQUIRE(in["records"].size() == 1);
  const Json& rec = in["records"][0];
  CHECK(rec["offset"] == 0);
  CHECK(rec["content_type"]["code"] == 22);
  CHECK(rec["content_type"]["name"] == "handshake");
  CHECK(rec["version"]["code"] == 0x0301);
  CHECK(rec["version"]["name"] == "TLS 1.0");
  REQUIRE(rec["messages"].size() == 1);
  const Json& m = rec["messages"][0];
  CHECK(m["offset"] == 5);
  CHECK(m["msg_type"]["code"] == 1);
  CHECK(m["msg_type"]["name"] == "client_hello");
  CHECK(m["length"] == client_hello_body().size());
  CHECK_FALSE(m.contains("record_split"));
  const Json& b = m["body"];
  CHECK(b["client_version"]["code"] == 0x0303);
  CHECK(b["random"] == hsk::to_hex(seq(0, 32)));
  CHECK(b["session_id"] == "");
  REQUIRE(b["cipher_suites"].size() == 3);
  CHECK(b["cipher_suites"][0]["code"] == 0xc02f);
  CHECK(b["cipher_suites"][0]["name"] == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
  CHECK(b["cipher_suites"][1]["code"] == 0x0a0a);
  CHECK(b["cipher_suites"][1]["name"] == "GREASE");
  CHECK(b["compression_methods"][0]["code"] == 0);
  const Json& ext = b["extensions"];
  REQUIRE(ext.size() == 5);
  // Offsets: record 5 + handshake header 4 + 2 + 32 + 1 + 2 + 6 + 2 + extensions length 2.
  CHECK(ext[0]["offset"] == 56);
  CHECK(ext[0]["extension_type"]["name"] == "server_name");
  CHECK(ext[0]["length"] == 16);
  CHECK(ext[0]["data"]["server_name_list"][0]["name_type"]["code"] == 0);
  CHECK(ext[0]["data"]["server_name_list"][0]["host_name"] == "example.com");
  CHECK(ext[1]["offset"] == 56 + 4 + 16);
  CHECK(ext[1]["data"]["named_group_list"][0]["code"] == 0x001d);
  CHECK(ext[1]["data"]["named_group_list"][1]["code"] == 0x0017);
  CHECK(ext[2]["extension_type"]["code"] == 0x1234);
  CHECK(ext[2]["extension_type"]["name"] == "");
  CHECK(ext[2]["data_hex"] == "abcd");
  CHECK_FALSE(ext[2].contains("data"));
  CHECK(ext[3]["extension_type"]["name"] == "GREASE");
  CHECK(ext[3]["data_hex"] == "");
  CHECK(ext[4]["extension_type"]["name"] == "extended_master_secret");
  CHECK(ext[4]["data"] == Json::object());
}

TEST_CASE("decode_json: a hello without an extensions block has no extensions member",
          "[inspect]") {
  Bytes body = client_hello_body();
  // Drop the extensions block: version, random, session_id, suites, compression only.
  body.resize(2 + 32 + 1 + 2 + 6 + 2);
  Json doc = decode_one(record(22, handshake(1, body)));
  CHECK_FALSE(doc["inputs"][0]["records"][0]["messages"][0]["body"].contains("extensions"));
  CHECK(round_trip({{"a", record(22, handshake(1, body))}}) == record(22, handshake(1, body)));
}

TEST_CASE("decode_json: coalesced server flight, suite carried to the next input", "[inspect]") {
  std::vector<inspect::Input> inputs{{"1.tls", client_hello_file()},
                                     {"2.tls", server_flight_file()},
                                     {"3.tls", client_flight_file()}};
  Json doc = decode(inputs);
  const Json& flight = doc["inputs"][1]["records"];
  REQUIRE(flight.size() == 1);
  const Json& ms = flight[0]["messages"];
  REQUIRE(ms.size() == 4);
  CHECK(ms[0]["body"]["cipher_suite"]["code"] == 0xc02f);
  CHECK(ms[0]["body"]["session_id"] == hsk::to_hex(seq(0x80, 32)));
  CHECK(ms[0]["body"]["extensions"][0]["data"]["renegotiated_connection"] == "");
  CHECK(ms[0]["body"]["extensions"][1]["data"]["ec_point_format_list"][0]["code"] == 0);
  CHECK(ms[0]["body"]["extensions"][1]["data"]["ec_point_format_list"][0]["name"] ==
        "uncompressed");
  CHECK(ms[1]["msg_type"]["name"] == "certificate");
  REQUIRE(ms[1]["body"]["certificate_list"].size() == 2);
  CHECK(ms[1]["body"]["certificate_list"][0]["length"] == 42);
  CHECK(ms[1]["body"]["certificate_list"][1]["cert_hex"] == "3000");
  const Json& ske = ms[2]["body"];
  CHECK(ske["form"] == "ecdh");
  CHECK(ske["params"]["curve_type"]["code"] == 3);
  CHECK(ske["params"]["named_curve"]["code"] == 0x0017);
  CHECK(ske["params"]["point"] == hsk::to_hex(cat({{0x04}, seq(0x10, 64)})));
  CHECK(ske["signature"]["algorithm"]["code"] == 0x0804);
  CHECK(ske["signature"]["signature"] == hsk::to_hex(seq(0x90, 20)));
  CHECK(ms[3]["msg_type"]["code"] == 14);
  CHECK(ms[3]["body"] == Json::object());
  // Offsets of coalesced messages follow one another inside the record.
  CHECK(ms[0]["offset"] == 5);
  CHECK(ms[1]["offset"] == 5 + 4 + server_hello_body().size());

  const Json& client = doc["inputs"][2]["records"];
  REQUIRE(client.size() == 3);
  CHECK(client[0]["messages"][0]["body"]["form"] == "ecdh");
  CHECK(client[0]["messages"][0]["body"]["ecdh_Yc"] == hsk::to_hex(cat({{0x04}, seq(0x20, 64)})));
  CHECK(client[1]["change_cipher_spec"]["type"]["code"] == 1);
  CHECK(client[2]["encrypted"] == true);
  CHECK(client[2]["fragment_hex"] == hsk::to_hex(seq(0xa0, 40)));
  CHECK_FALSE(client[2].contains("messages"));

  CHECK(round_trip(inputs) == all_bytes(inputs));
}

TEST_CASE("decode_json: key exchanges without a ServerHello stay hex unless --suite", "[inspect]") {
  std::vector<inspect::Input> inputs{{"3.tls", client_flight_file()}};
  Json doc = decode(inputs);
  const Json& m = doc["inputs"][0]["records"][0]["messages"][0];
  CHECK(m["body_hex"] == hsk::to_hex(ecdh_cke_body()));
  CHECK(m["note"].get<std::string>().find("no ServerHello") != std::string::npos);
  CHECK_FALSE(m.contains("body"));
  CHECK(round_trip(inputs) == all_bytes(inputs));

  inspect::DecodeOptions opts;
  opts.suite = 0xc02f;
  Json forced = decode(inputs, opts);
  CHECK(forced["inputs"][0]["records"][0]["messages"][0]["body"]["form"] == "ecdh");

  // A ServerKeyExchange alone, then with --suite.
  Bytes ske = record(22, handshake(12, ecdhe_ske_body()));
  CHECK(decode_one(ske)["inputs"][0]["records"][0]["messages"][0].contains("body_hex"));
  Json with_suite = decode({{"s", ske}}, opts);
  CHECK(with_suite["inputs"][0]["records"][0]["messages"][0]["body"]["params"]["named_curve"]
                  ["code"] == 0x17);
}

TEST_CASE("decode_json: a message split across three records", "[inspect]") {
  Bytes msg = handshake(1, client_hello_body());
  // 3 bytes (not even the whole header), then 40, then the rest.
  Bytes a(msg.begin(), msg.begin() + 3);
  Bytes b(msg.begin() + 3, msg.begin() + 43);
  Bytes c(msg.begin() + 43, msg.end());
  Bytes file = cat({record(22, a), record(22, b), record(22, cat({c, handshake(14, {})}))});
  Json doc = decode_one(file);
  const Json& recs = doc["inputs"][0]["records"];
  REQUIRE(recs.size() == 3);
  REQUIRE(recs[0]["messages"].size() == 1);
  const Json& m = recs[0]["messages"][0];
  CHECK(m["offset"] == 5);
  CHECK(m["record_split"] == Json::array({3, 40, c.size()}));
  CHECK(m["body"]["extensions"][0]["data"]["server_name_list"][0]["host_name"] == "example.com");
  // The server_name extension sits in the third record: body position 47 is message byte 51,
  // 51 - 43 = 8 bytes into the third record's fragment.
  std::size_t third_fragment = 5 + 3 + 5 + 40 + 5;
  CHECK(m["body"]["extensions"][0]["offset"] == third_fragment + 8);
  CHECK(recs[1]["messages"] == Json::array());
  REQUIRE(recs[2]["messages"].size() == 1);
  CHECK(recs[2]["messages"][0]["msg_type"]["code"] == 14);
  CHECK(round_trip({{"split", file}}) == file);

  // encode puts the pieces where record_split says, the last piece taking the rest (its
  // number is not used).
  Json edited = Json::parse(inspect::decode_json(std::vector<inspect::Input>{{"split", file}}, {}));
  edited["inputs"][0]["records"][0]["messages"][0]["record_split"] = Json::array({10, 1, 0});
  inspect::EncodeOptions fix;
  fix.fix_lengths = true;
  Bytes re = inspect::encode_json(edited.dump(), fix);
  Bytes want = cat({record(22, Bytes(msg.begin(), msg.begin() + 10)),
                    record(22, Bytes(msg.begin() + 10, msg.begin() + 11)),
                    record(22, cat({Bytes(msg.begin() + 11, msg.end()), handshake(14, {})}))});
  CHECK(re == want);
}

TEST_CASE("decode_json: an error inside a split message names its true offset", "[inspect]") {
  // A Finished-like message whose body is a ClientHello truncated inside the second record.
  Bytes body = client_hello_body();
  body.resize(10);  // version + 8 random bytes: the random runs out
  Bytes msg = handshake(1, body);
  Bytes file = cat({record(22, Bytes(msg.begin(), msg.begin() + 6)),
                    record(22, Bytes(msg.begin() + 6, msg.end()))});
  // The random starts at message byte 6, which is the first byte of the second fragment:
  // offset 5 + 6 + 5 = 16.
  expect_decode_error(file, 16, kDecodeError, "random");
}

TEST_CASE("decode_json: hex input decodes like binary", "[inspect]") {
  Bytes bin = client_hello_file();
  std::string hex = hsk::to_hex(bin);
  std::string spaced;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    spaced += hex.substr(i, 2) + (i % 32 == 30 ? "\n" : " ");
  }
  Json a = decode_one(bin);
  Json h = decode_one(text_bytes(spaced));
  CHECK(h["inputs"][0]["format"] == "hex");
  h["inputs"][0]["format"] = "binary";
  CHECK(a == h);
  CHECK(round_trip({{"x", text_bytes(spaced)}}) == bin);
}

TEST_CASE("decode_json: alerts, application data and empty input", "[inspect]") {
  Bytes file = cat({record(23, {1, 2, 3}), record(21, {2, 40})});
  Json recs = decode_one(file)["inputs"][0]["records"];
  CHECK(recs[0]["encrypted"] == false);
  CHECK(recs[0]["fragment_hex"] == "010203");
  CHECK(recs[1]["alert"]["level"]["name"] == "fatal");
  CHECK(recs[1]["alert"]["description"]["code"] == 40);
  CHECK(recs[1]["alert"]["description"]["name"] == "handshake_failure");
  CHECK(round_trip({{"a", file}}) == file);

  Json empty = decode_one({});
  CHECK(empty["inputs"][0]["records"] == Json::array());
  CHECK(round_trip({{"e", {}}}).empty());
}

TEST_CASE("decode_json: malformed inputs name input, offset, field and alert", "[inspect]") {
  SECTION("truncated record") {
    expect_decode_error({0x16, 0x03, 0x03, 0x00, 0x10, 0x01}, 5, kDecodeError, "fragment");
  }
  SECTION("unknown content type") {
    expect_decode_error(cat({client_hello_file(), {0x19, 3, 3, 0, 0}}), client_hello_file().size(),
                        kUnexpectedMessage, "type");
  }
  SECTION("oversized plaintext record") {
    Bytes big(5 + 16385, 0);
    big[0] = 0x17;
    big[1] = 3;
    big[2] = 3;
    big[3] = 0x40;
    big[4] = 0x01;
    expect_decode_error(big, 3, 22);
  }
  SECTION("neither binary nor hex") {
    expect_decode_error(text_bytes("hello world"), 0, kDecodeError, "neither");
  }
  SECTION("odd cipher_suites length") {
    Bytes body = client_hello_body();
    body[2 + 32 + 1 + 1] = 5;  // cipher_suites length 6 -> 5
    expect_decode_error(record(22, handshake(1, body)), 5 + 4 + 35, kDecodeError, "cipher_suites");
  }
  SECTION("duplicate extension") {
    Writer w;
    w.u16(0x0303);
    w.bytes(seq(0, 32));
    w.opaque8("session_id", Bytes{});
    w.opaque16("cipher_suites", Bytes{0x00, 0x2f});
    w.opaque8("compression_methods", Bytes{0});
    w.vec16("extensions", [](Writer& e) {
      e.bytes(extension(23, {}));
      e.bytes(extension(23, {}));
    });
    // Second extension: 5 + 4 + 2+32+1+4+2 + 2 + 4.
    expect_decode_error(record(22, handshake(1, w.take())), 56, kIllegalParameter,
                        "extension_type");
  }
  SECTION("handshake message incomplete at end of input") {
    Bytes msg = handshake(1, client_hello_body());
    msg.resize(msg.size() - 1);
    expect_decode_error(cat({record(22, handshake(14, {})), record(22, msg)}), 9 + 5, kDecodeError,
                        "incomplete");
  }
  SECTION("vector longer than its parent") {
    Bytes body = client_hello_body();
    body[2 + 32] = 40;  // session_id length 40 > 32
    expect_decode_error(record(22, handshake(1, body)), 5 + 4 + 34, kDecodeError, "session_id");
  }
}

TEST_CASE("encode_json: explicit lengths are written as given, --fix-lengths recomputes",
          "[inspect]") {
  Bytes file = client_hello_file();
  Json doc = decode_one(file);
  Json& rec = doc["inputs"][0]["records"][0];
  rec["length"] = 7;
  rec["messages"][0]["length"] = 0x010203;
  rec["messages"][0]["body"]["extensions"][2]["length"] = 9;
  Bytes crafted = inspect::encode_json(doc.dump(), {});
  REQUIRE(crafted.size() == file.size());
  CHECK(crafted[3] == 0x00);
  CHECK(crafted[4] == 0x07);
  CHECK(crafted[6] == 0x01);
  CHECK(crafted[7] == 0x02);
  CHECK(crafted[8] == 0x03);
  // The unknown extension's length field: offset 56 + 4 + 16 + 4 + 6 = 86, length at +2.
  CHECK(crafted[88] == 0x00);
  CHECK(crafted[89] == 0x09);

  inspect::EncodeOptions fix;
  fix.fix_lengths = true;
  CHECK(inspect::encode_json(doc.dump(), fix) == file);

  // An edit that changes sizes: drop a suite and the SNI, then --fix-lengths.
  Json& body = doc["inputs"][0]["records"][0]["messages"][0]["body"];
  body["cipher_suites"].erase(1);
  body["extensions"].erase(0);
  Bytes fixed = inspect::encode_json(doc.dump(), fix);
  Json again = decode_one(fixed);
  const Json& b2 = again["inputs"][0]["records"][0]["messages"][0]["body"];
  CHECK(b2["cipher_suites"].size() == 2);
  CHECK(b2["extensions"].size() == 4);
  CHECK(b2["extensions"][0]["extension_type"]["name"] == "supported_groups");

  // Lengths left out are computed.
  Json nolen = decode_one(file);
  nolen["inputs"][0]["records"][0].erase("length");
  nolen["inputs"][0]["records"][0]["messages"][0].erase("length");
  CHECK(inspect::encode_json(nolen.dump(), {}) == file);
}

TEST_CASE("encode_json: enums as objects, numbers or names", "[inspect]") {
  Bytes file = client_hello_file();
  Json doc = decode_one(file);
  Json& b = doc["inputs"][0]["records"][0]["messages"][0]["body"];
  b["cipher_suites"][0] = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
  b["cipher_suites"][1] = 0x0a0a;
  b["cipher_suites"][2] = {{"code", 0x002f}, {"name", "ignored when the code is given"}};
  b["client_version"] = "TLS 1.2";
  doc["inputs"][0]["records"][0]["content_type"] = "handshake";
  b["extensions"][1]["data"]["named_group_list"][0] = "x25519";
  CHECK(inspect::encode_json(doc.dump(), {}) == file);
}

TEST_CASE("encode_json: errors name the JSON path", "[inspect]") {
  Json doc = decode_one(client_hello_file());
  SECTION("bad cipher suite name") {
    doc["inputs"][0]["records"][0]["messages"][0]["body"]["cipher_suites"][1] = "TLS_NO_SUCH_SUITE";
    std::string msg = encode_error(doc);
    CHECK(msg.find("inputs[0].records[0].messages[0].body.cipher_suites[1]") != std::string::npos);
    CHECK(msg.find("not a cipher suite") != std::string::npos);
  }
  SECTION("code out of range") {
    doc["inputs"][0]["records"][0]["content_type"] = 300;
    CHECK(encode_error(doc).find("inputs[0].records[0].content_type") != std::string::npos);
  }
  SECTION("bad hex") {
    doc["inputs"][0]["records"][0]["messages"][0]["body"]["random"] = "xyz";
    CHECK(encode_error(doc).find("inputs[0].records[0].messages[0].body.random") !=
          std::string::npos);
  }
  SECTION("missing member") {
    doc["inputs"][0]["records"][0]["messages"][0]["body"].erase("session_id");
    CHECK(encode_error(doc).find("body.session_id: missing") != std::string::npos);
  }
  SECTION("length too large for its field") {
    doc["inputs"][0]["records"][0]["length"] = 70000;
    CHECK(encode_error(doc).find("inputs[0].records[0].length") != std::string::npos);
  }
  SECTION("not JSON") {
    try {
      inspect::encode_json("{\"inputs\": [", {});
      FAIL("accepted broken JSON");
    } catch (const hsk::Error& e) {
      CHECK(e.kind() == hsk::ErrorKind::malformed);
    }
  }
  SECTION("a split message with no record to continue in") {
    Bytes msg = handshake(1, client_hello_body());
    Bytes file = cat({record(22, Bytes(msg.begin(), msg.begin() + 20)),
                      record(22, Bytes(msg.begin() + 20, msg.end()))});
    Json split = decode_one(file);
    split["inputs"][0]["records"].erase(1);
    CHECK(encode_error(split).find("record_split") != std::string::npos);
  }
}

TEST_CASE("decode_text: names beside codes, offsets on request", "[inspect]") {
  std::vector<inspect::Input> inputs{{"1.tls", client_hello_file()},
                                     {"2.tls", server_flight_file()}};
  std::string text = inspect::decode_text(inputs, {});
  CHECK(text.find("input 1.tls (binary, 1 record)") != std::string::npos);
  CHECK(text.find("cipher_suite: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (0xc02f)") !=
        std::string::npos);
  CHECK(text.find("GREASE (0x0a0a)") != std::string::npos);
  CHECK(text.find("host_name: example.com") != std::string::npos);
  CHECK(text.find("[@") == std::string::npos);
  inspect::DecodeOptions opts;
  opts.offsets = true;
  std::string with = inspect::decode_text(inputs, opts);
  CHECK(with.find("[@0]") != std::string::npos);
  CHECK(with.find("[@5]") != std::string::npos);
  CHECK(with.find("[@56]") != std::string::npos);
}
