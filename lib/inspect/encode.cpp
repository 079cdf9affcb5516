// hsk::inspect — the encoder: the JSON document of decode_json (possibly edited) -> wire bytes.
//
// Every value is read through one of a few checked getters that name the JSON path on
// failure. Enumerated values are accepted as {"code": n, ...} (the code wins), {"name": s}
// without a code, a bare number or a registered name. Explicit record, message, extension
// and certificate lengths are written as given unless fix_lengths; absent ones are computed
// by the writer.
#include <nlohmann/json.hpp>

#include <deque>
#include <string>
#include <vector>

#include "hsk/error.hpp"
#include "inspect/inspect.hpp"
#include "wire/extensions.hpp"
#include "wire/messages.hpp"
#include "wire/record.hpp"
#include "wire/registry.hpp"
#include "wire/writer.hpp"

namespace hsk::inspect {

namespace {

using Json = nlohmann::json;
using wire::Registry;

constexpr std::uint16_t kExtSignatureAlgorithmsCert = 50;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw Error(ErrorKind::malformed, path + ": " + what, Error::kAlertDecodeError);
}

// rethrow_at gives an error from the wire encoders (which know the field, not the JSON
// path) the path of the value being encoded; errors that already carry a path pass through.
[[noreturn]] void rethrow_at(const std::string& path, const Error& e) {
  if (e.detail().rfind("inputs[", 0) == 0) {
    throw e;
  }
  fail(path, e.detail());
}

std::string member_path(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string index_path(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// ---- checked getters ---------------------------------------------------------------------

const Json& need(const Json& obj, std::string_view key, const std::string& path) {
  if (!obj.is_object()) {
    fail(path, "not an object");
  }
  auto it = obj.find(key);
  if (it == obj.end()) {
    fail(member_path(path, key), "missing");
  }
  return *it;
}

const Json& need_array(const Json& obj, std::string_view key, const std::string& path) {
  const Json& v = need(obj, key, path);
  if (!v.is_array()) {
    fail(member_path(path, key), "not an array");
  }
  return v;
}

const Json& need_object(const Json& v, const std::string& path) {
  if (!v.is_object()) {
    fail(path, "not an object");
  }
  return v;
}

std::uint64_t get_uint(const Json& v, const std::string& path, std::uint64_t max) {
  if (!v.is_number_integer()) {
    fail(path, "not a non-negative integer");
  }
  if (v.is_number_integer() && !v.is_number_unsigned() && v.get<std::int64_t>() < 0) {
    fail(path, "negative");
  }
  std::uint64_t n = v.get<std::uint64_t>();
  if (n > max) {
    fail(path, std::to_string(n) + " is above the maximum " + std::to_string(max));
  }
  return n;
}

Bytes get_hex(const Json& v, const std::string& path) {
  if (!v.is_string()) {
    fail(path, "not a hex string");
  }
  const auto& s = v.get_ref<const std::string&>();
  try {
    return from_hex(s, path);
  } catch (const Error& e) {
    fail(path, "not hex: " + e.detail());
  }
}

Bytes need_hex(const Json& obj, std::string_view key, const std::string& path) {
  return get_hex(need(obj, key, path), member_path(path, key));
}

std::vector<Bytes> need_hex_list(const Json& obj, std::string_view key, const std::string& path) {
  const Json& a = need_array(obj, key, path);
  std::string p = member_path(path, key);
  std::vector<Bytes> out;
  for (std::size_t i = 0; i < a.size(); ++i) {
    out.push_back(get_hex(a[i], index_path(p, i)));
  }
  return out;
}

// What an enumerated value names: a registry, or the cipher-suite table.
struct EnumKind {
  std::optional<Registry> registry;  // nullopt: cipher suite
  std::uint32_t max;
  const char* what;  // "a cipher suite", ...
};

constexpr EnumKind kSuite{std::nullopt, 0xffff, "a cipher suite"};
constexpr EnumKind kContentType{Registry::content_type, 0xff, "a content type"};
constexpr EnumKind kVersion{Registry::protocol_version, 0xffff, "a protocol version"};
constexpr EnumKind kHandshakeType{Registry::handshake_type, 0xff, "a handshake type"};
constexpr EnumKind kAlertLevel{Registry::alert_level, 0xff, "an alert level"};
constexpr EnumKind kAlertDescription{Registry::alert_description, 0xff, "an alert description"};
constexpr EnumKind kExtensionType{Registry::extension_type, 0xffff, "an extension type"};
constexpr EnumKind kNamedGroup{Registry::named_group, 0xffff, "a named group"};
constexpr EnumKind kPointFormat{Registry::ec_point_format, 0xff, "an EC point format"};
constexpr EnumKind kCurveType{Registry::ec_curve_type, 0xff, "an EC curve type"};
constexpr EnumKind kSignatureScheme{Registry::signature_scheme, 0xffff, "a signature scheme"};
constexpr EnumKind kCompression{Registry::compression_method, 0xff, "a compression method"};
constexpr EnumKind kCertificateType{Registry::client_certificate_type, 0xff,
                                    "a client certificate type"};
constexpr EnumKind kServerNameType{Registry::server_name_type, 0xff, "a server name type"};
constexpr EnumKind kStatusType{Registry::certificate_status_type, 0xff,
                               "a certificate status type"};
constexpr EnumKind kPskMode{Registry::psk_key_exchange_mode, 0xff, "a PSK key exchange mode"};
constexpr EnumKind kCcsType{Registry::change_cipher_spec_type, 0xff, "a ChangeCipherSpec type"};

std::uint16_t get_enum(const Json& v, const std::string& path, const EnumKind& kind) {
  if (v.is_object()) {
    if (!v.contains("code") && v.contains("name")) {
      return get_enum(v["name"], member_path(path, "name"), kind);  // {"name": "x25519"}
    }
    return static_cast<std::uint16_t>(
        get_uint(need(v, "code", path), member_path(path, "code"), kind.max));
  }
  if (v.is_number()) {
    return static_cast<std::uint16_t>(get_uint(v, path, kind.max));
  }
  if (v.is_string()) {
    const auto& name = v.get_ref<const std::string&>();
    std::optional<std::uint16_t> code;
    if (!kind.registry) {
      if (const auto* s = wire::find_cipher_suite(name)) {
        code = s->code;
      }
    } else {
      code = wire::code_of(*kind.registry, name);
    }
    if (!code || *code > kind.max) {
      fail(path, "'" + name + "' is not " + kind.what +
                     (name == "GREASE" ? " (GREASE names no single value: give the code)" : ""));
    }
    return *code;
  }
  fail(path,
       std::string("not ") + kind.what + " (use {\"code\": n}, a number or a registered name)");
}

std::uint16_t need_enum(const Json& obj, std::string_view key, const std::string& path,
                        const EnumKind& kind) {
  return get_enum(need(obj, key, path), member_path(path, key), kind);
}

std::vector<std::uint16_t> need_enum_list(const Json& obj, std::string_view key,
                                          const std::string& path, const EnumKind& kind) {
  const Json& a = need_array(obj, key, path);
  std::string p = member_path(path, key);
  std::vector<std::uint16_t> out;
  for (std::size_t i = 0; i < a.size(); ++i) {
    out.push_back(get_enum(a[i], index_path(p, i), kind));
  }
  return out;
}

Bytes need_enum_bytes(const Json& obj, std::string_view key, const std::string& path,
                      const EnumKind& kind) {
  Bytes out;
  for (auto c : need_enum_list(obj, key, path, kind)) {
    out.push_back(static_cast<std::uint8_t>(c));
  }
  return out;
}

// ---- encoding context ---------------------------------------------------------------------

struct Encoder {
  bool fix_lengths;

  // length returns the explicit "length" of obj to write as given, unless fix_lengths.
  std::optional<std::uint32_t> length(const Json& obj, const std::string& path,
                                      std::uint32_t max) const {
    if (fix_lengths || !obj.contains("length")) {
      return std::nullopt;
    }
    return static_cast<std::uint32_t>(get_uint(obj["length"], member_path(path, "length"), max));
  }

  // ---- extensions ----

  Bytes extension_data(std::uint16_t type, const Json& d, const std::string& path,
                       wire::ExtensionOrigin origin) const {
    using T = wire::ExtensionType;
    need_object(d, path);
    wire::Writer w;
    switch (static_cast<T>(type)) {
      case T::server_name: {
        wire::ServerNameList v;
        if (!d.contains("server_name_list")) {
          v.empty_body = true;
        } else {
          const Json& a = need_array(d, "server_name_list", path);
          std::string p = member_path(path, "server_name_list");
          for (std::size_t i = 0; i < a.size(); ++i) {
            std::string ip = index_path(p, i);
            wire::ServerName n;
            n.name_type =
                static_cast<std::uint8_t>(need_enum(a[i], "name_type", ip, kServerNameType));
            if (a[i].contains("host_name")) {
              const Json& h = a[i]["host_name"];
              if (!h.is_string()) {
                fail(member_path(ip, "host_name"), "not a string");
              }
              ByteView b = as_bytes(h.get_ref<const std::string&>());
              n.name.assign(b.begin(), b.end());
            } else if (a[i].contains("host_name_hex")) {
              n.name = need_hex(a[i], "host_name_hex", ip);
            } else {
              n.name = need_hex(a[i], "name_hex", ip);
            }
            v.server_name_list.push_back(std::move(n));
          }
        }
        wire::encode_server_name(w, v);
        break;
      }
      case T::status_request: {
        wire::StatusRequest v;
        if (d.empty()) {
          v.empty_body = true;
        } else {
          v.status_type = static_cast<std::uint8_t>(need_enum(d, "status_type", path, kStatusType));
          if (v.status_type == 1) {
            v.responder_id_list = need_hex_list(d, "responder_id_list", path);
            v.request_extensions = need_hex(d, "request_extensions", path);
          } else {
            v.raw = need_hex(d, "request_hex", path);
          }
        }
        wire::encode_status_request(w, v);
        break;
      }
      case T::supported_groups:
        wire::encode_supported_groups(w,
                                      {need_enum_list(d, "named_group_list", path, kNamedGroup)});
        break;
      case T::ec_point_formats:
        wire::encode_ec_point_formats(
            w, {need_enum_bytes(d, "ec_point_format_list", path, kPointFormat)});
        break;
      case T::signature_algorithms:
        wire::encode_signature_algorithms(
            w, {need_enum_list(d, "supported_signature_algorithms", path, kSignatureScheme)});
        break;
      case T::application_layer_protocol_negotiation: {
        wire::ProtocolNameList v;
        const Json& a = need_array(d, "protocol_name_list", path);
        std::string p = member_path(path, "protocol_name_list");
        for (std::size_t i = 0; i < a.size(); ++i) {
          if (a[i].is_string()) {
            ByteView b = as_bytes(a[i].get_ref<const std::string&>());
            v.protocol_name_list.emplace_back(b.begin(), b.end());
          } else {
            v.protocol_name_list.push_back(need_hex(a[i], "hex", index_path(p, i)));
          }
        }
        wire::encode_alpn(w, v);
        break;
      }
      case T::padding: {
        wire::Padding v;
        if (d.contains("padding")) {
          v.padding = need_hex(d, "padding", path);
          if (!fix_lengths && d.contains("length") &&
              get_uint(d["length"], member_path(path, "length"), 0xffff) != v.padding.size()) {
            fail(member_path(path, "length"), "disagrees with padding (" +
                                                  std::to_string(v.padding.size()) +
                                                  " bytes): drop one of them");
          }
        } else {
          v.padding.assign(get_uint(need(d, "length", path), member_path(path, "length"), 0xffff),
                           0);
        }
        wire::encode_padding(w, v);
        break;
      }
      case T::encrypt_then_mac:
      case T::extended_master_secret:
        break;
      case T::record_size_limit:
        wire::encode_record_size_limit(
            w,
            {static_cast<std::uint16_t>(get_uint(need(d, "record_size_limit", path),
                                                 member_path(path, "record_size_limit"), 0xffff))});
        break;
      case T::session_ticket:
        wire::encode_session_ticket(w, {need_hex(d, "ticket", path)});
        break;
      case T::supported_versions:
        wire::encode_supported_versions(w, {need_enum_list(d, "versions", path, kVersion)}, origin);
        break;
      case T::psk_key_exchange_modes:
        wire::encode_psk_key_exchange_modes(w, {need_enum_bytes(d, "ke_modes", path, kPskMode)});
        break;
      case T::key_share: {
        wire::KeyShare v;
        auto entry = [&](const Json& e, const std::string& p) {
          wire::KeyShareEntry k;
          k.group = need_enum(e, "group", p, kNamedGroup);
          k.key_exchange = need_hex(e, "key_exchange", p);
          return k;
        };
        if (d.contains("client_shares")) {
          const Json& a = need_array(d, "client_shares", path);
          for (std::size_t i = 0; i < a.size(); ++i) {
            v.client_shares.push_back(
                entry(a[i], index_path(member_path(path, "client_shares"), i)));
          }
        } else if (d.contains("server_share")) {
          v.server_share = entry(d["server_share"], member_path(path, "server_share"));
        } else if (d.contains("selected_group")) {
          v.selected_group = need_enum(d, "selected_group", path, kNamedGroup);
        } else {
          fail(path, "needs client_shares, server_share or selected_group");
        }
        wire::encode_key_share(w, v);
        break;
      }
      case T::renegotiation_info:
        wire::encode_renegotiation_info(w, {need_hex(d, "renegotiated_connection", path)});
        break;
      default:
        if (type == kExtSignatureAlgorithmsCert) {
          wire::encode_signature_algorithms(
              w, {need_enum_list(d, "supported_signature_algorithms", path, kSignatureScheme)});
          break;
        }
        fail(path, "extension type " + std::to_string(type) + " has no typed form: use data_hex");
    }
    return w.take();
  }

  std::vector<wire::Extension> extensions(const Json& a, const std::string& path,
                                          wire::ExtensionOrigin origin) const {
    if (!a.is_array()) {
      fail(path, "not an array");
    }
    std::vector<wire::Extension> out;
    for (std::size_t i = 0; i < a.size(); ++i) {
      std::string p = index_path(path, i);
      const Json& e = need_object(a[i], p);
      wire::Extension x;
      x.type = need_enum(e, "extension_type", p, kExtensionType);
      x.length_override = length(e, p, 0xffff);
      if (e.contains("data_hex")) {
        x.data = need_hex(e, "data_hex", p);
      } else {
        std::string dp = member_path(p, "data");
        try {
          x.data = extension_data(x.type, need(e, "data", p), dp, origin);
        } catch (const Error& err) {
          rethrow_at(dp, err);
        }
      }
      out.push_back(std::move(x));
    }
    return out;
  }

  // ---- message bodies ----

  static wire::Random random(const Json& obj, const std::string& path) {
    Bytes b = need_hex(obj, "random", path);
    if (b.size() != 32) {
      fail(member_path(path, "random"), "must be 32 bytes, not " + std::to_string(b.size()));
    }
    wire::Random r{};
    std::copy(b.begin(), b.end(), r.begin());
    return r;
  }

  static wire::DigitallySigned digitally_signed(const Json& obj, const std::string& path) {
    need_object(obj, path);
    wire::DigitallySigned s;
    if (obj.contains("algorithm")) {
      s.algorithm = need_enum(obj, "algorithm", path, kSignatureScheme);
    }
    s.signature = need_hex(obj, "signature", path);
    return s;
  }

  static wire::KexForm form(const Json& body, const std::string& path) {
    const Json& f = need(body, "form", path);
    std::string p = member_path(path, "form");
    if (!f.is_string()) {
      fail(p, "not a string");
    }
    const auto& s = f.get_ref<const std::string&>();
    if (s == "rsa") {
      return wire::KexForm::rsa;
    }
    if (s == "dh") {
      return wire::KexForm::dh;
    }
    if (s == "ecdh") {
      return wire::KexForm::ecdh;
    }
    if (s == "dh_implicit") {
      return wire::KexForm::dh_implicit;
    }
    if (s == "ecdh_implicit") {
      return wire::KexForm::ecdh_implicit;
    }
    if (s == "raw") {
      return wire::KexForm::raw;
    }
    fail(p,
         "'" + s + "' is not a key-exchange form (rsa, dh, dh_implicit, ecdh, ecdh_implicit, raw)");
  }

  void certificate(wire::Writer& w, const Json& b, const std::string& path) const {
    const Json& a = need_array(b, "certificate_list", path);
    std::string p = member_path(path, "certificate_list");
    wire::Certificate v;
    std::vector<std::optional<std::uint32_t>> lengths;
    bool any_override = false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      std::string ip = index_path(p, i);
      need_object(a[i], ip);
      v.certificate_list.push_back(need_hex(a[i], "cert_hex", ip));
      lengths.push_back(length(a[i], ip, 0xffffff));
      any_override =
          any_override || (lengths.back() && *lengths.back() != v.certificate_list.back().size());
    }
    if (!any_override) {
      wire::encode_certificate(w, v);
      return;
    }
    // An explicit certificate length that disagrees: write the RFC 5246 §7.4.2 struct here.
    w.vec24("certificate_list", [&](wire::Writer& l) {
      for (std::size_t i = 0; i < v.certificate_list.size(); ++i) {
        l.vec24(
            "ASN.1Cert", [&](wire::Writer& c) { c.bytes(v.certificate_list[i]); }, lengths[i]);
      }
    });
  }

  Bytes body(std::uint8_t msg_type, const Json& b, const std::string& path) const {
    using HT = wire::HandshakeType;
    need_object(b, path);
    wire::Writer w;
    switch (static_cast<HT>(msg_type)) {
      case HT::hello_request:
        wire::encode_hello_request(w, {});
        break;
      case HT::client_hello: {
        wire::ClientHello v;
        v.client_version = need_enum(b, "client_version", path, kVersion);
        v.random = random(b, path);
        v.session_id = need_hex(b, "session_id", path);
        v.cipher_suites = need_enum_list(b, "cipher_suites", path, kSuite);
        v.compression_methods = need_enum_bytes(b, "compression_methods", path, kCompression);
        if (b.contains("extensions")) {
          v.extensions = extensions(b["extensions"], member_path(path, "extensions"),
                                    wire::ExtensionOrigin::client_hello);
        }
        wire::encode_client_hello(w, v);
        break;
      }
      case HT::server_hello: {
        wire::ServerHello v;
        v.server_version = need_enum(b, "server_version", path, kVersion);
        v.random = random(b, path);
        v.session_id = need_hex(b, "session_id", path);
        v.cipher_suite = need_enum(b, "cipher_suite", path, kSuite);
        v.compression_method =
            static_cast<std::uint8_t>(need_enum(b, "compression_method", path, kCompression));
        if (b.contains("extensions")) {
          v.extensions = extensions(b["extensions"], member_path(path, "extensions"),
                                    wire::ExtensionOrigin::server_hello);
        }
        wire::encode_server_hello(w, v);
        break;
      }
      case HT::new_session_ticket: {
        wire::NewSessionTicket v;
        v.ticket_lifetime_hint = static_cast<std::uint32_t>(
            get_uint(need(b, "ticket_lifetime_hint", path),
                     member_path(path, "ticket_lifetime_hint"), 0xffffffff));
        v.ticket = need_hex(b, "ticket", path);
        wire::encode_new_session_ticket(w, v);
        break;
      }
      case HT::certificate:
        certificate(w, b, path);
        break;
      case HT::server_key_exchange: {
        wire::ServerKeyExchange v;
        v.form = form(b, path);
        if (v.form == wire::KexForm::raw) {
          v.raw = need_hex(b, "raw", path);
        } else {
          const Json& p = need_object(need(b, "params", path), member_path(path, "params"));
          std::string pp = member_path(path, "params");
          if (v.form == wire::KexForm::dh) {
            v.dh.dh_p = need_hex(p, "dh_p", pp);
            v.dh.dh_g = need_hex(p, "dh_g", pp);
            v.dh.dh_Ys = need_hex(p, "dh_Ys", pp);
          } else if (v.form == wire::KexForm::ecdh) {
            v.ecdh.curve_type =
                static_cast<std::uint8_t>(need_enum(p, "curve_type", pp, kCurveType));
            v.ecdh.named_curve = need_enum(p, "named_curve", pp, kNamedGroup);
            v.ecdh.point = need_hex(p, "point", pp);
          } else if (v.form == wire::KexForm::rsa) {
            v.rsa.rsa_modulus = need_hex(p, "rsa_modulus", pp);
            v.rsa.rsa_exponent = need_hex(p, "rsa_exponent", pp);
          } else {
            fail(member_path(path, "form"), "ServerKeyExchange has no implicit form");
          }
          if (b.contains("signature")) {
            v.signature = digitally_signed(b["signature"], member_path(path, "signature"));
          }
        }
        wire::encode_server_key_exchange(w, v);
        break;
      }
      case HT::certificate_request: {
        wire::CertificateRequest v;
        v.certificate_types = need_enum_bytes(b, "certificate_types", path, kCertificateType);
        if (b.contains("supported_signature_algorithms")) {
          v.signature_algorithms =
              need_enum_list(b, "supported_signature_algorithms", path, kSignatureScheme);
        }
        v.certificate_authorities = need_hex_list(b, "certificate_authorities", path);
        wire::encode_certificate_request(w, v);
        break;
      }
      case HT::server_hello_done:
        wire::encode_server_hello_done(w, {});
        break;
      case HT::certificate_verify:
        wire::encode_certificate_verify(
            w, {digitally_signed(need(b, "signature", path), member_path(path, "signature"))});
        break;
      case HT::client_key_exchange: {
        wire::ClientKeyExchange v;
        v.form = form(b, path);
        switch (v.form) {
          case wire::KexForm::rsa:
            v.value = need_hex(b, "encrypted_pre_master_secret", path);
            if (b.contains("ssl3")) {
              if (!b["ssl3"].is_boolean()) {
                fail(member_path(path, "ssl3"), "not true or false");
              }
              v.ssl3 = b["ssl3"].get<bool>();
            }
            break;
          case wire::KexForm::dh:
            v.value = need_hex(b, "dh_Yc", path);
            break;
          case wire::KexForm::ecdh:
            v.value = need_hex(b, "ecdh_Yc", path);
            break;
          case wire::KexForm::raw:
            v.value = need_hex(b, "raw", path);
            break;
          case wire::KexForm::dh_implicit:
          case wire::KexForm::ecdh_implicit:
            break;
        }
        wire::encode_client_key_exchange(w, v);
        break;
      }
      case HT::certificate_status: {
        wire::CertificateStatus v;
        v.status_type = static_cast<std::uint8_t>(need_enum(b, "status_type", path, kStatusType));
        if (v.status_type == 1) {
          v.response = need_hex(b, "response", path);
        } else {
          v.raw = need_hex(b, "response_hex", path);
        }
        wire::encode_certificate_status(w, v);
        break;
      }
      case HT::finished:
        wire::encode_finished(w, {need_hex(b, "verify_data", path)});
        break;
      default:
        fail(path,
             "handshake type " + std::to_string(msg_type) + " has no typed form: use body_hex");
    }
    return w.take();
  }

  // message returns the whole Handshake struct (header and body) and its record_split.
  Bytes message(const Json& m, const std::string& path, std::vector<std::size_t>& split) const {
    need_object(m, path);
    wire::HandshakeMessage hm;
    hm.msg_type = static_cast<std::uint8_t>(need_enum(m, "msg_type", path, kHandshakeType));
    hm.length_override = length(m, path, 0xffffff);
    if (m.contains("body_hex")) {
      hm.body = need_hex(m, "body_hex", path);
    } else {
      std::string bp = member_path(path, "body");
      try {
        hm.body = body(hm.msg_type, need(m, "body", path), bp);
      } catch (const Error& e) {
        rethrow_at(bp, e);
      }
    }
    split.clear();
    if (m.contains("record_split")) {
      const Json& a = need_array(m, "record_split", path);
      for (std::size_t i = 0; i < a.size(); ++i) {
        split.push_back(get_uint(a[i], index_path(member_path(path, "record_split"), i), 0xffffff));
      }
    }
    return wire::encode_handshake(hm);
  }

  // input appends the records of one input to out.
  void input(const Json& in, const std::string& path, Bytes& out) const {
    need_object(in, path);
    const Json& records = need_array(in, "records", path);
    std::string rpath = member_path(path, "records");
    std::deque<Bytes> queued;  // pieces of a split message still to place
    std::string queued_from;   // path of that message, for errors
    for (std::size_t i = 0; i < records.size(); ++i) {
      std::string p = index_path(rpath, i);
      const Json& r = need_object(records[i], p);
      wire::Record rec;
      rec.content_type = static_cast<std::uint8_t>(need_enum(r, "content_type", p, kContentType));
      rec.version = need_enum(r, "version", p, kVersion);
      rec.length_override = length(r, p, 0xffff);
      if (r.contains("fragment_hex")) {
        rec.fragment = need_hex(r, "fragment_hex", p);
      } else if (r.contains("messages")) {
        const Json& ms = need_array(r, "messages", p);
        std::string mp = member_path(p, "messages");
        if (!queued.empty()) {
          rec.fragment = std::move(queued.front());
          queued.pop_front();
          if (!queued.empty() && !ms.empty()) {
            fail(mp, "the message split at " + queued_from +
                         " continues past this record: it can hold no other message");
          }
        }
        for (std::size_t k = 0; k < ms.size(); ++k) {
          std::string msg_path = index_path(mp, k);
          std::vector<std::size_t> split;
          Bytes bytes = message(ms[k], msg_path, split);
          if (split.size() <= 1) {
            rec.fragment.insert(rec.fragment.end(), bytes.begin(), bytes.end());
            continue;
          }
          if (k + 1 != ms.size()) {
            fail(member_path(msg_path, "record_split"),
                 "only the last message of a record can continue into the next record");
          }
          // Pieces as asked; the last piece takes whatever remains.
          std::size_t at = 0;
          for (std::size_t s = 0; s + 1 < split.size(); ++s) {
            if (at + split[s] > bytes.size()) {
              fail(member_path(msg_path, "record_split"),
                   "asks for more bytes than the message has (" + std::to_string(bytes.size()) +
                       ")");
            }
            Bytes piece(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                        bytes.begin() + static_cast<std::ptrdiff_t>(at + split[s]));
            if (s == 0) {
              rec.fragment.insert(rec.fragment.end(), piece.begin(), piece.end());
            } else {
              queued.push_back(std::move(piece));
            }
            at += split[s];
          }
          queued.emplace_back(bytes.begin() + static_cast<std::ptrdiff_t>(at), bytes.end());
          queued_from = msg_path;
        }
      } else if (r.contains("change_cipher_spec")) {
        const Json& c = need_object(r["change_cipher_spec"], member_path(p, "change_cipher_spec"));
        wire::ChangeCipherSpec v;
        v.type = static_cast<std::uint8_t>(
            need_enum(c, "type", member_path(p, "change_cipher_spec"), kCcsType));
        wire::Writer w;
        wire::encode_change_cipher_spec(w, v);
        rec.fragment = w.take();
      } else if (r.contains("alert")) {
        std::string ap = member_path(p, "alert");
        const Json& a = need_object(r["alert"], ap);
        wire::Alert v;
        v.level = static_cast<std::uint8_t>(need_enum(a, "level", ap, kAlertLevel));
        v.description =
            static_cast<std::uint8_t>(need_enum(a, "description", ap, kAlertDescription));
        wire::Writer w;
        wire::encode_alert(w, v);
        rec.fragment = w.take();
      } else {
        fail(p, "needs one of messages, change_cipher_spec, alert or fragment_hex");
      }
      wire::Writer w;
      try {
        wire::encode_record(w, rec);
      } catch (const Error& e) {
        rethrow_at(p, e);
      }
      Bytes b = w.take();
      out.insert(out.end(), b.begin(), b.end());
    }
    if (!queued.empty()) {
      fail(queued_from + ".record_split",
           "the message continues past the last handshake record of the input (" +
               std::to_string(queued.size()) + " piece(s) left)");
    }
  }
};

}  // namespace

Bytes encode_json(std::string_view json_text, const EncodeOptions& options) {
  Json doc;
  try {
    doc = Json::parse(json_text);
  } catch (const Json::parse_error& e) {
    std::size_t at = e.byte > 0 ? e.byte - 1 : 0;
    std::string what = e.what();
    auto cut = what.find("] ");  // drop nlohmann's "[json.exception.parse_error.101] "
    throw Error(ErrorKind::malformed, at, "JSON",
                cut == std::string::npos ? what : what.substr(cut + 2), Error::kAlertDecodeError);
  }
  need_object(doc, "document");
  if (doc.contains("hsk_decode")) {
    if (get_uint(doc["hsk_decode"], "hsk_decode", 0xffff) != 1) {
      fail("hsk_decode", "unsupported document version (this hsk writes and reads 1)");
    }
  }
  const Json& inputs = need_array(doc, "inputs", "");
  Encoder enc{options.fix_lengths};
  Bytes out;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    std::string p = index_path("inputs", i);
    try {
      enc.input(inputs[i], p, out);
    } catch (const Error& e) {
      rethrow_at(p, e);
    }
  }
  return out;
}

}  // namespace hsk::inspect
