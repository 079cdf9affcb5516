// hsk::pki testpki — the library side of `hsk gen-cert`: key specifications ("rsa:2048",
// "dsa:2048/256", "ec:P-256", "dh"), key generation from them, and the --test-pki set of keys,
// certificates and DH parameters a handshake demo needs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "crypto/crypto.hpp"
#include "pki/x509.hpp"

namespace hsk::pki {

// KeySpec is a parsed --key-type.
struct KeySpec {
  crypto::KeyType type = crypto::KeyType::rsa;
  unsigned bits = 2048;  // RSA |n|, DSA |p|
  unsigned q_bits = 0;   // DSA |q|
  crypto::Curve curve = crypto::Curve::p256;
};

// parse_key_spec reads "rsa[:BITS]" (1024, 2048, 3072, 4096; default 2048),
// "dsa[:BITS[/QBITS]]" (1024/160, 2048/224, 2048/256, 3072/256; QBITS defaults to 160, 224,
// 256 for 1024, 2048, 3072 as OpenSSL does; BITS defaults to 2048), "ec[:CURVE]" (P-256 or
// P-384, also spelt prime256v1, secp256r1, secp384r1; default P-256) or "dh".
// Throws hsk::Error(usage).
KeySpec parse_key_spec(std::string_view text);

// generate_key makes a key per `spec`. For dh, `dh_params` and `dh_oid` say which domain
// (generate_dh), and must be given. Throws hsk::Error(usage).
crypto::PrivateKey generate_key(const KeySpec& spec, crypto::Rng& rng,
                                const crypto::DhParams* dh_params = nullptr,
                                crypto::DhOid dh_oid = crypto::DhOid::dh_public_number);

// dsa_key_on returns a new DSA key pair on the domain parameters of `domain` (x uniform in
// [1, q-1], y = g^x mod p): cheap, where generate_dsa makes fresh parameters each time.
crypto::PrivateKey dsa_key_on(const crypto::PublicKey& domain, crypto::Rng& rng);

// TestPkiFile describes one file make_test_pki wrote.
struct TestPkiFile {
  std::string name;         // e.g. "server-rsa.pem"
  std::string description;  // e.g. "RSA 2048 server certificate, issued by ca.pem"
};

struct TestPkiOptions {
  UnixTime not_before = 0;
  UnixTime not_after = 0;
  bool force = false;  // overwrite existing files
};

// make_test_pki creates `dir` (and its parents) if needed and writes into it:
//   ca.pem/ca.key                 RSA 2048 self-signed CA "CN=hsk test CA,O=hsk,C=XX"
//   dsa-ca.pem/dsa-ca.key         DSA 2048/256 self-signed CA "CN=hsk test DSA CA,O=hsk,C=XX"
//   server-rsa.pem/.key           RSA 2048, issued by ca.pem
//   server-dsa.pem/.key           DSA 2048/256 (dsa-ca's domain), issued by ca.pem
//   server-ecdsa.pem/.key         EC P-256, issued by ca.pem
//   dh.pem                        RFC 7919 ffdhe2048, PKCS#3 "DH PARAMETERS"
//   dhx.pem                       the same group with q, X9.42 "X9.42 DH PARAMETERS"
//   server-dh-rsa.pem/.key        DH on dh.pem (dhKeyAgreement OID), issued by ca.pem (RSA)
//   server-dh-dss.pem/.key        DH on dhx.pem (dhpublicnumber OID), issued by dsa-ca.pem
//   client.pem/.key               RSA 2048 client certificate (purpose client), issued by ca.pem
//   client-ecdsa.pem/.key         EC P-256 client certificate (purpose client), issued by ca.pem
//   client-dsa.pem/.key           DSA 2048/256 (dsa-ca's domain) client certificate, issued by
//                                 ca.pem
//   client-dh.pem/.key            DH on dh.pem (dhKeyAgreement OID; the p and g of both
//                                 fixed-DH servers) client certificate for rsa_fixed_dh client
//                                 authentication, issued by ca.pem
// Servers carry SAN DNS:localhost,IP:127.0.0.1 and extendedKeyUsage serverAuth. Keys are
// PKCS#8 PEM, mode 0600; certificates and parameters 0644. Client certificates carry
// extendedKeyUsage clientAuth and no subjectAltName. The files are drawn from `rng` in the
// order listed, so a seed gives the earlier files the same bytes whatever comes after them. Without
// `force`, an existing file is an hsk::Error(usage) and nothing is written. Returns the files in
// the order written.
std::vector<TestPkiFile> make_test_pki(const std::string& dir, crypto::Rng& rng,
                                       const TestPkiOptions& options);

}  // namespace hsk::pki
