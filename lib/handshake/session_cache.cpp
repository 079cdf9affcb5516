// hsk::handshake session_cache (contract in session_cache.hpp).
#include "handshake/session_cache.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "hsk/error.hpp"
#include "io/file.hpp"

namespace hsk::handshake {

namespace {

using Json = nlohmann::ordered_json;

constexpr std::size_t kMasterSecretSize = 48;

std::string code_text(std::uint16_t code) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04x", static_cast<unsigned>(code));
  return buf;
}

[[noreturn]] void corrupt(const std::string& path, const std::string& what) {
  throw Error(ErrorKind::malformed, "session cache entry: " + what, Error::kAlertInternalError)
      .with_input(path);
}

std::uint16_t code_member(const Json& j, const char* name, const std::string& path) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) {
    corrupt(path, std::string(name) + ": missing or not a string such as \"0x0303\"");
  }
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() != 6 || s[0] != '0' || s[1] != 'x' || !looks_like_hex(s.substr(2))) {
    corrupt(path, std::string(name) + ": '" + s + "' is not a code such as \"0x0303\"");
  }
  return static_cast<std::uint16_t>(std::stoul(s.substr(2), nullptr, 16));
}

Bytes hex_member(const Json& j, const char* name, const std::string& path) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) {
    corrupt(path, std::string(name) + ": missing or not a hex string");
  }
  try {
    return from_hex(it->get_ref<const std::string&>(), name);
  } catch (const Error&) {
    corrupt(path, std::string(name) + ": not valid hex");
  }
}

std::int64_t time_member(const Json& j, const char* name, const std::string& path) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_number_integer()) {
    corrupt(path, std::string(name) + ": missing or not an integer (unix seconds)");
  }
  return it->get<std::int64_t>();
}

void check_id(ByteView id) {
  if (id.empty() || id.size() > 32) {
    throw_usage("a cached session needs a session id of 1 to 32 bytes (RFC 5246 §7.4.1.2), not " +
                std::to_string(id.size()));
  }
}

// check_dir: an existing cache directory must be this user's and closed to group and
// others, or another local user could plant sessions (master secrets this server trusts) or
// read them. Missing is fine (returns false); anything else throws hsk::Error(io).
bool check_dir(const std::string& dir) {
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return false;
    }
    throw Error(ErrorKind::io,
                std::string("session cache directory: cannot stat: ") + std::strerror(errno))
        .with_input(dir);
  }
  if (S_ISLNK(st.st_mode) && ::stat(dir.c_str(), &st) != 0) {
    throw Error(ErrorKind::io, std::string("session cache directory: a symbolic link that cannot "
                                           "be followed: ") +
                                   std::strerror(errno))
        .with_input(dir);
  }
  if (!S_ISDIR(st.st_mode)) {
    throw Error(ErrorKind::io, "session cache directory: not a directory").with_input(dir);
  }
  if (st.st_uid != ::geteuid()) {
    throw Error(ErrorKind::io, "session cache directory: owned by uid " +
                                   std::to_string(st.st_uid) + ", not by this user (uid " +
                                   std::to_string(::geteuid()) + ")")
        .with_input(dir);
  }
  if ((st.st_mode & 022) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw Error(ErrorKind::io, std::string("session cache directory: mode ") + mode +
                                   " lets group or others write it (chmod go-w, or 0700)")
        .with_input(dir);
  }
  return true;
}

// prune_expired removes up to kPruneLimit entries of `dir` that expired by `now` (best
// effort: an entry that cannot be read, parsed or removed is left alone; `keep` is skipped).
constexpr int kPruneLimit = 100;

void prune_expired(const std::string& dir, const std::string& keep, std::int64_t now) {
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  int removed = 0;
  for (; !ec && it != std::filesystem::directory_iterator() && removed < kPruneLimit;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!is_session_file_name(name) || name == keep) {
      continue;
    }
    const std::string path = it->path().string();
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      continue;
    }
    try {
      Bytes data = io::read_all(path);
      CachedSession e = parse_session_entry(
          std::string_view(reinterpret_cast<const char*>(data.data()), data.size()), path);
      if (now >= e.expires && ::unlink(path.c_str()) == 0) {
        ++removed;
      }
    } catch (const Error&) {
      // Not ours to judge here: lookup reports it when its id is offered.
    }
  }
}

}  // namespace

