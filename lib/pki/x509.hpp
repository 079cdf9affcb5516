// hsk::pki X.509 — certificates (RFC 5280): a model, a parser that keeps the exact bytes that
// were signed, a builder that signs, distinguished names to and from RFC 4514 strings, the
// extensions hsk writes and checks, and certificate times.
//
// Parsing is strict DER through pki::DerReader: every malformed certificate throws
// hsk::Error(malformed, alert bad_certificate) with the offset and field; nothing is
// re-encoded before a signature check (TBSCertificate is kept byte for byte, STYLE.md habit 5).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/crypto.hpp"
#include "hsk/bytes.hpp"

namespace hsk::pki {

// ---------------------------------------------------------------------------------------
// Times (RFC 5280 §4.1.2.5). A time is seconds since 1970-01-01T00:00:00Z (UTC, no leap
// seconds), as a signed 64-bit count.

using UnixTime = std::int64_t;

// now_utc is the current time.
UnixTime now_utc();

// parse_time reads a time a user typed: RFC 3339 ("2030-01-31T12:00:00Z",
// "2030-01-31T12:00:00+02:00", fractional seconds dropped), a date alone ("2030-01-31",
// midnight UTC), YYYYMMDDHHMMSSZ (GeneralizedTime), or "@SECONDS" since the epoch (what
// `openssl verify -attime` takes). Years 0001-9999. Throws hsk::Error(usage) naming `what`.
UnixTime parse_time(std::string_view text, std::string_view what = "time");

// format_time prints "2030-01-31T12:00:00Z" (RFC 3339, UTC).
std::string format_time(UnixTime t);

// civil_from_unix / unix_from_civil convert between a time and its UTC calendar fields
// (proleptic Gregorian). unix_from_civil does not validate the fields.
struct CivilTime {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
  bool operator==(const CivilTime&) const = default;
};
CivilTime civil_from_unix(UnixTime t);
UnixTime unix_from_civil(const CivilTime& c);

// encode_time writes a certificate time: UTCTime YYMMDDHHMMSSZ for 1950-2049, GeneralizedTime
// YYYYMMDDHHMMSSZ otherwise (RFC 5280 §4.1.2.5). Throws hsk::Error(usage) outside 0001-9999.
Bytes encode_time(UnixTime t);

// ---------------------------------------------------------------------------------------
// Distinguished names (RFC 5280 §4.1.2.4, RFC 4514).

// NameAttribute is one AttributeTypeAndValue: the type OID, the ASN.1 string tag of the value
// and its content bytes as encoded (UTF-8 for UTF8String; BMPString/UniversalString are kept
// raw and converted only for display).
struct NameAttribute {
  std::string oid;
  std::uint8_t tag = 0x0c;
  Bytes value;
  bool operator==(const NameAttribute&) const = default;
};

// Rdn is one RelativeDistinguishedName (usually a single attribute; several for "A=x+B=y").
struct Rdn {
  std::vector<NameAttribute> attributes;
  bool operator==(const Rdn&) const = default;
};

// Name is an RDNSequence in DER order (the country first, the common name last in usual
// names; the RFC 4514 string lists them the other way round).
struct Name {
  std::vector<Rdn> rdns;
  bool operator==(const Name&) const = default;
  bool empty() const { return rdns.empty(); }
};

// parse_name reads an RFC 4514 string, e.g. "CN=hsk test CA,O=hsk,C=XX". Types: CN, O, OU,
// C, ST, L, street, title, GN, SN, UID, DC, serialNumber, emailAddress (case-insensitive, also
// their long names) or a dotted OID. Escapes: "\," "\+" "\"" "\\" "\<" "\>" "\;" "\=" "\#"
// "\ " and "\XX" hex bytes; "+" joins a multi-valued RDN; unescaped spaces around types and
// values are dropped; "" is the empty name. Value types follow OpenSSL: C and serialNumber
// PrintableString (C exactly two letters), DC and emailAddress IA5String, others UTF8String.
// Throws hsk::Error(usage) naming the problem (unknown type, bad escape, empty value,
// value longer than RFC 5280's upper bound).
Name parse_name(std::string_view text);

// name_to_string prints RFC 4514 (what `openssl ... -nameopt RFC2253` prints for ASCII names):
// the last RDN first, ",", "+" inside an RDN, short names where known, escaping ,+"\<>; and
// a leading '#' or space or trailing space; unknown types as dotted OID and #hex of the DER
// value. Non-ASCII text is printed as UTF-8.
std::string name_to_string(const Name& name);

// attribute_text is a value as UTF-8 text (BMPString and UniversalString converted, other
// strings taken as they are).
std::string attribute_text(const NameAttribute& a);

// encode_name writes the Name's DER (RDNs in order; attributes of a multi-valued RDN sorted
// by their DER encoding, as DER's SET OF requires).
Bytes encode_name(const Name& name);

// decode_name reads a DER Name (the whole input). Throws hsk::Error(malformed).
Name decode_name(ByteView der, std::size_t base_offset = 0);

// names_match compares two names as RFC 5280 §7.1 asks for chain building: same RDN
// structure and types; string values equal after removing leading and trailing spaces,
// folding runs of spaces to one and ASCII case folding.
bool names_match(const Name& a, const Name& b);

// ---------------------------------------------------------------------------------------
// Extensions (RFC 5280 §4.2).

// Extension is one extension as read: its OID, criticality and the extnValue contents (the
// DER of the extension's own structure). `offset` is where the extnValue contents start
// (absolute, in the certificate's DER).
struct Extension {
  std::string oid;
  bool critical = false;
  Bytes value;
  std::size_t offset = 0;
  bool operator==(const Extension&) const = default;
};

struct BasicConstraints {
  bool ca = false;
  std::optional<std::uint64_t> path_len;
  bool operator==(const BasicConstraints&) const = default;
};

// KeyUsage bits, numbered as RFC 5280 §4.2.1.3 numbers them: bit n of the mask is
// KeyUsage bit n.
namespace key_usage {
constexpr std::uint16_t kDigitalSignature = 1u << 0;
constexpr std::uint16_t kNonRepudiation = 1u << 1;  // contentCommitment
constexpr std::uint16_t kKeyEncipherment = 1u << 2;
constexpr std::uint16_t kDataEncipherment = 1u << 3;
constexpr std::uint16_t kKeyAgreement = 1u << 4;
constexpr std::uint16_t kKeyCertSign = 1u << 5;
constexpr std::uint16_t kCrlSign = 1u << 6;
constexpr std::uint16_t kEncipherOnly = 1u << 7;
constexpr std::uint16_t kDecipherOnly = 1u << 8;
}  // namespace key_usage

// key_usage_names lists the set bits as RFC 5280 names them ("digitalSignature", ...).
std::vector<std::string> key_usage_names(std::uint16_t mask);
// parse_key_usage reads a comma-separated list of those names (case-insensitive; OpenSSL's
// spellings such as "keyCertSign", "cRLSign", "nonRepudiation" too). Throws hsk::Error(usage).
std::uint16_t parse_key_usage(std::string_view list);

// GeneralName (RFC 5280 §4.2.1.6): the kinds hsk writes are dns, ip, email and uri; any other
// is kept as `other` with its tag.
struct GeneralName {
  enum class Kind { email, dns, uri, ip, directory, other };
  Kind kind = Kind::dns;
  std::uint8_t tag = 0x82;  // the context tag as encoded
  Bytes value;              // IA5String text, the 4 or 16 address bytes, or the raw content
  bool operator==(const GeneralName&) const = default;
};

// parse_general_names reads "DNS:localhost,IP:127.0.0.1,IP:::1,email:a@b,URI:https://x" (a
// comma-separated list; the type is case-insensitive). Throws hsk::Error(usage).
std::vector<GeneralName> parse_general_names(std::string_view list);
// general_name_to_string prints "DNS:localhost", "IP Address:127.0.0.1", "email:a@b",
// "URI:...", "DirName:CN=..." (RFC 4514), "othername:<tag 0xa0, N bytes>", with the prefixes
// `openssl x509 -text` uses; IPv6 addresses in the RFC 5952 short form ("IP Address:::1",
// where OpenSSL 3.0 prints "0:0:0:0:0:0:0:1").
std::string general_name_to_string(const GeneralName& n);

// Purposes for extendedKeyUsage and the chain check.
enum class Purpose { any, server, client, both };

// ---------------------------------------------------------------------------------------
// Certificates.

// Certificate is a parsed certificate. Byte fields own their data. `tbs` is the exact
// TBSCertificate encoding that was read (what the signature covers).
struct Certificate {
  Bytes der;                      // the whole Certificate
  Bytes tbs;                      // TBSCertificate as received
  int version = 1;                // 1, 2 or 3 (the encoded value + 1)
  Bytes serial;                   // INTEGER content bytes (two's complement, as encoded)
  Bytes tbs_signature_algorithm;  // AlgorithmIdentifier inside TBSCertificate (DER)
  Name issuer;
  Name subject;
  Bytes issuer_der;  // the issuer Name as encoded
  Bytes subject_der;
  UnixTime not_before = 0;
  UnixTime not_after = 0;
  Bytes spki;                            // SubjectPublicKeyInfo as encoded
  std::string key_algorithm;             // its algorithm OID
  Bytes subject_public_key;              // the subjectPublicKey BIT STRING contents
  std::optional<crypto::PublicKey> key;  // absent when the key type is not supported
  std::string key_error;                 // why `key` is absent
  std::vector<Extension> extensions;
  Bytes signature_algorithm;  // the outer AlgorithmIdentifier (DER)
  Bytes signature;            // signatureValue BIT STRING contents

