// Handshake message codecs (RFC 5246 §7.4, RFC 2246/4346, RFC 8422 §5, RFC 5077 §3.3,
// RFC 6066 §8): for every message type a golden-bytes test (bytes assembled by hand from the
// RFC struct, field by field), a round trip, an every-prefix truncation test and malformed
// cases with their alert and offset; then known-answer flights captured from OpenSSL.
#include <catch2/catch.hpp>

#include <set>

#include "hsk/error.hpp"
#include "wire/extensions.hpp"
#include "wire/messages.hpp"
#include "wire/reader.hpp"
#include "wire/record.hpp"
#include "wire/registry.hpp"
#include "wire/writer.hpp"

using hsk::Bytes;
using hsk::ByteView;
using hsk::from_hex;
using namespace hsk::wire;

namespace {

constexpr std::uint8_t kDecodeError = 50;
constexpr std::uint8_t kIllegalParameter = 47;

Random seq_random(std::uint8_t start) {
  Random r{};
  for (std::size_t i = 0; i < r.size(); ++i) {
    r[i] = static_cast<std::uint8_t>(start + i);
  }
  return r;
}

Bytes seq(std::uint8_t start, std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) {
    b[i] = static_cast<std::uint8_t>(start + i);
  }
  return b;
}

Extension make_ext(std::uint16_t type, Bytes data) {
  Extension e;
  e.type = type;
  e.data = std::move(data);
  return e;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) {
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

template <class Encode, class T>
Bytes encode_with(Encode enc, const T& m) {
  Writer w;
  enc(w, m);
  return w.take();
}

// expect_malformed decodes `b` (first byte at absolute `base`) and checks that it fails as
// malformed with `alert` at absolute `offset`.
template <class Decode>
void expect_malformed(const Bytes& b, Decode decode, std::uint8_t alert, std::size_t offset,
                      std::size_t base = 0) {
  Reader r(b, base);
  try {
    decode(r);
    FAIL("decode accepted malformed input");
  } catch (const hsk::Error& e) {
    INFO(e.message());
    CHECK(e.kind() == hsk::ErrorKind::malformed);
    CHECK(int(e.alert()) == int(alert));
    REQUIRE(e.offset());
    CHECK(*e.offset() == offset);
  }
}

// check_prefixes: every strict prefix of `b` must fail as malformed, except the lengths in
// `valid` (a prefix that is itself a complete encoding, e.g. a hello without extensions).
template <class Decode>
void check_prefixes(const Bytes& b, Decode decode, const std::set<std::size_t>& valid = {}) {
  for (std::size_t n = 0; n < b.size(); ++n) {
    Bytes p(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n));
    Reader r(p);
    if (valid.count(n) != 0) {
      INFO("prefix length " << n << " should decode");
      CHECK_NOTHROW(decode(r));
      continue;
    }
    try {
      decode(r);
      FAIL("prefix of length " << n << " decoded");
    } catch (const hsk::Error& e) {
      INFO("prefix length " << n << ": " << e.message());
      CHECK(e.kind() == hsk::ErrorKind::malformed);
      CHECK(int(e.alert()) == kDecodeError);
      REQUIRE(e.offset());
      CHECK(*e.offset() <= n);
    }
  }
}

// check_codec: decode(golden) == expected, encode(expected) == golden, decode(encode(m)) == m,
// and every strict prefix fails (except `valid` lengths).
template <class T, class Decode, class Encode>
void check_codec(const Bytes& golden, const T& expected, Decode decode, Encode encode,
                 const std::set<std::size_t>& valid = {}) {
  Reader r(golden);
  T got = decode(r);
  CHECK(r.empty());
  CHECK(got == expected);
  CHECK(encode_with(encode, expected) == golden);
  Bytes again = encode_with(encode, got);
  Reader r2(again);
  CHECK(decode(r2) == expected);
  check_prefixes(golden, decode, valid);
}

const auto kDecCH = [](Reader& r) { return decode_client_hello(r); };
const auto kEncCH = [](Writer& w, const ClientHello& m) { encode_client_hello(w, m); };
const auto kDecSH = [](Reader& r) { return decode_server_hello(r); };
const auto kEncSH = [](Writer& w, const ServerHello& m) { encode_server_hello(w, m); };

auto dec_ske(KexContext ctx) {
  return [ctx](Reader& r) { return decode_server_key_exchange(r, ctx); };
}
const auto kEncSKE = [](Writer& w, const ServerKeyExchange& m) {
  encode_server_key_exchange(w, m);
};
auto dec_cke(KexContext ctx) {
  return [ctx](Reader& r) { return decode_client_key_exchange(r, ctx); };
}
const auto kEncCKE = [](Writer& w, const ClientKeyExchange& m) {
  encode_client_key_exchange(w, m);
};

const Bytes kRandomHex =
    from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");

}  // namespace

// ---- ClientHello (RFC 5246 §7.4.1.2) --------------------------------------------------------

TEST_CASE("ClientHello: golden bytes, round trip, truncation", "[wire]") {
  Bytes golden = cat({
      from_hex("0303"),                 // client_version {3,3}
      kRandomHex,                       // random
      from_hex("02 abcd"),              // session_id <0..32>
      from_hex("0006 c02f 0033 0a0a"),  // cipher_suites <2..2^16-2>, a GREASE value last
      from_hex("01 00"),                // compression_methods <1..2^8-1>: null
      from_hex("001b"),                 // extensions <0..2^16-1>: 27 bytes
      from_hex("0000 000e 000c 00 0009 6c6f63616c686f7374"),  // server_name host_name "localhost"
      from_hex("0017 0000"),                                  // extended_master_secret
      from_hex("1a1a 0001 00"),                               // GREASE extension, kept raw
  });
  REQUIRE(golden.size() == 76);
  ClientHello m;
  m.client_version = 0x0303;
  m.random = seq_random(0);
  m.session_id = from_hex("abcd");
  m.cipher_suites = {0xc02f, 0x0033, 0x0a0a};
  m.compression_methods = {0};
  m.extensions = std::vector<Extension>{
      make_ext(0x0000, from_hex("000c 00 0009 6c6f63616c686f7374")),
      make_ext(0x0017, {}),
      make_ext(0x1a1a, from_hex("00")),
  };
  // The prefix ending after compression_methods is a valid hello without extensions.
  check_codec(golden, m, kDecCH, kEncCH, {47});

  // Extensions carry their absolute offsets.
  Reader r(golden, 9);
  ClientHello got = decode_client_hello(r);
  REQUIRE(got.extensions);
  CHECK((*got.extensions)[0].offset == 9 + 49);
  CHECK((*got.extensions)[1].offset == 9 + 67);
  CHECK((*got.extensions)[2].offset == 9 + 71);
}

TEST_CASE("ClientHello: no extensions block is distinct from an empty one", "[wire]") {
  Bytes base = cat({from_hex("0301"), kRandomHex, from_hex("00 0002 002f 01 00")});
  ClientHello none;
  none.client_version = 0x0301;
  none.random = seq_random(0);
  none.cipher_suites = {0x002f};
  check_codec(base, none, kDecCH, kEncCH);

  ClientHello empty = none;
  empty.extensions = std::vector<Extension>{};
  Bytes with_empty = cat({base, from_hex("0000")});
  check_codec(with_empty, empty, kDecCH, kEncCH, {base.size()});
  CHECK_FALSE(none == empty);
}

