// Record layer and handshake framing (RFC 5246 §6.2.1, §7.4): golden bytes, round trips,
// every-prefix truncation, header checks with their alerts and offsets, and reassembly of
// messages split across records or coalesced in one.
#include <catch2/catch.hpp>

#include "hsk/error.hpp"
#include "wire/reader.hpp"
#include "wire/record.hpp"
#include "wire/writer.hpp"

using hsk::Bytes;
using hsk::from_hex;
using hsk::wire::decode_record;
using hsk::wire::encode_handshake;
using hsk::wire::encode_record;
using hsk::wire::HandshakeAssembler;
using hsk::wire::HandshakeMessage;
using hsk::wire::Reader;
using hsk::wire::Record;

namespace {

constexpr std::uint8_t kDecodeError = 50;
constexpr std::uint8_t kUnexpectedMessage = 10;
constexpr std::uint8_t kRecordOverflow = 22;

// expect_record_error decodes one record from `b` (first byte at absolute `base`) and checks
// that it fails as malformed with `alert` at absolute `offset`.
void expect_record_error(const Bytes& b, std::uint8_t alert, std::size_t offset,
                         std::size_t base = 0,
                         std::size_t max_fragment = hsk::wire::kMaxCiphertext) {
  Reader r(b, base);
  try {
    decode_record(r, max_fragment);
    FAIL("decode_record accepted malformed input");
  } catch (const hsk::Error& e) {
    CHECK(e.kind() == hsk::ErrorKind::malformed);
    CHECK(int(e.alert()) == int(alert));
    REQUIRE(e.offset());
    CHECK(*e.offset() == offset);
  }
}

Record record(std::uint8_t type, const Bytes& fragment, std::size_t offset) {
  Record rec;
  rec.content_type = type;
  rec.version = hsk::wire::kTls12;
  rec.fragment = fragment;
  rec.offset = offset;
  return rec;
}

}  // namespace

TEST_CASE("Record: golden bytes decode and encode (RFC 5246 §6.2.1)", "[wire]") {
  // ContentType handshake(22), ProtocolVersion {3,3}, uint16 length 4, fragment = ServerHelloDone.
  Bytes golden = from_hex("16 0303 0004 0e000000");
  Reader r(golden, 100);
  Record rec = decode_record(r);
  CHECK(r.empty());
  CHECK(rec.content_type == 22);
  CHECK(rec.version == 0x0303);
  CHECK(rec.fragment == from_hex("0e000000"));
  CHECK(rec.offset == 100);
  CHECK(encode_record(rec) == golden);

  // Every content type 20..24 is accepted, any minor version with major 3.
  for (std::uint8_t type = 20; type <= 24; ++type) {
    Bytes b{type, 0x03, 0x00, 0x00, 0x01, 0x01};
    Reader rr(b);
    CHECK(decode_record(rr).content_type == type);
  }
}

TEST_CASE("Record: round trip and length override", "[wire]") {
  Record rec = record(23, Bytes(300, 0xab), 0);
  rec.version = hsk::wire::kTls10;
  Bytes enc = encode_record(rec);
  CHECK(enc.size() == 305);
  Reader r(enc);
  CHECK(decode_record(r) == rec);

  rec.length_override = 7;
  Bytes crafted = encode_record(rec);
  CHECK(crafted[3] == 0x00);
  CHECK(crafted[4] == 0x07);
  CHECK(crafted.size() == 305);
}

TEST_CASE("Record: decode advances the caller's reader and keeps absolute offsets", "[wire]") {
  Bytes b = from_hex("14 0303 0001 01  15 0303 0002 0228");
  Reader r(b, 10, "stream");
  Record a = decode_record(r);
  Record c = decode_record(r);
  CHECK(r.empty());
  CHECK(r.context() == "stream");
  CHECK(a.offset == 10);
  CHECK(a.content_type == 20);
  CHECK(c.offset == 16);
  CHECK(c.fragment == from_hex("0228"));
}

TEST_CASE("Record: every strict prefix is truncated (decode_error)", "[wire]") {
  Bytes golden = from_hex("16 0303 0006 0e000000 1234");
  for (std::size_t n = 0; n < golden.size(); ++n) {
    INFO("prefix length " << n);
    expect_record_error(Bytes(golden.begin(), golden.begin() + static_cast<std::ptrdiff_t>(n)),
                        kDecodeError,
                        n < 5 ? (n < 1   ? 0
                                 : n < 3 ? 1
                                         : 3)
                              : 5);
  }
}

