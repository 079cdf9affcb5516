// X.509: parsing an OpenSSL-made certificate field by field (literal values, and values
// OpenSSL prints at test time), times, RFC 4514 names, extensions, building and signing, and
// malformed input (an hsk::Error, never a crash). Tests that need the openssl binary skip
// with a warning when it is absent.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "crypto/crypto.hpp"
#include "hsk/error.hpp"
#include "io/file.hpp"
#include "pki/der.hpp"
#include "pki/keys.hpp"
#include "pki/oids.hpp"
#include "pki/pem.hpp"
#include "pki/testpki.hpp"
#include "pki/x509.hpp"

using hsk::Bytes;
using hsk::from_hex;
using hsk::to_hex;
using namespace hsk::pki;
namespace crypto = hsk::crypto;

namespace {

bool have_openssl() {
  static const bool ok = std::system("openssl version >/dev/null 2>&1") == 0;
  return ok;
}

#define REQUIRE_OPENSSL()                         \
  do {                                            \
    if (!have_openssl()) {                        \
      FAIL("openssl not found (scripts/deps installs it)"); \
    }                                             \
  } while (0)

struct TempDir {
  std::string path;
  TempDir() {
    std::string t = (std::filesystem::temp_directory_path() / "hsk-x509-XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()) != nullptr);
    path = t;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return path + "/" + name; }
};

std::string sh(const std::string& cmd, int* status_out = nullptr) {
  FILE* p = ::popen(("(" + cmd + ") 2>/dev/null").c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) {
    out.append(buf.data(), n);
  }
  int status = ::pclose(p);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (status_out) {
    *status_out = code;
  } else if (code != 0) {
    FAIL("command failed (" << code << "): " << cmd);
  }
  return out;
}

std::string chomp(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) {
    s.pop_back();
  }
  return s;
}

// after returns what follows `prefix` in `line` ("serial=ABC" -> "ABC").
std::string after(const std::string& line, const std::string& prefix) {
  REQUIRE(line.rfind(prefix, 0) == 0);
  return chomp(line.substr(prefix.size()));
}

// openssl_date parses "Nov 27 14:08:51 2026 GMT".
UnixTime openssl_date(const std::string& s) {
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::istringstream in(s);
  std::string mon, hms, gmt;
  int day = 0, year = 0;
  in >> mon >> day >> hms >> year >> gmt;
  CivilTime c;
  c.year = year;
  c.day = day;
  for (int i = 0; i < 12; ++i) {
    if (mon == kMonths[i]) {
      c.month = i + 1;
    }
  }
  c.hour = std::stoi(hms.substr(0, 2));
  c.minute = std::stoi(hms.substr(3, 2));
  c.second = std::stoi(hms.substr(6, 2));
  return unix_from_civil(c);
}

std::vector<std::string> san_strings(const Certificate& c) {
  std::vector<std::string> out;
  for (const auto& n : c.subject_alt_names) {
    out.push_back(general_name_to_string(n));
  }
  return out;
}

// Made by: openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes
//   -subj "/C=XX/ST=Test State/L=Testville/O=hsk fixture,
//   Inc./OU=unit\+tests/CN=fixture.example/emailAddress=pki@fixture.example" -addext
//   "subjectAltName=DNS:fixture.example,DNS:*.fixture.example,IP:192.0.2.1,IP:2001:db8::1,email:pki@fixture.example"
//   -addext "keyUsage=critical,digitalSignature,keyAgreement" -addext
//   "extendedKeyUsage=serverAuth,clientAuth" -addext "basicConstraints=critical,CA:TRUE,pathlen:2"
//   -set_serial 0x00c0ffee0123456789abcdef -days 7300
// (OpenSSL 3.0.19). The expected values below are what `openssl x509 -noout -text -serial
// -subject -nameopt RFC2253 -startdate -enddate` printed for it.
constexpr const char* kFixturePem = R"(-----BEGIN CERTIFICATE-----
MIIDKTCCAs+gAwIBAgIMAMD/7gEjRWeJq83vMAoGCCqGSM49BAMCMIGlMQswCQYD
VQQGEwJYWDETMBEGA1UECAwKVGVzdCBTdGF0ZTESMBAGA1UEBwwJVGVzdHZpbGxl
MRowGAYDVQQKDBFoc2sgZml4dHVyZSwgSW5jLjETMBEGA1UECwwKdW5pdCt0ZXN0
czEYMBYGA1UEAwwPZml4dHVyZS5leGFtcGxlMSIwIAYJKoZIhvcNAQkBFhNwa2lA
Zml4dHVyZS5leGFtcGxlMB4XDTI2MTEyNzE0MDg1MVoXDTQ2MTEyMjE0MDg1MVow
gaUxCzAJBgNVBAYTAlhYMRMwEQYDVQQIDApUZXN0IFN0YXRlMRIwEAYDVQQHDAlU
ZXN0dmlsbGUxGjAYBgNVBAoMEWhzayBmaXh0dXJlLCBJbmMuMRMwEQYDVQQLDAp1
bml0K3Rlc3RzMRgwFgYDVQQDDA9maXh0dXJlLmV4YW1wbGUxIjAgBgkqhkiG9w0B
CQEWE3BraUBmaXh0dXJlLmV4YW1wbGUwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC
AARbk7rIGNY6Dnqw26I+7yZIib+nmV7TdrhVapNec4xOYOE5BUsb547zu5uL78vK
2pgrAtD4mT6BvOd620RpLwxFo4HiMIHfMB0GA1UdDgQWBBR0R5iNf473wL68csYP
aFYa1jzjTzAfBgNVHSMEGDAWgBR0R5iNf473wL68csYPaFYa1jzjTzBaBgNVHREE
UzBRgg9maXh0dXJlLmV4YW1wbGWCESouZml4dHVyZS5leGFtcGxlhwTAAAIBhxAg
AQ24AAAAAAAAAAAAAAABgRNwa2lAZml4dHVyZS5leGFtcGxlMA4GA1UdDwEB/wQE
AwIDiDAdBgNVHSUEFjAUBggrBgEFBQcDAQYIKwYBBQUHAwIwEgYDVR0TAQH/BAgw
BgEB/wIBAjAKBggqhkjOPQQDAgNIADBFAiBG7yMza9a+jaUqpwDCU9YKXxC4gtjq
eN0pAo//hO77ZAIhALhbBHjhp8HNjZpfvSs3b7rOgXw62ACgrNHTWzg68SkQ
-----END CERTIFICATE-----
)";

