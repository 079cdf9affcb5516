// hsk::handshake verify_steps (contract in verify_steps.hpp).
#include "handshake/verify_steps.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "handshake/signatures.hpp"
#include "hsk/error.hpp"
#include "wire/extensions.hpp"
#include "wire/messages.hpp"
#include "wire/reader.hpp"
#include "wire/record.hpp"
#include "wire/registry.hpp"

namespace hsk::handshake {

namespace {

using wire::HandshakeType;

// Message is one reassembled handshake message and where it came from.
struct Message {
  wire::HandshakeMessage m;
  std::string input;
  Bytes bytes;  // the Handshake struct: msg_type, uint24 length, body (as received)
};

// StepsInput is the messages of one input plus whether a ChangeCipherSpec came in it.
struct ReadInput {
  std::vector<Message> messages;
  bool change_cipher_spec = false;
};

std::string code_hex(std::uint16_t code) { return fmt::format("0x{:04x}", code); }

std::string type_name(std::uint8_t type) {
  std::string_view name = wire::message_name(type);
  return name.empty() ? fmt::format("handshake type {}", type) : std::string(name);
}

// input_bytes: binary records as they are, hex text decoded (as `hsk decode` detects them).
Bytes input_bytes(const StepInput& in) {
  if (in.data.empty() || (in.data[0] >= 0x14 && in.data[0] <= 0x18)) {
    return in.data;
  }
  std::string_view text(reinterpret_cast<const char*>(in.data.data()), in.data.size());
  if (!looks_like_hex(text)) {
    throw_malformed(0, "input",
                    fmt::format("neither TLS records (first byte 0x{:02x} is not a content type "
                                "0x14..0x18) nor hex text",
                                in.data[0]));
  }
  return from_hex(text, "hex input");
}

// read_input splits one input into records and reassembles its handshake messages. Records
// after a ChangeCipherSpec are encrypted: their framing is read, their content skipped.
ReadInput read_input(const StepInput& in) {
  ReadInput out;
  Bytes data = input_bytes(in);
  wire::Reader r(data, 0, "input");
  wire::HandshakeAssembler assembler;
  while (!r.empty()) {
    wire::Record rec =
        wire::decode_record(r, out.change_cipher_spec ? wire::kMaxCiphertext : wire::kMaxPlaintext);
    if (out.change_cipher_spec) {
      continue;
    }
    auto type = static_cast<wire::ContentType>(rec.content_type);
    if (type == wire::ContentType::handshake) {
      assembler.add(rec);
      for (auto& m : assembler.take()) {
        Message msg;
        msg.bytes = wire::encode_handshake(m);
        msg.m = std::move(m);
        msg.input = in.name;
        out.messages.push_back(std::move(msg));
      }
    } else if (type == wire::ContentType::change_cipher_spec) {
      if (assembler.pending()) {
        throw_malformed(rec.offset, "record",
                        "ChangeCipherSpec inside an unfinished handshake message",
                        Error::kAlertUnexpectedMessage);
      }
      out.change_cipher_spec = true;
    }
    // Alerts, application data and heartbeats carry nothing to check.
  }
  if (assembler.pending()) {
    throw_malformed(data.size(), "input",
                    fmt::format("handshake message incomplete at the end of the input ({} bytes "
                                "of it present)",
                                assembler.pending_bytes()),
                    Error::kAlertDecodeError);
  }
  return out;
}

wire::Reader body_reader(const Message& msg) {
  return wire::Reader(msg.m.body, wire::absolute_offset(msg.m, 4), type_name(msg.m.msg_type));
}

std::vector<pki::Certificate> parse_chain(const Message& msg) {
  wire::Reader r = body_reader(msg);
  wire::Certificate c = wire::decode_certificate(r);
  std::vector<pki::Certificate> out;
  out.reserve(c.certificate_list.size());
  for (const auto& der : c.certificate_list) {
    out.push_back(pki::parse_certificate(der));
  }
  return out;
}

std::optional<crypto::KeyType> key_type_for(wire::Authentication auth) {
  switch (auth) {
    case wire::Authentication::rsa:
      return crypto::KeyType::rsa;
    case wire::Authentication::dss:
      return crypto::KeyType::dsa;
    case wire::Authentication::ecdsa:
      return crypto::KeyType::ec;
    default:
      return std::nullopt;
  }
}

std::string scheme_list(const std::vector<std::uint16_t>& list) {
  std::string out;
  for (std::uint16_t code : list) {
    std::string_view name = wire::name_of(wire::Registry::signature_scheme, code);
    out += out.empty() ? "" : ", ";
    out += name.empty() ? code_hex(code) : std::string(name);
  }
  return out;
}

// Connection is what the messages so far said.
struct Connection {
  const VerifyStepsOptions* options = nullptr;
  StepsReport report;
  std::vector<const Message*> transcript;  // every message so far but HelloRequest
  const Message* client_hello_msg = nullptr;
  std::optional<wire::ClientHello> client_hello;
  std::optional<std::vector<std::uint16_t>> client_sigalgs;
  std::optional<wire::ServerHello> server_hello;
  const Message* server_hello_msg = nullptr;
  std::vector<pki::Certificate> server_certs;
  bool server_key_exchange = false;
  std::optional<wire::CertificateRequest> certificate_request;
  bool server_hello_done = false;
  bool client_certificate = false;
  std::vector<pki::Certificate> client_certs;
  bool certificate_verify = false;
  bool abbreviated = false;  // a ChangeCipherSpec after ServerHello without ServerHelloDone

