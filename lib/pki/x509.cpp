#include "pki/x509.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <set>

#include "hsk/error.hpp"
#include "io/file.hpp"
#include "pki/der.hpp"
#include "pki/keys.hpp"
#include "pki/oids.hpp"
#include "pki/pem.hpp"

namespace hsk::pki {

namespace {

// ---- small text helpers ------------------------------------------------------------------

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) {
      return false;
    }
  }
  return true;
}

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string hex_upper(ByteView b) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (std::uint8_t v : b) {
    out += kDigits[v >> 4];
    out += kDigits[v & 15];
  }
  return out;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    cp = 0xfffd;
  }
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// utf8_length returns the number of code points, or npos when `s` is not valid UTF-8.
std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<std::uint8_t>(s[i]);
    std::size_t len = c < 0x80         ? 1
                      : (c >> 5) == 6  ? 2
                      : (c >> 4) == 14 ? 3
                      : (c >> 3) == 30 ? 4
                                       : 0;
    if (len == 0 || i + len > s.size()) {
      return std::string_view::npos;
    }
    std::uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
    for (std::size_t k = 1; k < len; ++k) {
      auto d = static_cast<std::uint8_t>(s[i + k]);
      if ((d & 0xc0) != 0x80) {
        return std::string_view::npos;
      }
      cp = cp << 6 | (d & 0x3f);
    }
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return std::string_view::npos;
    }
    i += len;
    ++n;
  }
  return n;
}

bool is_printable_string(std::string_view s) {
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              std::string_view(" '()+,-./:=?").find(c) != std::string_view::npos;
    if (!ok) {
      return false;
    }
  }
  return true;
}

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string as_string(ByteView b) { return std::string(b.begin(), b.end()); }

DerReader sub_reader(const DerElement& e, const std::string& context) {
  return DerReader(e.content, e.offset + (e.encoded.size() - e.content.size()), context);
}

[[noreturn]] void bad(std::size_t offset, std::string_view context, std::string what) {
  throw_malformed(offset, std::string(context), std::move(what), Error::kAlertBadCertificate);
}

// ---- time --------------------------------------------------------------------------------

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(std::int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// days_before_year: days from 0001-01-01 to Y-01-01 (Y >= 1).
std::int64_t days_before_year(std::int64_t y) {
  std::int64_t p = y - 1;
  return 365 * p + p / 4 - p / 100 + p / 400;
}

constexpr std::int64_t kEpochDays = 719162;  // days_before_year(1970)

std::int64_t days_before_month(std::int64_t y, int m) {
  std::int64_t d = 0;
  for (int i = 1; i < m; ++i) {
    d += days_in_month(y, i);
  }
  return d;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int digits_value(std::string_view s) {
  int v = 0;
  for (char c : s) {
    v = v * 10 + (c - '0');
  }
  return v;
}

bool valid_civil(const CivilTime& c, bool allow_leap_second) {
  return c.year >= 1 && c.year <= 9999 && c.month >= 1 && c.month <= 12 && c.day >= 1 &&
         c.day <= days_in_month(c.year, c.month) && c.hour >= 0 && c.hour <= 23 && c.minute >= 0 &&
         c.minute <= 59 && c.second >= 0 && c.second <= (allow_leap_second ? 60 : 59);
}

// decode_time reads a UTCTime or GeneralizedTime element in the strict forms RFC 5280
// §4.1.2.5 requires (seconds present, "Z", no fraction).
UnixTime decode_time(const DerElement& e, std::string_view field) {
  std::string s = as_string(e.content);
  CivilTime c;
  if (e.tag == tag::kUtcTime) {
    if (s.size() != 13 || s[12] != 'Z' || !all_digits(std::string_view(s).substr(0, 12))) {
      bad(e.offset, field, "UTCTime is not YYMMDDHHMMSSZ");
    }
    int yy = digits_value(std::string_view(s).substr(0, 2));
    c.year = yy >= 50 ? 1900 + yy : 2000 + yy;
    s = s.substr(2);
  } else if (e.tag == tag::kGeneralizedTime) {
    if (s.size() != 15 || s[14] != 'Z' || !all_digits(std::string_view(s).substr(0, 14))) {
      bad(e.offset, field, "GeneralizedTime is not YYYYMMDDHHMMSSZ");
    }
    c.year = digits_value(std::string_view(s).substr(0, 4));
    s = s.substr(4);
  } else {
    bad(e.offset, field, "expected UTCTime or GeneralizedTime");
  }
  std::string_view v(s);
  c.month = digits_value(v.substr(0, 2));
  c.day = digits_value(v.substr(2, 2));
  c.hour = digits_value(v.substr(4, 2));
  c.minute = digits_value(v.substr(6, 2));
  c.second = digits_value(v.substr(8, 2));
  if (!valid_civil(c, false)) {
    bad(e.offset, field, "time out of range");
  }
  return unix_from_civil(c);
}

// ---- names -------------------------------------------------------------------------------

struct AttributeInfo {
  std::string_view short_name;
  std::string_view long_name;
  std::string_view oid;
  std::uint8_t tag;
  std::size_t max_chars;  // RFC 5280 Appendix A upper bound; 0: none enforced
};

constexpr AttributeInfo kAttributes[] = {
    {"CN", "commonName", oid::kCommonName, tag::kUtf8String, 64},
    {"O", "organizationName", oid::kOrganizationName, tag::kUtf8String, 64},
    {"OU", "organizationalUnitName", oid::kOrganizationalUnitName, tag::kUtf8String, 64},
    {"C", "countryName", oid::kCountryName, tag::kPrintableString, 2},
    {"ST", "stateOrProvinceName", oid::kStateOrProvinceName, tag::kUtf8String, 128},
    {"L", "localityName", oid::kLocalityName, tag::kUtf8String, 128},
    {"street", "streetAddress", oid::kStreetAddress, tag::kUtf8String, 0},
    {"title", "title", oid::kTitle, tag::kUtf8String, 64},
    {"GN", "givenName", oid::kGivenName, tag::kUtf8String, 0},
    {"SN", "surname", oid::kSurname, tag::kUtf8String, 0},
    {"serialNumber", "serialNumber", oid::kSerialNumber, tag::kPrintableString, 64},
    {"DC", "domainComponent", oid::kDomainComponent, tag::kIa5String, 0},
    {"UID", "userId", oid::kUserId, tag::kUtf8String, 0},
    {"emailAddress", "emailAddress", oid::kEmailAddress, tag::kIa5String, 255},
};

const AttributeInfo* attribute_by_oid(std::string_view dotted) {
  for (const auto& a : kAttributes) {
    if (a.oid == dotted) {
      return &a;
    }
  }
  return nullptr;
}

const AttributeInfo* attribute_by_name(std::string_view name) {
  for (const auto& a : kAttributes) {
    if (iequals(a.short_name, name) || iequals(a.long_name, name)) {
      return &a;
    }
  }
  return nullptr;
}

constexpr std::uint8_t kT61String = 0x14;
constexpr std::uint8_t kNumericString = 0x12;
constexpr std::uint8_t kVisibleString = 0x1a;
constexpr std::uint8_t kUniversalString = 0x1c;
constexpr std::uint8_t kBmpString = 0x1e;

bool is_string_tag(std::uint8_t t) {
  return t == tag::kUtf8String || t == tag::kPrintableString || t == tag::kIa5String ||
         t == kT61String || t == kNumericString || t == kVisibleString || t == kUniversalString ||
         t == kBmpString;
}

bool is_dotted_oid(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.' || s.find("..") != std::string_view::npos ||
      s.find('.') == std::string_view::npos) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  c = ascii_lower(c);
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  return -1;
}

NameAttribute make_attribute(std::string_view type, std::string value, bool hex_form,
                             std::string_view whole) {
  auto fail = [&](const std::string& what) -> void {
    throw_usage("subject \"" + std::string(whole) + "\": " + what);
  };
  NameAttribute a;
  const AttributeInfo* info = attribute_by_name(type);
  if (info) {
    a.oid = std::string(info->oid);
  } else if (is_dotted_oid(type)) {
    a.oid = std::string(type);
    info = attribute_by_oid(type);
  } else {
    fail("unknown attribute type \"" + std::string(type) +
         "\" (use CN, O, OU, C, ST, L, street, title, GN, SN, UID, DC, serialNumber, emailAddress "
         "or a dotted OID)");
  }
  if (hex_form) {
    // "#" followed by the hex of a DER element (RFC 4514 §2.4): take its tag and content.
    Bytes der;
    if (value.size() % 2 != 0) {
      fail("odd number of hex digits after '#'");
    }
    for (std::size_t i = 0; i < value.size(); i += 2) {
      int hi = hex_digit(value[i]);
      int lo = hex_digit(value[i + 1]);
      if (hi < 0 || lo < 0) {
        fail("bad hex after '#'");
      }
      der.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
    }
    try {
      DerReader r(der, 0, "attribute value");
      DerElement e = r.next("value");
      r.expect_end("value");
      a.tag = e.tag;
      a.value.assign(e.content.begin(), e.content.end());
    } catch (const Error&) {
      fail("the value after '#' is not one DER element");
    }
    return a;
  }
  if (value.empty()) {
    fail("empty value for " + std::string(type));
  }
  std::size_t chars = utf8_length(value);
  if (chars == std::string_view::npos) {
    fail("value of " + std::string(type) + " is not valid UTF-8");
  }
  a.tag = info ? info->tag : tag::kUtf8String;
  if (a.oid == oid::kCountryName && (chars != 2 || !is_printable_string(value))) {
    fail("C must be a two-letter country code");
  }
  if (info && info->max_chars && chars > info->max_chars) {
    fail(std::string(info->short_name) + " is longer than " + std::to_string(info->max_chars) +
         " characters (RFC 5280 upper bound)");
  }
  if (a.tag == tag::kPrintableString && !is_printable_string(value)) {
    fail(std::string(type) + " may only hold PrintableString characters");
  }
  if (a.tag == tag::kIa5String && !is_ascii(value)) {
    fail(std::string(type) + " must be ASCII");
  }
  a.value.assign(value.begin(), value.end());
  return a;
}

// canonical_value folds an attribute for comparison (RFC 5280 §7.1, as OpenSSL does it).
std::string canonical_value(const NameAttribute& a) {
  if (!is_string_tag(a.tag)) {
    std::string out = "#" + std::to_string(a.tag) + ":";
    out += hex_upper(a.value);
    return out;
  }
  std::string text = attribute_text(a);
  std::string out;
  bool space = false;
  for (char c : trim_spaces(text)) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      space = true;
      continue;
    }
    if (space) {
      out += ' ';
      space = false;
    }
    out += ascii_lower(c);
  }
  return out;
}