Certificate fixture() {
  auto certs = read_certificates(hsk::as_bytes(kFixturePem));
  REQUIRE(certs.size() == 1);
  return certs.front();
}

struct Issued {
  crypto::PrivateKey key;
  Certificate cert;
};

Issued make_cert(crypto::Rng& rng, const std::string& subject, bool ca, const Issued* issuer,
                 crypto::PrivateKey key, UnixTime nb = 1893456000 /* 2030-01-01 */,
                 UnixTime na = 1924992000 /* 2031-01-01 */) {
  CertificateSpec spec;
  spec.subject = parse_name(subject);
  spec.ca = ca;
  spec.not_before = nb;
  spec.not_after = na;
  Certificate c = build_certificate(spec, key.pub, issuer ? &issuer->cert : nullptr,
                                    issuer ? issuer->key : key, rng);
  return {std::move(key), std::move(c)};
}

}  // namespace

TEST_CASE("x509: an OpenSSL-made certificate, field by field", "[x509]") {
  Certificate c = fixture();
  CHECK(c.version == 3);
  CHECK(c.serial == from_hex("00c0ffee0123456789abcdef"));
  CHECK(c.serial_hex() == "C0FFEE0123456789ABCDEF");
  const std::string dn =
      "emailAddress=pki@fixture.example,CN=fixture.example,OU=unit\\+tests,O=hsk fixture\\, "
      "Inc.,L=Testville,"
      "ST=Test State,C=XX";
  CHECK(name_to_string(c.subject) == dn);
  CHECK(name_to_string(c.issuer) == dn);
  REQUIRE(c.subject.rdns.size() == 7);
  CHECK(c.subject.rdns[0].attributes[0].oid == oid::kCountryName);
  CHECK(c.subject.rdns[0].attributes[0].tag == tag::kPrintableString);
  CHECK(c.subject.rdns[6].attributes[0].oid == oid::kEmailAddress);
  CHECK(c.subject.rdns[6].attributes[0].tag == tag::kIa5String);
  CHECK(format_time(c.not_before) == "2026-11-27T14:08:51Z");
  CHECK(format_time(c.not_after) == "2046-11-22T14:08:51Z");
  REQUIRE(c.key);
  CHECK(c.key->type == crypto::KeyType::ec);
  CHECK(c.key->ec.curve == crypto::Curve::p256);
  CHECK(to_hex(c.key->ec.point) ==
        "045b93bac818d63a0e7ab0dba23eef264889bfa7995ed376b8556a935e738c4e60e139054b1be78ef3bb9b8bef"
        "cbcada982b02d0f899"
        "3e81bce77adb44692f0c45");
  CHECK(c.key_description() == "EC P-256");
  CHECK(c.key_algorithm == oid::kIdEcPublicKey);
  CHECK(to_hex(*c.subject_key_id) == "7447988d7f8ef7c0bebc72c60f68561ad63ce34f");
  CHECK(c.authority_key_id == c.subject_key_id);
  CHECK(key_identifier(c.spki) == *c.subject_key_id);  // OpenSSL uses method (1) too
  CHECK(san_strings(c) == std::vector<std::string>{"DNS:fixture.example", "DNS:*.fixture.example",
                                                   "IP Address:192.0.2.1", "IP Address:2001:db8::1",
                                                   "email:pki@fixture.example"});
  REQUIRE(c.key_usage);
  CHECK(*c.key_usage == (key_usage::kDigitalSignature | key_usage::kKeyAgreement));
  CHECK(key_usage_names(*c.key_usage) ==
        std::vector<std::string>{"digitalSignature", "keyAgreement"});
  CHECK(c.find_extension(oid::kKeyUsage)->critical);
  CHECK_FALSE(c.find_extension(oid::kExtKeyUsage)->critical);
  CHECK(*c.ext_key_usage ==
        std::vector<std::string>{std::string(oid::kServerAuth), std::string(oid::kClientAuth)});
  REQUIRE(c.basic_constraints);
  CHECK(c.basic_constraints->ca);
  CHECK(c.basic_constraints->path_len == 2u);
  CHECK(c.find_extension(oid::kBasicConstraints)->critical);
  CHECK(c.extensions.size() == 6);
  CHECK(certificate_signature_algorithm(c) == crypto::SignatureAlgorithm::ecdsa_sha256);
  CHECK(signature_algorithm_description(c) == "ecdsa-with-SHA256");
  CHECK(c.tbs_signature_algorithm == c.signature_algorithm);
  // The TBSCertificate is the exact bytes at offset 4, length 4 + 719 (openssl asn1parse).
  CHECK(c.tbs == Bytes(c.der.begin() + 4, c.der.begin() + 4 + 4 + 719));
  CHECK(crypto::verify(*c.key, crypto::SignatureAlgorithm::ecdsa_sha256, c.tbs, c.signature));
  CHECK(c.self_issued());
  // Names: our DER and RFC 4514 round trips agree with OpenSSL's encoding.
  CHECK(encode_name(c.subject) == c.subject_der);
  CHECK(parse_name(dn) == c.subject);
  CHECK(encode_name(parse_name(dn)) == c.subject_der);
  CHECK(certificate_pem(c) == kFixturePem);
}

