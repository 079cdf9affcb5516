#include <catch2/catch.hpp>

#include "hsk/error.hpp"
#include "pki/der.hpp"
#include "pki/pem.hpp"

using hsk::Bytes;
using namespace hsk::pki;

TEST_CASE("OIDs encode as X.690 says", "[der]") {
  // rsaEncryption, from RFC 8017 A.1 / X.690 example encodings.
  CHECK(oid_to_der("1.2.840.113549.1.1.1") == Bytes{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01});
  Bytes enc{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
  DerReader r(enc);
  CHECK(r.oid("algorithm") == "1.2.840.113549.1.1.1");
  r.expect_end("x");
}

TEST_CASE("DER lengths use the minimal long form", "[der]") {
  CHECK(der_length(0x7f) == Bytes{0x7f});
  CHECK(der_length(0x80) == Bytes{0x81, 0x80});
  CHECK(der_length(0x1234) == Bytes{0x82, 0x12, 0x34});
  Bytes nonminimal{0x04, 0x81, 0x01, 0xaa};
  DerReader r(nonminimal);
  CHECK_THROWS_AS(r.octet_string("x"), hsk::Error);
}

TEST_CASE("DER integers are unsigned magnitudes", "[der]") {
  DerWriter w;
  w.integer(Bytes{0x80});
  w.integer(Bytes{0x00, 0x00, 0x01});
  w.small_integer(0);
  CHECK(w.data() == Bytes{0x02, 0x02, 0x00, 0x80, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00});
  DerReader r(w.data());
  CHECK(r.integer("a") == Bytes{0x80});
  CHECK(r.small_integer("b") == 1);
  CHECK(r.small_integer("c") == 0);
  Bytes negative{0x02, 0x01, 0xff};
  DerReader rn(negative);
  CHECK_THROWS_AS(rn.integer("n"), hsk::Error);
}

TEST_CASE("Nested sequences patch their lengths", "[der]") {
  DerWriter w;
  w.sequence([](DerWriter& s) {
    s.small_integer(2);
    s.sequence([](DerWriter& t) { t.null(); });
  });
  CHECK(w.data() == Bytes{0x30, 0x07, 0x02, 0x01, 0x02, 0x30, 0x02, 0x05, 0x00});
  DerReader r(w.data());
  DerReader s = r.enter(tag::kSequence, "outer");
  CHECK(s.small_integer("v") == 2);
  DerReader t = s.enter(tag::kSequence, "inner");
  t.null("n");
  t.expect_end("inner");
  s.expect_end("outer");
}

TEST_CASE("PEM round-trips and rejects encrypted keys", "[pem]") {
  Bytes der{0x30, 0x03, 0x02, 0x01, 0x05};
  std::string pem = pem_encode("DH PARAMETERS", der);
  CHECK(pem == "-----BEGIN DH PARAMETERS-----\nMAMCAQU=\n-----END DH PARAMETERS-----\n");
  auto blocks = pem_decode_all("junk\n" + pem + pem_encode("X", Bytes{1, 2}));
  REQUIRE(blocks.size() == 2);
  CHECK(blocks[0].label == "DH PARAMETERS");
  CHECK(blocks[0].der == der);
  CHECK(blocks[1].der == Bytes{1, 2});
  std::string enc =
      "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n"
      "-----END RSA PRIVATE KEY-----\n";
  CHECK_THROWS_AS(pem_decode_all(enc), hsk::Error);
  CHECK_THROWS_AS(pem_decode_all("-----BEGIN X-----\nAA!A\n-----END X-----\n"), hsk::Error);
  CHECK_THROWS_AS(pem_decode_all("-----BEGIN X-----\nAAAA\n"), hsk::Error);
}