  std::uint16_t version() const { return server_hello->server_version; }
  wire::KexContext kex_context() const {
    return {server_hello->server_version, server_hello->cipher_suite};
  }
  const wire::CipherSuite* suite() const {
    return server_hello ? wire::find_cipher_suite(server_hello->cipher_suite) : nullptr;
  }
};

void chain_check(Connection& c, StepCheckKind kind, const Message& msg,
                 const std::vector<pki::Certificate>& certs) {
  StepCheck check;
  check.kind = kind;
  check.input = msg.input;
  check.offset = msg.m.offset;
  check.signer = pki::name_to_string(certs.front().subject);
  check.key_description = certs.front().key_description();
  std::vector<pki::Certificate> untrusted(certs.begin() + 1, certs.end());
  untrusted.insert(untrusted.end(), c.options->untrusted.begin(), c.options->untrusted.end());
  pki::ChainOptions o;
  o.at = c.options->at;
  o.purpose = kind == StepCheckKind::server_chain ? pki::Purpose::server : pki::Purpose::client;
  o.partial_chain = c.options->partial_chain;
  pki::ChainResult result = pki::verify_chain(certs.front(), untrusted, c.options->trusted, o);
  check.valid = result.valid();
  check.verdict = pki::chain_verdict(result);
  if (!check.valid) {
    check.reason = check.verdict;
  }
  check.chain = std::move(result);
  c.report.checks.push_back(std::move(check));
}

// verify_signed fills the signature part of `check` (signer, algorithm, digest, verdict) for
// `sig` over the concatenated parts, with the leaf of `certs`. `who` is "server" or "client";
// `offered` the list the peer allowed (TLS 1.2), `offered_where` where it came from.
void verify_signed(StepCheck& check, const Connection& c,
                   const std::vector<pki::Certificate>& certs, std::string_view who,
                   const wire::DigitallySigned& sig,
                   const std::optional<std::vector<std::uint16_t>>& offered,
                   std::string_view offered_where, std::optional<crypto::KeyType> suite_key) {
  check.scheme = sig.algorithm;
  check.signature = sig.signature;
  Bytes data;
  for (const auto& part : check.signed_parts) {
    data.insert(data.end(), part.bytes.begin(), part.bytes.end());
  }
  check.signed_length = data.size();
  if (sig.algorithm) {
    std::string_view name = wire::name_of(wire::Registry::signature_scheme, *sig.algorithm);
    check.algorithm_name = name.empty() ? code_hex(*sig.algorithm)
                                        : fmt::format("{} ({})", name, code_hex(*sig.algorithm));
  }
  if (certs.empty()) {
    check.reason = fmt::format("no {} certificate before it: no key to verify with", who);
    return;
  }
  const pki::Certificate& leaf = certs.front();
  check.signer = pki::name_to_string(leaf.subject);
  check.key_description = leaf.key_description();
  if (!leaf.key) {
    check.reason = fmt::format("the {} certificate's key is not usable: {}", who, leaf.key_error);
    return;
  }
  SignatureCheck sc;
  try {
    sc = verify_handshake_signature(*leaf.key, c.version(), sig, data);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::malformed) {
      throw;
    }
    check.reason = fmt::format("the {} certificate's key is not usable: {}", who, e.detail());
    return;
  }
  check.algorithm = sc.algorithm;
  check.algorithm_name = sc.algorithm_name;
  if (sc.algorithm) {
    check.hash = crypto::signature_hash(*sc.algorithm);
    check.digest = crypto::hash(*check.hash, data);
  }
  if (suite_key && leaf.key->type != *suite_key) {
    check.reason =
        fmt::format("the suite {} needs a {} certificate but the server's key is {}",
                    c.suite()->iana, crypto::key_type_name(*suite_key), leaf.key_description());
    return;
  }
  if (!sc.valid) {
    check.reason = sc.reason;
    return;
  }
  if (c.version() >= wire::kTls12 && sig.algorithm && offered &&
      std::find(offered->begin(), offered->end(), *sig.algorithm) == offered->end()) {
    check.reason = fmt::format("{} was not offered in {} ({})", check.algorithm_name, offered_where,
                               scheme_list(*offered));
    return;
  }
  check.valid = true;
}

[[noreturn]] void out_of_order(const Message& msg, std::string_view what) {
  throw_malformed(msg.m.offset, type_name(msg.m.msg_type), std::string(what),
                  Error::kAlertUnexpectedMessage);
}

void on_server_key_exchange(Connection& c, const Message& msg) {
  if (!c.client_hello) {
    out_of_order(msg,
                 "no ClientHello before it: client_random is unknown (give the ClientHello's step "
                 "file first)");
  }
  if (!c.server_hello) {
    out_of_order(msg, "no ServerHello before it: server_random and the suite are unknown");
  }
  c.server_key_exchange = true;
  wire::KexContext ctx = c.kex_context();
  wire::Reader r = body_reader(msg);
  wire::ServerKeyExchange ske = wire::decode_server_key_exchange(r, ctx);
  if (ske.form == wire::KexForm::raw) {
    c.report.notes.push_back("ServerKeyExchange not checked: " + wire::kex_raw_reason(12, ctx));
    return;
  }
  const wire::CipherSuite* suite = c.suite();
  if (!ske.signature) {
    c.report.notes.push_back(
        fmt::format("{} key exchange: the ServerKeyExchange is not signed (the server is "
                    "anonymous)",
                    suite ? wire::to_string(suite->kx) : "anonymous"));
    return;
  }
  ByteView params = wire::server_params_bytes(msg.m.body, ctx);
  StepCheck check;
  check.kind = StepCheckKind::server_key_exchange;
  check.input = msg.input;
  check.offset = msg.m.offset;
  check.signed_parts.push_back({"client_random",
                                Bytes(c.client_hello->random.begin(), c.client_hello->random.end()),
                                c.client_hello_msg->input, c.client_hello_msg->m.offset + 6});
  check.signed_parts.push_back({"server_random",
                                Bytes(c.server_hello->random.begin(), c.server_hello->random.end()),
                                c.server_hello_msg->input, c.server_hello_msg->m.offset + 6});
  std::string params_name = ske.form == wire::KexForm::dh     ? "params (ServerDHParams)"
                            : ske.form == wire::KexForm::ecdh ? "params (ServerECDHParams)"
                                                              : "params (ServerRSAParams)";
  check.signed_parts.push_back(
      {params_name, Bytes(params.begin(), params.end()), msg.input, msg.m.offset + 4});
  std::optional<crypto::KeyType> suite_key;
  if (suite) {
    suite_key = key_type_for(suite->auth);
  }
  verify_signed(check, c, c.server_certs, "server", *ske.signature, c.client_sigalgs,
                "the ClientHello's signature_algorithms", suite_key);
  c.report.checks.push_back(std::move(check));
}

void on_certificate_verify(Connection& c, const Message& msg) {
  if (!c.server_hello) {
    out_of_order(msg, "no ServerHello before it: the version is unknown");
  }
  c.certificate_verify = true;
  wire::Reader r = body_reader(msg);
  wire::CertificateVerify cv = wire::decode_certificate_verify(r, c.version());
  StepCheck check;
  check.kind = StepCheckKind::certificate_verify;
  check.input = msg.input;
  check.offset = msg.m.offset;
  for (const Message* m : c.transcript) {
    check.signed_parts.push_back({type_name(m->m.msg_type), m->bytes, m->input, m->m.offset});
  }
  std::optional<std::vector<std::uint16_t>> offered;
  if (c.certificate_request) {
    offered = c.certificate_request->signature_algorithms;
  }
  verify_signed(check, c, c.client_certs, "client", cv.signature, offered,
                "the CertificateRequest's supported_signature_algorithms", std::nullopt);
  c.report.checks.push_back(std::move(check));
}

void on_message(Connection& c, const Message& msg) {
  auto type = static_cast<HandshakeType>(msg.m.msg_type);
  if (type == HandshakeType::hello_request) {
    return;  // RFC 5246 §7.4.1.1: not in the handshake hashes
  }
  switch (type) {
    case HandshakeType::client_hello: {
      if (c.client_hello) {
        out_of_order(msg, "a second ClientHello (one connection at a time)");
      }
      wire::Reader r = body_reader(msg);
      c.client_hello = wire::decode_client_hello(r);
      c.client_hello_msg = &msg;
      if (c.client_hello->extensions) {
        for (const auto& e : *c.client_hello->extensions) {
          if (e.type == static_cast<std::uint16_t>(wire::ExtensionType::signature_algorithms)) {
            wire::Reader er(e.data, e.offset + 4, "signature_algorithms");
            c.client_sigalgs = wire::decode_signature_algorithms(er).supported_signature_algorithms;
          }
        }
      }
      break;
    }
    case HandshakeType::server_hello: {
      if (c.server_hello) {
        out_of_order(msg, "a second ServerHello");
      }
      wire::Reader r = body_reader(msg);
      c.server_hello = wire::decode_server_hello(r);
      c.server_hello_msg = &msg;
      c.report.version = c.server_hello->server_version;
      c.report.cipher_suite = c.server_hello->cipher_suite;
      break;
    }
    case HandshakeType::certificate: {
      bool client = c.server_hello_done;
      std::vector<pki::Certificate> certs = parse_chain(msg);
      if (client) {
        c.client_certificate = true;
        c.client_certs = std::move(certs);
      } else {
        c.server_certs = std::move(certs);
      }
      const auto& list = client ? c.client_certs : c.server_certs;
      if (!list.empty() && !c.options->trusted.empty()) {
        chain_check(c, client ? StepCheckKind::client_chain : StepCheckKind::server_chain, msg,
                    list);
      }
      break;
    }
    case HandshakeType::server_key_exchange:
      on_server_key_exchange(c, msg);
      break;
    case HandshakeType::certificate_request: {
      if (!c.server_hello) {
        out_of_order(msg, "no ServerHello before it: the version is unknown");
      }
      wire::Reader r = body_reader(msg);
      c.certificate_request = wire::decode_certificate_request(r, c.version());
      break;
    }
    case HandshakeType::server_hello_done:
      c.server_hello_done = true;
      break;
    case HandshakeType::client_key_exchange:
      break;
    case HandshakeType::certificate_verify:
      on_certificate_verify(c, msg);
      break;
    default:
      break;  // NewSessionTicket, CertificateStatus, Finished: nothing signed
  }
  c.transcript.push_back(&msg);
}

// add_notes explains what was not checked once every message is read.
void add_notes(Connection& c) {
  auto& notes = c.report.notes;
  if (!c.client_hello) {
    notes.insert(notes.begin(), "no ClientHello in the inputs");
  }
  if (!c.server_hello) {
    notes.push_back("no ServerHello in the inputs");
    return;
  }
  const wire::CipherSuite* suite = c.suite();
  if (c.abbreviated && !c.server_hello_done) {
    notes.push_back(
        "abbreviated handshake (session resumption): no certificates or signatures are sent");
    return;
  }
  if (!c.server_key_exchange && suite) {
    std::string kx(wire::to_string(suite->kx));
    switch (wire::kex_shape(suite->kx)) {
      case wire::KexShape::rsa:
        notes.push_back("RSA key exchange sends no ServerKeyExchange");
        break;
      case wire::KexShape::dh_fixed:
      case wire::KexShape::ecdh_fixed:
        notes.push_back(fmt::format(
            "fixed {} key exchange sends no ServerKeyExchange: the server's key is in its "
            "certificate",
            kx));
        break;
      case wire::KexShape::dhe:
      case wire::KexShape::ecdhe:
        if (c.server_hello_done) {
          StepCheck missing;
          missing.kind = StepCheckKind::server_key_exchange;
          missing.reason = fmt::format(
              "missing: {} needs a signed ServerKeyExchange before ServerHelloDone", suite->iana);
          c.report.checks.push_back(std::move(missing));
        } else {
          notes.push_back("the server's flight ends before its ServerKeyExchange");
        }
        break;
      default:
        break;
    }
  } else if (!c.server_key_exchange && !c.server_hello_done) {
    notes.push_back("the server's flight ends before ServerHelloDone");
  }
  if (c.certificate_request) {
    if (!c.client_certificate) {
      notes.push_back(
          "the server asked for a client certificate; the inputs hold no client Certificate");
    } else if (c.client_certs.empty()) {
      notes.push_back("the server asked for a client certificate; the client sent none");
    }
  }
  if (!c.client_certs.empty() && !c.certificate_verify) {
    notes.push_back(
        "the client sent a certificate but no CertificateVerify (fixed-DH client "
        "authentication, or the client flight is cut short)");
  }
}

std::string check_subject(const StepCheck& check) {
  std::string out(step_check_title(check.kind));
  if (check.kind == StepCheckKind::server_chain || check.kind == StepCheckKind::client_chain) {
    out += " (" + check.signer + ")";
    return out;
  }
  out += ": ";
  out += check.algorithm_name.empty() ? "?" : check.algorithm_name;
  if (!check.signer.empty()) {
    out += " by " + check.signer;
  }
  return out;
}

}  // namespace

