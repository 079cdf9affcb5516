// hsk::handshake derive_pms, server role (contract in derive_pms.hpp): phase 3 of the
// handshake as the server sees it — the client's [Certificate] ClientKeyExchange
// [CertificateVerify] (RFC 5246 §7.4.6-§7.4.8), the pre-master secret recovered from it
// (§7.4.7.1 RSA with the Bleichenbacher countermeasure, §7.4.7.2 and §8.1.2 DH, RFC 8422 §5.7
// ECDH), then the key schedule (key_schedule.hpp) and the client's proof of its key.
#include <fmt/core.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "crypto/tls_crypto.hpp"
#include "handshake/derive_pms.hpp"
#include "handshake/key_schedule.hpp"
#include "handshake/signatures.hpp"
#include "hsk/error.hpp"
#include "pki/chain.hpp"
#include "wire/messages.hpp"
#include "wire/reader.hpp"

namespace hsk::handshake {

namespace {

using wire::HandshakeType;

// ClientCertificateType (RFC 5246 §7.4.4, RFC 8422 §5.5).
constexpr std::uint8_t kRsaSign = 1;
constexpr std::uint8_t kDssSign = 2;
constexpr std::uint8_t kRsaFixedDh = 3;
constexpr std::uint8_t kDssFixedDh = 4;
constexpr std::uint8_t kEcdsaSign = 64;

constexpr const char* kFlight = "client flight";

std::uint8_t type_code(HandshakeType t) { return static_cast<std::uint8_t>(t); }

std::string message_label(std::uint8_t msg_type) {
  std::string_view name = wire::message_name(msg_type);
  return name.empty() ? fmt::format("handshake message {}", msg_type) : std::string(name);
}

[[noreturn]] void unexpected(const wire::HandshakeMessage& m, const std::string& what) {
  throw_malformed(m.offset, kFlight, what, Error::kAlertUnexpectedMessage);
}

[[noreturn]] void refuse(std::string what, std::uint8_t alert) {
  throw Error(ErrorKind::check_failed, std::move(what), alert);
}

// Certificate types a CertificateRequest allows.
bool allows(const wire::CertificateRequest& cr, std::uint8_t type) {
  return std::find(cr.certificate_types.begin(), cr.certificate_types.end(), type) !=
         cr.certificate_types.end();
}

std::uint8_t chain_alert(pki::ChainError e) {
  switch (e) {
    case pki::ChainError::issuer_not_found:
    case pki::ChainError::issuer_of_trusted_not_found:
    case pki::ChainError::self_signed_leaf:
    case pki::ChainError::self_signed_in_chain:
      return Error::kAlertUnknownCa;
    case pki::ChainError::not_yet_valid:
    case pki::ChainError::expired:
      return Error::kAlertCertificateExpired;
    case pki::ChainError::unsuitable_purpose:
      return Error::kAlertUnsupportedCertificate;
    default:
      return Error::kAlertBadCertificate;
  }
}

// The ServerHello .. ServerHelloDone part of a server state, checked for this step.
void expect_fresh_server_state(const State& state) {
  if (state.role != Role::server) {
    throw_usage(
        "this is a client state; the server role of derive-pms needs the server's (written "
        "by server-respond)");
  }
  if (state.transcript.empty()) {
    throw_usage("the server state holds no transcript (run server-respond first)");
  }
  const TranscriptMessage& last = state.transcript.back();
  if (last.from == Role::client &&
      (last.msg_type() == type_code(HandshakeType::client_key_exchange) ||
       last.msg_type() == type_code(HandshakeType::certificate_verify))) {
    throw_usage(
        "the server state has already read the client's key exchange (derive-pms ran on it "
        "before)");
  }
  if (last.from != Role::server || last.msg_type() != type_code(HandshakeType::server_hello_done)) {
    throw_usage(
        "the server state does not end with the server's ServerHelloDone (run server-respond "
        "first)");
  }
  if (!state.negotiated_version || !state.cipher_suite || !state.server_random) {
    throw_usage("the server state holds no ServerHello facts (version, suite, random)");
  }
}

// The decoded message of `type` the server sent, from the transcript (nullopt when absent).
std::optional<wire::CertificateRequest> sent_certificate_request(const State& state,
                                                                 std::uint16_t version) {
  const TranscriptMessage* m =
      find_message(state, Role::server, HandshakeType::certificate_request);
  if (m == nullptr) {
    return std::nullopt;
  }
  wire::Reader r(ByteView(m->bytes).subspan(4));
  return wire::decode_certificate_request(r, version);
}

wire::ServerKeyExchange sent_server_key_exchange(const State& state, const wire::KexContext& ctx) {
  const TranscriptMessage* m =
      find_message(state, Role::server, HandshakeType::server_key_exchange);
  if (m == nullptr) {
    throw_usage("the server state holds no ServerKeyExchange, which this key exchange needs");
  }
  wire::Reader r(ByteView(m->bytes).subspan(4));
  return wire::decode_server_key_exchange(r, ctx);
}

std::optional<pki::Certificate> sent_server_leaf(const State& state) {
  const TranscriptMessage* m = find_message(state, Role::server, HandshakeType::certificate);
  if (m == nullptr) {
    return std::nullopt;
  }
  wire::Reader r(ByteView(m->bytes).subspan(4));
  wire::Certificate c = wire::decode_certificate(r);
  if (c.certificate_list.empty()) {
    return std::nullopt;
  }
  return pki::parse_certificate(c.certificate_list.front());
}

const Bytes& require_secret(const State& state, const std::string& name, const char* what) {
  auto it = state.secrets.find(name);
  if (it == state.secrets.end() || it->second.empty()) {
    throw_usage(fmt::format(
        "the server state holds no {} (secrets[\"{}\"]): the state of a replayed handshake "
        "cannot finish an ephemeral key exchange",
        what, name));
  }
  return it->second;
}

// The server key from the options, of the type the suite needs, and (when the state holds the
// server's Certificate) the key of that certificate.
const crypto::PrivateKey& require_server_key(const State& state, const ServerKexOptions& options,
                                             crypto::KeyType type, const char* why) {
  if (!options.server_key) {
    throw_usage(fmt::format("{} needs the server's private key (--key)", why));
  }
  const crypto::PrivateKey& key = *options.server_key;
  if (key.type() != type) {
    throw_usage(fmt::format("{} needs the server's {} key; the key given is {}", why,
                            crypto::key_type_name(type), crypto::key_type_name(key.type())));
  }
  std::optional<pki::Certificate> leaf = sent_server_leaf(state);
  if (leaf && leaf->key) {
    const crypto::PublicKey& cert = *leaf->key;
    bool same = cert.type == key.pub.type;
    if (same && type == crypto::KeyType::rsa) {
      same = crypto::compare_int(cert.rsa.n, key.pub.rsa.n) == 0 &&
             crypto::compare_int(cert.rsa.e, key.pub.rsa.e) == 0;
    } else if (same && type == crypto::KeyType::dh) {
      same = crypto::compare_int(cert.dh.params.p, key.pub.dh.params.p) == 0 &&
             crypto::compare_int(cert.dh.params.g, key.pub.dh.params.g) == 0 &&
             crypto::compare_int(cert.dh.y, key.pub.dh.y) == 0;
    }
    if (!same) {
      throw_usage(fmt::format(
          "the server key given does not belong to the certificate the server sent ({})",
          pki::name_to_string(leaf->subject)));
    }
  }
  return key;
}

// What the client flight holds, by position.
struct ClientFlight {
  const wire::HandshakeMessage* certificate = nullptr;
  const wire::HandshakeMessage* key_exchange = nullptr;
  const wire::HandshakeMessage* certificate_verify = nullptr;
};

ClientFlight split_flight(const std::vector<wire::HandshakeMessage>& flight, bool requested) {
  ClientFlight f;
  std::size_t i = 0;
  if (i < flight.size() && flight[i].msg_type == type_code(HandshakeType::certificate)) {
    if (!requested) {
      unexpected(flight[i],
                 "the client sent a Certificate, but the server sent no CertificateRequest "
                 "(RFC 5246 §7.4.6)");
    }
    f.certificate = &flight[i++];
  } else if (requested) {
    if (i < flight.size()) {
      unexpected(flight[i], fmt::format("expected the client's Certificate (the server sent a "
                                        "CertificateRequest; RFC 5246 §7.4.6), got {}",
                                        message_label(flight[i].msg_type)));
    }
  }
  if (i >= flight.size()) {
    throw Error(ErrorKind::malformed, 0, kFlight,
                "no ClientKeyExchange: the client flight ended before it",
                Error::kAlertUnexpectedMessage);
  }
  if (flight[i].msg_type != type_code(HandshakeType::client_key_exchange)) {
    unexpected(flight[i], fmt::format("expected ClientKeyExchange, got {}",
                                      message_label(flight[i].msg_type)));
  }
  f.key_exchange = &flight[i++];
  if (i < flight.size() && flight[i].msg_type == type_code(HandshakeType::certificate_verify)) {
    f.certificate_verify = &flight[i++];
  }
  if (i < flight.size()) {
    unexpected(flight[i], fmt::format("unexpected {} after the client's key exchange",
                                      message_label(flight[i].msg_type)));
  }
  return f;
}

std::vector<pki::Certificate> parse_client_chain(const wire::HandshakeMessage& m) {
  wire::Reader r(m.body, wire::absolute_offset(m, 4));
  wire::Certificate c = wire::decode_certificate(r);
  std::vector<pki::Certificate> chain;
  for (std::size_t i = 0; i < c.certificate_list.size(); ++i) {
    try {
      chain.push_back(pki::parse_certificate(c.certificate_list[i]));
    } catch (const Error& e) {
      throw Error(ErrorKind::malformed, m.offset, "Certificate",
                  fmt::format("client certificate {}: {}", i, e.detail()),
                  Error::kAlertBadCertificate);
    }
  }
  return chain;
}

const char* cke_form_name(wire::KexShape shape) {
  switch (shape) {
    case wire::KexShape::rsa:
    case wire::KexShape::rsa_export:
      return "EncryptedPreMasterSecret <0..2^16-1>";
    case wire::KexShape::dh_fixed:
      return "dh_Yc <1..2^16-1> or an empty body";
    case wire::KexShape::dhe:
    case wire::KexShape::dh_anon:
      return "dh_Yc <1..2^16-1>";
    case wire::KexShape::ecdh_fixed:
      return "ecdh_Yc <1..2^8-1> or an empty body";
    case wire::KexShape::ecdhe:
    case wire::KexShape::ecdh_anon:
      return "ecdh_Yc <1..2^8-1>";
    default:
      return "a body hsk does not model";
  }
}

bool dh_same_group(const crypto::DhParams& a, const crypto::DhParams& b) {
  return crypto::compare_int(a.p, b.p) == 0 && crypto::compare_int(a.g, b.g) == 0;
}

}  // namespace

bool server_expects_certificate_verify(const State& state,
                                       const std::vector<wire::HandshakeMessage>& so_far) {
  (void)state;
  for (const auto& m : so_far) {
    if (m.msg_type != type_code(HandshakeType::certificate)) {
      continue;
    }
    wire::Reader r(m.body, m.offset + 4);
    wire::Certificate c = wire::decode_certificate(r);
    if (c.certificate_list.empty()) {
      return false;
    }
    pki::Certificate leaf = pki::parse_certificate(c.certificate_list.front());
    // RFC 5246 §7.4.8: every certificate with signing capability, i.e. all but fixed DH.
    return !(leaf.key && leaf.key->type == crypto::KeyType::dh);
  }
  return false;
}

ServerKexResult server_key_exchange(State& state,
                                    const std::vector<wire::HandshakeMessage>& client_flight,
                                    const ServerKexOptions& options, crypto::Rng& rng) {
  expect_fresh_server_state(state);
  State s = state;  // the caller's state changes only when everything succeeded
  const std::uint16_t version = *s.negotiated_version;
  const wire::CipherSuite& suite = negotiated_suite(s);
  const wire::KexShape shape = wire::kex_shape(suite.kx);
  const wire::KexContext ctx{version, suite.code};
  const wire::ClientHello hello = transcript_client_hello(s);

  ServerKexResult result;
  std::string& ex = result.explain;
  ex += fmt::format(
      "Phase 3 - client authentication and key exchange: the client flight as the server "
      "reads it ({} at {})\n",
      suite.iana,
      version == wire::kTls12   ? "TLS 1.2"
      : version == wire::kTls11 ? "TLS 1.1"
                                : "TLS 1.0");

  std::optional<wire::CertificateRequest> request = sent_certificate_request(s, version);
  ClientFlight flight = split_flight(client_flight, request.has_value());

  // --- Client certificate (RFC 5246 §7.4.6).
  std::vector<pki::Certificate> chain;
  if (flight.certificate != nullptr) {
    chain = parse_client_chain(*flight.certificate);
    add_message(s, Role::client, wire::encode_handshake(*flight.certificate));
  }
  std::optional<crypto::PublicKey> client_key;
  if (request && chain.empty()) {
    s.values["client_certificate"] = "empty";
    ex +=
        "  the server asked for a certificate (CertificateRequest); the client sent an empty "
        "Certificate: it is not authenticated\n";
    if (options.require_client_certificate) {
      refuse("the client sent no certificate, and one is required", Error::kAlertHandshakeFailure);
    }
  } else if (!chain.empty()) {
    const pki::Certificate& leaf = chain.front();
    if (!leaf.key) {
      refuse(fmt::format("client certificate ({}): unsupported key: {}",
                         pki::name_to_string(leaf.subject), leaf.key_error),
             Error::kAlertUnsupportedCertificate);
    }
    client_key = *leaf.key;
    s.values["client_certificate"] = pki::name_to_string(leaf.subject);
    ex += fmt::format("  the client sent its certificate: {} ({}), {} certificate(s)\n",
                      pki::name_to_string(leaf.subject), leaf.key_description(), chain.size());
    // The key type must be one the CertificateRequest listed (RFC 5246 §7.4.6).
    bool fits = false;
    switch (client_key->type) {
      case crypto::KeyType::rsa:
        fits = allows(*request, kRsaSign);
        break;
      case crypto::KeyType::dsa:
        fits = allows(*request, kDssSign);
        break;
      case crypto::KeyType::ec:
        fits = allows(*request, kEcdsaSign);
        break;
      case crypto::KeyType::dh:
        fits = (allows(*request, kRsaFixedDh) || allows(*request, kDssFixedDh)) &&
               shape == wire::KexShape::dh_fixed;
        break;
    }
    if (!fits) {
      refuse(fmt::format("the client's {} certificate is not of a type the CertificateRequest "
                         "asked for{} (RFC 5246 §7.4.6)",
                         crypto::key_type_name(client_key->type),
                         client_key->type == crypto::KeyType::dh
                             ? " with this suite (fixed-DH client certificates need a DH_RSA or "
                               "DH_DSS suite)"
                             : ""),
             Error::kAlertUnsupportedCertificate);
    }
    if (options.insecure) {
      result.warnings.push_back("client certificate chain NOT checked (--insecure)");
      ex += "  its chain was NOT checked (--insecure)\n";
    } else {
      pki::ChainOptions co;
      co.at = options.now != 0 ? options.now : pki::now_utc();
      co.purpose = pki::Purpose::client;
      std::vector<pki::Certificate> rest(chain.begin() + 1, chain.end());
      pki::ChainResult cr = pki::verify_chain(leaf, rest, options.client_ca, co);
      if (!cr.valid()) {
        std::uint8_t alert =
            cr.problems.empty() ? Error::kAlertUnknownCa : chain_alert(cr.problems.front().error);
        refuse("client certificate chain: " + pki::chain_verdict(cr) +
                   (options.client_ca.empty()
                        ? " (no client CA was given to check it against: --client-ca, or "
                          "--insecure)"
                        : ""),
               alert);
      }
      ex += fmt::format(
          "  its chain checks against the client CA(s): {} certificate(s), "
          "purpose client\n",
          cr.chain.size());
    }
  } else {
    ex += "  no client authentication was requested\n";
  }

  // --- ClientKeyExchange (RFC 5246 §7.4.7): the pre-master secret.
  const wire::HandshakeMessage& cke_msg = *flight.key_exchange;
  wire::Reader cr(cke_msg.body, wire::absolute_offset(cke_msg, 4));
  wire::ClientKeyExchange cke;
  try {
    cke = wire::decode_client_key_exchange(cr, ctx);
  } catch (const Error& e) {
    // Name the form the negotiated suite expects: the usual cause is a flight from another
    // handshake.
    throw Error(e.kind(), e.offset().value_or(cke_msg.offset), e.context(),
                fmt::format("{} (the {} key exchange of {} expects {})", e.detail(),
                            wire::to_string(suite.kx), suite.iana, cke_form_name(shape)),
                e.alert());
  }
  Bytes pms;
  bool implicit = false;
  switch (shape) {
    case wire::KexShape::rsa: {
      const crypto::PrivateKey& key =
          require_server_key(s, options, crypto::KeyType::rsa, "the RSA key exchange");
      // RFC 5246 §7.4.7.1: any padding, length or version fault continues with a random
      // pre-master secret on the same code path; the handshake then fails at Finished.
      pms = crypto::rsa_decrypt_pms(key, cke.value, hello.client_version, rng);
      ex += fmt::format(
          "  ClientKeyExchange: the pre-master secret encrypted to the server's RSA key "
          "({} bytes); decrypted with the RFC 5246 §7.4.7.1 countermeasure: a bad padding, "
          "length or version (client_version 0x{:04x}) gives a random pre-master secret, "
          "noticed only at Finished\n",
          cke.value.size(), hello.client_version);
      break;
    }
    case wire::KexShape::dhe:
    case wire::KexShape::dh_anon: {
      wire::ServerKeyExchange ske = sent_server_key_exchange(s, ctx);
      const Bytes& x = require_secret(s, "kex_private", "ephemeral DH private key");
      pms = crypto::dh_agree(ske.dh.dh_p, x, cke.value);
      ex += fmt::format(
          "  ClientKeyExchange: the client's DH public value Yc ({} bytes), checked 1 < Yc < "
          "p-1; pre-master secret = Yc^x mod p with the server's ephemeral x (state), leading "
          "zero bytes stripped (RFC 5246 §8.1.2), {} bits p\n",
          cke.value.size(), crypto::bit_length(ske.dh.dh_p));
      break;
    }
    case wire::KexShape::ecdhe:
    case wire::KexShape::ecdh_anon: {
      wire::ServerKeyExchange ske = sent_server_key_exchange(s, ctx);
      std::optional<crypto::EcdhGroup> group = crypto::ecdh_group_from_code(ske.ecdh.named_curve);
      if (!group) {
        throw_usage(
            fmt::format("the server's ServerKeyExchange names group 0x{:04x}, which hsk "
                        "cannot agree on",
                        ske.ecdh.named_curve));
      }
      const Bytes& x = require_secret(s, "kex_private", "ephemeral ECDH private key");
      try {
        pms = crypto::ecdh_agree(*group, x, cke.value);
      } catch (Error& e) {
        throw Error(e.kind(), cke_msg.offset, "ClientKeyExchange", "ecdh_Yc: " + e.detail(),
                    e.alert());
      }
      ex += fmt::format(
          "  ClientKeyExchange: the client's {} public value ({} bytes), checked on the "
          "curve; pre-master secret = the shared {} with the server's ephemeral key (state)\n",
          crypto::ecdh_group_name(*group), cke.value.size(),
          *group == crypto::EcdhGroup::x25519 ? "X25519 value" : "point's x-coordinate");
      break;
    }
    case wire::KexShape::dh_fixed: {
      const crypto::PrivateKey& key =
          require_server_key(s, options, crypto::KeyType::dh, "the fixed DH key exchange");
      const crypto::DhParams& params = key.pub.dh.params;
      bool dh_cert = client_key && client_key->type == crypto::KeyType::dh;
      if (cke.form == wire::KexForm::dh_implicit) {
        if (!dh_cert) {
          throw_malformed(cke_msg.offset, "ClientKeyExchange",
                          "empty (implicit Yc), but the client sent no fixed-DH certificate "
                          "(RFC 5246 §7.4.7.2)",
                          Error::kAlertDecodeError);
        }
        if (!dh_same_group(client_key->dh.params, params)) {
          refuse(
              "the client's DH certificate is not on the server's DH group (p, g) "
              "(RFC 5246 §7.4.6)",
              Error::kAlertIllegalParameter);
        }
        implicit = true;
        pms = crypto::dh_agree(params.p, key.x, client_key->dh.y, params.q);
        ex += fmt::format(
            "  ClientKeyExchange: empty - Yc is implicit, the DH public value in the client's "
            "certificate (fixed DH client authentication); pre-master secret = Yc^x mod p "
            "with the server's static DH key, {} bits p, leading zero bytes stripped\n",
            crypto::bit_length(params.p));
      } else {
        if (dh_cert) {
          refuse(
              "the client sent a fixed-DH certificate and an explicit Yc; with such a "
              "certificate Yc is implicit (RFC 5246 §7.4.7.2)",
              Error::kAlertIllegalParameter);
        }
        pms = crypto::dh_agree(params.p, key.x, cke.value, params.q);
        ex += fmt::format(
            "  ClientKeyExchange: the client's DH public value Yc ({} bytes), checked 1 < Yc < "
            "p-1; pre-master secret = Yc^x mod p with the server's static DH key (the one in "
            "its certificate), {} bits p, leading zero bytes stripped\n",
            cke.value.size(), crypto::bit_length(params.p));
      }
      break;
    }
    default:
      throw_usage(
          fmt::format("the server role of derive-pms does not implement the {} key "
                      "exchange",
                      wire::to_string(suite.kx)));
  }
  add_message(s, Role::client, wire::encode_handshake(cke_msg));
  s.values["pms_source"] = std::string(wire::to_string(suite.kx)) + (implicit ? " implicit" : "");
  result.keys = derive_keys(s, pms);

  // --- CertificateVerify (RFC 5246 §7.4.8): over every handshake message before it.
  bool must_verify = client_key && client_key->type != crypto::KeyType::dh;
  if (flight.certificate_verify != nullptr && !must_verify) {
    unexpected(*flight.certificate_verify,
               client_key ? "a CertificateVerify after a fixed-DH certificate, which cannot sign "
                            "(RFC 5246 §7.4.8)"
                          : "a CertificateVerify without a client certificate (RFC 5246 §7.4.8)");
  }
  if (must_verify && flight.certificate_verify == nullptr) {
    throw Error(ErrorKind::malformed, cke_msg.offset, kFlight,
                "the client sent a certificate but no CertificateVerify after its "
                "ClientKeyExchange (RFC 5246 §7.4.8)",
                Error::kAlertUnexpectedMessage);
  }
  if (must_verify) {
    const wire::HandshakeMessage& cv_msg = *flight.certificate_verify;
    wire::Reader vr(cv_msg.body, wire::absolute_offset(cv_msg, 4));
    wire::CertificateVerify cv = wire::decode_certificate_verify(vr, version);
    if (version == wire::kTls12 && cv.signature.algorithm && request &&
        request->signature_algorithms) {
      const auto& allowed = *request->signature_algorithms;
      if (std::find(allowed.begin(), allowed.end(), *cv.signature.algorithm) == allowed.end()) {
        refuse(fmt::format("CertificateVerify: signature algorithm 0x{:04x} was not offered in "
                           "the CertificateRequest",
                           *cv.signature.algorithm),
               Error::kAlertIllegalParameter);
      }
    }
    Bytes signed_data = transcript_bytes(s);
    SignatureCheck check =
        verify_handshake_signature(*client_key, version, cv.signature, signed_data);
    if (!check.valid) {
      refuse(fmt::format("CertificateVerify: {} ({})", check.reason, check.algorithm_name),
             Error::kAlertDecryptError);
    }
    add_message(s, Role::client, wire::encode_handshake(cv_msg));
    result.client_authenticated = true;
    ex += fmt::format(
        "  CertificateVerify: {} signature over the {} bytes of handshake messages before it "
        "verifies with the client certificate's key: the client holds that key\n",
        check.algorithm_name, signed_data.size());
  } else if (implicit) {
    result.client_authenticated = true;
    ex +=
        "  no CertificateVerify (a fixed-DH certificate cannot sign): the client proves its "
        "key by computing the same keys, checked at Finished\n";
  }
  s.values["client_authenticated"] = result.client_authenticated ? "true" : "false";
  ex += explain_keys(result.keys);
  state = std::move(s);
  return result;
}

State server_state_from_flights(ByteView client_hello_records, ByteView server_flight_records) {
  // ClientHello: the first handshake message of the first input.
  std::optional<wire::HandshakeMessage> ch;
  {
    wire::Reader r(client_hello_records, 0, "ClientHello records");
    wire::HandshakeAssembler as;
    while (!r.empty() && !ch) {
      wire::Record rec = wire::decode_record(r);
      if (rec.content_type != static_cast<std::uint8_t>(wire::ContentType::handshake)) {
        throw_malformed(
            rec.offset, "ClientHello records",
            fmt::format("record of content type {} before the ClientHello", rec.content_type),
            Error::kAlertUnexpectedMessage);
      }
      as.add(rec);
      std::vector<wire::HandshakeMessage> got = as.take();
      if (!got.empty()) {
        ch = got.front();
      }
    }
    if (!ch) {
      throw_malformed(client_hello_records.size(), "ClientHello records",
                      "no complete handshake message", Error::kAlertDecodeError);
    }
    if (ch->msg_type != type_code(HandshakeType::client_hello)) {
      throw_malformed(ch->offset, "ClientHello records",
                      fmt::format("the first handshake message is {}, not a ClientHello",
                                  message_label(ch->msg_type)),
                      Error::kAlertUnexpectedMessage);
    }
  }
  wire::Reader chr(ch->body, wire::absolute_offset(*ch, 4));
  wire::ClientHello hello = wire::decode_client_hello(chr);

  // Server flight: ServerHello .. ServerHelloDone; anything after it is ignored.
  std::vector<wire::HandshakeMessage> server;
  {
    wire::Reader r(server_flight_records, 0, "server flight");
    wire::HandshakeAssembler as;
    bool done = false;
    while (!r.empty() && !done) {
      wire::Record rec = wire::decode_record(r);
      if (rec.content_type != static_cast<std::uint8_t>(wire::ContentType::handshake)) {
        throw_malformed(
            rec.offset, "server flight",
            fmt::format("record of content type {} before ServerHelloDone", rec.content_type),
            Error::kAlertUnexpectedMessage);
      }
      as.add(rec);
      for (auto& m : as.take()) {
        if (!done) {
          done = m.msg_type == type_code(HandshakeType::server_hello_done);
          server.push_back(std::move(m));
        }
      }
    }
    if (!done) {
      throw_malformed(server_flight_records.size(), "server flight",
                      "no ServerHelloDone (an abbreviated handshake has no key exchange to "
                      "replay)",
                      Error::kAlertDecodeError);
    }
  }
  if (server.front().msg_type != type_code(HandshakeType::server_hello)) {
    throw_malformed(server.front().offset, "server flight",
                    fmt::format("the first message is {}, not a ServerHello",
                                message_label(server.front().msg_type)),
                    Error::kAlertUnexpectedMessage);
  }
  for (std::size_t i = 1; i + 1 < server.size(); ++i) {
    std::uint8_t t = server[i].msg_type;
    if (t != type_code(HandshakeType::certificate) &&
        t != type_code(HandshakeType::certificate_status) &&
        t != type_code(HandshakeType::server_key_exchange) &&
        t != type_code(HandshakeType::certificate_request)) {
      throw_malformed(server[i].offset, "server flight",
                      fmt::format("{} inside the server's first flight", message_label(t)),
                      Error::kAlertUnexpectedMessage);
    }
  }
  wire::Reader shr(server.front().body, wire::absolute_offset(server.front(), 4));
  wire::ServerHello sh = wire::decode_server_hello(shr);
  if (std::find(hello.cipher_suites.begin(), hello.cipher_suites.end(), sh.cipher_suite) ==
      hello.cipher_suites.end()) {
    throw_malformed(server.front().offset, "ServerHello",
                    fmt::format("cipher_suite 0x{:04x} is not one the ClientHello offered: the "
                                "flights are from different handshakes",
                                sh.cipher_suite),
                    Error::kAlertIllegalParameter);
  }
  if (sh.server_version > hello.client_version) {
    throw_malformed(server.front().offset, "ServerHello",
                    fmt::format("server_version 0x{:04x} is above the ClientHello's 0x{:04x}: "
                                "the flights are from different handshakes",
                                sh.server_version, hello.client_version),
                    Error::kAlertProtocolVersion);
  }

  State st;
  st.role = Role::server;
  st.version = hello.client_version;
  st.offered_suites = hello.cipher_suites;
  st.client_random = hello.random;
  st.session_id = hello.session_id;
  st.negotiated_version = sh.server_version;
  st.cipher_suite = sh.cipher_suite;
  st.server_random = sh.random;
  st.server_session_id = sh.session_id;
  add_message(st, Role::client, wire::encode_handshake(*ch));
  bool requested = false;
  for (const auto& m : server) {
    add_message(st, Role::server, wire::encode_handshake(m));
    requested = requested || m.msg_type == type_code(HandshakeType::certificate_request);
  }
  st.values["client_auth_requested"] = requested ? "true" : "false";
  st.values["replayed"] = "true";
  return st;
}

}  // namespace hsk::handshake
