#include "pki/der.hpp"

#include <cstdio>
#include <string>

#include "hsk/error.hpp"

namespace hsk::pki {

DerReader::DerReader(ByteView data, std::size_t base_offset, std::string context)
    : r_(data, base_offset, std::move(context)) {}

std::uint8_t DerReader::peek_tag() const { return r_.empty() ? 0 : r_.rest()[0]; }

void DerReader::fail(std::string_view field, std::string_view what) const {
  r_.fail(field, what, Error::kAlertBadCertificate);
}

DerElement DerReader::next(std::string_view field) {
  DerElement e;
  e.offset = r_.offset();
  ByteView start = r_.rest();
  e.tag = r_.u8(field);
  if ((e.tag & 0x1f) == 0x1f) {
    r_.fail_at(e.offset, field, "multi-byte tags are not supported", Error::kAlertBadCertificate);
  }
  std::uint8_t first = r_.u8(field);
  std::size_t len = 0;
  if (first < 0x80) {
    len = first;
  } else {
    std::size_t n = first & 0x7f;
    if (n == 0) {
      r_.fail_at(e.offset, field, "indefinite length is not DER", Error::kAlertBadCertificate);
    }
    if (n > 4) {
      r_.fail_at(e.offset, field, "length of " + std::to_string(n) + " bytes is too long",
                 Error::kAlertBadCertificate);
    }
    for (std::size_t i = 0; i < n; ++i) {
      len = len << 8 | r_.u8(field);
    }
    if (len < 0x80 || (n > 1 && (len >> (8 * (n - 1))) == 0)) {
      r_.fail_at(e.offset, field, "non-minimal length encoding", Error::kAlertBadCertificate);
    }
  }
  e.content = r_.take(len, field);
  e.encoded = start.first(r_.offset() - e.offset);
  return e;
}

DerElement DerReader::expect(std::uint8_t t, std::string_view field) {
  if (peek_tag() != t) {
    if (r_.empty()) {
      fail(field, "missing");
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "expected tag 0x%02x, found 0x%02x", t, peek_tag());
    fail(field, buf);
  }
  return next(field);
}

DerReader DerReader::enter(std::uint8_t t, std::string_view field) {
  DerElement e = expect(t, field);
  std::size_t header = e.encoded.size() - e.content.size();
  return DerReader(e.content, e.offset + header, r_.context());
}

Bytes DerReader::integer(std::string_view field) {
  DerElement e = expect(tag::kInteger, field);
  if (e.content.empty()) {
    r_.fail_at(e.offset, field, "empty INTEGER", Error::kAlertBadCertificate);
  }
  if (e.content[0] & 0x80) {
    r_.fail_at(e.offset, field, "negative INTEGER", Error::kAlertBadCertificate);
  }
  if (e.content.size() > 1 && e.content[0] == 0 && !(e.content[1] & 0x80)) {
    r_.fail_at(e.offset, field, "non-minimal INTEGER", Error::kAlertBadCertificate);
  }
  ByteView v = e.content;
  if (v.size() > 1 && v[0] == 0) {
    v = v.subspan(1);
  }
  return Bytes(v.begin(), v.end());
}

std::uint64_t DerReader::small_integer(std::string_view field) {
  std::size_t at = r_.offset();
  Bytes v = integer(field);
  if (v.size() > 8) {
    r_.fail_at(at, field, "INTEGER too large", Error::kAlertBadCertificate);
  }
  std::uint64_t out = 0;
  for (std::uint8_t b : v) {
    out = out << 8 | b;
  }
  return out;
}

std::string DerReader::oid(std::string_view field) {
  DerElement e = expect(tag::kOid, field);
  if (e.content.empty() || (e.content.back() & 0x80)) {
    r_.fail_at(e.offset, field, "malformed OBJECT IDENTIFIER", Error::kAlertBadCertificate);
  }
  std::string out;
  std::uint64_t v = 0;
  bool first = true;
  for (std::size_t i = 0; i < e.content.size(); ++i) {
    std::uint8_t b = e.content[i];
    if (v == 0 && b == 0x80) {
      r_.fail_at(e.offset, field, "non-minimal OBJECT IDENTIFIER arc", Error::kAlertBadCertificate);
    }
    if (v >> 56) {
      r_.fail_at(e.offset, field, "OBJECT IDENTIFIER arc too large", Error::kAlertBadCertificate);
    }
    v = v << 7 | (b & 0x7f);
    if (!(b & 0x80)) {
      if (first) {
        std::uint64_t a = v < 40 ? 0 : v < 80 ? 1 : 2;
        out = std::to_string(a) + "." + std::to_string(v - 40 * a);
        first = false;
      } else {
        out += "." + std::to_string(v);
      }
      v = 0;
    }
  }
  return out;
}

Bytes DerReader::bit_string(std::string_view field) {
  DerElement e = expect(tag::kBitString, field);
  if (e.content.empty() || e.content[0] != 0) {
    r_.fail_at(e.offset, field, "BIT STRING with unused bits", Error::kAlertBadCertificate);
  }
  return Bytes(e.content.begin() + 1, e.content.end());
}

Bytes DerReader::octet_string(std::string_view field) {
  DerElement e = expect(tag::kOctetString, field);
  return Bytes(e.content.begin(), e.content.end());
}

bool DerReader::boolean(std::string_view field) {
  DerElement e = expect(tag::kBoolean, field);
  if (e.content.size() != 1 || (e.content[0] != 0 && e.content[0] != 0xff)) {
    r_.fail_at(e.offset, field, "BOOLEAN is not DER", Error::kAlertBadCertificate);
  }
  return e.content[0] == 0xff;
}

void DerReader::null(std::string_view field) {
  DerElement e = expect(tag::kNull, field);
  if (!e.content.empty()) {
    r_.fail_at(e.offset, field, "NULL with content", Error::kAlertBadCertificate);
  }
}

void DerReader::expect_end(std::string_view field) {
  if (!r_.empty()) {
    fail(field, std::to_string(r_.remaining()) + " unexpected trailing bytes");
  }
}

Bytes der_length(std::size_t n) {
  if (n < 0x80) {
    return Bytes{static_cast<std::uint8_t>(n)};
  }
  Bytes digits;
  while (n > 0) {
    digits.insert(digits.begin(), static_cast<std::uint8_t>(n & 0xff));
    n >>= 8;
  }
  digits.insert(digits.begin(), static_cast<std::uint8_t>(0x80 | digits.size()));
  return digits;
}

Bytes oid_to_der(std::string_view dotted) {
  std::vector<std::uint64_t> arcs;
  std::uint64_t v = 0;
  bool have = false;
  for (char c : dotted) {
    if (c == '.') {
      if (!have) {
        throw Error(ErrorKind::internal, "malformed OID " + std::string(dotted));
      }
      arcs.push_back(v);
      v = 0;
      have = false;
    } else if (c >= '0' && c <= '9') {
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
      have = true;
    } else {
      throw Error(ErrorKind::internal, "malformed OID " + std::string(dotted));
    }
  }
  if (!have || arcs.empty()) {
    throw Error(ErrorKind::internal, "malformed OID " + std::string(dotted));
  }
  arcs.push_back(v);
  Bytes out;
  auto put = [&out](std::uint64_t a) {
    Bytes tmp{static_cast<std::uint8_t>(a & 0x7f)};
    a >>= 7;
    while (a > 0) {
      tmp.insert(tmp.begin(), static_cast<std::uint8_t>(0x80 | (a & 0x7f)));
      a >>= 7;
    }
    out.insert(out.end(), tmp.begin(), tmp.end());
  };
  put(arcs[0] * 40 + arcs[1]);
  for (std::size_t i = 2; i < arcs.size(); ++i) {
    put(arcs[i]);
  }
  return out;
}

void DerWriter::raw(ByteView encoded) { out_.insert(out_.end(), encoded.begin(), encoded.end()); }

void DerWriter::element(std::uint8_t t, ByteView content) {
  out_.push_back(t);
  Bytes len = der_length(content.size());
  out_.insert(out_.end(), len.begin(), len.end());
  out_.insert(out_.end(), content.begin(), content.end());
}

void DerWriter::constructed(std::uint8_t t, const std::function<void(DerWriter&)>& body) {
  DerWriter inner;
  body(inner);
  element(t, inner.out_);
}

void DerWriter::integer(ByteView magnitude) {
  std::size_t i = 0;
  while (i + 1 < magnitude.size() && magnitude[i] == 0) {
    ++i;
  }
  Bytes v(magnitude.begin() + static_cast<std::ptrdiff_t>(i), magnitude.end());
  if (v.empty()) {
    v.push_back(0);
  }
  if (v[0] & 0x80) {
    v.insert(v.begin(), 0);
  }
  element(tag::kInteger, v);
}

void DerWriter::small_integer(std::uint64_t v) {
  Bytes b;
  do {
    b.insert(b.begin(), static_cast<std::uint8_t>(v & 0xff));
    v >>= 8;
  } while (v > 0);
  integer(b);
}

void DerWriter::oid(std::string_view dotted) { element(tag::kOid, oid_to_der(dotted)); }

void DerWriter::bit_string(ByteView bits) {
  Bytes c{0};
  c.insert(c.end(), bits.begin(), bits.end());
  element(tag::kBitString, c);
}

void DerWriter::boolean(bool v) { element(tag::kBoolean, Bytes{static_cast<std::uint8_t>(v ? 0xff : 0)}); }

void DerWriter::null() { element(tag::kNull, {}); }

}  // namespace hsk::pki
