// hsk::handshake server_respond — the server's phases 1 and 2: choose version and suite,
// build ServerHello .. ServerHelloDone and the server state.
#include "handshake/server_respond.hpp"

#include <algorithm>
#include <ctime>
#include <filesystem>

#include "crypto/tls_crypto.hpp"
#include "dh/groups.hpp"
#include "handshake/finish_step.hpp"
#include "handshake/key_schedule.hpp"
#include "handshake/signatures.hpp"
#include "hsk/error.hpp"
#include "pki/keys.hpp"
#include "wire/extensions.hpp"
#include "wire/reader.hpp"
#include "wire/record.hpp"
#include "wire/writer.hpp"

namespace hsk::handshake {

namespace {

using wire::ExtensionType;
using wire::KeyExchange;

constexpr std::uint16_t kRenegotiationScsv = 0x00ff;  // RFC 5746 §3.3

// ---------------------------------------------------------------------------------------
// Small text helpers.

std::string hex16(std::uint16_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s = "0x";
  for (int shift = 12; shift >= 0; shift -= 4) {
    s += digits[(v >> shift) & 0xf];
  }
  return s;
}

std::string version_text(std::uint16_t v) {
  std::string_view n = wire::name_of(wire::Registry::protocol_version, v);
  return n.empty() ? hex16(v) : std::string(n) + " (" + hex16(v) + ")";
}

std::string version_short(std::uint16_t v) {
  std::string_view n = wire::name_of(wire::Registry::protocol_version, v);
  return n.empty() ? hex16(v) : std::string(n);
}

std::string suite_text(std::uint16_t code) {
  const wire::CipherSuite* s = wire::find_cipher_suite(code);
  return (s ? std::string(s->iana) + " " : std::string()) + "(" + hex16(code) + ")";
}

std::string scheme_text(std::uint16_t code) {
  std::string_view n = wire::name_of(wire::Registry::signature_scheme, code);
  return (n.empty() ? std::string("scheme") : std::string(n)) + " (" + hex16(code) + ")";
}

std::string group_text(std::uint16_t code) {
  std::string_view n = wire::name_of(wire::Registry::named_group, code);
  return n.empty() ? hex16(code) : std::string(n);
}

std::string ordinal(std::size_t n) {
  std::string s = std::to_string(n);
  if (n % 100 >= 11 && n % 100 <= 13) {
    return s + "th";
  }
  switch (n % 10) {
    case 1:
      return s + "st";
    case 2:
      return s + "nd";
    case 3:
      return s + "rd";
    default:
      return s + "th";
  }
}

std::string subject_text(const pki::Certificate& c) {
  std::string s = pki::name_to_string(c.subject);
  return s.empty() ? "(empty subject)" : s;
}

// ---------------------------------------------------------------------------------------
// The ClientHello's extensions, decoded.

const wire::Extension* find_ext(const wire::ClientHello& h, ExtensionType type) {
  if (!h.extensions) {
    return nullptr;
  }
  for (const auto& e : *h.extensions) {
    if (e.type == static_cast<std::uint16_t>(type)) {
      return &e;
    }
  }
  return nullptr;
}

struct ClientOffer {
  std::optional<std::vector<std::uint16_t>> groups;   // supported_groups, when sent
  std::optional<std::vector<std::uint16_t>> sigalgs;  // signature_algorithms, when sent
  bool point_formats = false;                         // ec_point_formats sent
  bool ems = false;                                   // extended_master_secret sent
  bool etm = false;                                   // encrypt_then_mac sent
  bool reneg_ext = false;                             // renegotiation_info sent
  bool reneg_scsv = false;                            // TLS_EMPTY_RENEGOTIATION_INFO_SCSV
  std::optional<std::vector<std::string>> alpn;       // ALPN protocols, when sent
};

template <typename Decode>
auto decode_ext(const wire::Extension& e, Decode decode) {
  wire::Reader r(e.data, e.offset + 4, "ClientHello");
  return decode(r);
}

ClientOffer read_offer(const wire::ClientHello& h) {
  ClientOffer o;
  if (const auto* e = find_ext(h, ExtensionType::supported_groups)) {
    o.groups = decode_ext(*e, wire::decode_supported_groups).named_group_list;
  }
  if (const auto* e = find_ext(h, ExtensionType::signature_algorithms)) {
    o.sigalgs = decode_ext(*e, wire::decode_signature_algorithms).supported_signature_algorithms;
  }
  if (const auto* e = find_ext(h, ExtensionType::ec_point_formats)) {
    decode_ext(*e, wire::decode_ec_point_formats);
    o.point_formats = true;
  }
  if (const auto* e = find_ext(h, ExtensionType::extended_master_secret)) {
    decode_ext(*e, [](wire::Reader& r) {
      wire::decode_empty(r);
      return 0;
    });
    o.ems = true;
  }
  if (const auto* e = find_ext(h, ExtensionType::encrypt_then_mac)) {
    decode_ext(*e, [](wire::Reader& r) {
      wire::decode_empty(r);
      return 0;
    });
    o.etm = true;
  }
  if (const auto* e = find_ext(h, ExtensionType::renegotiation_info)) {
    wire::RenegotiationInfo ri = decode_ext(*e, wire::decode_renegotiation_info);
    if (!ri.renegotiated_connection.empty()) {
      // RFC 5746 §3.6: an initial handshake must carry an empty renegotiated_connection.
      throw Error(ErrorKind::check_failed, e->offset + 4, "ClientHello",
                  "renegotiation_info: renegotiated_connection is not empty in an initial "
                  "handshake (RFC 5746 §3.6)",
                  Error::kAlertHandshakeFailure);
    }
    o.reneg_ext = true;
  }
  for (auto s : h.cipher_suites) {
    o.reneg_scsv = o.reneg_scsv || s == kRenegotiationScsv;
  }
  if (const auto* e = find_ext(h, ExtensionType::application_layer_protocol_negotiation)) {
    wire::ProtocolNameList l = decode_ext(*e, wire::decode_alpn);
    std::vector<std::string> names;
    for (const auto& p : l.protocol_name_list) {
      names.emplace_back(p.begin(), p.end());
    }
    o.alpn = std::move(names);
  }
  return o;
}

// ---------------------------------------------------------------------------------------
// Groups.

// DhChoice: the finite-field group for DHE / DH_anon, or why there is none.
struct DhChoice {
  std::optional<crypto::DhParams> params;
  std::string name;      // "ffdhe2048", ... or "explicit"
  std::string why;       // for --explain
  std::string unusable;  // when !params
};

DhChoice choose_dh(const ServerRespondOptions& o, const ClientOffer& offer) {
  DhChoice c;
  if (o.dh_params) {
    c.params = o.dh_params;
    c.name = "explicit";
    std::size_t bits = crypto::bit_length(o.dh_params->p);
    c.why = "the parameters given with --dh-params" +
            (o.dh_params_name.empty() ? std::string() : " (" + o.dh_params_name + ")") + ", " +
            std::to_string(bits) + "-bit p";
    if (const dh::NamedGroup* g = dh::identify_group(*o.dh_params)) {
      c.why += ", which is " + std::string(g->name);
    }
    return c;
  }
  bool client_lists_ffdhe = false;
  if (offer.groups) {
    for (auto code : *offer.groups) {
      if (code < 0x0100 || code > 0x01ff) {
        continue;
      }
      client_lists_ffdhe = true;
      for (const auto& g : dh::named_groups()) {
        if (g.tls_named_group == code) {
          c.params = dh::group_params(g, false);  // short exponent (RFC 7919 §5.2)
          c.name = std::string(g.name);
          c.why = c.name + " (" + std::string(g.rfc) +
                  "), the first finite-field group in the client's supported_groups that this "
                  "server knows (RFC 7919 §4)";
          return c;
        }
      }
    }
  }
  if (client_lists_ffdhe) {
    c.unusable =
        "the client's supported_groups lists only finite-field groups hsk does not know "
        "(RFC 7919 §4 then forbids a DHE suite)";
    return c;
  }
  const dh::NamedGroup* g = dh::find_group(o.dh_group);
  if (g == nullptr) {
    throw_usage("unknown DH group '" + o.dh_group +
                "' (use ffdhe2048 .. ffdhe8192 or modp1536 .. modp8192)");
  }
  c.params = dh::group_params(*g, false);
  c.name = std::string(g->name);
  c.why = c.name + " (" + std::string(g->rfc) + ", " + std::to_string(g->bits) + "-bit p), " +
          (offer.groups
               ? "the server's --group (the client's supported_groups names no finite-field group)"
               : "the server's --group (the client sent no supported_groups)");
  return c;
}

// EcChoice: the curve for ECDHE / ECDH_anon, or why there is none.
struct EcChoice {
  std::optional<crypto::EcdhGroup> group;
  std::string why;
  std::string unusable;
};

EcChoice choose_ec(const ClientOffer& offer) {
  EcChoice c;
  if (!offer.groups) {
    c.group = crypto::EcdhGroup::x25519;
    c.why = "x25519, the default (the client sent no supported_groups; RFC 8422 §4)";
    return c;
  }
  for (auto code : *offer.groups) {
    if (auto g = crypto::ecdh_group_from_code(code)) {
      c.group = g;
      c.why = std::string(crypto::ecdh_group_name(*g)) +
              ", the first group in the client's supported_groups that this server implements "
              "(x25519, secp256r1, secp384r1)";
      return c;
    }
  }
  c.unusable =
      "the client's supported_groups names none of x25519, secp256r1, secp384r1 "
      "(RFC 8422 §5.1)";
  return c;
}

std::uint16_t curve_code(crypto::Curve c) { return c == crypto::Curve::p256 ? 23 : 24; }

bool is_signed(KeyExchange kx) {
  return kx == KeyExchange::dhe_rsa || kx == KeyExchange::dhe_dss || kx == KeyExchange::ecdhe_rsa ||
         kx == KeyExchange::ecdhe_ecdsa;
}

bool is_anonymous(KeyExchange kx) {
  return kx == KeyExchange::dh_anon || kx == KeyExchange::ecdh_anon;
}

bool is_fixed_dh(KeyExchange kx) { return kx == KeyExchange::dh_rsa || kx == KeyExchange::dh_dss; }

bool is_ec(KeyExchange kx) {
  return kx == KeyExchange::ecdhe_rsa || kx == KeyExchange::ecdhe_ecdsa ||
         kx == KeyExchange::ecdh_anon;
}

bool is_ffdh_ephemeral(KeyExchange kx) {
  return kx == KeyExchange::dhe_rsa || kx == KeyExchange::dhe_dss || kx == KeyExchange::dh_anon;
}

bool implemented(KeyExchange kx) {
  return kx == KeyExchange::rsa || is_signed(kx) || is_anonymous(kx) || is_fixed_dh(kx);
}

// What a key exchange needs of the pair, for messages.
std::string needs_text(KeyExchange kx) {
  switch (kx) {
    case KeyExchange::rsa:
      return "an RSA key (the client encrypts the pre-master secret to it)";
    case KeyExchange::dhe_rsa:
    case KeyExchange::ecdhe_rsa:
      return "an RSA key (to sign the key exchange)";
    case KeyExchange::dhe_dss:
      return "a DSA key (to sign the key exchange)";
    case KeyExchange::ecdhe_ecdsa:
      return "an EC key (to sign the key exchange)";
    case KeyExchange::dh_rsa:
      return "a certificate with a DH key, issued with an RSA signature";
    case KeyExchange::dh_dss:
      return "a certificate with a DH key, issued with a DSA signature";
    default:
      return "nothing";
  }
}

// Candidate: a suite both sides list, and whether this server can serve it.
struct Candidate {
  std::uint16_t code = 0;
  const wire::CipherSuite* suite = nullptr;
  std::optional<std::size_t> pair;
  std::optional<std::uint16_t> scheme;
  std::string reason;  // "" when eligible
};

std::string key_name(const ServerKeyPair& p) {
  std::string s = std::string(crypto::key_type_name(p.key.type()));
  if (p.key.type() == crypto::KeyType::ec) {
    s += " " + std::string(crypto::curve_name(p.key.pub.ec.curve));
  } else {
    s += " " + std::to_string(crypto::key_bits(p.key.pub));
  }
  return s;
}

}  // namespace

// ---------------------------------------------------------------------------------------

ServerKeyPair load_server_key_pair(const std::string& cert_file, const std::string& key_file) {
  ServerKeyPair p;
  p.chain = pki::load_certificates(cert_file);
  p.key = pki::read_private_key(key_file);
  const pki::Certificate& leaf = p.chain.front();
  if (!leaf.key) {
    throw_usage(cert_file + ": the certificate's key is not supported (" + leaf.key_error + ")");
  }
  if (!(*leaf.key == p.key.pub)) {
    throw_usage(key_file + " is not the private key of " + cert_file + "'s certificate (" +
                subject_text(leaf) + ")");
  }
  auto absolute = [](const std::string& path) {
    std::error_code ec;
    std::filesystem::path a = std::filesystem::absolute(path, ec);
    return ec ? path : a.lexically_normal().string();
  };
  p.cert_file = absolute(cert_file);
  p.key_file = absolute(key_file);
  return p;
}

std::string pair_fits_suite(const ServerKeyPair& pair, KeyExchange kx,
                            const std::optional<std::vector<std::uint16_t>>& client_groups) {
  const crypto::KeyType t = pair.key.type();
  auto want = [&](crypto::KeyType need) -> std::string {
    if (t == need) {
      return "";
    }
    return "the key is " + std::string(crypto::key_type_name(t)) + ", " +
           std::string(wire::to_string(kx)) + " needs " + std::string(crypto::key_type_name(need));
  };
  switch (kx) {
    case KeyExchange::rsa:
    case KeyExchange::dhe_rsa:
    case KeyExchange::ecdhe_rsa:
      return want(crypto::KeyType::rsa);
    case KeyExchange::dhe_dss:
      return want(crypto::KeyType::dsa);
    case KeyExchange::ecdhe_ecdsa: {
      std::string r = want(crypto::KeyType::ec);
      if (!r.empty()) {
        return r;
      }
      if (client_groups) {
        std::uint16_t code = curve_code(pair.key.pub.ec.curve);
        bool offered = false;
        for (auto g : *client_groups) {
          offered = offered || g == code;
        }
        if (!offered) {
          return "the key's curve " + group_text(code) +
                 " is not in the client's supported_groups (RFC 8422 §5.1)";
        }
      }
      return "";
    }
    case KeyExchange::dh_rsa:
    case KeyExchange::dh_dss: {
      std::string r = want(crypto::KeyType::dh);
      if (!r.empty()) {
        return r;
      }
      const crypto::KeyType issuer_needed =
          kx == KeyExchange::dh_rsa ? crypto::KeyType::rsa : crypto::KeyType::dsa;
      std::optional<crypto::SignatureAlgorithm> alg =
          pki::certificate_signature_algorithm(pair.chain.front());
      if (!alg || crypto::signature_key_type(*alg) != issuer_needed) {
        return "the DH certificate is signed with " +
               pki::signature_algorithm_description(pair.chain.front()) + ", " +
               std::string(wire::to_string(kx)) + " needs " +
               std::string(crypto::key_type_name(issuer_needed)) + " (RFC 5246 §7.4.2)";
      }
      return "";
    }
    default:
      return std::string(wire::to_string(kx)) + " uses no server key pair";
  }
}

std::vector<std::uint16_t> server_supported_sigalgs() {
  return {0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401,
          0x0501, 0x0601, 0x0402, 0x0201, 0x0203, 0x0202};
}

Bytes alert_record(std::uint16_t record_version, std::uint8_t description) {
  wire::Writer w;
  wire::encode_alert(w, {2, description});
  return wire::encode_records(static_cast<std::uint8_t>(wire::ContentType::alert), record_version,
                              w.take());
}

ServerFlight server_respond(const wire::ClientHello& hello, ByteView client_hello_message,
                            const ServerRespondOptions& o, crypto::Rng& rng) {
  // ---- Options.
  auto check_version = [](std::uint16_t v, const char* what) {
    if (v < wire::kTls10 || v > wire::kTls12) {
      throw_usage(std::string(what) + " " + version_text(v) +
                  " is outside what hsk speaks (TLS 1.0 to TLS 1.2)");
    }
  };
  check_version(o.min_version, "the minimum version");
  check_version(o.max_version, "the maximum version");
  if (o.min_version > o.max_version) {
    throw_usage("the minimum version " + version_short(o.min_version) + " is above the maximum " +
                version_short(o.max_version));
  }
  if (o.session_id && o.session_id->size() > 32) {
    throw_usage("a session id is at most 32 bytes (RFC 5246 §7.4.1.2), not " +
                std::to_string(o.session_id->size()));
  }

  std::string ex;  // --explain
  ex += "Phase 1 - hello: the server's answer to the ClientHello\n";

  // ---- Version (RFC 5246 §7.4.1.3, Appendix E.1).
  const std::uint16_t client_version = hello.client_version;
  const std::uint16_t version = std::min(client_version, o.max_version);
  if (client_version < wire::kTls10 || version < o.min_version) {
    throw Error(ErrorKind::check_failed,
                "the client offers at most " + version_text(client_version) +
                    "; this server needs at least " + version_short(o.min_version),
                Error::kAlertProtocolVersion);
  }
  ex += "  version: " + version_text(version) + " - the client supports up to " +
        version_short(client_version) + ", this server " + version_short(o.min_version) + " to " +
        version_short(o.max_version) + "; the highest both support\n";

  // ---- Compression: null must be offered (RFC 5246 §7.4.1.2).
  bool null_compression = false;
  for (auto c : hello.compression_methods) {
    null_compression = null_compression || c == 0;
  }
  if (!null_compression) {
    throw Error(ErrorKind::check_failed,
                "the client does not offer the null compression method (RFC 5246 §7.4.1.2)",
                Error::kAlertHandshakeFailure);
  }

  const ClientOffer offer = read_offer(hello);

  // ---- Cipher suite.
  std::vector<std::uint16_t> server_list =
      o.suites.empty() ? *family_suites("all", o.max_version) : o.suites;
  auto in = [](const std::vector<std::uint16_t>& list,
               std::uint16_t v) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (list[i] == v) {
        return i;
      }
    }
    return std::nullopt;
  };
  std::vector<std::uint16_t> order;
  const auto& first = o.prefer == Preference::server ? server_list : hello.cipher_suites;
  const auto& second = o.prefer == Preference::server ? hello.cipher_suites : server_list;
  for (auto code : first) {
    if (in(second, code) && !in(order, code)) {
      order.push_back(code);
    }
  }

  // ---- Session resumption (RFC 5246 §7.3 Figure 2, §7.4.1.3; RFC 7627 §5.3).
  std::optional<CachedSession> resumed;
  std::string not_resumed;
  if (o.cached_session) {
    const CachedSession& c = *o.cached_session;
    if (c.session_id != hello.session_id) {
      not_resumed = "the cache entry given is for another session id";
    } else if (c.version != version) {
      not_resumed = "the session was " + version_short(c.version) + ", this handshake is " +
                    version_short(version);
    } else if (!in(hello.cipher_suites, c.cipher_suite)) {
      not_resumed = "the client no longer offers the session's suite " + suite_text(c.cipher_suite);
    } else if (!in(server_list, c.cipher_suite)) {
      not_resumed = "the session's suite " + suite_text(c.cipher_suite) +
                    " is not among this server's suites";
    } else if (wire::find_cipher_suite(c.cipher_suite) == nullptr) {
      not_resumed = "the session's suite " + suite_text(c.cipher_suite) + " is not one hsk knows";
    } else if (!c.extended_master_secret) {
      // RFC 7627 §5.3: a session without the extended master secret is open to the triple
      // handshake attack; hsk never resumes one, whatever this ClientHello offers.
      not_resumed = "the session has no extended master secret: RFC 7627 §5.3";
    } else if (!offer.ems) {
      not_resumed =
          "the session used the extended master secret but this ClientHello lacks "
          "extended_master_secret (RFC 7627 §5.3)";
    } else if (!o.extended_master_secret) {
      not_resumed =
          "the session used the extended master secret but this server runs with --no-ems";
    } else if (o.request_cert && !c.client_authenticated) {
      not_resumed = "the session has no authenticated client; this server asks for a certificate";
    } else {
      resumed = c;
    }
  } else if (!hello.session_id.empty()) {
    not_resumed = !o.cache_miss.empty()     ? o.cache_miss
                  : o.session_cache.empty() ? "this server keeps no session cache (--session-cache)"
                                            : "it is not in the session cache";
  }

  const DhChoice dh_choice = choose_dh(o, offer);
  const EcChoice ec_choice = choose_ec(offer);

  auto evaluate = [&](std::uint16_t code) {
    Candidate c;
    c.code = code;
    c.suite = wire::find_cipher_suite(code);
    if (c.suite == nullptr) {
      c.reason = "not a suite hsk knows";
      return c;
    }
    const KeyExchange kx = c.suite->kx;
    if (!implemented(kx)) {
      c.reason = "hsk does not implement the " + std::string(wire::to_string(kx)) + " key exchange";
      return c;
    }
    if (c.suite->cipher_type == wire::CipherType::none || c.suite->key_length == 0) {
      c.reason = "a suite without encryption";
      return c;
    }
    if (c.suite->tls12_only && version < wire::kTls12) {
      c.reason = "needs TLS 1.2";
      return c;
    }
    if (is_ffdh_ephemeral(kx) && !dh_choice.params) {
      c.reason = dh_choice.unusable;
      return c;
    }
    if (is_ec(kx) && !ec_choice.group) {
      c.reason = ec_choice.unusable;
      return c;
    }
    if (is_anonymous(kx)) {
      return c;
    }
    if (o.pairs.empty()) {
      c.reason = "no --cert/--key pair (" + std::string(wire::to_string(kx)) + " needs " +
                 needs_text(kx) + ")";
      return c;
    }
    // The reason to report: that of a pair of the right key type that failed for another
    // reason (its curve, the client's signature schemes), else that of the last pair.
    std::string last;
    std::string near;
    for (std::size_t i = 0; i < o.pairs.size(); ++i) {
      std::string why = pair_fits_suite(o.pairs[i], kx, offer.groups);
      bool type_fits = why.empty();
      if (why.empty() && is_signed(kx) && version >= wire::kTls12) {
        try {
          c.scheme = choose_signature_scheme(o.pairs[i].key.type(), offer.sigalgs);
        } catch (const Error& e) {
          why = e.detail();
        }
      }
      if (why.empty()) {
        c.pair = i;
        return c;
      }
      const bool curve = why.find("curve") != std::string::npos;
      if (near.empty() && (type_fits || curve)) {
        near = why;
      }
      last = why;
    }
    if (o.pairs.size() == 1) {
      c.reason = last;
    } else if (!near.empty()) {
      c.reason = near;
    } else {
      c.reason = "no key pair fits (" + std::string(wire::to_string(kx)) + " needs " +
                 needs_text(kx) + ")";
    }
    return c;
  };

  std::vector<Candidate> passed_over;
  std::optional<Candidate> chosen;
  if (resumed) {  // the session's suite: no key pair, group or signature is needed
    chosen.emplace();
    chosen->code = resumed->cipher_suite;
    chosen->suite = wire::find_cipher_suite(resumed->cipher_suite);
  }
  for (auto code : resumed ? std::vector<std::uint16_t>{} : order) {
    Candidate c = evaluate(code);
    if (c.reason.empty()) {
      chosen = std::move(c);
      break;
    }
    passed_over.push_back(std::move(c));
  }
  if (!chosen) {
    std::string why;
    if (order.empty()) {
      why = "none of the client's " + std::to_string(hello.cipher_suites.size()) +
            " cipher suites is one this server accepts" + (o.suites.empty() ? "" : " (--suites)");
    } else {
      // One reason per key exchange family, in the order met.
      std::vector<std::string> seen;
      for (const auto& c : passed_over) {
        std::string family =
            c.suite ? std::string(wire::to_string(c.suite->kx)) : suite_text(c.code);
        if (std::find(seen.begin(), seen.end(), family) != seen.end()) {
          continue;
        }
        seen.push_back(family);
        if (!why.empty()) {
          why += "; ";
        }
        why += family + ": " + c.reason;
      }
      why = "no cipher suite in common that this server can serve (" +
            std::to_string(order.size()) + " shared with the client: " + why + ")";
    }
    throw Error(ErrorKind::check_failed, why, Error::kAlertHandshakeFailure);
  }
  const wire::CipherSuite& suite = *chosen->suite;
  const KeyExchange kx = suite.kx;
  const ServerKeyPair* pair = chosen->pair ? &o.pairs[*chosen->pair] : nullptr;

  // ---- ALPN (RFC 7301 §3.2).
  std::optional<std::string> alpn;
  if (offer.alpn && !o.alpn.empty()) {
    for (const auto& p : *offer.alpn) {
      for (const auto& q : o.alpn) {
        if (!alpn && p == q) {
          alpn = p;
        }
      }
    }
    if (!alpn) {
      throw Error(ErrorKind::check_failed,
                  "ALPN: the client's protocols and this server's (--alpn) have none in common",
                  Error::kAlertNoApplicationProtocol);
    }
  }

  // ---- ServerHello (RFC 5246 §7.4.1.3).
  wire::ServerHello sh;
  sh.server_version = version;
  std::string random_why;
  switch (o.random_mode) {
    case RandomMode::rfc: {
      std::uint32_t t = o.gmt_unix_time;
      sh.random[0] = static_cast<std::uint8_t>(t >> 24);
      sh.random[1] = static_cast<std::uint8_t>(t >> 16);
      sh.random[2] = static_cast<std::uint8_t>(t >> 8);
      sh.random[3] = static_cast<std::uint8_t>(t);
      rng.fill(sh.random.data() + 4, 28);
      char when[64] = "";
      std::time_t tt = static_cast<std::time_t>(t);
      std::tm tm{};
      if (gmtime_r(&tt, &tm)) {
        std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
      }
      random_why = std::string("gmt_unix_time ") + when + " + 28 random bytes";
      break;
    }
    case RandomMode::random:
      rng.fill(sh.random.data(), 32);
      random_why = "32 random bytes";
      break;
    case RandomMode::fixed:
      sh.random = o.random;
      random_why = "as given";
      break;
  }
  sh.session_id = resumed ? resumed->session_id : o.session_id ? *o.session_id : rng.bytes(32);
  sh.cipher_suite = chosen->code;
  sh.compression_method = 0;

  std::vector<wire::Extension> exts;
  std::vector<std::string> ext_why;
  auto add = [&](ExtensionType type, auto&& encode, std::string why) {
    wire::Writer w;
    encode(w);
    exts.push_back({static_cast<std::uint16_t>(type), w.take(), std::nullopt, 0});
    ext_why.push_back(std::move(why));
  };
  if (offer.reneg_ext || offer.reneg_scsv) {
    add(
        ExtensionType::renegotiation_info,
        [](wire::Writer& w) { wire::encode_renegotiation_info(w, {}); },
        std::string("renegotiation_info (empty): the client signalled RFC 5746 secure "
                    "renegotiation with the ") +
            (offer.reneg_ext ? "extension" : "SCSV"));
  }
  const bool ems = offer.ems && o.extended_master_secret;
  if (ems) {
    add(
        ExtensionType::extended_master_secret, [](wire::Writer&) {},
        resumed ? std::string("extended_master_secret: the client sent it and the resumed session "
                              "was made with it (RFC 7627 §5.3)")
                : std::string("extended_master_secret: the client sent it; the master secret will "
                              "cover the whole handshake (RFC 7627)"));
  }
  // RFC 7366 §3: only for a block cipher; an AEAD or stream suite must not echo it.
  if (offer.etm && o.encrypt_then_mac && suite.cipher_type == wire::CipherType::block) {
    add(
        ExtensionType::encrypt_then_mac, [](wire::Writer&) {},
        "encrypt_then_mac: the client sent it and the suite is CBC; records will carry the MAC "
        "of the ciphertext (RFC 7366)");
  }
  if (is_ec(kx) && offer.point_formats) {
    add(
        ExtensionType::ec_point_formats,
        [](wire::Writer& w) { wire::encode_ec_point_formats(w, {Bytes{0}}); },
        "ec_point_formats (uncompressed): an EC suite, and the client sent the extension "
        "(RFC 8422 §5.2)");
  }
  if (alpn) {
    add(
        ExtensionType::application_layer_protocol_negotiation,
        [&](wire::Writer& w) { wire::encode_alpn(w, {{Bytes(alpn->begin(), alpn->end())}}); },
        "application_layer_protocol_negotiation: " + *alpn +
            ", the first of the client's protocols this server speaks");
  }
  if (!exts.empty()) {
    sh.extensions = std::move(exts);
  }

  ex += "  random: " + to_hex(sh.random) + " (the server's nonce, mixed into the keys; " +
        random_why + ")\n";
  if (resumed) {
    ex += "  session id: " + to_hex(sh.session_id) +
          " - the client's: this server finds the session in its cache and resumes it "
          "(abbreviated handshake, RFC 5246 §7.3)\n";
  } else if (sh.session_id.empty()) {
    ex += "  session id: empty - this session will not be resumable" +
          (hello.session_id.empty() ? std::string()
                                    : "; the client asked to resume " + to_hex(hello.session_id) +
                                          ", not resumed: " + not_resumed) +
          "\n";
  } else {
    ex += "  session id: " + to_hex(sh.session_id) + " - " +
          (o.session_id ? "as given" : "a new session id chosen by the server") +
          (hello.session_id.empty()
               ? ""
               : "; the client asked to resume " + to_hex(hello.session_id) +
                     ", not resumed: " + not_resumed + ", so a full handshake follows") +
          "\n";
  }
  if (resumed) {
    ex += "  cipher suite: " + suite_text(chosen->code) +
          " - the resumed session's (the client offers it and this server still accepts it)\n";
  } else {
    std::size_t client_pos = *in(hello.cipher_suites, chosen->code) + 1;
    ex += "  cipher suite: " + suite_text(chosen->code) + " - ";
    if (o.prefer == Preference::server) {
      std::size_t server_pos = *in(server_list, chosen->code) + 1;
      ex += "server preference: the " + ordinal(server_pos) + " of this server's " +
            std::to_string(server_list.size()) + " suites, the first the client also offers (" +
            ordinal(client_pos) + " of its " + std::to_string(hello.cipher_suites.size()) +
            ") and this server can serve\n";
    } else {
      ex += "client preference: the " + ordinal(client_pos) + " of the client's " +
            std::to_string(hello.cipher_suites.size()) +
            " suites, the first this server accepts and can serve\n";
    }
    std::size_t shown = 0;
    for (const auto& c : passed_over) {
      if (++shown > 6) {
        ex += "    (and " + std::to_string(passed_over.size() - 6) + " more passed over)\n";
        break;
      }
      ex += "    passed over " + suite_text(c.code) + ": " + c.reason + "\n";
    }
  }
  ex += "  compression: null\n";
  if (!sh.extensions) {
    ex += "  extensions: none\n";
  } else {
    ex += "  extensions:\n";
    for (const auto& w : ext_why) {
      ex += "    " + w + "\n";
    }
  }

  // ---- Messages.
  ServerFlight out;
  out.version = version;
  out.cipher_suite = chosen->code;
  out.pair_index = chosen->pair;
  out.signature_scheme = chosen->scheme;

  State& st = out.state;
  st.role = Role::server;
  st.version = client_version;
  st.offered_suites = hello.cipher_suites;
  st.client_random = hello.random;
  st.session_id = hello.session_id;
  st.negotiated_version = version;
  st.cipher_suite = chosen->code;
  st.server_random = sh.random;
  st.server_session_id = sh.session_id;
  add_message(st, Role::client, client_hello_message);

  auto send = [&](wire::HandshakeType type, Bytes body) {
    wire::HandshakeMessage m;
    m.msg_type = static_cast<std::uint8_t>(type);
    m.body = std::move(body);
    add_message(st, Role::server, wire::encode_handshake(m));
    out.messages.push_back(std::move(m));
  };
  {
    wire::Writer w;
    wire::encode_server_hello(w, sh);
    send(wire::HandshakeType::server_hello, w.take());
  }
  out.server_hello = sh;
  out.not_resumed = not_resumed;
  if (!o.session_cache.empty()) {
    st.values[kSessionCacheValue] = o.session_cache;
    st.values[kSessionLifetimeValue] = std::to_string(o.session_lifetime);
  }

  if (resumed) {
    // RFC 5246 §7.3 Figure 2: ServerHello, [ChangeCipherSpec], Finished — the server first.
    DerivedKeys keys = resume_keys(st, resumed->master_secret, resumed->extended_master_secret);
    // The session's client authentication carries over (RFC 5246 §7.3: the resumed session
    // keeps its peer certificate).
    st.values["client_authenticated"] = resumed->client_authenticated ? "true" : "false";
    if (resumed->client_authenticated) {
      st.values["client_certificate"] = resumed->client_certificate;
    }
    if (alpn) {
      st.values["alpn"] = *alpn;
    }
    out.records = wire::encode_records(static_cast<std::uint8_t>(wire::ContentType::handshake),
                                       version, wire::encode_handshake(out.messages.front()));
    Bytes fin = send_finished(st, rng);
    out.records.insert(out.records.end(), fin.begin(), fin.end());
    out.resumed = true;
    ex +=
        "Phases 2 and 3 - skipped: the resumed session already authenticated the server and "
        "agreed on its master secret\n";
    ex +=
        "Phase 4 - finish: ChangeCipherSpec, then this server's Finished (first, in an "
        "abbreviated handshake); the client answers with its own (read it with hsk finish)\n";
    ex += explain_keys(keys);
    out.explain = std::move(ex);
    return out;
  }

  ex += "Phase 2 - server authentication and key exchange\n";
  if (pair) {
    wire::Certificate cert;
    for (const auto& c : pair->chain) {
      cert.certificate_list.push_back(c.der);
    }
    wire::Writer w;
    wire::encode_certificate(w, cert);
    send(wire::HandshakeType::certificate, w.take());
    const pki::Certificate& leaf = pair->chain.front();
    ex += "  Certificate: " + std::to_string(pair->chain.size()) +
          (pair->chain.size() == 1 ? " certificate" : " certificates (leaf first)") +
          "; the leaf " + subject_text(leaf) + " carries the server's public key (" +
          leaf.key_description() + "), signed by its CA " + pki::name_to_string(leaf.issuer) + "\n";
    ex += "    key pair " + std::to_string(*chosen->pair + 1) + " of " +
          std::to_string(o.pairs.size()) +
          (pair->cert_file.empty() ? "" : " (" + pair->cert_file + ")") + ": " +
          std::string(wire::to_string(kx)) + " needs " + needs_text(kx) +
          (*chosen->pair == 0 ? "" : "; the earlier pairs do not fit") + "\n";
    st.values["server_cert_file"] = pair->cert_file;
    st.values["server_key_file"] = pair->key_file;
  } else {
    ex +=
        "  Certificate: none - an anonymous suite: the server does not authenticate itself "
        "(open to a man in the middle)\n";
  }

  // ServerKeyExchange (RFC 5246 §7.4.3, RFC 8422 §5.4).
  if (is_ffdh_ephemeral(kx) || is_ec(kx)) {
    wire::ServerKeyExchange ske;
    crypto::KexKeyPair kp;
    std::string group_name;
    if (is_ffdh_ephemeral(kx)) {
      const crypto::DhParams& p = *dh_choice.params;
      kp = crypto::dh_generate(p.p, p.g, p.q, rng);
      ske.form = wire::KexForm::dh;
      ske.dh.dh_p = crypto::minimal(p.p);
      ske.dh.dh_g = crypto::minimal(p.g);
      ske.dh.dh_Ys = kp.public_key;
      group_name = dh_choice.name;
      ex += "  ServerKeyExchange: ephemeral Diffie-Hellman on " + dh_choice.why +
            "; dh_p, dh_g and the server's public value dh_Ys = g^x mod p (" +
            std::to_string(kp.public_key.size()) + " bytes)\n";
    } else {
      kp = crypto::ecdh_generate(*ec_choice.group, rng);
      ske.form = wire::KexForm::ecdh;
      ske.ecdh.curve_type = 3;  // named_curve
      ske.ecdh.named_curve = static_cast<std::uint16_t>(*ec_choice.group);
      ske.ecdh.point = kp.public_key;
      group_name = std::string(crypto::ecdh_group_name(*ec_choice.group));
      ex += "  ServerKeyExchange: ephemeral ECDH on " + ec_choice.why +
            "; the server's public point (" + std::to_string(kp.public_key.size()) + " bytes)\n";
    }
    ex +=
        "    the private value stays in the state file (secrets.kex_private), never on the "
        "wire\n";
    st.secrets["kex_private"] = kp.private_key;
    st.values["kex_group"] = group_name;
    wire::Writer pw;
    wire::encode_server_key_exchange(pw, ske);  // no signature yet: exactly the params
    Bytes params = pw.take();
    Bytes body = params;
    if (is_signed(kx)) {
      const std::uint16_t scheme = chosen->scheme.value_or(0);
      Bytes data = ske_signed_data(hello.random, sh.random, params);
      wire::DigitallySigned sig = sign_handshake(pair->key, version, scheme, data, rng);
      wire::Writer sw;
      wire::encode_digitally_signed(sw, sig);
      Bytes s = sw.take();
      body.insert(body.end(), s.begin(), s.end());
      if (version >= wire::kTls12) {
        crypto::SignatureAlgorithm alg = *signature_algorithm_of(scheme);
        ex +=
            "    signed with the server's " + key_name(*pair) +
            " key: " + std::string(crypto::hash_name(crypto::signature_hash(alg))) +
            " hash of client_random (32) ‖ server_random (32) ‖ params (" +
            std::to_string(params.size()) + " bytes), scheme " + scheme_text(scheme) + ", " +
            (offer.sigalgs ? "the first in the client's signature_algorithms that this key can make"
                           : "the default for this key (the client sent no signature_algorithms; "
                             "RFC 5246 §7.4.1.4.1)") +
            "; signature " + std::to_string(sig.signature.size()) + " bytes\n";
        st.values["signature_scheme"] = hex16(scheme);
      } else {
        crypto::SignatureAlgorithm alg = legacy_signature_algorithm(pair->key.type());
        ex += "    signed with the server's " + key_name(*pair) +
              " key: " + std::string(crypto::hash_name(crypto::signature_hash(alg))) +
              " hash of client_random (32) ‖ server_random (32) ‖ params (" +
              std::to_string(params.size()) + " bytes), " +
              std::string(crypto::signature_algorithm_name(alg)) + " (" + version_short(version) +
              " has no algorithm field); signature " + std::to_string(sig.signature.size()) +
              " bytes\n";
      }
    } else {
      ex += "    not signed: an anonymous suite sends the bare parameters\n";
    }
    send(wire::HandshakeType::server_key_exchange, std::move(body));
  } else if (kx == KeyExchange::rsa) {
    ex +=
        "  ServerKeyExchange: none - RSA key exchange: the client encrypts the pre-master "
        "secret to the certificate's RSA key\n";
  } else {
    ex +=
        "  ServerKeyExchange: none - fixed DH: the server's DH parameters and public value "
        "are in its certificate\n";
  }

  // CertificateRequest (RFC 5246 §7.4.4).
  if (o.request_cert) {
    if (is_anonymous(kx)) {
      // RFC 5246 §7.4.4: an anonymous server MUST NOT request a client certificate.
      ex +=
          "  CertificateRequest: not sent - an anonymous server must not ask for a client "
          "certificate (RFC 5246 §7.4.4)\n";
    } else {
      wire::CertificateRequest cr;
      cr.certificate_types = {1, 2, 64};  // rsa_sign, dss_sign, ecdsa_sign
      if (is_fixed_dh(kx)) {
        cr.certificate_types.push_back(3);  // rsa_fixed_dh
        cr.certificate_types.push_back(4);  // dss_fixed_dh
      }
      if (version >= wire::kTls12) {
        cr.signature_algorithms = server_supported_sigalgs();
      }
      for (const auto& ca : o.client_ca) {
        cr.certificate_authorities.push_back(ca.subject_der);
      }
      wire::Writer w;
      wire::encode_certificate_request(w, cr);
      send(wire::HandshakeType::certificate_request, w.take());
      st.values["client_auth_requested"] = "true";
      ex +=
          "  CertificateRequest: asks the client for a certificate (types rsa_sign, dss_sign, "
          "ecdsa_sign" +
          std::string(is_fixed_dh(kx) ? ", rsa_fixed_dh, dss_fixed_dh" : "") + "; " +
          std::to_string(cr.certificate_authorities.size()) + " CA name(s)" +
          (version >= wire::kTls12 ? "; the signature schemes this server verifies" : "") + ")\n";
    }
  }

  send(wire::HandshakeType::server_hello_done, {});
  ex +=
      "  ServerHelloDone: end of phase 2; the client now has what it needs for its key "
      "exchange\n";
  if (alpn) {
    st.values["alpn"] = *alpn;
  }

  // Records of at most 2^14 bytes (RFC 5246 §6.2.1), the messages back to back.
  Bytes all;
  for (const auto& m : out.messages) {
    Bytes b = wire::encode_handshake(m);
    all.insert(all.end(), b.begin(), b.end());
  }
  out.records =
      wire::encode_records(static_cast<std::uint8_t>(wire::ContentType::handshake), version, all);
  out.explain = std::move(ex);
  return out;
}

}  // namespace hsk::handshake