std::string_view step_check_id(StepCheckKind kind) {
  switch (kind) {
    case StepCheckKind::server_key_exchange:
      return "server_key_exchange";
    case StepCheckKind::certificate_verify:
      return "certificate_verify";
    case StepCheckKind::server_chain:
      return "server_chain";
    case StepCheckKind::client_chain:
      return "client_chain";
  }
  return "?";
}

std::string_view step_check_title(StepCheckKind kind) {
  switch (kind) {
    case StepCheckKind::server_key_exchange:
      return "ServerKeyExchange";
    case StepCheckKind::certificate_verify:
      return "CertificateVerify";
    case StepCheckKind::server_chain:
      return "server certificate chain";
    case StepCheckKind::client_chain:
      return "client certificate chain";
  }
  return "?";
}

bool StepsReport::valid() const {
  return std::all_of(checks.begin(), checks.end(), [](const StepCheck& c) { return c.valid; });
}

StepsReport verify_steps(std::span<const StepInput> inputs, const VerifyStepsOptions& options) {
  if (inputs.empty()) {
    throw_usage("no step files: give the ClientHello and the server flight");
  }
  // Every message stays where it is (the Connection points at them).
  std::vector<ReadInput> read;
  read.reserve(inputs.size());
  Connection c;
  c.options = &options;
  for (const auto& in : inputs) {
    try {
      read.push_back(read_input(in));
      for (const auto& msg : read.back().messages) {
        on_message(c, msg);
      }
    } catch (Error& e) {
      e.with_input(in.name);
      throw;
    }
    if (read.back().change_cipher_spec && c.server_hello && !c.server_hello_done) {
      c.abbreviated = true;
    }
  }
  add_notes(c);
  if (c.report.checks.empty()) {
    std::string why;
    for (const auto& n : c.report.notes) {
      why += why.empty() ? "" : "; ";
      why += n;
    }
    c.report.nothing_to_check = "no signed handshake messages" + (why.empty() ? "" : ": " + why);
  }
  return std::move(c.report);
}

