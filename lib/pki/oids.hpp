// hsk::pki::oid — object identifiers as dotted strings (what DerReader::oid returns and
// DerWriter::oid takes). Names follow the RFCs that define them; add what you need.
#pragma once

#include <string_view>

namespace hsk::pki::oid {

// Public-key algorithms (RFC 3279, RFC 5480).
constexpr std::string_view kRsaEncryption = "1.2.840.113549.1.1.1";
constexpr std::string_view kRsassaPss = "1.2.840.113549.1.1.10";  // RFC 4055
constexpr std::string_view kIdDsa = "1.2.840.10040.4.1";
constexpr std::string_view kIdEcPublicKey = "1.2.840.10045.2.1";
constexpr std::string_view kDhKeyAgreement = "1.2.840.113549.1.3.1";  // PKCS#3
constexpr std::string_view kDhPublicNumber = "1.2.840.10046.2.1";     // X9.42, RFC 3279 §2.3.3

// Named curves (RFC 5480 §2.1.1.1).
constexpr std::string_view kPrime256v1 = "1.2.840.10045.3.1.7";  // secp256r1, P-256
constexpr std::string_view kSecp384r1 = "1.3.132.0.34";          // P-384
constexpr std::string_view kSecp521r1 = "1.3.132.0.35";          // recognised, not supported

// Hashes (RFC 4055 §2.1, RFC 5754).
constexpr std::string_view kMd5 = "1.2.840.113549.2.5";
constexpr std::string_view kSha1 = "1.3.14.3.2.26";
constexpr std::string_view kSha224 = "2.16.840.1.101.3.4.2.4";
constexpr std::string_view kSha256 = "2.16.840.1.101.3.4.2.1";
constexpr std::string_view kSha384 = "2.16.840.1.101.3.4.2.2";
constexpr std::string_view kSha512 = "2.16.840.1.101.3.4.2.3";
constexpr std::string_view kMgf1 = "1.2.840.113549.1.1.8";

// Signature algorithms (RFC 3279, RFC 4055, RFC 5758).
constexpr std::string_view kMd5WithRsaEncryption = "1.2.840.113549.1.1.4";
constexpr std::string_view kSha1WithRsaEncryption = "1.2.840.113549.1.1.5";
constexpr std::string_view kSha256WithRsaEncryption = "1.2.840.113549.1.1.11";
constexpr std::string_view kSha384WithRsaEncryption = "1.2.840.113549.1.1.12";
constexpr std::string_view kSha512WithRsaEncryption = "1.2.840.113549.1.1.13";
constexpr std::string_view kSha224WithRsaEncryption = "1.2.840.113549.1.1.14";
constexpr std::string_view kDsaWithSha1 = "1.2.840.10040.4.3";
constexpr std::string_view kDsaWithSha224 = "2.16.840.1.101.3.4.3.1";
constexpr std::string_view kDsaWithSha256 = "2.16.840.1.101.3.4.3.2";
constexpr std::string_view kEcdsaWithSha1 = "1.2.840.10045.4.1";
constexpr std::string_view kEcdsaWithSha224 = "1.2.840.10045.4.3.1";
constexpr std::string_view kEcdsaWithSha256 = "1.2.840.10045.4.3.2";
constexpr std::string_view kEcdsaWithSha384 = "1.2.840.10045.4.3.3";
constexpr std::string_view kEcdsaWithSha512 = "1.2.840.10045.4.3.4";

// Name attributes (RFC 5280 §4.1.2.4, Appendix A; RFC 4519).
constexpr std::string_view kCommonName = "2.5.4.3";
constexpr std::string_view kSurname = "2.5.4.4";
constexpr std::string_view kSerialNumber = "2.5.4.5";
constexpr std::string_view kCountryName = "2.5.4.6";
constexpr std::string_view kLocalityName = "2.5.4.7";
constexpr std::string_view kStateOrProvinceName = "2.5.4.8";
constexpr std::string_view kStreetAddress = "2.5.4.9";
constexpr std::string_view kOrganizationName = "2.5.4.10";
constexpr std::string_view kOrganizationalUnitName = "2.5.4.11";
constexpr std::string_view kTitle = "2.5.4.12";
constexpr std::string_view kGivenName = "2.5.4.42";
constexpr std::string_view kDomainComponent = "0.9.2342.19200300.100.1.25";
constexpr std::string_view kUserId = "0.9.2342.19200300.100.1.1";
constexpr std::string_view kEmailAddress = "1.2.840.113549.1.9.1";  // PKCS#9, legacy in DNs

// Certificate extensions (RFC 5280 §4.2).
constexpr std::string_view kSubjectKeyIdentifier = "2.5.29.14";
constexpr std::string_view kKeyUsage = "2.5.29.15";
constexpr std::string_view kSubjectAltName = "2.5.29.17";
constexpr std::string_view kIssuerAltName = "2.5.29.18";
constexpr std::string_view kBasicConstraints = "2.5.29.19";
constexpr std::string_view kNameConstraints = "2.5.29.30";
constexpr std::string_view kCrlDistributionPoints = "2.5.29.31";
constexpr std::string_view kCertificatePolicies = "2.5.29.32";
constexpr std::string_view kAuthorityKeyIdentifier = "2.5.29.35";
constexpr std::string_view kExtKeyUsage = "2.5.29.37";
constexpr std::string_view kAuthorityInfoAccess = "1.3.6.1.5.5.7.1.1";

// Extended key usage purposes (RFC 5280 §4.2.1.12).
constexpr std::string_view kAnyExtendedKeyUsage = "2.5.29.37.0";
constexpr std::string_view kServerAuth = "1.3.6.1.5.5.7.3.1";
constexpr std::string_view kClientAuth = "1.3.6.1.5.5.7.3.2";
constexpr std::string_view kCodeSigning = "1.3.6.1.5.5.7.3.3";
constexpr std::string_view kEmailProtection = "1.3.6.1.5.5.7.3.4";
constexpr std::string_view kTimeStamping = "1.3.6.1.5.5.7.3.8";
constexpr std::string_view kOcspSigning = "1.3.6.1.5.5.7.3.9";

// PKCS#9 / PKCS#10 attributes (RFC 2985, RFC 2986).
constexpr std::string_view kExtensionRequest = "1.2.840.113549.1.9.14";
constexpr std::string_view kChallengePassword = "1.2.840.113549.1.9.7";

}  // namespace hsk::pki::oid
