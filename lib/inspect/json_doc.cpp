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
#include "inspect/document.hpp"
#include "inspect/inspect.hpp"
#include "inspect/json_out.hpp"
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

void enum_value(JsonOut& o, std::uint16_t code, std::string_view name) { o.code_name(code, name); }

// named writes {code, name} from a registry; GREASE values (RFC 8701) of the 16-bit
// registries that GREASE applies to are named "GREASE".
void named(JsonOut& o, Registry registry, std::uint16_t code) {
  std::string_view name = wire::name_of(registry, code);
  bool greasable = registry == Registry::extension_type || registry == Registry::named_group ||
                   registry == Registry::signature_scheme || registry == Registry::protocol_version;
  if (name.empty() && greasable && wire::is_grease(code)) {
    name = "GREASE";
  }
  enum_value(o, code, name);
}

void suite_value(JsonOut& o, std::uint16_t code) {
  std::string_view name;
  if (const auto* s = wire::find_cipher_suite(code)) {
    name = s->iana;
  } else if (wire::is_grease(code)) {
    name = "GREASE";
  }
  enum_value(o, code, name);
}

template <typename Range>
void named_list(JsonOut& o, Registry registry, const Range& codes) {
  o.open_array();
  for (auto c : codes) {
    named(o, registry, static_cast<std::uint16_t>(c));
  }
  o.close_array();
}

void hex_list(JsonOut& o, const std::vector<Bytes>& items) {
  o.open_array();
  for (const auto& b : items) {
    o.hex(b);
  }
  o.close_array();
}

bool printable(ByteView b) {
  return !b.empty() &&
         std::all_of(b.begin(), b.end(), [](std::uint8_t c) { return c >= 0x20 && c < 0x7f; });
}

