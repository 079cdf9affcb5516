// handshake::build_client_hello and the client state (RFC 5246 §7.4.1.2, RFC 5746, RFC 6066,
// RFC 7301, RFC 7627, RFC 8422): golden bytes assembled by hand from the RFC structs, a seeded
// hello pinned byte for byte, suite families and their version gating, default extensions
// following the suites, options that clash, resumption from an earlier state, and the state
// file's round trip, format version, shape errors and mode.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>

#include "crypto/crypto.hpp"
#include "handshake/client_hello.hpp"
#include "handshake/state.hpp"
#include "hsk/error.hpp"
#include "io/stream.hpp"
#include "wire/extensions.hpp"
#include "wire/messages.hpp"
#include "wire/reader.hpp"
#include "wire/record.hpp"

using hsk::Bytes;
using hsk::from_hex;
using hsk::to_hex;
using namespace hsk::handshake;

namespace {

Bytes read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  REQUIRE(f);
  return Bytes(std::istreambuf_iterator<char>(f), {});
}

hsk::wire::Random seq_random() {
  hsk::wire::Random r{};
  for (std::size_t i = 0; i < r.size(); ++i) {
    r[i] = static_cast<std::uint8_t>(i);
  }
  return r;
}

// NoRng fails the test if anything draws from it.
struct NoRng final : hsk::crypto::Rng {
  void fill(std::uint8_t*, std::size_t) override { FAIL("randomness drawn"); }
};

ClientHelloOptions fixed_options() {
  ClientHelloOptions o;
  o.random_mode = RandomMode::fixed;
  o.random = seq_random();
  return o;
}

// ext returns the extension of `type`, or nullptr.
const hsk::wire::Extension* ext(const hsk::wire::ClientHello& h, hsk::wire::ExtensionType type) {
  if (!h.extensions) {
    return nullptr;
  }
  for (const auto& e : *h.extensions) {
    if (e.type == static_cast<std::uint16_t>(type)) {
      return &e;
    }
  }
  return nullptr;
}

std::vector<std::uint16_t> ext_types(const hsk::wire::ClientHello& h) {
  std::vector<std::uint16_t> out;
  for (const auto& e : *h.extensions) {
    out.push_back(e.type);
  }
  return out;
}

std::vector<std::uint16_t> sigalgs_of(const hsk::wire::ClientHello& h) {
  const auto* e = ext(h, hsk::wire::ExtensionType::signature_algorithms);
  REQUIRE(e);
  hsk::wire::Reader r(e->data);
  return hsk::wire::decode_signature_algorithms(r).supported_signature_algorithms;
}

std::vector<std::uint16_t> groups_of(const hsk::wire::ClientHello& h) {
  const auto* e = ext(h, hsk::wire::ExtensionType::supported_groups);
  REQUIRE(e);
  hsk::wire::Reader r(e->data);
  return hsk::wire::decode_supported_groups(r).named_group_list;
}

template <class F>
void expect_usage(F f, const std::string& text) {
  try {
    f();
    FAIL("accepted");
  } catch (const hsk::Error& e) {
    INFO(e.message());
    CHECK(e.kind() == hsk::ErrorKind::usage);
    CHECK(e.message().find(text) != std::string::npos);
  }
}

using Codes = std::vector<std::uint16_t>;

}  // namespace

