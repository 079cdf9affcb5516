// hsk::handshake derive_pms — phase 3 of the handshake (client authentication and key
// exchange) for both roles, and the key schedule after it (key_schedule.hpp).
//
//   client (derive_client.cpp): reads the server flight (ServerHello .. ServerHelloDone),
//     checks it — certificate chain, ServerKeyExchange signature, DH group / EC point — and
//     builds the client flight: [Certificate] ClientKeyExchange [CertificateVerify].
//   server (derive_server.cpp): reads that client flight, recovers the pre-master secret
//     (RSA with the RFC 5246 §7.4.7.1 countermeasure, DH/ECDH agreement, fixed DH), checks a
//     client certificate and its CertificateVerify.
// Both end in derive_keys: master secret (extended when negotiated) and key block, stored in
// the state. Pure: no files, no printing; randomness from the Rng, time from the options.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "crypto/crypto.hpp"
#include "handshake/key_schedule.hpp"
#include "handshake/state.hpp"
#include "hsk/bytes.hpp"
#include "pki/x509.hpp"
#include "wire/record.hpp"

namespace hsk::handshake {

// ---------------------------------------------------------------------------------------
// Client role.

struct ClientKexOptions {
  std::vector<pki::Certificate> trusted;  // --ca: anchors for the server's chain
  bool insecure = false;                  // --insecure: skip the chain check (said loudly)
  bool allow_weak_dh = false;             // --allow-weak-dh: accept p below 1024 bits
  pki::UnixTime now = 0;                  // when the chain is checked; 0: now
  std::string server_name;                // checked against the leaf's names when not empty
  // Client authentication, used when the server sent a CertificateRequest: the chain to send
  // (leaf first) and its key. Absent: an empty Certificate is sent.
  std::vector<pki::Certificate> client_chain;
  std::optional<crypto::PrivateKey> client_key;
};

struct ClientKexResult {
  Bytes records;        // the client flight as handshake records, ready for the wire
  DerivedKeys keys;     // also stored in the state
  std::string explain;  // phases 2 and 3 in words, for --explain (no secret values)
  std::vector<std::string> warnings;  // e.g. "certificate chain NOT checked (--insecure)"
};

// client_key_exchange: `server_flight` are the handshake messages read from the server
// (ServerHello first, ServerHelloDone last), `raw` their exact bytes as received are in each
// message. Adds every received and sent message to the transcript, records the ServerHello
// facts (negotiated version, suite, server random and session id), the secrets and derived
// keys. Throws hsk::Error: check_failed with the alert a client would send (bad_certificate,
// unknown_ca, decrypt_error, illegal_parameter, insufficient_security, handshake_failure) when
// a check fails; malformed for messages that do not parse or are out of order
// (unexpected_message); usage for a state that is not a client's fresh-from-client-hello one.
// On any error `state` is left as it was.
ClientKexResult client_key_exchange(State& state,
                                    const std::vector<wire::HandshakeMessage>& server_flight,
                                    const ClientKexOptions& options, crypto::Rng& rng);

// Session resumption, the client's side (RFC 5246 §7.3 Figure 2: the abbreviated handshake).
// A ClientHello built with --resume offers an earlier session (state.resume). When the server
// agrees, its flight is ServerHello (echoing that session id), ChangeCipherSpec, Finished —
// no Certificate, no ServerKeyExchange, no ServerHelloDone — and the client answers with its
// own ChangeCipherSpec + Finished (finish_step.hpp). When the ServerHello carries another
// session id, the full handshake goes on (client_key_exchange).

// server_resumes: whether `server_hello` (a ServerHello message as read) echoes the non-empty
// session id this client state offered to resume. Throws hsk::Error(malformed) when it is not
// a ServerHello that parses.
bool server_resumes(const State& state, const wire::HandshakeMessage& server_hello);

struct ClientResumeResult {
  DerivedKeys keys;     // from the resumed master secret and the new randoms (resume_keys)
  std::string explain;  // for --explain (no secret values)
};

// client_resume_hello: the ServerHello of an abbreviated handshake. Checks that it resumes
// the offered session with the session's version and suite (else check_failed,
// illegal_parameter: "the server resumes the session with TLS 1.1, the session was TLS 1.2"),
// the null compression method, no extension the ClientHello did not send (check_failed,
// unsupported_extension), and extended_master_secret as RFC 7627 §5.3 wants: present exactly
// when the resumed session used it (else check_failed, handshake_failure). Then adds the
// ServerHello to the transcript, records its facts and derives the keys from the session's
// master secret (resume_keys; values["resumed"] = "true"). The server's ChangeCipherSpec and
// Finished come next (finish_step.hpp read_finished_after / receive_finished), then the
// client's (send_finished). Throws hsk::Error(usage) for a state that is not a client's
// fresh-from-client-hello one, offered no session, or whose resumed session has no master
// secret. On any error `state` is left as it was.
ClientResumeResult client_resume_hello(State& state, const wire::HandshakeMessage& server_hello);

// ---------------------------------------------------------------------------------------
// Server role.

struct ServerKexOptions {
  // The server's private key for RSA decryption and fixed DH. Absent: read from the path the
  // server state recorded (values["server_key_file"]) by the caller, who fills this in.
  std::optional<crypto::PrivateKey> server_key;
  std::vector<pki::Certificate> client_ca;  // anchors for a client certificate
  bool insecure = false;                    // skip the client chain check (said loudly)
  pki::UnixTime now = 0;                    // when the client chain is checked; 0: now
  // require_client_certificate: an empty client Certificate after a CertificateRequest is
  // refused (check_failed, handshake_failure) instead of recorded as "not authenticated".
  bool require_client_certificate = false;
};

struct ServerKexResult {
  DerivedKeys keys;
  bool client_authenticated = false;  // a client certificate came and its proof verified
  std::string explain;
  std::vector<std::string> warnings;
};

// server_expects_certificate_verify: after the messages read so far from the client, whether
// a CertificateVerify must still come (a non-empty client Certificate whose key signs, i.e.
// not a fixed-DH certificate).
bool server_expects_certificate_verify(const State& state,
                                       const std::vector<wire::HandshakeMessage>& so_far);

// server_key_exchange: `client_flight` is [Certificate] ClientKeyExchange [CertificateVerify]
// as read. Adds them to the transcript, recovers the pre-master secret and derives the keys.
// A bad RSA ciphertext is NOT an error (RFC 5246 §7.4.7.1): the keys come from a random
// pre-master secret and the handshake fails at Finished. Throws as client_key_exchange.
// Details: the flight must be [Certificate] ClientKeyExchange [CertificateVerify] in that
// order, the Certificate present exactly when a CertificateRequest went out (else malformed,
// unexpected_message); a client certificate must be of a type the request listed
// (unsupported_certificate; fixed-DH ones only with DH_RSA/DH_DSS suites) and chain to
// options.client_ca with purpose client (unknown_ca, certificate_expired, bad_certificate,
// ...); Yc or the client point out of range is check_failed illegal_parameter; a
// CertificateVerify that does not verify over the transcript before it is check_failed
// decrypt_error. An implicit Yc (empty ClientKeyExchange, fixed DH) takes the DH key of the
// client certificate, which must be on the server key's p and g (illegal_parameter).
// On any error `state` is left as it was. Besides derive_keys' entries it records
// values["client_certificate"] ("empty" or the leaf's subject; absent when none was asked
// for), values["client_authenticated"] ("true" | "false") and values["pms_source"] (the key
// exchange, e.g. "RSA", "DH_RSA implicit").
ServerKexResult server_key_exchange(State& state,
                                    const std::vector<wire::HandshakeMessage>& client_flight,
                                    const ServerKexOptions& options, crypto::Rng& rng);

// server_state_from_flights builds the server state of a handshake someone else ran, from its
// captured ClientHello and server flight (each the exact records), so that server_key_exchange
// can replay the server's side given the server's key (e.g. an `openssl s_server` session).
// The ephemeral private key of DHE/ECDHE is unknown there: only RSA and fixed DH replay.
// The ClientHello is the first handshake message of `client_hello_records`; the server flight
// runs from ServerHello to ServerHelloDone, and records after it are ignored (a whole captured
// direction may be given). The state gets values["client_auth_requested"] and
// values["replayed"] = "true". Throws hsk::Error(malformed) for records that do not parse, a
// non-handshake record before the end, a flight without ServerHelloDone, messages out of order
// (unexpected_message), or a ServerHello whose suite the ClientHello did not offer or whose
// version is above the client's ("the flights are from different handshakes").
State server_state_from_flights(ByteView client_hello_records, ByteView server_flight_records);

}  // namespace hsk::handshake
