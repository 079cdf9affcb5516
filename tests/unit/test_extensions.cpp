// Typed extension bodies (RFC 6066, RFC 8422 §5.1, RFC 5246 §7.4.1.4.1, RFC 7301, RFC 5746,
// RFC 5077, RFC 7685, RFC 8449, RFC 7627, RFC 7366, RFC 8446 §4.2): for every body a golden
// test (bytes assembled by hand from the RFC struct), a round trip, every-prefix truncation
// and malformed cases with their alert and offset.
#include <catch2/catch.hpp>

#include <set>

#include "hsk/error.hpp"
#include "wire/extensions.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

using hsk::Bytes;
using hsk::from_hex;
using namespace hsk::wire;

namespace {

constexpr std::uint8_t kDecodeError = 50;
constexpr std::uint8_t kIllegalParameter = 47;

template <class Encode, class T>
Bytes encode_with(Encode enc, const T& m) {
  Writer w;
  enc(w, m);
  return w.take();
}

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

template <class Decode>
void check_prefixes(const Bytes& b, Decode decode, const std::set<std::size_t>& valid) {
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

std::set<std::size_t> all_prefixes(std::size_t n) {
  std::set<std::size_t> out;
  for (std::size_t i = 0; i < n; ++i) {
    out.insert(i);
  }
  return out;
}

Bytes ascii(std::string_view s) { return Bytes(s.begin(), s.end()); }

}  // namespace

TEST_CASE("server_name: client list, server acknowledgement (RFC 6066 §3)", "[wire]") {
  const auto dec = [](Reader& r) { return decode_server_name(r); };
  const auto enc = [](Writer& w, const ServerNameList& v) { encode_server_name(w, v); };
  ServerNameList v;
  v.server_name_list = {ServerName{0, ascii("localhost")}};
  // ServerNameList <1..2^16-1>: NameType host_name(0), HostName <1..2^16-1>.
  // The empty prefix is the server's acknowledgement, valid by itself.
  check_codec(from_hex("000c 00 0009 6c6f63616c686f7374"), v, dec, enc, {0});
  ServerNameList ack;
  ack.empty_body = true;
  check_codec(Bytes{}, ack, dec, enc);
  // An unknown name type keeps the HostName shape.
  ServerNameList other;
  other.server_name_list = {ServerName{0, ascii("a")}, ServerName{1, ascii("abc")}};
  check_codec(from_hex("000a 00 0001 61 01 0003 616263"), other, dec, enc, {0});

  expect_malformed(from_hex("0000"), dec, kDecodeError, 0);          // empty list
  expect_malformed(from_hex("0003 00 0000"), dec, kDecodeError, 3);  // empty HostName
  expect_malformed(from_hex("000d 00 0009 6c6f63616c686f7374"), dec, kDecodeError,
                   0);  // past the body
  expect_malformed(from_hex("000c 00 0009 6c6f63616c686f7374 00"), dec, kDecodeError, 14);
  expect_malformed(from_hex("0008 00 0001 61 00 0001 62"), dec, kIllegalParameter, 106,
                   100);  // two host_names
  Bytes empty_host = from_hex("0003 00 0000");
  Reader r(empty_host);
  try {
    decode_server_name(r);
    FAIL("empty HostName accepted");
  } catch (const hsk::Error& e) {
    CHECK(e.context() == "extension server_name: HostName");
  }
}

TEST_CASE("supported_groups (RFC 8422 §5.1.1, RFC 7919)", "[wire]") {
  const auto dec = [](Reader& r) { return decode_supported_groups(r); };
  const auto enc = [](Writer& w, const NamedGroupList& v) { encode_supported_groups(w, v); };
  // NamedGroup named_group_list <2..2^16-1>: x25519, secp256r1, secp384r1, a GREASE value.
  check_codec(from_hex("0008 001d 0017 0018 2a2a"),
              NamedGroupList{{0x001d, 0x0017, 0x0018, 0x2a2a}}, dec, enc);
  expect_malformed(from_hex("0003 001d00"), dec, kDecodeError, 0);  // odd length
  expect_malformed(from_hex("0000"), dec, kDecodeError, 0);         // empty
  expect_malformed(from_hex("0004 001d"), dec, kDecodeError, 0);    // past the body
  expect_malformed(from_hex("0002 001d 00"), dec, kDecodeError, 4);
}

TEST_CASE("ec_point_formats (RFC 8422 §5.1.2)", "[wire]") {
  const auto dec = [](Reader& r) { return decode_ec_point_formats(r); };
  const auto enc = [](Writer& w, const EcPointFormatList& v) { encode_ec_point_formats(w, v); };
  check_codec(from_hex("03 000102"), EcPointFormatList{from_hex("000102")}, dec, enc);
  expect_malformed(from_hex("00"), dec, kDecodeError, 0);
  expect_malformed(from_hex("01 00 00"), dec, kDecodeError, 2);
}

TEST_CASE("signature_algorithms (RFC 5246 §7.4.1.4.1, RFC 8446 §4.2.3)", "[wire]") {
  const auto dec = [](Reader& r) { return decode_signature_algorithms(r); };
  const auto enc = [](Writer& w, const SignatureSchemeList& v) {
    encode_signature_algorithms(w, v);
  };
  // supported_signature_algorithms <2..2^16-2>: ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256.
  check_codec(from_hex("0004 0403 0804"), SignatureSchemeList{{0x0403, 0x0804}}, dec, enc);
  expect_malformed(from_hex("0003 040308"), dec, kDecodeError, 0);
  expect_malformed(from_hex("0000"), dec, kDecodeError, 0);
  expect_malformed(from_hex("0002 0403 0000"), dec, kDecodeError, 4);
}

TEST_CASE("application_layer_protocol_negotiation (RFC 7301 §3.1)", "[wire]") {
  const auto dec = [](Reader& r) { return decode_alpn(r); };
  const auto enc = [](Writer& w, const ProtocolNameList& v) { encode_alpn(w, v); };
  // ProtocolNameList <2..2^16-1> of ProtocolName <1..2^8-1>: "h2", "http/1.1".
  check_codec(from_hex("000c 02 6832 08 687474702f312e31"),
              ProtocolNameList{{ascii("h2"), ascii("http/1.1")}}, dec, enc);
  check_codec(from_hex("0009 08 687474702f312e31"), ProtocolNameList{{ascii("http/1.1")}}, dec,
              enc);
  expect_malformed(from_hex("0003 00 0141"), dec, kDecodeError, 2);  // empty ProtocolName
  expect_malformed(from_hex("0001 00"), dec, kDecodeError, 0);       // list below 2
  expect_malformed(from_hex("0003 03 6832"), dec, kDecodeError, 2);  // name past the list
}

TEST_CASE("renegotiation_info (RFC 5746 §3.2)", "[wire]") {
  const auto dec = [](Reader& r) { return decode_renegotiation_info(r); };
  const auto enc = [](Writer& w, const RenegotiationInfo& v) { encode_renegotiation_info(w, v); };
  // renegotiated_connection <0..255>: empty on the initial handshake, verify_data after.
  check_codec(from_hex("00"), RenegotiationInfo{}, dec, enc);
  Bytes vd = from_hex("0102030405060708090a0b0c");
  Bytes golden = from_hex("0c");
  golden.insert(golden.end(), vd.begin(), vd.end());
  check_codec(golden, RenegotiationInfo{vd}, dec, enc);
  expect_malformed(from_hex("00 00"), dec, kDecodeError, 1);
}

TEST_CASE("session_ticket (RFC 5077 §3.2)", "[wire]") {
  const auto dec = [](Reader& r) { return decode_session_ticket(r); };
  const auto enc = [](Writer& w, const SessionTicketExt& v) { encode_session_ticket(w, v); };
  check_codec(Bytes{}, SessionTicketExt{}, dec, enc);
  check_codec(from_hex("010203"), SessionTicketExt{from_hex("010203")}, dec, enc, all_prefixes(3));
}

TEST_CASE("status_request (RFC 6066 §8)", "[wire]") {
  const auto dec = [](Reader& r) { return decode_status_request(r); };
  const auto enc = [](Writer& w, const StatusRequest& v) { encode_status_request(w, v); };
  StatusRequest ocsp;
  // status_type ocsp(1); responder_id_list <0..2^16-1>; request_extensions <0..2^16-1>.
  check_codec(from_hex("01 0000 0000"), ocsp, dec, enc, {0});
  StatusRequest full;
  full.responder_id_list = {from_hex("aabbcc")};
  full.request_extensions = from_hex("abcd");
  check_codec(from_hex("01 0005 0003 aabbcc 0002 abcd"), full, dec, enc, {0});
  StatusRequest ack;
  ack.empty_body = true;
  check_codec(Bytes{}, ack, dec, enc);
  StatusRequest other;
  other.status_type = 2;
  other.raw = from_hex("abcd");
  check_codec(from_hex("02 abcd"), other, dec, enc, {0, 1, 2});

  expect_malformed(from_hex("01 0002 0000 0000"), dec, kDecodeError, 3);  // empty ResponderID
  expect_malformed(from_hex("01 0000"), dec, kDecodeError, 3);
  expect_malformed(from_hex("01 0000 0000 00"), dec, kDecodeError, 5);
}

TEST_CASE("padding (RFC 7685 §3)", "[wire]") {
  const auto dec = [](Reader& r) { return decode_padding(r); };
  const auto enc = [](Writer& w, const Padding& v) { encode_padding(w, v); };
  check_codec(from_hex("000000"), Padding{from_hex("000000")}, dec, enc, all_prefixes(3));
  check_codec(Bytes{}, Padding{}, dec, enc);
}

TEST_CASE("record_size_limit (RFC 8449 §4)", "[wire]") {
  const auto dec = [](Reader& r) { return decode_record_size_limit(r); };
  const auto enc = [](Writer& w, const RecordSizeLimit& v) { encode_record_size_limit(w, v); };
  check_codec(from_hex("4000"), RecordSizeLimit{16384}, dec, enc);
  check_codec(from_hex("0040"), RecordSizeLimit{64}, dec, enc);
  expect_malformed(from_hex("003f"), dec, kIllegalParameter, 10, 10);  // below 64
  expect_malformed(from_hex("4000 00"), dec, kDecodeError, 2);
}

TEST_CASE("supported_versions: client list and server selection (RFC 8446 §4.2.1)", "[wire]") {
  const auto dec_c = [](Reader& r) {
    return decode_supported_versions(r, ExtensionOrigin::client_hello);
  };
  const auto enc_c = [](Writer& w, const SupportedVersions& v) {
    encode_supported_versions(w, v, ExtensionOrigin::client_hello);
  };
  const auto dec_s = [](Reader& r) {
    return decode_supported_versions(r, ExtensionOrigin::server_hello);
  };
  const auto enc_s = [](Writer& w, const SupportedVersions& v) {
    encode_supported_versions(w, v, ExtensionOrigin::server_hello);
  };
  // ProtocolVersion versions <2..254>, with a GREASE value first.
  check_codec(from_hex("06 7a7a 0304 0303"), SupportedVersions{{0x7a7a, 0x0304, 0x0303}}, dec_c,
              enc_c);
  // ProtocolVersion selected_version.
  check_codec(from_hex("0304"), SupportedVersions{{0x0304}}, dec_s, enc_s);

  expect_malformed(from_hex("03 030403"), dec_c, kDecodeError, 0);  // odd
  expect_malformed(from_hex("00"), dec_c, kDecodeError, 0);         // empty
  Bytes too_long(256, 0x03);
  too_long[0] = 0xff;
  expect_malformed(too_long, dec_c, kDecodeError, 0);  // 255 > 254
  expect_malformed(from_hex("0304 00"), dec_s, kDecodeError, 2);
  expect_malformed(from_hex("02 0304"), dec_s, kDecodeError, 2);  // a client list from the server
}

TEST_CASE("key_share: client shares, server share, HelloRetryRequest (RFC 8446 §4.2.8)", "[wire]") {
  const auto dec_c = [](Reader& r) { return decode_key_share(r, ExtensionOrigin::client_hello); };
  const auto dec_s = [](Reader& r) { return decode_key_share(r, ExtensionOrigin::server_hello); };
  const auto enc = [](Writer& w, const KeyShare& v) { encode_key_share(w, v); };
  KeyShare client;
  client.client_shares = {KeyShareEntry{0x001d, from_hex("aa")},
                          KeyShareEntry{0x0017, from_hex("bbcc")}};
  // client_shares <0..2^16-1> of KeyShareEntry { NamedGroup group; key_exchange <1..2^16-1> }.
  check_codec(from_hex("000b 001d 0001 aa 0017 0002 bbcc"), client, dec_c, enc);
  check_codec(from_hex("0000"), KeyShare{}, dec_c, enc);
  KeyShare server;
  server.server_share = KeyShareEntry{0x001d, from_hex("aa")};
  // The 2-byte prefix is a valid HelloRetryRequest selected_group.
  check_codec(from_hex("001d 0001 aa"), server, dec_s, enc, {2});
  KeyShare hrr;
  hrr.selected_group = 0x0017;
  check_codec(from_hex("0017"), hrr, dec_s, enc);

  expect_malformed(from_hex("000a 001d 0001 aa 001d 0001 bb"), dec_c, kIllegalParameter,
                   7);                                                   // same group twice
  expect_malformed(from_hex("0004 001d 0000"), dec_c, kDecodeError, 4);  // empty key_exchange
  expect_malformed(from_hex("001d 0000"), dec_s, kDecodeError, 2);
  expect_malformed(from_hex("001d 0001 aa 00"), dec_s, kDecodeError, 5);
}

TEST_CASE("psk_key_exchange_modes (RFC 8446 §4.2.9)", "[wire]") {
  const auto dec = [](Reader& r) { return decode_psk_key_exchange_modes(r); };
  const auto enc = [](Writer& w, const PskKeyExchangeModes& v) {
    encode_psk_key_exchange_modes(w, v);
  };
  check_codec(from_hex("02 0100"), PskKeyExchangeModes{from_hex("0100")}, dec,
              enc);  // psk_dhe_ke, psk_ke
  expect_malformed(from_hex("00"), dec, kDecodeError, 0);
  expect_malformed(from_hex("01 01 01"), dec, kDecodeError, 2);
}

TEST_CASE("extended_master_secret and encrypt_then_mac are empty (RFC 7627 §5.1, RFC 7366 §2)",
          "[wire]") {
  Bytes empty;
  Reader r(empty);
  CHECK_NOTHROW(decode_empty(r));
  expect_malformed(
      from_hex("00"),
      [](Reader& rr) {
        decode_empty(rr);
        return 0;
      },
      kDecodeError, 40, 40);
}