Name read_name(DerReader& outer, std::string_view field) {
  Name name;
  DerReader seq = outer.enter(tag::kSequence, field);
  while (!seq.empty()) {
    DerReader set = seq.enter(tag::kSet, "RelativeDistinguishedName");
    Rdn rdn;
    if (set.empty()) {
      set.fail("RelativeDistinguishedName", "empty SET");
    }
    while (!set.empty()) {
      DerReader atv = set.enter(tag::kSequence, "AttributeTypeAndValue");
      NameAttribute a;
      a.oid = atv.oid("attribute type");
      DerElement v = atv.next("attribute value");
      a.tag = v.tag;
      a.value.assign(v.content.begin(), v.content.end());
      atv.expect_end("AttributeTypeAndValue");
      rdn.attributes.push_back(std::move(a));
    }
    name.rdns.push_back(std::move(rdn));
  }
  return name;
}

void write_attribute(DerWriter& w, const NameAttribute& a) {
  w.sequence([&](DerWriter& s) {
    s.oid(a.oid);
    s.element(a.tag, a.value);
  });
}

// escape_value escapes for RFC 4514 and keeps the result valid UTF-8: control characters and
// bytes that do not form UTF-8 become \\XX.
std::string escape_value(std::string_view v) {
  std::string out;
  auto hex_escape = [&out](unsigned char u) {
    char buf[4];
    std::snprintf(buf, sizeof buf, "\\%02X", u);
    out += buf;
  };
  for (std::size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      std::size_t len = (u >> 5) == 6 ? 2 : (u >> 4) == 14 ? 3 : (u >> 3) == 30 ? 4 : 0;
      if (len != 0 && i + len <= v.size() && utf8_length(v.substr(i, len)) == 1) {
        out += v.substr(i, len);
        i += len - 1;
      } else {
        hex_escape(u);
      }
      continue;
    }
    bool special = std::string_view(",+\"\\<>;").find(c) != std::string_view::npos;
    bool edge = (i == 0 && (c == ' ' || c == '#')) || (i + 1 == v.size() && c == ' ');
    if (u < 0x20 || u == 0x7f) {
      hex_escape(u);
    } else if (special || edge) {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

// ---- general names -----------------------------------------------------------------------

constexpr std::uint8_t kGnOtherName = 0xa0;
constexpr std::uint8_t kGnEmail = 0x81;
constexpr std::uint8_t kGnDns = 0x82;
constexpr std::uint8_t kGnDirectory = 0xa4;
constexpr std::uint8_t kGnUri = 0x86;
constexpr std::uint8_t kGnIp = 0x87;

GeneralName general_name_from(const DerElement& e) {
  GeneralName n;
  n.tag = e.tag;
  n.value.assign(e.content.begin(), e.content.end());
  switch (e.tag) {
    case kGnEmail:
      n.kind = GeneralName::Kind::email;
      break;
    case kGnDns:
      n.kind = GeneralName::Kind::dns;
      break;
    case kGnUri:
      n.kind = GeneralName::Kind::uri;
      break;
    case kGnIp:
      n.kind = (e.content.size() == 4 || e.content.size() == 16) ? GeneralName::Kind::ip
                                                                 : GeneralName::Kind::other;
      break;
    case kGnDirectory:
      n.kind = GeneralName::Kind::directory;
      break;
    default:
      n.kind = GeneralName::Kind::other;
  }
  return n;
}

// ---- extensions --------------------------------------------------------------------------

Bytes encode_key_usage_bits(std::uint16_t mask) {
  int highest = -1;
  for (int i = 0; i < 9; ++i) {
    if (mask & (1u << i)) {
      highest = i;
    }
  }
  Bytes content{0};
  if (highest < 0) {
    return content;
  }
  std::size_t nbytes = static_cast<std::size_t>(highest / 8 + 1);
  content[0] = static_cast<std::uint8_t>(7 - highest % 8);
  content.resize(1 + nbytes, 0);
  for (int i = 0; i <= highest; ++i) {
    if (mask & (1u << i)) {
      content[1 + static_cast<std::size_t>(i / 8)] |= static_cast<std::uint8_t>(0x80 >> (i % 8));
    }
  }
  return content;
}

void decode_extension(Certificate& c, const Extension& ext) {
  DerReader r(ext.value, ext.offset, "Extension " + ext.oid);
  // Offsets inside the value are approximate to the extension start; the context names it.
  if (ext.oid == oid::kBasicConstraints) {
    DerReader s = r.enter(tag::kSequence, "BasicConstraints");
    BasicConstraints bc;
    if (s.peek_tag() == tag::kBoolean) {
      bc.ca = s.boolean("cA");
    }
    if (s.peek_tag() == tag::kInteger) {
      bc.path_len = s.small_integer("pathLenConstraint");
    }
    s.expect_end("BasicConstraints");
    c.basic_constraints = bc;
  } else if (ext.oid == oid::kKeyUsage) {
    DerElement e = r.expect(tag::kBitString, "KeyUsage");
    if (e.content.empty() || e.content[0] > 7 || (e.content.size() == 1 && e.content[0] != 0)) {
      bad(e.offset, "KeyUsage", "malformed BIT STRING");
    }
    std::uint16_t mask = 0;
    for (std::size_t i = 1; i < e.content.size() && i <= 2; ++i) {
      for (int b = 0; b < 8; ++b) {
        if (e.content[i] & (0x80 >> b)) {
          std::size_t bit = (i - 1) * 8 + static_cast<std::size_t>(b);
          if (bit < 9) {
            mask = static_cast<std::uint16_t>(mask | (1u << bit));
          }
        }
      }
    }
    c.key_usage = mask;
  } else if (ext.oid == oid::kExtKeyUsage) {
    DerReader s = r.enter(tag::kSequence, "ExtKeyUsageSyntax");
    std::vector<std::string> oids;
    while (!s.empty()) {
      oids.push_back(s.oid("KeyPurposeId"));
    }
    if (oids.empty()) {
      s.fail("ExtKeyUsageSyntax", "empty");
    }
    c.ext_key_usage = std::move(oids);
  } else if (ext.oid == oid::kSubjectAltName) {
    DerReader s = r.enter(tag::kSequence, "GeneralNames");
    if (s.empty()) {
      s.fail("GeneralNames", "empty");
    }
    while (!s.empty()) {
      DerElement e = s.next("GeneralName");
      if ((e.tag & 0xc0) != 0x80) {
        bad(e.offset, "GeneralName", "not a context-specific tag");
      }
      c.subject_alt_names.push_back(general_name_from(e));
    }
  } else if (ext.oid == oid::kSubjectKeyIdentifier) {
    c.subject_key_id = r.octet_string("SubjectKeyIdentifier");
  } else if (ext.oid == oid::kAuthorityKeyIdentifier) {
    DerReader s = r.enter(tag::kSequence, "AuthorityKeyIdentifier");
    if (s.peek_tag() == tag::context(0, false)) {
      DerElement e = s.next("keyIdentifier");
      c.authority_key_id = Bytes(e.content.begin(), e.content.end());
    }
    if (s.peek_tag() == tag::context(1, true)) {
      s.next("authorityCertIssuer");
    }
    if (s.peek_tag() == tag::context(2, false)) {
      s.next("authorityCertSerialNumber");
    }
    s.expect_end("AuthorityKeyIdentifier");
  } else {
    return;  // kept raw
  }
  r.expect_end(ext.oid);
}

void write_extension(DerWriter& w, std::string_view id, bool critical, const Bytes& value) {
  w.sequence([&](DerWriter& e) {
    e.oid(id);
    if (critical) {
      e.boolean(true);
    }
    e.octet_string(value);
  });
}

std::string_view signature_algorithm_openssl_name(crypto::SignatureAlgorithm alg) {
  using crypto::SignatureAlgorithm;
  switch (alg) {
    case SignatureAlgorithm::rsa_pkcs1_md5_sha1:
      return "md5-sha1";
    case SignatureAlgorithm::rsa_pkcs1_sha1:
      return "sha1WithRSAEncryption";
    case SignatureAlgorithm::rsa_pkcs1_sha224:
      return "sha224WithRSAEncryption";
    case SignatureAlgorithm::rsa_pkcs1_sha256:
      return "sha256WithRSAEncryption";
    case SignatureAlgorithm::rsa_pkcs1_sha384:
      return "sha384WithRSAEncryption";
    case SignatureAlgorithm::rsa_pkcs1_sha512:
      return "sha512WithRSAEncryption";
    case SignatureAlgorithm::rsa_pss_sha256:
      return "rsassaPss (SHA-256)";
    case SignatureAlgorithm::rsa_pss_sha384:
      return "rsassaPss (SHA-384)";
    case SignatureAlgorithm::rsa_pss_sha512:
      return "rsassaPss (SHA-512)";
    case SignatureAlgorithm::dsa_sha1:
      return "dsaWithSHA1";
    case SignatureAlgorithm::dsa_sha224:
      return "dsa_with_SHA224";
    case SignatureAlgorithm::dsa_sha256:
      return "dsa_with_SHA256";
    case SignatureAlgorithm::ecdsa_sha1:
      return "ecdsa-with-SHA1";
    case SignatureAlgorithm::ecdsa_sha224:
      return "ecdsa-with-SHA224";
    case SignatureAlgorithm::ecdsa_sha256:
      return "ecdsa-with-SHA256";
    case SignatureAlgorithm::ecdsa_sha384:
      return "ecdsa-with-SHA384";
    case SignatureAlgorithm::ecdsa_sha512:
      return "ecdsa-with-SHA512";
  }
  return "?";
}

}  // namespace

// ---- time --------------------------------------------------------------------------------

UnixTime now_utc() { return static_cast<UnixTime>(std::time(nullptr)); }

UnixTime unix_from_civil(const CivilTime& c) {
  std::int64_t days =
      days_before_year(c.year) + days_before_month(c.year, c.month) + (c.day - 1) - kEpochDays;
  return days * 86400 + c.hour * 3600 + c.minute * 60 + c.second;
}

CivilTime civil_from_unix(UnixTime t) {
  std::int64_t days = t / 86400;
  std::int64_t secs = t % 86400;
  if (secs < 0) {
    secs += 86400;
    --days;
  }
  std::int64_t abs_days = days + kEpochDays;  // days since 0001-01-01
  std::int64_t y = 1 + abs_days / 366;
  while (days_before_year(y) > abs_days) {
    --y;
  }
  while (days_before_year(y + 1) <= abs_days) {
    ++y;
  }
  std::int64_t doy = abs_days - days_before_year(y);
  int m = 1;
  while (m < 12 && doy >= days_in_month(y, m)) {
    doy -= days_in_month(y, m);
    ++m;
  }
  CivilTime c;
  c.year = static_cast<int>(y);
  c.month = m;
  c.day = static_cast<int>(doy) + 1;
  c.hour = static_cast<int>(secs / 3600);
  c.minute = static_cast<int>(secs / 60 % 60);
  c.second = static_cast<int>(secs % 60);
  return c;
}

std::string format_time(UnixTime t) {
  CivilTime c = civil_from_unix(t);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year, c.month, c.day, c.hour,
                c.minute, c.second);
  return buf;
}

