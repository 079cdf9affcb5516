// hsk::wire typed extension bodies. Each decode_* takes a Reader over extension_data (start
// it at Extension::offset + 4 for absolute offsets), renames it "extension <name>", reads the
// RFC struct with its <min..max> bounds and ends with expect_end; each encode_* writes
// extension_data. Unknown types and GREASE values are never decoded here: they stay raw in
// Extension::data and round-trip as is. Besides decode_error for bad framing, these fail
// with illegal_parameter: two names of one name_type in server_name (RFC 6066 §3), two
// KeyShareEntry for one group (RFC 8446 §4.2.8), a record_size_limit below 64 (RFC 8449 §4).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hsk/bytes.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace hsk::wire {

enum class ExtensionType : std::uint16_t {
  server_name = 0,
  status_request = 5,
  supported_groups = 10,
  ec_point_formats = 11,
  signature_algorithms = 13,
  application_layer_protocol_negotiation = 16,
  padding = 21,
  encrypt_then_mac = 22,
  extended_master_secret = 23,
  record_size_limit = 28,
  session_ticket = 35,
  supported_versions = 43,
  psk_key_exchange_modes = 45,
  key_share = 51,
  renegotiation_info = 0xff01,
};

// Is this a direction in which the body shape differs (supported_versions, key_share)?
enum class ExtensionOrigin : std::uint8_t { client_hello, server_hello };

struct ServerName {           // RFC 6066 §3
  std::uint8_t name_type = 0; // host_name; other types kept as opaque <1..2^16-1>
  Bytes name;
  bool operator==(const ServerName&) const = default;
};
struct ServerNameList {
  std::vector<ServerName> server_name_list;  // <1..2^16-1>; empty data (server echo) allowed
  bool empty_body = false;                   // the server's empty acknowledgement
  bool operator==(const ServerNameList&) const = default;
};

struct NamedGroupList { std::vector<std::uint16_t> named_group_list; bool operator==(const NamedGroupList&) const = default; };  // <2..2^16-1>
struct EcPointFormatList { Bytes ec_point_format_list; bool operator==(const EcPointFormatList&) const = default; };          // <1..2^8-1>
struct SignatureSchemeList { std::vector<std::uint16_t> supported_signature_algorithms; bool operator==(const SignatureSchemeList&) const = default; };  // <2..2^16-2>
struct ProtocolNameList { std::vector<Bytes> protocol_name_list; bool operator==(const ProtocolNameList&) const = default; };  // <2..2^16-1>, each <1..2^8-1>
struct RenegotiationInfo { Bytes renegotiated_connection; bool operator==(const RenegotiationInfo&) const = default; };  // <0..255>
struct SessionTicketExt { Bytes ticket; bool operator==(const SessionTicketExt&) const = default; };  // the whole body, may be empty
struct StatusRequest {          // RFC 6066 §8; empty body in ServerHello
  bool empty_body = false;
  std::uint8_t status_type = 1;  // ocsp
  std::vector<Bytes> responder_id_list;  // <0..2^16-1>, each <1..2^16-1>
  Bytes request_extensions;              // <0..2^16-1>
  Bytes raw;                             // status_type other than ocsp: the rest, raw
  bool operator==(const StatusRequest&) const = default;
};
struct Padding { Bytes padding; bool operator==(const Padding&) const = default; };  // normally zeros
struct RecordSizeLimit { std::uint16_t record_size_limit = 0; bool operator==(const RecordSizeLimit&) const = default; };
struct SupportedVersions {  // client: <2..254> list; server: one version
  std::vector<std::uint16_t> versions;
  bool operator==(const SupportedVersions&) const = default;
};
struct KeyShareEntry { std::uint16_t group = 0; Bytes key_exchange; bool operator==(const KeyShareEntry&) const = default; };  // <1..2^16-1>
// client: client_shares <0..2^16-1>; server: one entry, or (a 2-byte body) the
// HelloRetryRequest's selected_group. encode writes selected_group if set, else server_share
// if set, else client_shares.
struct KeyShare {
  std::vector<KeyShareEntry> client_shares;
  std::optional<KeyShareEntry> server_share;
  std::optional<std::uint16_t> selected_group;
  bool operator==(const KeyShare&) const = default;
};
struct PskKeyExchangeModes { Bytes ke_modes; bool operator==(const PskKeyExchangeModes&) const = default; };  // <1..255>

ServerNameList decode_server_name(Reader& r);
void encode_server_name(Writer& w, const ServerNameList& v);
NamedGroupList decode_supported_groups(Reader& r);
void encode_supported_groups(Writer& w, const NamedGroupList& v);
EcPointFormatList decode_ec_point_formats(Reader& r);
void encode_ec_point_formats(Writer& w, const EcPointFormatList& v);
SignatureSchemeList decode_signature_algorithms(Reader& r);
void encode_signature_algorithms(Writer& w, const SignatureSchemeList& v);
ProtocolNameList decode_alpn(Reader& r);
void encode_alpn(Writer& w, const ProtocolNameList& v);
RenegotiationInfo decode_renegotiation_info(Reader& r);
void encode_renegotiation_info(Writer& w, const RenegotiationInfo& v);
SessionTicketExt decode_session_ticket(Reader& r);
void encode_session_ticket(Writer& w, const SessionTicketExt& v);
StatusRequest decode_status_request(Reader& r);
void encode_status_request(Writer& w, const StatusRequest& v);
Padding decode_padding(Reader& r);
void encode_padding(Writer& w, const Padding& v);
RecordSizeLimit decode_record_size_limit(Reader& r);
void encode_record_size_limit(Writer& w, const RecordSizeLimit& v);
SupportedVersions decode_supported_versions(Reader& r, ExtensionOrigin origin);
void encode_supported_versions(Writer& w, const SupportedVersions& v, ExtensionOrigin origin);
KeyShare decode_key_share(Reader& r, ExtensionOrigin origin);
void encode_key_share(Writer& w, const KeyShare& v);
PskKeyExchangeModes decode_psk_key_exchange_modes(Reader& r);
void encode_psk_key_exchange_modes(Writer& w, const PskKeyExchangeModes& v);
// extended_master_secret and encrypt_then_mac have empty bodies: decode_empty checks that.
void decode_empty(Reader& r);

}  // namespace hsk::wire
