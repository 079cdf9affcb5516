// Tests for record protection (crypto/record_protection.hpp):
//   - the primitives against Wycheproof (AES-GCM and ChaCha20-Poly1305 with 12-byte nonces and
//     16-byte tags, AES-CBC, HMAC-SHA1/SHA-256), the constant-time HMAC against crypto::hmac;
//   - which suites are supported, and a clear usage error for the others;
//   - seal -> open round trips for every supported registry suite at every version, with the
//     record structure checked against RFC 5246 / 5288 / 7366 / 7905 built from the primitives;
//   - tampering (every byte of a record, padding with a valid MAC, MAC with valid padding),
//     truncation, overflow, sequence-number exhaustion, direction misuse;
//   - live OpenSSL sessions captured through a socat relay with a key log: both Finished
//     messages and the application data of each direction open with hsk's keys.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/crypto.hpp"
#include "crypto/record_protection.hpp"
#include "crypto/tls_crypto.hpp"
#include "hsk/error.hpp"
#include "wire/messages.hpp"
#include "wire/reader.hpp"
#include "wire/record.hpp"
#include "wire/registry.hpp"

using hsk::Bytes;
using hsk::ByteView;
using hsk::from_hex;
using hsk::to_hex;
using namespace hsk::crypto;
using Dir = RecordProtection::Direction;