TEST_CASE("ClientHello: malformed vectors name the right byte", "[wire]") {
  Bytes head = cat({from_hex("0303"), kRandomHex});  // 34 bytes
  // session_id length 33 > 32.
  expect_malformed(cat({head, from_hex("21"), Bytes(33, 1), from_hex("0002 002f 0100")}), kDecCH,
                   kDecodeError, 9 + 34, 9);
  // Odd cipher_suites length, at its length field.
  expect_malformed(cat({head, from_hex("00 0003 c02f00 0100")}), kDecCH, kDecodeError, 35);
  // Empty cipher_suites (<2..>).
  expect_malformed(cat({head, from_hex("00 0000 0100")}), kDecCH, kDecodeError, 35);
  // cipher_suites longer than its parent.
  expect_malformed(cat({head, from_hex("00 0100 c02f 0100")}), kDecCH, kDecodeError, 35);
  // Empty compression_methods (<1..>).
  expect_malformed(cat({head, from_hex("00 0002 c02f 00")}), kDecCH, kDecodeError, 39);
  // A single stray byte where the extensions block would start.
  expect_malformed(cat({head, from_hex("00 0002 c02f 0100 00")}), kDecCH, kDecodeError, 41);
  // Extensions block longer than the message.
  expect_malformed(cat({head, from_hex("00 0002 c02f 0100 0010 0017 0000")}), kDecCH, kDecodeError,
                   41);
  // extension_data longer than the extensions block.
  expect_malformed(cat({head, from_hex("00 0002 c02f 0100 0005 0017 0002 00")}), kDecCH,
                   kDecodeError, 45);
  // Duplicate extension type: illegal_parameter at the second one.
  expect_malformed(cat({head, from_hex("00 0002 c02f 0100 000d 0017 0000 ff01 0001 00 0017 0000")}),
                   kDecCH, kIllegalParameter, 9 + 52, 9);
  // Trailing bytes after the extensions block.
  expect_malformed(cat({head, from_hex("00 0002 c02f 0100 0004 0017 0000 ff")}), kDecCH,
                   kDecodeError, 47);
}

TEST_CASE("ClientHello: errors carry the struct and field names", "[wire]") {
  Bytes b = cat({from_hex("0303"), kRandomHex, from_hex("00 0003 c02f00 0100")});
  Reader r(b);
  try {
    decode_client_hello(r);
    FAIL("odd cipher_suites accepted");
  } catch (const hsk::Error& e) {
    CHECK(e.context() == "ClientHello: cipher_suites");
  }
}

// ---- ServerHello (RFC 5246 §7.4.1.3) --------------------------------------------------------

TEST_CASE("ServerHello: golden bytes, round trip, truncation", "[wire]") {
  Bytes golden = cat({
      from_hex("0303"),                         // server_version
      seq(0x20, 32),                            // random
      from_hex("20"), seq(0x40, 32),            // session_id <0..32>: 32 bytes
      from_hex("c02f"),                         // cipher_suite
      from_hex("00"),                           // compression_method
      from_hex("0009 ff01 0001 00 0017 0000"),  // renegotiation_info, extended_master_secret
  });
  ServerHello m;
  m.random = seq_random(0x20);
  m.session_id = seq(0x40, 32);
  m.cipher_suite = 0xc02f;
  m.extensions = std::vector<Extension>{make_ext(0xff01, from_hex("00")), make_ext(0x0017, {})};
  check_codec(golden, m, kDecSH, kEncSH, {70});

  ServerHello bare = m;
  bare.extensions.reset();
  check_codec(Bytes(golden.begin(), golden.begin() + 70), bare, kDecSH, kEncSH);
  ServerHello empty = m;
  empty.extensions = std::vector<Extension>{};
  check_codec(cat({Bytes(golden.begin(), golden.begin() + 70), from_hex("0000")}), empty, kDecSH,
              kEncSH, {70});
}

TEST_CASE("ServerHello: malformed", "[wire]") {
  Bytes head = cat({from_hex("0303"), seq(0x20, 32)});
  expect_malformed(cat({head, from_hex("21"), Bytes(33, 0), from_hex("c02f 00")}), kDecSH,
                   kDecodeError, 34);
  expect_malformed(cat({head, from_hex("00 c02f 00 0008 0017 0000 0017 0000")}), kDecSH,
                   kIllegalParameter, 34 + 6 + 4);
  expect_malformed(cat({head, from_hex("00 c02f 00 0000 00")}), kDecSH, kDecodeError, 40);
  expect_malformed(cat({head, from_hex("00 c02f")}), kDecSH, kDecodeError, 37);
}

// ---- Certificate (RFC 5246 §7.4.2) ----------------------------------------------------------

TEST_CASE("Certificate: golden bytes, round trip, truncation", "[wire]") {
  const auto dec = [](Reader& r) { return decode_certificate(r); };
  const auto enc = [](Writer& w, const Certificate& m) { encode_certificate(w, m); };
  // certificate_list <0..2^24-1> of ASN.1Cert <1..2^24-1>: two "certificates" of 3 and 1 bytes.
  Certificate m;
  m.certificate_list = {from_hex("010203"), from_hex("04")};
  check_codec(from_hex("00000a 000003 010203 000001 04"), m, dec, enc);
  // An empty list is what a client without a certificate sends.
  check_codec(from_hex("000000"), Certificate{}, dec, enc);
  // Empty ASN.1Cert, at its length field.
  expect_malformed(from_hex("000009 000003 010203 000000"), dec, kDecodeError, 9);
  expect_malformed(from_hex("000003 000000"), dec, kDecodeError, 3);
  // An ASN.1Cert longer than the list; the list longer than the body; trailing bytes.
  expect_malformed(from_hex("000004 000002 0102"), dec, kDecodeError, 3);
  expect_malformed(from_hex("000007 000003 010203"), dec, kDecodeError, 0);
  expect_malformed(from_hex("000004 000001 01 ff"), dec, kDecodeError, 7);
  expect_malformed(from_hex("000000 00"), dec, kDecodeError, 3);
}

// ---- DigitallySigned (RFC 5246 §4.7) ---------------------------------------------------------

TEST_CASE("DigitallySigned: algorithm only from TLS 1.2 on", "[wire]") {
  Bytes tls12 = from_hex("0401 0002 abcd");  // rsa_pkcs1_sha256, signature <0..2^16-1>
  Reader r(tls12);
  DigitallySigned s = decode_digitally_signed(r, kTls12);
  CHECK(r.empty());
  CHECK(s.algorithm == std::optional<std::uint16_t>(0x0401));
  CHECK(s.signature == from_hex("abcd"));
  CHECK(encode_with(encode_digitally_signed, s) == tls12);

  Bytes tls10 = from_hex("0002 abcd");
  Reader r10(tls10);
  DigitallySigned s10 = decode_digitally_signed(r10, kTls10);
  CHECK_FALSE(s10.algorithm);
  CHECK(s10.signature == from_hex("abcd"));
  CHECK(encode_with(encode_digitally_signed, s10) == tls10);
}

// ---- ServerKeyExchange (RFC 5246 §7.4.3, RFC 8422 §5.4, RFC 2246 §7.4.3) --------------------

TEST_CASE("ServerKeyExchange: DHE, signed, TLS 1.2 and 1.0", "[wire]") {
  REQUIRE(find_cipher_suite(0x0033) != nullptr);  // TLS_DHE_RSA_WITH_AES_128_CBC_SHA
  Bytes params = from_hex(
      "0001 17"      // dh_p <1..2^16-1>
      "0001 05"      // dh_g
      "0002 0809");  // dh_Ys
  ServerKeyExchange m;
  m.form = KexForm::dh;
  m.dh = {from_hex("17"), from_hex("05"), from_hex("0809")};
  m.signature = DigitallySigned{0x0401, from_hex("abcd")};
  Bytes golden12 = cat({params, from_hex("0401 0002 abcd")});
  KexContext ctx12{kTls12, 0x0033};
  check_codec(golden12, m, dec_ske(ctx12), kEncSKE);

  ByteView pb = server_params_bytes(golden12, ctx12);
  CHECK(pb.data() == golden12.data());
  CHECK(Bytes(pb.begin(), pb.end()) == params);

  m.signature = DigitallySigned{std::nullopt, from_hex("abcd")};
  Bytes golden10 = cat({params, from_hex("0002 abcd")});
  check_codec(golden10, m, dec_ske(KexContext{kTls10, 0x0033}), kEncSKE);
  CHECK(server_params_bytes(golden10, KexContext{kTls10, 0x0033}).size() == params.size());

  // Empty dh_p (<1..>), at its length field; dh_g longer than the body; trailing bytes.
  expect_malformed(from_hex("0000 0001 05 0001 08 0401 0000"), dec_ske(ctx12), kDecodeError, 100,
                   100);
  expect_malformed(from_hex("0001 17 0009 05"), dec_ske(ctx12), kDecodeError, 3);
  expect_malformed(cat({golden12, from_hex("00")}), dec_ske(ctx12), kDecodeError, golden12.size());
  Bytes empty_ys = from_hex("0001 17 0001 05 0000 0401 0000");
  expect_malformed(empty_ys, dec_ske(ctx12), kDecodeError, 6);
  CHECK_THROWS_AS(server_params_bytes(empty_ys, ctx12), hsk::Error);
}

