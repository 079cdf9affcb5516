// hsk::handshake key_schedule — from the pre-master secret to the keys, the part of phase 3
// both sides do identically (RFC 5246 §8.1, §6.3; RFC 7627). Both derive-pms roles call
// derive_keys, so a client and a server given the same transcript and pre-master secret
// cannot disagree by construction of two code paths.
//
// Names in State::secrets written here: "pre_master_secret", "master_secret", "key_block"
// (the whole block; split it with crypto::split_key_block). State::values written here:
// "extended_master_secret" ("true" | "false") and "prf" (crypto::prf_kind_name); resume_keys
// also "resumed" ("true": an abbreviated handshake, RFC 5246 §7.3 Figure 2).
#pragma once

#include <string>

#include "crypto/tls_crypto.hpp"
#include "handshake/state.hpp"
#include "hsk/bytes.hpp"
#include "wire/registry.hpp"

namespace hsk::handshake {

// ClientHello / ServerHello of the state's transcript, decoded. Each throws
// hsk::Error(usage) naming what is missing when the transcript lacks it ("the state holds no
// ServerHello: run server-respond / read the server flight first").
wire::ClientHello transcript_client_hello(const State& state);
wire::ServerHello transcript_server_hello(const State& state);

// has_extension: whether an optional extensions block holds `type`.
bool has_extension(const std::optional<std::vector<wire::Extension>>& exts, std::uint16_t type);

// extended_master_secret_negotiated: both the ClientHello and the ServerHello of the
// transcript carry extended_master_secret (0x0017) — RFC 7627 §5.1/§5.2.
bool extended_master_secret_negotiated(const State& state);

// negotiated_suite: the suite of state.cipher_suite. Throws hsk::Error(usage) when the state
// has none or it is not in the registry.
const wire::CipherSuite& negotiated_suite(const State& state);

// DerivedKeys is what derive_keys computed (all also stored in the state).
struct DerivedKeys {
  crypto::PrfKind prf = crypto::PrfKind::tls12_sha256;
  bool extended_master_secret = false;
  Bytes session_hash;  // RFC 7627 session_hash when extended, else empty
  Bytes pre_master_secret;
  Bytes master_secret;
  Bytes key_block;
  crypto::KeyBlock keys;
};

// derive_keys computes master secret and key block from `pre_master_secret` for the state's
// negotiated version and suite. With extended master secret negotiated, the session hash
// covers the transcript as it stands, which must end with ClientKeyExchange (RFC 7627 §3:
// up to and including it; CertificateVerify comes later); else hsk::Error(usage). Stores the
// secrets and values named above in `state` and returns them.
DerivedKeys derive_keys(State& state, ByteView pre_master_secret);

// resume_keys is the key schedule of an abbreviated handshake (RFC 5246 §7.3 Figure 2, §8.1):
// the master secret is the resumed session's (`master_secret`, 48 bytes, from the server's
// session cache or the client's earlier state), the key block comes from it and the new
// handshake's randoms. `extended_master_secret` says whether the resumed session's master
// secret was RFC 7627's (recorded, not recomputed). Stores secrets "master_secret" and
// "key_block" (no "pre_master_secret": none was exchanged) and values
// "extended_master_secret", "prf" and "resumed" = "true". Throws hsk::Error(usage) when the
// state holds no ServerHello facts or the master secret is not 48 bytes.
DerivedKeys resume_keys(State& state, ByteView master_secret, bool extended_master_secret);

// explain_keys describes, for --explain, where each secret came from (PRF, labels, which
// randoms, session hash), one line each, ending in a newline; no secret value is printed.
std::string explain_keys(const DerivedKeys& keys);

// secrets_text prints pre-master secret, master secret and the key block's parts as
// "name: hex" lines (for --show-secrets; the caller decides that secrets may be shown).
std::string secrets_text(const DerivedKeys& keys);

// keylog_line: the NSS key-log line for this state's client random and master secret
// (crypto::nss_keylog_line), with a trailing newline. Throws hsk::Error(usage) when the
// state holds no master secret.
std::string keylog_line(const State& state);

}  // namespace hsk::handshake
