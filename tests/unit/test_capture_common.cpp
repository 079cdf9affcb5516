// capture_common.hpp: the record-header checks, ServerHello facts and role detection that the
// capture decoder and the splitter share. Inputs written byte by byte from RFC 5246 §6.2.1
// and RFC 8446 §4.1.3-4.2.1, not by hsk's encoder.
#include <catch2/catch.hpp>

#include "hsk/bytes.hpp"
#include "hsk/error.hpp"
#include "inspect/capture_common.hpp"

using hsk::Bytes;
using hsk::Error;
using namespace hsk::inspect::detail;

TEST_CASE("capture_common: record header problems and their alerts", "[capture_common]") {
  const std::uint8_t ok[] = {0x16, 0x03, 0x01, 0x00, 0x30};
  CHECK_FALSE(record_header_problem(ok, 16384));
  const std::uint8_t http[] = {'G', 'E', 'T', ' ', '/'};
  auto p = record_header_problem(http, 16384);
  REQUIRE(p);
  CHECK(p->what == "content type 0x47 is not a TLS record (0x14..0x18)");
  CHECK(p->alert == Error::kAlertUnexpectedMessage);
  const std::uint8_t v4[] = {0x16, 0x04, 0x01, 0x00, 0x30};
  p = record_header_problem(v4, 16384);
  REQUIRE(p);
  CHECK(p->what == "version 0x0401 is not 3.x");
  CHECK(p->alert == Error::kAlertDecodeError);
  const std::uint8_t big[] = {0x17, 0x03, 0x03, 0x48, 0x00};  // 18432 = 2^14 + 2048
  p = record_header_problem(big, 16384);
  REQUIRE(p);
  CHECK(p->what == "length 18432 exceeds 16384");
  CHECK(p->alert == Error::kAlertRecordOverflow);
  CHECK_FALSE(record_header_problem(big, 16384 + 2048));  // a protected record may be longer
}

TEST_CASE("capture_common: ServerHello version, suite and HelloRetryRequest", "[capture_common]") {
  // legacy_version 0303, random, empty session id, TLS_AES_128_GCM_SHA256, null compression,
  // extensions: supported_versions = 0304.
  auto server_hello = [](std::uint8_t first_random_byte, bool retry) {
    Bytes b{0x03, 0x03};
    const Bytes hrr = hsk::from_hex(
        "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c", "HRR random");
    Bytes random = retry ? hrr : Bytes(32, 0x11);
    random[0] = retry ? random[0] : first_random_byte;
    b.insert(b.end(), random.begin(), random.end());
    const Bytes rest{0x00, 0x13, 0x01, 0x00, 0x00, 0x06, 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04};
    b.insert(b.end(), rest.begin(), rest.end());
    return b;
  };
  ServerHelloFacts f = server_hello_facts(server_hello(0x42, false));
  CHECK(f.version == 0x0304);
  CHECK(f.cipher_suite == 0x1301);
  CHECK_FALSE(f.hello_retry);
  CHECK(server_hello_facts(server_hello(0, true)).hello_retry);
  // TLS 1.2: no supported_versions, the legacy field is the version.
  Bytes tls12{0x03, 0x03};
  tls12.insert(tls12.end(), 32, 0x22);
  const Bytes tail{0x00, 0xc0, 0x2f, 0x00};
  tls12.insert(tls12.end(), tail.begin(), tail.end());
  f = server_hello_facts(tls12);
  CHECK(f.version == 0x0303);
  CHECK(f.cipher_suite == 0xc02f);
  CHECK_THROWS_AS(server_hello_facts(Bytes{0x03, 0x03, 0x00}), Error);
}

TEST_CASE("capture_common: roles from the first handshake message", "[capture_common]") {
  const Bytes client_hello{0x16, 0x03, 0x01, 0x00, 0x30, 0x01};
  const Bytes server_hello{0x16, 0x03, 0x03, 0x00, 0x30, 0x02};
  CHECK_FALSE(roles_swapped(client_hello, true));
  CHECK(roles_swapped(client_hello, false));
  CHECK(roles_swapped(server_hello, true));
  CHECK_FALSE(roles_swapped(server_hello, false));
  CHECK_FALSE(roles_swapped(Bytes{0x17, 0x03, 0x03, 0x00, 0x01, 0x01}, false));  // not handshake
  CHECK_FALSE(roles_swapped(Bytes{0x16, 0x03, 0x01, 0x00, 0x30}, false));        // no type yet
}
