// hsk::handshake derive_client — phase 3, the client's side (contract in derive_pms.hpp):
// check the server flight (RFC 5246 §7.4.1.3 - §7.4.5, RFC 8422 §5.4 - §5.5), then build the
// client flight (§7.4.6 - §7.4.8) and derive the keys (key_schedule.hpp).
#include <fmt/core.h>

#include <algorithm>
#include <string>
#include <vector>

#include "crypto/tls_crypto.hpp"
#include "dh/groups.hpp"
#include "handshake/derive_pms.hpp"
#include "handshake/signatures.hpp"
#include "hsk/error.hpp"
#include "pki/chain.hpp"
#include "wire/extensions.hpp"
#include "wire/messages.hpp"
#include "wire/reader.hpp"
#include "wire/registry.hpp"

namespace hsk::handshake {

namespace {

using wire::HandshakeMessage;
using wire::HandshakeType;

// Alerts without a named constant in hsk::Error (RFC 5246 §7.2).

// ClientCertificateType (RFC 5246 §7.4.4, RFC 8422 §5.5).
constexpr std::uint8_t kRsaSign = 1;
constexpr std::uint8_t kDssSign = 2;
constexpr std::uint8_t kRsaFixedDh = 3;
constexpr std::uint8_t kDssFixedDh = 4;
constexpr std::uint8_t kEcdsaSign = 64;

std::uint8_t type_code(HandshakeType t) { return static_cast<std::uint8_t>(t); }

std::string message_label(std::uint8_t msg_type) {
  std::string_view name = wire::message_name(msg_type);
  return name.empty() ? fmt::format("handshake message type {}", msg_type) : std::string(name);
}

std::string version_label(std::uint16_t v) {
  std::string_view name = wire::name_of(wire::Registry::protocol_version, v);
  return name.empty() ? fmt::format("0x{:04x}", v) : fmt::format("{}", name);
}

std::string suite_label(std::uint16_t code) {
  const wire::CipherSuite* s = wire::find_cipher_suite(code);
  return s ? fmt::format("{} (0x{:04x})", s->iana, code) : fmt::format("0x{:04x}", code);
}

std::string group_label(std::uint16_t code) {
  std::string_view name = wire::name_of(wire::Registry::named_group, code);
  return name.empty() ? fmt::format("0x{:04x}", code) : fmt::format("{} (0x{:04x})", name, code);
}

std::string scheme_label(std::uint16_t code) {
  std::string_view name = wire::name_of(wire::Registry::signature_scheme, code);
  return name.empty() ? fmt::format("0x{:04x}", code) : fmt::format("{} (0x{:04x})", name, code);
}

std::string cert_type_label(std::uint8_t t) {
  std::string_view name = wire::name_of(wire::Registry::client_certificate_type, t);
  return name.empty() ? std::to_string(t) : std::string(name);
}

// Errors about one received message name its offset and its RFC struct.
[[noreturn]] void fail(ErrorKind kind, const HandshakeMessage& m, std::string what,
                       std::uint8_t alert) {
  throw Error(kind, m.offset, message_label(m.msg_type), std::move(what), alert);
}
[[noreturn]] void fail_check(const HandshakeMessage& m, std::string what, std::uint8_t alert) {
  fail(ErrorKind::check_failed, m, std::move(what), alert);
}

// rethrow_at re-raises an error from a layer that does not know the message (crypto checks of
// a peer value) with the message's offset and name, keeping its kind and alert.
[[noreturn]] void rethrow_at(const HandshakeMessage& m, const Error& e, std::string_view field) {
  throw Error(e.kind(), m.offset, message_label(m.msg_type),
              fmt::format("{}: {}", field, e.detail()), e.alert());
}

wire::Reader body_reader(const HandshakeMessage& m) {
  return wire::Reader(m.body, wire::absolute_offset(m, 4));
}

const wire::Extension* find_ext(const std::optional<std::vector<wire::Extension>>& exts,
                                wire::ExtensionType type) {
  if (!exts) {
    return nullptr;
  }
  for (const auto& e : *exts) {
    if (e.type == static_cast<std::uint16_t>(type)) {
      return &e;
    }
  }
  return nullptr;
}

// The client's supported_groups / signature_algorithms, nullopt when it did not send them.
std::optional<std::vector<std::uint16_t>> offered_groups(const wire::ClientHello& ch) {
  const wire::Extension* e = find_ext(ch.extensions, wire::ExtensionType::supported_groups);
  if (e == nullptr) {
    return std::nullopt;
  }
  wire::Reader r(e->data);
  return wire::decode_supported_groups(r).named_group_list;
}
std::optional<std::vector<std::uint16_t>> offered_sigalgs(const wire::ClientHello& ch) {
  const wire::Extension* e = find_ext(ch.extensions, wire::ExtensionType::signature_algorithms);
  if (e == nullptr) {
    return std::nullopt;
  }
  wire::Reader r(e->data);
  return wire::decode_signature_algorithms(r).supported_signature_algorithms;
}

template <typename T>
bool contains(const std::vector<T>& v, T x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}
bool contains_byte(ByteView v, std::uint8_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// chain_alert maps a chain fault to the alert OpenSSL 3 sends for it (ssl_x509err2alert).
std::uint8_t chain_alert(pki::ChainError e) {
  switch (e) {
    case pki::ChainError::issuer_not_found:
    case pki::ChainError::issuer_of_trusted_not_found:
    case pki::ChainError::self_signed_leaf:
    case pki::ChainError::self_signed_in_chain:
    case pki::ChainError::chain_too_long:
    case pki::ChainError::issuer_not_ca:
    case pki::ChainError::path_length_exceeded:
      return Error::kAlertUnknownCa;
    case pki::ChainError::expired:
      return Error::kAlertCertificateExpired;
    case pki::ChainError::signature_failure:
    case pki::ChainError::signature_algorithm_mismatch:
      return Error::kAlertDecryptError;
    case pki::ChainError::unsuitable_purpose:
      return Error::kAlertUnsupportedCertificate;
    default:
      return Error::kAlertBadCertificate;
  }
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view s) {
  std::string out;
  for (char c : s) {
    out += ascii_lower(c);
  }
  if (!out.empty() && out.back() == '.') {
    out.pop_back();
  }
  return out;
}

// dns_name_matches: RFC 6125 §6.4 — case-insensitive, a wildcard only as the whole leftmost
// label of the pattern, matching exactly one label.
bool dns_name_matches(std::string_view pattern_in, std::string_view host_in) {
  std::string pattern = lowered(pattern_in);
  std::string host = lowered(host_in);
  if (pattern.size() > 2 && pattern[0] == '*' && pattern[1] == '.') {
    std::size_t dot = host.find('.');
    return dot != std::string::npos && dot > 0 && host.substr(dot) == pattern.substr(1);
  }
  return pattern == host;
}

// parse_ipv4 reads a dotted quad; empty when `s` is not one.
Bytes parse_ipv4(std::string_view s) {
  Bytes out;
  unsigned part = 0;
  int digits = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '.') {
      if (digits == 0 || part > 255) {
        return {};
      }
      out.push_back(static_cast<std::uint8_t>(part));
      part = 0;
      digits = 0;
    } else if (s[i] >= '0' && s[i] <= '9' && digits < 3) {
      part = part * 10 + static_cast<unsigned>(s[i] - '0');
      ++digits;
    } else {
      return {};
    }
  }
  return out.size() == 4 ? out : Bytes{};
}

// leaf_names lists the names a certificate is for (for messages), and whether `host` is one:
// subjectAltName DNS and IP entries; the subject's last CN only when there is no DNS SAN
// (RFC 6125 §6.4.4).
bool certificate_matches_host(const pki::Certificate& c, const std::string& host,
                              std::string* names) {
  Bytes ip = parse_ipv4(host);
  bool has_dns = false;
  bool match = false;
  for (const auto& san : c.subject_alt_names) {
    if (san.kind == pki::GeneralName::Kind::dns) {
      has_dns = true;
      std::string name(san.value.begin(), san.value.end());
      *names += (names->empty() ? "" : ", ") + name;
      if (ip.empty() && dns_name_matches(name, host)) {
        match = true;
      }
    } else if (san.kind == pki::GeneralName::Kind::ip) {
      *names += (names->empty() ? "" : ", ") + pki::general_name_to_string(san);
      if (!ip.empty() && san.value == ip) {
        match = true;
      }
    }
  }
  if (!has_dns && ip.empty()) {
    for (auto it = c.subject.rdns.rbegin(); it != c.subject.rdns.rend(); ++it) {
      for (const auto& a : it->attributes) {
        if (a.oid == "2.5.4.3") {
          std::string cn = pki::attribute_text(a);
          *names += (names->empty() ? "CN " : ", CN ") + cn;
          return match || dns_name_matches(cn, host);
        }
      }
    }
  }
  return match;
}

// The key type the server certificate must carry for a key exchange (RFC 5246 §7.4.2,
// RFC 8422 §2): nullopt for anonymous ones.
std::optional<crypto::KeyType> server_key_type_for(wire::KeyExchange kx) {
  switch (kx) {
    case wire::KeyExchange::rsa:
    case wire::KeyExchange::dhe_rsa:
    case wire::KeyExchange::ecdhe_rsa:
      return crypto::KeyType::rsa;
    case wire::KeyExchange::dhe_dss:
      return crypto::KeyType::dsa;
    case wire::KeyExchange::ecdhe_ecdsa:
    case wire::KeyExchange::ecdh_ecdsa:
    case wire::KeyExchange::ecdh_rsa:
      return crypto::KeyType::ec;
    case wire::KeyExchange::dh_rsa:
    case wire::KeyExchange::dh_dss:
      return crypto::KeyType::dh;
    default:
      return std::nullopt;
  }
}

bool kex_supported(wire::KexShape shape) {
  switch (shape) {
    case wire::KexShape::rsa:
    case wire::KexShape::dh_fixed:
    case wire::KexShape::dhe:
    case wire::KexShape::dh_anon:
    case wire::KexShape::ecdh_fixed:
    case wire::KexShape::ecdhe:
    case wire::KexShape::ecdh_anon:
      return true;
    default:
      return false;
  }
}

crypto::EcdhGroup group_of_curve(crypto::Curve c) {
  return c == crypto::Curve::p384 ? crypto::EcdhGroup::secp384r1 : crypto::EcdhGroup::secp256r1;
}

Bytes handshake_bytes(HandshakeType type, Bytes body) {
  HandshakeMessage m;
  m.msg_type = type_code(type);
  m.body = std::move(body);
  return wire::encode_handshake(m);
}

std::string ordinal(std::size_t n) {
  const char* suffix = (n % 100 >= 11 && n % 100 <= 13) ? "th"
                       : n % 10 == 1                    ? "st"
                       : n % 10 == 2                    ? "nd"
                       : n % 10 == 3                    ? "rd"
                                                        : "th";
  return std::to_string(n) + suffix;
}

std::string name_of_cert(const pki::Certificate& c) {
  std::string s = pki::name_to_string(c.subject);
  return s.empty() ? "(empty subject)" : s;
}

// How the client answers a CertificateRequest.
enum class ClientAuth { not_requested, empty, signing, fixed_dh };

// run_client_kex does the work of client_key_exchange on `state`, which it may leave half
// updated when it throws.
ClientKexResult run_client_kex(State& state, const std::vector<wire::HandshakeMessage>& flight,
                               const ClientKexOptions& o, crypto::Rng& rng) {
  if (state.role != Role::client) {
    throw_usage("this is a server state; the client role of derive-pms needs the client's");
  }
  if (state.transcript.size() != 1 ||
      state.transcript[0].msg_type() != type_code(HandshakeType::client_hello) ||
      state.negotiated_version || state.server_random) {
    throw_usage(fmt::format(
        "this client state has already gone past its ClientHello ({} transcript messages): "
        "start a new handshake with client-hello",
        state.transcript.size()));
  }
  if (!o.client_chain.empty() != o.client_key.has_value()) {
    throw_usage("a client certificate needs its key and a key needs its certificate");
  }
  if (o.client_key) {
    if (!o.client_chain[0].key || !(*o.client_chain[0].key == o.client_key->pub)) {
      throw_usage("the client key is not the private key of the client certificate (" +
                  name_of_cert(o.client_chain[0]) + ")");
    }
  }

  const wire::ClientHello ch = transcript_client_hello(state);
  ClientKexResult res;
  std::string& ex = res.explain;

  // ---- ServerHello (RFC 5246 §7.4.1.3) ----
  if (flight.empty()) {
    throw Error(ErrorKind::malformed, "the server flight holds no handshake message",
                Error::kAlertUnexpectedMessage);
  }
  const HandshakeMessage& shm = flight[0];
  if (shm.msg_type != type_code(HandshakeType::server_hello)) {
    fail(ErrorKind::malformed, shm,
         "the server flight must begin with ServerHello, not " + message_label(shm.msg_type),
         Error::kAlertUnexpectedMessage);
  }
  wire::ServerHello sh;
  {
    wire::Reader r = body_reader(shm);
    sh = wire::decode_server_hello(r);
  }
  const std::uint16_t version = sh.server_version;
  if (version > ch.client_version || version < wire::kTls10) {
    fail_check(shm,
               fmt::format("server_version {} is {} (the ClientHello offered up to {}, and hsk "
                           "speaks TLS 1.0 and up)",
                           version_label(version),
                           version > ch.client_version ? "above what we offered" : "too old",
                           version_label(ch.client_version)),
               Error::kAlertProtocolVersion);
  }
  auto offered = std::find(ch.cipher_suites.begin(), ch.cipher_suites.end(), sh.cipher_suite);
  if (offered == ch.cipher_suites.end() || sh.cipher_suite == 0x00ff ||
      wire::is_grease(sh.cipher_suite)) {
    fail_check(shm,
               fmt::format("cipher_suite {} was not offered: this server flight does not answer "
                           "this client's ClientHello",
                           suite_label(sh.cipher_suite)),
               Error::kAlertIllegalParameter);
  }
  if (!contains_byte(ch.compression_methods, sh.compression_method)) {
    fail_check(shm,
               fmt::format("compression_method {} was not offered: this server flight does not "
                           "answer this client's ClientHello",
                           sh.compression_method),
               Error::kAlertIllegalParameter);
  }
  if (sh.compression_method != 0) {
    fail_check(shm,
               fmt::format("the server chose compression method {}; hsk implements only null",
                           sh.compression_method),
               Error::kAlertHandshakeFailure);
  }
  if (!ch.session_id.empty() && sh.session_id == ch.session_id) {
    fail_check(shm,
               "the ServerHello echoes the session id we offered (a resumption, RFC 5246 §7.3 "
               "Figure 2) but the server goes on with a full handshake flight",
               Error::kAlertUnexpectedMessage);
  }
  if (sh.extensions) {
    bool scsv = contains(ch.cipher_suites, std::uint16_t{0x00ff});
    for (const auto& e : *sh.extensions) {
      bool sent = find_ext(ch.extensions, static_cast<wire::ExtensionType>(e.type)) != nullptr;
      if (e.type == static_cast<std::uint16_t>(wire::ExtensionType::renegotiation_info) && scsv) {
        sent = true;  // RFC 5746 §3.6: the SCSV stands for the extension
      }
      if (!sent) {
        fail_check(
            shm, fmt::format("extension {} was not in the ClientHello (RFC 5246 §7.4.1.4)", e.type),
            Error::kAlertUnsupportedExtension);
      }
    }
  }
  const wire::CipherSuite* suite = wire::find_cipher_suite(sh.cipher_suite);
  const wire::KexShape shape = suite ? wire::kex_shape(suite->kx) : wire::KexShape::other;
  if (suite == nullptr || !kex_supported(shape) || suite->cipher_type == wire::CipherType::none) {
    fail_check(
        shm,
        fmt::format("hsk cannot run the key exchange of {}",
                    suite ? std::string(wire::to_string(suite->kx)) : suite_label(sh.cipher_suite)),
        Error::kAlertHandshakeFailure);
  }
  if (suite->tls12_only && version < wire::kTls12) {
    fail_check(shm,
               fmt::format("{} needs TLS 1.2 but the server chose {}", suite_label(sh.cipher_suite),
                           version_label(version)),
               Error::kAlertIllegalParameter);
  }
  state.negotiated_version = version;
  state.cipher_suite = sh.cipher_suite;
  std::copy(sh.random.begin(), sh.random.end(), state.server_random.emplace().begin());
  state.server_session_id = sh.session_id;
  add_message(state, Role::server, wire::encode_handshake(shm));

  const std::size_t choice = static_cast<std::size_t>(offered - ch.cipher_suites.begin()) + 1;
  ex += "phase 2 - server authentication and key exchange (what the server sent)\n";
  ex += fmt::format("  ServerHello: {} (we offered up to {}), {} - our {} choice of {}\n",
                    version_label(version), version_label(ch.client_version),
                    suite_label(sh.cipher_suite), ordinal(choice), ch.cipher_suites.size());
  ex += fmt::format("    key exchange {}, server authentication {}\n", wire::to_string(suite->kx),
                    wire::to_string(suite->auth));
  ex += fmt::format("    server_random {} (public; it enters every key)\n", to_hex(sh.random));
  ex += fmt::format("    session_id {}\n",
                    sh.session_id.empty() ? std::string("empty (the session cannot be resumed)")
                                          : to_hex(sh.session_id) + " (a new session)");
  if (sh.extensions && !sh.extensions->empty()) {
    std::string names;
    for (const auto& e : *sh.extensions) {
      std::string_view n = wire::name_of(wire::Registry::extension_type, e.type);
      names += (names.empty() ? "" : ", ") +
               (n.empty() ? fmt::format("0x{:04x}", e.type) : std::string(n));
    }
    ex += fmt::format("    extensions: {}\n", names);
  }

  // ---- the rest of the flight, in the order RFC 5246 §7.3 fixes ----
  const std::optional<crypto::KeyType> want_key = server_key_type_for(suite->kx);
  const bool anonymous = !want_key.has_value();
  const bool needs_ske = shape == wire::KexShape::dhe || shape == wire::KexShape::dh_anon ||
                         shape == wire::KexShape::ecdhe || shape == wire::KexShape::ecdh_anon;
  const wire::KexContext ctx{version, sh.cipher_suite};
  std::size_t at = 1;
  auto expect = [&](HandshakeType type, const char* why) -> const HandshakeMessage& {
    if (at >= flight.size()) {
      throw Error(
          ErrorKind::malformed,
          fmt::format("the server flight ends before {} ({})", message_label(type_code(type)), why),
          Error::kAlertUnexpectedMessage);
    }
    const HandshakeMessage& m = flight[at];
    if (m.msg_type != type_code(type)) {
      fail(ErrorKind::malformed, m,
           fmt::format("expected {} here ({})", message_label(type_code(type)), why),
           Error::kAlertUnexpectedMessage);
    }
    ++at;
    add_message(state, Role::server, wire::encode_handshake(m));
    return m;
  };

  std::vector<pki::Certificate> chain;
  std::optional<crypto::PublicKey> server_key;
  if (!anonymous) {
    const HandshakeMessage& m =
        expect(HandshakeType::certificate, "a non-anonymous suite sends the server's Certificate");
    wire::Reader r = body_reader(m);
    wire::Certificate cm = wire::decode_certificate(r);
    if (cm.certificate_list.empty()) {
      fail_check(m, "the server sent an empty certificate_list", Error::kAlertBadCertificate);
    }
    for (std::size_t i = 0; i < cm.certificate_list.size(); ++i) {
      try {
        chain.push_back(pki::parse_certificate(cm.certificate_list[i]));
      } catch (const Error& e) {
        fail(ErrorKind::malformed, m,
             fmt::format("certificate {} (depth {}) does not parse: {}", i + 1, i, e.message()),
             Error::kAlertBadCertificate);
      }
    }
    const pki::Certificate& leaf = chain[0];
    if (!leaf.key) {
      fail_check(m, "the server's key is not one hsk supports: " + leaf.key_error,
                 Error::kAlertUnsupportedCertificate);
    }
    if (leaf.key->type != *want_key) {
      fail_check(m,
                 fmt::format("the server certificate carries a {} key but {} needs {}",
                             crypto::key_type_name(leaf.key->type), wire::to_string(suite->kx),
                             crypto::key_type_name(*want_key)),
                 Error::kAlertIllegalParameter);
    }
    // keyUsage, when present, must allow what the key does here (RFC 5280 §4.2.1.3).
    if (leaf.key_usage) {
      std::uint16_t need =
          shape == wire::KexShape::rsa ? pki::key_usage::kKeyEncipherment
          : (shape == wire::KexShape::dh_fixed || shape == wire::KexShape::ecdh_fixed)
              ? pki::key_usage::kKeyAgreement
              : pki::key_usage::kDigitalSignature;
      if ((*leaf.key_usage & need) == 0) {
        fail_check(m,
                   fmt::format("the server certificate's keyUsage lacks {} which {} needs",
                               pki::key_usage_names(need)[0], wire::to_string(suite->kx)),
                   Error::kAlertUnsupportedCertificate);
      }
    }
    server_key = leaf.key;
    ex += fmt::format("  Certificate: {} certificate{}; the server's is \"{}\", key {}\n",
                      chain.size(), chain.size() == 1 ? "" : "s", name_of_cert(leaf),
                      leaf.key_description());
    if (o.insecure) {
      res.warnings.emplace_back("server certificate NOT verified (--insecure)");
      ex += "    chain NOT verified (--insecure): anyone could have sent this certificate\n";
      state.values["server_certificate_verified"] = "false";
    } else {
      if (o.trusted.empty()) {
        throw_usage(
            "the server sent a certificate chain but no trust anchor was given: name the CA "
            "with --ca FILE (or skip the check with --insecure)");
      }
      pki::ChainOptions copt;
      copt.at = o.now != 0 ? o.now : pki::now_utc();
      copt.purpose = pki::Purpose::server;
      std::span<const pki::Certificate> rest(chain.data() + 1, chain.size() - 1);
      pki::ChainResult cr = pki::verify_chain(leaf, rest, o.trusted, copt);
      if (!cr.valid()) {
        std::uint8_t alert =
            cr.problems.empty() ? Error::kAlertUnknownCa : chain_alert(cr.problems.front().error);
        fail_check(m, "server certificate chain: " + pki::chain_verdict(cr), alert);
      }
      ex += fmt::format(
          "    chain verified: {} certificate{} up to the trusted \"{}\" (purpose serverAuth, at "
          "{})\n",
          cr.chain.size(), cr.chain.size() == 1 ? "" : "s", name_of_cert(cr.chain.back()),
          pki::format_time(copt.at));
      if (!o.server_name.empty()) {
        std::string names;
        if (!certificate_matches_host(leaf, o.server_name, &names)) {
          fail_check(m,
                     fmt::format("the server certificate is not for \"{}\" (it names {})",
                                 o.server_name, names.empty() ? "no host" : names),
                     Error::kAlertBadCertificate);
        }
        ex += fmt::format("    it is for \"{}\" (it names {})\n", o.server_name, names);
      }
      state.values["server_certificate_verified"] = "true";
    }
  } else {
    ex += fmt::format("  no Certificate: {} is anonymous - nothing proves who the server is\n",
                      wire::to_string(suite->kx));
  }

  // ServerKeyExchange (RFC 5246 §7.4.3, RFC 8422 §5.4).
  wire::ServerKeyExchange ske;
  if (needs_ske) {
    const HandshakeMessage& m = expect(HandshakeType::server_key_exchange,
                                       "DHE, ECDHE and anonymous suites send their parameters");
    {
      wire::Reader r = body_reader(m);
      ske = wire::decode_server_key_exchange(r, ctx);
    }
    const bool dh = shape == wire::KexShape::dhe || shape == wire::KexShape::dh_anon;
    if (dh) {
      Bytes p = crypto::minimal(ske.dh.dh_p);
      Bytes g = crypto::minimal(ske.dh.dh_g);
      std::string g_text = "(" + std::to_string(crypto::bit_length(g)) + " bits)";
      if (g.size() <= 4) {
        std::uint32_t v = 0;
        for (std::uint8_t b : g) {
          v = v << 8 | b;
        }
        g_text = std::to_string(v);
      }
      ex +=
          fmt::format("  ServerKeyExchange: DH group p {} bits, g = {}; server public Ys {} bits\n",
                      crypto::bit_length(p), g_text, crypto::bit_length(ske.dh.dh_Ys));
    } else {
      ex += fmt::format("  ServerKeyExchange: curve {}, server public point {} bytes\n",
                        group_label(ske.ecdh.named_curve), ske.ecdh.point.size());
    }
    if (!anonymous) {
      if (!ske.signature) {
        fail(ErrorKind::malformed, m, "the parameters of a signed suite carry no signature",
             Error::kAlertDecodeError);
      }
      const wire::DigitallySigned& sig = *ske.signature;
      if (version >= wire::kTls12 && sig.algorithm) {
        std::optional<std::vector<std::uint16_t>> ours = offered_sigalgs(ch);
        if (ours && !contains(*ours, *sig.algorithm)) {
          fail_check(m,
                     fmt::format("signature scheme {} was not in our signature_algorithms",
                                 scheme_label(*sig.algorithm)),
                     Error::kAlertIllegalParameter);
        }
      }
      ByteView params = wire::server_params_bytes(m.body, ctx);
      Bytes signed_data = ske_signed_data(state.client_random, sh.random, params);
      SignatureCheck check = verify_handshake_signature(*server_key, version, sig, signed_data);
      if (!check.valid) {
        fail_check(
            m,
            fmt::format("signature ({}) does not verify with the server certificate's key: {}",
                        check.algorithm_name, check.reason),
            Error::kAlertDecryptError);
      }
      ex += fmt::format(
          "    signed by the server certificate's key with {} over client_random + "
          "server_random + params ({} + 32 + 32 bytes): valid - these parameters are the "
          "server's own\n",
          check.algorithm_name, params.size());
    } else {
      ex += "    unsigned (anonymous): a man in the middle could replace them\n";
    }
    if (dh) {
      Bytes p = crypto::minimal(ske.dh.dh_p);
      std::size_t bits = crypto::bit_length(p);
      if (bits < 1024) {
        if (!o.allow_weak_dh) {
          fail_check(m,
                     fmt::format("dh_p has {} bits, below the 1024 hsk accepts "
                                 "(--allow-weak-dh to go on)",
                                 bits),
                     Error::kAlertInsufficientSecurity);
        }
        res.warnings.push_back(
            fmt::format("weak DH group accepted: p has {} bits (--allow-weak-dh)", bits));
      }
      // A well-known group (RFC 7919, RFC 3526) is a proven safe prime: 8 Miller-Rabin rounds
      // on its p would be ~90% of a DHE handshake's time (scripts/bench-handshake).
      crypto::DhParams params;
      params.p = p;
      params.g = crypto::minimal(ske.dh.dh_g);
      if (dh::identify_group(params) == nullptr && !crypto::is_probable_prime(p, 8)) {
        fail_check(m, "dh_p is not prime", Error::kAlertIllegalParameter);
      }
    } else {
      std::optional<std::vector<std::uint16_t>> groups = offered_groups(ch);
      if (groups && !contains(*groups, ske.ecdh.named_curve)) {
        fail_check(m,
                   fmt::format("named_curve {} was not in our supported_groups",
                               group_label(ske.ecdh.named_curve)),
                   Error::kAlertIllegalParameter);
      }
      if (!crypto::ecdh_group_from_code(ske.ecdh.named_curve)) {
        fail_check(m,
                   fmt::format("hsk cannot agree on curve {}", group_label(ske.ecdh.named_curve)),
                   Error::kAlertHandshakeFailure);
      }
    }
  }

  // CertificateRequest (RFC 5246 §7.4.4), optional.
  std::optional<wire::CertificateRequest> request;
  if (at < flight.size() && flight[at].msg_type == type_code(HandshakeType::certificate_request)) {
    const HandshakeMessage& m = flight[at];
    if (anonymous) {
      fail_check(m, "an anonymous server must not ask for a client certificate (RFC 5246 §7.4.4)",
                 Error::kAlertHandshakeFailure);
    }
    expect(HandshakeType::certificate_request, "");
    wire::Reader r = body_reader(m);
    request = wire::decode_certificate_request(r, version);
    std::string types;
    for (std::uint8_t t : request->certificate_types) {
      types += (types.empty() ? "" : ", ") + cert_type_label(t);
    }
    ex += fmt::format("  CertificateRequest: the server asks who we are; types {}", types);
    if (request->signature_algorithms) {
      ex += fmt::format("; {} signature schemes", request->signature_algorithms->size());
    }
    ex += fmt::format("; {} CA names\n", request->certificate_authorities.size());
  }

  {
    const HandshakeMessage& m = expect(
        HandshakeType::server_hello_done,
        needs_ske ? "after the ServerKeyExchange" : "no ServerKeyExchange for this key exchange");
    wire::Reader r = body_reader(m);
    wire::decode_server_hello_done(r);
  }
  if (at != flight.size()) {
    fail(ErrorKind::malformed, flight[at], "a message after ServerHelloDone in the server's flight",
         Error::kAlertUnexpectedMessage);
  }
  ex += "  ServerHelloDone: the server has said everything it needs to\n";

  // ---- phase 3: what the client sends ----
  ex += "phase 3 - client authentication and key exchange (what we send)\n";
  Bytes out_records;
  auto send = [&](HandshakeType type, Bytes body) {
    Bytes msg = handshake_bytes(type, std::move(body));
    add_message(state, Role::client, msg);
    Bytes rec =
        wire::encode_records(static_cast<std::uint8_t>(wire::ContentType::handshake), version, msg);
    out_records.insert(out_records.end(), rec.begin(), rec.end());
  };

  // The DH domain and peer value of a fixed-DH server certificate.
  const crypto::DhPublic* server_dh =
      (shape == wire::KexShape::dh_fixed && server_key) ? &server_key->dh : nullptr;

  ClientAuth auth = ClientAuth::not_requested;
  std::uint16_t cv_scheme = 0;
  std::string auth_why;
  if (request) {
    auth = ClientAuth::empty;
    if (!o.client_key) {
      auth_why = "no client certificate was given (--cert/--key)";
    } else {
      const crypto::PrivateKey& key = *o.client_key;
      if (key.type() == crypto::KeyType::dh) {
        bool fixed_type_ok = contains_byte(request->certificate_types, kRsaFixedDh) ||
                             contains_byte(request->certificate_types, kDssFixedDh);
        if (server_dh == nullptr) {
          auth_why =
              "our certificate holds a DH key, which can only answer a fixed-DH server "
              "(DH_RSA, DH_DSS)";
        } else if (!fixed_type_ok) {
          auth_why = "the server does not accept rsa_fixed_dh or dss_fixed_dh certificates";
        } else if (crypto::compare_int(key.pub.dh.params.p, server_dh->params.p) != 0 ||
                   crypto::compare_int(key.pub.dh.params.g, server_dh->params.g) != 0) {
          auth_why = "our DH key is not on the server certificate's DH group (p, g)";
        } else {
          auth = ClientAuth::fixed_dh;
        }
      } else {
        std::uint8_t ct = key.type() == crypto::KeyType::rsa   ? kRsaSign
                          : key.type() == crypto::KeyType::dsa ? kDssSign
                                                               : kEcdsaSign;
        if (!contains_byte(request->certificate_types, ct)) {
          auth_why = fmt::format("the server does not accept {} certificates", cert_type_label(ct));
        } else if (version >= wire::kTls12) {
          if (key.type() == crypto::KeyType::ec) {
            std::optional<std::vector<std::uint16_t>> groups = offered_groups(ch);
            std::uint16_t curve = static_cast<std::uint16_t>(group_of_curve(key.pub.ec.curve));
            if (groups && !contains(*groups, curve)) {
              res.warnings.push_back(fmt::format(
                  "our certificate's curve {} is not in the ClientHello's supported_groups: "
                  "servers may refuse it (OpenSSL: \"wrong curve\"); offer it with client-hello "
                  "--groups",
                  group_label(curve)));
            }
          }
          try {
            cv_scheme = choose_signature_scheme(key.type(), request->signature_algorithms);
            auth = ClientAuth::signing;
          } catch (const Error& e) {
            auth_why = "no signature scheme of the request fits our key: " + e.detail();
          }
        } else {
          auth = ClientAuth::signing;
        }
      }
      if (auth == ClientAuth::empty) {
        res.warnings.push_back("the client certificate is not sent: " + auth_why);
      }
    }
    wire::Certificate cm;
    if (auth != ClientAuth::empty) {
      for (const auto& c : o.client_chain) {
        cm.certificate_list.push_back(c.der);
      }
    }
    wire::Writer w;
    wire::encode_certificate(w, cm);
    send(HandshakeType::certificate, w.take());
    if (auth == ClientAuth::empty) {
      ex +=
          fmt::format("  Certificate: empty - {}; the server decides whether to go on\n", auth_why);
    } else {
      ex += fmt::format("  Certificate: {} certificate{}, ours is \"{}\", key {}\n",
                        o.client_chain.size(), o.client_chain.size() == 1 ? "" : "s",
                        name_of_cert(o.client_chain[0]), o.client_chain[0].key_description());
    }
  } else if (o.client_key) {
    res.warnings.emplace_back(
        "the server asked for no client certificate: --cert/--key are not used");
  }

  // ClientKeyExchange (RFC 5246 §7.4.7, RFC 8422 §5.7) and the pre-master secret.
  wire::ClientKeyExchange cke;
  Bytes pms;
  const HandshakeMessage& last_server = flight.back();
  try {
    switch (shape) {
      case wire::KexShape::rsa: {
        pms = crypto::make_rsa_pms(ch.client_version, rng);
        cke.form = wire::KexForm::rsa;
        cke.value = crypto::rsa_encrypt_pms(*server_key, pms, rng);
        ex += fmt::format(
            "  ClientKeyExchange: a fresh pre-master secret (client_version {} + 46 random "
            "bytes), RSA-encrypted (PKCS#1 v1.5) to the server certificate's key ({} bytes): "
            "only the holder of its private key can read it\n",
            version_label(ch.client_version), cke.value.size());
        break;
      }
      case wire::KexShape::dhe:
      case wire::KexShape::dh_anon: {
        Bytes p = crypto::minimal(ske.dh.dh_p);
        crypto::KexKeyPair kp = crypto::dh_generate(p, crypto::minimal(ske.dh.dh_g), {}, rng);
        pms = crypto::dh_agree(p, kp.private_key, crypto::minimal(ske.dh.dh_Ys));
        cke.form = wire::KexForm::dh;
        cke.value = kp.public_key;
        ex += fmt::format(
            "  ClientKeyExchange: our public value Yc = g^x mod p ({} bits) for a fresh secret "
            "x of {} bits; pre-master secret = Ys^x mod p with its leading zero bytes stripped "
            "(RFC 5246 §8.1.2): {} bytes\n",
            crypto::bit_length(kp.public_key), crypto::bit_length(kp.private_key), pms.size());
        break;
      }
      case wire::KexShape::dh_fixed: {
        const Bytes& p = server_dh->params.p;
        const Bytes& q = server_dh->params.q;
        if (auth == ClientAuth::fixed_dh) {
          pms = crypto::dh_agree(p, o.client_key->x, server_dh->y, q);
          cke.form = wire::KexForm::dh_implicit;
          ex += fmt::format(
              "  ClientKeyExchange: empty - our DH public value is in our certificate "
              "(fixed-DH client authentication, RFC 5246 §7.4.7.2); pre-master secret = "
              "Ys^x mod p from our certificate's key and the server certificate's Ys, leading "
              "zeros stripped: {} bytes\n",
              pms.size());
        } else {
          crypto::KexKeyPair kp = crypto::dh_generate(p, server_dh->params.g, q, rng);
          pms = crypto::dh_agree(p, kp.private_key, server_dh->y, q);
          cke.form = wire::KexForm::dh;
          cke.value = kp.public_key;
          ex += fmt::format(
              "  ClientKeyExchange: Yc = g^x mod p ({} bits) on the DH group of the server "
              "certificate (fixed DH: the server's Ys is in its certificate); pre-master secret "
              "= Ys^x mod p, leading zeros stripped: {} bytes\n",
              crypto::bit_length(kp.public_key), pms.size());
        }
        break;
      }
      case wire::KexShape::ecdhe:
      case wire::KexShape::ecdh_anon: {
        crypto::EcdhGroup g = *crypto::ecdh_group_from_code(ske.ecdh.named_curve);
        crypto::KexKeyPair kp = crypto::ecdh_generate(g, rng);
        pms = crypto::ecdh_agree(g, kp.private_key, ske.ecdh.point);
        cke.form = wire::KexForm::ecdh;
        cke.value = kp.public_key;
        ex += fmt::format(
            "  ClientKeyExchange: our fresh {} public point ({} bytes); pre-master secret = the "
            "shared secret of our private key and the server's point ({} bytes, zeros kept)\n",
            crypto::ecdh_group_name(g), kp.public_key.size(), pms.size());
        break;
      }
      case wire::KexShape::ecdh_fixed: {
        crypto::EcdhGroup g = group_of_curve(server_key->ec.curve);
        crypto::KexKeyPair kp = crypto::ecdh_generate(g, rng);
        pms = crypto::ecdh_agree(g, kp.private_key, server_key->ec.point);
        cke.form = wire::KexForm::ecdh;
        cke.value = kp.public_key;
        ex += fmt::format(
            "  ClientKeyExchange: our fresh {} point; pre-master secret = ECDH with the server "
            "certificate's key ({} bytes)\n",
            crypto::ecdh_group_name(g), pms.size());
        break;
      }
      default:
        throw Error(ErrorKind::internal, "unreachable key exchange shape");
    }
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::check_failed || e.kind() == ErrorKind::malformed) {
      // A peer value refused by the crypto layer: name where it came from.
      const HandshakeMessage* src = &last_server;
      for (const auto& m : flight) {
        if (m.msg_type == type_code(needs_ske ? HandshakeType::server_key_exchange
                                              : HandshakeType::certificate)) {
          src = &m;
        }
      }
      rethrow_at(*src, e,
                 needs_ske ? (shape == wire::KexShape::ecdhe || shape == wire::KexShape::ecdh_anon
                                  ? "the server's point"
                                  : "the server's DH parameters")
                           : "the server certificate's key");
    }
    throw;
  }
  {
    wire::Writer w;
    wire::encode_client_key_exchange(w, cke);
    send(HandshakeType::client_key_exchange, w.take());
  }