TEST_CASE("ServerKeyExchange: DH_anon carries no signature", "[wire]") {
  REQUIRE(find_cipher_suite(0x0034) != nullptr);  // TLS_DH_anon_WITH_AES_128_CBC_SHA
  ServerKeyExchange m;
  m.form = KexForm::dh;
  m.dh = {from_hex("17"), from_hex("05"), from_hex("08")};
  KexContext ctx{kTls12, 0x0034};
  check_codec(from_hex("0001 17 0001 05 0001 08"), m, dec_ske(ctx), kEncSKE);
  expect_malformed(from_hex("0001 17 0001 05 0001 08 0401 0000"), dec_ske(ctx), kDecodeError, 9);
}

TEST_CASE("ServerKeyExchange: ECDHE and ECDH_anon (RFC 8422 §5.4)", "[wire]") {
  REQUIRE(find_cipher_suite(0xc02f) != nullptr);  // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
  REQUIRE(find_cipher_suite(0xc018) != nullptr);  // TLS_ECDH_anon_WITH_AES_128_CBC_SHA
  Bytes params = from_hex(
      "03"           // ECCurveType named_curve
      "0017"         // NamedCurve secp256r1
      "03 04aabb");  // ECPoint point <1..2^8-1>
  ServerKeyExchange m;
  m.form = KexForm::ecdh;
  m.ecdh = {3, 0x0017, from_hex("04aabb")};
  m.signature = DigitallySigned{0x0804, from_hex("0102")};
  KexContext ctx{kTls12, 0xc02f};
  Bytes golden = cat({params, from_hex("0804 0002 0102")});
  check_codec(golden, m, dec_ske(ctx), kEncSKE);
  CHECK(server_params_bytes(golden, ctx).size() == 7);

  ServerKeyExchange anon = m;
  anon.signature.reset();
  check_codec(params, anon, dec_ske(KexContext{kTls12, 0xc018}), kEncSKE);

  // curve_type explicit_prime(1): illegal_parameter at the curve type; empty point.
  expect_malformed(from_hex("01 0017 01 04 0804 0000"), dec_ske(ctx), kIllegalParameter, 0);
  expect_malformed(from_hex("03 0017 00 0804 0000"), dec_ske(ctx), kDecodeError, 3);
}

TEST_CASE("ServerKeyExchange: RSA_EXPORT ServerRSAParams (RFC 2246 §7.4.3)", "[wire]") {
  const CipherSuite* cs = find_cipher_suite(0x0003);  // TLS_RSA_EXPORT_WITH_RC4_40_MD5
  REQUIRE(cs != nullptr);
  REQUIRE(kex_shape(cs->kx) == KexShape::rsa_export);
  ServerKeyExchange m;
  m.form = KexForm::rsa;
  m.rsa = {from_hex("c001"), from_hex("010001")};
  m.signature = DigitallySigned{std::nullopt, from_hex("5151")};
  check_codec(from_hex("0002 c001 0003 010001 0002 5151"), m, dec_ske(KexContext{kTls10, 0x0003}),
              kEncSKE);
  expect_malformed(from_hex("0000 0003 010001 0002 5151"), dec_ske(KexContext{kTls10, 0x0003}),
                   kDecodeError, 0);
}

TEST_CASE("ServerKeyExchange: unknown or unmodelled suites stay raw", "[wire]") {
  Bytes body = from_hex("0001 17 0001 05 0001 08 0401 0002 abcd");
  ServerKeyExchange m;
  m.form = KexForm::raw;
  m.raw = body;
  // No suite at all, an unregistered suite, a suite that sends no ServerKeyExchange (RSA).
  for (KexContext ctx : {KexContext{}, KexContext{kTls12, 0xfefe}, KexContext{kTls12, 0x002f}}) {
    Reader r(body);
    CHECK(decode_server_key_exchange(r, ctx) == m);
    CHECK(server_params_bytes(body, ctx).empty());
    CHECK_FALSE(kex_raw_reason(12, ctx).empty());
  }
  CHECK(encode_with(kEncSKE, m) == body);
  CHECK(kex_raw_reason(12, KexContext{kTls12, 0x0033}).empty());
  CHECK(kex_raw_reason(16, KexContext{kTls12, 0x002f}).empty());
  Bytes nothing;
  Reader e(nothing);
  CHECK(decode_server_key_exchange(e, KexContext{}).raw.empty());
}

// ---- CertificateRequest (RFC 5246 §7.4.4, RFC 4346 §7.4.4) ----------------------------------

TEST_CASE("CertificateRequest: TLS 1.2 and TLS 1.0 forms", "[wire]") {
  const auto enc = [](Writer& w, const CertificateRequest& m) { encode_certificate_request(w, m); };
  const auto dec12 = [](Reader& r) { return decode_certificate_request(r, kTls12); };
  const auto dec10 = [](Reader& r) { return decode_certificate_request(r, kTls10); };
  CertificateRequest m;
  m.certificate_types = {1, 64};  // rsa_sign, ecdsa_sign
  m.signature_algorithms = std::vector<std::uint16_t>{0x0401, 0x0403};
  m.certificate_authorities = {from_hex("3003020105")};
  check_codec(
      from_hex("02 01 40"                // certificate_types <1..2^8-1>
               "0004 0401 0403"          // supported_signature_algorithms <2..2^16-2>
               "0007 0005 3003020105"),  // certificate_authorities <0..2^16-1>, DN <1..2^16-1>
      m, dec12, enc);
  CertificateRequest m10 = m;
  m10.signature_algorithms.reset();
  m10.certificate_authorities.clear();
  check_codec(from_hex("02 01 40 0000"), m10, dec10, enc);

  expect_malformed(from_hex("00 0002 0401 0000"), dec12, kDecodeError, 0);          // no types
  expect_malformed(from_hex("01 01 0003 040104 0000"), dec12, kDecodeError, 2);     // odd list
  expect_malformed(from_hex("01 01 0000 0000"), dec12, kDecodeError, 2);            // empty list
  expect_malformed(from_hex("01 01 0002 0401 0002 0000"), dec12, kDecodeError, 8);  // empty DN
  expect_malformed(from_hex("01 01 0002 0401 0004 0001 30"), dec12, kDecodeError,
                   6);  // CAs past end
  expect_malformed(from_hex("01 01 0002 0401 0000"), dec10, kDecodeError,
                   4);  // TLS 1.2 form in 1.0
}

// ---- HelloRequest, ServerHelloDone ----------------------------------------------------------

TEST_CASE("HelloRequest and ServerHelloDone: empty bodies", "[wire]") {
  const auto dec_hr = [](Reader& r) { return decode_hello_request(r); };
  const auto enc_hr = [](Writer& w, const HelloRequest& m) { encode_hello_request(w, m); };
  const auto dec_shd = [](Reader& r) { return decode_server_hello_done(r); };
  const auto enc_shd = [](Writer& w, const ServerHelloDone& m) { encode_server_hello_done(w, m); };
  check_codec(Bytes{}, HelloRequest{}, dec_hr, enc_hr);
  check_codec(Bytes{}, ServerHelloDone{}, dec_shd, enc_shd);
  expect_malformed(from_hex("00"), dec_hr, kDecodeError, 4, 4);
  expect_malformed(from_hex("0000"), dec_shd, kDecodeError, 4, 4);
}