TEST_CASE("client-hello: golden bytes assembled from the RFC structs", "[client-hello]") {
  ClientHelloOptions o = fixed_options();
  o.cipher_suites = {0xc02f, 0x009c};
  o.server_name = "example.com";
  o.groups = Codes{0x001d};
  o.sigalgs = Codes{0x0804};
  o.alpn = {"h2", "http/1.1"};
  NoRng rng;
  BuiltClientHello b = build_client_hello(o, rng);

  std::string body =
      "0303"                                                              // client_version
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"  // random
      "00"                                                                // session_id <0..32>
      "0004c02f009c"                                                      // cipher_suites
      "0100"                                                              // compression_methods
      "0045"                                                              // extensions <0..2^16-1>
      "00000010000e00000b6578616d706c652e636f6d"                          // server_name
      "000b00020100"                          // ec_point_formats: uncompressed
      "000a00040002001d"                      // supported_groups: x25519
      "000d000400020804"                      // signature_algorithms
      "0010000e000c02683208687474702f312e31"  // ALPN h2, http/1.1
      "00170000"                              // extended_master_secret
      "ff01000100";                           // renegotiation_info
  std::string message = "01000072" + body;
  CHECK(to_hex(b.message) == message);
  CHECK(to_hex(b.records) == "1603010076" + message);
  CHECK(b.hello.client_version == 0x0303);
  CHECK(b.hello.cipher_suites == Codes{0xc02f, 0x009c});

  // Our own decoder reads back what was built.
  hsk::wire::Reader r(hsk::ByteView(b.message).subspan(4));
  CHECK(hsk::wire::decode_client_hello(r) == b.hello);
}

TEST_CASE("client-hello: golden bytes without extensions, SCSV in their place", "[client-hello]") {
  ClientHelloOptions o = fixed_options();
  o.version = 0x0301;
  o.cipher_suites = {0x002f};
  o.session_id = from_hex("aabb");
  o.compression_methods = {1, 0};
  o.extensions = false;
  NoRng rng;
  BuiltClientHello b = build_client_hello(o, rng);
  std::string body =
      "0301"
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
      "02aabb"
      "0004002f00ff"
      "020100";
  CHECK(to_hex(b.records) == "16030100320100002e" + body);
  CHECK_FALSE(b.hello.extensions);
}

TEST_CASE("client-hello: a seeded hello is reproducible, byte for byte", "[client-hello]") {
  ClientHelloOptions o;
  o.gmt_unix_time = 0x5f5e1000;
  o.cipher_suites = parse_suite_list("ecdhe-rsa", 0x0303);
  o.server_name = "hsk.test";
  auto rng = hsk::crypto::seeded_rng("hsk client-hello golden");
  BuiltClientHello b = build_client_hello(o, *rng);

  // The random is the time, then the first 28 bytes of the seeded stream.
  auto again = hsk::crypto::seeded_rng("hsk client-hello golden");
  Bytes stream = again->bytes(28);
  CHECK(to_hex(hsk::ByteView(b.hello.random).first(4)) == "5f5e1000");
  CHECK(Bytes(b.hello.random.begin() + 4, b.hello.random.end()) == stream);

  // Pinned: any change to the defaults or the encoding shows up here (checked against
  // tshark's dissection when it was pinned: see tests/cli/client-hello/interop_tshark.sh).
  CHECK(to_hex(b.records) ==
        "16030100870100008303035f5e1000" + to_hex(stream) +
            "00000ec02fc030cca8c027c028c013c0140100004c0000000d000b00000868736b2e74657374000b000201"
            "00000a00080006001d00170018000d0018001604030503060308040805080604010501060102030201"
            "00160000"  // encrypt_then_mac: CBC suites (c027 ...) are offered
            "00170000ff01000100");
  CHECK(to_hex(stream) == "e8417572ba63dbb1a1d62071852afbe4ba89b247787ab145e7513215");
}