CachedSession parse_session_entry(std::string_view text, const std::string& path) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    corrupt(path, "not a JSON object");
  }
  CachedSession e;
  e.session_id = hex_member(j, "session_id", path);
  e.version = code_member(j, "version", path);
  e.cipher_suite = code_member(j, "cipher_suite", path);
  auto ems = j.find("extended_master_secret");
  if (ems == j.end() || !ems->is_boolean()) {
    corrupt(path, "extended_master_secret: missing or not true/false");
  }
  e.extended_master_secret = ems->get<bool>();
  e.master_secret = hex_member(j, "master_secret", path);
  if (e.master_secret.size() != kMasterSecretSize) {
    corrupt(path,
            "master_secret: " + std::to_string(e.master_secret.size()) + " bytes, expected 48");
  }
  e.created = time_member(j, "created", path);
  e.expires = time_member(j, "expires", path);
  // Absent in entries of an older hsk: an unauthenticated client.
  if (auto a = j.find("client_authenticated"); a != j.end()) {
    if (!a->is_boolean()) {
      corrupt(path, "client_authenticated: not true/false");
    }
    e.client_authenticated = a->get<bool>();
  }
  if (auto c = j.find("client_certificate"); c != j.end()) {
    if (!c->is_string()) {
      corrupt(path, "client_certificate: not a string");
    }
    e.client_certificate = c->get<std::string>();
  }
  return e;
}

bool is_session_file_name(const std::string& name) {
  if (name.size() < 2 || name.size() > 64 || name.size() % 2 != 0) {
    return false;
  }
  for (char c : name) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

std::string session_file(const std::string& dir, ByteView session_id) {
  check_id(session_id);
  std::string name = to_hex(session_id);
  if (!is_session_file_name(name)) {  // to_hex makes lowercase hex: a guard, never taken
    throw Error(ErrorKind::internal, "session id hex '" + name + "' is not a file name");
  }
  return (std::filesystem::path(dir) / name).string();
}

std::optional<CachedSession> lookup(const std::string& dir, ByteView session_id, std::int64_t now) {
  if (session_id.empty()) {
    return std::nullopt;
  }
  const std::string path = session_file(dir, session_id);
  if (!check_dir(dir)) {
    return std::nullopt;
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {  // lstat: a symbolic link is never followed
    if (errno == ENOENT || errno == ENOTDIR) {
      return std::nullopt;
    }
    throw Error(ErrorKind::io,
                std::string("session cache entry: cannot stat: ") + std::strerror(errno))
        .with_input(path);
  }
  if (S_ISLNK(st.st_mode)) {
    throw Error(ErrorKind::io, "session cache entry: a symbolic link (not followed)")
        .with_input(path);
  }
  if (!S_ISREG(st.st_mode)) {
    throw Error(ErrorKind::io, "session cache entry: not a regular file").with_input(path);
  }
  Bytes data = io::read_all(path);
  CachedSession e = parse_session_entry(
      std::string_view(reinterpret_cast<const char*>(data.data()), data.size()), path);
  if (e.session_id != Bytes(session_id.begin(), session_id.end())) {
    corrupt(path, "session_id " + to_hex(e.session_id) + " is not the file's name");
  }
  if (now >= e.expires) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      throw Error(ErrorKind::io, std::string("session cache entry: expired, cannot remove it: ") +
                                     std::strerror(errno))
          .with_input(path);
    }
    return std::nullopt;
  }
  return e;
}