UnixTime parse_time(std::string_view text, std::string_view what) {
  std::string_view s = trim_spaces(text);
  auto fail = [&]() -> UnixTime {
    throw_usage(std::string(what) + ": \"" + std::string(text) +
                "\" is not a time (use RFC 3339 like 2030-01-31T12:00:00Z, YYYYMMDDHHMMSSZ, "
                "YYYY-MM-DD or @SECONDS)");
  };
  if (!s.empty() && s[0] == '@') {
    std::string_view n = s.substr(1);
    bool neg = !n.empty() && n[0] == '-';
    if (neg) {
      n.remove_prefix(1);
    }
    if (!all_digits(n) || n.size() > 15) {
      return fail();
    }
    std::int64_t v = 0;
    for (char c : n) {
      v = v * 10 + (c - '0');
    }
    v = neg ? -v : v;
    if (v < -62135596800 || v > 253402300799) {
      return fail();  // outside 0001-01-01 .. 9999-12-31
    }
    return v;
  }
  CivilTime c;
  std::int64_t offset = 0;
  if (s.size() == 15 && (s[14] == 'Z' || s[14] == 'z') && all_digits(s.substr(0, 14))) {
    c.year = digits_value(s.substr(0, 4));
    c.month = digits_value(s.substr(4, 2));
    c.day = digits_value(s.substr(6, 2));
    c.hour = digits_value(s.substr(8, 2));
    c.minute = digits_value(s.substr(10, 2));
    c.second = digits_value(s.substr(12, 2));
  } else {
    if (s.size() < 10 || s[4] != '-' || s[7] != '-' || !all_digits(s.substr(0, 4)) ||
        !all_digits(s.substr(5, 2)) || !all_digits(s.substr(8, 2))) {
      return fail();
    }
    c.year = digits_value(s.substr(0, 4));
    c.month = digits_value(s.substr(5, 2));
    c.day = digits_value(s.substr(8, 2));
    if (s.size() > 10) {
      std::string_view t = s.substr(10);
      if (t.size() < 9 || (t[0] != 'T' && t[0] != 't' && t[0] != ' ') || t[3] != ':' ||
          t[6] != ':' || !all_digits(t.substr(1, 2)) || !all_digits(t.substr(4, 2)) ||
          !all_digits(t.substr(7, 2))) {
        return fail();
      }
      c.hour = digits_value(t.substr(1, 2));
      c.minute = digits_value(t.substr(4, 2));
      c.second = digits_value(t.substr(7, 2));
      t = t.substr(9);
      if (!t.empty() && t[0] == '.') {
        std::size_t k = 1;
        while (k < t.size() && t[k] >= '0' && t[k] <= '9') {
          ++k;
        }
        if (k == 1) {
          return fail();
        }
        t = t.substr(k);
      }
      if (t == "Z" || t == "z") {
        offset = 0;
      } else if (t.size() == 6 && (t[0] == '+' || t[0] == '-') && t[3] == ':' &&
                 all_digits(t.substr(1, 2)) && all_digits(t.substr(4, 2))) {
        int oh = digits_value(t.substr(1, 2));
        int om = digits_value(t.substr(4, 2));
        if (oh > 23 || om > 59) {
          return fail();
        }
        offset = (oh * 3600 + om * 60) * (t[0] == '+' ? 1 : -1);
      } else {
        return fail();
      }
    }
  }
  if (!valid_civil(c, true)) {
    return fail();
  }
  return unix_from_civil(c) - offset;
}

