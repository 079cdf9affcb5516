// hsk::pki DER — a bounds-checked reader and a writer for the DER subset X.509, PKCS#8 and
// DH parameters need (X.690). Every read goes through wire::Reader, so malformed input
// throws hsk::Error (malformed, alert bad_certificate or decode_error) with an offset.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "hsk/bytes.hpp"
#include "wire/reader.hpp"

namespace hsk::pki {

namespace tag {
constexpr std::uint8_t kBoolean = 0x01;
constexpr std::uint8_t kInteger = 0x02;
constexpr std::uint8_t kBitString = 0x03;
constexpr std::uint8_t kOctetString = 0x04;
constexpr std::uint8_t kNull = 0x05;
constexpr std::uint8_t kOid = 0x06;
constexpr std::uint8_t kUtf8String = 0x0c;
constexpr std::uint8_t kPrintableString = 0x13;
constexpr std::uint8_t kIa5String = 0x16;
constexpr std::uint8_t kUtcTime = 0x17;
constexpr std::uint8_t kGeneralizedTime = 0x18;
constexpr std::uint8_t kSequence = 0x30;
constexpr std::uint8_t kSet = 0x31;
constexpr std::uint8_t context(unsigned n, bool constructed = true) {
  return static_cast<std::uint8_t>(0x80 | (constructed ? 0x20 : 0) | n);
}
}  // namespace tag

// DerElement is one TLV as read: its tag, content, and the whole encoding (for signatures
// over exact received bytes, e.g. TBSCertificate).
struct DerElement {
  std::uint8_t tag = 0;
  ByteView content;
  ByteView encoded;
  std::size_t offset = 0;  // absolute offset of the tag byte
};

// DerReader reads consecutive TLVs. Only single-byte tags and definite lengths (DER) are
// accepted; a non-minimal length fails.
class DerReader {
 public:
  explicit DerReader(ByteView data, std::size_t base_offset = 0, std::string context = "DER");
  bool empty() const { return r_.empty(); }
  std::size_t offset() const { return r_.offset(); }
  // peek_tag returns the next tag, or 0 when empty.
  std::uint8_t peek_tag() const;
  // next reads any element; expect reads one of tag `t` (else malformed, naming `field`).
  DerElement next(std::string_view field);
  DerElement expect(std::uint8_t t, std::string_view field);
  // enter reads a constructed element of tag `t` and returns a reader over its content.
  DerReader enter(std::uint8_t t, std::string_view field);
  // Typed reads.
  Bytes integer(std::string_view field);          // big-endian magnitude, leading 0 stripped; negative fails
  std::uint64_t small_integer(std::string_view field);
  std::string oid(std::string_view field);        // dotted decimal, e.g. "1.2.840.113549.1.1.1"
  Bytes bit_string(std::string_view field);       // requires 0 unused bits
  Bytes octet_string(std::string_view field);
  bool boolean(std::string_view field);
  void null(std::string_view field);
  void expect_end(std::string_view field);
  [[noreturn]] void fail(std::string_view field, std::string_view what) const;

 private:
  wire::Reader r_;
};

// DerWriter builds DER. Constructed elements take a callback and patch their own length.
class DerWriter {
 public:
  void raw(ByteView encoded);  // an already-encoded element, written as is
  void element(std::uint8_t t, ByteView content);
  void constructed(std::uint8_t t, const std::function<void(DerWriter&)>& body);
  void sequence(const std::function<void(DerWriter&)>& body) { constructed(tag::kSequence, body); }
  void integer(ByteView magnitude);  // unsigned big-endian; adds a 0 byte when the top bit is set
  void small_integer(std::uint64_t v);
  void oid(std::string_view dotted);
  void bit_string(ByteView bits);    // 0 unused bits
  void octet_string(ByteView data) { element(tag::kOctetString, data); }
  void boolean(bool v);
  void null();
  const Bytes& data() const { return out_; }
  Bytes take() { return std::move(out_); }

 private:
  Bytes out_;
};

// encode_length / oid_to_der are exposed for tests.
Bytes der_length(std::size_t n);
Bytes oid_to_der(std::string_view dotted);

}  // namespace hsk::pki
