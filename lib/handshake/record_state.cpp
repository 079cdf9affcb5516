// hsk::handshake record_state (contract in record_state.hpp).
#include "handshake/record_state.hpp"

#include <fmt/core.h>

#include <string>

#include "crypto/record_protection.hpp"
#include "crypto/tls_crypto.hpp"
#include "handshake/key_schedule.hpp"
#include "hsk/error.hpp"

namespace hsk::handshake {

namespace {

constexpr std::uint16_t kEncryptThenMac = 0x0016;

std::string seq_key(Role writer) { return std::string(role_name(writer)) + "_write_seq"; }
std::string iv_key(Role writer) { return std::string(role_name(writer)) + "_write_cbc_iv"; }

std::uint16_t version_of(const State& state) {
  if (!state.negotiated_version) {
    throw_usage("the state holds no negotiated version");
  }
  return *state.negotiated_version;
}

// protection rebuilds `writer`'s record protection from the state: sealing when the state is
// the writer's own, opening otherwise.
crypto::RecordProtection protection(const State& state, Role writer) {
  auto block = state.secrets.find("key_block");
  if (block == state.secrets.end()) {
    throw_usage("the state holds no key block: run derive-pms first");
  }
  const wire::CipherSuite& suite = negotiated_suite(state);
  const std::uint16_t version = version_of(state);
  crypto::KeyBlock parts = crypto::split_key_block(suite, version, block->second);
  auto etm = state.values.find("encrypt_then_mac");
  crypto::RecordKeys keys = crypto::record_keys(suite, version, parts, writer == Role::client,
                                                etm != state.values.end() && etm->second == "true");
  crypto::RecordProtection p(keys, writer == state.role
                                       ? crypto::RecordProtection::Direction::seal
                                       : crypto::RecordProtection::Direction::open);
  auto seq = state.values.find(seq_key(writer));
  if (seq != state.values.end()) {
    p.set_seq(std::stoull(seq->second));
  }
  auto iv = state.secrets.find(iv_key(writer));
  if (iv != state.secrets.end()) {
    p.set_cbc_iv(iv->second);
  }
  return p;
}

void store(State& state, Role writer, const crypto::RecordProtection& p) {
  state.values[seq_key(writer)] = std::to_string(p.seq());
  Bytes iv = p.cbc_iv();
  if (!iv.empty()) {
    state.secrets[iv_key(writer)] = iv;
  }
}

Bytes record_bytes(std::uint8_t content_type, std::uint16_t version, ByteView fragment) {
  wire::Record rec;
  rec.content_type = content_type;
  rec.version = version;
  rec.fragment.assign(fragment.begin(), fragment.end());
  return wire::encode_record(rec);
}

}  // namespace

bool encrypt_then_mac_negotiated(const State& state) {
  if (!state.cipher_suite) {
    return false;
  }
  const wire::CipherSuite& suite = negotiated_suite(state);
  return suite.cipher_type == wire::CipherType::block &&
         has_extension(transcript_client_hello(state).extensions, kEncryptThenMac) &&
         has_extension(transcript_server_hello(state).extensions, kEncryptThenMac);
}

void start_protection(State& state, Role writer) {
  crypto::require_record_protection(negotiated_suite(state), version_of(state));
  state.values["encrypt_then_mac"] = encrypt_then_mac_negotiated(state) ? "true" : "false";
  state.values.erase(seq_key(writer));
  state.secrets.erase(iv_key(writer));
  crypto::RecordProtection p = protection(state, writer);  // checks the key block
  store(state, writer, p);
}

bool is_protected(const State& state, Role writer) {
  return state.values.count(seq_key(writer)) != 0;
}

Bytes seal_record(State& state, Role writer, std::uint8_t content_type, ByteView plaintext,
                  crypto::Rng& rng) {
  if (plaintext.size() > crypto::RecordProtection::kMaxPlaintext) {
    throw_usage(fmt::format("a record carries at most 16384 bytes, not {}", plaintext.size()));
  }
  const std::uint16_t version = version_of(state);
  if (!is_protected(state, writer)) {
    return record_bytes(content_type, version, plaintext);
  }
  crypto::RecordProtection p = protection(state, writer);
  Bytes fragment = p.seal(content_type, plaintext, rng);
  store(state, writer, p);
  return record_bytes(content_type, version, fragment);
}

Bytes open_record(State& state, Role writer, const wire::Record& record) {
  if (!is_protected(state, writer)) {
    return record.fragment;
  }
  crypto::RecordProtection p = protection(state, writer);
  Bytes plain;
  try {
    plain = p.open(record.content_type, record.version, record.fragment);
  } catch (const Error& e) {
    throw Error(e.kind(), record.offset, "TLSCiphertext",
                fmt::format("a record from the {}: {}", role_name(writer),
                            e.detail().empty() ? e.what() : e.detail()),
                e.alert());
  }
  store(state, writer, p);
  return plain;
}

Bytes change_cipher_spec_record(const State& state) {
  const Bytes one{1};
  return record_bytes(static_cast<std::uint8_t>(wire::ContentType::change_cipher_spec),
                      version_of(state), one);
}

}  // namespace hsk::handshake
