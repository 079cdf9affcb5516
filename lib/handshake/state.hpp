// hsk::handshake state files — what one side of a handshake keeps between its steps
// (DESIGN.md, "Secrets live in state files"). Message files carry only wire bytes; a step that
// makes secret material (an ephemeral private key, a pre-master or master secret) keeps it
// here, and the same side's next step reads it back.
//
// On disk a state is one JSON object, written atomically with mode 0600 (see save_state):
//
//   hsk_state           1 (the format version; a newer one is refused, see load_state)
//   role                "client" | "server"
//   version             "0x0303": the client's client_version (the highest it offers)
//   offered_suites      ["0xc02f", ...]: ClientHello.cipher_suites in order, as sent
//   client_random       64 hex digits
//   session_id          hex: ClientHello.session_id (may be "")
//   negotiated_version  "0x0303"   } from ServerHello, once a step has seen it;
//   cipher_suite        "0xc02f"   } absent before
//   server_random       hex        }
//   server_session_id   hex        }
//   resume              {session_id, version, cipher_suite, extended_master_secret,
//                        master_secret?}: the earlier session this handshake tries to resume
//   transcript          [{"from": "client"|"server", "type": "client_hello", "hex": "0100..."}]:
//                        every handshake message sent or received so far, in order, each the
//                        exact bytes of the Handshake struct (4-byte header + body); "type" is
//                        informational (the type is the first byte of "hex")
//   secrets             {"name": "hex"}: secret material, e.g. "dh_private", "pre_master_secret",
//                        "master_secret" (names chosen by the steps that write them)
//   values              {"name": "text"}: other facts a later step needs (names likewise)
//
// Session resumption (RFC 5246 §7.3 Figure 2) uses these members:
//   client  "resume" (client-hello --resume: the session offered, with its master secret);
//           secrets["master_secret"] after a full or abbreviated handshake, so the state can
//           itself be given to a later client-hello --resume (resume_from).
//   server  values["session_cache"], values["session_lifetime"] (server-respond
//           --session-cache: where the server's derive-pms stores the session, session_cache.hpp).
//   both    values["resumed"] = "true" after an abbreviated handshake (key_schedule.hpp
//           resume_keys); the server's last step is then `hsk finish` (finish_step.hpp).
//
// Code points are written as "0x" + 4 lowercase hex digits; load also takes plain integers.
// Members a newer hsk added (same hsk_state) are kept as they were and written back.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hsk/bytes.hpp"
#include "wire/messages.hpp"
#include "wire/record.hpp"

namespace hsk::handshake {

// kStateFormat is the "hsk_state" value this hsk writes and the newest it reads.
constexpr int kStateFormat = 1;

enum class Role : std::uint8_t { client, server };
std::string_view role_name(Role role);  // "client", "server"
// peer_of: the other side.
constexpr Role peer_of(Role role) { return role == Role::client ? Role::server : Role::client; }

// TranscriptMessage is one handshake message as it crossed the wire.
struct TranscriptMessage {
  Role from = Role::client;  // who sent it
  Bytes bytes;               // msg_type, uint24 length, body — exactly as sent or received
  std::uint8_t msg_type() const { return bytes.empty() ? 0 : bytes[0]; }
  bool operator==(const TranscriptMessage&) const = default;
};

// ResumeSession is an earlier session a ClientHello offers to resume (RFC 5246 §7.4.1.2).
struct ResumeSession {
  Bytes session_id;                     // from the earlier ServerHello
  std::uint16_t version = 0;            // the earlier negotiated version
  std::uint16_t cipher_suite = 0;       // the earlier negotiated suite
  bool extended_master_secret = false;  // both sides used RFC 7627 in the earlier handshake
  std::optional<Bytes> master_secret;   // absent when the earlier state never derived it
  bool operator==(const ResumeSession&) const = default;
};

struct State {
  Role role = Role::client;
  std::uint16_t version = wire::kTls12;
  std::vector<std::uint16_t> offered_suites;
  wire::Random client_random{};
  Bytes session_id;
  std::optional<std::uint16_t> negotiated_version;
  std::optional<std::uint16_t> cipher_suite;
  std::optional<wire::Random> server_random;
  std::optional<Bytes> server_session_id;
  std::optional<ResumeSession> resume;
  std::vector<TranscriptMessage> transcript;
  std::map<std::string, Bytes> secrets;
  std::map<std::string, std::string> values;
  // Unknown top-level members read from a file (a JSON object as text, "" when none): saved
  // back unchanged so an older step does not drop what a newer one wrote.
  std::string unknown_members;
  bool operator==(const State&) const = default;
};

// state_to_json returns the JSON text of `state` (pretty-printed, ending in a newline).
std::string state_to_json(const State& state);

// state_from_json parses JSON text. Throws hsk::Error(malformed) naming `input` when it is
// not JSON, not an hsk state (no "hsk_state"), of a newer format than kStateFormat ("written
// by a newer hsk"), or when a member is missing or has the wrong shape (naming the member);
// a transcript entry whose length header disagrees with its bytes is malformed too.
State state_from_json(std::string_view text, const std::string& input);

// load_state reads and parses a state file. Throws hsk::Error(io) when it cannot be read,
// else as state_from_json.
State load_state(const std::string& path);

// save_state writes the state with io::write_atomic(path, json, 0600): readers see the old
// file or the new one, and the file is private to its owner. Throws hsk::Error(io).
void save_state(const std::string& path, const State& state);

// expect_role throws hsk::Error(usage) naming `path` when `state` belongs to the other side,
// e.g. "server.json: this is a server state file; this step needs the client's".
void expect_role(const State& state, Role role, const std::string& path);

// add_message appends a message to the transcript.
void add_message(State& state, Role from, ByteView handshake_bytes);

// find_message returns the first transcript message of `type` sent by `from`, or nullptr.
const TranscriptMessage* find_message(const State& state, Role from, wire::HandshakeType type);

// transcript_bytes concatenates every transcript message in order (what the Finished and
// CertificateVerify hashes and the extended master secret's session_hash cover).
Bytes transcript_bytes(const State& state);

}  // namespace hsk::handshake