TEST_CASE("client-hello: suite families and version gating", "[client-hello]") {
  CHECK(*family_suites("ecdhe", 0x0303) == Codes{0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8,
                                                 0xc023, 0xc027, 0xc024, 0xc028, 0xc009, 0xc013,
                                                 0xc00a, 0xc014});
  CHECK(*family_suites("ecdhe", 0x0301) == Codes{0xc009, 0xc013, 0xc00a, 0xc014});
  CHECK(*family_suites("ECDHE-RSA", 0x0302) == Codes{0xc013, 0xc014});
  CHECK(*family_suites("rsa", 0x0303) == Codes{0x009c, 0x009d, 0x003c, 0x003d, 0x002f, 0x0035});
  CHECK(*family_suites("rsa", 0x0301) == Codes{0x002f, 0x0035});
  CHECK(*family_suites("dhe-rsa", 0x0303) ==
        Codes{0x009e, 0x009f, 0xccaa, 0x0067, 0x006b, 0x0033, 0x0039});
  CHECK(*family_suites("dhe-dss", 0x0303) == Codes{0x00a2, 0x00a3, 0x0040, 0x006a, 0x0032, 0x0038});
  CHECK(*family_suites("dhe", 0x0301) == Codes{0x0033, 0x0032, 0x0039, 0x0038});
  CHECK(*family_suites("dh-anon", 0x0303) == Codes{0x00a6, 0x00a7, 0x006c, 0x006d, 0x0034, 0x003a});
  CHECK(*family_suites("ecdh-anon", 0x0303) == Codes{0xc018, 0xc019});
  CHECK(*family_suites("fixed-dh", 0x0301) == Codes{0x0031, 0x0030, 0x0037, 0x0036});
  CHECK_FALSE(family_suites("ecdh", 0x0303));
  CHECK_FALSE(family_suites("AES128-SHA", 0x0303));

  // "all" is every family, and below TLS 1.2 nothing that needs TLS 1.2.
  for (std::uint16_t v : {0x0301, 0x0302, 0x0303}) {
    Codes all = *family_suites("all", v);
    std::size_t sum = 0;
    for (const char* f : {"rsa", "dhe", "dh-anon", "fixed-dh", "ecdhe", "ecdh-anon"}) {
      Codes part = *family_suites(f, v);
      sum += part.size();
      for (auto c : part) {
        CHECK(std::find(all.begin(), all.end(), c) != all.end());
      }
    }
    CHECK(all.size() == sum);
    for (auto c : all) {
      const auto* s = hsk::wire::find_cipher_suite(c);
      REQUIRE(s);
      CHECK((v >= 0x0303 || !s->tls12_only));
      CHECK(s->cipher.substr(0, 3) != "3DE");
    }
  }
  CHECK(family_suites("all", 0x0303)->size() == 53);
  CHECK(family_suites("all", 0x0301)->size() == 18);

  // Defaults: ECDHE, DHE_RSA and RSA; AEAD first; nothing anonymous, DSS or fixed.
  Codes d12 = default_suites(0x0303);
  CHECK(d12.size() == 27);
  CHECK(Codes(d12.begin(), d12.begin() + 9) ==
        Codes{0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0x009e, 0x009f, 0xccaa});
  CHECK(default_suites(0x0301) ==
        Codes{0xc009, 0xc013, 0xc00a, 0xc014, 0x0033, 0x0039, 0x002f, 0x0035});
}

TEST_CASE("client-hello: suite lists", "[client-hello]") {
  CHECK(parse_suite_list(
            "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, ECDHE-RSA-AES128-GCM-SHA256,0x002f,c030",
            0x0303) == Codes{0x009e, 0xc02f, 0x002f, 0xc030});
  // Order of the words is the preference; duplicates keep their first place.
  CHECK(parse_suite_list("AES128-SHA,rsa", 0x0301) == Codes{0x002f, 0x0035});
  // Explicit names are sent as asked, even when the version cannot use them.
  CHECK(parse_suite_list("AES128-GCM-SHA256", 0x0301) == Codes{0x009c});
  // Unknown and GREASE codes go through.
  CHECK(parse_suite_list("0x0a0a,0xfefe", 0x0303) == Codes{0x0a0a, 0xfefe});
  expect_usage([] { parse_suite_list("ecdhe,nope", 0x0303); }, "unknown cipher suite 'nope'");
  expect_usage([] { parse_suite_list("ecdhe,,rsa", 0x0303); }, "empty item");
  expect_usage([] { parse_suite_list("", 0x0303); }, "empty item");
  expect_usage([] { parse_suite_list("0x12345", 0x0303); }, "unknown cipher suite");

  CHECK(parse_group_list("x25519,secp256r1,P-384,ffdhe2048,0x0101") == Codes{29, 23, 24, 256, 257});
  CHECK(parse_group_list("prime256v1,X25519") == Codes{23, 29});
  expect_usage([] { parse_group_list("curve9"); }, "unknown group 'curve9'");
  CHECK(parse_sigalg_list("rsa_pss_rsae_sha256,dsa_sha256,0x0201") ==
        Codes{0x0804, 0x0402, 0x0201});
  expect_usage([] { parse_sigalg_list("rsa_sha256"); }, "unknown signature algorithm");
  CHECK(parse_compression_list("null,deflate") == Bytes{0, 1});
  CHECK(parse_compression_list("DEFLATE,0,64") == Bytes{1, 0, 64});
  expect_usage([] { parse_compression_list("zstd"); }, "unknown compression method 'zstd'");
  expect_usage([] { parse_compression_list("256"); }, "unknown compression method");
  CHECK(parse_alpn_list("h2,http/1.1") == std::vector<std::string>{"h2", "http/1.1"});
}