  // Decoded extensions (absent when the certificate has no such extension).
  std::optional<BasicConstraints> basic_constraints;
  std::optional<std::uint16_t> key_usage;
  std::optional<std::vector<std::string>> ext_key_usage;  // OIDs
  std::vector<GeneralName> subject_alt_names;
  std::optional<Bytes> subject_key_id;
  std::optional<Bytes> authority_key_id;  // the keyIdentifier of AuthorityKeyIdentifier

  // find_extension returns the extension with `oid`, or nullptr.
  const Extension* find_extension(std::string_view oid) const;
  // serial_hex is the serial as `openssl x509 -serial` prints it (uppercase hex, "-" when
  // negative). key_description is e.g. "RSA 2048", "EC P-256", "DSA 2048/256",
  // "DH 2048 (X9.42)", or "unsupported (OID)".
  std::string serial_hex() const;
  std::string key_description() const;
  // self_issued: subject matches issuer and, when both key identifiers are present, they
  // agree (what OpenSSL treats as self-signed when building chains).
  bool self_issued() const;
};

// parse_certificate reads exactly one DER Certificate (nothing may follow). Unsupported key
// types and unknown extensions are kept, not rejected; a malformed known extension, a
// duplicate extension, or extensions in a v1/v2 certificate are malformed.
// Throws hsk::Error(malformed).
Certificate parse_certificate(ByteView der);

// read_certificates reads every "CERTIFICATE" block of PEM text (other blocks are skipped) or
// one DER certificate. Throws hsk::Error(malformed) when there is none ("no CERTIFICATE
// block; found PRIVATE KEY"), or when any certificate is malformed. `input` names the source in
// errors. load_certificates reads a file ("-" for stdin) first (hsk::Error(io) when it cannot).
std::vector<Certificate> read_certificates(ByteView data, const std::string& input = {});
std::vector<Certificate> load_certificates(const std::string& path);

// certificate_pem is the PEM "CERTIFICATE" block of cert.der.
std::string certificate_pem(const Certificate& cert);

// certificate_signature_algorithm decodes the outer signatureAlgorithm; nullopt when hsk
// does not support it. signature_algorithm_description names it ("sha256WithRSAEncryption",
// "ecdsa-with-SHA384", ... or the OID).
std::optional<crypto::SignatureAlgorithm> certificate_signature_algorithm(const Certificate& cert);
std::string signature_algorithm_description(const Certificate& cert);

// key_identifier is the RFC 5280 §4.2.1.2 method (1) identifier: SHA-1 of the
// subjectPublicKey BIT STRING contents of `spki_der`.
Bytes key_identifier(ByteView spki_der);

// ---------------------------------------------------------------------------------------
// Building.

// CertificateSpec is what a new certificate says. Unset key_usage means the default for the
// key type and role (default_key_usage).
struct CertificateSpec {
  Name subject;
  std::vector<GeneralName> subject_alt_names;
  UnixTime not_before = 0;
  UnixTime not_after = 0;
  Bytes serial;  // magnitude; empty: random_serial
  bool ca = false;
  std::optional<std::uint64_t> path_len;  // CAs only
  std::optional<std::uint16_t> key_usage;
  Purpose purpose = Purpose::any;                  // any: no extendedKeyUsage extension
  crypto::HashAlg hash = crypto::HashAlg::sha256;  // sha256 or sha384
};

// default_key_usage: CA keyCertSign+cRLSign+digitalSignature; RSA leaf
// digitalSignature+keyEncipherment; DSA leaf digitalSignature; EC leaf
// digitalSignature+keyAgreement; DH keyAgreement.
std::uint16_t default_key_usage(crypto::KeyType type, bool ca);

// random_serial returns 16 random bytes with the top bit clear and a non-zero first byte: a
// positive 127/128-bit serial that encodes in exactly 16 content bytes.
Bytes random_serial(crypto::Rng& rng);

// certificate_signature_for picks the signature algorithm a key signs certificates with:
// sha256WithRSAEncryption / dsa-with-SHA256 / ecdsa-with-SHA256, or the SHA-384 ones for
// `hash` = sha384 (RSA and ECDSA only). Throws hsk::Error(usage) for a DH key ("a DH key
// cannot sign"), DSA with SHA-384, or another hash.
crypto::SignatureAlgorithm certificate_signature_for(crypto::KeyType signer, crypto::HashAlg hash);

// build_certificate makes a v3 certificate for `subject_key` per `spec`, signed by
// `signing_key`. `issuer` is the issuing certificate, or nullptr for a self-signed one (then
// signing_key must be the subject key's private half). Extensions, in this order:
// basicConstraints (critical with cA on CAs, with pathLen when given; CA:FALSE on others),
// keyUsage (critical), extendedKeyUsage (when spec.purpose is not any), subjectAltName
// (critical when the subject is empty), subjectKeyIdentifier, authorityKeyIdentifier
// (keyIdentifier: the issuer's subjectKeyIdentifier, or computed from its key).
// Returns the parsed result. Throws hsk::Error(usage) for inconsistent input (a path length
// without ca, validity that ends before it starts, an issuer key that does not match
// `issuer`, an empty subject without subject alternative names).
Certificate build_certificate(const CertificateSpec& spec, const crypto::PublicKey& subject_key,
                              const Certificate* issuer, const crypto::PrivateKey& signing_key,
                              crypto::Rng& rng);

}  // namespace hsk::pki
