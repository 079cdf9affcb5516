// hsk::handshake client_hello — build the ClientHello and the first client state.
#include "handshake/client_hello.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <initializer_list>
#include <tuple>

#include "hsk/error.hpp"
#include "wire/extensions.hpp"
#include "wire/reader.hpp"
#include "wire/record.hpp"
#include "wire/registry.hpp"
#include "wire/writer.hpp"

namespace hsk::handshake {

namespace {

using wire::KeyExchange;

constexpr std::uint16_t kRenegotiationScsv = 0x00ff;  // RFC 5746 §3.3

// ---------------------------------------------------------------------------------------
// Small text helpers.

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) {
             return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
           };
           return lower(x) == lower(y);
         });
}

// split_list splits a comma-separated list into trimmed items; an empty item (or list) is a
// usage error naming `what`.
std::vector<std::string> split_list(std::string_view spec, std::string_view what) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    std::size_t comma = spec.find(',', start);
    std::string_view item =
        trim(spec.substr(start, comma == std::string_view::npos ? spec.npos : comma - start));
    if (item.empty()) {
      throw_usage("empty item in the " + std::string(what) + " list '" + std::string(spec) + "'");
    }
    out.emplace_back(item);
    if (comma == std::string_view::npos) {
      break;
    }
    start = comma + 1;
  }
  return out;
}

// parse_hex_code accepts 0xNNNN or NNNN (1 to 4 hex digits) up to `max`.
std::optional<std::uint32_t> parse_hex_code(std::string_view text, std::uint32_t max) {
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
  }
  if (text.empty() || text.size() > 4) {
    return std::nullopt;
  }
  std::uint32_t v = 0;
  for (char c : text) {
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0) {
      return std::nullopt;
    }
    v = v * 16 + static_cast<std::uint32_t>(d);
  }
  if (v > max) {
    return std::nullopt;
  }
  return v;
}

std::string code_text(std::uint16_t code) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04x", static_cast<unsigned>(code));
  return buf;
}

std::string version_text(std::uint16_t v) {
  std::string_view n = wire::name_of(wire::Registry::protocol_version, v);
  return (n.empty() ? std::string("version") : std::string(n)) + " (" + code_text(v) + ")";
}

std::string named(wire::Registry reg, std::uint16_t code) {
  std::string_view n = wire::name_of(reg, code);
  return n.empty() ? code_text(code) : std::string(n);
}

// ---------------------------------------------------------------------------------------
// Suites: what hsk implements, families, order.

// Ciphers hsk implements, in preference order (index = rank).
constexpr std::string_view kCiphers[] = {"AES_128_GCM", "AES_256_GCM", "CHACHA20_POLY1305",
                                         "AES_128_CBC", "AES_256_CBC"};

std::optional<std::size_t> cipher_rank(const wire::CipherSuite& s) {
  for (std::size_t i = 0; i < std::size(kCiphers); ++i) {
    if (s.cipher == kCiphers[i]) {
      return i;
    }
  }
  return std::nullopt;
}

bool mac_supported(const wire::CipherSuite& s) {
  return s.mac == "SHA" || s.mac == "SHA256" || s.mac == "SHA384" || s.mac == "AEAD";
}

// kx_tier: ECDHE 0, DHE 1, RSA 2, fixed DH 3, anonymous 4; nullopt for key exchanges that
// family words do not cover. Ephemeral authenticated key exchanges (ECDHE, DHE) share the
// first group when ordering (see suites_of).
std::optional<int> kx_tier(KeyExchange kx) {
  switch (kx) {
    case KeyExchange::ecdhe_ecdsa:
    case KeyExchange::ecdhe_rsa:
      return 0;
    case KeyExchange::dhe_rsa:
    case KeyExchange::dhe_dss:
      return 1;
    case KeyExchange::rsa:
      return 2;
    case KeyExchange::dh_rsa:
    case KeyExchange::dh_dss:
      return 3;
    case KeyExchange::ecdh_anon:
    case KeyExchange::dh_anon:
      return 4;
    default:
      return std::nullopt;
  }
}