std::string steps_report_text(const StepsReport& report) {
  if (report.nothing_to_check) {
    return *report.nothing_to_check + "\n";
  }
  std::string out;
  for (const auto& check : report.checks) {
    out += check_subject(check);
    out += check.valid ? ": valid\n" : ": INVALID: " + check.reason + "\n";
  }
  for (const auto& note : report.notes) {
    out += "note: " + note + "\n";
  }
  return out;
}

std::string steps_failure(const StepsReport& report) {
  for (const auto& check : report.checks) {
    if (check.valid) {
      continue;
    }
    std::string where = check.input.empty()
                            ? std::string()
                            : fmt::format("{}: offset {}: ", check.input, check.offset);
    return where + check_subject(check) + ": " + check.reason;
  }
  return {};
}

std::string steps_report_json(const StepsReport& report) {
  using Json = nlohmann::ordered_json;
  auto opt_code = [](const std::optional<std::uint16_t>& v) -> Json {
    return v ? Json(code_hex(*v)) : Json(nullptr);
  };
  Json j = Json::object();
  j["valid"] = report.valid();
  j["version"] = opt_code(report.version);
  j["version_name"] =
      report.version
          ? Json(std::string(wire::name_of(wire::Registry::protocol_version, *report.version)))
          : Json(nullptr);
  j["cipher_suite"] = opt_code(report.cipher_suite);
  const wire::CipherSuite* suite =
      report.cipher_suite ? wire::find_cipher_suite(*report.cipher_suite) : nullptr;
  j["cipher_suite_name"] = suite ? Json(std::string(suite->iana)) : Json(nullptr);
  Json checks = Json::array();
  for (const auto& check : report.checks) {
    Json jc = Json::object();
    jc["check"] = std::string(step_check_id(check.kind));
    jc["valid"] = check.valid;
    jc["reason"] = check.valid ? Json(nullptr) : Json(check.reason);
    jc["input"] = check.input.empty() ? Json(nullptr) : Json(check.input);
    jc["offset"] = check.input.empty() ? Json(nullptr) : Json(check.offset);
    jc["signer"] = check.signer.empty() ? Json(nullptr) : Json(check.signer);
    jc["key"] = check.key_description.empty() ? Json(nullptr) : Json(check.key_description);
    if (check.kind == StepCheckKind::server_chain || check.kind == StepCheckKind::client_chain) {
      Json chain = Json::array();
      if (check.chain) {
        for (const auto& cert : check.chain->chain) {
          chain.push_back(pki::name_to_string(cert.subject));
        }
      }
      jc["chain"] = std::move(chain);
      jc["verdict"] = check.verdict;
    } else {
      jc["algorithm"] = check.algorithm_name.empty() ? Json(nullptr) : Json(check.algorithm_name);
      jc["scheme"] = opt_code(check.scheme);
      jc["hash"] = check.hash ? Json(std::string(crypto::hash_name(*check.hash))) : Json(nullptr);
      jc["signed_length"] = check.signed_length;
      jc["digest"] = check.digest.empty() ? Json(nullptr) : Json(to_hex(check.digest));
      jc["signature"] = to_hex(check.signature);
      Json parts = Json::array();
      for (const auto& p : check.signed_parts) {
        Json jp = Json::object();
        jp["name"] = p.name;
        jp["length"] = p.bytes.size();
        jp["input"] = p.input.empty() ? Json(nullptr) : Json(p.input);
        jp["offset"] = p.input.empty() ? Json(nullptr) : Json(p.offset);
        parts.push_back(std::move(jp));
      }
      jc["signed_parts"] = std::move(parts);
    }
    checks.push_back(std::move(jc));
  }
  j["checks"] = std::move(checks);
  j["notes"] = report.notes;
  j["nothing_to_check"] = report.nothing_to_check ? Json(*report.nothing_to_check) : Json(nullptr);
  return j.dump(2) + "\n";
}

