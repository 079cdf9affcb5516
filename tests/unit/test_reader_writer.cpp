#include <catch2/catch.hpp>

#include "hsk/error.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

using hsk::Bytes;
using hsk::wire::Reader;
using hsk::wire::Writer;

TEST_CASE("Writer patches nested length prefixes", "[wire]") {
  Writer w;
  w.u8(0x16);
  w.vec16("outer", [](Writer& o) {
    o.u16(0x0303);
    o.vec8("inner", [](Writer& i) { i.bytes(Bytes{1, 2, 3}); });
    o.vec24("empty", [](Writer&) {});
  });
  CHECK(w.data() == Bytes{0x16, 0x00, 0x09, 0x03, 0x03, 0x03, 1, 2, 3, 0, 0, 0});
}

TEST_CASE("Writer writes an explicit length override as given", "[wire]") {
  Writer w;
  w.vec8("v", [](Writer& i) { i.u8(7); }, 5);
  CHECK(w.data() == Bytes{5, 7});
}

TEST_CASE("Writer rejects a body too long for its prefix", "[wire]") {
  Writer w;
  Bytes big(256, 0);
  CHECK_THROWS_AS(w.opaque8("big", big), hsk::Error);
}

TEST_CASE("Reader reads fields and child vectors with absolute offsets", "[wire]") {
  Bytes b{0x03, 0x03, 0x02, 0xaa, 0xbb, 0x01};
  Reader r(b, 100, "Test");
  CHECK(r.u16("version") == 0x0303);
  Reader c = r.vec8("v", 1, 4);
  CHECK(c.offset() == 103);
  CHECK(c.bytes(2, "x") == Bytes{0xaa, 0xbb});
  c.expect_end("v");
  CHECK(r.u8("last") == 1);
  CHECK(r.empty());
}

TEST_CASE("Reader errors name offset, context, field and alert", "[wire]") {
  Bytes b{0x00, 0x05, 0x01};
  Reader r(b, 10, "ServerKeyExchange");
  try {
    r.vec16("dh_p", 1);
    FAIL("no throw");
  } catch (const hsk::Error& e) {
    CHECK(e.kind() == hsk::ErrorKind::malformed);
    CHECK(e.alert() == 50);
    REQUIRE(e.offset());
    CHECK(*e.offset() == 10);
    CHECK(e.context() == "ServerKeyExchange: dh_p");
  }
  Bytes empty_vec{0x00, 0x00};
  Reader r2(empty_vec, 0, "ServerKeyExchange");
  CHECK_THROWS_AS(r2.vec16("dh_p", 1), hsk::Error);
  Bytes over{0x00};
  Reader r3(over);
  CHECK_THROWS_AS(r3.u16("x"), hsk::Error);
}

TEST_CASE("Reader::expect_end rejects trailing bytes", "[wire]") {
  Bytes b{1, 2};
  Reader r(b);
  r.u8("a");
  CHECK_THROWS_AS(r.expect_end("msg"), hsk::Error);
}