TEST_CASE("Record: unknown content type is unexpected_message at the type byte", "[wire]") {
  expect_record_error(from_hex("19 0303 0001 00"), kUnexpectedMessage, 7, 7);
  expect_record_error(from_hex("13 0303 0001 00"), kUnexpectedMessage, 0);
  expect_record_error(from_hex("00 0303 0000"), kUnexpectedMessage, 0);
  expect_record_error(from_hex("80 0303 0000"), kUnexpectedMessage, 0);  // SSLv2-style header
}

TEST_CASE("Record: major version other than 3 is decode_error at the version", "[wire]") {
  expect_record_error(from_hex("16 0203 0001 00"), kDecodeError, 1);
  expect_record_error(from_hex("16 0403 0001 00"), kDecodeError, 21, 20);
}

TEST_CASE("Record: oversized fragment is record_overflow at the length", "[wire]") {
  // 2^14 + 2049 bytes: one more than TLSCiphertext allows (RFC 5246 §6.2.3).
  Bytes big = from_hex("17 0303 4801");
  big.resize(5 + (1u << 14) + 2049, 0);
  expect_record_error(big, kRecordOverflow, 3);

  // Exactly 2^14 + 2048 is allowed by default; not when the caller asks for plaintext limits.
  Bytes max = from_hex("17 0303 4800");
  max.resize(5 + (1u << 14) + 2048, 0);
  Reader r(max);
  CHECK(decode_record(r).fragment.size() == (1u << 14) + 2048);
  expect_record_error(max, kRecordOverflow, 3, 0, hsk::wire::kMaxPlaintext);

  Bytes plain = from_hex("16 0303 4000");
  plain.resize(5 + (1u << 14), 0);
  Reader rp(plain);
  CHECK(decode_record(rp, hsk::wire::kMaxPlaintext).fragment.size() == 1u << 14);
}

TEST_CASE("Handshake header: golden bytes and length override (RFC 5246 §7.4)", "[wire]") {
  HandshakeMessage m;
  m.msg_type = 20;
  m.body = from_hex("000102030405060708090a0b");
  // HandshakeType finished(20), uint24 length 12, body.
  CHECK(encode_handshake(m) == from_hex("14 00000c 000102030405060708090a0b"));
  m.length_override = 0x123456;
  CHECK(encode_handshake(m) == from_hex("14 123456 000102030405060708090a0b"));

  HandshakeMessage empty;
  empty.msg_type = 14;
  CHECK(encode_handshake(empty) == from_hex("0e 000000"));
}

TEST_CASE("HandshakeAssembler: two messages coalesced in one record", "[wire]") {
  // One record carrying ServerHelloDone then HelloRequest, the record at offset 50.
  HandshakeAssembler a;
  a.add(record(22, from_hex("0e000000 00000000"), 50));
  CHECK_FALSE(a.pending());
  std::vector<HandshakeMessage> msgs = a.take();
  REQUIRE(msgs.size() == 2);
  CHECK(msgs[0].msg_type == 14);
  CHECK(msgs[0].offset == 55);
  CHECK(msgs[0].record_split.empty());
  CHECK(msgs[1].msg_type == 0);
  CHECK(msgs[1].offset == 59);
  CHECK(msgs[1].body.empty());
  CHECK(a.take().empty());
}