std::string steps_explain(const StepsReport& report) {
  std::string out;
  for (const auto& check : report.checks) {
    std::string where = check.input.empty()
                            ? std::string()
                            : fmt::format(" ({}, offset {})", check.input, check.offset);
    switch (check.kind) {
      case StepCheckKind::server_chain:
      case StepCheckKind::client_chain:
        out += fmt::format("{}{}: ", step_check_title(check.kind), where);
        if (check.chain) {
          std::string path;
          for (const auto& cert : check.chain->chain) {
            path += (path.empty() ? "" : " <- ") + pki::name_to_string(cert.subject);
          }
          out += path;
        }
        out += fmt::format("; verdict: {}\n", check.verdict);
        continue;
      case StepCheckKind::server_key_exchange:
        out += fmt::format(
            "ServerKeyExchange{} (phase 2, server authentication and key exchange): the server "
            "signs hash(client_random || server_random || params)\n",
            where);
        for (const auto& p : check.signed_parts) {
          out += fmt::format("  {} ({} bytes): {}\n", p.name, p.bytes.size(), to_hex(p.bytes));
        }
        break;
      case StepCheckKind::certificate_verify:
        out += fmt::format(
            "CertificateVerify{} (phase 3, client authentication): the client signs every "
            "handshake message before it, {} messages:\n",
            where, check.signed_parts.size());
        for (const auto& p : check.signed_parts) {
          out += fmt::format("  {} ({} bytes, {} offset {})\n", p.name, p.bytes.size(), p.input,
                             p.offset);
        }
        break;
    }
    out += fmt::format("  signed bytes: {}\n", check.signed_length);
    out += fmt::format("  algorithm: {}{}\n",
                       check.algorithm_name.empty() ? "?" : check.algorithm_name,
                       check.scheme      ? " (from the DigitallySigned algorithm field)"
                       : check.algorithm ? " (TLS 1.0/1.1: fixed by the key type)"
                                         : "");
    if (check.hash) {
      out += fmt::format("  hash: {}\n  digest: {}\n", crypto::hash_name(*check.hash),
                         to_hex(check.digest));
    }
    if (!check.signer.empty()) {
      out += fmt::format("  key: {} of {}\n", check.key_description, check.signer);
    }
    out += fmt::format("  signature ({} bytes): {}\n", check.signature.size(),
                       to_hex(check.signature));
    out += check.valid ? "  result: valid\n" : "  result: INVALID: " + check.reason + "\n";
  }
  for (const auto& note : report.notes) {
    out += "note: " + note + "\n";
  }
  return out;
}

}  // namespace hsk::handshake