// ---- CertificateVerify (RFC 5246 §7.4.8) ----------------------------------------------------

TEST_CASE("CertificateVerify: golden bytes, both versions", "[wire]") {
  const auto enc = [](Writer& w, const CertificateVerify& m) { encode_certificate_verify(w, m); };
  const auto dec12 = [](Reader& r) { return decode_certificate_verify(r, kTls12); };
  const auto dec10 = [](Reader& r) { return decode_certificate_verify(r, kTls10); };
  CertificateVerify m{DigitallySigned{0x0403, from_hex("010203")}};
  check_codec(from_hex("0403 0003 010203"), m, dec12, enc);
  CertificateVerify m10{DigitallySigned{std::nullopt, from_hex("010203")}};
  check_codec(from_hex("0003 010203"), m10, dec10, enc);
  expect_malformed(from_hex("0403 0004 010203"), dec12, kDecodeError, 2);
  expect_malformed(from_hex("0403 0003 010203 00"), dec12, kDecodeError, 7);
}

// ---- ClientKeyExchange (RFC 5246 §7.4.7, RFC 6101 §5.6.7, RFC 8422 §5.7) ---------------------

namespace {
std::set<std::size_t> all_prefixes(std::size_t n) {
  std::set<std::size_t> out;
  for (std::size_t i = 0; i < n; ++i) {
    out.insert(i);
  }
  return out;
}
}  // namespace

TEST_CASE("ClientKeyExchange: RSA with and without the SSL 3.0 length", "[wire]") {
  REQUIRE(find_cipher_suite(0x002f) != nullptr);  // TLS_RSA_WITH_AES_128_CBC_SHA
  ClientKeyExchange m;
  m.form = KexForm::rsa;
  m.value = from_hex("deadbeef");
  // EncryptedPreMasterSecret: public-key-encrypted opaque <0..2^16-1> from TLS 1.0 on.
  check_codec(from_hex("0004 deadbeef"), m, dec_cke(KexContext{kTls12, 0x002f}), kEncCKE);
  check_codec(from_hex("0004 deadbeef"), m, dec_cke(KexContext{kTls10, 0x002f}), kEncCKE);
  // SSL 3.0: the bare ciphertext; every prefix is itself a (shorter) ciphertext.
  ClientKeyExchange s3 = m;
  s3.ssl3 = true;
  check_codec(from_hex("deadbeef"), s3, dec_cke(KexContext{kSsl30, 0x002f}), kEncCKE,
              all_prefixes(4));
  expect_malformed(from_hex("0005 deadbeef"), dec_cke(KexContext{kTls12, 0x002f}), kDecodeError, 0);
  expect_malformed(from_hex("0003 deadbeef"), dec_cke(KexContext{kTls12, 0x002f}), kDecodeError, 5);
}

TEST_CASE("ClientKeyExchange: DH explicit and implicit", "[wire]") {
  REQUIRE(find_cipher_suite(0x0033) != nullptr);  // DHE_RSA
  REQUIRE(find_cipher_suite(0x0030) != nullptr);  // DH_DSS (fixed)
  ClientKeyExchange m;
  m.form = KexForm::dh;
  m.value = from_hex("0708");
  // ClientDiffieHellmanPublic explicit: dh_Yc <1..2^16-1>.
  check_codec(from_hex("0002 0708"), m, dec_cke(KexContext{kTls12, 0x0033}), kEncCKE);
  check_codec(from_hex("0002 0708"), m, dec_cke(KexContext{kTls12, 0x0030}), kEncCKE, {0});
  // Implicit (the client certificate holds Yc) only for fixed DH.
  ClientKeyExchange implicit;
  implicit.form = KexForm::dh_implicit;
  check_codec(Bytes{}, implicit, dec_cke(KexContext{kTls12, 0x0030}), kEncCKE);
  expect_malformed(Bytes{}, dec_cke(KexContext{kTls12, 0x0033}), kDecodeError, 0);
  expect_malformed(from_hex("0000"), dec_cke(KexContext{kTls12, 0x0033}), kDecodeError, 0);
  expect_malformed(from_hex("0000"), dec_cke(KexContext{kTls12, 0x0030}), kDecodeError, 0);
  expect_malformed(from_hex("0001 07 00"), dec_cke(KexContext{kTls12, 0x0033}), kDecodeError, 3);
}

TEST_CASE("ClientKeyExchange: ECDH explicit and implicit (RFC 8422 §5.7)", "[wire]") {
  REQUIRE(find_cipher_suite(0xc02f) != nullptr);  // ECDHE_RSA
  REQUIRE(find_cipher_suite(0xc018) != nullptr);  // ECDH_anon
  REQUIRE(find_cipher_suite(0xc004) != nullptr);  // ECDH_ECDSA (fixed)
  ClientKeyExchange m;
  m.form = KexForm::ecdh;
  m.value = from_hex("04aa");
  // ClientECDiffieHellmanPublic: ECPoint ecdh_Yc <1..2^8-1>.
  check_codec(from_hex("02 04aa"), m, dec_cke(KexContext{kTls12, 0xc02f}), kEncCKE);
  check_codec(from_hex("02 04aa"), m, dec_cke(KexContext{kTls12, 0xc018}), kEncCKE);
  check_codec(from_hex("02 04aa"), m, dec_cke(KexContext{kTls12, 0xc004}), kEncCKE, {0});
  ClientKeyExchange implicit;
  implicit.form = KexForm::ecdh_implicit;
  check_codec(Bytes{}, implicit, dec_cke(KexContext{kTls12, 0xc004}), kEncCKE);
  expect_malformed(from_hex("00"), dec_cke(KexContext{kTls12, 0xc02f}), kDecodeError, 0);
  expect_malformed(Bytes{}, dec_cke(KexContext{kTls12, 0xc02f}), kDecodeError, 0);
  expect_malformed(from_hex("03 04aa"), dec_cke(KexContext{kTls12, 0xc02f}), kDecodeError, 0);
}

TEST_CASE("ClientKeyExchange: unknown suite stays raw", "[wire]") {
  ClientKeyExchange m;
  m.form = KexForm::raw;
  m.value = from_hex("0102 03");
  check_codec(from_hex("010203"), m, dec_cke(KexContext{kTls12, 0xfefe}), kEncCKE, all_prefixes(3));
  check_codec(from_hex("010203"), m, dec_cke(KexContext{}), kEncCKE, all_prefixes(3));
}

// ---- Finished (RFC 5246 §7.4.9), NewSessionTicket (RFC 5077 §3.3) ----------------------------

TEST_CASE("Finished: verify_data is the whole body", "[wire]") {
  const auto dec = [](Reader& r) { return decode_finished(r); };
  const auto enc = [](Writer& w, const Finished& m) { encode_finished(w, m); };
  Finished m{seq(0xa0, 12)};
  // Any length is accepted (verify_data_length is suite-defined), so every prefix decodes.
  check_codec(seq(0xa0, 12), m, dec, enc, all_prefixes(12));
}

TEST_CASE("NewSessionTicket: golden bytes, round trip, truncation", "[wire]") {
  const auto dec = [](Reader& r) { return decode_new_session_ticket(r); };
  const auto enc = [](Writer& w, const NewSessionTicket& m) { encode_new_session_ticket(w, m); };
  // uint32 ticket_lifetime_hint = 7200; opaque ticket<0..2^16-1>.
  check_codec(from_hex("00001c20 0003 010203"), NewSessionTicket{7200, from_hex("010203")}, dec,
              enc);
  check_codec(from_hex("00000000 0000"), NewSessionTicket{}, dec, enc);
  expect_malformed(from_hex("00001c20 0004 010203"), dec, kDecodeError, 4);
  expect_malformed(from_hex("00001c20 0000 00"), dec, kDecodeError, 6);
}