Bytes encode_time(UnixTime t) {
  constexpr UnixTime kFirst = -62135596800;  // 0001-01-01T00:00:00Z
  constexpr UnixTime kLast = 253402300799;   // 9999-12-31T23:59:59Z
  CivilTime c = civil_from_unix(std::clamp(t, kFirst, kLast));
  if (t < kFirst || t > kLast) {
    throw_usage("time " + std::to_string(t) + " is outside the years 0001-9999");
  }
  char buf[32];
  DerWriter w;
  if (c.year >= 1950 && c.year <= 2049) {
    std::snprintf(buf, sizeof buf, "%02d%02d%02d%02d%02d%02dZ", c.year % 100, c.month, c.day,
                  c.hour, c.minute, c.second);
    w.element(tag::kUtcTime, as_bytes(buf));
  } else {
    std::snprintf(buf, sizeof buf, "%04d%02d%02d%02d%02d%02dZ", c.year, c.month, c.day, c.hour,
                  c.minute, c.second);
    w.element(tag::kGeneralizedTime, as_bytes(buf));
  }
  return w.take();
}

// ---- names -------------------------------------------------------------------------------

Name parse_name(std::string_view text) {
  Name name;
  std::vector<Rdn> rdns;  // in string order (most specific first)
  std::string_view s = text;
  if (trim_spaces(s).empty()) {
    return name;
  }
  if (trim_spaces(s).front() == '/') {
    throw_usage("subject \"" + std::string(text) +
                "\": write RFC 4514, most specific first (\"CN=x,O=y,C=XX\"), not OpenSSL's "
                "\"/C=XX/O=y/CN=x\"");
  }
  std::size_t i = 0;
  Rdn current;
  for (;;) {
    // type
    std::size_t eq = s.find('=', i);
    if (eq == std::string_view::npos) {
      throw_usage("subject \"" + std::string(text) + "\": expected TYPE=value at \"" +
                  std::string(s.substr(i)) + "\"");
    }
    std::string_view type = trim_spaces(s.substr(i, eq - i));
    if (type.empty() || type.find_first_of(",+\\") != std::string_view::npos) {
      throw_usage("subject \"" + std::string(text) +
                  "\": missing or bad attribute type before '='");
    }
    i = eq + 1;
    while (i < s.size() && s[i] == ' ') {
      ++i;
    }
    // value
    std::string value;
    std::size_t significant = 0;  // value length up to the last escaped or non-space char
    bool hex_form = i < s.size() && s[i] == '#';
    if (hex_form) {
      ++i;
    }
    char sep = 0;
    while (i < s.size()) {
      char c = s[i];
      if (c == ',' || c == '+' || c == ';') {
        sep = c;
        ++i;
        break;
      }
      if (c == '\\') {
        if (i + 1 >= s.size()) {
          throw_usage("subject \"" + std::string(text) + "\": '\\' at the end");
        }
        char n = s[i + 1];
        if (std::string_view(",+\"\\<>;= #").find(n) != std::string_view::npos) {
          value += n;
          i += 2;
        } else if (i + 2 < s.size() && hex_digit(n) >= 0 && hex_digit(s[i + 2]) >= 0) {
          value += static_cast<char>(hex_digit(n) << 4 | hex_digit(s[i + 2]));
          i += 3;
        } else {
          throw_usage("subject \"" + std::string(text) + "\": bad escape \"\\" + std::string(1, n) +
                      "\"");
        }
        significant = value.size();
        continue;
      }
      if (c == '"' || c == '<' || c == '>') {
        throw_usage("subject \"" + std::string(text) + "\": '" + std::string(1, c) +
                    "' must be escaped with '\\'");
      }
      value += c;
      if (c != ' ') {
        significant = value.size();
      }
      ++i;
    }
    value.resize(significant);
    current.attributes.push_back(make_attribute(type, value, hex_form, text));
    if (sep != '+') {
      rdns.push_back(std::move(current));
      current = Rdn{};
    }
    if (sep == 0) {
      break;
    }
    if (i >= s.size() || trim_spaces(s.substr(i)).empty()) {
      throw_usage("subject \"" + std::string(text) + "\": nothing after '" + std::string(1, sep) +
                  "'");
    }
  }
  name.rdns.assign(rdns.rbegin(), rdns.rend());
  return name;
}

