// hsk::inspect — the decoder: inputs of TLS records -> the JSON document of man/hsk-decode.1.
//
// One generator: decode_text renders the same document (text.cpp), and encode_json reads it
// back (encode.cpp). Field names follow the RFC structs; every enumerated value is
// {"code": n, "name": "registered name or empty"}; every byte string is lowercase hex.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string>
#include <vector>

#include "hsk/error.hpp"
#include "inspect/inspect.hpp"
#include "inspect/document.hpp"
#include "wire/extensions.hpp"
#include "wire/messages.hpp"
#include "wire/reader.hpp"
#include "wire/record.hpp"
#include "wire/registry.hpp"

namespace hsk::inspect {

namespace {

using Json = nlohmann::ordered_json;
using wire::Registry;

constexpr std::uint16_t kExtSignatureAlgorithmsCert = 50;  // RFC 8446 §4.2.3, same body as 13

// ---- values -------------------------------------------------------------------------------

Json enum_json(std::uint16_t code, std::string_view name) {
  Json j = Json::object();
  j["code"] = code;
  j["name"] = std::string(name);
  return j;
}

// named gives {code, name} from a registry; GREASE values (RFC 8701) of the 16-bit
// registries that GREASE applies to are named "GREASE".
Json named(Registry registry, std::uint16_t code) {
  std::string_view name = wire::name_of(registry, code);
  bool greasable = registry == Registry::extension_type || registry == Registry::named_group ||
                   registry == Registry::signature_scheme || registry == Registry::protocol_version;
  if (name.empty() && greasable && wire::is_grease(code)) {
    name = "GREASE";
  }
  return enum_json(code, name);
}

Json suite_json(std::uint16_t code) {
  std::string_view name;
  if (const auto* s = wire::find_cipher_suite(code)) {
    name = s->iana;
  } else if (wire::is_grease(code)) {
    name = "GREASE";
  }
  return enum_json(code, name);
}

// hex is to_hex, writing into a string sized once (it is the decoder's hottest helper).
std::string hex(ByteView b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(b.size() * 2, '\0');
  char* p = out.data();
  for (std::uint8_t c : b) {
    *p++ = kDigits[c >> 4];
    *p++ = kDigits[c & 0x0f];
  }
  return out;
}

template <typename Range>
Json named_list(Registry registry, const Range& codes) {
  Json a = Json::array();
  for (auto c : codes) {
    a.push_back(named(registry, static_cast<std::uint16_t>(c)));
  }
  return a;
}

Json hex_list(const std::vector<Bytes>& items) {
  Json a = Json::array();
  for (const auto& b : items) {
    a.push_back(hex(b));
  }
  return a;
}

bool printable(ByteView b) {
  return !b.empty() &&
         std::all_of(b.begin(), b.end(), [](std::uint8_t c) { return c >= 0x20 && c < 0x7f; });
}

std::string as_text(ByteView b) { return std::string(b.begin(), b.end()); }

// ---- state carried across inputs -------------------------------------------------------------

struct Negotiated {
  std::optional<std::uint16_t> client_version;  // last ClientHello
  std::optional<std::uint16_t> server_version;  // last ServerHello
  std::optional<std::uint16_t> cipher_suite;    // last ServerHello
};

// ---- extensions ------------------------------------------------------------------------------

Json server_name_json(wire::Reader& r) {
  wire::ServerNameList v = wire::decode_server_name(r);
  Json d = Json::object();
  if (v.empty_body) {
    return d;
  }
  Json list = Json::array();
  for (const auto& n : v.server_name_list) {
    Json e = Json::object();
    e["name_type"] = named(Registry::server_name_type, n.name_type);
    if (n.name_type != 0) {
      e["name_hex"] = hex(n.name);
    } else if (printable(n.name)) {
      e["host_name"] = as_text(n.name);
    } else {
      e["host_name_hex"] = hex(n.name);
    }
    list.push_back(std::move(e));
  }
  d["server_name_list"] = std::move(list);
  return d;
}

Json status_request_json(wire::Reader& r) {
  wire::StatusRequest v = wire::decode_status_request(r);
  Json d = Json::object();
  if (v.empty_body) {
    return d;
  }
  d["status_type"] = named(Registry::certificate_status_type, v.status_type);
  if (v.status_type == 1) {
    d["responder_id_list"] = hex_list(v.responder_id_list);
    d["request_extensions"] = hex(v.request_extensions);
  } else {
    d["request_hex"] = hex(v.raw);
  }
  return d;
}

Json key_share_entry_json(const wire::KeyShareEntry& e) {
  Json j = Json::object();
  j["group"] = named(Registry::named_group, e.group);
  j["key_exchange"] = hex(e.key_exchange);
  return j;
}

// extension_data_json decodes one known extension body; returns null for types shown raw.
Json extension_data_json(std::uint16_t type, ByteView data, std::size_t base,
                         wire::ExtensionOrigin origin, const std::string& context) {
  using T = wire::ExtensionType;
  wire::Reader r(data, base, context);
  Json d = Json::object();
  switch (static_cast<T>(type)) {
    case T::server_name:
      d = server_name_json(r);
      break;
    case T::status_request:
      d = status_request_json(r);
      break;
    case T::supported_groups:
      d["named_group_list"] =
          named_list(Registry::named_group, wire::decode_supported_groups(r).named_group_list);
      break;
    case T::ec_point_formats:
      d["ec_point_format_list"] = named_list(Registry::ec_point_format,
                                             wire::decode_ec_point_formats(r).ec_point_format_list);
      break;
    case T::signature_algorithms:
      d["supported_signature_algorithms"] =
          named_list(Registry::signature_scheme,
                     wire::decode_signature_algorithms(r).supported_signature_algorithms);
      break;
    case T::application_layer_protocol_negotiation: {
      Json list = Json::array();
      for (const auto& p : wire::decode_alpn(r).protocol_name_list) {
        if (printable(p)) {
          list.push_back(as_text(p));
        } else {
          Json h = Json::object();
          h["hex"] = hex(p);
          list.push_back(std::move(h));
        }
      }
      d["protocol_name_list"] = std::move(list);
      break;
    }
    case T::padding: {
      wire::Padding p = wire::decode_padding(r);
      d["length"] = p.padding.size();
      d["padding"] = hex(p.padding);
      break;
    }
    case T::encrypt_then_mac:
    case T::extended_master_secret:
      wire::decode_empty(r);
      break;
    case T::record_size_limit:
      d["record_size_limit"] = wire::decode_record_size_limit(r).record_size_limit;
      break;
    case T::session_ticket:
      d["ticket"] = hex(wire::decode_session_ticket(r).ticket);
      break;
    case T::supported_versions:
      d["versions"] = named_list(Registry::protocol_version,
                                 wire::decode_supported_versions(r, origin).versions);
      break;
    case T::psk_key_exchange_modes:
      d["ke_modes"] = named_list(Registry::psk_key_exchange_mode,
                                 wire::decode_psk_key_exchange_modes(r).ke_modes);
      break;
    case T::key_share: {
      wire::KeyShare k = wire::decode_key_share(r, origin);
      if (origin == wire::ExtensionOrigin::client_hello) {
        Json list = Json::array();
        for (const auto& e : k.client_shares) {
          list.push_back(key_share_entry_json(e));
        }
        d["client_shares"] = std::move(list);
      } else if (k.server_share) {
        d["server_share"] = key_share_entry_json(*k.server_share);
      } else if (k.selected_group) {
        d["selected_group"] = named(Registry::named_group, *k.selected_group);
      }
      break;
    }
    case T::renegotiation_info:
      d["renegotiated_connection"] =
          hex(wire::decode_renegotiation_info(r).renegotiated_connection);
      break;
    default:
      if (type == kExtSignatureAlgorithmsCert) {
        d["supported_signature_algorithms"] =
            named_list(Registry::signature_scheme,
                       wire::decode_signature_algorithms(r).supported_signature_algorithms);
        break;
      }
      return nullptr;
  }
  r.expect_end("extension_data");
  return d;
}

// Positions below are offsets within the message's encoding (0 = first header byte); `place`
// maps them to absolute input offsets across the record boundaries of a split message.
struct Placer {
  const wire::HandshakeMessage& m;
  std::size_t operator()(std::size_t position) const { return wire::absolute_offset(m, position); }
};

Json extensions_json(const std::vector<wire::Extension>& exts, const Placer& place,
                     wire::ExtensionOrigin origin) {
  Json list = Json::array();
  for (const auto& e : exts) {
    Json j = Json::object();
    // e.offset counts as if the message's pieces were contiguous; place maps it home.
    j["offset"] = place(e.offset - place.m.offset);
    j["extension_type"] = named(Registry::extension_type, e.type);
    j["length"] = e.data.size();
    std::string name(wire::name_of(Registry::extension_type, e.type));
    std::string context = "extension " + (name.empty() ? std::to_string(e.type) : name);
    // Errors inside a split message are remapped by message_json.
    Json data = extension_data_json(e.type, e.data, e.offset + 4, origin, context);
    if (data.is_null()) {
      j["data_hex"] = hex(e.data);
    } else {
      j["data"] = std::move(data);
    }
    list.push_back(std::move(j));
  }
  return list;
}

// ---- handshake messages ----------------------------------------------------------------------

Json signed_json(const wire::DigitallySigned& s) {
  Json j = Json::object();
  if (s.algorithm) {
    j["algorithm"] = named(Registry::signature_scheme, *s.algorithm);
  }
  j["signature"] = hex(s.signature);
  return j;
}

const char* form_name(wire::KexForm f) {
  switch (f) {
    case wire::KexForm::rsa:
      return "rsa";
    case wire::KexForm::dh:
      return "dh";
    case wire::KexForm::ecdh:
      return "ecdh";
    case wire::KexForm::dh_implicit:
      return "dh_implicit";
    case wire::KexForm::ecdh_implicit:
      return "ecdh_implicit";
    case wire::KexForm::raw:
      break;
  }
  return "raw";
}

std::string raw_kex_note(std::uint8_t msg_type, const wire::KexContext& ctx) {
  if (!ctx.cipher_suite) {
    return "no ServerHello before this message and no --suite: key-exchange form unknown";
  }
  std::string why = wire::kex_raw_reason(msg_type, ctx);
  return (why.empty() ? std::string("key-exchange form not modelled") : why) +
         ": body shown as hex";
}

struct MessageContext {
  Negotiated& state;
  const DecodeOptions& options;
  std::uint16_t record_version;