TEST_CASE("client-hello: default extensions follow the suites and the version", "[client-hello]") {
  using ET = hsk::wire::ExtensionType;
  NoRng rng;
  SECTION("RSA only: no groups, no point formats; signature_algorithms at TLS 1.2") {
    ClientHelloOptions o = fixed_options();
    o.cipher_suites = parse_suite_list("rsa", 0x0303);
    auto h = build_client_hello(o, rng).hello;
    CHECK(ext_types(h) == Codes{13, 22, 23, 0xff01});
    CHECK(sigalgs_of(h) == Codes{0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501,
                                 0x0601, 0x0203, 0x0201});
  }
  SECTION("DHE_DSS adds the DSA schemes and FFDHE groups") {
    ClientHelloOptions o = fixed_options();
    o.cipher_suites = parse_suite_list("dhe-dss", 0x0303);
    auto h = build_client_hello(o, rng).hello;
    CHECK(groups_of(h) == Codes{256, 257});
    Codes s = sigalgs_of(h);
    CHECK(std::find(s.begin(), s.end(), 0x0402) != s.end());
    CHECK(s.back() == 0x0202);
    CHECK_FALSE(ext(h, ET::ec_point_formats));
  }
  SECTION("ECDHE: curves and point formats") {
    ClientHelloOptions o = fixed_options();
    o.cipher_suites = parse_suite_list("ecdhe", 0x0303);
    auto h = build_client_hello(o, rng).hello;
    CHECK(groups_of(h) == Codes{29, 23, 24});
    REQUIRE(ext(h, ET::ec_point_formats));
    CHECK(ext(h, ET::ec_point_formats)->data == Bytes{1, 0});
  }
  SECTION("encrypt_then_mac only with a CBC suite, and not when switched off (RFC 7366 §3)") {
    ClientHelloOptions o = fixed_options();
    o.cipher_suites = parse_suite_list("ECDHE-RSA-AES128-GCM-SHA256,ECDHE-RSA-CHACHA20-POLY1305", 0x0303);
    CHECK_FALSE(ext(build_client_hello(o, rng).hello, ET::encrypt_then_mac));
    o.cipher_suites.push_back(0x002f);  // TLS_RSA_WITH_AES_128_CBC_SHA
    auto h = build_client_hello(o, rng).hello;
    REQUIRE(ext(h, ET::encrypt_then_mac));
    CHECK(ext(h, ET::encrypt_then_mac)->data.empty());
    o.encrypt_then_mac = false;
    CHECK_FALSE(ext(build_client_hello(o, rng).hello, ET::encrypt_then_mac));
  }
  SECTION("below TLS 1.2 no signature_algorithms unless asked") {
    ClientHelloOptions o = fixed_options();
    o.version = 0x0301;
    auto h = build_client_hello(o, rng).hello;
    CHECK_FALSE(ext(h, ET::signature_algorithms));
    CHECK(ext(h, ET::extended_master_secret));
    o.sigalgs = Codes{0x0201};
    CHECK(sigalgs_of(build_client_hello(o, rng).hello) == Codes{0x0201});
  }
  SECTION("switches: no EMS, SCSV, no renegotiation signal, empty lists") {
    ClientHelloOptions o = fixed_options();
    o.cipher_suites = {0xc02f};
    o.extended_master_secret = false;
    o.renegotiation = Renegotiation::scsv;
    o.groups = Codes{};
    o.sigalgs = Codes{};
    o.point_formats = Bytes{};
    auto h = build_client_hello(o, rng).hello;
    CHECK(h.cipher_suites == Codes{0xc02f, 0x00ff});
    REQUIRE(h.extensions);
    CHECK(h.extensions->empty());  // an empty block, not an absent one
    o.renegotiation = Renegotiation::none;
    CHECK(build_client_hello(o, rng).hello.cipher_suites == Codes{0xc02f});
  }
}