std::string attribute_text(const NameAttribute& a) {
  std::string out;
  if (a.tag == kBmpString) {
    for (std::size_t i = 0; i + 1 < a.value.size(); i += 2) {
      std::uint32_t u = static_cast<std::uint32_t>(a.value[i]) << 8 | a.value[i + 1];
      if (u >= 0xd800 && u < 0xdc00 && i + 3 < a.value.size()) {
        std::uint32_t lo = static_cast<std::uint32_t>(a.value[i + 2]) << 8 | a.value[i + 3];
        if (lo >= 0xdc00 && lo < 0xe000) {
          u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
          i += 2;
        }
      }
      append_utf8(out, u);
    }
    return out;
  }
  if (a.tag == kUniversalString) {
    for (std::size_t i = 0; i + 3 < a.value.size(); i += 4) {
      append_utf8(out, static_cast<std::uint32_t>(a.value[i]) << 24 |
                           static_cast<std::uint32_t>(a.value[i + 1]) << 16 |
                           static_cast<std::uint32_t>(a.value[i + 2]) << 8 | a.value[i + 3]);
    }
    return out;
  }
  if (a.tag == kT61String) {
    for (std::uint8_t b : a.value) {
      append_utf8(out, b);  // read as Latin-1, as OpenSSL does
    }
    return out;
  }
  return as_string(a.value);
}

std::string name_to_string(const Name& name) {
  std::string out;
  for (auto it = name.rdns.rbegin(); it != name.rdns.rend(); ++it) {
    if (it != name.rdns.rbegin()) {
      out += ',';
    }
    bool first = true;
    for (const NameAttribute& a : it->attributes) {
      if (!first) {
        out += '+';
      }
      first = false;
      const AttributeInfo* info = attribute_by_oid(a.oid);
      if (info && is_string_tag(a.tag)) {
        out += info->short_name;
        out += '=';
        out += escape_value(attribute_text(a));
      } else {
        out += a.oid;
        out += "=#";
        DerWriter w;
        w.element(a.tag, a.value);
        out += hex_upper(w.data());
      }
    }
  }
  return out;
}

Bytes encode_name(const Name& name) {
  DerWriter w;
  w.sequence([&](DerWriter& seq) {
    for (const Rdn& rdn : name.rdns) {
      std::vector<Bytes> encoded;
      for (const NameAttribute& a : rdn.attributes) {
        DerWriter one;
        write_attribute(one, a);
        encoded.push_back(one.take());
      }
      std::sort(encoded.begin(), encoded.end());
      seq.constructed(tag::kSet, [&](DerWriter& set) {
        for (const Bytes& e : encoded) {
          set.raw(e);
        }
      });
    }
  });
  return w.take();
}

Name decode_name(ByteView der, std::size_t base_offset) {
  DerReader r(der, base_offset, "Name");
  Name n = read_name(r, "Name");
  r.expect_end("Name");
  return n;
}

bool names_match(const Name& a, const Name& b) {
  if (a.rdns.size() != b.rdns.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.rdns.size(); ++i) {
    const auto& x = a.rdns[i].attributes;
    const auto& y = b.rdns[i].attributes;
    if (x.size() != y.size()) {
      return false;
    }
    std::multiset<std::pair<std::string, std::string>> sx;
    std::multiset<std::pair<std::string, std::string>> sy;
    for (const auto& at : x) {
      sx.emplace(at.oid, canonical_value(at));
    }
    for (const auto& at : y) {
      sy.emplace(at.oid, canonical_value(at));
    }
    if (sx != sy) {
      return false;
    }
  }
  return true;
}

// ---- key usage and general names ---------------------------------------------------------

namespace {
constexpr std::string_view kKeyUsageNames[] = {
    "digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement",
    "keyCertSign",      "cRLSign",        "encipherOnly",    "decipherOnly",
};
}

std::vector<std::string> key_usage_names(std::uint16_t mask) {
  std::vector<std::string> out;
  for (unsigned i = 0; i < 9; ++i) {
    if (mask & (1u << i)) {
      out.emplace_back(kKeyUsageNames[i]);
    }
  }
  return out;
}