TEST_CASE("x509: fields agree with what openssl prints at test time", "[x509]") {
  REQUIRE_OPENSSL();
  TempDir d;
  sh("openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 -pkeyopt "
     "dsa_paramgen_q_bits:256 -out " +
     d / "dsap.pem");
  const std::pair<std::string, std::string> kinds[] = {
      {"-newkey rsa:2048", "-sha384"},
      {"-newkey dsa:" + d / "dsap.pem", "-sha256"},
      {"-newkey ec -pkeyopt ec_paramgen_curve:P-384", "-sha384"}};
  for (const auto& [keyopt, digest] : kinds) {
    INFO(keyopt);
    sh("openssl req -x509 " + keyopt + " " + digest + " -nodes -keyout " + d / "k.pem" +
       " -subj '/DC=org/DC=example/O=Ex\\+ample Org/CN=  spaced  name /serialNumber=42' -days 30"
       " -addext 'subjectAltName=DNS:a.example,IP:10.1.2.3' -out " +
       d / "c.pem");
    Certificate c = load_certificates(d / "c.pem").front();
    CHECK(c.serial_hex() ==
          after(sh("openssl x509 -in " + d / "c.pem" + " -noout -serial"), "serial="));
    CHECK(name_to_string(c.subject) ==
          after(sh("openssl x509 -in " + d / "c.pem" + " -noout -subject -nameopt RFC2253"),
                "subject="));
    CHECK(name_to_string(c.issuer) ==
          after(sh("openssl x509 -in " + d / "c.pem" + " -noout -issuer -nameopt RFC2253"),
                "issuer="));
    CHECK(c.not_before ==
          openssl_date(
              after(sh("openssl x509 -in " + d / "c.pem" + " -noout -startdate"), "notBefore=")));
    CHECK(c.not_after ==
          openssl_date(
              after(sh("openssl x509 -in " + d / "c.pem" + " -noout -enddate"), "notAfter=")));
    std::string text = sh("openssl x509 -in " + d / "c.pem" + " -noout -text");
    CHECK(text.find("Signature Algorithm: " + signature_algorithm_description(c)) !=
          std::string::npos);
    std::string ski = sh("openssl x509 -in " + d / "c.pem" + " -noout -ext subjectKeyIdentifier");
    CHECK(from_hex(ski.substr(ski.find('\n') + 1)) == *c.subject_key_id);
    CHECK(san_strings(c) == std::vector<std::string>{"DNS:a.example", "IP Address:10.1.2.3"});
    REQUIRE(c.key);
    // The key agrees with openssl's own extraction of it.
    sh("openssl x509 -in " + d / "c.pem" + " -noout -pubkey > " + d / "pub.pem");
    CHECK(read_public_key(d / "pub.pem") == *c.key);
    // And the self-signature verifies over the received TBS bytes.
    auto alg = certificate_signature_algorithm(c);
    REQUIRE(alg);
    CHECK(crypto::verify(*c.key, *alg, c.tbs, c.signature));
  }
}

