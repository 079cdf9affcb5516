// hsk::handshake state files (schema in state.hpp).
#include "handshake/state.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "hsk/error.hpp"
#include "io/file.hpp"

namespace hsk::handshake {

namespace {

using Json = nlohmann::ordered_json;

// Members this hsk knows; anything else is kept in State::unknown_members.
constexpr std::string_view kKnown[] = {
    "hsk_state",
    "role",
    "version",
    "offered_suites",
    "client_random",
    "session_id",
    "negotiated_version",
    "cipher_suite",
    "server_random",
    "server_session_id",
    "resume",
    "transcript",
    "secrets",
    "values",
};

std::string code_text(std::uint16_t code) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04x", static_cast<unsigned>(code));
  return buf;
}

Json random_json(const wire::Random& r) { return to_hex(r); }

// Parser holds the input name and turns every shape problem into one malformed error.
struct Parser {
  const std::string& input;

  [[noreturn]] void fail(const std::string& member, const std::string& what) const {
    throw Error(ErrorKind::malformed, "state file: " + member + ": " + what,
                Error::kAlertDecodeError)
        .with_input(input);
  }

  const Json& member(const Json& obj, const std::string& name, const std::string& path) const {
    auto it = obj.find(name);
    if (it == obj.end()) {
      fail(path + name, "missing");
    }
    return *it;
  }

  std::uint16_t code(const Json& v, const std::string& what) const {
    if (v.is_number_unsigned()) {
      auto n = v.get<std::uint64_t>();
      if (n > 0xffff) {
        fail(what, "value " + std::to_string(n) + " exceeds 0xffff");
      }
      return static_cast<std::uint16_t>(n);
    }
    if (!v.is_string()) {
      fail(what, "expected a code such as \"0x0303\"");
    }
    const auto& s = v.get_ref<const std::string&>();
    if (s.size() < 3 || s.size() > 6 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') ||
        !std::all_of(s.begin() + 2, s.end(),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
      fail(what, "'" + s + "' is not a code such as \"0x0303\"");
    }
    return static_cast<std::uint16_t>(std::stoul(s.substr(2), nullptr, 16));
  }

  Bytes hex(const Json& v, const std::string& what) const {
    if (!v.is_string()) {
      fail(what, "expected a hex string");
    }
    try {
      return from_hex(v.get_ref<const std::string&>(), what);
    } catch (const Error&) {
      fail(what, "not valid hex");
    }
  }

  wire::Random random(const Json& v, const std::string& what) const {
    Bytes b = hex(v, what);
    if (b.size() != 32) {
      fail(what, "expected 32 bytes, found " + std::to_string(b.size()));
    }
    wire::Random r{};
    std::copy(b.begin(), b.end(), r.begin());
    return r;
  }

  Role role(const Json& v, const std::string& what) const {
    if (v == "client") {
      return Role::client;
    }
    if (v == "server") {
      return Role::server;
    }
    fail(what, "expected \"client\" or \"server\"");
  }
};

}  // namespace

std::string_view role_name(Role role) { return role == Role::client ? "client" : "server"; }

std::string state_to_json(const State& s) {
  Json j;
  j["hsk_state"] = kStateFormat;
  j["role"] = role_name(s.role);
  j["version"] = code_text(s.version);
  Json suites = Json::array();
  for (auto c : s.offered_suites) {
    suites.push_back(code_text(c));
  }
  j["offered_suites"] = suites;
  j["client_random"] = random_json(s.client_random);
  j["session_id"] = to_hex(s.session_id);
  if (s.negotiated_version) {
    j["negotiated_version"] = code_text(*s.negotiated_version);
  }
  if (s.cipher_suite) {
    j["cipher_suite"] = code_text(*s.cipher_suite);
  }
  if (s.server_random) {
    j["server_random"] = random_json(*s.server_random);
  }
  if (s.server_session_id) {
    j["server_session_id"] = to_hex(*s.server_session_id);
  }
  if (s.resume) {
    Json r;
    r["session_id"] = to_hex(s.resume->session_id);
    r["version"] = code_text(s.resume->version);
    r["cipher_suite"] = code_text(s.resume->cipher_suite);
    r["extended_master_secret"] = s.resume->extended_master_secret;
    if (s.resume->master_secret) {
      r["master_secret"] = to_hex(*s.resume->master_secret);
    }
    j["resume"] = r;
  }
  Json transcript = Json::array();
  for (const auto& m : s.transcript) {
    Json e;
    e["from"] = role_name(m.from);
    std::string_view name = wire::name_of(wire::Registry::handshake_type, m.msg_type());
    e["type"] = name.empty() ? std::to_string(m.msg_type()) : std::string(name);
    e["hex"] = to_hex(m.bytes);
    transcript.push_back(e);
  }
  j["transcript"] = transcript;
  Json secrets = Json::object();
  for (const auto& [k, v] : s.secrets) {
    secrets[k] = to_hex(v);
  }
  j["secrets"] = secrets;
  Json values = Json::object();
  for (const auto& [k, v] : s.values) {
    values[k] = v;
  }
  j["values"] = values;
  if (!s.unknown_members.empty()) {
    Json extra = Json::parse(s.unknown_members, nullptr, false);
    if (extra.is_object()) {
      for (auto it = extra.begin(); it != extra.end(); ++it) {
        if (!j.contains(it.key())) {
          j[it.key()] = it.value();
        }
      }
    }
  }
  return j.dump(2) + "\n";
}

State state_from_json(std::string_view text, const std::string& input) {
  Parser p{input};
  Json j = Json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) {
    throw Error(ErrorKind::malformed, "not an hsk state file (not valid JSON)",
                Error::kAlertDecodeError)
        .with_input(input);
  }
  if (!j.is_object() || !j.contains("hsk_state")) {
    throw Error(ErrorKind::malformed, "not an hsk state file (no \"hsk_state\" member)",
                Error::kAlertDecodeError)
        .with_input(input);
  }
  const Json& format = j["hsk_state"];
  if (!format.is_number_integer()) {
    p.fail("hsk_state", "expected an integer");
  }
  auto f = format.get<std::int64_t>();
  if (f > kStateFormat) {
    throw Error(ErrorKind::malformed,
                "state file format hsk_state " + std::to_string(f) +
                    " was written by a newer hsk; this hsk reads up to " +
                    std::to_string(kStateFormat),
                Error::kAlertDecodeError)
        .with_input(input);
  }
  if (f < 1) {
    p.fail("hsk_state", "unknown format " + std::to_string(f));
  }