// ---- CertificateStatus (RFC 6066 §8) --------------------------------------------------------

TEST_CASE("CertificateStatus: OCSP response and other status types", "[wire]") {
  const auto dec = [](Reader& r) { return decode_certificate_status(r); };
  const auto enc = [](Writer& w, const CertificateStatus& m) { encode_certificate_status(w, m); };
  CertificateStatus m;
  m.response = from_hex("300100");
  // CertificateStatusType ocsp(1); OCSPResponse <1..2^24-1>.
  check_codec(from_hex("01 000003 300100"), m, dec, enc);
  CertificateStatus other;
  other.status_type = 2;
  other.raw = from_hex("abcd");
  check_codec(from_hex("02 abcd"), other, dec, enc, {1, 2});
  expect_malformed(from_hex("01 000000"), dec, kDecodeError, 1);
  expect_malformed(from_hex("01 000001 30 00"), dec, kDecodeError, 5);
}

// ---- ChangeCipherSpec (RFC 5246 §7.1), Alert (§7.2) -----------------------------------------

TEST_CASE("ChangeCipherSpec: golden, bad type, trailing", "[wire]") {
  const auto dec = [](Reader& r) { return decode_change_cipher_spec(r); };
  const auto enc = [](Writer& w, const ChangeCipherSpec& m) { encode_change_cipher_spec(w, m); };
  check_codec(from_hex("01"), ChangeCipherSpec{}, dec, enc);
  expect_malformed(from_hex("02"), dec, kIllegalParameter, 5, 5);
  expect_malformed(from_hex("0101"), dec, kDecodeError, 6, 5);
}

TEST_CASE("Alert: golden, bad level, trailing", "[wire]") {
  const auto dec = [](Reader& r) { return decode_alert(r); };
  const auto enc = [](Writer& w, const Alert& m) { encode_alert(w, m); };
  check_codec(from_hex("02 28"), Alert{2, 40}, dec, enc);   // fatal handshake_failure
  check_codec(from_hex("01 00"), Alert{1, 0}, dec, enc);    // warning close_notify
  check_codec(from_hex("02 fe"), Alert{2, 254}, dec, enc);  // unregistered descriptions are open
  expect_malformed(from_hex("03 28"), dec, kIllegalParameter, 0);
  expect_malformed(from_hex("02 28 00"), dec, kDecodeError, 2);
}

TEST_CASE("message_name gives the RFC struct names", "[wire]") {
  CHECK(message_name(0) == "HelloRequest");
  CHECK(message_name(1) == "ClientHello");
  CHECK(message_name(2) == "ServerHello");
  CHECK(message_name(4) == "NewSessionTicket");
  CHECK(message_name(11) == "Certificate");
  CHECK(message_name(12) == "ServerKeyExchange");
  CHECK(message_name(13) == "CertificateRequest");
  CHECK(message_name(14) == "ServerHelloDone");
  CHECK(message_name(15) == "CertificateVerify");
  CHECK(message_name(16) == "ClientKeyExchange");
  CHECK(message_name(20) == "Finished");
  CHECK(message_name(22) == "CertificateStatus");
  CHECK(message_name(3).empty());
  CHECK(message_name(255).empty());
}

// ---- Known answers: flights captured from OpenSSL ------------------------------------------
//
// Captured on Debian 12 with OpenSSL 3.0.19 through a TCP relay that logged each direction
// (self-signed certificates made with `openssl req -x509`; nothing here is secret: the
// ephemeral keys were discarded). Records up to, not including, ChangeCipherSpec.
//   TLS 1.2: openssl s_server -tls1_2 -cert ec.pem -key ec.key -Verify 1
//                -cipher ECDHE-ECDSA-AES128-GCM-SHA256        (P-256 certificate)
//            openssl s_client -tls1_2 -servername hsk.test -alpn http/1.1 -cert ec.pem -key ec.key
//   TLS 1.0: openssl s_server -tls1 -cert rsa.pem -key rsa.key -dhparam dh1024.pem -verify 1
//                -cipher DHE-RSA-AES128-SHA:@SECLEVEL=0     (RSA-1024 certificate)
//            openssl s_client -tls1 -cipher DHE-RSA-AES128-SHA:@SECLEVEL=0 -cert rsa.pem
//                -key rsa.key -noservername
//   TLS 1.3-capable ClientHello: openssl s_client -servername hsk.test -alpn h2,http/1.1 -status