  // The keys: the session hash (RFC 7627) ends with ClientKeyExchange.
  res.keys = derive_keys(state, pms);

  // CertificateVerify (RFC 5246 §7.4.8): a signature over every message so far.
  if (auth == ClientAuth::signing) {
    Bytes data = transcript_bytes(state);
    wire::CertificateVerify cv;
    cv.signature = sign_handshake(*o.client_key, version, cv_scheme, data, rng);
    wire::Writer w;
    wire::encode_certificate_verify(w, cv);
    send(HandshakeType::certificate_verify, w.take());
    ex += fmt::format(
        "  CertificateVerify: {} with our certificate's key over the {} bytes of every "
        "handshake message so far (ClientHello .. ClientKeyExchange): proves we hold the key\n",
        version >= wire::kTls12 ? scheme_label(cv_scheme)
                                : std::string(crypto::signature_algorithm_name(
                                      legacy_signature_algorithm(o.client_key->type()))),
        data.size());
  } else if (auth == ClientAuth::fixed_dh) {
    ex +=
        "  no CertificateVerify: a fixed-DH key cannot sign; agreeing on the pre-master "
        "secret is the proof\n";
  }
  state.values["client_auth"] = auth == ClientAuth::not_requested ? "not_requested"
                                : auth == ClientAuth::empty       ? "empty"
                                : auth == ClientAuth::signing     ? "certificate_verify"
                                                                  : "fixed_dh";
  if (anonymous) {
    state.values["server_certificate_verified"] = "anonymous";
  }

