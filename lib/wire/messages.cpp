// hsk::wire handshake message codecs. Each decode_* reads the RFC struct field by field with
// the RFC's <min..max> at each vector and ends with expect_end; each encode_* writes the same
// fields through Writer, whose length prefixes patch themselves.
#include "wire/messages.hpp"

#include <algorithm>
#include <array>
#include <bitset>
#include <cstdio>
#include <string>

#include "hsk/error.hpp"

namespace hsk::wire {

namespace {

constexpr std::uint8_t kCurveTypeNamedCurve = 3;  // RFC 8422 §5.4
constexpr std::uint8_t kStatusTypeOcsp = 1;       // RFC 6066 §8

std::string hex16(std::uint16_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04x", v);
  return buf;
}

// read_u16_list reads a vector of uint16 values with a 2-byte length in [min, max]; an odd
// length fails with decode_error at the length field.
std::vector<std::uint16_t> read_u16_list(Reader& r, std::string_view field, std::size_t min,
                                         std::size_t max) {
  std::size_t at = r.offset();
  Reader v = r.vec16(field, min, max);
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

void write_u16_list(Writer& w, std::string_view field, const std::vector<std::uint16_t>& list) {
  w.vec16(field, [&](Writer& v) {
    for (std::uint16_t x : list) {
      v.u16(x);
    }
  });
}

Random read_random(Reader& r) {
  Random out{};
  ByteView b = r.take(out.size(), "random");
  std::copy(b.begin(), b.end(), out.begin());
  return out;
}

// The negotiated key-exchange shape, or nullopt when the suite is absent or unknown.
std::optional<KexShape> shape_of(const KexContext& ctx) {
  if (!ctx.cipher_suite) {
    return std::nullopt;
  }
  const CipherSuite* cs = find_cipher_suite(*ctx.cipher_suite);
  if (cs == nullptr) {
    return std::nullopt;
  }
  return kex_shape(cs->kx);
}

// ServerDHParams (RFC 5246 §7.4.3).
ServerDhParams read_dh_params(Reader& r) {
  ServerDhParams p;
  p.dh_p = r.opaque16("dh_p", 1, 0xffff);
  p.dh_g = r.opaque16("dh_g", 1, 0xffff);
  p.dh_Ys = r.opaque16("dh_Ys", 1, 0xffff);
  return p;
}

void write_dh_params(Writer& w, const ServerDhParams& p) {
  w.opaque16("dh_p", p.dh_p);
  w.opaque16("dh_g", p.dh_g);
  w.opaque16("dh_Ys", p.dh_Ys);
}

// ServerECDHParams (RFC 8422 §5.4): ECParameters curve_params; ECPoint public.
ServerEcdhParams read_ecdh_params(Reader& r) {
  ServerEcdhParams p;
  std::size_t at = r.offset();
  p.curve_type = r.u8("curve_type");
  if (p.curve_type != kCurveTypeNamedCurve) {
    r.fail_at(at, "curve_type",
              "curve type " + std::to_string(p.curve_type) + " is not named_curve(3)",
              Error::kAlertIllegalParameter);
  }
  p.named_curve = r.u16("namedcurve");
  p.point = r.opaque8("point", 1, 0xff);
  return p;
}

void write_ecdh_params(Writer& w, const ServerEcdhParams& p) {
  w.u8(p.curve_type);
  w.u16(p.named_curve);
  w.opaque8("point", p.point);
}

// ServerRSAParams (RFC 2246 §7.4.3).
ServerRsaParams read_rsa_params(Reader& r) {
  ServerRsaParams p;
  p.rsa_modulus = r.opaque16("rsa_modulus", 1, 0xffff);
  p.rsa_exponent = r.opaque16("rsa_exponent", 1, 0xffff);
  return p;
}

void write_rsa_params(Writer& w, const ServerRsaParams& p) {
  w.opaque16("rsa_modulus", p.rsa_modulus);
  w.opaque16("rsa_exponent", p.rsa_exponent);
}

// read_server_params reads the params of `shape` into m (setting m.form); false for shapes
// whose ServerKeyExchange is not modelled. Returns whether the form is signed in *signed_form.
bool read_server_params(Reader& r, std::optional<KexShape> shape, ServerKeyExchange& m,
                        bool* signed_form) {
  if (!shape) {
    return false;
  }
  switch (*shape) {
    case KexShape::dhe:
    case KexShape::dh_anon:
      m.form = KexForm::dh;
      m.dh = read_dh_params(r);
      *signed_form = *shape == KexShape::dhe;
      return true;
    case KexShape::ecdhe:
    case KexShape::ecdh_anon:
      m.form = KexForm::ecdh;
      m.ecdh = read_ecdh_params(r);
      *signed_form = *shape == KexShape::ecdhe;
      return true;
    case KexShape::rsa_export:
      m.form = KexForm::rsa;
      m.rsa = read_rsa_params(r);
      *signed_form = true;
      return true;
    case KexShape::rsa:
    case KexShape::dh_fixed:
    case KexShape::ecdh_fixed:
    case KexShape::other:
      return false;
  }
  return false;
}

void write_certificate_list(Writer& w, std::string_view field, const std::vector<Bytes>& list) {
  w.vec24(field, [&](Writer& v) {
    for (const Bytes& c : list) {
      v.opaque24("ASN.1Cert", c);
    }
  });
}

}  // namespace

// ---- extensions block ---------------------------------------------------------------------

std::vector<Extension> decode_extensions(Reader& r) {
  Reader block = r.vec16("extensions", 0, 0xffff);
  std::vector<Extension> out;
  std::bitset<65536> seen;
  while (!block.empty()) {
    Extension e;
    e.offset = block.offset();
    e.type = block.u16("extension_type");
    if (seen.test(e.type)) {
      block.fail_at(e.offset, "extension_type", "duplicate extension type " + hex16(e.type),
                    Error::kAlertIllegalParameter);
    }
    seen.set(e.type);
    e.data = block.opaque16("extension_data", 0, 0xffff);
    out.push_back(std::move(e));
  }
  return out;
}

void encode_extensions(Writer& w, const std::vector<Extension>& exts) {
  w.vec16("extensions", [&](Writer& block) {
    for (const Extension& e : exts) {
      block.u16(e.type);
      block.vec16(
          "extension_data", [&](Writer& d) { d.bytes(e.data); }, e.length_override);
    }
  });
}

// ---- HelloRequest, ClientHello, ServerHello (RFC 5246 §7.4.1) ------------------------------

HelloRequest decode_hello_request(Reader& r) {
  r.set_context("HelloRequest");
  r.expect_end("");
  return {};
}

void encode_hello_request(Writer&, const HelloRequest&) {}

ClientHello decode_client_hello(Reader& r) {
  r.set_context("ClientHello");
  ClientHello m;
  m.client_version = r.u16("client_version");
  m.random = read_random(r);
  m.session_id = r.opaque8("session_id", 0, 32);
  m.cipher_suites = read_u16_list(r, "cipher_suites", 2, 0xfffe);
  m.compression_methods = r.opaque8("compression_methods", 1, 0xff);
  if (!r.empty()) {
    m.extensions = decode_extensions(r);
  }
  r.expect_end("");
  return m;
}

void encode_client_hello(Writer& w, const ClientHello& m) {
  w.u16(m.client_version);
  w.bytes(m.random);
  w.opaque8("session_id", m.session_id);
  write_u16_list(w, "cipher_suites", m.cipher_suites);
  w.opaque8("compression_methods", m.compression_methods);
  if (m.extensions) {
    encode_extensions(w, *m.extensions);
  }
}

ServerHello decode_server_hello(Reader& r) {
  r.set_context("ServerHello");
  ServerHello m;
  m.server_version = r.u16("server_version");
  m.random = read_random(r);
  m.session_id = r.opaque8("session_id", 0, 32);
  m.cipher_suite = r.u16("cipher_suite");
  m.compression_method = r.u8("compression_method");
  if (!r.empty()) {
    m.extensions = decode_extensions(r);
  }
  r.expect_end("");
  return m;
}

void encode_server_hello(Writer& w, const ServerHello& m) {
  w.u16(m.server_version);
  w.bytes(m.random);
  w.opaque8("session_id", m.session_id);
  w.u16(m.cipher_suite);
  w.u8(m.compression_method);
  if (m.extensions) {
    encode_extensions(w, *m.extensions);
  }
}

// ---- Certificate (RFC 5246 §7.4.2) ---------------------------------------------------------

Certificate decode_certificate(Reader& r) {
  r.set_context("Certificate");
  Certificate m;
  Reader list = r.vec24("certificate_list", 0, 0xffffff);
  while (!list.empty()) {
    m.certificate_list.push_back(list.opaque24("ASN.1Cert", 1, 0xffffff));
  }
  r.expect_end("");
  return m;
}

void encode_certificate(Writer& w, const Certificate& m) {
  write_certificate_list(w, "certificate_list", m.certificate_list);
}

// ---- DigitallySigned (RFC 5246 §4.7) -------------------------------------------------------

DigitallySigned decode_digitally_signed(Reader& r, std::uint16_t version) {
  DigitallySigned s;
  if (version >= kTls12) {
    s.algorithm = r.u16("algorithm");
  }
  s.signature = r.opaque16("signature", 0, 0xffff);
  return s;
}

void encode_digitally_signed(Writer& w, const DigitallySigned& s) {
  if (s.algorithm) {
    w.u16(*s.algorithm);
  }
  w.opaque16("signature", s.signature);
}

// ---- ServerKeyExchange (RFC 5246 §7.4.3, RFC 8422 §5.4, RFC 2246 §7.4.3) -------------------

ServerKeyExchange decode_server_key_exchange(Reader& r, const KexContext& ctx) {
  r.set_context("ServerKeyExchange");
  ServerKeyExchange m;
  bool signed_form = false;
  if (read_server_params(r, shape_of(ctx), m, &signed_form)) {
    if (signed_form) {
      m.signature = decode_digitally_signed(r, ctx.version.value_or(kTls12));
    }
  } else {
    m.form = KexForm::raw;
    m.raw = r.bytes(r.remaining(), "body");
  }
  r.expect_end("");
  return m;
}

void encode_server_key_exchange(Writer& w, const ServerKeyExchange& m) {
  switch (m.form) {
    case KexForm::dh:
      write_dh_params(w, m.dh);
      break;
    case KexForm::ecdh:
      write_ecdh_params(w, m.ecdh);
      break;
    case KexForm::rsa:
      write_rsa_params(w, m.rsa);
      break;
    case KexForm::raw:
      w.bytes(m.raw);
      return;
    case KexForm::dh_implicit:
    case KexForm::ecdh_implicit:
      break;
  }
  if (m.signature) {
    encode_digitally_signed(w, *m.signature);
  }
}

ByteView server_params_bytes(ByteView body, const KexContext& ctx) {
  Reader r(body, 0, "ServerKeyExchange");
  ServerKeyExchange m;
  bool signed_form = false;
  if (!read_server_params(r, shape_of(ctx), m, &signed_form)) {
    return {};
  }
  return body.first(body.size() - r.remaining());
}

std::string kex_raw_reason(std::uint8_t msg_type, const KexContext& ctx) {
  if (!ctx.cipher_suite) {
    return "no cipher suite negotiated";
  }
  const CipherSuite* cs = find_cipher_suite(*ctx.cipher_suite);
  if (cs == nullptr) {
    return "unknown cipher suite " + hex16(*ctx.cipher_suite);
  }
  KexShape shape = kex_shape(cs->kx);
  std::string kx(to_string(cs->kx));
  if (shape == KexShape::other) {
    return "key exchange " + kx + " is not modelled";
  }
  if (msg_type == static_cast<std::uint8_t>(HandshakeType::server_key_exchange) &&
      (shape == KexShape::rsa || shape == KexShape::dh_fixed || shape == KexShape::ecdh_fixed)) {
    return "key exchange " + kx + " sends no ServerKeyExchange";
  }
  return {};
}

// ---- CertificateRequest (RFC 5246 §7.4.4, RFC 4346 §7.4.4) ---------------------------------

CertificateRequest decode_certificate_request(Reader& r, std::uint16_t version) {
  r.set_context("CertificateRequest");
  CertificateRequest m;
  m.certificate_types = r.opaque8("certificate_types", 1, 0xff);
  if (version >= kTls12) {
    m.signature_algorithms = read_u16_list(r, "supported_signature_algorithms", 2, 0xfffe);
  }
  Reader cas = r.vec16("certificate_authorities", 0, 0xffff);
  while (!cas.empty()) {
    m.certificate_authorities.push_back(cas.opaque16("DistinguishedName", 1, 0xffff));
  }
  r.expect_end("");
  return m;
}

void encode_certificate_request(Writer& w, const CertificateRequest& m) {
  w.opaque8("certificate_types", m.certificate_types);
  if (m.signature_algorithms) {
    write_u16_list(w, "supported_signature_algorithms", *m.signature_algorithms);
  }
  w.vec16("certificate_authorities", [&](Writer& v) {
    for (const Bytes& dn : m.certificate_authorities) {
      v.opaque16("DistinguishedName", dn);
    }
  });
}

// ---- ServerHelloDone, CertificateVerify, ClientKeyExchange, Finished -----------------------

ServerHelloDone decode_server_hello_done(Reader& r) {
  r.set_context("ServerHelloDone");
  r.expect_end("");
  return {};
}

void encode_server_hello_done(Writer&, const ServerHelloDone&) {}

CertificateVerify decode_certificate_verify(Reader& r, std::uint16_t version) {
  r.set_context("CertificateVerify");
  CertificateVerify m;
  m.signature = decode_digitally_signed(r, version);
  r.expect_end("");
  return m;
}

void encode_certificate_verify(Writer& w, const CertificateVerify& m) {
  encode_digitally_signed(w, m.signature);
}

ClientKeyExchange decode_client_key_exchange(Reader& r, const KexContext& ctx) {
  r.set_context("ClientKeyExchange");
  ClientKeyExchange m;
  std::optional<KexShape> shape = shape_of(ctx);
  KexShape s = shape.value_or(KexShape::other);
  switch (s) {
    case KexShape::rsa:
    case KexShape::rsa_export:
      // RFC 5246 §7.4.7.1: opaque <0..2^16-1>; SSL 3.0 sends the bare ciphertext.
      m.form = KexForm::rsa;
      if (ctx.version == kSsl30) {
        m.ssl3 = true;
        m.value = r.bytes(r.remaining(), "pre_master_secret");
      } else {
        m.value = r.opaque16("pre_master_secret", 0, 0xffff);
      }
      break;
    case KexShape::dh_fixed:
    case KexShape::dhe:
    case KexShape::dh_anon:
      // RFC 5246 §7.4.7.2: ClientDiffieHellmanPublic; implicit (empty) only for fixed DH.
      if (s == KexShape::dh_fixed && r.empty()) {
        m.form = KexForm::dh_implicit;
      } else {
        m.form = KexForm::dh;
        m.value = r.opaque16("dh_Yc", 1, 0xffff);
      }
      break;
    case KexShape::ecdh_fixed:
    case KexShape::ecdhe:
    case KexShape::ecdh_anon:
      // RFC 8422 §5.7: ClientECDiffieHellmanPublic, ECPoint ecdh_Yc <1..2^8-1>.
      if (s == KexShape::ecdh_fixed && r.empty()) {
        m.form = KexForm::ecdh_implicit;
      } else {
        m.form = KexForm::ecdh;
        m.value = r.opaque8("ecdh_Yc", 1, 0xff);
      }
      break;
    case KexShape::other:
      m.form = KexForm::raw;
      m.value = r.bytes(r.remaining(), "body");
      break;
  }
  r.expect_end("");
  return m;
}

void encode_client_key_exchange(Writer& w, const ClientKeyExchange& m) {
  switch (m.form) {
    case KexForm::rsa:
      if (m.ssl3) {
        w.bytes(m.value);
      } else {
        w.opaque16("pre_master_secret", m.value);
      }
      break;
    case KexForm::dh:
      w.opaque16("dh_Yc", m.value);
      break;
    case KexForm::ecdh:
      w.opaque8("ecdh_Yc", m.value);
      break;
    case KexForm::dh_implicit:
    case KexForm::ecdh_implicit:
      break;
    case KexForm::raw:
      w.bytes(m.value);
      break;
  }
}

Finished decode_finished(Reader& r) {
  r.set_context("Finished");
  Finished m;
  m.verify_data = r.bytes(r.remaining(), "verify_data");
  r.expect_end("");
  return m;
}

void encode_finished(Writer& w, const Finished& m) { w.bytes(m.verify_data); }

// ---- NewSessionTicket (RFC 5077 §3.3), CertificateStatus (RFC 6066 §8) ---------------------

NewSessionTicket decode_new_session_ticket(Reader& r) {
  r.set_context("NewSessionTicket");
  NewSessionTicket m;
  m.ticket_lifetime_hint = r.u32("ticket_lifetime_hint");
  m.ticket = r.opaque16("ticket", 0, 0xffff);
  r.expect_end("");
  return m;
}

void encode_new_session_ticket(Writer& w, const NewSessionTicket& m) {
  w.u32(m.ticket_lifetime_hint);
  w.opaque16("ticket", m.ticket);
}

CertificateStatus decode_certificate_status(Reader& r) {
  r.set_context("CertificateStatus");
  CertificateStatus m;
  m.status_type = r.u8("status_type");
  if (m.status_type == kStatusTypeOcsp) {
    m.response = r.opaque24("OCSPResponse", 1, 0xffffff);
  } else {
    m.raw = r.bytes(r.remaining(), "response");
  }
  r.expect_end("");
  return m;
}

void encode_certificate_status(Writer& w, const CertificateStatus& m) {
  w.u8(m.status_type);
  if (m.status_type == kStatusTypeOcsp) {
    w.opaque24("OCSPResponse", m.response);
  } else {
    w.bytes(m.raw);
  }
}

// ---- ChangeCipherSpec (RFC 5246 §7.1), Alert (§7.2) ----------------------------------------

ChangeCipherSpec decode_change_cipher_spec(Reader& r) {
  r.set_context("ChangeCipherSpec");
  ChangeCipherSpec m;
  std::size_t at = r.offset();
  m.type = r.u8("type");
  if (m.type != 1) {
    r.fail_at(at, "type", "type " + std::to_string(m.type) + " is not change_cipher_spec(1)",
              Error::kAlertIllegalParameter);
  }
  r.expect_end("");
  return m;
}

void encode_change_cipher_spec(Writer& w, const ChangeCipherSpec& m) { w.u8(m.type); }

Alert decode_alert(Reader& r) {
  r.set_context("Alert");
  Alert m;
  std::size_t at = r.offset();
  m.level = r.u8("level");
  if (m.level != 1 && m.level != 2) {
    r.fail_at(at, "level",
              "level " + std::to_string(m.level) + " is neither warning(1) nor fatal(2)",
              Error::kAlertIllegalParameter);
  }
  m.description = r.u8("description");
  r.expect_end("");
  return m;
}

void encode_alert(Writer& w, const Alert& m) {
  w.u8(m.level);
  w.u8(m.description);
}

namespace {

struct MessageName {
  std::uint8_t msg_type;
  std::string_view name;
};

// RFC struct names by HandshakeType, sorted by code.
constexpr std::array kMessageNames{
    MessageName{0, "HelloRequest"},        MessageName{1, "ClientHello"},
    MessageName{2, "ServerHello"},         MessageName{4, "NewSessionTicket"},
    MessageName{11, "Certificate"},        MessageName{12, "ServerKeyExchange"},
    MessageName{13, "CertificateRequest"}, MessageName{14, "ServerHelloDone"},
    MessageName{15, "CertificateVerify"},  MessageName{16, "ClientKeyExchange"},
    MessageName{20, "Finished"},           MessageName{22, "CertificateStatus"},
};
static_assert(std::is_sorted(kMessageNames.begin(), kMessageNames.end(),
                             [](const MessageName& a, const MessageName& b) {
                               return a.msg_type < b.msg_type;
                             }));

}  // namespace

std::string_view message_name(std::uint8_t msg_type) {
  for (const MessageName& n : kMessageNames) {
    if (n.msg_type == msg_type) {
      return n.name;
    }
  }
  return {};
}

}  // namespace hsk::wire