TEST_CASE("client-hello: randomness", "[client-hello]") {
  ClientHelloOptions o;
  o.random_mode = RandomMode::random;
  auto a = build_client_hello(o, *hsk::crypto::seeded_rng("r")).hello.random;
  Bytes expect = hsk::crypto::seeded_rng("r")->bytes(32);
  CHECK(Bytes(a.begin(), a.end()) == expect);
  auto sys = hsk::crypto::system_rng();
  o.random_mode = RandomMode::rfc;
  o.gmt_unix_time = 0x01020304;
  auto b1 = build_client_hello(o, *sys).hello.random;
  auto b2 = build_client_hello(o, *sys).hello.random;
  CHECK(to_hex(hsk::ByteView(b1).first(4)) == "01020304");
  CHECK(b1 != b2);
}

TEST_CASE("client-hello: options that cannot be", "[client-hello]") {
  NoRng rng;
  auto build = [&](auto tweak) {
    ClientHelloOptions o = fixed_options();
    tweak(o);
    return build_client_hello(o, rng);
  };
  expect_usage([&] { build([](auto& o) { o.version = 0x0304; }); },
               "TLS 1.3 (0x0304) is not one of them");
  expect_usage([&] { build([](auto& o) { o.version = 0x0300; }); }, "is not one of them");
  expect_usage([&] { build([](auto& o) { o.session_id = Bytes(33); }); }, "at most 32");
  expect_usage([&] { build([](auto& o) { o.compression_methods = {}; }); },
               "1 to 255 compression methods");
  expect_usage([&] { build([](auto& o) { o.extensions = false, o.server_name = "a"; }); },
               "no room for a server name");
  expect_usage([&] { build([](auto& o) { o.extensions = false, o.alpn = {"h2"}; }); }, "ALPN");
  expect_usage([&] { build([](auto& o) { o.server_name = "bad name"; }); }, "printable ASCII");
  expect_usage([&] { build([](auto& o) { o.server_name = "host."; }); }, "ends in a dot");
  expect_usage([&] { build([](auto& o) { o.alpn = {""}; }); }, "1 to 255 bytes");
  expect_usage([&] { build([](auto& o) { o.record_version = 0x0201; }); },
               "does not have major version 3");
}

TEST_CASE("client-hello: a hello over 2^14 bytes is split into records", "[client-hello]") {
  ClientHelloOptions o = fixed_options();
  for (int i = 0; i < 120; ++i) {
    o.alpn.push_back(std::string(200, static_cast<char>('a' + i % 26)));
  }
  NoRng rng;
  BuiltClientHello b = build_client_hello(o, rng);
  REQUIRE(b.message.size() > 16384);
  // Two records: 16384 bytes, then the rest; reassembled they give the message back.
  CHECK(to_hex(hsk::ByteView(b.records).first(5)) == "1603014000");
  hsk::wire::Reader r(b.records);
  hsk::wire::HandshakeAssembler as;
  as.add(hsk::wire::decode_record(r, hsk::wire::kMaxPlaintext));
  as.add(hsk::wire::decode_record(r, hsk::wire::kMaxPlaintext));
  CHECK(r.empty());
  auto msgs = as.take();
  REQUIRE(msgs.size() == 1);
  CHECK(hsk::wire::encode_handshake(msgs[0]) == b.message);
}