namespace {

constexpr std::uint8_t kBadRecordMac = 20;
constexpr std::uint8_t kRecordOverflow = 22;
constexpr std::uint8_t kDecodeError = 50;

Bytes str(std::string_view s) { return Bytes(s.begin(), s.end()); }

Bytes cat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (ByteView p : parts) {
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

nlohmann::json load_vectors(const std::string& name) {
  std::ifstream in(std::string(HSK_VECTORS) + "/wycheproof/" + name);
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

Bytes hex_field(const nlohmann::json& t, const char* name) {
  return from_hex(t[name].get<std::string>());
}

template <class F>
hsk::Error error_of(F&& f) {
  try {
    f();
  } catch (const hsk::Error& e) {
    return e;
  }
  FAIL("no hsk::Error thrown");
  return hsk::Error(hsk::ErrorKind::internal, "unreachable");
}

const hsk::wire::CipherSuite& suite(std::string_view name) {
  const hsk::wire::CipherSuite* s = hsk::wire::find_cipher_suite(name);
  REQUIRE(s != nullptr);
  return *s;
}

// keys_for: both directions' keys from a deterministic key block.
struct TestKeys {
  KeyBlock block;
  RecordKeys client, server;
};

TestKeys keys_for(const hsk::wire::CipherSuite& s, std::uint16_t version, bool etm,
                  const std::string& seed = "record keys") {
  auto rng = seeded_rng(seed);
  TestKeys k;
  k.block = split_key_block(s, version, rng->bytes(key_block_length(s, version)));
  k.client = record_keys(s, version, k.block, true, etm);
  k.server = record_keys(s, version, k.block, false, etm);
  return k;
}

Bytes header13(std::uint64_t seq, std::uint8_t type, std::uint16_t version, std::size_t len) {
  Bytes h(13);
  for (int i = 0; i < 8; ++i) {
    h[7 - i] = static_cast<std::uint8_t>(seq >> (8 * i));
  }
  h[8] = type;
  h[9] = static_cast<std::uint8_t>(version >> 8);
  h[10] = static_cast<std::uint8_t>(version);
  h[11] = static_cast<std::uint8_t>(len >> 8);
  h[12] = static_cast<std::uint8_t>(len);
  return h;
}

HashAlg mac_alg(const hsk::wire::CipherSuite& s) {
  if (s.mac == "SHA") {
    return HashAlg::sha1;
  }
  return s.mac == "SHA256" ? HashAlg::sha256 : HashAlg::sha384;
}

// expect_bad_mac: open fails with check_failed / bad_record_mac; returns the message.
std::string expect_bad_mac(RecordProtection& opener, std::uint8_t type, std::uint16_t version,
                           ByteView fragment) {
  std::uint64_t seq = opener.seq();
  hsk::Error e = error_of([&] { opener.open(type, version, fragment); });
  CHECK(e.kind() == hsk::ErrorKind::check_failed);
  CHECK(int(e.alert()) == int(kBadRecordMac));
  CHECK(opener.seq() == seq);
  return e.message();
}

std::optional<Bytes> pkcs5_unpad(const Bytes& b) {
  if (b.empty() || b.size() % 16 != 0) {
    return std::nullopt;
  }
  std::size_t p = b.back();
  if (p == 0 || p > 16) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < p; ++i) {
    if (b[b.size() - 1 - i] != p) {
      return std::nullopt;
    }
  }
  return Bytes(b.begin(), b.end() - static_cast<std::ptrdiff_t>(p));
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Primitives against Wycheproof.

TEST_CASE("record primitives: Wycheproof AES-GCM (12-byte nonce, 16-byte tag)",
          "[record-protection][wycheproof]") {
  nlohmann::json j = load_vectors("aes_gcm_test.json");
  int valid = 0, invalid = 0, skipped = 0;
  for (const auto& g : j["testGroups"]) {
    bool tls_shape = g["ivSize"].get<int>() == 96 && g["tagSize"].get<int>() == 128;
    for (const auto& t : g["tests"]) {
      INFO("tcId " << t["tcId"].get<int>());
      Bytes key = hex_field(t, "key"), iv = hex_field(t, "iv"), aad = hex_field(t, "aad");
      Bytes msg = hex_field(t, "msg"), ct = hex_field(t, "ct"), tag = hex_field(t, "tag");
      Bytes sealed = cat({ct, tag});
      if (!tls_shape) {
        // Other nonce sizes are not what TLS uses: refused as a usage error, counted as skipped.
        CHECK(error_of([&] { aes_gcm_open(key, iv, aad, sealed); }).kind() ==
              hsk::ErrorKind::usage);
        ++skipped;
        continue;
      }
      std::string result = t["result"].get<std::string>();
      if (result == "valid") {
        CHECK(to_hex(aes_gcm_seal(key, iv, aad, msg)) == to_hex(sealed));
        std::optional<Bytes> opened = aes_gcm_open(key, iv, aad, sealed);
        REQUIRE(opened.has_value());
        CHECK(to_hex(*opened) == to_hex(msg));
        ++valid;
      } else {
        REQUIRE(result == "invalid");
        CHECK_FALSE(aes_gcm_open(key, iv, aad, sealed).has_value());
        ++invalid;
      }
    }
  }
  CHECK(valid == 116);
  CHECK(invalid == 81);
  CHECK(skipped == 119);
}

TEST_CASE("record primitives: Wycheproof ChaCha20-Poly1305", "[record-protection][wycheproof]") {
  nlohmann::json j = load_vectors("chacha20_poly1305_test.json");
  int valid = 0, invalid = 0, skipped = 0;
  for (const auto& g : j["testGroups"]) {
    bool tls_shape = g["ivSize"].get<int>() == 96 && g["tagSize"].get<int>() == 128;
    for (const auto& t : g["tests"]) {
      INFO("tcId " << t["tcId"].get<int>());
      Bytes key = hex_field(t, "key"), iv = hex_field(t, "iv"), aad = hex_field(t, "aad");
      Bytes msg = hex_field(t, "msg"), ct = hex_field(t, "ct"), tag = hex_field(t, "tag");
      Bytes sealed = cat({ct, tag});
      if (!tls_shape) {
        CHECK(error_of([&] { chacha20_poly1305_open(key, iv, aad, sealed); }).kind() ==
              hsk::ErrorKind::usage);
        ++skipped;
        continue;
      }
      if (t["result"] == "valid") {
        CHECK(to_hex(chacha20_poly1305_seal(key, iv, aad, msg)) == to_hex(sealed));
        std::optional<Bytes> opened = chacha20_poly1305_open(key, iv, aad, sealed);
        REQUIRE(opened.has_value());
        CHECK(to_hex(*opened) == to_hex(msg));
        ++valid;
      } else {
        CHECK_FALSE(chacha20_poly1305_open(key, iv, aad, sealed).has_value());
        ++invalid;
      }
    }
  }
  CHECK(valid == 256);
  CHECK(invalid == 60);
  CHECK(skipped == 9);
}

TEST_CASE("record primitives: Wycheproof AES-CBC-PKCS5 through raw AES-CBC",
          "[record-protection][wycheproof]") {
  nlohmann::json j = load_vectors("aes_cbc_pkcs5_test.json");
  int valid = 0, invalid = 0;
  for (const auto& g : j["testGroups"]) {
    for (const auto& t : g["tests"]) {
      INFO("tcId " << t["tcId"].get<int>());
      Bytes key = hex_field(t, "key"), iv = hex_field(t, "iv");
      Bytes msg = hex_field(t, "msg"), ct = hex_field(t, "ct");
      if (t["result"] == "valid") {
        Bytes padded = msg;
        std::size_t p = 16 - msg.size() % 16;
        padded.insert(padded.end(), p, static_cast<std::uint8_t>(p));
        CHECK(to_hex(aes_cbc_encrypt(key, iv, padded)) == to_hex(ct));
        CHECK(to_hex(aes_cbc_decrypt(key, iv, ct)) == to_hex(padded));
        ++valid;
      } else {
        // Invalid: a length that is not whole blocks (refused), or a bad PKCS#5 padding.
        if (ct.size() % 16 != 0 || ct.empty()) {
          if (!ct.empty()) {
            CHECK(error_of([&] { aes_cbc_decrypt(key, iv, ct); }).kind() == hsk::ErrorKind::usage);
          }
        } else {
          CHECK_FALSE(pkcs5_unpad(aes_cbc_decrypt(key, iv, ct)).has_value());
        }
        ++invalid;
      }
    }
  }
  CHECK(valid == 72);
  CHECK(invalid == 144);
}

TEST_CASE("record primitives: Wycheproof HMAC-SHA1/SHA-256, plain and secret-length",
          "[record-protection][wycheproof]") {
  struct File {
    const char* name;
    HashAlg alg;
    int valid, invalid;
  };
  for (const File& f : {File{"hmac_sha1_test.json", HashAlg::sha1, 66, 104},
                        File{"hmac_sha256_test.json", HashAlg::sha256, 66, 108}}) {
    INFO(f.name);
    nlohmann::json j = load_vectors(f.name);
    int valid = 0, invalid = 0;
    for (const auto& g : j["testGroups"]) {
      std::size_t tag_bytes = g["tagSize"].get<std::size_t>() / 8;
      for (const auto& t : g["tests"]) {
        INFO("tcId " << t["tcId"].get<int>());
        Bytes key = hex_field(t, "key"), msg = hex_field(t, "msg"), tag = hex_field(t, "tag");
        Bytes plain = hmac(f.alg, key, msg);
        // The constant-time one, with junk after the message in the buffer.
        Bytes buffer = cat({msg, str("junk after the message, not MACed")});
        Bytes ct = hmac_secret_length(f.alg, key, {}, buffer, msg.size());
        CHECK(to_hex(ct) == to_hex(plain));
        Bytes truncated(plain.begin(), plain.begin() + static_cast<std::ptrdiff_t>(tag_bytes));
        if (t["result"] == "valid") {
          CHECK(to_hex(truncated) == to_hex(tag));
          ++valid;
        } else {
          CHECK(to_hex(truncated) != to_hex(tag));
          ++invalid;
        }
      }
    }
    CHECK(valid == f.valid);
    CHECK(invalid == f.invalid);
  }
}

TEST_CASE("record primitives: secret-length HMAC equals HMAC for every length",
          "[record-protection]") {
  auto rng = seeded_rng("ct hmac");
  Bytes header = rng->bytes(13);
  Bytes data = rng->bytes(330);
  for (HashAlg alg : {HashAlg::sha1, HashAlg::sha256, HashAlg::sha384}) {
    for (std::size_t key_len : {0, 20, 48, 64, 129}) {
      Bytes key = rng->bytes(key_len);
      for (std::size_t buf : {0, 55, 64, 200, 330}) {
        ByteView b = ByteView(data).first(buf);
        for (std::size_t n = 0; n <= buf; ++n) {
          Bytes expected = hmac(alg, key, cat({header, b.first(n)}));
          Bytes got = hmac_secret_length(alg, key, header, b, n);
          if (got != expected) {
            FAIL(hash_name(alg) << " key " << key_len << " buffer " << buf << " length " << n);
          }
        }
      }
    }
  }
  CHECK(error_of([&] { hmac_secret_length(HashAlg::md5, {}, {}, data, 1); }).kind() ==
        hsk::ErrorKind::usage);
  CHECK(error_of([&] { hmac_secret_length(HashAlg::sha1, {}, {}, data, 331); }).kind() ==
        hsk::ErrorKind::usage);
  CHECK_THROWS_AS(aes_gcm_seal(Bytes(15), Bytes(12), {}, {}), hsk::Error);
  CHECK_THROWS_AS(chacha20_poly1305_seal(Bytes(32), Bytes(8), {}, {}), hsk::Error);
  CHECK(error_of([&] { aes_cbc_encrypt(Bytes(16), Bytes(16), Bytes(15)); }).kind() ==
        hsk::ErrorKind::usage);
}

// ---------------------------------------------------------------------------------------
// Suites.

TEST_CASE("record protection: supported suites and the usage error for the others",
          "[record-protection]") {
  for (const char* name :
       {"AES128-SHA", "AES256-SHA", "DHE-RSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA"}) {
    INFO(name);
    for (std::uint16_t v : {0x0301, 0x0302, 0x0303}) {
      CHECK(record_protection_supported(suite(name), v));
    }
    CHECK_FALSE(record_protection_supported(suite(name), 0x0300));
    CHECK_FALSE(record_protection_supported(suite(name), 0x0304));
  }
  for (const char* name : {"AES256-SHA256", "ECDHE-RSA-AES256-SHA384", "AES128-GCM-SHA256",
                           "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305"}) {
    INFO(name);
    CHECK(record_protection_supported(suite(name), 0x0303));
    CHECK_FALSE(record_protection_supported(suite(name), 0x0302));
    CHECK_FALSE(record_protection_supported(suite(name), 0x0301));
  }
  struct No {
    const char* name;
    const char* says;
  };
  for (const No& n :
       {No{"DES-CBC3-SHA", "3DES_EDE_CBC"}, No{"RC4-SHA", "RC4_128"},
        No{"AES128-CCM", "AES_128_CCM"}, No{"NULL-SHA", "NULL"},
        No{"CAMELLIA128-SHA", "CAMELLIA_128_CBC"}, No{"TLS_AES_128_GCM_SHA256", "TLS 1.3"}}) {
    INFO(n.name);
    CHECK_FALSE(record_protection_supported(suite(n.name), 0x0303));
    hsk::Error e = error_of([&] { require_record_protection(suite(n.name), 0x0303); });
    CHECK(e.kind() == hsk::ErrorKind::usage);
    CHECK(e.message().find(n.says) != std::string::npos);
    RecordKeys k;
    k.suite = &suite(n.name);
    CHECK(error_of([&] { RecordProtection p(k, Dir::seal); }).kind() == hsk::ErrorKind::usage);
  }
  CHECK(error_of([&] { require_record_protection(suite("AES128-GCM-SHA256"), 0x0301); })
            .message()
            .find("needs TLS 1.2") != std::string::npos);
  // Key lengths are checked.
  TestKeys k = keys_for(suite("AES128-SHA"), 0x0303, false);
  RecordKeys bad = k.client;
  bad.mac_key.pop_back();
  CHECK(error_of([&] { RecordProtection p(bad, Dir::seal); }).kind() == hsk::ErrorKind::usage);
  bad = k.client;
  bad.iv = Bytes(16);  // TLS 1.2 CBC has no implicit IV
  CHECK(error_of([&] { RecordProtection p(bad, Dir::seal); }).kind() == hsk::ErrorKind::usage);
}

// ---------------------------------------------------------------------------------------
// Round trips and structure.

TEST_CASE("record protection: seal -> open for every supported suite and version",
          "[record-protection]") {
  auto rng = seeded_rng("round trips");
  std::size_t combos = 0;
  std::set<std::string> ciphers;
  for (const hsk::wire::CipherSuite& s : hsk::wire::cipher_suites()) {
    for (std::uint16_t v : {0x0301, 0x0302, 0x0303}) {
      if (!record_protection_supported(s, v)) {
        continue;
      }
      for (bool etm : {false, true}) {
        if (etm && s.cipher_type != hsk::wire::CipherType::block) {
          continue;
        }
        INFO(s.iana << " " << v << " etm " << etm);
        ++combos;
        ciphers.insert(std::string(s.cipher) + "/" + std::string(s.mac));
        TestKeys k = keys_for(s, v, etm, std::string(s.iana));
        RecordProtection c_seal(k.client, Dir::seal), s_open(k.client, Dir::open);
        RecordProtection s_seal(k.server, Dir::seal), c_open(k.server, Dir::open);
        CHECK(c_seal.encrypt_then_mac() == etm);
        std::uint64_t n = 0;
        for (std::size_t len : {0, 1, 15, 16, 17, 31, 32, 33, 255, 256, 1000}) {
          Bytes pt = rng->bytes(len);
          Bytes frag = c_seal.seal(23, pt, *rng);
          CHECK(frag.size() <= len + c_seal.overhead());
          CHECK(to_hex(s_open.open(23, v, frag)) == to_hex(pt));
          Bytes back = s_seal.seal(22, pt, *rng);
          CHECK(to_hex(c_open.open(22, v, back)) == to_hex(pt));
          ++n;
          CHECK(c_seal.seq() == n);
          CHECK(s_open.seq() == n);
        }
        // The other direction's keys do not open this one's records.
        Bytes frag = c_seal.seal(23, str("wrong way"), *rng);
        RecordProtection wrong(k.server, Dir::open);
        wrong.set_seq(c_seal.seq() - 1);
        wrong.set_cbc_iv(s_open.cbc_iv());
        expect_bad_mac(wrong, 23, v, frag);
        // The content type and version are authenticated.
        RecordProtection copy(k.client, Dir::open);
        copy.set_seq(s_open.seq());
        copy.set_cbc_iv(s_open.cbc_iv());
        expect_bad_mac(copy, 22, v, frag);
        copy.set_seq(s_open.seq());
        expect_bad_mac(copy, 23, static_cast<std::uint16_t>(v ^ 1), frag);
        // The sequence number is authenticated.
        copy.set_seq(s_open.seq() + 1);
        expect_bad_mac(copy, 23, v, frag);
        CHECK(to_hex(s_open.open(23, v, frag)) == to_hex(str("wrong way")));
      }
    }
  }
  // AES-128/256-CBC × SHA/SHA256/SHA384, AES-128/256-GCM, ChaCha20-Poly1305.
  const std::set<std::string> expected{
      "AES_128_CBC/SHA",    "AES_128_CBC/SHA256", "AES_256_CBC/SHA",  "AES_256_CBC/SHA256",
      "AES_256_CBC/SHA384", "AES_128_GCM/AEAD",   "AES_256_GCM/AEAD", "CHACHA20_POLY1305/AEAD"};
  CHECK(ciphers == expected);
  CHECK(combos > 100);
}

TEST_CASE("record protection: the bytes of each scheme, rebuilt from the primitives",
          "[record-protection]") {
  auto rng = seeded_rng("structure");
  Bytes pt = str("GET / HTTP/1.0\r\n\r\n");
  SECTION("AES-GCM (RFC 5288): explicit nonce = seq, nonce = salt || explicit, AAD") {
    TestKeys k = keys_for(suite("AES128-GCM-SHA256"), 0x0303, false);
    RecordProtection p(k.client, Dir::seal);
    p.set_seq(0x0102030405060708ULL);
    Bytes frag = p.seal(23, pt, *rng);
    Bytes explicit_nonce = from_hex("0102030405060708");
    Bytes expected = cat(
        {explicit_nonce, aes_gcm_seal(k.client.enc_key, cat({k.client.iv, explicit_nonce}),
                                      header13(0x0102030405060708ULL, 23, 0x0303, pt.size()), pt)});
    CHECK(to_hex(frag) == to_hex(expected));
    CHECK(p.seq() == 0x0102030405060709ULL);
  }
  SECTION("ChaCha20-Poly1305 (RFC 7905): nonce = iv XOR seq, no explicit nonce") {
    TestKeys k = keys_for(suite("ECDHE-RSA-CHACHA20-POLY1305"), 0x0303, false);
    RecordProtection p(k.server, Dir::seal);
    p.set_seq(0xa1a2a3a4a5a6a7a8ULL);
    Bytes frag = p.seal(21, pt, *rng);
    Bytes nonce = k.server.iv;
    Bytes s = from_hex("a1a2a3a4a5a6a7a8");
    for (int i = 0; i < 8; ++i) {
      nonce[4 + i] ^= s[i];
    }
    CHECK(to_hex(frag) == to_hex(chacha20_poly1305_seal(
                              k.server.enc_key, nonce,
                              header13(0xa1a2a3a4a5a6a7a8ULL, 21, 0x0303, pt.size()), pt)));
  }
  SECTION("AES-CBC TLS 1.2 MAC-then-encrypt: IV || E(pt || HMAC || padding)") {
    const auto& s = suite("ECDHE-RSA-AES256-SHA384");
    TestKeys k = keys_for(s, 0x0303, false);
    RecordProtection p(k.client, Dir::seal);
    p.set_seq(5);
    Bytes frag = p.seal(23, pt, *rng);
    // 18 bytes of data + 48 of MAC = 66; padding to 80: 14 bytes of value 13.
    REQUIRE(frag.size() == 16 + 80);
    Bytes plain =
        aes_cbc_decrypt(k.client.enc_key, ByteView(frag).first(16), ByteView(frag).subspan(16));
    Bytes mac = hmac(HashAlg::sha384, k.client.mac_key, cat({header13(5, 23, 0x0303, 18), pt}));
    CHECK(to_hex(plain) == to_hex(cat({pt, mac, Bytes(14, 13)})));
  }
  SECTION("AES-CBC TLS 1.1 encrypt_then_mac (RFC 7366): IV || E(pt || padding) || HMAC") {
    const auto& s = suite("AES128-SHA");
    TestKeys k = keys_for(s, 0x0302, true);
    RecordProtection p(k.server, Dir::seal);
    Bytes frag = p.seal(22, pt, *rng);
    REQUIRE(frag.size() == 16 + 32 + 20);
    ByteView enc = ByteView(frag).first(48);
    CHECK(to_hex(ByteView(frag).subspan(48)) ==
          to_hex(hmac(HashAlg::sha1, k.server.mac_key, cat({header13(0, 22, 0x0302, 48), enc}))));
    CHECK(to_hex(aes_cbc_decrypt(k.server.enc_key, enc.first(16), enc.subspan(16))) ==
          to_hex(cat({pt, Bytes(14, 13)})));
  }
  SECTION("AES-CBC TLS 1.0: the IV chains from the last ciphertext block") {
    const auto& s = suite("AES128-SHA");
    for (bool etm : {false, true}) {
      TestKeys k = keys_for(s, 0x0301, etm);
      RecordProtection p(k.client, Dir::seal), o(k.client, Dir::open);
      CHECK(to_hex(p.cbc_iv()) == to_hex(k.block.client_write_iv));
      Bytes first = p.seal(23, pt, *rng);
      std::size_t ct_end = first.size() - (etm ? 20 : 0);
      CHECK(to_hex(p.cbc_iv()) == to_hex(ByteView(first).subspan(ct_end - 16, 16)));
      Bytes plain =
          aes_cbc_decrypt(k.client.enc_key, k.block.client_write_iv, ByteView(first).first(ct_end));
      CHECK(to_hex(ByteView(plain).first(pt.size())) == to_hex(pt));
      Bytes second = p.seal(23, pt, *rng);
      Bytes plain2 = aes_cbc_decrypt(k.client.enc_key, ByteView(first).subspan(ct_end - 16, 16),
                                     ByteView(second).first(second.size() - (etm ? 20 : 0)));
      CHECK(to_hex(ByteView(plain2).first(pt.size())) == to_hex(pt));
      CHECK(to_hex(o.open(23, 0x0301, first)) == to_hex(pt));
      CHECK(o.cbc_iv() != p.cbc_iv());  // o is one record behind
      CHECK(to_hex(o.open(23, 0x0301, second)) == to_hex(pt));
      CHECK(to_hex(o.cbc_iv()) == to_hex(p.cbc_iv()));
      CHECK(error_of([&] { o.set_cbc_iv(Bytes(15)); }).kind() == hsk::ErrorKind::usage);
    }
    TestKeys k12 = keys_for(s, 0x0303, false);
    RecordProtection p12(k12.client, Dir::seal);
    CHECK(p12.cbc_iv().empty());
    CHECK(error_of([&] { p12.set_cbc_iv(Bytes(16)); }).kind() == hsk::ErrorKind::usage);
  }
}

TEST_CASE("record protection: seal_records cuts at 2^14 and frames each record",
          "[record-protection]") {
  auto rng = seeded_rng("seal_records");
  for (const char* name : {"AES128-SHA", "ECDHE-RSA-CHACHA20-POLY1305"}) {
    INFO(name);
    TestKeys k = keys_for(suite(name), 0x0303, false);
    RecordProtection sealer(k.client, Dir::seal), opener(k.client, Dir::open);
    Bytes data = rng->bytes(40000);
    Bytes wire_bytes = sealer.seal_records(23, data, *rng);
    CHECK(sealer.seq() == 3);
    hsk::wire::Reader r(wire_bytes);
    Bytes back;
    std::vector<std::size_t> sizes;
    while (!r.empty()) {
      hsk::wire::Record rec = hsk::wire::decode_record(r);
      CHECK(rec.content_type == 23);
      CHECK(rec.version == 0x0303);
      Bytes plain = opener.open(rec);
      sizes.push_back(plain.size());
      back.insert(back.end(), plain.begin(), plain.end());
    }
    CHECK(sizes == std::vector<std::size_t>{16384, 16384, 7232});
    CHECK(back == data);
    Bytes empty = sealer.seal_records(21, {}, *rng);
    hsk::wire::Reader er(empty);
    hsk::wire::Record rec = hsk::wire::decode_record(er);
    CHECK(er.empty());
    CHECK(opener.open(rec).empty());
  }
}

// ---------------------------------------------------------------------------------------
// Tampering, padding, lengths.

TEST_CASE("record protection: one flipped bit anywhere is bad_record_mac, same message",
          "[record-protection]") {
  auto rng = seeded_rng("tamper");
  struct Case {
    const char* suite;
    std::uint16_t version;
    bool etm;
  };
  for (const Case& c :
       {Case{"AES128-SHA", 0x0301, false}, Case{"AES128-SHA", 0x0301, true},
        Case{"AES256-SHA", 0x0302, false}, Case{"AES128-SHA", 0x0303, false},
        Case{"AES256-SHA256", 0x0303, true}, Case{"ECDHE-RSA-AES256-SHA384", 0x0303, false},
        Case{"AES128-GCM-SHA256", 0x0303, false},
        Case{"ECDHE-RSA-AES256-GCM-SHA384", 0x0303, false},
        Case{"ECDHE-RSA-CHACHA20-POLY1305", 0x0303, false}}) {
    INFO(c.suite << " " << c.version << " etm " << c.etm);
    TestKeys k = keys_for(suite(c.suite), c.version, c.etm);
    RecordProtection sealer(k.client, Dir::seal);
    Bytes pt = rng->bytes(40);
    sealer.set_seq(77);
    Bytes frag = sealer.seal(23, pt, *rng);
    std::set<std::string> messages;
    for (std::size_t i = 0; i < frag.size(); ++i) {
      Bytes bad = frag;
      bad[i] ^= static_cast<std::uint8_t>(1u << (i % 8));
      RecordProtection opener(k.client, Dir::open);
      opener.set_seq(77);
      if (c.version == 0x0301) {
        opener.set_cbc_iv(k.block.client_write_iv);
      }
      messages.insert(expect_bad_mac(opener, 23, c.version, bad));
    }
    CHECK(messages.size() == 1);
    CHECK(*messages.begin() == "record: bad record MAC (or padding) (alert bad_record_mac)");
    RecordProtection opener(k.client, Dir::open);
    opener.set_seq(77);
    CHECK(to_hex(opener.open(23, c.version, frag)) == to_hex(pt));
  }
}

namespace {

// check_rebuilt: `frag`, sealed with `k` as record `seq` (content type 23) of `pt`, is what the
// one-shot primitives and crypto::hmac make of it (RFC 5246 §6.2.3.2, RFC 7366 §3, RFC 5288,
// RFC 7905; minimal CBC padding). `chained` is the TLS 1.0 IV before this record; returns the
// IV the next one chains from.
Bytes check_rebuilt(const RecordKeys& k, std::uint64_t seq, ByteView pt, const Bytes& frag,
                    ByteView chained) {
  const hsk::wire::CipherSuite& s = *k.suite;
  const std::uint16_t v = k.version;
  if (s.cipher_type == hsk::wire::CipherType::aead) {
    Bytes seq_bytes = header13(seq, 0, 0, 0);
    seq_bytes.resize(8);
    if (s.cipher == "CHACHA20_POLY1305") {
      Bytes nonce = k.iv;
      for (int i = 0; i < 8; ++i) {
        nonce[4 + i] ^= seq_bytes[i];
      }
      CHECK(frag == chacha20_poly1305_seal(k.enc_key, nonce, header13(seq, 23, v, pt.size()), pt));
    } else {
      CHECK(frag == cat({seq_bytes, aes_gcm_seal(k.enc_key, cat({k.iv, seq_bytes}),
                                                 header13(seq, 23, v, pt.size()), pt)}));
    }
    return {};
  }
  const HashAlg alg = mac_alg(s);
  const std::size_t mac_len = hash_size(alg);
  const std::size_t ivl = v == 0x0301 ? 0 : 16;
  ByteView enc = k.encrypt_then_mac ? ByteView(frag).first(frag.size() - mac_len) : frag;
  ByteView iv = ivl == 0 ? chained : enc.first(16);
  ByteView ct = enc.subspan(ivl);
  Bytes expected(pt.begin(), pt.end());
  if (k.encrypt_then_mac) {
    CHECK(to_hex(ByteView(frag).subspan(enc.size())) ==
          to_hex(hmac(alg, k.mac_key, cat({header13(seq, 23, v, enc.size()), enc}))));
  } else {
    Bytes mac = hmac(alg, k.mac_key, cat({header13(seq, 23, v, pt.size()), pt}));
    expected.insert(expected.end(), mac.begin(), mac.end());
  }
  const std::size_t pad = 15 - expected.size() % 16;
  expected.insert(expected.end(), pad + 1, static_cast<std::uint8_t>(pad));
  CHECK(aes_cbc_decrypt(k.enc_key, iv, ct) == expected);
  return Bytes(ct.end() - 16, ct.end());
}

}  // namespace

TEST_CASE("record protection: one opener, 50 records, failed records in between change nothing",
          "[record-protection]") {
  // RecordProtection keys its Crypto++ objects once per direction and reuses them for every
  // record. One sealer and one opener per scheme go through 50 records of mixed sizes (empty to
  // 2^14): each sealed record is rebuilt with fresh one-shot primitives, each opened plaintext
  // is compared byte for byte, and at a few points tampered copies of the next record (a bit
  // flipped in the first or the last byte or in the middle, the wrong content type) fail with
  // bad_record_mac, leaving seq and the TLS 1.0 IV as they were, before the genuine record and
  // the ones after it open.
  auto rng = seeded_rng("record stream");
  struct Case {
    const char* suite;
    std::uint16_t version;
    bool etm;
  };
  const std::vector<std::size_t> sizes{0,   1,   15,   16,   17,    31,    32,   100,
                                       255, 256, 1000, 4095, 16383, 16384, 2000, 0};
  const std::set<std::uint64_t> tamper_at{0,  13, 16,
                                          25, 26, 49};  // 0, 2^14, 0, 16383, 2000, 1 bytes
  std::size_t cases = 0;
  for (const Case& c :
       {Case{"AES128-SHA", 0x0301, false}, Case{"AES256-SHA", 0x0301, true},
        Case{"AES256-SHA", 0x0302, false}, Case{"AES128-SHA", 0x0302, true},
        Case{"AES128-SHA", 0x0303, false}, Case{"AES256-SHA256", 0x0303, false},
        Case{"AES128-SHA256", 0x0303, true}, Case{"ECDHE-RSA-AES256-SHA384", 0x0303, false},
        Case{"ECDHE-RSA-AES256-SHA384", 0x0303, true}, Case{"AES128-GCM-SHA256", 0x0303, false},
        Case{"ECDHE-RSA-AES256-GCM-SHA384", 0x0303, false},
        Case{"ECDHE-RSA-CHACHA20-POLY1305", 0x0303, false}}) {
    INFO(c.suite << " " << c.version << " etm " << c.etm);
    ++cases;
    TestKeys k = keys_for(suite(c.suite), c.version, c.etm, c.suite);
    RecordProtection sealer(k.server, Dir::seal), opener(k.server, Dir::open);
    REQUIRE(opener.encrypt_then_mac() == c.etm);
    Bytes chained = k.server.iv;  // TLS 1.0 only
    std::size_t failures = 0;
    for (std::uint64_t i = 0; i < 50; ++i) {
      INFO("record " << i);
      Bytes pt = rng->bytes(sizes[i % sizes.size()]);
      Bytes frag = sealer.seal(23, pt, *rng);
      chained = check_rebuilt(k.server, i, pt, frag, chained);
      if (tamper_at.count(i) != 0) {
        const Bytes iv_before = opener.cbc_iv();
        for (std::size_t at : {std::size_t{0}, frag.size() / 2, frag.size() - 1}) {
          Bytes bad = frag;
          bad[at] ^= 0x40;
          expect_bad_mac(opener, 23, c.version, bad);
          CHECK(opener.seq() == i);
          CHECK(opener.cbc_iv() == iv_before);
          ++failures;
        }
        expect_bad_mac(opener, 22, c.version, frag);
        CHECK(opener.cbc_iv() == iv_before);
        ++failures;
      }
      Bytes opened = opener.open(23, c.version, frag);
      CHECK(opened.size() == pt.size());
      CHECK(opened == pt);
      CHECK(opener.seq() == i + 1);
      CHECK(opener.cbc_iv() == sealer.cbc_iv());
    }
    CHECK(failures == 4 * tamper_at.size());
    CHECK(sealer.seq() == 50);
  }
  CHECK(cases == 12);
}

TEST_CASE("record protection: CBC padding of every length, valid MAC with bad padding",
          "[record-protection]") {
  // Records built by hand (pt || MAC || padding, encrypted with the raw primitive), so that
  // padding faults come with a valid MAC and vice versa.
  struct Case {
    const char* suite;
    std::uint16_t version;
  };
  for (const Case& c : {Case{"AES128-SHA", 0x0303}, Case{"ECDHE-RSA-AES256-SHA384", 0x0303},
                        Case{"AES256-SHA", 0x0301}}) {
    const auto& s = suite(c.suite);
    INFO(c.suite << " " << c.version);
    TestKeys k = keys_for(s, c.version, false);
    HashAlg alg = mac_alg(s);
    std::size_t mac_len = hash_size(alg);
    std::set<std::string> messages;
    auto build = [&](const Bytes& pt, std::size_t pad_len, std::uint64_t seq, bool good_mac,
                     int corrupt_pad_at) {
      Bytes mac = hmac(alg, k.client.mac_key, cat({header13(seq, 23, c.version, pt.size()), pt}));
      if (!good_mac) {
        mac[0] ^= 0x80;
      }
      Bytes data = cat({pt, mac, Bytes(pad_len + 1, static_cast<std::uint8_t>(pad_len))});
      REQUIRE(data.size() % 16 == 0);
      if (corrupt_pad_at >= 0) {
        data[data.size() - 1 - static_cast<std::size_t>(corrupt_pad_at)] ^= 0x01;
      }
      Bytes iv = c.version == 0x0301 ? k.block.client_write_iv : Bytes(16, 0x42);
      Bytes ct = aes_cbc_encrypt(k.client.enc_key, iv, data);
      return c.version == 0x0301 ? ct : cat({iv, ct});
    };
    auto opener = [&](std::uint64_t seq) {
      RecordProtection o(k.client, Dir::open);
      o.set_seq(seq);
      return o;
    };
    auto rng = seeded_rng("padding");
    for (std::size_t pad_len : {0, 1, 2, 11, 15, 16, 100, 254, 255}) {
      // pt length so that pt + MAC + padding + 1 is whole blocks.
      std::size_t base = 30;
      std::size_t pt_len = base + (16 - (base + mac_len + pad_len + 1) % 16) % 16;
      Bytes pt = rng->bytes(pt_len);
      INFO("padding length " << pad_len);
      RecordProtection o = opener(9);
      CHECK(to_hex(o.open(23, c.version, build(pt, pad_len, 9, true, -1))) == to_hex(pt));
      CHECK(o.seq() == 10);
      // Valid MAC, one padding byte wrong (the farthest one and the nearest one).
      if (pad_len > 0) {
        RecordProtection o1 = opener(9);
        messages.insert(expect_bad_mac(o1, 23, c.version,
                                       build(pt, pad_len, 9, true, static_cast<int>(pad_len))));
        RecordProtection o2 = opener(9);
        messages.insert(expect_bad_mac(o2, 23, c.version, build(pt, pad_len, 9, true, 1)));
      }
      // Valid padding, bad MAC.
      RecordProtection o3 = opener(9);
      messages.insert(expect_bad_mac(o3, 23, c.version, build(pt, pad_len, 9, false, -1)));
    }
    // A padding length that claims more bytes than the record has.
    {
      Bytes pt;  // empty plaintext: MAC + 1 byte... then the length byte says 200
      std::size_t pad_len = (16 - (mac_len + 1) % 16) % 16;
      Bytes frag = build(pt, pad_len, 3, true, -1);
      Bytes iv = c.version == 0x0301 ? k.block.client_write_iv : Bytes(16, 0x42);
      Bytes data = cat(
          {hmac(alg, k.client.mac_key, header13(3, 23, c.version, 0)), Bytes(pad_len + 1, 200)});
      Bytes ct = aes_cbc_encrypt(k.client.enc_key, iv, data);
      RecordProtection o = opener(3);
      messages.insert(expect_bad_mac(o, 23, c.version, c.version == 0x0301 ? ct : cat({iv, ct})));
      RecordProtection ok = opener(3);
      CHECK(ok.open(23, c.version, frag).empty());
    }
    CHECK(messages.size() == 1);
  }
}

TEST_CASE("record protection: truncation, overflow, exhaustion, misuse", "[record-protection]") {
  auto rng = seeded_rng("lengths");
  auto expect = [](RecordProtection& o, ByteView frag, hsk::ErrorKind kind, std::uint8_t alert) {
    hsk::Error e = error_of([&] { o.open(23, o.version(), frag); });
    CHECK(e.kind() == kind);
    CHECK(int(e.alert()) == int(alert));
    return e;
  };
  SECTION("too short is decode_error; not whole blocks is bad_record_mac") {
    struct Case {
      const char* suite;
      std::uint16_t version;
      bool etm;
      std::size_t min;
    };
    for (const Case& c :
         {Case{"AES128-SHA", 0x0303, false, 48},  // IV + 2 blocks for 20+1
          Case{"AES128-SHA", 0x0301, false, 32}, Case{"AES256-SHA256", 0x0303, false, 16 + 48},
          Case{"ECDHE-RSA-AES256-SHA384", 0x0303, false, 16 + 64},
          Case{"AES128-SHA", 0x0303, true, 16 + 16 + 20}, Case{"AES128-SHA", 0x0301, true, 16 + 20},
          Case{"AES128-GCM-SHA256", 0x0303, false, 24},
          Case{"ECDHE-RSA-CHACHA20-POLY1305", 0x0303, false, 16}}) {
      INFO(c.suite << " " << c.version << " etm " << c.etm);
      TestKeys k = keys_for(suite(c.suite), c.version, c.etm);
      RecordProtection o(k.client, Dir::open);
      for (std::size_t n = 0; n < c.min; ++n) {
        hsk::Error e = expect(o, Bytes(n, 0x33), hsk::ErrorKind::malformed, kDecodeError);
        CHECK(e.message().find("shorter than the " + std::to_string(c.min)) != std::string::npos);
      }
      // A real record cut by one byte.
      RecordProtection sealer(k.client, Dir::seal);
      Bytes frag = sealer.seal(23, str("cut me"), *rng);
      Bytes cut(frag.begin(), frag.end() - 1);
      if (cut.size() < c.min) {
        expect(o, cut, hsk::ErrorKind::malformed, kDecodeError);
      } else {
        expect(o, cut, hsk::ErrorKind::check_failed, kBadRecordMac);
      }
      CHECK(o.seq() == 0);
    }
  }
  SECTION("record_overflow: fragment over 2^14 + 2048, plaintext over 2^14") {
    TestKeys gk = keys_for(suite("AES128-GCM-SHA256"), 0x0303, false);
    RecordProtection g(gk.client, Dir::open);
    expect(g, Bytes((1u << 14) + 2049), hsk::ErrorKind::check_failed, kRecordOverflow);
    expect(g, Bytes((1u << 14) + 1 + 24), hsk::ErrorKind::check_failed, kRecordOverflow);
    // A CBC record with a valid MAC over 2^14 + 1 bytes of plaintext.
    const auto& s = suite("AES128-SHA");
    TestKeys k = keys_for(s, 0x0303, false);
    Bytes pt = rng->bytes((1u << 14) + 1);
    Bytes mac =
        hmac(HashAlg::sha1, k.client.mac_key, cat({header13(0, 23, 0x0303, pt.size()), pt}));
    std::size_t pad = (16 - (pt.size() + 20 + 1) % 16) % 16;
    Bytes data = cat({pt, mac, Bytes(pad + 1, static_cast<std::uint8_t>(pad))});
    Bytes iv(16, 7);
    Bytes frag = cat({iv, aes_cbc_encrypt(k.client.enc_key, iv, data)});
    RecordProtection o(k.client, Dir::open);
    expect(o, frag, hsk::ErrorKind::check_failed, kRecordOverflow);
    // seal refuses it.
    RecordProtection sealer(k.client, Dir::seal);
    CHECK(error_of([&] { sealer.seal(23, pt, *rng); }).kind() == hsk::ErrorKind::usage);
    CHECK(sealer.seal(23, ByteView(pt).first(1u << 14), *rng).size() == 16 + 16416);
  }
  SECTION("sequence number 2^64 - 1 is refused; direction misuse is a usage error") {
    TestKeys k = keys_for(suite("ECDHE-RSA-CHACHA20-POLY1305"), 0x0303, false);
    RecordProtection sealer(k.client, Dir::seal), opener(k.client, Dir::open);
    const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
    sealer.set_seq(max - 1);
    opener.set_seq(max - 1);
    Bytes last = sealer.seal(23, str("last"), *rng);
    CHECK(sealer.seq() == max);
    CHECK(error_of([&] { sealer.seal(23, str("one more"), *rng); }).kind() ==
          hsk::ErrorKind::usage);
    CHECK(to_hex(opener.open(23, 0x0303, last)) == to_hex(str("last")));
    CHECK(error_of([&] { opener.open(23, 0x0303, last); }).kind() == hsk::ErrorKind::usage);
    CHECK(error_of([&] { opener.seal(23, str("x"), *rng); }).kind() == hsk::ErrorKind::usage);
    CHECK(error_of([&] { sealer.open(23, 0x0303, last); }).kind() == hsk::ErrorKind::usage);
  }
}

// ---------------------------------------------------------------------------------------
// Live OpenSSL sessions, captured through a relay, opened with hsk's keys.

namespace {

bool have_tools() {
  static const bool ok =
      std::system("openssl version >/dev/null 2>&1 && socat -V >/dev/null 2>&1") == 0;
  return ok;
}

std::string run(const std::string& cmd, int* status = nullptr) {
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  REQUIRE(f != nullptr);
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    out.append(buf, n);
  }
  int st = pclose(f);
  if (status != nullptr) {
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }
  return out;
}

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/hsk-record-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string operator/(const std::string& name) const { return path + "/" + name; }
};

Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string read_text(const std::string& path) {
  Bytes b = read_file(path);
  return std::string(b.begin(), b.end());
}

// One direction of a captured connection: the handshake messages before ChangeCipherSpec,
// and the records after it.
struct Flow {
  std::vector<hsk::wire::HandshakeMessage> handshake;
  std::vector<hsk::wire::Record> protected_records;
};

Flow split_flow(const Bytes& stream) {
  hsk::wire::Reader r(stream);
  Flow f;
  hsk::wire::HandshakeAssembler assembler;
  bool ccs = false;
  while (!r.empty()) {
    hsk::wire::Record rec = hsk::wire::decode_record(r);
    if (ccs) {
      f.protected_records.push_back(rec);
    } else if (rec.content_type == 20) {
      REQUIRE(rec.fragment == Bytes{1});
      ccs = true;
    } else {
      REQUIRE(rec.content_type == 22);
      assembler.add(rec);
    }
  }
  REQUIRE(ccs);
  f.handshake = assembler.take();
  return f;
}

Bytes encode_all(const std::vector<hsk::wire::HandshakeMessage>& msgs, std::size_t from,
                 std::size_t to) {
  Bytes out;
  for (std::size_t i = from; i < to; ++i) {
    Bytes m = hsk::wire::encode_handshake(msgs[i]);
    out.insert(out.end(), m.begin(), m.end());
  }
  return out;
}

constexpr const char* kLine = "hsk record line\n";

}  // namespace

TEST_CASE("record protection: opens live OpenSSL records (Finished, application data)",
          "[record-protection][openssl]") {
  if (!have_tools()) {
    FAIL("openssl or socat not found (scripts/deps installs them)");
  }
  TempDir t;
  { std::ofstream conf(t / "empty.cnf"); }
  REQUIRE(run("cd " + t.path +
              " && OPENSSL_CONF=empty.cnf openssl req -x509 -newkey rsa:2048 -nodes -keyout "
              "key.pem -out cert.pem -subj /CN=hsk.test -days 2 2>&1 && echo ok")
              .find("ok") != std::string::npos);
  struct Case {
    const char* name;
    const char* server_args;
    const char* client_args;
    std::uint16_t version;
    const char* suite;
    bool etm;
  };
  const Case cases[] = {
      {"tls10-aes128-sha", "-tls1 -no_etm -cipher AES128-SHA:@SECLEVEL=0",
       "-cipher AES128-SHA:@SECLEVEL=0", 0x0301, "AES128-SHA", false},
      {"tls10-aes128-sha-etm", "-tls1 -cipher AES128-SHA:@SECLEVEL=0",
       "-cipher AES128-SHA:@SECLEVEL=0", 0x0301, "AES128-SHA", true},
      {"tls11-aes256-sha", "-tls1_1 -no_etm -cipher AES256-SHA:@SECLEVEL=0",
       "-cipher AES256-SHA:@SECLEVEL=0", 0x0302, "AES256-SHA", false},
      {"tls12-aes128-sha", "-tls1_2 -no_etm -cipher AES128-SHA", "", 0x0303, "AES128-SHA", false},
      {"tls12-aes256-sha256-etm", "-tls1_2 -cipher AES256-SHA256", "", 0x0303, "AES256-SHA256",
       true},
      {"tls12-ecdhe-aes256-sha384", "-tls1_2 -no_etm -cipher ECDHE-RSA-AES256-SHA384", "", 0x0303,
       "ECDHE-RSA-AES256-SHA384", false},
      {"tls12-aes128-gcm", "-tls1_2 -cipher AES128-GCM-SHA256", "", 0x0303, "AES128-GCM-SHA256",
       false},
      {"tls12-ecdhe-aes256-gcm", "-tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384", "", 0x0303,
       "ECDHE-RSA-AES256-GCM-SHA384", false},
      {"tls12-ecdhe-chacha20", "-tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305", "", 0x0303,
       "ECDHE-RSA-CHACHA20-POLY1305", false},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    std::string dir = t / c.name;
    std::filesystem::create_directory(dir);
    // s_server -rev answers each line reversed and closes (close_notify) on "CLOSE"; -naccept 1
    // makes it exit after the one connection. A socat relay on an ephemeral port records both
    // directions (tee); every process runs under `timeout` and is waited for by PID.
    std::string script =
        "cd " + dir + "\nexport OPENSSL_CONF=" + t.path +
        "/empty.cnf\n"
        "( exec timeout 30 openssl s_server -accept 127.0.0.1:0 -naccept 1 -rev "
        "-cert ../cert.pem -key ../key.pem " +
        c.server_args +
        " > server.out 2>&1 ) &\n"
        "spid=$!\n"
        "for i in $(seq 200); do grep -q '^ACCEPT' server.out 2>/dev/null && break; sleep 0.05; "
        "done\n"
        "sport=$(sed -n 's/^ACCEPT 127\\.0\\.0\\.1:\\([0-9]*\\)$/\\1/p' server.out)\n"
        "printf '%s\\n' \"tee c2s.bin | socat - TCP4:127.0.0.1:$sport | tee s2c.bin\" > relay.sh\n"
        "( exec timeout 30 socat -d -d TCP-LISTEN:0,bind=127.0.0.1 SYSTEM:'bash relay.sh' "
        "2> socat.err ) &\n"
        "rpid=$!\n"
        "for i in $(seq 200); do grep -q 'listening on' socat.err 2>/dev/null && break; "
        "sleep 0.05; done\n"
        "rport=$(sed -n 's/.*listening on .*:\\([0-9]*\\)$/\\1/p' socat.err)\n"
        "(printf '" +
        std::string("hsk record line\\n") +
        "'; sleep 0.5; printf 'CLOSE\\n') | timeout 20 openssl s_client -connect "
        "127.0.0.1:$rport -ign_eof -keylogfile keylog.txt " +
        c.client_args +
        " > client.out 2>&1\n"
        "crc=$?\n"
        "wait $spid; wait $rpid\n"
        "exit $crc\n";
    {
      std::ofstream out(dir + "/run.sh");
      out << script;
    }
    int status = 0;
    run("bash " + dir + "/run.sh 2>&1", &status);
    std::string client_out = read_text(dir + "/client.out");
    INFO(client_out.substr(0, 2000));
    REQUIRE(status == 0);

    Flow c2s = split_flow(read_file(dir + "/c2s.bin"));
    Flow s2c = split_flow(read_file(dir + "/s2c.bin"));
    REQUIRE(c2s.handshake.size() >= 2);
    REQUIRE(c2s.handshake[0].msg_type == 1);
    REQUIRE(s2c.handshake.at(0).msg_type == 2);
    hsk::wire::Reader chr(c2s.handshake[0].body);
    hsk::wire::ClientHello ch = hsk::wire::decode_client_hello(chr);
    hsk::wire::Reader shr(s2c.handshake[0].body);
    hsk::wire::ServerHello sh = hsk::wire::decode_server_hello(shr);
    CHECK(sh.server_version == c.version);
    const hsk::wire::CipherSuite& s = suite(c.suite);
    REQUIRE(sh.cipher_suite == s.code);
    bool etm = false;
    for (const auto& e : sh.extensions.value_or(std::vector<hsk::wire::Extension>{})) {
      etm = etm || e.type == 22;
    }
    CHECK(etm == c.etm);

    // The master secret from OpenSSL's key log.
    Bytes cr(ch.random.begin(), ch.random.end()), sr(sh.random.begin(), sh.random.end());
    std::istringstream kl(read_text(dir + "/keylog.txt"));
    std::string line, prefix = "CLIENT_RANDOM " + to_hex(cr) + " ";
    Bytes ms;
    while (std::getline(kl, line)) {
      if (line.rfind(prefix, 0) == 0) {
        ms = from_hex(line.substr(prefix.size()));
      }
    }
    REQUIRE(ms.size() == 48);
    PrfKind kind = prf_kind(c.version, s);
    KeyBlock kb =
        split_key_block(s, c.version, key_block(kind, ms, sr, cr, key_block_length(s, c.version)));

    // Transcripts: ClientHello, the server's flight up to ServerHelloDone, the client's
    // messages up to ChangeCipherSpec; then its Finished and the server's NewSessionTicket.
    std::size_t shd = 0;
    while (shd < s2c.handshake.size() && s2c.handshake[shd].msg_type != 14) {
      ++shd;
    }
    REQUIRE(shd < s2c.handshake.size());
    Bytes before_client_fin =
        cat({encode_all(c2s.handshake, 0, 1), encode_all(s2c.handshake, 0, shd + 1),
             encode_all(c2s.handshake, 1, c2s.handshake.size())});

    struct Opened {
      Bytes finished;
      Bytes app_data;
      std::vector<Bytes> app_records;
      std::vector<Bytes> alerts;
    };
    auto open_all = [&](const Flow& flow, bool client) {
      RecordKeys keys = record_keys(s, c.version, kb, client, etm);
      RecordProtection opener(keys, Dir::open);
      Opened o;
      bool tampered = false;
      for (std::size_t i = 0; i < flow.protected_records.size(); ++i) {
        const hsk::wire::Record& rec = flow.protected_records[i];
        std::uint64_t seq = opener.seq();
        Bytes iv = opener.cbc_iv();
        Bytes plain = opener.open(rec.content_type, rec.version, rec.fragment);
        CHECK(opener.seq() == seq + 1);
        if (i == 0) {
          REQUIRE(rec.content_type == 22);
          o.finished = plain;
        } else if (rec.content_type == 23) {
          o.app_data.insert(o.app_data.end(), plain.begin(), plain.end());
          o.app_records.push_back(plain);
          if (!plain.empty() && !tampered) {
            // A state restored from (seq, IV) opens the same record; flipped bits do not.
            tampered = true;
            RecordProtection again(keys, Dir::open);
            again.set_seq(seq);
            again.set_cbc_iv(iv);
            for (std::size_t at :
                 {std::size_t{0}, rec.fragment.size() / 2, rec.fragment.size() - 1}) {
              Bytes bad = rec.fragment;
              bad[at] ^= 0x01;
              expect_bad_mac(again, 23, rec.version, bad);
            }
            CHECK(to_hex(again.open(23, rec.version, rec.fragment)) == to_hex(plain));
          }
        } else {
          REQUIRE(rec.content_type == 21);
          o.alerts.push_back(plain);
        }
      }
      return o;
    };
    Opened client = open_all(c2s, true);
    Opened server = open_all(s2c, false);

    // Finished (RFC 5246 §7.4.9): 14 00 00 0c verify_data.
    REQUIRE(client.finished.size() == 16);
    CHECK(to_hex(ByteView(client.finished).first(4)) == "1400000c");
    CHECK(to_hex(ByteView(client.finished).subspan(4)) ==
          to_hex(verify_data(kind, ms, true, transcript_hash(kind, before_client_fin))));
    Bytes before_server_fin = cat({before_client_fin, client.finished,
                                   encode_all(s2c.handshake, shd + 1, s2c.handshake.size())});
    REQUIRE(server.finished.size() == 16);
    CHECK(to_hex(ByteView(server.finished).first(4)) == "1400000c");
    CHECK(to_hex(ByteView(server.finished).subspan(4)) ==
          to_hex(verify_data(kind, ms, false, transcript_hash(kind, before_server_fin))));

    // Application data: the line, reversed by the server, and the close_notify alerts.
    CHECK(std::string(client.app_data.begin(), client.app_data.end()) ==
          std::string(kLine) + "CLOSE\n");
    // The first non-empty record holds the line (and "CLOSE\n" too when s_client read both
    // lines from its standard input at once, which happens on a loaded machine).
    std::string first;
    for (const Bytes& r : client.app_records) {
      if (!r.empty()) {
        first.assign(r.begin(), r.end());
        break;
      }
    }
    CHECK((first == kLine || first == std::string(kLine) + "CLOSE\n"));
    CHECK(std::string(server.app_data.begin(), server.app_data.end()) == "enil drocer ksh\n");
    REQUIRE_FALSE(server.alerts.empty());
    for (const Bytes& a : server.alerts) {
      CHECK(to_hex(a) == "0100");  // warning close_notify
    }
    if (c.version == 0x0301) {
      // OpenSSL's TLS 1.0 CBC countermeasure: an empty record before each data record.
      CHECK(client.app_records.size() >= 2);
      CHECK(client.app_records.front().empty());
    }
  }
}
