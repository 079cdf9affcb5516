// hsk::wire typed extension bodies. Each decode_* names its reader after the extension
// ("extension server_name"), reads the RFC struct with its <min..max> bounds and ends with
// expect_end; each encode_* writes extension_data through Writer.
#include "wire/extensions.hpp"

#include <bitset>
#include <cstdio>
#include <string>

#include "hsk/error.hpp"

namespace hsk::wire {

namespace {

constexpr std::uint8_t kStatusTypeOcsp = 1;        // RFC 6066 §8
constexpr std::uint16_t kMinRecordSizeLimit = 64;  // RFC 8449 §4

std::string hex16(std::uint16_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04x", v);
  return buf;
}

// read_u16_list reads a vector of uint16 values with an N-byte length in [min, max]; an odd
// length fails with decode_error at the length field.
std::vector<std::uint16_t> read_u16_list(Reader& r, std::string_view field, int prefix_bytes,
                                         std::size_t min, std::size_t max) {
  std::size_t at = r.offset();
  Reader v = prefix_bytes == 1 ? r.vec8(field, min, max) : r.vec16(field, min, max);
  if (v.remaining() % 2 != 0) {
    r.fail_at(at, field,
              "odd length " + std::to_string(v.remaining()) + " for a list of 2-byte values");
  }
  std::vector<std::uint16_t> out;
  out.reserve(v.remaining() / 2);
  while (!v.empty()) {
    out.push_back(v.u16(field));
  }
  return out;
}

void write_u16_list(Writer& w, std::string_view field, int prefix_bytes,
                    const std::vector<std::uint16_t>& list) {
  auto body = [&](Writer& v) {
    for (std::uint16_t x : list) {
      v.u16(x);
    }
  };
  if (prefix_bytes == 1) {
    w.vec8(field, body);
  } else {
    w.vec16(field, body);
  }
}

// KeyShareEntry (RFC 8446 §4.2.8): NamedGroup group; opaque key_exchange<1..2^16-1>.
KeyShareEntry read_key_share_entry(Reader& r) {
  KeyShareEntry e;
  e.group = r.u16("group");
  e.key_exchange = r.opaque16("key_exchange", 1, 0xffff);
  return e;
}

void write_key_share_entry(Writer& w, const KeyShareEntry& e) {
  w.u16(e.group);
  w.opaque16("key_exchange", e.key_exchange);
}

}  // namespace

// ---- server_name (RFC 6066 §3) --------------------------------------------------------------

ServerNameList decode_server_name(Reader& r) {
  r.set_context("extension server_name");
  ServerNameList v;
  if (r.empty()) {
    v.empty_body = true;  // the server's acknowledgement (RFC 6066 §3)
    return v;
  }
  Reader list = r.vec16("server_name_list", 1, 0xffff);
  std::bitset<256> seen;
  while (!list.empty()) {
    ServerName n;
    std::size_t at = list.offset();
    n.name_type = list.u8("name_type");
    if (seen.test(n.name_type)) {
      list.fail_at(at, "name_type", "more than one name of type " + std::to_string(n.name_type),
                   Error::kAlertIllegalParameter);
    }
    seen.set(n.name_type);
    // host_name(0) is HostName <1..2^16-1>; other types are read with the same shape.
    n.name = list.opaque16(n.name_type == 0 ? "HostName" : "name", 1, 0xffff);
    v.server_name_list.push_back(std::move(n));
  }
  r.expect_end("");
  return v;
}

void encode_server_name(Writer& w, const ServerNameList& v) {
  if (v.empty_body) {
    return;
  }
  w.vec16("server_name_list", [&](Writer& list) {
    for (const ServerName& n : v.server_name_list) {
      list.u8(n.name_type);
      list.opaque16("HostName", n.name);
    }
  });
}

// ---- supported_groups, ec_point_formats (RFC 8422 §5.1) -------------------------------------

NamedGroupList decode_supported_groups(Reader& r) {
  r.set_context("extension supported_groups");
  NamedGroupList v;
  v.named_group_list = read_u16_list(r, "named_group_list", 2, 2, 0xffff);
  r.expect_end("");
  return v;
}

void encode_supported_groups(Writer& w, const NamedGroupList& v) {
  write_u16_list(w, "named_group_list", 2, v.named_group_list);
}

EcPointFormatList decode_ec_point_formats(Reader& r) {
  r.set_context("extension ec_point_formats");
  EcPointFormatList v;
  v.ec_point_format_list = r.opaque8("ec_point_format_list", 1, 0xff);
  r.expect_end("");
  return v;
}

void encode_ec_point_formats(Writer& w, const EcPointFormatList& v) {
  w.opaque8("ec_point_format_list", v.ec_point_format_list);
}

// ---- signature_algorithms (RFC 5246 §7.4.1.4.1, RFC 8446 §4.2.3) ----------------------------

SignatureSchemeList decode_signature_algorithms(Reader& r) {
  r.set_context("extension signature_algorithms");
  SignatureSchemeList v;
  v.supported_signature_algorithms =
      read_u16_list(r, "supported_signature_algorithms", 2, 2, 0xfffe);
  r.expect_end("");
  return v;
}

void encode_signature_algorithms(Writer& w, const SignatureSchemeList& v) {
  write_u16_list(w, "supported_signature_algorithms", 2, v.supported_signature_algorithms);
}

// ---- application_layer_protocol_negotiation (RFC 7301 §3.1) ---------------------------------

ProtocolNameList decode_alpn(Reader& r) {
  r.set_context("extension application_layer_protocol_negotiation");
  ProtocolNameList v;
  Reader list = r.vec16("protocol_name_list", 2, 0xffff);
  while (!list.empty()) {
    v.protocol_name_list.push_back(list.opaque8("ProtocolName", 1, 0xff));
  }
  r.expect_end("");
  return v;
}

void encode_alpn(Writer& w, const ProtocolNameList& v) {
  w.vec16("protocol_name_list", [&](Writer& list) {
    for (const Bytes& name : v.protocol_name_list) {
      list.opaque8("ProtocolName", name);
    }
  });
}

// ---- renegotiation_info (RFC 5746 §3.2), session_ticket (RFC 5077 §3.2) ---------------------

RenegotiationInfo decode_renegotiation_info(Reader& r) {
  r.set_context("extension renegotiation_info");
  RenegotiationInfo v;
  v.renegotiated_connection = r.opaque8("renegotiated_connection", 0, 255);
  r.expect_end("");
  return v;
}

void encode_renegotiation_info(Writer& w, const RenegotiationInfo& v) {
  w.opaque8("renegotiated_connection", v.renegotiated_connection);
}

SessionTicketExt decode_session_ticket(Reader& r) {
  r.set_context("extension session_ticket");
  SessionTicketExt v;
  v.ticket = r.bytes(r.remaining(), "ticket");
  r.expect_end("");
  return v;
}

void encode_session_ticket(Writer& w, const SessionTicketExt& v) { w.bytes(v.ticket); }

// ---- status_request (RFC 6066 §8) ------------------------------------------------------------

StatusRequest decode_status_request(Reader& r) {
  r.set_context("extension status_request");
  StatusRequest v;
  if (r.empty()) {
    v.empty_body = true;  // the server's acknowledgement (RFC 6066 §8)
    return v;
  }
  v.status_type = r.u8("status_type");
  if (v.status_type == kStatusTypeOcsp) {
    // OCSPStatusRequest: ResponderID responder_id_list<0..2^16-1>; Extensions request_extensions.
    Reader ids = r.vec16("responder_id_list", 0, 0xffff);
    while (!ids.empty()) {
      v.responder_id_list.push_back(ids.opaque16("ResponderID", 1, 0xffff));
    }
    v.request_extensions = r.opaque16("request_extensions", 0, 0xffff);
  } else {
    v.raw = r.bytes(r.remaining(), "request");
  }
  r.expect_end("");
  return v;
}

void encode_status_request(Writer& w, const StatusRequest& v) {
  if (v.empty_body) {
    return;
  }
  w.u8(v.status_type);
  if (v.status_type == kStatusTypeOcsp) {
    w.vec16("responder_id_list", [&](Writer& ids) {
      for (const Bytes& id : v.responder_id_list) {
        ids.opaque16("ResponderID", id);
      }
    });
    w.opaque16("request_extensions", v.request_extensions);
  } else {
    w.bytes(v.raw);
  }
}

// ---- padding (RFC 7685 §3), record_size_limit (RFC 8449 §4) ---------------------------------

Padding decode_padding(Reader& r) {
  r.set_context("extension padding");
  Padding v;
  v.padding = r.bytes(r.remaining(), "padding");
  r.expect_end("");
  return v;
}

void encode_padding(Writer& w, const Padding& v) { w.bytes(v.padding); }

RecordSizeLimit decode_record_size_limit(Reader& r) {
  r.set_context("extension record_size_limit");
  RecordSizeLimit v;
  std::size_t at = r.offset();
  v.record_size_limit = r.u16("RecordSizeLimit");
  if (v.record_size_limit < kMinRecordSizeLimit) {
    r.fail_at(at, "RecordSizeLimit",
              "limit " + std::to_string(v.record_size_limit) + " is below the minimum 64",
              Error::kAlertIllegalParameter);
  }
  r.expect_end("");
  return v;
}

void encode_record_size_limit(Writer& w, const RecordSizeLimit& v) { w.u16(v.record_size_limit); }

// ---- supported_versions (RFC 8446 §4.2.1) ----------------------------------------------------

SupportedVersions decode_supported_versions(Reader& r, ExtensionOrigin origin) {
  r.set_context("extension supported_versions");
  SupportedVersions v;
  if (origin == ExtensionOrigin::client_hello) {
    v.versions = read_u16_list(r, "versions", 1, 2, 254);
  } else {
    v.versions.push_back(r.u16("selected_version"));
  }
  r.expect_end("");
  return v;
}

void encode_supported_versions(Writer& w, const SupportedVersions& v, ExtensionOrigin origin) {
  if (origin == ExtensionOrigin::client_hello) {
    write_u16_list(w, "versions", 1, v.versions);
  } else {
    for (std::uint16_t x : v.versions) {  // one version (more only when crafting)
      w.u16(x);
    }
  }
}

// ---- key_share (RFC 8446 §4.2.8) -------------------------------------------------------------

KeyShare decode_key_share(Reader& r, ExtensionOrigin origin) {
  r.set_context("extension key_share");
  KeyShare v;
  if (origin == ExtensionOrigin::client_hello) {
    Reader shares = r.vec16("client_shares", 0, 0xffff);
    std::bitset<65536> seen;
    while (!shares.empty()) {
      std::size_t at = shares.offset();
      KeyShareEntry e = read_key_share_entry(shares);
      if (seen.test(e.group)) {
        shares.fail_at(at, "group", "more than one KeyShareEntry for group " + hex16(e.group),
                       Error::kAlertIllegalParameter);
      }
      seen.set(e.group);
      v.client_shares.push_back(std::move(e));
    }
  } else if (r.remaining() == 2) {
    v.selected_group = r.u16("selected_group");  // KeyShareHelloRetryRequest
  } else {
    v.server_share = read_key_share_entry(r);  // KeyShareServerHello
  }
  r.expect_end("");
  return v;
}

void encode_key_share(Writer& w, const KeyShare& v) {
  if (v.selected_group) {
    w.u16(*v.selected_group);
  } else if (v.server_share) {
    write_key_share_entry(w, *v.server_share);
  } else {
    w.vec16("client_shares", [&](Writer& shares) {
      for (const KeyShareEntry& e : v.client_shares) {
        write_key_share_entry(shares, e);
      }
    });
  }
}

// ---- psk_key_exchange_modes (RFC 8446 §4.2.9) ------------------------------------------------

PskKeyExchangeModes decode_psk_key_exchange_modes(Reader& r) {
  r.set_context("extension psk_key_exchange_modes");
  PskKeyExchangeModes v;
  v.ke_modes = r.opaque8("ke_modes", 1, 255);
  r.expect_end("");
  return v;
}

void encode_psk_key_exchange_modes(Writer& w, const PskKeyExchangeModes& v) {
  w.opaque8("ke_modes", v.ke_modes);
}

// ---- extended_master_secret (RFC 7627 §5.1), encrypt_then_mac (RFC 7366 §2) -----------------

void decode_empty(Reader& r) {
  if (r.context().empty()) {
    r.set_context("extension");
  }
  r.expect_end("extension_data");
}

}  // namespace hsk::wire