std::uint16_t parse_key_usage(std::string_view list) {
  std::uint16_t mask = 0;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t comma = list.find(',', start);
    std::string_view item =
        trim_spaces(list.substr(start, comma == std::string_view::npos ? comma : comma - start));
    bool found = false;
    for (unsigned i = 0; i < 9; ++i) {
      if (iequals(item, kKeyUsageNames[i]) || (i == 1 && iequals(item, "contentCommitment"))) {
        mask = static_cast<std::uint16_t>(mask | (1u << i));
        found = true;
      }
    }
    if (!found) {
      throw_usage(
          "key usage \"" + std::string(item) +
          "\" is not one of digitalSignature, nonRepudiation, keyEncipherment, dataEncipherment, "
          "keyAgreement, keyCertSign, cRLSign, encipherOnly, decipherOnly");
    }
    if (comma == std::string_view::npos) {
      break;
    }
    start = comma + 1;
  }
  return mask;
}

std::vector<GeneralName> parse_general_names(std::string_view list) {
  std::vector<GeneralName> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t comma = list.find(',', start);
    std::string_view item =
        trim_spaces(list.substr(start, comma == std::string_view::npos ? comma : comma - start));
    std::size_t colon = item.find(':');
    if (colon == std::string_view::npos || colon + 1 >= item.size()) {
      throw_usage("subject alternative name \"" + std::string(item) +
                  "\" is not TYPE:value (DNS:, IP:, email: or URI:)");
    }
    std::string_view type = item.substr(0, colon);
    std::string value(item.substr(colon + 1));
    GeneralName n;
    if (iequals(type, "DNS")) {
      n.kind = GeneralName::Kind::dns;
      n.tag = kGnDns;
    } else if (iequals(type, "email")) {
      n.kind = GeneralName::Kind::email;
      n.tag = kGnEmail;
      if (value.find('@') == std::string::npos) {
        throw_usage("subject alternative name \"" + std::string(item) +
                    "\": an e-mail address needs an '@'");
      }
    } else if (iequals(type, "URI")) {
      n.kind = GeneralName::Kind::uri;
      n.tag = kGnUri;
    } else if (iequals(type, "IP")) {
      n.kind = GeneralName::Kind::ip;
      n.tag = kGnIp;
      std::array<std::uint8_t, 16> buf{};
      if (::inet_pton(AF_INET, value.c_str(), buf.data()) == 1) {
        n.value.assign(buf.begin(), buf.begin() + 4);
      } else if (::inet_pton(AF_INET6, value.c_str(), buf.data()) == 1) {
        n.value.assign(buf.begin(), buf.end());
      } else {
        throw_usage("subject alternative name \"" + std::string(item) +
                    "\": not an IPv4 or IPv6 address");
      }
      out.push_back(std::move(n));
      if (comma == std::string_view::npos) {
        break;
      }
      start = comma + 1;
      continue;
    } else {
      throw_usage("subject alternative name type \"" + std::string(type) +
                  "\" is not DNS, IP, email or URI");
    }
    if (!is_ascii(value) || value.find_first_of(" \t") != std::string::npos) {
      throw_usage("subject alternative name \"" + std::string(item) +
                  "\": must be ASCII without spaces");
    }
    n.value.assign(value.begin(), value.end());
    out.push_back(std::move(n));
    if (comma == std::string_view::npos) {
      break;
    }
    start = comma + 1;
  }
  return out;
}

std::string general_name_to_string(const GeneralName& n) {
  switch (n.kind) {
    case GeneralName::Kind::dns:
      return "DNS:" + as_string(n.value);
    case GeneralName::Kind::email:
      return "email:" + as_string(n.value);
    case GeneralName::Kind::uri:
      return "URI:" + as_string(n.value);
    case GeneralName::Kind::ip: {
      char buf[INET6_ADDRSTRLEN] = {};
      ::inet_ntop(n.value.size() == 4 ? AF_INET : AF_INET6, n.value.data(), buf, sizeof buf);
      return std::string("IP Address:") + buf;
    }
    case GeneralName::Kind::directory:
      try {
        return "DirName:" + name_to_string(decode_name(n.value));
      } catch (const Error&) {
        return "DirName:<malformed>";
      }
    case GeneralName::Kind::other:
      break;
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, "othername:<tag 0x%02x, %zu bytes>", n.tag, n.value.size());
  return buf;
}

// ---- certificates ------------------------------------------------------------------------

const Extension* Certificate::find_extension(std::string_view id) const {
  for (const auto& e : extensions) {
    if (e.oid == id) {
      return &e;
    }
  }
  return nullptr;
}

std::string Certificate::serial_hex() const {
  if (serial.empty()) {
    return "00";
  }
  if (serial[0] & 0x80) {
    // Negative: magnitude of the two's complement value.
    Bytes m(serial);
    for (auto& b : m) {
      b = static_cast<std::uint8_t>(~b);
    }
    for (std::size_t i = m.size(); i-- > 0;) {
      if (++m[i] != 0) {
        break;
      }
    }
    std::size_t k = 0;
    while (k + 1 < m.size() && m[k] == 0) {
      ++k;
    }
    return "-" + hex_upper(ByteView(m).subspan(k));
  }
  std::size_t k = 0;
  while (k + 1 < serial.size() && serial[k] == 0) {
    ++k;
  }
  return hex_upper(ByteView(serial).subspan(k));
}

std::string Certificate::key_description() const {
  if (!key) {
    return "unsupported (" + key_algorithm + ")";
  }
  switch (key->type) {
    case crypto::KeyType::rsa:
      return "RSA " + std::to_string(crypto::key_bits(*key));
    case crypto::KeyType::dsa:
      return "DSA " + std::to_string(crypto::key_bits(*key)) + "/" +
             std::to_string(crypto::bit_length(key->dsa.q));
    case crypto::KeyType::ec:
      return "EC " + std::string(crypto::curve_name(key->ec.curve));
    case crypto::KeyType::dh:
      return "DH " + std::to_string(crypto::key_bits(*key)) +
             (key->dh.oid == crypto::DhOid::dh_public_number ? " (X9.42)" : " (PKCS#3)");
  }
  return "?";
}

bool Certificate::self_issued() const {
  if (!names_match(subject, issuer)) {
    return false;
  }
  if (subject_key_id && authority_key_id && *subject_key_id != *authority_key_id) {
    return false;
  }
  return true;
}