namespace {

// ClientHello, Certificate, ClientKeyExchange, CertificateVerify (736 bytes)
constexpr const char* kTls12ClientFlight =
    "16030100d7010000d30303fb6dab0a719ab2a67b820f6970166485d2322891ab61cd726c87ce1343f8147a000038c0"
    "2c"
    "c030009fcca9cca8ccaac02bc02f009ec024c028006bc023c0270067c00ac0140039c009c0130033009d009c003d00"
    "3c"
    "0035002f00ff010000720000000d000b00000868736b2e74657374000b000403000102000a000c000a001d0017001e"
    "00"
    "190018002300000010000b000908687474702f312e310016000000170000000d002a00280403050306030807080808"
    "09"
    "080a080b08040805080604010501060103030301030204020502060216030301800b00017c00017900017630820172"
    "30"
    "820117a00302010202142362f6425b1469d80776205d90fa65fb60a8f98a300a06082a8648ce3d040302300e310c30"
    "0a"
    "06035504030c0368736b301e170d3236313132373133333834335a170d3336313132343133333834335a300e310c30"
    "0a"
    "06035504030c0368736b3059301306072a8648ce3d020106082a8648ce3d030107034200041dfeda7b624a9ea27bb9"
    "30"
    "05499e0a0cc5bd479da790015ee0c711935e6d10ecaef4f3e008b94745f320fd05023553fab98372efd002782b825c"
    "e6"
    "cd745e698ca3533051301d0603551d0e0416041444579e3f2d2909816423f3ab6bf7c7c9fe8955a8301f0603551d23"
    "04"
    "183016801444579e3f2d2909816423f3ab6bf7c7c9fe8955a8300f0603551d130101ff040530030101ff300a06082a"
    "86"
    "48ce3d0403020349003046022100d182c44d711a11fc0699c20766d66a19f2141434bdb729174e26a308cab265d602"
    "21"
    "00bd577397a75caff87ef4bed3f049be0561e70831292fa41031bd8cf91ca8f7741603030025100000212027cdc641"
    "cf"
    "c376284ee73c581912667b6e77a94187e796b019d28dfb4d98a02a16030300500f00004c040300483046022100b09b"
    "89"
    "262326756eb4ab2d12e8c36004de99409de4a61803d2aef396aa9bfb6e022100ce79f0ce797beef8b879974b7de664"
    "a2"
    "cefe2617aa31508a31bebe8a7b73729b";

// ServerHello, Certificate, ServerKeyExchange, CertificateRequest, ServerHelloDone (645 bytes)
constexpr const char* kTls12ServerFlight =
    "16030300410200003d0303361fcd03e258c52ade5f1c85ee5e9ebe225a5e174633fed37fdc0cc800a1ff5200c02b00"
    "00"
    "15ff01000100000b000403000102002300000017000016030301800b00017c0001790001763082017230820117a003"
    "02"
    "010202142362f6425b1469d80776205d90fa65fb60a8f98a300a06082a8648ce3d040302300e310c300a0603550403"
    "0c"
    "0368736b301e170d3236313132373133333834335a170d3336313132343133333834335a300e310c300a0603550403"
    "0c"
    "0368736b3059301306072a8648ce3d020106082a8648ce3d030107034200041dfeda7b624a9ea27bb93005499e0a0c"
    "c5"
    "bd479da790015ee0c711935e6d10ecaef4f3e008b94745f320fd05023553fab98372efd002782b825ce6cd745e698c"
    "a3"
    "533051301d0603551d0e0416041444579e3f2d2909816423f3ab6bf7c7c9fe8955a8301f0603551d23041830168014"
    "44"
    "579e3f2d2909816423f3ab6bf7c7c9fe8955a8300f0603551d130101ff040530030101ff300a06082a8648ce3d0403"
    "02"
    "0349003046022100d182c44d711a11fc0699c20766d66a19f2141434bdb729174e26a308cab265d6022100bd577397"
    "a7"
    "5caff87ef4bed3f049be0561e70831292fa41031bd8cf91ca8f77416030300730c00006f03001d20d30239bb19cf28"
    "ef"
    "8e1a7c80cc757d52125d8ec219b1b30bf003d6a9f4a21d14040300473045022100e75ad641af44e39674b12338f22d"
    "04"
    "ebaef3dc8089c4933aaa253da04a403425022014fb9f62292fc02c24f9a89757f9a85e14cd9b9182cead22afca6ec5"
    "1f"
    "a5fe6816030300340d000030030102400028040305030603080708080809080a080b08040805080604010501060103"
    "03"
    "03010302040205020602000016030300040e000000";

// ClientHello, Certificate, ClientKeyExchange, CertificateVerify (867 bytes)
constexpr const char* kTls10ClientFlight =
    "160301003d010000390301981113d5f753cdb39fc653c0b2ca209a05ea2cb62896583db4ff6f446699764000000400"
    "33"
    "00ff0100000c00230000001600000017000016030102060b0002020001ff0001fc308201f830820161a00302010202"
    "14"
    "699d916b70fd18ba0232124eade8819086f19c1f300d06092a864886f70d01010b0500300e310c300a06035504030c"
    "03"
    "68736b301e170d3236313132373133333834335a170d3336313132343133333834335a300e310c300a06035504030c"
    "03"
    "68736b30819f300d06092a864886f70d010101050003818d0030818902818100c576b2e71a752ae3605361abc4c634"
    "0a"
    "f56620176d869ef6b59d9a14ffb3cf8670f9943a36f3e2e1f526c22c6c19df897ea271d8e996caf3a484a1bd9a7914"
    "19"
    "1815ddc8b1686df572f93457721bb8281df1605e3a6303b844225a8a1f09d6a84a9db635e68b6ed89ffb48a24ec324"
    "dd"
    "2a3e4dc9f35484d5a39578b334a17ebd0203010001a3533051301d0603551d0e041604142d96c484db67c372e9ad8d"
    "1b"
    "c1b0fc620af0c4bb301f0603551d230418301680142d96c484db67c372e9ad8d1bc1b0fc620af0c4bb300f0603551d"
    "13"
    "0101ff040530030101ff300d06092a864886f70d01010b0500038181001443bdfee1cc85ae07e02a9f83d03af22986"
    "33"
    "54815d5e1018307d0f4117059b8a3fcedb0d2a4746ed21d5945c6c01c1fa8b81a7e0da0727a60425b79f4bf54ffbf9"
    "38"
    "ac1ee71090cc1efc8269d15e0479c5cbb515d2669170c105a38a5e84dd574ce32f9091456396de57febc73d56e4b22"
    "4f"
    "1198ad68dcb2ee11a4aa2e87f61603010086100000820080513446577d0528552dee5efa5c41ad2744351b13423e89"
    "b8"
    "1aa7c2005b98e403bbf6bbbdee45c72c0dabb9ceaf81810a55277af882a4ef0840f414b16e569b5ee12c3b2e1fab7e"
    "00"
    "2d286dd1c39425f77d66d7829722fd277d189bf78ec4273ecb80483ed5206522f78c96bb76642aeea86df1df366c2c"
    "f9"
    "d89e5b33140a907e16030100860f0000820080393d2412b292d090c5799bfa60e2812aee1a963763810f0106309022"
    "56"
    "82ea5aff5cb087645549540108b836fdd7bdb9b485b35ab4e75fb08211f193ed0c9553852f4b3d1d5dd00b11cf36ca"
    "4e"
    "d26a67e31f07b04a9a47b2d67cc358dd231cd252c46b9afdfb4226d26da8b95ca651f4bb242eb10dd9c87703502649"
    "82"
    "7b8403";

// ServerHello, Certificate, ServerKeyExchange, CertificateRequest, ServerHelloDone (1015 bytes)
constexpr const char* kTls10ServerFlight =
    "160301003d0200003903012849b37ee97bd8356c0d7f3c4d3e1148f5851c14cf1d4e6e2a28c5976b1e7f6d00003300"
    "00"
    "11ff0100010000230000001600000017000016030102060b0002020001ff0001fc308201f830820161a00302010202"
    "14"
    "699d916b70fd18ba0232124eade8819086f19c1f300d06092a864886f70d01010b0500300e310c300a06035504030c"
    "03"
    "68736b301e170d3236313132373133333834335a170d3336313132343133333834335a300e310c300a06035504030c"
    "03"
    "68736b30819f300d06092a864886f70d010101050003818d0030818902818100c576b2e71a752ae3605361abc4c634"
    "0a"
    "f56620176d869ef6b59d9a14ffb3cf8670f9943a36f3e2e1f526c22c6c19df897ea271d8e996caf3a484a1bd9a7914"
    "19"
    "1815ddc8b1686df572f93457721bb8281df1605e3a6303b844225a8a1f09d6a84a9db635e68b6ed89ffb48a24ec324"
    "dd"
    "2a3e4dc9f35484d5a39578b334a17ebd0203010001a3533051301d0603551d0e041604142d96c484db67c372e9ad8d"
    "1b"
    "c1b0fc620af0c4bb301f0603551d230418301680142d96c484db67c372e9ad8d1bc1b0fc620af0c4bb300f0603551d"
    "13"
    "0101ff040530030101ff300d06092a864886f70d01010b0500038181001443bdfee1cc85ae07e02a9f83d03af22986"
    "33"
    "54815d5e1018307d0f4117059b8a3fcedb0d2a4746ed21d5945c6c01c1fa8b81a7e0da0727a60425b79f4bf54ffbf9"
    "38"
    "ac1ee71090cc1efc8269d15e0479c5cbb515d2669170c105a38a5e84dd574ce32f9091456396de57febc73d56e4b22"
    "4f"
    "1198ad68dcb2ee11a4aa2e87f6160301018d0c0001890080db799aa044f4e3c038033885317a6da01353c481949c0a"
    "5e"
    "ddf4a38314cbafa5464296c4ef0951b5f67a79a9d0f8792e088cbc9aaf22ae72164e0b6020134617135a333b0c3ee1"
    "70"
    "bb9ef4cd3264f4e30ec65deded04c3fbb0f1c9d159152c782edd728890eaf0fdcbe3f9273e017606b2ab563731404d"
    "64"
    "2327feed56e1166f000102008082e536959904d55cd754a478b2b94379baa81b14c6b50730993476c49d480867f652"
    "07"
    "91651b3167953123900cc6bf72d3c884746fe855ea7b2d9da9a56d8bfc888f6043b8f290a018bc13b6d879f4972e70"
    "e8"
    "c643834d1a0b37d06f44fbd541e3640c0aea558d46e486b476a4902b980f916b9d47bd62e2830fabe7c53f95cd0080"
    "9d"
    "01563cf6704542efe84949bf42f16232177e27d992b84b040829d5958823240690e7a044441e527fbe67d91304670a"
    "35"
    "4011ced5337d8a21048a9288d52875e86c5cb6b16fbfa80dec552f48a8c53d3ae05ce7643d5324ecd6ce4f11068718"
    "df"
    "aa48c92dde19ce3d98a2af0ab8054554c6b0c6a7e50303f3f2d8a88bd1d378160301000a0d00000603010240000016"
    "03"
    "0100040e000000";

// ClientHello offering TLS 1.3 and 1.2 (341 bytes)
constexpr const char* kTls13ClientHello =
    "16030101500100014c0303e3aa8a6337e72a5aa7f983a52abd6a542f65c1b631b83cd23faadcf78f61e4ef20123711"
    "04"
    "6b170e6ae8f69b5f2c947fe861631ea78c502cfd3631ee717dd3fd8b003e130213031301c02cc030009fcca9cca8cc"
    "aa"
    "c02bc02f009ec024c028006bc023c0270067c00ac0140039c009c0130033009d009c003d003c0035002f00ff010000"
    "c5"
    "0000000d000b00000868736b2e74657374000b000403000102000a00160014001d0017001e00190018010001010102"
    "01"
    "030104002300000005000501000000000010000e000c02683208687474702f312e310016000000170000000d002a00"
    "28"
    "040305030603080708080809080a080b080408050806040105010601030303010302040205020602002b0009080304"
    "03"
    "0303020301002d00020101003300260024001d00205379c861eabcba2bbea3432295c5d99f83e1eee188d76a45a79a"
    "e1"
    "ffb0d1041a";

struct Flight {
  std::vector<Record> records;
  std::vector<HandshakeMessage> messages;
};

// walk decodes every record of `stream`, reassembles the handshake messages and checks that
// the records re-encode to the exact input.
Flight walk(const Bytes& stream) {
  Flight f;
  Reader r(stream);
  HandshakeAssembler a;
  Bytes again;
  while (!r.empty()) {
    Record rec = decode_record(r);
    if (rec.content_type == 22) {
      a.add(rec);
    }
    Bytes enc = encode_record(rec);
    again.insert(again.end(), enc.begin(), enc.end());
    f.records.push_back(std::move(rec));
  }
  CHECK_FALSE(a.pending());
  f.messages = a.take();
  CHECK(again == stream);
  return f;
}

// reencode decodes a message body with its typed codec and encodes it again.
Bytes reencode(const HandshakeMessage& m, const KexContext& ctx) {
  Reader r(m.body, m.offset + 4);
  std::uint16_t version = ctx.version.value_or(kTls12);
  Writer w;
  switch (m.msg_type) {
    case 1:
      encode_client_hello(w, decode_client_hello(r));
      break;
    case 2:
      encode_server_hello(w, decode_server_hello(r));
      break;
    case 11:
      encode_certificate(w, decode_certificate(r));
      break;
    case 12:
      encode_server_key_exchange(w, decode_server_key_exchange(r, ctx));
      break;
    case 13:
      encode_certificate_request(w, decode_certificate_request(r, version));
      break;
    case 14:
      encode_server_hello_done(w, decode_server_hello_done(r));
      break;
    case 15:
      encode_certificate_verify(w, decode_certificate_verify(r, version));
      break;
    case 16:
      encode_client_key_exchange(w, decode_client_key_exchange(r, ctx));
      break;
    default:
      FAIL("unexpected message type " << int(m.msg_type));
  }
  return w.take();
}

std::vector<std::uint8_t> types_of(const std::vector<HandshakeMessage>& msgs) {
  std::vector<std::uint8_t> out;
  for (const auto& m : msgs) {
    out.push_back(m.msg_type);
  }
  return out;
}

std::vector<std::uint16_t> ext_types(const std::vector<Extension>& exts) {
  std::vector<std::uint16_t> out;
  for (const auto& e : exts) {
    out.push_back(e.type);
  }
  return out;
}

const Extension& ext(const std::vector<Extension>& exts, std::uint16_t type) {
  for (const auto& e : exts) {
    if (e.type == type) {
      return e;
    }
  }
  FAIL("no extension " << type);
  static const Extension none;
  return none;
}

template <class T, class Decode>
T typed(const Extension& e, Decode decode) {
  Reader r(e.data, e.offset + 4);
  return decode(r);
}

}  // namespace