  State s;
  s.role = p.role(p.member(j, "role", ""), "role");
  s.version = p.code(p.member(j, "version", ""), "version");
  const Json& suites = p.member(j, "offered_suites", "");
  if (!suites.is_array()) {
    p.fail("offered_suites", "expected an array");
  }
  for (std::size_t i = 0; i < suites.size(); ++i) {
    s.offered_suites.push_back(p.code(suites[i], "offered_suites[" + std::to_string(i) + "]"));
  }
  s.client_random = p.random(p.member(j, "client_random", ""), "client_random");
  s.session_id = p.hex(p.member(j, "session_id", ""), "session_id");
  if (s.session_id.size() > 32) {
    p.fail("session_id", "longer than 32 bytes");
  }
  if (j.contains("negotiated_version")) {
    s.negotiated_version = p.code(j["negotiated_version"], "negotiated_version");
  }
  if (j.contains("cipher_suite")) {
    s.cipher_suite = p.code(j["cipher_suite"], "cipher_suite");
  }
  if (j.contains("server_random")) {
    s.server_random = p.random(j["server_random"], "server_random");
  }
  if (j.contains("server_session_id")) {
    s.server_session_id = p.hex(j["server_session_id"], "server_session_id");
  }
  if (j.contains("resume")) {
    const Json& r = j["resume"];
    if (!r.is_object()) {
      p.fail("resume", "expected an object");
    }
    ResumeSession rs;
    rs.session_id = p.hex(p.member(r, "session_id", "resume."), "resume.session_id");
    rs.version = p.code(p.member(r, "version", "resume."), "resume.version");
    rs.cipher_suite = p.code(p.member(r, "cipher_suite", "resume."), "resume.cipher_suite");
    const Json& ems = p.member(r, "extended_master_secret", "resume.");
    if (!ems.is_boolean()) {
      p.fail("resume.extended_master_secret", "expected true or false");
    }
    rs.extended_master_secret = ems.get<bool>();
    if (r.contains("master_secret")) {
      rs.master_secret = p.hex(r["master_secret"], "resume.master_secret");
    }
    s.resume = rs;
  }
  const Json& transcript = p.member(j, "transcript", "");
  if (!transcript.is_array()) {
    p.fail("transcript", "expected an array");
  }
  for (std::size_t i = 0; i < transcript.size(); ++i) {
    const std::string at = "transcript[" + std::to_string(i) + "]";
    const Json& e = transcript[i];
    if (!e.is_object()) {
      p.fail(at, "expected an object");
    }
    TranscriptMessage m;
    m.from = p.role(p.member(e, "from", at + "."), at + ".from");
    m.bytes = p.hex(p.member(e, "hex", at + "."), at + ".hex");
    if (m.bytes.size() < 4) {
      p.fail(at + ".hex", "shorter than a handshake header");
    }
    std::size_t length = std::size_t{m.bytes[1]} << 16 | std::size_t{m.bytes[2]} << 8 | m.bytes[3];
    if (length != m.bytes.size() - 4) {
      p.fail(at + ".hex", "length header says " + std::to_string(length) + " body bytes, found " +
                              std::to_string(m.bytes.size() - 4));
    }
    s.transcript.push_back(std::move(m));
  }
  if (j.contains("secrets")) {
    const Json& secrets = j["secrets"];
    if (!secrets.is_object()) {
      p.fail("secrets", "expected an object");
    }
    for (auto it = secrets.begin(); it != secrets.end(); ++it) {
      s.secrets[it.key()] = p.hex(it.value(), "secrets." + it.key());
    }
  }
  if (j.contains("values")) {
    const Json& values = j["values"];
    if (!values.is_object()) {
      p.fail("values", "expected an object");
    }
    for (auto it = values.begin(); it != values.end(); ++it) {
      if (!it.value().is_string()) {
        p.fail("values." + it.key(), "expected a string");
      }
      s.values[it.key()] = it.value().get<std::string>();
    }
  }
  Json unknown = Json::object();
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (std::find(std::begin(kKnown), std::end(kKnown), it.key()) == std::end(kKnown)) {
      unknown[it.key()] = it.value();
    }
  }
  if (!unknown.empty()) {
    s.unknown_members = unknown.dump();
  }
  return s;
}

State load_state(const std::string& path) {
  Bytes data = io::read_all(path);
  return state_from_json(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()),
                         path);
}

void save_state(const std::string& path, const State& state) {
  std::string text = state_to_json(state);
  io::write_atomic(path, as_bytes(text), 0600);
}

void expect_role(const State& state, Role role, const std::string& path) {
  if (state.role != role) {
    throw Error(ErrorKind::usage, path + ": this is a " + std::string(role_name(state.role)) +
                                      " state file; this step needs the " +
                                      std::string(role_name(role)) + "'s");
  }
}

void add_message(State& state, Role from, ByteView handshake_bytes) {
  state.transcript.push_back({from, Bytes(handshake_bytes.begin(), handshake_bytes.end())});
}

const TranscriptMessage* find_message(const State& state, Role from, wire::HandshakeType type) {
  for (const auto& m : state.transcript) {
    if (m.from == from && m.msg_type() == static_cast<std::uint8_t>(type)) {
      return &m;
    }
  }
  return nullptr;
}

Bytes transcript_bytes(const State& state) {
  Bytes out;
  for (const auto& m : state.transcript) {
    out.insert(out.end(), m.bytes.begin(), m.bytes.end());
  }
  return out;
}

}  // namespace hsk::handshake