Certificate parse_certificate(ByteView der) {
  Certificate c;
  c.der.assign(der.begin(), der.end());
  ByteView d = c.der;
  DerReader top(d, 0, "Certificate");
  DerElement cert_el = top.expect(tag::kSequence, "Certificate");
  top.expect_end("Certificate");
  DerReader cr = sub_reader(cert_el, "Certificate");
  DerElement tbs_el = cr.expect(tag::kSequence, "tbsCertificate");
  DerElement sig_alg = cr.expect(tag::kSequence, "signatureAlgorithm");
  c.signature_algorithm.assign(sig_alg.encoded.begin(), sig_alg.encoded.end());
  c.signature = cr.bit_string("signatureValue");
  cr.expect_end("Certificate");
  c.tbs.assign(tbs_el.encoded.begin(), tbs_el.encoded.end());

  DerReader t = sub_reader(tbs_el, "TBSCertificate");
  if (t.peek_tag() == tag::context(0)) {
    DerReader v = t.enter(tag::context(0), "version");
    std::size_t at = v.offset();
    std::uint64_t version = v.small_integer("version");
    v.expect_end("version");
    if (version > 2) {
      bad(at, "TBSCertificate", "version " + std::to_string(version + 1) + " is not 1, 2 or 3");
    }
    c.version = static_cast<int>(version) + 1;
  }
  DerElement serial = t.expect(tag::kInteger, "serialNumber");
  if (serial.content.empty()) {
    bad(serial.offset, "serialNumber", "empty INTEGER");
  }
  if (serial.content.size() > 1 && ((serial.content[0] == 0 && !(serial.content[1] & 0x80)) ||
                                    (serial.content[0] == 0xff && (serial.content[1] & 0x80)))) {
    bad(serial.offset, "serialNumber", "non-minimal INTEGER");
  }
  c.serial.assign(serial.content.begin(), serial.content.end());
  DerElement tsa = t.expect(tag::kSequence, "signature");
  c.tbs_signature_algorithm.assign(tsa.encoded.begin(), tsa.encoded.end());
  {
    DerElement iss = t.expect(tag::kSequence, "issuer");
    c.issuer_der.assign(iss.encoded.begin(), iss.encoded.end());
    c.issuer = decode_name(iss.encoded, iss.offset);
  }
  {
    DerReader val = t.enter(tag::kSequence, "validity");
    c.not_before = decode_time(val.next("notBefore"), "notBefore");
    c.not_after = decode_time(val.next("notAfter"), "notAfter");
    val.expect_end("validity");
  }
  {
    DerElement sub = t.expect(tag::kSequence, "subject");
    c.subject_der.assign(sub.encoded.begin(), sub.encoded.end());
    c.subject = decode_name(sub.encoded, sub.offset);
  }
  {
    DerElement spki = t.expect(tag::kSequence, "subjectPublicKeyInfo");
    c.spki.assign(spki.encoded.begin(), spki.encoded.end());
    DerReader s = sub_reader(spki, "SubjectPublicKeyInfo");
    DerReader alg = s.enter(tag::kSequence, "algorithm");
    c.key_algorithm = alg.oid("algorithm");
    c.subject_public_key = s.bit_string("subjectPublicKey");
    s.expect_end("SubjectPublicKeyInfo");
    try {
      c.key = decode_spki(c.spki);
    } catch (const Error& e) {
      c.key_error = e.detail().empty() ? e.what() : e.detail();
    }
  }
  if (t.peek_tag() == tag::context(1, false)) {
    DerElement u = t.next("issuerUniqueID");
    if (c.version < 2) {
      bad(u.offset, "issuerUniqueID", "only allowed in version 2 or 3");
    }
  }
  if (t.peek_tag() == tag::context(2, false)) {
    DerElement u = t.next("subjectUniqueID");
    if (c.version < 2) {
      bad(u.offset, "subjectUniqueID", "only allowed in version 2 or 3");
    }
  }
  if (t.peek_tag() == tag::context(3)) {
    std::size_t at = t.offset();
    DerReader x = t.enter(tag::context(3), "extensions");
    if (c.version != 3) {
      bad(at, "extensions", "only allowed in version 3");
    }
    DerReader list = x.enter(tag::kSequence, "Extensions");
    x.expect_end("extensions");
    if (list.empty()) {
      bad(at, "Extensions", "empty");
    }
    std::set<std::string> seen;
    while (!list.empty()) {
      std::size_t ext_at = list.offset();
      DerReader e = list.enter(tag::kSequence, "Extension");
      Extension ext;
      ext.offset = ext_at;
      ext.oid = e.oid("extnID");
      if (e.peek_tag() == tag::kBoolean) {
        ext.critical = e.boolean("critical");
      }
      DerElement value = e.expect(tag::kOctetString, "extnValue");
      ext.value.assign(value.content.begin(), value.content.end());
      ext.offset = value.offset + (value.encoded.size() - value.content.size());
      e.expect_end("Extension");
      if (!seen.insert(ext.oid).second) {
        bad(ext_at, "Extensions", "duplicate extension " + ext.oid);
      }
      c.extensions.push_back(std::move(ext));
    }
    for (const Extension& ext : c.extensions) {
      decode_extension(c, ext);
    }
  }
  t.expect_end("TBSCertificate");
  return c;
}

std::vector<Certificate> read_certificates(ByteView data, const std::string& input) {
  std::vector<Certificate> out;
  try {
    if (is_pem(data)) {
      std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
      std::vector<PemBlock> blocks = pem_decode_all(text);
      std::string labels;
      for (const PemBlock& b : blocks) {
        if (b.label == "CERTIFICATE" || b.label == "X509 CERTIFICATE") {
          out.push_back(parse_certificate(b.der));
        } else if (labels.find(b.label) == std::string::npos) {
          labels += (labels.empty() ? "" : ", ") + b.label;
        }
      }
      if (out.empty()) {
        throw Error(ErrorKind::malformed,
                    "no CERTIFICATE block" + (labels.empty() ? std::string() : "; found " + labels),
                    Error::kAlertBadCertificate);
      }
    } else {
      if (data.empty()) {
        throw Error(ErrorKind::malformed, "empty input: no certificate",
                    Error::kAlertBadCertificate);
      }
      out.push_back(parse_certificate(data));
    }
  } catch (Error& e) {
    if (!input.empty()) {
      e.with_input(input);
    }
    throw;
  }
  return out;
}

std::vector<Certificate> load_certificates(const std::string& path) {
  Bytes data;
  try {
    data = io::read_all(path);
  } catch (Error& e) {
    e.with_input(path);
    throw;
  }
  return read_certificates(data, path);
}

std::string certificate_pem(const Certificate& cert) { return pem_encode("CERTIFICATE", cert.der); }

std::optional<crypto::SignatureAlgorithm> certificate_signature_algorithm(const Certificate& cert) {
  try {
    return decode_signature_algorithm(cert.signature_algorithm);
  } catch (const Error&) {
    return std::nullopt;
  }
}

std::string signature_algorithm_description(const Certificate& cert) {
  if (auto alg = certificate_signature_algorithm(cert)) {
    return std::string(signature_algorithm_openssl_name(*alg));
  }
  try {
    DerReader r(cert.signature_algorithm, 0, "AlgorithmIdentifier");
    DerReader s = r.enter(tag::kSequence, "AlgorithmIdentifier");
    return "unsupported (" + s.oid("algorithm") + ")";
  } catch (const Error&) {
    return "unsupported";
  }
}

Bytes key_identifier(ByteView spki_der) {
  DerReader r(spki_der, 0, "SubjectPublicKeyInfo");
  DerReader s = r.enter(tag::kSequence, "SubjectPublicKeyInfo");
  s.enter(tag::kSequence, "algorithm");
  Bytes bits = s.bit_string("subjectPublicKey");
  return crypto::hash(crypto::HashAlg::sha1, bits);
}