TEST_CASE("client-hello: the client state", "[client-hello]") {
  ClientHelloOptions o = fixed_options();
  o.session_id = from_hex("0102");
  NoRng rng;
  BuiltClientHello b = build_client_hello(o, rng);
  State s = new_client_state(b, std::nullopt);
  CHECK(s.role == Role::client);
  CHECK(s.version == 0x0303);
  CHECK(s.offered_suites == b.hello.cipher_suites);
  CHECK(s.client_random == seq_random());
  CHECK(s.session_id == from_hex("0102"));
  REQUIRE(s.transcript.size() == 1);
  CHECK(s.transcript[0].from == Role::client);
  CHECK(s.transcript[0].bytes == b.message);
  CHECK(transcript_bytes(s) == b.message);
  CHECK(find_message(s, Role::client, hsk::wire::HandshakeType::client_hello) == &s.transcript[0]);
  CHECK(find_message(s, Role::server, hsk::wire::HandshakeType::client_hello) == nullptr);

  // JSON round trip, with every optional member filled.
  s.negotiated_version = 0x0303;
  s.cipher_suite = 0xc02f;
  s.server_random = seq_random();
  s.server_session_id = from_hex("ee");
  s.resume = ResumeSession{from_hex("99"), 0x0302, 0x002f, true, from_hex("1234")};
  s.secrets["dh_private"] = from_hex("abcdef");
  s.values["note"] = "x";
  std::string text = state_to_json(s);
  CHECK(state_from_json(text, "s.json") == s);
  CHECK(text.find("\"hsk_state\": 1") != std::string::npos);
  CHECK(text.find("\"version\": \"0x0303\"") != std::string::npos);
  CHECK(text.find("\"type\": \"client_hello\"") != std::string::npos);
}

TEST_CASE("client-hello: state files that cannot be read", "[client-hello]") {
  NoRng rng;
  std::string good =
      state_to_json(new_client_state(build_client_hello(fixed_options(), rng), std::nullopt));
  auto expect_malformed = [](const std::string& text, const std::string& what) {
    try {
      state_from_json(text, "s.json");
      FAIL("accepted");
    } catch (const hsk::Error& e) {
      INFO(e.message());
      CHECK(e.kind() == hsk::ErrorKind::malformed);
      CHECK(e.input() == "s.json");
      CHECK(e.message().find(what) != std::string::npos);
    }
  };
  auto with = [&](const std::string& from, const std::string& to) {
    std::string t = good;
    auto at = t.find(from);
    REQUIRE(at != std::string::npos);
    return t.replace(at, from.size(), to);
  };
  expect_malformed("{", "not valid JSON");
  expect_malformed("{\"a\": 1}", "no \"hsk_state\"");
  expect_malformed(with("\"hsk_state\": 1", "\"hsk_state\": 2"), "written by a newer hsk");
  expect_malformed(with("\"hsk_state\": 1", "\"hsk_state\": 0"), "unknown format 0");
  expect_malformed(with("\"role\": \"client\"", "\"role\": \"both\""), "role: expected");
  expect_malformed(with("\"role\": \"client\",", ""), "role: missing");
  expect_malformed(with("\"version\": \"0x0303\"", "\"version\": \"tls12\""),
                   "version: 'tls12' is not a code");
  expect_malformed(with("\"client_random\": \"00", "\"client_random\": \""),
                   "client_random: expected 32 bytes");
  expect_malformed(with("\"hex\": \"01000", "\"hex\": \"01010"), "length header says");
  // Plain integers are read too; unknown members survive a round trip.
  State s = state_from_json(
      with("\"version\": \"0x0303\"", "\"version\": 771, \"later\": {\"x\": [1]}"), "s.json");
  CHECK(s.version == 0x0303);
  CHECK(state_to_json(s).find("\"later\"") != std::string::npos);
  CHECK(state_from_json(state_to_json(s), "s.json") == s);

  expect_usage([&] { expect_role(s, Role::server, "c.json"); },
               "c.json: this is a client state file; this step needs the server's");
}

TEST_CASE("client-hello: save_state writes 0600 atomically", "[client-hello]") {
  char dir[] = "/tmp/hsk-state-XXXXXX";
  REQUIRE(::mkdtemp(dir));
  std::string path = std::string(dir) + "/client.json";
  NoRng rng;
  State s = new_client_state(build_client_hello(fixed_options(), rng), std::nullopt);
  {
    std::ofstream f(path);
    f << "old";
  }
  ::chmod(path.c_str(), 0644);
  save_state(path, s);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(load_state(path) == s);
  ::unlink(path.c_str());
  try {
    load_state(path);
    FAIL("loaded a missing file");
  } catch (const hsk::Error& e) {
    CHECK(e.kind() == hsk::ErrorKind::io);
  }
  ::rmdir(dir);
}