TEST_CASE("Known answer: OpenSSL TLS 1.2 ECDHE-ECDSA flights", "[wire]") {
  REQUIRE(find_cipher_suite(0xc02b) != nullptr);  // TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
  Flight server = walk(from_hex(kTls12ServerFlight));
  Flight client = walk(from_hex(kTls12ClientFlight));
  REQUIRE(types_of(server.messages) == std::vector<std::uint8_t>{2, 11, 12, 13, 14});
  REQUIRE(types_of(client.messages) == std::vector<std::uint8_t>{1, 11, 16, 15});
  CHECK(client.records[0].version == kTls10);  // the ClientHello record says TLS 1.0
  CHECK(server.messages[2].offset == 459 + 5);

  Reader rsh(server.messages[0].body);
  ServerHello sh = decode_server_hello(rsh);
  CHECK(sh.server_version == kTls12);
  CHECK(sh.random[0] == 0x36);
  CHECK(sh.random[31] == 0x52);
  CHECK(sh.session_id.empty());
  CHECK(sh.cipher_suite == 0xc02b);
  CHECK(sh.compression_method == 0);
  REQUIRE(sh.extensions);
  CHECK(ext_types(*sh.extensions) == std::vector<std::uint16_t>{0xff01, 0x000b, 0x0023, 0x0017});
  KexContext ctx{sh.server_version, sh.cipher_suite};

  for (const Flight* f : {&server, &client}) {
    for (const HandshakeMessage& m : f->messages) {
      INFO(message_name(m.msg_type));
      CHECK(reencode(m, ctx) == m.body);
    }
  }

  Reader rc(server.messages[1].body);
  Certificate cert = decode_certificate(rc);
  REQUIRE(cert.certificate_list.size() == 1);
  CHECK(cert.certificate_list[0].size() == 0x176);
  CHECK(cert.certificate_list[0][0] == 0x30);

  const Bytes& ske_body = server.messages[2].body;
  Reader rs(ske_body);
  ServerKeyExchange ske = decode_server_key_exchange(rs, ctx);
  CHECK(ske.form == KexForm::ecdh);
  CHECK(ske.ecdh.curve_type == 3);
  CHECK(ske.ecdh.named_curve == 0x001d);  // x25519
  CHECK(ske.ecdh.point.size() == 32);
  REQUIRE(ske.signature);
  CHECK(ske.signature->algorithm ==
        std::optional<std::uint16_t>(0x0403));  // ecdsa_secp256r1_sha256
  CHECK(ske.signature->signature.size() == 71);
  CHECK(ske.signature->signature[0] == 0x30);
  ByteView params = server_params_bytes(ske_body, ctx);
  CHECK(params.data() == ske_body.data());
  CHECK(params.size() == 36);

  Reader rcr(server.messages[3].body);
  CertificateRequest cr = decode_certificate_request(rcr, ctx.version.value());
  CHECK(cr.certificate_types == from_hex("010240"));
  REQUIRE(cr.signature_algorithms);
  CHECK(cr.signature_algorithms->size() == 20);
  CHECK(cr.signature_algorithms->front() == 0x0403);
  CHECK(cr.signature_algorithms->back() == 0x0602);
  CHECK(cr.certificate_authorities.empty());

  Reader rch(client.messages[0].body);
  ClientHello ch = decode_client_hello(rch);
  CHECK(ch.client_version == kTls12);
  CHECK(ch.cipher_suites.size() == 28);
  CHECK(ch.cipher_suites.front() == 0xc02c);
  CHECK(ch.cipher_suites.back() == 0x00ff);  // TLS_EMPTY_RENEGOTIATION_INFO_SCSV
  CHECK(ch.compression_methods == from_hex("00"));
  REQUIRE(ch.extensions);
  CHECK(ext_types(*ch.extensions) ==
        std::vector<std::uint16_t>{0x0000, 0x000b, 0x000a, 0x0023, 0x0010, 0x0016, 0x0017, 0x000d});
  const auto& exts = *ch.extensions;
  ServerNameList sni = typed<ServerNameList>(ext(exts, 0), decode_server_name);
  REQUIRE(sni.server_name_list.size() == 1);
  CHECK(sni.server_name_list[0].name == Bytes{'h', 's', 'k', '.', 't', 'e', 's', 't'});
  CHECK(typed<EcPointFormatList>(ext(exts, 0x0b), decode_ec_point_formats).ec_point_format_list ==
        from_hex("000102"));
  CHECK(typed<NamedGroupList>(ext(exts, 0x0a), decode_supported_groups).named_group_list ==
        std::vector<std::uint16_t>{0x001d, 0x0017, 0x001e, 0x0019, 0x0018});
  CHECK(typed<SessionTicketExt>(ext(exts, 0x23), decode_session_ticket).ticket.empty());
  ProtocolNameList alpn = typed<ProtocolNameList>(ext(exts, 0x10), decode_alpn);
  REQUIRE(alpn.protocol_name_list.size() == 1);
  CHECK(alpn.protocol_name_list[0] == Bytes{'h', 't', 't', 'p', '/', '1', '.', '1'});
  CHECK_NOTHROW(typed<int>(ext(exts, 0x16), [](Reader& r) {
    decode_empty(r);
    return 0;
  }));
  CHECK_NOTHROW(typed<int>(ext(exts, 0x17), [](Reader& r) {
    decode_empty(r);
    return 0;
  }));
  CHECK(typed<SignatureSchemeList>(ext(exts, 0x0d), decode_signature_algorithms)
            .supported_signature_algorithms.size() == 20);
  for (const Extension& e : *sh.extensions) {
    if (e.type == 0xff01) {
      CHECK(typed<RenegotiationInfo>(e, decode_renegotiation_info).renegotiated_connection.empty());
    }
  }

  Reader rcke(client.messages[2].body);
  ClientKeyExchange cke = decode_client_key_exchange(rcke, ctx);
  CHECK(cke.form == KexForm::ecdh);
  CHECK(cke.value.size() == 32);
  Reader rcv(client.messages[3].body);
  CertificateVerify cv = decode_certificate_verify(rcv, kTls12);
  CHECK(cv.signature.algorithm == std::optional<std::uint16_t>(0x0403));
  CHECK(cv.signature.signature.size() == 72);
}