TEST_CASE("x509: certificate times", "[x509]") {
  CHECK(unix_from_civil({1970, 1, 1, 0, 0, 0}) == 0);
  CHECK(unix_from_civil({2000, 2, 29, 12, 0, 0}) == 951825600);
  CHECK(unix_from_civil({1969, 12, 31, 23, 59, 59}) == -1);
  for (UnixTime t : {UnixTime{0}, UnixTime{-1}, UnixTime{951825600}, UnixTime{4102444800},
                     UnixTime{-2208988800}, UnixTime{253402300799}, UnixTime{-62135596800}}) {
    CHECK(unix_from_civil(civil_from_unix(t)) == t);
  }
  CHECK(format_time(4102444800) == "2100-01-01T00:00:00Z");
  CHECK(format_time(-62135596800) == "0001-01-01T00:00:00Z");
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
  CHECK(to_hex(encode_time(parse_time("2049-12-31T23:59:59Z"))) ==
        "170d3439313233313233353935395a");
  CHECK(to_hex(encode_time(parse_time("2050-01-01T00:00:00Z"))) ==
        "180f32303530303130313030303030305a");
  CHECK(to_hex(encode_time(parse_time("1950-01-01"))) == "170d3530303130313030303030305a");
  CHECK(encode_time(parse_time("1949-12-31T23:59:59Z"))[0] == tag::kGeneralizedTime);
  CHECK_THROWS_AS(encode_time(-62135596801), hsk::Error);
  // Input forms.
  UnixTime t = 1906195200;  // 2030-05-28T10:40:00Z (date -u -d 2030-05-28T10:40:00Z +%s)
  CHECK(parse_time("2030-05-28T10:40:00Z") == t);
  CHECK(parse_time("2030-05-28t10:40:00.123z") == t);
  CHECK(parse_time("2030-05-28 12:40:00+02:00") == t);
  CHECK(parse_time("2030-05-28T05:10:00-05:30") == t);
  CHECK(parse_time("20300528104000Z") == t);
  CHECK(parse_time("@1906195200") == t);
  CHECK(parse_time("2030-05-28") == t - 10 * 3600 - 40 * 60);
  for (const char* bad :
       {"", "2030", "2030-13-01", "2030-02-30", "2030-05-28T24:00:00Z", "2030-05-28T10:40:00",
        "2030-05-28T10:40Z", "20300528104000", "@", "@12x", "tomorrow", "2030-05-28T10:40:00+2",
        "@999999999999999", "@-99999999999"}) {
    INFO(bad);
    try {
      parse_time(bad);
      FAIL("accepted");
    } catch (const hsk::Error& e) {
      CHECK(e.kind() == hsk::ErrorKind::usage);
    }
  }
}

