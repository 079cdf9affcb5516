// hsk::handshake key_schedule (contract in key_schedule.hpp).
#include "handshake/key_schedule.hpp"

#include <fmt/core.h>

#include "hsk/error.hpp"
#include "wire/reader.hpp"

namespace hsk::handshake {

namespace {

constexpr std::uint16_t kExtendedMasterSecret = 0x0017;

const TranscriptMessage& require_message(const State& state, Role from, wire::HandshakeType type,
                                         const char* what) {
  const TranscriptMessage* m = find_message(state, from, type);
  if (m == nullptr) {
    throw_usage(std::string("the state holds no ") + what);
  }
  return *m;
}

}  // namespace

wire::ClientHello transcript_client_hello(const State& state) {
  const TranscriptMessage& m =
      require_message(state, Role::client, wire::HandshakeType::client_hello, "ClientHello");
  wire::Reader r(ByteView(m.bytes).subspan(4));
  return wire::decode_client_hello(r);
}

wire::ServerHello transcript_server_hello(const State& state) {
  const TranscriptMessage& m = require_message(state, Role::server,
                                               wire::HandshakeType::server_hello,
                                               "ServerHello (read the server flight first)");
  wire::Reader r(ByteView(m.bytes).subspan(4));
  return wire::decode_server_hello(r);
}

bool has_extension(const std::optional<std::vector<wire::Extension>>& exts, std::uint16_t type) {
  if (!exts) {
    return false;
  }
  for (const auto& e : *exts) {
    if (e.type == type) {
      return true;
    }
  }
  return false;
}

bool extended_master_secret_negotiated(const State& state) {
  return has_extension(transcript_client_hello(state).extensions, kExtendedMasterSecret) &&
         has_extension(transcript_server_hello(state).extensions, kExtendedMasterSecret);
}

const wire::CipherSuite& negotiated_suite(const State& state) {
  if (!state.cipher_suite) {
    throw_usage("the state holds no negotiated cipher suite (no ServerHello yet)");
  }
  const wire::CipherSuite* suite = wire::find_cipher_suite(*state.cipher_suite);
  if (suite == nullptr) {
    throw_usage(fmt::format("cipher suite 0x{:04x} is not one hsk knows", *state.cipher_suite));
  }
  return *suite;
}

DerivedKeys derive_keys(State& state, ByteView pre_master_secret) {
  if (!state.negotiated_version || !state.server_random) {
    throw_usage("the state holds no ServerHello: the key schedule needs both randoms");
  }
  const wire::CipherSuite& suite = negotiated_suite(state);
  const std::uint16_t version = *state.negotiated_version;
  DerivedKeys k;
  k.prf = crypto::prf_kind(version, suite);
  k.extended_master_secret = extended_master_secret_negotiated(state);
  k.pre_master_secret.assign(pre_master_secret.begin(), pre_master_secret.end());
  if (k.extended_master_secret) {
    if (state.transcript.empty() ||
        state.transcript.back().msg_type() !=
            static_cast<std::uint8_t>(wire::HandshakeType::client_key_exchange)) {
      throw_usage(
          "extended master secret: the transcript must end with ClientKeyExchange when the "
          "keys are derived (RFC 7627 §3)");
    }
    k.session_hash = crypto::transcript_hash(k.prf, transcript_bytes(state));
    k.master_secret = crypto::extended_master_secret(k.prf, pre_master_secret, k.session_hash);
  } else {
    k.master_secret =
        crypto::master_secret(k.prf, pre_master_secret, state.client_random, *state.server_random);
  }
  k.key_block = crypto::key_block(k.prf, k.master_secret, *state.server_random,
                                  state.client_random, crypto::key_block_length(suite, version));
  k.keys = crypto::split_key_block(suite, version, k.key_block);
  state.secrets["pre_master_secret"] = k.pre_master_secret;
  state.secrets["master_secret"] = k.master_secret;
  state.secrets["key_block"] = k.key_block;
  state.values["extended_master_secret"] = k.extended_master_secret ? "true" : "false";
  state.values["prf"] = std::string(crypto::prf_kind_name(k.prf));
  return k;
}

DerivedKeys resume_keys(State& state, ByteView master_secret, bool extended_master_secret) {
  if (!state.negotiated_version || !state.server_random) {
    throw_usage("the state holds no ServerHello: the key schedule needs both randoms");
  }
  if (master_secret.size() != 48) {
    throw_usage(fmt::format("the resumed session's master secret is {} bytes, not 48",
                            master_secret.size()));
  }
  const wire::CipherSuite& suite = negotiated_suite(state);
  const std::uint16_t version = *state.negotiated_version;
  DerivedKeys k;
  k.prf = crypto::prf_kind(version, suite);
  k.extended_master_secret = extended_master_secret;
  k.master_secret.assign(master_secret.begin(), master_secret.end());
  k.key_block = crypto::key_block(k.prf, k.master_secret, *state.server_random, state.client_random,
                                  crypto::key_block_length(suite, version));
  k.keys = crypto::split_key_block(suite, version, k.key_block);
  state.secrets.erase("pre_master_secret");
  state.secrets["master_secret"] = k.master_secret;
  state.secrets["key_block"] = k.key_block;
  state.values["extended_master_secret"] = k.extended_master_secret ? "true" : "false";
  state.values["prf"] = std::string(crypto::prf_kind_name(k.prf));
  state.values["resumed"] = "true";
  return k;
}

std::string explain_keys(const DerivedKeys& k) {
  std::string out;
  if (k.pre_master_secret.empty()) {
    out += fmt::format(
        "  master secret: the resumed session's ({}), no pre-master secret in an abbreviated "
        "handshake (RFC 5246 §7.3)\n",
        k.extended_master_secret ? "an RFC 7627 extended master secret"
                                 : "a classic master secret");
    out += fmt::format(
        "  key block = PRF(master_secret, \"key expansion\", server_random + client_random)"
        "[0..{}] with the NEW randoms: new keys for this connection\n",
        k.key_block.size() - 1);
    return out;
  }
  out += fmt::format("  pre-master secret: {} bytes\n", k.pre_master_secret.size());
  if (k.extended_master_secret) {
    out += fmt::format(
        "  master secret = {}(pre_master_secret, \"extended master secret\", session_hash)"
        "[0..47]\n    session_hash = {} of every handshake message up to and including "
        "ClientKeyExchange (RFC 7627: both hellos carried extended_master_secret)\n",
        crypto::prf_kind_name(k.prf), crypto::hash_name(crypto::transcript_hash_alg(k.prf)));
  } else {
    out += fmt::format(
        "  master secret = {}(pre_master_secret, \"master secret\", client_random + "
        "server_random)[0..47] (no extended master secret: not in both hellos)\n",
        crypto::prf_kind_name(k.prf));
  }
  out += fmt::format(
      "  key block = PRF(master_secret, \"key expansion\", server_random + client_random)"
      "[0..{}]: client/server MAC keys {} bytes, write keys {} bytes, IVs {} bytes\n",
      k.key_block.size() - 1, k.keys.client_write_mac_key.size(), k.keys.client_write_key.size(),
      k.keys.client_write_iv.size());
  return out;
}

std::string secrets_text(const DerivedKeys& k) {
  std::string out;
  auto line = [&out](std::string_view name, ByteView value) {
    out += fmt::format("{}: {}\n", name, value.empty() ? "(none)" : to_hex(value));
  };
  if (!k.pre_master_secret.empty()) {
    line("pre_master_secret", k.pre_master_secret);
  }
  line("master_secret", k.master_secret);
  if (k.extended_master_secret) {
    line("session_hash", k.session_hash);
  }
  line("client_write_mac_key", k.keys.client_write_mac_key);
  line("server_write_mac_key", k.keys.server_write_mac_key);
  line("client_write_key", k.keys.client_write_key);
  line("server_write_key", k.keys.server_write_key);
  line("client_write_iv", k.keys.client_write_iv);
  line("server_write_iv", k.keys.server_write_iv);
  return out;
}

std::string keylog_line(const State& state) {
  auto it = state.secrets.find("master_secret");
  if (it == state.secrets.end()) {
    throw_usage("the state holds no master secret yet");
  }
  return crypto::nss_keylog_line(state.client_random, it->second) + "\n";
}

}  // namespace hsk::handshake