std::string_view as_text(ByteView b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

// ---- state carried across inputs -------------------------------------------------------------

struct Negotiated {
  std::optional<std::uint16_t> client_version;  // last ClientHello
  std::optional<std::uint16_t> server_version;  // last ServerHello
  std::optional<std::uint16_t> cipher_suite;    // last ServerHello
};

// ---- extensions ------------------------------------------------------------------------------

void server_name_value(JsonOut& o, wire::Reader& r) {
  wire::ServerNameList v = wire::decode_server_name(r);
  o.open_object();
  if (!v.empty_body) {
    o.key("server_name_list");
    o.open_array();
    for (const auto& n : v.server_name_list) {
      o.open_object();
      o.key("name_type");
      named(o, Registry::server_name_type, n.name_type);
      if (n.name_type != 0) {
        o.key("name_hex");
        o.hex(n.name);
      } else if (printable(n.name)) {
        o.key("host_name");
        o.string(as_text(n.name));
      } else {
        o.key("host_name_hex");
        o.hex(n.name);
      }
      o.close_object();
    }
    o.close_array();
  }
  o.close_object();
}

void status_request_value(JsonOut& o, wire::Reader& r) {
  wire::StatusRequest v = wire::decode_status_request(r);
  o.open_object();
  if (!v.empty_body) {
    o.key("status_type");
    named(o, Registry::certificate_status_type, v.status_type);
    if (v.status_type == 1) {
      o.key("responder_id_list");
      hex_list(o, v.responder_id_list);
      o.key("request_extensions");
      o.hex(v.request_extensions);
    } else {
      o.key("request_hex");
      o.hex(v.raw);
    }
  }
  o.close_object();
}

void key_share_entry_value(JsonOut& o, const wire::KeyShareEntry& e) {
  o.open_object();
  o.key("group");
  named(o, Registry::named_group, e.group);
  o.key("key_exchange");
  o.hex(e.key_exchange);
  o.close_object();
}

// extension_data decodes one known extension body and writes it as the value of "data";
// returns false, having written nothing, for types shown raw.
bool extension_data(JsonOut& o, std::uint16_t type, ByteView data, std::size_t base,
                    wire::ExtensionOrigin origin, const std::string& context) {
  using T = wire::ExtensionType;
  wire::Reader r(data, base, context);
  // one_member opens "data" as an object whose first member is `name`.
  auto one_member = [&o](const char* name) {
    o.key("data");
    o.open_object();
    o.key(name);
  };
  switch (static_cast<T>(type)) {
    case T::server_name:
      o.key("data");
      server_name_value(o, r);
      break;
    case T::status_request:
      o.key("data");
      status_request_value(o, r);
      break;
    case T::supported_groups: {
      auto v = wire::decode_supported_groups(r);
      one_member("named_group_list");
      named_list(o, Registry::named_group, v.named_group_list);
      o.close_object();
      break;
    }
    case T::ec_point_formats: {
      auto v = wire::decode_ec_point_formats(r);
      one_member("ec_point_format_list");
      named_list(o, Registry::ec_point_format, v.ec_point_format_list);
      o.close_object();
      break;
    }
    case T::signature_algorithms: {
      auto v = wire::decode_signature_algorithms(r);
      one_member("supported_signature_algorithms");
      named_list(o, Registry::signature_scheme, v.supported_signature_algorithms);
      o.close_object();
      break;
    }
    case T::application_layer_protocol_negotiation: {
      auto v = wire::decode_alpn(r);
      one_member("protocol_name_list");
      o.open_array();
      for (const auto& p : v.protocol_name_list) {
        if (printable(p)) {
          o.string(as_text(p));
        } else {
          o.open_object();
          o.key("hex");
          o.hex(p);
          o.close_object();
        }
      }
      o.close_array();
      o.close_object();
      break;
    }
    case T::padding: {
      wire::Padding p = wire::decode_padding(r);
      one_member("length");
      o.number(p.padding.size());
      o.key("padding");
      o.hex(p.padding);
      o.close_object();
      break;
    }
    case T::encrypt_then_mac:
    case T::extended_master_secret:
      wire::decode_empty(r);
      o.key("data");
      o.open_object();
      o.close_object();
      break;
    case T::record_size_limit: {
      auto v = wire::decode_record_size_limit(r);
      one_member("record_size_limit");
      o.number(v.record_size_limit);
      o.close_object();
      break;
    }
    case T::session_ticket: {
      auto v = wire::decode_session_ticket(r);
      one_member("ticket");
      o.hex(v.ticket);
      o.close_object();
      break;
    }
    case T::supported_versions: {
      auto v = wire::decode_supported_versions(r, origin);
      one_member("versions");
      named_list(o, Registry::protocol_version, v.versions);
      o.close_object();
      break;
    }
    case T::psk_key_exchange_modes: {
      auto v = wire::decode_psk_key_exchange_modes(r);
      one_member("ke_modes");
      named_list(o, Registry::psk_key_exchange_mode, v.ke_modes);
      o.close_object();
      break;
    }
    case T::key_share: {
      wire::KeyShare k = wire::decode_key_share(r, origin);
      o.key("data");
      o.open_object();
      if (origin == wire::ExtensionOrigin::client_hello) {
        o.key("client_shares");
        o.open_array();
        for (const auto& e : k.client_shares) {
          key_share_entry_value(o, e);
        }
        o.close_array();
      } else if (k.server_share) {
        o.key("server_share");
        key_share_entry_value(o, *k.server_share);
      } else if (k.selected_group) {
        o.key("selected_group");
        named(o, Registry::named_group, *k.selected_group);
      }
      o.close_object();
      break;
    }
    case T::renegotiation_info: {
      auto v = wire::decode_renegotiation_info(r);
      one_member("renegotiated_connection");
      o.hex(v.renegotiated_connection);
      o.close_object();
      break;
    }
    default:
      if (type == kExtSignatureAlgorithmsCert) {
        auto v = wire::decode_signature_algorithms(r);
        one_member("supported_signature_algorithms");
        named_list(o, Registry::signature_scheme, v.supported_signature_algorithms);
        o.close_object();
        break;
      }
      return false;
  }
  r.expect_end("extension_data");
  return true;
}

// Positions below are offsets within the message's encoding (0 = first header byte); `place`
// maps them to absolute input offsets across the record boundaries of a split message.
struct Placer {
  const wire::HandshakeMessage& m;
  std::size_t operator()(std::size_t position) const { return wire::absolute_offset(m, position); }
};

void extensions_value(JsonOut& o, const std::vector<wire::Extension>& exts, const Placer& place,
                      wire::ExtensionOrigin origin) {
  o.open_array();
  for (const auto& e : exts) {
    o.open_object();
    // e.offset counts as if the message's pieces were contiguous; place maps it home.
    o.offset(place(e.offset - place.m.offset));
    o.key("extension_type");
    named(o, Registry::extension_type, e.type);
    o.key("length");
    o.number(e.data.size());
    std::string_view name = wire::name_of(Registry::extension_type, e.type);
    std::string context =
        "extension " + (name.empty() ? std::to_string(e.type) : std::string(name));
    // Errors inside a split message are remapped by message_value.
    if (!extension_data(o, e.type, e.data, e.offset + 4, origin, context)) {
      o.key("data_hex");
      o.hex(e.data);
    }
    o.close_object();
  }
  o.close_array();
}

// ---- handshake messages ----------------------------------------------------------------------

void signed_value(JsonOut& o, const wire::DigitallySigned& s) {
  o.open_object();
  if (s.algorithm) {
    o.key("algorithm");
    named(o, Registry::signature_scheme, *s.algorithm);
  }
  o.key("signature");
  o.hex(s.signature);
  o.close_object();
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
  // Members added to the bodies of Finished messages, one string per Finished in order
  // (detail::RecordStyle::finished_members), and how many were used.
  const std::vector<std::string>* finished_members = nullptr;
  std::size_t* finished_seen = nullptr;

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

// body_value decodes a complete message body and writes it. Sets `note` and returns false,
// having written nothing, when the body is to be shown as hex.
bool body_value(JsonOut& b, const wire::HandshakeMessage& m, MessageContext& mc,
                std::string& note) {
  using HT = wire::HandshakeType;
  std::string context(wire::message_name(m.msg_type));
  if (context.empty()) {
    context = "Handshake";
  }
  wire::Reader r(m.body, m.offset + 4, context);
  Placer place{m};
  switch (static_cast<HT>(m.msg_type)) {
    case HT::hello_request:
      wire::decode_hello_request(r);
      b.open_object();
      break;
    case HT::client_hello: {
      wire::ClientHello v = wire::decode_client_hello(r);
      mc.state.client_version = v.client_version;
      b.open_object();
      b.key("client_version");
      named(b, Registry::protocol_version, v.client_version);
      b.key("random");
      b.hex(v.random);
      b.key("session_id");
      b.hex(v.session_id);
      b.key("cipher_suites");
      b.open_array();
      for (auto s : v.cipher_suites) {
        suite_value(b, s);
      }
      b.close_array();
      b.key("compression_methods");
      named_list(b, Registry::compression_method, v.compression_methods);
      if (v.extensions) {
        b.key("extensions");
        extensions_value(b, *v.extensions, place, wire::ExtensionOrigin::client_hello);
      }
      break;
    }
    case HT::server_hello: {
      wire::ServerHello v = wire::decode_server_hello(r);
      mc.state.server_version = v.server_version;
      mc.state.cipher_suite = v.cipher_suite;
      b.open_object();
      b.key("server_version");
      named(b, Registry::protocol_version, v.server_version);
      b.key("random");
      b.hex(v.random);
      b.key("session_id");
      b.hex(v.session_id);
      b.key("cipher_suite");
      suite_value(b, v.cipher_suite);
      b.key("compression_method");
      named(b, Registry::compression_method, v.compression_method);
      if (v.extensions) {
        b.key("extensions");
        extensions_value(b, *v.extensions, place, wire::ExtensionOrigin::server_hello);
      }
      break;
    }
    case HT::new_session_ticket: {
      wire::NewSessionTicket v = wire::decode_new_session_ticket(r);
      b.open_object();
      b.key("ticket_lifetime_hint");
      b.number(v.ticket_lifetime_hint);
      b.key("ticket");
      b.hex(v.ticket);
      break;
    }
    case HT::certificate: {
      wire::Certificate v = wire::decode_certificate(r);
      b.open_object();
      b.key("certificate_list");
      b.open_array();
      for (const auto& c : v.certificate_list) {
        b.open_object();
        b.key("length");
        b.number(c.size());
        b.key("cert_hex");
        b.hex(c);
        b.close_object();
      }
      b.close_array();
      break;
    }
    case HT::server_key_exchange: {
      wire::KexContext k = mc.kex();
      if (!k.cipher_suite) {
        note = raw_kex_note(m.msg_type, k);
        return false;
      }
      wire::ServerKeyExchange v = wire::decode_server_key_exchange(r, k);
      if (v.form == wire::KexForm::raw) {
        note = raw_kex_note(m.msg_type, k);
        return false;
      }
      b.open_object();
      b.key("form");
      b.string(form_name(v.form));
      b.key("params");
      b.open_object();
      if (v.form == wire::KexForm::dh) {
        b.key("dh_p");
        b.hex(v.dh.dh_p);
        b.key("dh_g");
        b.hex(v.dh.dh_g);
        b.key("dh_Ys");
        b.hex(v.dh.dh_Ys);
      } else if (v.form == wire::KexForm::ecdh) {
        b.key("curve_type");
        named(b, Registry::ec_curve_type, v.ecdh.curve_type);
        b.key("named_curve");
        named(b, Registry::named_group, v.ecdh.named_curve);
        b.key("point");
        b.hex(v.ecdh.point);
      } else if (v.form == wire::KexForm::rsa) {
        b.key("rsa_modulus");
        b.hex(v.rsa.rsa_modulus);
        b.key("rsa_exponent");
        b.hex(v.rsa.rsa_exponent);
      }
      b.close_object();
      if (v.signature) {
        b.key("signature");
        signed_value(b, *v.signature);
      }
      break;
    }
    case HT::certificate_request: {
      wire::CertificateRequest v = wire::decode_certificate_request(r, mc.version());
      b.open_object();
      b.key("certificate_types");
      named_list(b, Registry::client_certificate_type, v.certificate_types);
      if (v.signature_algorithms) {
        b.key("supported_signature_algorithms");
        named_list(b, Registry::signature_scheme, *v.signature_algorithms);
      }
      b.key("certificate_authorities");
      hex_list(b, v.certificate_authorities);
      break;
    }
    case HT::server_hello_done:
      wire::decode_server_hello_done(r);
      b.open_object();
      break;
    case HT::certificate_verify: {
      wire::CertificateVerify v = wire::decode_certificate_verify(r, mc.version());
      b.open_object();
      b.key("signature");
      signed_value(b, v.signature);
      break;
    }
    case HT::client_key_exchange: {
      wire::KexContext k = mc.kex();
      if (!k.cipher_suite) {
        note = raw_kex_note(m.msg_type, k);
        return false;
      }
      wire::ClientKeyExchange v = wire::decode_client_key_exchange(r, k);
      if (v.form == wire::KexForm::raw) {
        note = raw_kex_note(m.msg_type, k);
        return false;
      }
      b.open_object();
      b.key("form");
      b.string(form_name(v.form));
      if (v.form == wire::KexForm::rsa) {
        b.key("encrypted_pre_master_secret");
        b.hex(v.value);
        if (v.ssl3) {
          b.key("ssl3");
          b.boolean(true);
        }
      } else if (v.form == wire::KexForm::dh) {
        b.key("dh_Yc");
        b.hex(v.value);
      } else if (v.form == wire::KexForm::ecdh) {
        b.key("ecdh_Yc");
        b.hex(v.value);
      }
      break;
    }
    case HT::certificate_status: {
      wire::CertificateStatus v = wire::decode_certificate_status(r);
      b.open_object();
      b.key("status_type");
      named(b, Registry::certificate_status_type, v.status_type);
      if (v.status_type == 1) {
        b.key("response");
        b.hex(v.response);
      } else {
        b.key("response_hex");
        b.hex(v.raw);
      }
      break;
    }
    case HT::finished: {
      auto v = wire::decode_finished(r);
      b.open_object();
      b.key("verify_data");
      b.hex(v.verify_data);
      if (mc.finished_members != nullptr) {
        std::size_t k = (*mc.finished_seen)++;
        if (k < mc.finished_members->size() && !(*mc.finished_members)[k].empty()) {
          b.raw((*mc.finished_members)[k]);
        }
      }
      break;
    }
    default: {
      std::string_view n = wire::name_of(Registry::handshake_type, m.msg_type);
      note = "handshake type " + (n.empty() ? std::to_string(m.msg_type) : std::string(n)) +
             " is not decoded by hsk: body shown as hex";
      return false;
    }
  }
  r.expect_end("");
  b.close_object();
  return true;
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

void message_value(JsonOut& o, const wire::HandshakeMessage& m, MessageContext& mc) {
  o.open_object();
  o.offset(m.offset);
  o.key("msg_type");
  named(o, Registry::handshake_type, m.msg_type);
  o.key("length");
  o.number(m.body.size());
  if (m.record_split.size() > 1) {
    o.key("record_split");
    o.open_array();
    for (std::size_t n : m.record_split) {
      o.number(n);
    }
    o.close_array();
  }
  std::string note;
  // The body is written aside: a body shown as hex is only known once decoding has begun.
  JsonOut body(o.pretty(), o.depth());
  body.reserve(m.body.size() * 2 + 256);
  body.offset_base = o.offset_base;
  body.strip_offsets = o.strip_offsets;
  bool decoded = false;
  try {
    decoded = body_value(body, m, mc, note);
  } catch (const Error& e) {
    rethrow_remapped(e, m);
  }
  if (decoded) {
    o.key("body");
    o.raw(body.str());
  } else {
    o.key("body_hex");
    o.hex(m.body);
    o.key("note");
    o.string(note);
  }
  o.close_object();
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

// One record being written: handshake records stay open for the messages that start in them
// and complete later.
struct RecordOut {
  JsonOut out;
  std::size_t length = 0;
  bool open_messages = false;
};

// input_records decodes one input's records and writes each as a JSON object (records[i],
// at the depth of a record in the document).
std::vector<std::string> input_records(ByteView data, Negotiated& state,
                                       const DecodeOptions& options, bool pretty, int depth,
                                       const detail::RecordStyle& style) {
  std::vector<RecordOut> records;
  std::vector<FedRecord> fed;
  wire::HandshakeAssembler assembler;
  std::size_t pending_start = 0;
  std::size_t finished_seen = 0;
  bool is_protected = false;
  wire::Reader r(data, 0, "input");
  while (!r.empty()) {
    wire::Record rec =
        wire::decode_record(r, is_protected ? wire::kMaxCiphertext : wire::kMaxPlaintext);
    std::size_t index = records.size();
    RecordOut& ro = records.emplace_back(RecordOut{JsonOut(pretty, depth), rec.fragment.size()});
    JsonOut& jr = ro.out;
    jr.reserve(rec.fragment.size() * 2 + 256);
    jr.offset_base = style.offset_base;
    const auto* dec = index < style.decrypted.size() && style.decrypted[index]
                          ? &*style.decrypted[index]
                          : nullptr;
    jr.open_object();
    if (dec != nullptr) {
      // The plaintext of a protected record: the protected record's place and size, then
      // what the plaintext holds, without offsets (they would count into the plaintext).
      jr.key("offset");
      jr.number(dec->offset);
      jr.key("content_type");
      named(jr, Registry::content_type, rec.content_type);
      jr.key("version");
      named(jr, Registry::protocol_version, rec.version);
      jr.key("length");
      jr.number(dec->length);
      jr.key("encrypted");
      jr.boolean(true);
      jr.key("decrypted");
      jr.boolean(true);
      jr.key("plaintext_length");
      jr.number(rec.fragment.size());
      jr.strip_offsets = true;
    } else {
      jr.offset(rec.offset);
      jr.key("content_type");
      named(jr, Registry::content_type, rec.content_type);
      jr.key("version");
      named(jr, Registry::protocol_version, rec.version);
      jr.key("length");
      jr.number(rec.fragment.size());
    }
    std::size_t fragment_start = rec.offset + wire::kRecordHeaderSize;
    auto type = static_cast<wire::ContentType>(rec.content_type);
    auto encrypted = [&](bool value) {
      if (dec == nullptr) {
        jr.key("encrypted");
        jr.boolean(value);
      }
    };

    if (is_protected) {
      encrypted(true);
      jr.key("fragment_hex");
      jr.hex(rec.fragment);
    } else if (type == wire::ContentType::handshake) {
      if (rec.fragment.empty() && assembler.pending()) {
        // The assembler skips an empty record; encode must not put a queued piece into it.
        jr.key("fragment_hex");
        jr.string("");
        jr.close_object();
        continue;
      }
      jr.key("messages");
      jr.open_array();
      ro.open_messages = true;
      fed.push_back({fragment_start, index});
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
        std::size_t at = it == fed.begin() ? fed.back().index : std::prev(it)->index;
        MessageContext mc{state, options, rec.version, &style.finished_members, &finished_seen};
        message_value(records[at].out, m, mc);
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
      jr.key("change_cipher_spec");
      jr.open_object();
      jr.key("type");
      named(jr, Registry::change_cipher_spec_type, c.type);
      jr.close_object();
      is_protected = true;
    } else if (type == wire::ContentType::alert) {
      wire::Reader ar(rec.fragment, fragment_start, "Alert");
      wire::Alert a = wire::decode_alert(ar);
      ar.expect_end("Alert");
      jr.key("alert");
      jr.open_object();
      jr.key("level");
      named(jr, Registry::alert_level, a.level);
      jr.key("description");
      named(jr, Registry::alert_description, a.description);
      jr.close_object();
    } else {
      encrypted(false);
      jr.key("fragment_hex");
      jr.hex(rec.fragment);
    }
    jr.close_object();
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
        std::size_t len = records[f.index].length;
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
  std::vector<std::string> out;
  out.reserve(records.size());
  for (auto& ro : records) {
    if (ro.open_messages) {
      ro.out.close_array();
      ro.out.close_object();
    }
    out.push_back(ro.out.take());
  }
  return out;
}

// input_value writes one input object of the document.
void input_value(JsonOut& o, const Input& in, Negotiated& state, const DecodeOptions& options) {
  o.open_object();
  o.key("name");
  o.string(in.name);
  Bytes decoded;
  ByteView data = in.data;
  if (in.data.empty() || (in.data[0] >= 0x14 && in.data[0] <= 0x18)) {
    o.key("format");
    o.string("binary");
  } else {
    std::string_view text(reinterpret_cast<const char*>(in.data.data()), in.data.size());
    if (!looks_like_hex(text)) {
      if (auto pki = detail::pki_document(in.data, options.show_secret)) {
        for (auto it = pki->begin(); it != pki->end(); ++it) {
          o.key(it.key());
          detail::write_json(o, *it);
        }
        o.close_object();
        return;
      }
      throw_malformed(0, "input", neither_text(text), Error::kAlertDecodeError);
    }
    decoded = from_hex(text, "hex input");
    data = decoded;
    o.key("format");
    o.string("hex");
  }
  o.key("records");
  o.open_array();
  for (const std::string& rec :
       input_records(data, state, options, o.pretty(), o.depth(), detail::RecordStyle{})) {
    o.raw(rec);
  }
  o.close_array();
  o.close_object();
}

}  // namespace

namespace detail {
void write_json(JsonOut& o, const nlohmann::ordered_json& j) {
  switch (j.type()) {
    case Json::value_t::object:
      o.open_object();
      for (auto it = j.begin(); it != j.end(); ++it) {
        o.key(it.key());
        write_json(o, *it);
      }
      o.close_object();
      break;
    case Json::value_t::array:
      o.open_array();
      for (const auto& e : j) {
        write_json(o, e);
      }
      o.close_array();
      break;
    case Json::value_t::string:
      o.string(j.get_ref<const std::string&>());
      break;
    case Json::value_t::number_unsigned:
      o.number(j.get<std::uint64_t>());
      break;
    case Json::value_t::boolean:
      o.boolean(j.get<bool>());
      break;
    default:
      o.raw(j.dump(-1, ' ', false, Json::error_handler_t::replace));
      break;
  }
}

std::vector<std::string> input_records_compact(const Input& in, const DecodeOptions& options,
                                               const RecordStyle& style) {
  Negotiated state;
  return input_records(in.data, state, options, false, 0, style);
}
}  // namespace detail

namespace {
// build_document writes the whole document: {"hsk_decode": 1, "inputs": [...]}.
std::string build_document(std::span<const Input> inputs, const DecodeOptions& options,
                           bool pretty) {
  JsonOut o(pretty);
  o.open_object();
  o.key("hsk_decode");
  o.number(1);
  o.key("inputs");
  o.open_array();
  Negotiated state;
  for (const auto& in : inputs) {
    try {
      input_value(o, in, state, options);
    } catch (Error& e) {
      e.with_input(in.name);
      throw;
    }
  }
  o.close_array();
  o.close_object();
  return o.take();
}
}  // namespace

std::string decode_json(std::span<const Input> inputs, const DecodeOptions& options) {
  return build_document(inputs, options, true) + "\n";
}

std::string decode_text(std::span<const Input> inputs, const DecodeOptions& options) {
  return detail::render_document_text(Json::parse(build_document(inputs, options, false)),
                                      options.offsets);
}

}  // namespace hsk::inspect