TEST_CASE("x509: RFC 4514 names", "[x509]") {
  Name n = parse_name("CN=hsk test CA,O=hsk,C=XX");
  REQUIRE(n.rdns.size() == 3);
  CHECK(n.rdns[0].attributes[0].oid == oid::kCountryName);  // DER order: the string reversed
  CHECK(n.rdns[0].attributes[0].tag == tag::kPrintableString);
  CHECK(n.rdns[2].attributes[0].oid == oid::kCommonName);
  CHECK(n.rdns[2].attributes[0].tag == tag::kUtf8String);
  // What `openssl req -subj "/C=XX/O=hsk/CN=hsk test CA"` encodes.
  CHECK(to_hex(encode_name(n)) ==
        "3031310b3009060355040613025858310c300a060355040a0c0368736b3114301206035504030c0b68736b2074"
        "657374204341");
  CHECK(name_to_string(n) == "CN=hsk test CA,O=hsk,C=XX");

  // Escapes, hex bytes, spaces around types and values, multi-valued RDNs, long names, OIDs.
  Name e = parse_name(
      " cn = a\\,b\\+c\\\\d\\\"e\\;f\\<g\\>h , "
      "organizationName=\\C3\\A9t\\C3\\A9,DC=example+UID=u1,2.5.4.12=Dr");
  REQUIRE(e.rdns.size() == 4);
  CHECK(e.rdns[0].attributes[0].oid == oid::kTitle);
  REQUIRE(e.rdns[1].attributes.size() == 2);
  CHECK(e.rdns[1].attributes[0].oid == oid::kDomainComponent);
  CHECK(e.rdns[1].attributes[0].tag == tag::kIa5String);
  CHECK(e.rdns[1].attributes[1].oid == oid::kUserId);
  CHECK(attribute_text(e.rdns[2].attributes[0]) == "\xc3\xa9t\xc3\xa9");
  CHECK(attribute_text(e.rdns[3].attributes[0]) == "a,b+c\\d\"e;f<g>h");
  Name cn_only = parse_name("CN=a\\,b\\+c\\\\d\\\"e\\;f\\<g\\>h");
  CHECK(attribute_text(cn_only.rdns[0].attributes[0]) == "a,b+c\\d\"e;f<g>h");
  CHECK(name_to_string(cn_only) == "CN=a\\,b\\+c\\\\d\\\"e\\;f\\<g\\>h");
  CHECK(parse_name(name_to_string(e)) == e);
  // Leading '#' and space and a trailing space are escaped; escaped spaces survive trimming.
  Name sp = parse_name("CN=\\#x\\ ,O=\\ y");
  CHECK(attribute_text(sp.rdns[1].attributes[0]) == "#x ");
  CHECK(attribute_text(sp.rdns[0].attributes[0]) == " y");
  CHECK(name_to_string(sp) == "CN=\\#x\\ ,O=\\ y");
  // "#hex" is a DER value taken as it is.
  Name hexed = parse_name("CN=#0c03616263");
  CHECK(hexed.rdns[0].attributes[0].value == Bytes{'a', 'b', 'c'});
  CHECK(parse_name("").empty());
  CHECK(parse_name("emailAddress=a@b,serialNumber=A-1").rdns[0].attributes[0].tag ==
        tag::kPrintableString);
  // Bytes that are not UTF-8 print as \XX, so the string (and JSON made of it) stays UTF-8.
  Name raw;
  raw.rdns.push_back(Rdn{{NameAttribute{std::string(oid::kCommonName), tag::kUtf8String,
                                        Bytes{0xcb, 'a', 0xc3, 0xa9, 0x01}}}});
  CHECK(name_to_string(raw) == "CN=\\CBa\xc3\xa9\\01");
  // Unknown attribute types print as OID=#DER.
  Name unknown = parse_name("1.2.3.4=xyz");
  CHECK(name_to_string(unknown) == "1.2.3.4=#0C0378797A");

  for (const char* bad :
       {"CN", "=x", "CN=", "XX=1", "C=XYZ", "C=X1\\00", "CN=a\"b", "CN=a,", "CN=a\\", "CN=a\\zz",
        "CN=#0c", "CN=\\FF", "serialNumber=a_b", "emailAddress=\\C3\\A9", "/C=XX/CN=a"}) {
    INFO(bad);
    try {
      parse_name(bad);
      FAIL("accepted");
    } catch (const hsk::Error& err) {
      CHECK(err.kind() == hsk::ErrorKind::usage);
    }
  }
  CHECK_THROWS_AS(parse_name("CN=" + std::string(65, 'a')), hsk::Error);
  CHECK_NOTHROW(parse_name("CN=" + std::string(64, 'a')));

  // RFC 5280 §7.1 comparison: case and runs of spaces folded, string types ignored.
  CHECK(names_match(parse_name("CN=Hsk  Test CA,O=hsk,C=XX"),
                    parse_name("CN=hsk test ca,O=HSK,C=XX")));
  CHECK(names_match(parse_name("CN=a+O=b"), parse_name("O=b+CN=a")));
  CHECK_FALSE(names_match(parse_name("CN=a,O=b"), parse_name("CN=a")));
  CHECK_FALSE(names_match(parse_name("CN=a,O=b"), parse_name("O=b,CN=a")));
  Name printable = parse_name("CN=#130161");
  CHECK(names_match(printable, parse_name("CN=A")));
}

TEST_CASE("x509: key usage and subject alternative names", "[x509]") {
  CHECK(parse_key_usage("digitalSignature, keyEncipherment") ==
        (key_usage::kDigitalSignature | key_usage::kKeyEncipherment));
  CHECK(parse_key_usage("KEYCERTSIGN,crlsign,contentCommitment,decipherOnly") ==
        (key_usage::kKeyCertSign | key_usage::kCrlSign | key_usage::kNonRepudiation |
         key_usage::kDecipherOnly));
  CHECK_THROWS_AS(parse_key_usage("sign"), hsk::Error);
  CHECK_THROWS_AS(parse_key_usage(""), hsk::Error);

  auto names =
      parse_general_names("DNS:localhost, IP:127.0.0.1,ip:::1,email:a@b,URI:https://x.example/");
  REQUIRE(names.size() == 5);
  CHECK(names[1].value == Bytes{127, 0, 0, 1});
  CHECK(names[2].value.size() == 16);
  CHECK(names[2].value.back() == 1);
  CHECK(general_name_to_string(names[2]) == "IP Address:::1");
  CHECK(general_name_to_string(names[4]) == "URI:https://x.example/");
  for (const char* bad :
       {"localhost", "DNS:", "IP:300.1.1.1", "IP:localhost", "email:nobody", "XX:1", "DNS:a b"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_general_names(bad), hsk::Error);
  }
}