void store(const std::string& dir, const CachedSession& entry) {
  const std::string path = session_file(dir, entry.session_id);
  if (entry.master_secret.size() != kMasterSecretSize) {
    throw_usage("a cached session's master secret is 48 bytes, not " +
                std::to_string(entry.master_secret.size()));
  }
  std::error_code ec;
  if (!check_dir(dir)) {
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      throw Error(ErrorKind::io, "cannot create the session cache directory: " + ec.message())
          .with_input(dir);
    }
    if (::chmod(dir.c_str(), 0700) != 0) {
      throw Error(ErrorKind::io, std::string("cannot make the session cache directory private: ") +
                                     std::strerror(errno))
          .with_input(dir);
    }
  }
  Json j;
  j["session_id"] = to_hex(entry.session_id);
  j["version"] = code_text(entry.version);
  j["cipher_suite"] = code_text(entry.cipher_suite);
  j["extended_master_secret"] = entry.extended_master_secret;
  j["master_secret"] = to_hex(entry.master_secret);
  j["created"] = entry.created;
  j["expires"] = entry.expires;
  j["client_authenticated"] = entry.client_authenticated;
  j["client_certificate"] = entry.client_certificate;
  std::string text = j.dump(2) + "\n";
  io::write_atomic(path, as_bytes(text), 0600);
  prune_expired(dir, to_hex(entry.session_id), entry.created);
}

CacheLookup find_session(const std::string& dir, ByteView session_id, std::int64_t now) {
  CacheLookup r;
  if (session_id.empty()) {
    r.miss = "the client offered no session id";
    return r;
  }
  const std::string path = session_file(dir, session_id);
  check_dir(dir);  // an unsafe directory is refused, not a miss
  bool existed = ::access(path.c_str(), F_OK) == 0;
  try {
    r.entry = lookup(dir, session_id, now);
  } catch (const Error& e) {
    r.miss = "its cache entry " + path + " is unusable";
    r.warning = e.message() + " (treated as a miss: full handshake)";
    return r;
  }
  if (!r.entry) {
    r.miss = existed ? "its cache entry had expired (removed)" : "it is not in the session cache";
  }
  return r;
}

CachedSession session_from_state(const State& state, std::int64_t now, std::int64_t lifetime) {
  if (!state.server_session_id || state.server_session_id->empty()) {
    throw_usage("the state holds no session id: the session cannot be cached");
  }
  if (!state.negotiated_version || !state.cipher_suite) {
    throw_usage("the state holds no negotiated version and suite: the session cannot be cached");
  }
  auto ms = state.secrets.find("master_secret");
  if (ms == state.secrets.end()) {
    throw_usage("the state holds no master secret: the session cannot be cached");
  }
  CachedSession e;
  e.session_id = *state.server_session_id;
  e.version = *state.negotiated_version;
  e.cipher_suite = *state.cipher_suite;
  auto ems = state.values.find("extended_master_secret");
  e.extended_master_secret = ems != state.values.end() && ems->second == "true";
  e.master_secret = ms->second;
  e.created = now;
  e.expires = now + lifetime;
  auto auth = state.values.find("client_authenticated");
  e.client_authenticated = auth != state.values.end() && auth->second == "true";
  if (e.client_authenticated) {
    auto cert = state.values.find("client_certificate");
    e.client_certificate = cert != state.values.end() ? cert->second : "";
  }
  return e;
}

bool cache_completed_session(const State& state, std::int64_t now) {
  auto dir = state.values.find(kSessionCacheValue);
  if (dir == state.values.end() || dir->second.empty() || !state.server_session_id ||
      state.server_session_id->empty()) {
    return false;
  }
  std::int64_t lifetime = kDefaultSessionLifetime;
  if (auto it = state.values.find(kSessionLifetimeValue); it != state.values.end()) {
    const std::string& s = it->second;
    if (s.empty() || s.size() > 12 || s.find_first_not_of("0123456789") != std::string::npos) {
      throw_usage("values.session_lifetime '" + s + "' is not a number of seconds");
    }
    lifetime = std::stoll(s);
  }
  store(dir->second, session_from_state(state, now, lifetime));
  return true;
}

}  // namespace hsk::handshake