int auth_rank(const wire::CipherSuite& s) {
  switch (s.auth) {
    case wire::Authentication::ecdsa:
      return 0;
    case wire::Authentication::rsa:
      return 1;
    case wire::Authentication::dss:
      return 2;
    default:
      return s.kx == KeyExchange::ecdh_anon ? 3 : 4;
  }
}

// cipher_class: AEAD 0, CBC with a SHA-2 MAC 1, CBC with SHA-1 2.
int cipher_class(const wire::CipherSuite& s) {
  if (s.cipher_type == wire::CipherType::aead) {
    return 0;
  }
  return s.mac == "SHA" ? 2 : 1;
}

struct Family {
  std::string_view word;
  std::vector<KeyExchange> kx;
};

const std::vector<Family>& families() {
  using K = KeyExchange;
  static const std::vector<Family> kFamilies = {
      {"rsa", {K::rsa}},
      {"dhe", {K::dhe_rsa, K::dhe_dss}},
      {"dhe-rsa", {K::dhe_rsa}},
      {"dhe-dss", {K::dhe_dss}},
      {"dh-anon", {K::dh_anon}},
      {"fixed-dh", {K::dh_rsa, K::dh_dss}},
      {"dh-rsa", {K::dh_rsa}},
      {"dh-dss", {K::dh_dss}},
      {"ecdhe", {K::ecdhe_ecdsa, K::ecdhe_rsa}},
      {"ecdhe-rsa", {K::ecdhe_rsa}},
      {"ecdhe-ecdsa", {K::ecdhe_ecdsa}},
      {"ecdh-anon", {K::ecdh_anon}},
      {"all",
       {K::ecdhe_ecdsa, K::ecdhe_rsa, K::dhe_rsa, K::dhe_dss, K::rsa, K::dh_rsa, K::dh_dss,
        K::ecdh_anon, K::dh_anon}},
  };
  return kFamilies;
}

std::vector<std::uint16_t> suites_of(const std::vector<KeyExchange>& kxs, std::uint16_t version) {
  std::vector<const wire::CipherSuite*> picked;
  for (const auto& s : wire::cipher_suites()) {
    if (std::find(kxs.begin(), kxs.end(), s.kx) == kxs.end() || !cipher_rank(s) ||
        !mac_supported(s)) {
      continue;
    }
    if (s.tls12_only && version < wire::kTls12) {
      continue;
    }
    picked.push_back(&s);
  }
  auto key = [](const wire::CipherSuite* s) {
    const int tier = *kx_tier(s->kx);
    const int group = tier <= 1 ? 0 : tier - 1;  // ECDHE and DHE together, then RSA, fixed DH, anon
    return std::make_tuple(group, cipher_class(*s), tier, *cipher_rank(*s), auth_rank(*s));
  };
  std::stable_sort(picked.begin(), picked.end(), [&](auto* a, auto* b) { return key(a) < key(b); });
  std::vector<std::uint16_t> out;
  for (const auto* s : picked) {
    out.push_back(s->code);
  }
  return out;
}

bool has_kx(const std::vector<std::uint16_t>& suites, std::initializer_list<KeyExchange> kxs) {
  for (auto code : suites) {
    if (const auto* s = wire::find_cipher_suite(code)) {
      if (std::find(kxs.begin(), kxs.end(), s->kx) != kxs.end()) {
        return true;
      }
    }
  }
  return false;
}

bool offers_ec(const std::vector<std::uint16_t>& suites) {
  using K = KeyExchange;
  return has_kx(suites, {K::ecdhe_ecdsa, K::ecdhe_rsa, K::ecdh_anon, K::ecdh_ecdsa, K::ecdh_rsa,
                         K::ecdhe_psk});
}

void check_version(std::uint16_t v) {
  if (v < wire::kTls10 || v > wire::kTls12) {
    throw_usage("hsk client-hello speaks TLS 1.0, 1.1 and 1.2; " + version_text(v) +
                " is not one of them");
  }
}

// ---------------------------------------------------------------------------------------
// Registry lookups for the other lists.