TEST_CASE("x509: building certificates", "[x509]") {
  auto rng = crypto::seeded_rng("test_x509 build");
  Issued ca =
      make_cert(*rng, "CN=hsk unit CA,O=hsk,C=XX", true, nullptr, crypto::generate_rsa(*rng, 1024));
  const Certificate& c = ca.cert;
  CHECK(c.version == 3);
  CHECK(c.serial.size() == 16);
  CHECK((c.serial[0] & 0x80) == 0);
  CHECK(c.serial[0] != 0);
  CHECK(name_to_string(c.subject) == "CN=hsk unit CA,O=hsk,C=XX");
  CHECK(c.subject_der == c.issuer_der);
  CHECK(format_time(c.not_before) == "2030-01-01T00:00:00Z");
  CHECK(format_time(c.not_after) == "2031-01-01T00:00:00Z");
  CHECK(c.basic_constraints == BasicConstraints{true, std::nullopt});
  CHECK(c.find_extension(oid::kBasicConstraints)->critical);
  CHECK(c.key_usage ==
        (key_usage::kKeyCertSign | key_usage::kCrlSign | key_usage::kDigitalSignature));
  CHECK(c.find_extension(oid::kKeyUsage)->critical);
  // keyUsage DER: 03 02 01 86 (bits 0, 5, 6; one unused bit).
  CHECK(to_hex(c.find_extension(oid::kKeyUsage)->value) == "03020186");
  CHECK(*c.subject_key_id == crypto::hash(crypto::HashAlg::sha1, c.subject_public_key));
  CHECK(c.authority_key_id == c.subject_key_id);
  CHECK_FALSE(c.ext_key_usage);
  CHECK(certificate_signature_algorithm(c) == crypto::SignatureAlgorithm::rsa_pkcs1_sha256);
  CHECK(
      crypto::verify(ca.key.pub, crypto::SignatureAlgorithm::rsa_pkcs1_sha256, c.tbs, c.signature));
  // Extension order as documented.
  std::vector<std::string> order;
  for (const auto& e : c.extensions) {
    order.push_back(e.oid);
  }
  CHECK(order == std::vector<std::string>{std::string(oid::kBasicConstraints),
                                          std::string(oid::kKeyUsage),
                                          std::string(oid::kSubjectKeyIdentifier),
                                          std::string(oid::kAuthorityKeyIdentifier)});

  // An EC leaf with SAN and purpose, SHA-384 by the RSA CA.
  CertificateSpec spec;
  spec.subject = parse_name("CN=localhost");
  spec.subject_alt_names = parse_general_names("DNS:localhost,IP:127.0.0.1");
  spec.not_before = parse_time("2030-01-01");
  spec.not_after = parse_time("2050-06-01");
  spec.purpose = Purpose::both;
  spec.hash = crypto::HashAlg::sha384;
  spec.serial = from_hex("01");
  crypto::PrivateKey ec = crypto::generate_ec(*rng, crypto::Curve::p256);
  Certificate leaf = build_certificate(spec, ec.pub, &ca.cert, ca.key, *rng);
  CHECK(leaf.serial == Bytes{1});
  CHECK(leaf.issuer_der == ca.cert.subject_der);
  CHECK(format_time(leaf.not_after) == "2050-06-01T00:00:00Z");
  CHECK(leaf.basic_constraints == BasicConstraints{false, std::nullopt});
  CHECK_FALSE(leaf.find_extension(oid::kBasicConstraints)->critical);
  CHECK(leaf.key_usage == (key_usage::kDigitalSignature | key_usage::kKeyAgreement));
  CHECK(*leaf.ext_key_usage ==
        std::vector<std::string>{std::string(oid::kServerAuth), std::string(oid::kClientAuth)});
  CHECK(san_strings(leaf) == std::vector<std::string>{"DNS:localhost", "IP Address:127.0.0.1"});
  CHECK_FALSE(leaf.find_extension(oid::kSubjectAltName)->critical);
  CHECK(leaf.authority_key_id == ca.cert.subject_key_id);
  CHECK(certificate_signature_algorithm(leaf) == crypto::SignatureAlgorithm::rsa_pkcs1_sha384);
  CHECK(crypto::verify(ca.key.pub, crypto::SignatureAlgorithm::rsa_pkcs1_sha384, leaf.tbs,
                       leaf.signature));
  CHECK(leaf.key == ec.pub);

  // Default key usage per key type.
  CHECK(default_key_usage(crypto::KeyType::rsa, false) ==
        (key_usage::kDigitalSignature | key_usage::kKeyEncipherment));
  CHECK(default_key_usage(crypto::KeyType::dsa, false) == key_usage::kDigitalSignature);
  CHECK(default_key_usage(crypto::KeyType::dh, false) == key_usage::kKeyAgreement);
  CHECK(default_key_usage(crypto::KeyType::ec, true) ==
        (key_usage::kKeyCertSign | key_usage::kCrlSign | key_usage::kDigitalSignature));

  // An empty subject with SAN: SAN becomes critical.
  spec.subject = Name{};
  spec.purpose = Purpose::any;
  Certificate anon = build_certificate(spec, ec.pub, &ca.cert, ca.key, *rng);
  CHECK(anon.subject.empty());
  CHECK(anon.find_extension(oid::kSubjectAltName)->critical);

  // Inconsistent requests are usage errors.
  auto usage = [](auto f) {
    try {
      f();
      FAIL("accepted");
    } catch (const hsk::Error& e) {
      CHECK(e.kind() == hsk::ErrorKind::usage);
    }
  };
  CertificateSpec ok;
  ok.subject = parse_name("CN=x");
  ok.not_before = 0;
  ok.not_after = 86400;
  usage([&] {
    CertificateSpec s = ok;
    s.path_len = 1;
    build_certificate(s, ec.pub, &ca.cert, ca.key, *rng);
  });
  usage([&] {
    CertificateSpec s = ok;
    s.not_after = s.not_before;
    build_certificate(s, ec.pub, &ca.cert, ca.key, *rng);
  });
  usage([&] {
    CertificateSpec s = ok;
    s.subject = Name{};
    build_certificate(s, ec.pub, &ca.cert, ca.key, *rng);
  });
  usage(
      [&] { build_certificate(ok, ec.pub, &ca.cert, ec, *rng); });  // key does not match the issuer
  usage(
      [&] { build_certificate(ok, ca.key.pub, nullptr, ec, *rng); });  // self-signed by another key
  usage([&] {
    CertificateSpec s = ok;
    s.hash = crypto::HashAlg::sha1;
    build_certificate(s, ec.pub, &ca.cert, ca.key, *rng);
  });
}

