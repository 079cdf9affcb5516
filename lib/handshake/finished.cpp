// hsk::handshake finished (contract in finished.hpp).
#include "handshake/finished.hpp"

#include <fmt/core.h>

#include "crypto/crypto.hpp"
#include "crypto/tls_crypto.hpp"
#include "handshake/key_schedule.hpp"
#include "hsk/error.hpp"
#include "wire/record.hpp"

namespace hsk::handshake {

Bytes expected_verify_data(const State& state, Role sender) {
  auto it = state.secrets.find("master_secret");
  if (it == state.secrets.end()) {
    throw_usage("the state holds no master secret: run derive-pms first");
  }
  if (!state.negotiated_version) {
    throw_usage("the state holds no negotiated version");
  }
  const crypto::PrfKind prf = crypto::prf_kind(*state.negotiated_version, negotiated_suite(state));
  return crypto::verify_data(prf, it->second, sender == Role::client,
                             crypto::transcript_hash(prf, transcript_bytes(state)));
}

Bytes build_finished(const State& state, Role sender) {
  Bytes vd = expected_verify_data(state, sender);
  wire::HandshakeMessage m;
  m.msg_type = static_cast<std::uint8_t>(wire::HandshakeType::finished);
  m.body = std::move(vd);
  return wire::encode_handshake(m);
}

void check_finished(const State& state, Role sender, ByteView message) {
  const char* who = sender == Role::client ? "client" : "server";
  if (message.empty() || message[0] != static_cast<std::uint8_t>(wire::HandshakeType::finished)) {
    throw Error(ErrorKind::malformed,
                fmt::format("expected the {}'s Finished, got another message", who),
                Error::kAlertUnexpectedMessage);
  }
  Bytes expected = expected_verify_data(state, sender);
  if (message.size() != 4 + expected.size() || message[1] != 0 || message[2] != 0 ||
      message[3] != expected.size()) {
    throw Error(ErrorKind::malformed,
                fmt::format("the {}'s Finished is {} bytes; verify_data must be {}", who,
                            message.size() < 4 ? 0 : message.size() - 4, expected.size()),
                Error::kAlertDecodeError);
  }
  if (!crypto::ct_equal(message.subspan(4), expected)) {
    throw Error(ErrorKind::check_failed,
                fmt::format("the {}'s Finished does not match: its verify_data is not "
                            "PRF(master_secret, \"{} finished\", transcript hash) — the two "
                            "sides disagree on the keys or the handshake messages",
                            who, who),
                Error::kAlertDecryptError);
  }
}

}  // namespace hsk::handshake
