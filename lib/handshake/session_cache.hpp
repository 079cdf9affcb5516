// hsk::handshake session_cache — the server's store of resumable sessions (RFC 5246 §7.3
// Figure 2, §7.4.1.2, §7.4.1.3, §F.1.4): a directory with one file per session, so that the
// server steps of a later connection (`hsk server-respond --session-cache DIR`) can resume a
// session that an earlier server `hsk derive-pms` completed.
//
// Layout: DIR (created mode 0700 when missing) holds one file per session, named by the
// session id in lowercase hex (2 to 64 hex digits, nothing else: no path can be smuggled in),
// written atomically with mode 0600 (it holds a master secret). Each file is one JSON object:
//
//   session_id              hex, the same as the file name
//   version                 "0x0303": the negotiated version
//   cipher_suite            "0xc02f": the negotiated suite
//   extended_master_secret  true | false: the master secret is RFC 7627's
//   master_secret           96 hex digits
//   created, expires        unix seconds; the entry is usable while now < expires
//   client_authenticated    true | false: the client proved a certificate (RFC 5246 §7.4.8)
//   client_certificate      the leaf's subject (values["client_certificate"]) or ""
//
// An entry without the two client members (an older hsk wrote it) reads as a session whose
// client was not authenticated.
//
// An existing DIR must be owned by this user (geteuid) and not writable by group or others,
// else lookup, find_session and store throw hsk::Error(io): another user could plant sessions.
// Entries are opened without following symbolic links (a link is an unusable entry).
//
// Nothing else in hsk writes these files; a file that does not parse is reported, never
// trusted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "handshake/state.hpp"
#include "hsk/bytes.hpp"

namespace hsk::handshake {

// kDefaultSessionLifetime: 7200 s (2 hours), what server-respond records when
// --session-lifetime is not given (man/hsk-server-respond.1 says why).
constexpr std::int64_t kDefaultSessionLifetime = 7200;

// CachedSession is one entry of the cache.
struct CachedSession {
  Bytes session_id;  // 1 to 32 bytes
  std::uint16_t version = 0;
  std::uint16_t cipher_suite = 0;
  bool extended_master_secret = false;
  Bytes master_secret;  // 48 bytes
  std::int64_t created = 0;
  std::int64_t expires = 0;
  bool client_authenticated = false;  // the client proved a certificate (CertificateVerify)
  std::string client_certificate;     // its leaf's subject, "" when not authenticated
  bool operator==(const CachedSession&) const = default;
};

// session_file: DIR/<hex session id>. Throws hsk::Error(usage) for an empty id or one over
// 32 bytes (RFC 5246 §7.4.1.2: opaque SessionID<0..32>).
std::string session_file(const std::string& dir, ByteView session_id);

// is_session_file_name: whether `name` is a name session_file makes (2 to 64 lowercase hex
// digits, an even number of them).
bool is_session_file_name(const std::string& name);

// parse_session_entry parses the JSON text of one entry. Throws hsk::Error(malformed) naming
// `path` when it is not JSON, a member is missing or of the wrong shape, or the master secret
// is not 48 bytes.
CachedSession parse_session_entry(std::string_view text, const std::string& path);

// lookup returns the entry for `session_id`, or nullopt when there is none (no file, or an
// empty id). An expired entry (now >= expires) is removed and nullopt returned. Throws
// hsk::Error naming the file: io when it exists but cannot be read (or an expired one cannot
// be removed), malformed when it is not an entry (not JSON, a member missing or of the wrong
// shape, a session_id that is not the file's, a master secret that is not 48 bytes).
std::optional<CachedSession> lookup(const std::string& dir, ByteView session_id, std::int64_t now);

// store writes `entry` to its file (io::write_atomic, mode 0600), creating `dir` (mode 0700)
// when missing, then removes up to 100 other entries that expired by entry.created (best
// effort: an entry it cannot read, parse or remove is left alone). Throws hsk::Error: usage for a
// bad session id or a master secret that is not 48 bytes, io when the directory or file cannot be
// written.
void store(const std::string& dir, const CachedSession& entry);

// CacheLookup is lookup's answer for a handshake: a corrupt, unreadable or symlinked entry is
// a miss with a warning (the handshake goes on in full).
struct CacheLookup {
  std::optional<CachedSession> entry;
  std::string miss;     // why there is no entry, for --explain ("not in the cache", ...)
  std::string warning;  // "" or the one-line error of a corrupt / unreadable entry
};

// find_session: lookup that turns an entry's errors into a warning (see CacheLookup). An
// empty session id is a miss ("the client offered no session id"). Throws hsk::Error(io) for
// an unsafe directory (see the layout above).
CacheLookup find_session(const std::string& dir, ByteView session_id, std::int64_t now);

// session_from_state: the entry for a completed full handshake of `state` (either role):
// its server session id, negotiated version and suite, values["extended_master_secret"], the
// master secret, created = now and expires = now + lifetime, client_authenticated =
// values["client_authenticated"] == "true" and then client_certificate =
// values["client_certificate"] (else ""). Throws hsk::Error(usage) when
// the state holds no session id (or an empty one), no negotiated suite or no master secret.
CachedSession session_from_state(const State& state, std::int64_t now, std::int64_t lifetime);

// State values the server steps use for the cache (server_respond writes them, the server's
// derive-pms reads them): values["session_cache"] = the directory (absolute),
// values["session_lifetime"] = seconds (decimal).
constexpr const char* kSessionCacheValue = "session_cache";
constexpr const char* kSessionLifetimeValue = "session_lifetime";

// cache_completed_session: after the server verified the client's Finished of a full
// handshake, store the session when the state names a cache (values above) and the server
// gave a non-empty session id. Returns true when an entry was written. Throws as store, and
// hsk::Error(usage) for a lifetime value that is not a number.
bool cache_completed_session(const State& state, std::int64_t now);

}  // namespace hsk::handshake