TEST_CASE("client-hello: resuming the session of an earlier state", "[client-hello]") {
  // An earlier client state whose transcript holds a real ServerHello (OpenSSL, TLS 1.2,
  // TLS_RSA_WITH_AES_128_GCM_SHA256, a 32-byte session id, extended_master_secret).
  const Bytes flight =
      read_file(std::string(HSK_TESTDATA) + "/handshakes/tls12-rsa/2-server-flight.tls");
  hsk::wire::Reader r(flight);
  hsk::wire::HandshakeAssembler as;
  while (!r.empty()) {
    as.add(hsk::wire::decode_record(r));
  }
  auto msgs = as.take();
  REQUIRE(msgs.at(0).msg_type == 2);
  hsk::wire::Reader shr(msgs[0].body);
  auto sh = hsk::wire::decode_server_hello(shr);

  NoRng rng;
  ClientHelloOptions first = fixed_options();
  State earlier = new_client_state(build_client_hello(first, rng), std::nullopt);
  expect_usage([&] { resume_from(earlier, "c.json"); }, "c.json: no ServerHello");
  add_message(earlier, Role::server, hsk::wire::encode_handshake(msgs[0]));
  earlier.secrets["master_secret"] = Bytes(48, 7);
  earlier.values["handshake_complete"] = "true";

  ResumeSession rs = resume_from(earlier, "c.json");
  CHECK(rs.session_id == sh.session_id);
  CHECK(rs.session_id.size() == 32);
  CHECK(rs.version == 0x0303);
  CHECK(rs.cipher_suite == 0x009c);
  CHECK(rs.extended_master_secret);
  CHECK(rs.master_secret == Bytes(48, 7));

  ClientHelloOptions again = fixed_options();
  again.cipher_suites = parse_suite_list("ecdhe", 0x0303);
  again.resume = rs;
  BuiltClientHello b = build_client_hello(again, rng);
  CHECK(b.hello.session_id == rs.session_id);
  CHECK(b.hello.cipher_suites.back() == 0x009c);  // the resumed suite, appended
  State s = new_client_state(b, rs);
  CHECK(s.resume == rs);
  CHECK(state_from_json(state_to_json(s), "x") == s);
  again.session_id = from_hex("01");
  expect_usage([&] { build_client_hello(again, rng); }, "cannot both be given");

  State server = earlier;
  server.role = Role::server;
  expect_usage([&] { resume_from(server, "s.json"); }, "s.json: this is a server state file");
  State no_id = new_client_state(build_client_hello(first, rng), std::nullopt);
  hsk::wire::ServerHello empty_id = sh;
  empty_id.session_id.clear();
  hsk::wire::Writer w;
  hsk::wire::encode_server_hello(w, empty_id);
  hsk::wire::HandshakeMessage m;
  m.msg_type = 2;
  m.body = w.take();
  add_message(no_id, Role::server, hsk::wire::encode_handshake(m));
  expect_usage([&] { resume_from(no_id, "c.json"); }, "no session id");
}

TEST_CASE("client-hello: the record reads back through the stream reader", "[client-hello]") {
  char dir[] = "/tmp/hsk-ch-XXXXXX";
  REQUIRE(::mkdtemp(dir));
  std::string path = std::string(dir) + "/1.tls";
  ClientHelloOptions o = fixed_options();
  NoRng rng;
  BuiltClientHello b = build_client_hello(o, rng);
  hsk::io::write_flight(path, b.records);
  hsk::io::Stream in = hsk::io::Stream::open_input(path);
  auto f = hsk::io::read_flight(in, hsk::wire::HandshakeType::client_hello);
  CHECK(f.complete);
  REQUIRE(f.messages.size() == 1);
  CHECK(hsk::wire::encode_handshake(f.messages[0]) == b.message);
  ::unlink(path.c_str());
  ::rmdir(dir);
}