TEST_CASE("x509: DSA and DH certificates", "[x509]") {
  auto rng = crypto::seeded_rng("test_x509 dh");
  crypto::PrivateKey dsa_key = crypto::generate_dsa(*rng, 1024, 160);
  Issued dsa_ca = make_cert(*rng, "CN=DSA CA", true, nullptr, dsa_key);
  CHECK(certificate_signature_algorithm(dsa_ca.cert) == crypto::SignatureAlgorithm::dsa_sha256);
  CHECK(dsa_ca.cert.key_description() == "DSA 1024/160");
  crypto::PrivateKey other = dsa_key_on(dsa_key.pub, *rng);
  CHECK(other.pub.dsa.p == dsa_key.pub.dsa.p);
  CHECK(other.pub.dsa.y != dsa_key.pub.dsa.y);
  CHECK_NOTHROW(crypto::check_private_key(other));

  crypto::DhParams x942 = {
      from_hex(
          "ffffffffffffffffadf85458a2bb4a9aafdc5620273d3cf1d8b9c583ce2d3695a9e13641146433fbcc939dce"
          "249b3ef97d2fe363630c75d8f681b202aec4617ad3df1ed5d5fd65612433f51f5f066ed0856365553ded1af3"
          "b557135e7f57c935984f0c70e0e68b77e2a689daf3efe8721df158a136ade73530acca4f483a797abc0ab182"
          "b324fb61d108a94bb2c8e3fbb96adab760d7f4681d4f42a3de394df4ae56ede76372bb190b07a7c8ee0a6d70"
          "9e02fce1cdf7e2ecc03404cd28342f619172fe9ce98583ff8e4f1232eef28183c3fe3b1b4c6fad733bb5fcbc"
          "2ec22005c58ef1837d1683b2c6f34a26c1b2effa886b423861285c97ffffffffffffffff"),
      {2},
      {},
      {},
      0};
  // q = (p - 1) / 2 for this safe prime (ffdhe2048).
  {
    Bytes q = x942.p;
    unsigned carry = 0;
    for (auto& b : q) {
      unsigned v = carry << 8 | b;
      b = static_cast<std::uint8_t>(v >> 1);
      carry = v & 1;
    }
    x942.q = crypto::minimal(q);
  }
  crypto::PrivateKey dhx = crypto::generate_dh(*rng, x942, crypto::DhOid::dh_public_number);
  crypto::DhParams pkcs3 = x942;
  pkcs3.q.clear();
  crypto::PrivateKey dh = crypto::generate_dh(*rng, pkcs3, crypto::DhOid::dh_key_agreement);
  for (const auto* key : {&dhx, &dh}) {
    CertificateSpec spec;
    spec.subject = parse_name("CN=localhost,OU=fixed DH");
    spec.not_before = 0;
    spec.not_after = 4102444800;
    Certificate c = build_certificate(spec, key->pub, &dsa_ca.cert, dsa_ca.key, *rng);
    CHECK(c.key_algorithm == (key == &dhx ? oid::kDhPublicNumber : oid::kDhKeyAgreement));
    CHECK(c.key_usage == key_usage::kKeyAgreement);
    CHECK(c.key == key->pub);
    CHECK(c.key_description() == (key == &dhx ? "DH 2048 (X9.42)" : "DH 2048 (PKCS#3)"));
    CHECK(crypto::verify(dsa_key.pub, crypto::SignatureAlgorithm::dsa_sha256, c.tbs, c.signature));
    // A DH key cannot sign: no self-signed DH certificate, no DH CA.
    CHECK_THROWS_AS(build_certificate(spec, key->pub, nullptr, *key, *rng), hsk::Error);
  }
  CHECK_THROWS_AS(certificate_signature_for(crypto::KeyType::dsa, crypto::HashAlg::sha384),
                  hsk::Error);
  CHECK(certificate_signature_for(crypto::KeyType::ec, crypto::HashAlg::sha384) ==
        crypto::SignatureAlgorithm::ecdsa_sha384);
}

