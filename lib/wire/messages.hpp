// hsk::wire handshake messages of TLS 1.0–1.2 (RFC 5246 §7.4, RFC 4346, RFC 2246, RFC 8422,
// RFC 5077) plus ChangeCipherSpec and Alert. Each message is a plain struct with a decode
// that mirrors the RFC struct field by field through Reader (ending with expect_end) and an
// encode through Writer. decode(encode(m)) == m, and encode(decode(b)) == b for valid b.
//
// decode_* take a Reader over the message body (not the 4-byte handshake header) and throw
// hsk::Error (malformed, with the alert a TLS stack would send) on bad input. Each renames
// its reader after the RFC struct (set_context), so an error reads, for example,
// "offset 118: ServerKeyExchange: dh_p: length 0 is below the minimum 1".
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hsk/bytes.hpp"
#include "wire/reader.hpp"
#include "wire/record.hpp"
#include "wire/registry.hpp"
#include "wire/writer.hpp"

namespace hsk::wire {

using Random = std::array<std::uint8_t, 32>;

// Extension is kept raw (type + extension_data); typed views live in extensions.hpp.
struct Extension {
  std::uint16_t type = 0;
  Bytes data;
  std::optional<std::uint32_t> length_override;  // encode only
  std::size_t offset = 0;  // decode only: absolute offset of extension_type (data at offset + 4)
  bool operator==(const Extension& o) const { return type == o.type && data == o.data; }
};

// decode_extensions reads the extensions block <0..2^16-1> (RFC 5246 §7.4.1.4), each
// extension_data <0..2^16-1>, and fills Extension::offset from the reader's absolute offsets.
// A type that appears twice fails with illegal_parameter at the second one (RFC 5246
// §7.4.1.4: "MUST NOT be more than one extension of the same type").
std::vector<Extension> decode_extensions(Reader& r);
void encode_extensions(Writer& w, const std::vector<Extension>& exts);

struct HelloRequest {
  bool operator==(const HelloRequest&) const = default;
};

struct ClientHello {
  std::uint16_t client_version = kTls12;
  Random random{};
  Bytes session_id;                         // <0..32>
  std::vector<std::uint16_t> cipher_suites; // <2..2^16-2>
  Bytes compression_methods{0};             // <1..2^8-1>
  std::optional<std::vector<Extension>> extensions;  // absent vs empty block is kept
  bool operator==(const ClientHello&) const = default;
};

struct ServerHello {
  std::uint16_t server_version = kTls12;
  Random random{};
  Bytes session_id;  // <0..32>
  std::uint16_t cipher_suite = 0;
  std::uint8_t compression_method = 0;
  std::optional<std::vector<Extension>> extensions;
  bool operator==(const ServerHello&) const = default;
};

struct Certificate {
  std::vector<Bytes> certificate_list;  // each ASN.1Cert <1..2^24-1>; list <0..2^24-1>
  bool operator==(const Certificate&) const = default;
};

// DigitallySigned (RFC 5246 §4.7): the SignatureAndHashAlgorithm is present only in TLS 1.2.
struct DigitallySigned {
  std::optional<std::uint16_t> algorithm;  // hash << 8 | signature, i.e. a SignatureScheme code
  Bytes signature;                         // <0..2^16-1>
  bool operator==(const DigitallySigned&) const = default;
};
DigitallySigned decode_digitally_signed(Reader& r, std::uint16_t version);
void encode_digitally_signed(Writer& w, const DigitallySigned& s);

struct ServerDhParams {
  Bytes dh_p;   // <1..2^16-1>
  Bytes dh_g;   // <1..2^16-1>
  Bytes dh_Ys;  // <1..2^16-1>
  bool operator==(const ServerDhParams&) const = default;
};

struct ServerEcdhParams {
  std::uint8_t curve_type = 3;       // named_curve (RFC 8422 §5.4); others are not supported
  std::uint16_t named_curve = 0;
  Bytes point;                       // <1..2^8-1>
  bool operator==(const ServerEcdhParams&) const = default;
};

struct ServerRsaParams {             // RSA_EXPORT (RFC 2246 §7.4.3)
  Bytes rsa_modulus;                 // <1..2^16-1>
  Bytes rsa_exponent;                // <1..2^16-1>
  bool operator==(const ServerRsaParams&) const = default;
};

// Which form a key exchange body took; `raw` when the suite is unknown or its form is not
// modelled (PSK, SRP, ...): then `raw` (or ClientKeyExchange::value) holds the body and
// kex_raw_reason() says why.
enum class KexForm : std::uint8_t { raw, rsa, dh, ecdh, dh_implicit, ecdh_implicit };

struct ServerKeyExchange {
  KexForm form = KexForm::raw;
  ServerDhParams dh;
  ServerEcdhParams ecdh;
  ServerRsaParams rsa;
  std::optional<DigitallySigned> signature;  // absent for anonymous suites
  Bytes raw;
  bool operator==(const ServerKeyExchange&) const = default;
};

// KexContext is what the forms of ServerKeyExchange, ClientKeyExchange, CertificateRequest
// and CertificateVerify depend on: the negotiated version and cipher suite.
struct KexContext {
  std::optional<std::uint16_t> version;       // negotiated (ServerHello.server_version)
  std::optional<std::uint16_t> cipher_suite;  // negotiated (ServerHello.cipher_suite)
};

// decode_server_key_exchange picks the form from ctx.cipher_suite: DHE -> dh + signature,
// DH_anon -> dh, ECDHE -> ecdh + signature, ECDH_anon -> ecdh, RSA_EXPORT -> rsa + signature.
// Without a known suite, or for suites whose form is not modelled (and for RSA and fixed
// DH/ECDH suites, which send no ServerKeyExchange), returns form raw. The signature carries
// its algorithm when ctx.version >= TLS 1.2; a missing ctx.version counts as TLS 1.2. An
// ECParameters curve_type other than named_curve fails with illegal_parameter.
ServerKeyExchange decode_server_key_exchange(Reader& r, const KexContext& ctx);
void encode_server_key_exchange(Writer& w, const ServerKeyExchange& m);
// server_params_bytes returns the exact params bytes of a received body (what the signature
// covers after the randoms), for verification against the received bytes: a view into
// `body`, empty for the raw form. Throws like decode_server_key_exchange on bad params.
ByteView server_params_bytes(ByteView body, const KexContext& ctx);

// kex_raw_reason says why ServerKeyExchange (msg_type 12) or ClientKeyExchange (16) decodes
// to form raw under ctx, e.g. "no cipher suite negotiated"; "" when the form is modelled.
std::string kex_raw_reason(std::uint8_t msg_type, const KexContext& ctx);

struct CertificateRequest {
  Bytes certificate_types;                                   // <1..2^8-1>
  std::optional<std::vector<std::uint16_t>> signature_algorithms;  // TLS 1.2 only, <2..2^16-2>
  std::vector<Bytes> certificate_authorities;                // DistinguishedName <1..2^16-1>, list <0..2^16-1>
  bool operator==(const CertificateRequest&) const = default;
};
CertificateRequest decode_certificate_request(Reader& r, std::uint16_t version);
void encode_certificate_request(Writer& w, const CertificateRequest& m);

struct ServerHelloDone {
  bool operator==(const ServerHelloDone&) const = default;
};

struct CertificateVerify {
  DigitallySigned signature;
  bool operator==(const CertificateVerify&) const = default;
};

struct ClientKeyExchange {
  KexForm form = KexForm::raw;
  // rsa: EncryptedPreMasterSecret (with its 2-byte length from TLS 1.0 on, bare in SSL 3.0);
  // dh: dh_Yc <1..2^16-1>; ecdh: ecdh_Yc <1..2^8-1>; *_implicit: empty body; raw: the body.
  Bytes value;
  bool ssl3 = false;  // rsa only: SSL 3.0 form without the length prefix
  bool operator==(const ClientKeyExchange&) const = default;
};
// decode_client_key_exchange: RSA suites -> rsa; DH suites -> dh (dh_implicit when the
// body is empty and the suite is fixed DH); ECDH suites -> ecdh (ecdh_implicit likewise).
// ctx.version == SSL 3.0 selects the bare RSA form (ssl3). Unknown suites -> raw.
ClientKeyExchange decode_client_key_exchange(Reader& r, const KexContext& ctx);
void encode_client_key_exchange(Writer& w, const ClientKeyExchange& m);

struct Finished {
  Bytes verify_data;  // 12 bytes for every TLS 1.0–1.2 suite hsk knows; any length accepted
  bool operator==(const Finished&) const = default;
};

struct NewSessionTicket {  // RFC 5077 §3.3
  std::uint32_t ticket_lifetime_hint = 0;
  Bytes ticket;            // <0..2^16-1>
  bool operator==(const NewSessionTicket&) const = default;
};

// CertificateStatus (RFC 6066 §8), sent after Certificate when the server staples OCSP.
struct CertificateStatus {
  std::uint8_t status_type = 1;  // ocsp
  Bytes response;                // ocsp: OCSPResponse <1..2^24-1>
  Bytes raw;                     // other status types: the rest of the body, raw
  bool operator==(const CertificateStatus&) const = default;
};
CertificateStatus decode_certificate_status(Reader& r);
void encode_certificate_status(Writer& w, const CertificateStatus& m);

struct ChangeCipherSpec {
  std::uint8_t type = 1;
  bool operator==(const ChangeCipherSpec&) const = default;
};
// decode_change_cipher_spec: a type other than change_cipher_spec(1) fails with illegal_parameter.
ChangeCipherSpec decode_change_cipher_spec(Reader& r);
void encode_change_cipher_spec(Writer& w, const ChangeCipherSpec& m);

struct Alert {
  std::uint8_t level = 2;
  std::uint8_t description = 0;
  bool operator==(const Alert&) const = default;
};
// decode_alert reads one Alert; a level other than warning(1)/fatal(2) fails with
// illegal_parameter. Descriptions are open values.
Alert decode_alert(Reader& r);
void encode_alert(Writer& w, const Alert& m);

HelloRequest decode_hello_request(Reader& r);
void encode_hello_request(Writer& w, const HelloRequest& m);
ClientHello decode_client_hello(Reader& r);
void encode_client_hello(Writer& w, const ClientHello& m);
ServerHello decode_server_hello(Reader& r);
void encode_server_hello(Writer& w, const ServerHello& m);
Certificate decode_certificate(Reader& r);
void encode_certificate(Writer& w, const Certificate& m);
ServerHelloDone decode_server_hello_done(Reader& r);
void encode_server_hello_done(Writer& w, const ServerHelloDone& m);
CertificateVerify decode_certificate_verify(Reader& r, std::uint16_t version);
void encode_certificate_verify(Writer& w, const CertificateVerify& m);
Finished decode_finished(Reader& r);
void encode_finished(Writer& w, const Finished& m);
NewSessionTicket decode_new_session_ticket(Reader& r);
void encode_new_session_ticket(Writer& w, const NewSessionTicket& m);

// message_name returns the RFC struct name for a handshake type ("ClientHello", ...), or "".
std::string_view message_name(std::uint8_t msg_type);

}  // namespace hsk::wire