// ---- building ----------------------------------------------------------------------------

std::uint16_t default_key_usage(crypto::KeyType type, bool ca) {
  using namespace key_usage;
  if (type == crypto::KeyType::dh) {
    return kKeyAgreement;
  }
  if (ca) {
    return kKeyCertSign | kCrlSign | kDigitalSignature;
  }
  switch (type) {
    case crypto::KeyType::rsa:
      return kDigitalSignature | kKeyEncipherment;
    case crypto::KeyType::dsa:
      return kDigitalSignature;
    case crypto::KeyType::ec:
      return kDigitalSignature | kKeyAgreement;
    case crypto::KeyType::dh:
      break;
  }
  return kKeyAgreement;
}

Bytes random_serial(crypto::Rng& rng) {
  for (;;) {
    Bytes s = rng.bytes(16);
    s[0] &= 0x7f;
    if (s[0] != 0) {
      return s;
    }
  }
}

crypto::SignatureAlgorithm certificate_signature_for(crypto::KeyType signer, crypto::HashAlg hash) {
  using crypto::SignatureAlgorithm;
  if (hash != crypto::HashAlg::sha256 && hash != crypto::HashAlg::sha384) {
    throw_usage("certificates are signed with SHA-256 or SHA-384");
  }
  bool h384 = hash == crypto::HashAlg::sha384;
  switch (signer) {
    case crypto::KeyType::rsa:
      return h384 ? SignatureAlgorithm::rsa_pkcs1_sha384 : SignatureAlgorithm::rsa_pkcs1_sha256;
    case crypto::KeyType::dsa:
      if (h384) {
        throw_usage("DSA signs certificates with SHA-256 only (dsa-with-SHA256)");
      }
      return SignatureAlgorithm::dsa_sha256;
    case crypto::KeyType::ec:
      return h384 ? SignatureAlgorithm::ecdsa_sha384 : SignatureAlgorithm::ecdsa_sha256;
    case crypto::KeyType::dh:
      break;
  }
  throw_usage(
      "a DH key cannot sign: a DH certificate needs an issuer (--issuer-cert and --issuer-key)");
}

Certificate build_certificate(const CertificateSpec& spec, const crypto::PublicKey& subject_key,
                              const Certificate* issuer, const crypto::PrivateKey& signing_key,
                              crypto::Rng& rng) {
  if (spec.path_len && !spec.ca) {
    throw_usage("a path length constraint needs a CA certificate (--ca)");
  }
  if (spec.not_after <= spec.not_before) {
    throw_usage("the validity ends (" + format_time(spec.not_after) + ") before it starts (" +
                format_time(spec.not_before) + ")");
  }
  if (spec.subject.empty() && spec.subject_alt_names.empty()) {
    throw_usage("an empty subject needs subject alternative names (--san)");
  }
  if (spec.ca && subject_key.type == crypto::KeyType::dh) {
    throw_usage("a DH key cannot sign, so it cannot be a CA");
  }
  crypto::SignatureAlgorithm alg = certificate_signature_for(signing_key.type(), spec.hash);
  if (issuer) {
    if (!issuer->key) {
      throw_usage("the issuer certificate's key is not supported: " + issuer->key_error);
    }
    if (!(*issuer->key == signing_key.pub)) {
      throw_usage("the issuer key does not match the issuer certificate");
    }
  } else if (!(signing_key.pub == subject_key)) {
    throw_usage("a self-signed certificate must be signed by its own key");
  }
  Bytes spki = encode_spki(subject_key);
  Bytes ski = key_identifier(spki);
  Bytes aki =
      issuer ? (issuer->subject_key_id ? *issuer->subject_key_id : key_identifier(issuer->spki))
             : ski;
  Bytes serial = spec.serial.empty() ? random_serial(rng) : spec.serial;
  Bytes subject_der = encode_name(spec.subject);
  Bytes issuer_der = issuer ? issuer->subject_der : subject_der;
  std::uint16_t ku =
      spec.key_usage ? *spec.key_usage : default_key_usage(subject_key.type, spec.ca);

  DerWriter tbs;
  tbs.sequence([&](DerWriter& t) {
    t.constructed(tag::context(0), [](DerWriter& v) { v.small_integer(2); });
    t.integer(serial);
    t.raw(encode_signature_algorithm(alg));
    t.raw(issuer_der);
    t.sequence([&](DerWriter& v) {
      v.raw(encode_time(spec.not_before));
      v.raw(encode_time(spec.not_after));
    });
    t.raw(subject_der);
    t.raw(spki);
    t.constructed(tag::context(3), [&](DerWriter& x) {
      x.sequence([&](DerWriter& exts) {
        DerWriter bc;
        bc.sequence([&](DerWriter& s) {
          if (spec.ca) {
            s.boolean(true);
            if (spec.path_len) {
              s.small_integer(*spec.path_len);
            }
          }
        });
        write_extension(exts, oid::kBasicConstraints, spec.ca, bc.data());
        DerWriter kuw;
        kuw.element(tag::kBitString, encode_key_usage_bits(ku));
        write_extension(exts, oid::kKeyUsage, true, kuw.data());
        if (spec.purpose != Purpose::any) {
          DerWriter eku;
          eku.sequence([&](DerWriter& s) {
            if (spec.purpose == Purpose::server || spec.purpose == Purpose::both) {
              s.oid(oid::kServerAuth);
            }
            if (spec.purpose == Purpose::client || spec.purpose == Purpose::both) {
              s.oid(oid::kClientAuth);
            }
          });
          write_extension(exts, oid::kExtKeyUsage, false, eku.data());
        }
        if (!spec.subject_alt_names.empty()) {
          DerWriter san;
          san.sequence([&](DerWriter& s) {
            for (const GeneralName& n : spec.subject_alt_names) {
              s.element(n.tag, n.value);
            }
          });
          write_extension(exts, oid::kSubjectAltName, spec.subject.empty(), san.data());
        }
        DerWriter skiw;
        skiw.octet_string(ski);
        write_extension(exts, oid::kSubjectKeyIdentifier, false, skiw.data());
        DerWriter akiw;
        akiw.sequence([&](DerWriter& s) { s.element(tag::context(0, false), aki); });
        write_extension(exts, oid::kAuthorityKeyIdentifier, false, akiw.data());
      });
    });
  });
  Bytes tbs_der = tbs.take();
  Bytes signature = crypto::sign(signing_key, alg, tbs_der, rng);
  DerWriter cert;
  cert.sequence([&](DerWriter& c) {
    c.raw(tbs_der);
    c.raw(encode_signature_algorithm(alg));
    c.bit_string(signature);
  });
  return parse_certificate(cert.data());
}

}  // namespace hsk::pki