TEST_CASE("x509: key specifications", "[x509]") {
  CHECK(parse_key_spec("rsa:3072").bits == 3072);
  CHECK(parse_key_spec("RSA").bits == 2048);
  CHECK(parse_key_spec("dsa:2048").q_bits == 224);
  CHECK(parse_key_spec("dsa:2048/256").q_bits == 256);
  CHECK(parse_key_spec("dsa:3072").q_bits == 256);
  CHECK(parse_key_spec("ec:P-384").curve == crypto::Curve::p384);
  CHECK(parse_key_spec("ec:prime256v1").curve == crypto::Curve::p256);
  CHECK(parse_key_spec("dh").type == crypto::KeyType::dh);
  for (const char* bad :
       {"rsa:512", "rsa:2048x", "dsa:2048/160", "ec:P-521", "dh:2048", "ed25519", ""}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_key_spec(bad), hsk::Error);
  }
}

TEST_CASE("x509: malformed certificates are errors, never crashes", "[x509]") {
  Certificate good = fixture();
  const Bytes& der = good.der;
  // Every proper prefix fails with a malformed error.
  for (std::size_t n = 0; n < der.size(); ++n) {
    try {
      parse_certificate(hsk::ByteView(der).first(n));
      FAIL("prefix of " << n << " bytes accepted");
    } catch (const hsk::Error& e) {
      REQUIRE(e.kind() == hsk::ErrorKind::malformed);
    }
  }
  // Trailing garbage.
  Bytes trailing = der;
  trailing.push_back(0);
  CHECK_THROWS_AS(parse_certificate(trailing), hsk::Error);
  // Every single-byte corruption parses or fails cleanly.
  for (std::size_t i = 0; i < der.size(); ++i) {
    for (std::uint8_t x : {std::uint8_t{0x01}, std::uint8_t{0x80}, std::uint8_t{0xff}}) {
      Bytes m = der;
      m[i] ^= x;
      try {
        parse_certificate(m);
      } catch (const hsk::Error& e) {
        REQUIRE(e.kind() == hsk::ErrorKind::malformed);
      }
    }
  }
  // A key file is not a certificate; the error says what was found.
  try {
    read_certificates(
        hsk::as_bytes("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), "k.pem");
    FAIL("accepted");
  } catch (const hsk::Error& e) {
    CHECK(e.kind() == hsk::ErrorKind::malformed);
    CHECK(e.message().find("no CERTIFICATE block; found PRIVATE KEY") != std::string::npos);
    CHECK(e.message().find("k.pem") != std::string::npos);
  }
  CHECK_THROWS_AS(read_certificates({}), hsk::Error);
  // A v1 certificate may not carry extensions: rewrite the version field to v1 (0).
  Bytes v1 = der;
  REQUIRE(v1[12] == 0x02);  // INTEGER at offset 10 (openssl asn1parse), its value 2 at 12
  v1[12] = 0x00;
  try {
    parse_certificate(v1);
    FAIL("accepted");
  } catch (const hsk::Error& e) {
    CHECK(e.message().find("only allowed in version 3") != std::string::npos);
  }
  // A duplicate extension: the SKI's OID (2.5.29.14) changed to the AKI's (2.5.29.35).
  Bytes dup = der;
  std::size_t pos = 0;
  for (std::size_t i = 0; i + 5 < dup.size(); ++i) {
    if (dup[i] == 0x06 && dup[i + 1] == 0x03 && dup[i + 2] == 0x55 && dup[i + 3] == 0x1d &&
        dup[i + 4] == 0x0e) {
      pos = i + 4;
      break;
    }
  }
  REQUIRE(pos != 0);
  dup[pos] = 0x23;
  try {
    parse_certificate(dup);
    FAIL("accepted");
  } catch (const hsk::Error& e) {
    CHECK(e.message().find("duplicate extension 2.5.29.35") != std::string::npos);
  }
}