  ex += "keys\n";
  ex += explain_keys(res.keys);
  res.records = std::move(out_records);
  return res;
}

}  // namespace

bool server_resumes(const State& state, const wire::HandshakeMessage& server_hello) {
  if (server_hello.msg_type != type_code(HandshakeType::server_hello)) {
    fail(ErrorKind::malformed, server_hello,
         "the server flight must begin with ServerHello, not " +
             message_label(server_hello.msg_type),
         Error::kAlertUnexpectedMessage);
  }
  if (!state.resume || state.resume->session_id.empty() ||
      state.session_id != state.resume->session_id) {
    return false;
  }
  wire::Reader r = body_reader(server_hello);
  wire::ServerHello sh = wire::decode_server_hello(r);
  return sh.session_id == state.resume->session_id;
}

ClientResumeResult client_resume_hello(State& state, const wire::HandshakeMessage& shm) {
  State work = state;  // on any error the caller's state stays as it was
  if (work.role != Role::client) {
    throw_usage("this is a server state; the client role of derive-pms needs the client's");
  }
  if (work.transcript.size() != 1 ||
      work.transcript[0].msg_type() != type_code(HandshakeType::client_hello) ||
      work.negotiated_version || work.server_random) {
    throw_usage(fmt::format(
        "this client state has already gone past its ClientHello ({} transcript messages): "
        "start a new handshake with client-hello",
        work.transcript.size()));
  }
  if (!work.resume || work.resume->session_id.empty()) {
    throw_usage("this client state offered no session to resume (client-hello --resume)");
  }
  const ResumeSession& rs = *work.resume;
  if (!rs.master_secret) {
    throw_usage(
        "the resumed session's master secret is not in this state (the earlier client state "
        "never derived it): the abbreviated handshake cannot go on");
  }
  const wire::ClientHello ch = transcript_client_hello(work);
  if (!server_resumes(work, shm)) {
    fail_check(shm, "the ServerHello does not echo the session id offered for resumption",
               Error::kAlertIllegalParameter);
  }
  wire::ServerHello sh;
  {
    wire::Reader r = body_reader(shm);
    sh = wire::decode_server_hello(r);
  }
  // RFC 5246 §7.4.1.3: server_version is at most what the client offered; checked before the
  // session, as for a full handshake.
  if (sh.server_version > ch.client_version) {
    fail_check(shm,
               fmt::format("server_version {} is above the ClientHello's client_version {} "
                           "(RFC 5246 §7.4.1.3)",
                           version_label(sh.server_version), version_label(ch.client_version)),
               Error::kAlertProtocolVersion);
  }
  if (sh.server_version != rs.version) {
    fail_check(shm,
               fmt::format("the server resumes the session with {}, but the session was {} "
                           "(RFC 5246 §7.4.1.3: a resumed session keeps its version)",
                           version_label(sh.server_version), version_label(rs.version)),
               Error::kAlertIllegalParameter);
  }
  if (!rs.extended_master_secret) {
    // RFC 7627 §5.3: a session made without the extended master secret is not to be resumed
    // (the triple handshake attack); the client aborts.
    fail_check(shm,
               "the server resumes a session that had no extended master secret (RFC 7627 §5.3: "
               "abort)",
               Error::kAlertHandshakeFailure);
  }
  if (sh.cipher_suite != rs.cipher_suite) {
    fail_check(shm,
               fmt::format("the server resumes the session with cipher_suite {}, but the session "
                           "was {} (RFC 5246 §7.4.1.3: a resumed session keeps its suite)",
                           suite_label(sh.cipher_suite), suite_label(rs.cipher_suite)),
               Error::kAlertIllegalParameter);
  }
  if (sh.compression_method != 0) {
    fail_check(shm,
               fmt::format("compression_method {}: hsk offered and implements only null",
                           sh.compression_method),
               Error::kAlertIllegalParameter);
  }
  bool sh_ems = false;
  if (sh.extensions) {
    bool scsv = contains(ch.cipher_suites, std::uint16_t{0x00ff});
    for (const auto& e : *sh.extensions) {
      bool sent = find_ext(ch.extensions, static_cast<wire::ExtensionType>(e.type)) != nullptr;
      if (e.type == static_cast<std::uint16_t>(wire::ExtensionType::renegotiation_info) && scsv) {
        sent = true;  // RFC 5746 §3.6: the SCSV stands for the extension
      }
      if (!sent) {
        fail_check(
            shm, fmt::format("extension {} was not in the ClientHello (RFC 5246 §7.4.1.4)", e.type),
            Error::kAlertUnsupportedExtension);
      }
      sh_ems = sh_ems ||
               e.type == static_cast<std::uint16_t>(wire::ExtensionType::extended_master_secret);
    }
  }
  if (!sh_ems) {
    fail_check(shm,
               "the session used the extended master secret but the ServerHello that resumes it "
               "lacks extended_master_secret (RFC 7627 §5.3: abort)",
               Error::kAlertHandshakeFailure);
  }
  work.negotiated_version = sh.server_version;
  work.cipher_suite = sh.cipher_suite;
  std::copy(sh.random.begin(), sh.random.end(), work.server_random.emplace().begin());
  work.server_session_id = sh.session_id;
  add_message(work, Role::server, wire::encode_handshake(shm));

  ClientResumeResult res;
  res.keys = resume_keys(work, *rs.master_secret, rs.extended_master_secret);
  std::string& ex = res.explain;
  ex += "phase 1 - hello: the server resumes our session (abbreviated handshake, RFC 5246 §7.3)\n";
  ex += fmt::format("  ServerHello: {}, {} - the session's own version and suite\n",
                    version_label(sh.server_version), suite_label(sh.cipher_suite));
  ex += fmt::format("    session_id {} - the one we offered: no Certificate, no key exchange\n",
                    to_hex(sh.session_id));
  ex += fmt::format("    server_random {} (new: the keys of this connection are new)\n",
                    to_hex(sh.random));
  ex += fmt::format("    extended_master_secret {} (as in the session, RFC 7627 §5.3)\n",
                    sh_ems ? "present" : "absent");
  ex += "phase 4 - finish: the server's ChangeCipherSpec and Finished come first, then ours\n";
  ex += "keys\n";
  ex += explain_keys(res.keys);
  state = std::move(work);
  return res;
}

ClientKexResult client_key_exchange(State& state,
                                    const std::vector<wire::HandshakeMessage>& server_flight,
                                    const ClientKexOptions& options, crypto::Rng& rng) {
  State work = state;  // on any error the caller's state stays as it was
  ClientKexResult res = run_client_kex(work, server_flight, options, rng);
  state = std::move(work);
  return res;
}

}  // namespace hsk::handshake