TEST_CASE("HandshakeAssembler: one message split across three records", "[wire]") {
  // Finished (4 + 12 bytes) cut 5 / 6 / 5 across consecutive records at offsets 0, 10, 21.
  Bytes msg = from_hex("14 00000c 000102030405060708090a0b");
  HandshakeAssembler a;
  a.add(record(22, Bytes(msg.begin(), msg.begin() + 5), 0));
  CHECK(a.pending());
  CHECK(a.pending_bytes() == 5);
  CHECK(a.take().empty());
  a.add(record(22, Bytes(msg.begin() + 5, msg.begin() + 11), 10));
  CHECK(a.pending());
  a.add(record(22, Bytes(msg.begin() + 11, msg.end()), 21));
  CHECK_FALSE(a.pending());
  std::vector<HandshakeMessage> msgs = a.take();
  REQUIRE(msgs.size() == 1);
  const HandshakeMessage& m = msgs[0];
  CHECK(m.msg_type == 20);
  CHECK(m.body == from_hex("000102030405060708090a0b"));
  CHECK(m.offset == 5);
  CHECK(m.record_split == std::vector<std::size_t>{5, 6, 5});
  CHECK(m.piece_offsets == std::vector<std::size_t>{5, 15, 26});
  CHECK(encode_handshake(m) == msg);
  // Body byte 0 (message position 4) sits in the first record; position 5 starts record 2.
  CHECK(hsk::wire::absolute_offset(m, 4) == 9);
  CHECK(hsk::wire::absolute_offset(m, 5) == 15);
  CHECK(hsk::wire::absolute_offset(m, 11) == 26);
  CHECK(hsk::wire::absolute_offset(m, 15) == 30);
}

TEST_CASE("HandshakeAssembler: the 4-byte header itself split across records", "[wire]") {
  HandshakeAssembler a;
  a.add(record(22, from_hex("0b"), 0));
  a.add(record(22, from_hex("0000"), 6));
  CHECK(a.pending_bytes() == 3);
  a.add(record(22, from_hex("02 aabb 0e"), 13));  // ends the message and starts the next
  std::vector<HandshakeMessage> msgs = a.take();
  REQUIRE(msgs.size() == 1);
  CHECK(msgs[0].msg_type == 11);
  CHECK(msgs[0].body == from_hex("aabb"));
  CHECK(msgs[0].offset == 5);
  CHECK(msgs[0].record_split == std::vector<std::size_t>{1, 2, 3});
  CHECK(a.pending());
  a.add(record(22, from_hex("000000"), 30));
  msgs = a.take();
  REQUIRE(msgs.size() == 1);
  CHECK(msgs[0].msg_type == 14);
  CHECK(msgs[0].offset == 21);
  CHECK(msgs[0].record_split == std::vector<std::size_t>{1, 3});
  CHECK_FALSE(a.pending());
}

TEST_CASE("HandshakeAssembler: byte-at-a-time records rebuild every message", "[wire]") {
  Bytes stream = from_hex("02 000003 aabbcc  0e 000000  14 000001 ff");
  HandshakeAssembler a;
  for (std::size_t i = 0; i < stream.size(); ++i) {
    a.add(record(22, Bytes{stream[i]}, i * 6));
  }
  std::vector<HandshakeMessage> msgs = a.take();
  REQUIRE(msgs.size() == 3);
  CHECK(msgs[0].body == from_hex("aabbcc"));
  CHECK(msgs[0].record_split.size() == 7);
  CHECK(msgs[1].msg_type == 14);
  CHECK(msgs[1].offset == 7 * 6 + 5);
  CHECK(msgs[2].body == from_hex("ff"));
  CHECK_FALSE(a.pending());
}

TEST_CASE("HandshakeAssembler: empty fragments are ignored; other content types refused",
          "[wire]") {
  HandshakeAssembler a;
  a.add(record(22, {}, 0));
  CHECK_FALSE(a.pending());
  try {
    a.add(record(21, from_hex("0228"), 40));
    FAIL("accepted an alert record");
  } catch (const hsk::Error& e) {
    CHECK(e.kind() == hsk::ErrorKind::malformed);
    CHECK(int(e.alert()) == kUnexpectedMessage);
    REQUIRE(e.offset());
    CHECK(*e.offset() == 40);
  }
}

TEST_CASE("HandshakeAssembler: a full record of 4096 empty messages", "[wire]") {
  // 2^14 bytes of HelloRequest headers in one record: every message comes out, in order.
  HandshakeAssembler a;
  a.add(record(22, Bytes(hsk::wire::kMaxPlaintext, 0), 0));
  std::vector<HandshakeMessage> msgs = a.take();
  REQUIRE(msgs.size() == hsk::wire::kMaxPlaintext / 4);
  CHECK(msgs.back().offset == 5 + hsk::wire::kMaxPlaintext - 4);
  CHECK(msgs.back().record_split.empty());
  CHECK_FALSE(a.pending());
}