  wire::KexContext kex() const {
    wire::KexContext k;
    k.version = version();
    k.cipher_suite = options.suite ? options.suite : state.cipher_suite;
    return k;
  }
  std::uint16_t version() const {
    if (options.version) {
      return *options.version;
    }
    if (state.server_version) {
      return *state.server_version;
    }
    if (state.client_version) {
      return *state.client_version;
    }
    return record_version;
  }
};

// body_json decodes a complete message body. Sets `note` and returns null when the body is
// to be shown as hex.
Json body_json(const wire::HandshakeMessage& m, MessageContext& mc, std::string& note) {
  using HT = wire::HandshakeType;
  std::string context(wire::message_name(m.msg_type));
  if (context.empty()) {
    context = "Handshake";
  }
  wire::Reader r(m.body, m.offset + 4, context);
  Placer place{m};
  Json b = Json::object();
  switch (static_cast<HT>(m.msg_type)) {
    case HT::hello_request:
      wire::decode_hello_request(r);
      break;
    case HT::client_hello: {
      wire::ClientHello v = wire::decode_client_hello(r);
      mc.state.client_version = v.client_version;
      b["client_version"] = named(Registry::protocol_version, v.client_version);
      b["random"] = hex(v.random);
      b["session_id"] = hex(v.session_id);
      Json suites = Json::array();
      for (auto s : v.cipher_suites) {
        suites.push_back(suite_json(s));
      }
      b["cipher_suites"] = std::move(suites);
      b["compression_methods"] = named_list(Registry::compression_method, v.compression_methods);
      if (v.extensions) {
        b["extensions"] =
            extensions_json(*v.extensions, place, wire::ExtensionOrigin::client_hello);
      }
      break;
    }
    case HT::server_hello: {
      wire::ServerHello v = wire::decode_server_hello(r);
      mc.state.server_version = v.server_version;
      mc.state.cipher_suite = v.cipher_suite;
      b["server_version"] = named(Registry::protocol_version, v.server_version);
      b["random"] = hex(v.random);
      b["session_id"] = hex(v.session_id);
      b["cipher_suite"] = suite_json(v.cipher_suite);
      b["compression_method"] = named(Registry::compression_method, v.compression_method);
      if (v.extensions) {
        b["extensions"] =
            extensions_json(*v.extensions, place, wire::ExtensionOrigin::server_hello);
      }
      break;
    }
    case HT::new_session_ticket: {
      wire::NewSessionTicket v = wire::decode_new_session_ticket(r);
      b["ticket_lifetime_hint"] = v.ticket_lifetime_hint;
      b["ticket"] = hex(v.ticket);
      break;
    }
    case HT::certificate: {
      wire::Certificate v = wire::decode_certificate(r);
      Json list = Json::array();
      for (const auto& c : v.certificate_list) {
        Json e = Json::object();
        e["length"] = c.size();
        e["cert_hex"] = hex(c);
        list.push_back(std::move(e));
      }
      b["certificate_list"] = std::move(list);
      break;
    }
    case HT::server_key_exchange: {
      wire::KexContext k = mc.kex();
      if (!k.cipher_suite) {
        note = raw_kex_note(m.msg_type, k);
        return nullptr;
      }
      wire::ServerKeyExchange v = wire::decode_server_key_exchange(r, k);
      if (v.form == wire::KexForm::raw) {
        note = raw_kex_note(m.msg_type, k);
        return nullptr;
      }
      b["form"] = form_name(v.form);
      Json p = Json::object();
      if (v.form == wire::KexForm::dh) {
        p["dh_p"] = hex(v.dh.dh_p);
        p["dh_g"] = hex(v.dh.dh_g);
        p["dh_Ys"] = hex(v.dh.dh_Ys);
      } else if (v.form == wire::KexForm::ecdh) {
        p["curve_type"] = named(Registry::ec_curve_type, v.ecdh.curve_type);
        p["named_curve"] = named(Registry::named_group, v.ecdh.named_curve);
        p["point"] = hex(v.ecdh.point);
      } else if (v.form == wire::KexForm::rsa) {
        p["rsa_modulus"] = hex(v.rsa.rsa_modulus);
        p["rsa_exponent"] = hex(v.rsa.rsa_exponent);
      }
      b["params"] = std::move(p);
      if (v.signature) {
        b["signature"] = signed_json(*v.signature);
      }
      break;
    }
    case HT::certificate_request: {
      wire::CertificateRequest v = wire::decode_certificate_request(r, mc.version());
      b["certificate_types"] = named_list(Registry::client_certificate_type, v.certificate_types);
      if (v.signature_algorithms) {
        b["supported_signature_algorithms"] =
            named_list(Registry::signature_scheme, *v.signature_algorithms);
      }
      b["certificate_authorities"] = hex_list(v.certificate_authorities);
      break;
    }
    case HT::server_hello_done:
      wire::decode_server_hello_done(r);
      break;
    case HT::certificate_verify: {
      wire::CertificateVerify v = wire::decode_certificate_verify(r, mc.version());
      b["signature"] = signed_json(v.signature);
      break;
    }
    case HT::client_key_exchange: {
      wire::KexContext k = mc.kex();
      if (!k.cipher_suite) {
        note = raw_kex_note(m.msg_type, k);
        return nullptr;
      }
      wire::ClientKeyExchange v = wire::decode_client_key_exchange(r, k);
      if (v.form == wire::KexForm::raw) {
        note = raw_kex_note(m.msg_type, k);
        return nullptr;
      }
      b["form"] = form_name(v.form);
      if (v.form == wire::KexForm::rsa) {
        b["encrypted_pre_master_secret"] = hex(v.value);
        if (v.ssl3) {
          b["ssl3"] = true;
        }
      } else if (v.form == wire::KexForm::dh) {
        b["dh_Yc"] = hex(v.value);
      } else if (v.form == wire::KexForm::ecdh) {
        b["ecdh_Yc"] = hex(v.value);
      }
      break;
    }
    case HT::certificate_status: {
      wire::CertificateStatus v = wire::decode_certificate_status(r);
      b["status_type"] = named(Registry::certificate_status_type, v.status_type);
      if (v.status_type == 1) {
        b["response"] = hex(v.response);
      } else {
        b["response_hex"] = hex(v.raw);
      }
      break;
    }
    case HT::finished:
      b["verify_data"] = hex(wire::decode_finished(r).verify_data);
      break;
    default: {
      std::string_view n = wire::name_of(Registry::handshake_type, m.msg_type);
      note = "handshake type " + (n.empty() ? std::to_string(m.msg_type) : std::string(n)) +
             " is not decoded by hsk: body shown as hex";
      return nullptr;
    }
  }
  r.expect_end("");
  return b;
}

// remap moves an error found in the body of a message that spanned records to its true
// input offset (the body reader assumed the pieces were contiguous).
[[noreturn]] void rethrow_remapped(const Error& e, const wire::HandshakeMessage& m) {
  if (m.record_split.size() > 1 && e.offset() && *e.offset() >= m.offset) {
    std::size_t pos = *e.offset() - m.offset;
    throw Error(e.kind(), wire::absolute_offset(m, pos), e.context(), e.detail(), e.alert());
  }
  throw e;
}

Json message_json(const wire::HandshakeMessage& m, MessageContext& mc) {
  Json j = Json::object();
  j["offset"] = m.offset;
  j["msg_type"] = named(Registry::handshake_type, m.msg_type);
  j["length"] = m.body.size();
  if (m.record_split.size() > 1) {
    j["record_split"] = m.record_split;
  }
  std::string note;
  Json body;
  try {
    body = body_json(m, mc, note);
  } catch (const Error& e) {
    rethrow_remapped(e, m);
  }
  if (body.is_null()) {
    j["body_hex"] = hex(m.body);
    j["note"] = note;
  } else {
    j["body"] = std::move(body);
  }
  return j;
}

// ---- records ---------------------------------------------------------------------------------

// neither_text explains why an input is neither binary records nor hex text.
std::string neither_text(std::string_view text) {
  auto hexish = [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) || c == ' ' || c == '\t' || c == '\n' ||
           c == '\r' || c == '\f' || c == '\v' || c == ':';
  };
  char buf[96];
  std::snprintf(buf, sizeof buf,
                "neither TLS records (first byte 0x%02x is not a content type 0x14..0x18) ",
                static_cast<unsigned char>(text[0]));
  std::string out = buf;
  auto bad = std::find_if_not(text.begin(), text.end(), hexish);
  if (bad == text.end()) {
    return out + "nor hex text (no hex digits)";
  }
  std::snprintf(buf, sizeof buf, "nor hex text (byte %zu is 0x%02x)",
                static_cast<std::size_t>(bad - text.begin()), static_cast<unsigned char>(*bad));
  return out + buf;
}

struct FedRecord {
  std::size_t fragment_start;  // absolute offset of the fragment
  std::size_t index;           // into the input's records
};

Json input_json(const Input& in, Negotiated& state, const DecodeOptions& options) {
  Json j = Json::object();
  j["name"] = in.name;
  Bytes decoded;
  ByteView data = in.data;
  if (in.data.empty() || (in.data[0] >= 0x14 && in.data[0] <= 0x18)) {
    j["format"] = "binary";
  } else {
    std::string_view text(reinterpret_cast<const char*>(in.data.data()), in.data.size());
    if (!looks_like_hex(text)) {
      if (auto pki = detail::pki_document(in.data, options.show_secret)) {
        j.update(*pki);
        return j;
      }
      throw_malformed(0, "input", neither_text(text), Error::kAlertDecodeError);
    }
    decoded = from_hex(text, "hex input");
    data = decoded;
    j["format"] = "hex";
  }

  Json records = Json::array();
  std::vector<FedRecord> fed;
  wire::HandshakeAssembler assembler;
  std::size_t pending_start = 0;
  bool is_protected = false;
  wire::Reader r(data, 0, "input");
  while (!r.empty()) {
    wire::Record rec =
        wire::decode_record(r, is_protected ? wire::kMaxCiphertext : wire::kMaxPlaintext);
    Json jr = Json::object();
    jr["offset"] = rec.offset;
    jr["content_type"] = named(Registry::content_type, rec.content_type);
    jr["version"] = named(Registry::protocol_version, rec.version);
    jr["length"] = rec.fragment.size();
    std::size_t fragment_start = rec.offset + wire::kRecordHeaderSize;
    auto type = static_cast<wire::ContentType>(rec.content_type);

    if (is_protected) {
      jr["encrypted"] = true;
      jr["fragment_hex"] = hex(rec.fragment);
    } else if (type == wire::ContentType::handshake) {
      if (rec.fragment.empty() && assembler.pending()) {
        // The assembler skips an empty record; encode must not put a queued piece into it.
        jr["fragment_hex"] = "";
        records.push_back(std::move(jr));
        continue;
      }
      jr["messages"] = Json::array();
      records.push_back(std::move(jr));
      fed.push_back({fragment_start, records.size() - 1});
      bool was_pending = assembler.pending();
      assembler.add(rec);
      std::vector<wire::HandshakeMessage> done = assembler.take();
      if (assembler.pending() && (!was_pending || !done.empty())) {
        pending_start = fragment_start + rec.fragment.size() - assembler.pending_bytes();
      }
      for (const auto& m : done) {
        // The message belongs to the record in which it starts.
        auto it = std::upper_bound(
            fed.begin(), fed.end(), m.offset,
            [](std::size_t off, const FedRecord& f) { return off < f.fragment_start; });
        std::size_t index = it == fed.begin() ? fed.back().index : std::prev(it)->index;
        MessageContext mc{state, options, rec.version};
        records[index]["messages"].push_back(message_json(m, mc));
      }
      continue;
    } else if (type == wire::ContentType::change_cipher_spec) {
      if (assembler.pending()) {
        throw_malformed(rec.offset, "ChangeCipherSpec",
                        "arrives inside the handshake message that starts at offset " +
                            std::to_string(pending_start),
                        Error::kAlertUnexpectedMessage);
      }
      wire::Reader cr(rec.fragment, fragment_start, "ChangeCipherSpec");
      wire::ChangeCipherSpec c = wire::decode_change_cipher_spec(cr);
      cr.expect_end("ChangeCipherSpec");
      Json cj = Json::object();
      cj["type"] = named(Registry::change_cipher_spec_type, c.type);
      jr["change_cipher_spec"] = std::move(cj);
      is_protected = true;
    } else if (type == wire::ContentType::alert) {
      wire::Reader ar(rec.fragment, fragment_start, "Alert");
      wire::Alert a = wire::decode_alert(ar);
      ar.expect_end("Alert");
      Json aj = Json::object();
      aj["level"] = named(Registry::alert_level, a.level);
      aj["description"] = named(Registry::alert_description, a.description);
      jr["alert"] = std::move(aj);
    } else {
      jr["encrypted"] = false;
      jr["fragment_hex"] = hex(rec.fragment);
    }
    records.push_back(std::move(jr));
  }
  if (assembler.pending()) {
    std::size_t have = assembler.pending_bytes();
    std::string what =
        "handshake message incomplete at end of input (" + std::to_string(have) + " bytes";
    std::size_t header_at = pending_start;
    // Name the message when its header made it in.
    std::string context = "Handshake";
    if (have >= 4) {
      std::size_t total = 0;
      // Pieces may be split; read the header through the input bytes of the fed records.
      Bytes header;
      for (std::size_t i = 0; i < fed.size() && header.size() < 4; ++i) {
        const auto& f = fed[i];
        std::size_t len = records[f.index]["length"].get<std::size_t>();
        std::size_t from = std::max(f.fragment_start, header_at);
        for (std::size_t k = from; k < f.fragment_start + len && header.size() < 4; ++k) {
          header.push_back(data[k]);
        }
      }
      if (header.size() == 4) {
        total = std::size_t{header[1]} << 16 | std::size_t{header[2]} << 8 | header[3];
        std::string_view name = wire::message_name(header[0]);
        if (!name.empty()) {
          context = std::string(name);
        }
        what += " of " + std::to_string(total + 4);
      }
    }
    what += ")";
    throw_malformed(header_at, context, what, Error::kAlertDecodeError);
  }
  j["records"] = std::move(records);
  return j;
}

}  // namespace

namespace detail {
Json input_records_json(const Input& in, const DecodeOptions& options) {
  Negotiated state;
  Json j = input_json(in, state, options);
  return std::move(j["records"]);
}
}  // namespace detail

namespace {
Json build_document(std::span<const Input> inputs, const DecodeOptions& options) {
  Json doc = Json::object();
  doc["hsk_decode"] = 1;
  Json list = Json::array();
  Negotiated state;
  for (const auto& in : inputs) {
    try {
      list.push_back(input_json(in, state, options));
    } catch (Error& e) {
      e.with_input(in.name);
      throw;
    }
  }
  doc["inputs"] = std::move(list);
  return doc;
}
}  // namespace

std::string decode_json(std::span<const Input> inputs, const DecodeOptions& options) {
  return build_document(inputs, options).dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string decode_text(std::span<const Input> inputs, const DecodeOptions& options) {
  return detail::render_document_text(build_document(inputs, options), options.offsets);
}

}  // namespace hsk::inspect