TEST_CASE("Known answer: OpenSSL TLS 1.0 DHE-RSA flights", "[wire]") {
  REQUIRE(find_cipher_suite(0x0033) != nullptr);
  Flight server = walk(from_hex(kTls10ServerFlight));
  Flight client = walk(from_hex(kTls10ClientFlight));
  REQUIRE(types_of(server.messages) == std::vector<std::uint8_t>{2, 11, 12, 13, 14});
  REQUIRE(types_of(client.messages) == std::vector<std::uint8_t>{1, 11, 16, 15});

  Reader rsh(server.messages[0].body);
  ServerHello sh = decode_server_hello(rsh);
  CHECK(sh.server_version == kTls10);
  CHECK(sh.cipher_suite == 0x0033);
  REQUIRE(sh.extensions);
  CHECK(ext_types(*sh.extensions) == std::vector<std::uint16_t>{0xff01, 0x0023, 0x0016, 0x0017});
  KexContext ctx{sh.server_version, sh.cipher_suite};
  for (const Flight* f : {&server, &client}) {
    for (const HandshakeMessage& m : f->messages) {
      INFO(message_name(m.msg_type));
      CHECK(reencode(m, ctx) == m.body);
    }
  }

  const Bytes& ske_body = server.messages[2].body;
  Reader rs(ske_body);
  ServerKeyExchange ske = decode_server_key_exchange(rs, ctx);
  CHECK(ske.form == KexForm::dh);
  CHECK(ske.dh.dh_p.size() == 128);
  CHECK(ske.dh.dh_p[0] == 0xdb);
  CHECK(ske.dh.dh_g == from_hex("02"));
  CHECK(ske.dh.dh_Ys.size() == 128);
  REQUIRE(ske.signature);
  CHECK_FALSE(ske.signature->algorithm);  // TLS 1.0: MD5+SHA-1, no SignatureAndHashAlgorithm
  CHECK(ske.signature->signature.size() == 128);
  CHECK(server_params_bytes(ske_body, ctx).size() == 2 + 128 + 2 + 1 + 2 + 128);

  Reader rcr(server.messages[3].body);
  CertificateRequest cr = decode_certificate_request(rcr, kTls10);
  CHECK(cr.certificate_types == from_hex("010240"));
  CHECK_FALSE(cr.signature_algorithms);
  CHECK(cr.certificate_authorities.empty());

  Reader rch(client.messages[0].body);
  ClientHello ch = decode_client_hello(rch);
  CHECK(ch.client_version == kTls10);
  CHECK(ch.cipher_suites == std::vector<std::uint16_t>{0x0033, 0x00ff});
  REQUIRE(ch.extensions);
  CHECK(ext_types(*ch.extensions) == std::vector<std::uint16_t>{0x0023, 0x0016, 0x0017});

  Reader rcke(client.messages[2].body);
  ClientKeyExchange cke = decode_client_key_exchange(rcke, ctx);
  CHECK(cke.form == KexForm::dh);
  CHECK(cke.value.size() == 128);
  Reader rcv(client.messages[3].body);
  CertificateVerify cv = decode_certificate_verify(rcv, kTls10);
  CHECK_FALSE(cv.signature.algorithm);
  CHECK(cv.signature.signature.size() == 128);
}

TEST_CASE("Known answer: OpenSSL TLS 1.3-capable ClientHello", "[wire]") {
  Flight f = walk(from_hex(kTls13ClientHello));
  REQUIRE(types_of(f.messages) == std::vector<std::uint8_t>{1});
  CHECK(reencode(f.messages[0], KexContext{}) == f.messages[0].body);
  Reader r(f.messages[0].body, f.messages[0].offset + 4);
  ClientHello ch = decode_client_hello(r);
  CHECK(ch.client_version == kTls12);
  CHECK(ch.session_id.size() == 32);
  CHECK(ch.cipher_suites.front() == 0x1302);
  CHECK(ch.cipher_suites.back() == 0x00ff);
  REQUIRE(ch.extensions);
  const auto& exts = *ch.extensions;
  CHECK(ext_types(exts) == std::vector<std::uint16_t>{0x0000, 0x000b, 0x000a, 0x0023, 0x0005,
                                                      0x0010, 0x0016, 0x0017, 0x000d, 0x002b,
                                                      0x002d, 0x0033});
  StatusRequest sr = typed<StatusRequest>(ext(exts, 5), decode_status_request);
  CHECK_FALSE(sr.empty_body);
  CHECK(sr.status_type == 1);
  CHECK(sr.responder_id_list.empty());
  CHECK(sr.request_extensions.empty());
  ProtocolNameList alpn = typed<ProtocolNameList>(ext(exts, 0x10), decode_alpn);
  REQUIRE(alpn.protocol_name_list.size() == 2);
  CHECK(alpn.protocol_name_list[0] == Bytes{'h', '2'});
  CHECK(typed<NamedGroupList>(ext(exts, 0x0a), decode_supported_groups).named_group_list.size() ==
        10);
  const auto client = [](auto decode) {
    return [decode](Reader& rr) { return decode(rr, ExtensionOrigin::client_hello); };
  };
  CHECK(typed<SupportedVersions>(ext(exts, 0x2b), client(decode_supported_versions)).versions ==
        std::vector<std::uint16_t>{0x0304, 0x0303, 0x0302, 0x0301});
  CHECK(typed<PskKeyExchangeModes>(ext(exts, 0x2d), decode_psk_key_exchange_modes).ke_modes ==
        from_hex("01"));
  KeyShare ks = typed<KeyShare>(ext(exts, 0x33), client(decode_key_share));
  REQUIRE(ks.client_shares.size() == 1);
  CHECK(ks.client_shares[0].group == 0x001d);
  CHECK(ks.client_shares[0].key_exchange.size() == 32);
  CHECK_FALSE(ks.server_share);
}