std::optional<std::uint16_t> lookup(wire::Registry reg, std::string_view name) {
  for (const auto& e : wire::entries(reg)) {
    if (iequal(e.name, name)) {
      return e.code;
    }
  }
  return std::nullopt;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Lists

std::optional<std::vector<std::uint16_t>> family_suites(std::string_view word,
                                                        std::uint16_t version) {
  for (const auto& f : families()) {
    if (iequal(f.word, word)) {
      return suites_of(f.kx, version);
    }
  }
  return std::nullopt;
}

std::vector<std::uint16_t> default_suites(std::uint16_t version) {
  using K = KeyExchange;
  return suites_of({K::ecdhe_ecdsa, K::ecdhe_rsa, K::dhe_rsa, K::rsa}, version);
}

std::vector<std::uint16_t> parse_suite_list(std::string_view spec, std::uint16_t version) {
  std::vector<std::uint16_t> out;
  auto add = [&](std::uint16_t code) {
    if (std::find(out.begin(), out.end(), code) == out.end()) {
      out.push_back(code);
    }
  };
  for (const auto& item : split_list(spec, "cipher suite")) {
    if (auto fam = family_suites(item, version)) {
      if (fam->empty()) {
        throw_usage("suite family '" + item + "' has no suites hsk supports at " +
                    version_text(version));
      }
      for (auto c : *fam) {
        add(c);
      }
    } else if (const auto* s = wire::find_cipher_suite(item)) {
      add(s->code);
    } else if (auto v = parse_hex_code(item, 0xffff)) {
      add(static_cast<std::uint16_t>(*v));
    } else {
      std::string words;
      for (const auto& f : families()) {
        words += (words.empty() ? "" : ", ") + std::string(f.word);
      }
      throw_usage("unknown cipher suite '" + item +
                  "' (use an IANA or OpenSSL name, a hex code such as 0xc02f, or one of: " + words +
                  ")");
    }
  }
  return out;
}

std::vector<std::uint16_t> parse_group_list(std::string_view spec) {
  static constexpr std::pair<std::string_view, std::uint16_t> kAliases[] = {
      {"P-256", 23}, {"P-384", 24}, {"P-521", 25}, {"prime256v1", 23}, {"secp256r1", 23}};
  std::vector<std::uint16_t> out;
  for (const auto& item : split_list(spec, "group")) {
    std::optional<std::uint16_t> code = lookup(wire::Registry::named_group, item);
    for (const auto& [alias, c] : kAliases) {
      if (!code && iequal(alias, item)) {
        code = c;
      }
    }
    if (!code) {
      if (auto v = parse_hex_code(item, 0xffff)) {
        code = static_cast<std::uint16_t>(*v);
      }
    }
    if (!code) {
      throw_usage("unknown group '" + item +
                  "' (use a name such as x25519, secp256r1, ffdhe2048, or a hex code)");
    }
    out.push_back(*code);
  }
  return out;
}

std::vector<std::uint16_t> parse_sigalg_list(std::string_view spec) {
  std::vector<std::uint16_t> out;
  for (const auto& item : split_list(spec, "signature algorithm")) {
    std::optional<std::uint16_t> code = lookup(wire::Registry::signature_scheme, item);
    if (!code) {
      if (auto v = parse_hex_code(item, 0xffff)) {
        code = static_cast<std::uint16_t>(*v);
      }
    }
    if (!code) {
      throw_usage("unknown signature algorithm '" + item +
                  "' (use a SignatureScheme name such as rsa_pss_rsae_sha256, "
                  "ecdsa_secp256r1_sha256, dsa_sha256, "
                  "or a hex code such as 0x0401)");
    }
    out.push_back(*code);
  }
  return out;
}

Bytes parse_compression_list(std::string_view spec) {
  Bytes out;
  for (const auto& item : split_list(spec, "compression method")) {
    std::optional<std::uint16_t> code = lookup(wire::Registry::compression_method, item);
    if (!code && !item.empty() && item.size() <= 3 &&
        std::all_of(item.begin(), item.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      unsigned v = static_cast<unsigned>(std::stoul(item));
      if (v <= 255) {
        code = static_cast<std::uint16_t>(v);
      }
    }
    if (!code) {
      throw_usage("unknown compression method '" + item +
                  "' (use null, deflate or a number 0-255)");
    }
    out.push_back(static_cast<std::uint8_t>(*code));
  }
  if (out.size() > 255) {
    throw_usage("more than 255 compression methods");
  }
  return out;
}

std::vector<std::string> parse_alpn_list(std::string_view spec) {
  std::vector<std::string> out = split_list(spec, "ALPN protocol");
  for (const auto& p : out) {
    if (p.size() > 255) {
      throw_usage("ALPN protocol name '" + p.substr(0, 20) + "...' is longer than 255 bytes");
    }
  }
  return out;
}

std::vector<std::uint16_t> default_groups(const std::vector<std::uint16_t>& suites) {
  using K = KeyExchange;
  std::vector<std::uint16_t> out;
  if (offers_ec(suites)) {
    out.insert(out.end(), {29 /* x25519 */, 23 /* secp256r1 */, 24 /* secp384r1 */});
  }
  if (has_kx(suites, {K::dhe_rsa, K::dhe_dss, K::dh_anon})) {
    out.insert(out.end(), {256 /* ffdhe2048 */, 257 /* ffdhe3072 */});
  }
  return out;
}

std::vector<std::uint16_t> default_sigalgs(const std::vector<std::uint16_t>& suites) {
  using K = KeyExchange;
  bool dss = has_kx(suites, {K::dhe_dss, K::dh_dss});
  std::vector<std::uint16_t> out = {
      0x0403, 0x0503,
      0x0603,  // ecdsa_secp256r1_sha256, ecdsa_secp384r1_sha384, ecdsa_secp521r1_sha512
      0x0804, 0x0805,
      0x0806,  // rsa_pss_rsae_sha256/384/512
      0x0401, 0x0501,
      0x0601,  // rsa_pkcs1_sha256/384/512
  };
  if (dss) {
    out.push_back(0x0402);  // dsa_sha256
  }
  out.insert(out.end(), {0x0203, 0x0201});  // ecdsa_sha1, rsa_pkcs1_sha1
  if (dss) {
    out.push_back(0x0202);  // dsa_sha1
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// The message

BuiltClientHello build_client_hello(const ClientHelloOptions& o, crypto::Rng& rng) {
  const std::uint16_t version = o.version  ? *o.version
                                : o.resume ? o.resume->version
                                           : wire::kTls12;
  check_version(version);
  if ((o.record_version >> 8) != 3) {
    throw_usage("record-layer version " + code_text(o.record_version) +
                " does not have major version 3");
  }

  wire::ClientHello h;
  h.client_version = version;

  // Random (RFC 5246 §7.4.1.2).
  switch (o.random_mode) {
    case RandomMode::rfc: {
      std::uint32_t t = o.gmt_unix_time;
      h.random[0] = static_cast<std::uint8_t>(t >> 24);
      h.random[1] = static_cast<std::uint8_t>(t >> 16);
      h.random[2] = static_cast<std::uint8_t>(t >> 8);
      h.random[3] = static_cast<std::uint8_t>(t);
      rng.fill(h.random.data() + 4, 28);
      break;
    }
    case RandomMode::random:
      rng.fill(h.random.data(), h.random.size());
      break;
    case RandomMode::fixed:
      h.random = o.random;
      break;
  }

  // Session id: a fresh handshake sends none unless asked; resumption sends the earlier one.
  if (o.resume) {
    if (!o.session_id.empty()) {
      throw_usage("a session id and a session to resume cannot both be given");
    }
    h.session_id = o.resume->session_id;
  } else {
    h.session_id = o.session_id;
  }
  if (h.session_id.size() > 32) {
    throw_usage("session id is " + std::to_string(h.session_id.size()) +
                " bytes; at most 32 (RFC 5246 §7.4.1.2)");
  }

  // Suites in preference order; the resumed suite must be among them (RFC 5246 §7.4.1.2).
  h.cipher_suites = o.cipher_suites.empty() ? default_suites(version) : o.cipher_suites;
  if (o.resume && std::find(h.cipher_suites.begin(), h.cipher_suites.end(),
                            o.resume->cipher_suite) == h.cipher_suites.end()) {
    h.cipher_suites.push_back(o.resume->cipher_suite);
  }
  Renegotiation reneg = o.renegotiation;
  if (!o.extensions && reneg == Renegotiation::extension) {
    reneg = Renegotiation::scsv;  // no extensions block: RFC 5746 §3.4 leaves the SCSV
  }
  if (reneg == Renegotiation::scsv && std::find(h.cipher_suites.begin(), h.cipher_suites.end(),
                                                kRenegotiationScsv) == h.cipher_suites.end()) {
    h.cipher_suites.push_back(kRenegotiationScsv);
  }
  if (h.cipher_suites.empty()) {
    throw_usage("no cipher suites to offer");
  }
  if (h.cipher_suites.size() > 0x7fff) {
    throw_usage("too many cipher suites (at most 32767)");
  }

  if (o.compression_methods.empty() || o.compression_methods.size() > 255) {
    throw_usage("a ClientHello carries 1 to 255 compression methods (RFC 5246 §7.4.1.2)");
  }
  h.compression_methods = o.compression_methods;

  // Extensions.
  if (!o.extensions) {
    const char* clash = !o.server_name.empty()                         ? "a server name"
                        : o.groups && !o.groups->empty()               ? "supported groups"
                        : o.sigalgs && !o.sigalgs->empty()             ? "signature algorithms"
                        : o.point_formats && !o.point_formats->empty() ? "EC point formats"
                        : !o.alpn.empty()                              ? "ALPN protocols"
                                                                       : nullptr;
    if (clash) {
      throw_usage(std::string("no extensions block was asked for, so there is no room for ") +
                  clash);
    }
  } else {
    std::vector<wire::Extension> exts;
    auto add = [&](wire::ExtensionType type, auto&& encode) {
      wire::Writer w;
      encode(w);
      exts.push_back({static_cast<std::uint16_t>(type), w.take(), std::nullopt, 0});
    };
    if (!o.server_name.empty()) {
      for (char c : o.server_name) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f) {
          throw_usage("server name '" + o.server_name +
                      "' is not a printable ASCII host name (RFC 6066 §3)");
        }
      }
      if (o.server_name.back() == '.') {
        throw_usage("server name '" + o.server_name +
                    "' ends in a dot (RFC 6066 §3 sends host names without it)");
      }
      wire::ServerNameList sni;
      sni.server_name_list.push_back({0, Bytes(o.server_name.begin(), o.server_name.end())});
      add(wire::ExtensionType::server_name,
          [&](wire::Writer& w) { wire::encode_server_name(w, sni); });
    }
    Bytes formats = o.point_formats              ? *o.point_formats
                    : offers_ec(h.cipher_suites) ? Bytes{0}
                                                 : Bytes{};
    if (!formats.empty()) {
      add(wire::ExtensionType::ec_point_formats,
          [&](wire::Writer& w) { wire::encode_ec_point_formats(w, {formats}); });
    }
    std::vector<std::uint16_t> groups = o.groups ? *o.groups : default_groups(h.cipher_suites);
    if (!groups.empty()) {
      add(wire::ExtensionType::supported_groups,
          [&](wire::Writer& w) { wire::encode_supported_groups(w, {groups}); });
    }
    std::vector<std::uint16_t> sigalgs = o.sigalgs ? *o.sigalgs
                                         : version >= wire::kTls12
                                             ? default_sigalgs(h.cipher_suites)
                                             : std::vector<std::uint16_t>{};
    if (!sigalgs.empty()) {
      add(wire::ExtensionType::signature_algorithms,
          [&](wire::Writer& w) { wire::encode_signature_algorithms(w, {sigalgs}); });
    }
    if (!o.alpn.empty()) {
      wire::ProtocolNameList alpn;
      for (const auto& p : o.alpn) {
        if (p.empty() || p.size() > 255) {
          throw_usage("ALPN protocol names are 1 to 255 bytes (RFC 7301 §3.1)");
        }
        alpn.protocol_name_list.emplace_back(p.begin(), p.end());
      }
      add(wire::ExtensionType::application_layer_protocol_negotiation,
          [&](wire::Writer& w) { wire::encode_alpn(w, alpn); });
    }
    const bool cbc_offered =
        std::any_of(h.cipher_suites.begin(), h.cipher_suites.end(), [](std::uint16_t code) {
          const wire::CipherSuite* s = wire::find_cipher_suite(code);
          return s != nullptr && s->cipher_type == wire::CipherType::block;
        });
    if (o.encrypt_then_mac && cbc_offered) {
      add(wire::ExtensionType::encrypt_then_mac, [](wire::Writer&) {});
    }
    if (o.extended_master_secret) {
      add(wire::ExtensionType::extended_master_secret, [](wire::Writer&) {});
    }
    if (reneg == Renegotiation::extension) {
      add(wire::ExtensionType::renegotiation_info,
          [](wire::Writer& w) { wire::encode_renegotiation_info(w, {}); });
    }
    h.extensions = std::move(exts);
  }

  BuiltClientHello out;
  out.record_version = o.record_version;
  out.random_mode = o.random_mode;
  wire::Writer body;
  wire::encode_client_hello(body, h);
  if (body.size() > 0xffffff) {
    throw_usage("the ClientHello would be longer than a handshake message can be");
  }
  wire::HandshakeMessage m;
  m.msg_type = static_cast<std::uint8_t>(wire::HandshakeType::client_hello);
  m.body = body.take();
  out.message = wire::encode_handshake(m);

  // Records of at most 2^14 bytes (RFC 5246 §6.2.1).
  out.records = wire::encode_records(static_cast<std::uint8_t>(wire::ContentType::handshake), o.record_version, out.message);
  out.hello = std::move(h);
  return out;
}

State new_client_state(const BuiltClientHello& built, const std::optional<ResumeSession>& resume) {
  State s;
  s.role = Role::client;
  s.version = built.hello.client_version;
  s.offered_suites = built.hello.cipher_suites;
  s.client_random = built.hello.random;
  s.session_id = built.hello.session_id;
  s.resume = resume;
  add_message(s, Role::client, built.message);
  return s;
}

ResumeSession resume_from(const State& earlier, const std::string& path) {
  expect_role(earlier, Role::client, path);
  const TranscriptMessage* sh =
      find_message(earlier, Role::server, wire::HandshakeType::server_hello);
  if (!sh) {
    throw_usage(
        path +
        ": no ServerHello in this state: the earlier handshake did not get far enough to resume");
  }
  wire::ServerHello hello;
  try {
    wire::Reader r(ByteView(sh->bytes).subspan(4), 4, "ServerHello");
    hello = wire::decode_server_hello(r);
  } catch (Error& e) {
    e.with_input(path + " (transcript)");
    throw;
  }
  if (hello.session_id.empty()) {
    throw_usage(path + ": the server gave no session id (it will not resume this session by id)");
  }
  // Only a session whose handshake completed is resumable (RFC 5246 §7.2: a session is
  // resumable once both Finished messages were exchanged and checked).
  if (auto it = earlier.values.find("handshake_complete");
      it == earlier.values.end() || it->second != "true") {
    throw_usage(path +
                ": the earlier handshake did not complete (run hsk finish first): its session "
                "cannot be resumed (RFC 5246 §7.2)");
  }
  ResumeSession rs;
  rs.session_id = hello.session_id;
  rs.version = hello.server_version;
  rs.cipher_suite = hello.cipher_suite;
  if (hello.extensions) {
    for (const auto& e : *hello.extensions) {
      rs.extended_master_secret =
          rs.extended_master_secret ||
          e.type == static_cast<std::uint16_t>(wire::ExtensionType::extended_master_secret);
    }
  }
  if (auto it = earlier.secrets.find("master_secret"); it != earlier.secrets.end()) {
    rs.master_secret = it->second;
  }
  return rs;
}

// ---------------------------------------------------------------------------------------
// --explain

std::string explain_client_hello(const BuiltClientHello& b,
                                 const std::optional<ResumeSession>& resume) {
  const wire::ClientHello& h = b.hello;
  std::string out = "Phase 1 - hello: the client's ClientHello\n";
  out +=
      "  version: " + version_text(h.client_version) +
      ", the highest this client supports (the server picks this or a lower one); record layer " +
      version_text(b.record_version) + "\n";
  std::uint32_t t = std::uint32_t{h.random[0]} << 24 | std::uint32_t{h.random[1]} << 16 |
                    std::uint32_t{h.random[2]} << 8 | h.random[3];
  char when[64] = "";
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  if (gmtime_r(&tt, &tm)) {
    std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
  }
  out += "  random: " + to_hex(h.random) + " (a nonce both sides mix into the keys; ";
  switch (b.random_mode) {
    case RandomMode::rfc:
      out += std::string("gmt_unix_time ") + when + " + 28 random bytes)\n";
      break;
    case RandomMode::random:
      out += "32 random bytes)\n";
      break;
    case RandomMode::fixed:
      out += "as given)\n";
      break;
  }
  if (resume) {
    out += "  session id: " + to_hex(h.session_id) + " - asks to resume the earlier session (" +
           named(wire::Registry::protocol_version, resume->version) + ", " +
           code_text(resume->cipher_suite) +
           (resume->master_secret ? "" : "; its master secret is not in the earlier state") + ")\n";
  } else if (h.session_id.empty()) {
    out += "  session id: empty - a new session (the server may assign one)\n";
  } else {
    out += "  session id: " + to_hex(h.session_id) + " - an id of the client's choosing\n";
  }
  out += "  cipher suites, in the client's order of preference (" +
         std::to_string(h.cipher_suites.size()) + "; the server picks one):\n";
  for (std::size_t i = 0; i < h.cipher_suites.size(); ++i) {
    const auto* s = wire::find_cipher_suite(h.cipher_suites[i]);
    out += "    " + std::to_string(i + 1) + ". " + (s ? std::string(s->iana) : "unknown") + " (" +
           code_text(h.cipher_suites[i]) + ")\n";
  }
  if (std::find(h.cipher_suites.begin(), h.cipher_suites.end(), kRenegotiationScsv) !=
      h.cipher_suites.end()) {
    out +=
        "  (TLS_EMPTY_RENEGOTIATION_INFO_SCSV is no suite: it signals RFC 5746 secure "
        "renegotiation)\n";
  }
  out += "  compression methods:";
  for (auto c : h.compression_methods) {
    out += " " + named(wire::Registry::compression_method, c);
  }
  out += "\n";
  if (!h.extensions) {
    out += "  extensions: none (no extensions block)\n";
    return out;
  }
  out += "  extensions (" + std::to_string(h.extensions->size()) + "):\n";
  for (const auto& e : *h.extensions) {
    wire::Reader r(e.data);
    std::string line = "    " + named(wire::Registry::extension_type, e.type);
    auto list = [&](wire::Registry reg, const std::vector<std::uint16_t>& codes) {
      std::string s;
      for (auto c : codes) {
        s += (s.empty() ? ": " : ", ") + named(reg, c);
      }
      return s;
    };
    switch (static_cast<wire::ExtensionType>(e.type)) {
      case wire::ExtensionType::server_name: {
        auto v = wire::decode_server_name(r);
        line += ": " +
                std::string(v.server_name_list.front().name.begin(),
                            v.server_name_list.front().name.end()) +
                " (which host the client wants, so the server can pick its certificate)";
        break;
      }
      case wire::ExtensionType::supported_groups:
        line +=
            list(wire::Registry::named_group, wire::decode_supported_groups(r).named_group_list) +
            " (curves and FFDHE groups for (EC)DHE)";
        break;
      case wire::ExtensionType::signature_algorithms:
        line += list(wire::Registry::signature_scheme,
                     wire::decode_signature_algorithms(r).supported_signature_algorithms) +
                " (what the server may sign its key exchange with)";
        break;
      case wire::ExtensionType::ec_point_formats: {
        auto v = wire::decode_ec_point_formats(r);
        std::vector<std::uint16_t> codes(v.ec_point_format_list.begin(),
                                         v.ec_point_format_list.end());
        line += list(wire::Registry::ec_point_format, codes);
        break;
      }
      case wire::ExtensionType::application_layer_protocol_negotiation: {
        auto v = wire::decode_alpn(r);
        std::string s;
        for (const auto& p : v.protocol_name_list) {
          s += (s.empty() ? ": " : ", ") + std::string(p.begin(), p.end());
        }
        line += s;
        break;
      }
      case wire::ExtensionType::encrypt_then_mac:
        line += " (RFC 7366: CBC records MAC the ciphertext, not the plaintext)";
        break;
      case wire::ExtensionType::extended_master_secret:
        line += " (RFC 7627: the master secret will cover the whole handshake so far)";
        break;
      case wire::ExtensionType::renegotiation_info:
        line += " (empty: RFC 5746 secure renegotiation, initial handshake)";
        break;
      default:
        break;
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace hsk::handshake
