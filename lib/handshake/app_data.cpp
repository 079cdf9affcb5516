// hsk::handshake app_data (contract in app_data.hpp).
#include "handshake/app_data.hpp"

#include <fmt/core.h>

#include <algorithm>

#include "handshake/record_state.hpp"
#include "hsk/error.hpp"
#include "wire/reader.hpp"
#include "wire/registry.hpp"

namespace hsk::handshake {

namespace {

constexpr auto kChangeCipherSpec = static_cast<std::uint8_t>(wire::ContentType::change_cipher_spec);
constexpr auto kAlert = static_cast<std::uint8_t>(wire::ContentType::alert);
constexpr auto kHandshake = static_cast<std::uint8_t>(wire::ContentType::handshake);
constexpr auto kApplicationData = static_cast<std::uint8_t>(wire::ContentType::application_data);

}  // namespace

void require_handshake_complete(const State& state, const std::string& path) {
  auto it = state.values.find("handshake_complete");
  if (it == state.values.end() || it->second != "true") {
    throw_usage(fmt::format(
        "{}: the handshake is not complete ({}): application data waits for "
        "both Finished",
        path,
        state.role == Role::client ? "run hsk derive-pms and hsk finish first"
                                   : "run hsk derive-pms first, without --no-finished"));
  }
}

Bytes seal_application_data(State& state, ByteView plaintext, crypto::Rng& rng) {
  State work = state;
  Bytes out;
  for (std::size_t at = 0; at < plaintext.size(); at += wire::kMaxPlaintext) {
    std::size_t n = std::min(wire::kMaxPlaintext, plaintext.size() - at);
    Bytes rec = seal_record(work, work.role, kApplicationData, plaintext.subspan(at, n), rng);
    out.insert(out.end(), rec.begin(), rec.end());
  }
  state = std::move(work);
  return out;
}

Incoming open_incoming(State& state, const wire::Record& record) {
  const Role peer = peer_of(state.role);
  State work = state;
  Bytes plain = open_record(work, peer, record);
  Incoming in;
  switch (record.content_type) {
    case kApplicationData:
      in.kind = Incoming::Kind::data;
      in.data = std::move(plain);
      break;
    case kAlert: {
      wire::Reader r(plain, record.offset + wire::kRecordHeaderSize, "Alert");
      if (plain.size() != 2) {
        throw_malformed(record.offset, "Alert",
                        fmt::format("an alert record holds {} bytes, not 2", plain.size()));
      }
      in.kind = Incoming::Kind::alert;
      in.alert = wire::decode_alert(r);
      break;
    }
    case kHandshake:
      if (plain.size() == 4 && plain[0] == 0 && plain[1] == 0 && plain[2] == 0 && plain[3] == 0) {
        in.kind = Incoming::Kind::ignored;
        in.note =
            fmt::format("the {} sent HelloRequest (asks to renegotiate); ignored", role_name(peer));
        break;
      }
      throw Error(ErrorKind::malformed, record.offset, "Handshake",
                  fmt::format("the {} sent a handshake message (type {}) after the handshake; "
                              "hsk does not renegotiate",
                              role_name(peer), plain.empty() ? -1 : int{plain[0]}),
                  Error::kAlertUnexpectedMessage);
    case kChangeCipherSpec:
      throw Error(ErrorKind::malformed, record.offset, "ChangeCipherSpec",
                  fmt::format("the {} sent ChangeCipherSpec after the handshake", role_name(peer)),
                  Error::kAlertUnexpectedMessage);
    default: {
      std::string_view n = wire::name_of(wire::Registry::content_type, record.content_type);
      throw Error(ErrorKind::malformed, record.offset, "record",
                  fmt::format("the {} sent a {} record, which hsk does not take after the "
                              "handshake",
                              role_name(peer),
                              n.empty() ? std::to_string(record.content_type) : std::string(n)),
                  Error::kAlertUnexpectedMessage);
    }
  }
  state = std::move(work);
  return in;
}

}  // namespace hsk::handshake
