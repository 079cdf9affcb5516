// hsk::handshake finish_step (contract in finish_step.hpp).
#include "handshake/finish_step.hpp"

#include <fmt/core.h>

#include <optional>
#include <string>
#include <vector>

#include "handshake/finished.hpp"
#include "handshake/record_state.hpp"
#include "wire/reader.hpp"
#include "wire/registry.hpp"
#include "wire/writer.hpp"

namespace hsk::handshake {

namespace {

constexpr auto kChangeCipherSpec = static_cast<std::uint8_t>(wire::ContentType::change_cipher_spec);
constexpr auto kAlert = static_cast<std::uint8_t>(wire::ContentType::alert);
constexpr auto kHandshake = static_cast<std::uint8_t>(wire::ContentType::handshake);

std::string finished_key(Role r) { return std::string(role_name(r)) + "_finished"; }

std::string type_name(std::uint8_t msg_type) {
  std::string_view n = wire::name_of(wire::Registry::handshake_type, msg_type);
  return n.empty() ? fmt::format("handshake type {}", msg_type) : std::string(n);
}

std::string content_name(std::uint8_t ct) {
  std::string_view n = wire::name_of(wire::Registry::content_type, ct);
  return n.empty() ? fmt::format("content type {}", ct) : std::string(n);
}

void mark_complete(State& state) {
  if (state.values.count(finished_key(Role::client)) != 0 &&
      state.values.count(finished_key(Role::server)) != 0) {
    state.values["handshake_complete"] = "true";
  }
}

wire::Alert parse_alert(ByteView plain, std::size_t offset) {
  wire::Reader r(plain, offset);
  wire::Alert a = wire::decode_alert(r);
  if (!r.empty()) {
    throw_malformed(offset, "Alert", "an alert record holds more than one alert");
  }
  return a;
}

[[noreturn]] void throw_peer_alert(const State& state, std::size_t offset, const wire::Alert& a,
                                   const std::string& instead_of) {
  throw PeerAlertError(
      offset, a,
      fmt::format("the {} sent a {} alert {} instead of {}", role_name(peer_of(state.role)),
                  a.level == 1 ? "warning" : "fatal", alert_name(a.description), instead_of));
}

// FinishedCollector opens the peer's protected records one by one until its Finished is whole.
class FinishedCollector {
 public:
  explicit FinishedCollector(State& state) : state_(state), peer_(peer_of(state.role)) {}

  // add opens one record; returns true once the Finished is complete.
  bool add(const wire::Record& rec) {
    Bytes plain = open_record(state_, peer_, rec);
    if (rec.content_type == kAlert) {
      throw_peer_alert(state_, rec.offset, parse_alert(plain, rec.offset),
                       fmt::format("its Finished"));
    }
    if (rec.content_type != kHandshake) {
      throw Error(ErrorKind::malformed, rec.offset, "record",
                  fmt::format("the {} sent a {} record where its Finished was due",
                              role_name(peer_), content_name(rec.content_type)),
                  Error::kAlertUnexpectedMessage);
    }
    wire::Record p = rec;
    p.fragment = std::move(plain);
    as_.add(p);
    for (auto& m : as_.take()) {
      got_.push_back(std::move(m));
    }
    if (got_.empty()) {
      return false;
    }
    if (got_.size() > 1 || as_.pending()) {
      throw Error(ErrorKind::malformed, rec.offset, "Finished",
                  fmt::format("the {}'s Finished record carries more handshake data after it",
                              role_name(peer_)),
                  Error::kAlertUnexpectedMessage);
    }
    return true;
  }

  // check checks the Finished against the transcript and adds it.
  void check() {
    const wire::HandshakeMessage& m = got_.front();
    Bytes bytes = wire::encode_handshake(m);
    try {
      check_finished(state_, peer_, bytes);
    } catch (Error& e) {
      throw Error(e.kind(), m.offset, "Finished", e.detail().empty() ? e.what() : e.detail(),
                  e.alert());
    }
    add_message(state_, peer_, bytes);
    state_.values[finished_key(peer_)] = "verified";
    mark_complete(state_);
  }

 private:
  State& state_;
  Role peer_;
  wire::HandshakeAssembler as_;
  std::vector<wire::HandshakeMessage> got_;
};

void check_ccs(const State& state, const wire::Record& ccs) {
  if (ccs.content_type != kChangeCipherSpec) {
    throw Error(ErrorKind::malformed, ccs.offset, "record",
                fmt::format("the {} sent a {} record where its ChangeCipherSpec was due",
                            role_name(peer_of(state.role)), content_name(ccs.content_type)),
                Error::kAlertUnexpectedMessage);
  }
  if (ccs.fragment.size() != 1 || ccs.fragment[0] != 1) {
    throw Error(ErrorKind::malformed, ccs.offset, "ChangeCipherSpec",
                fmt::format("the record holds {} instead of the single byte 01",
                            ccs.fragment.empty() ? std::string("nothing") : to_hex(ccs.fragment)),
                Error::kAlertUnexpectedMessage);
  }
}

}  // namespace

PeerAlertError::PeerAlertError(std::size_t offset, const wire::Alert& alert,
                               const std::string& what)
    : Error(ErrorKind::check_failed, offset, "Alert", what, alert.description), received_(alert) {}

std::string alert_name(std::uint8_t description) {
  std::string_view n = wire::name_of(wire::Registry::alert_description, description);
  return n.empty() ? std::to_string(description) : std::string(n);
}

Bytes send_finished(State& state, crypto::Rng& rng) {
  State work = state;
  const Role me = work.role;
  Bytes out = change_cipher_spec_record(work);
  start_protection(work, me);
  Bytes fin = build_finished(work, me);
  Bytes rec = seal_record(work, me, kHandshake, fin, rng);
  add_message(work, me, fin);
  work.values[finished_key(me)] = "sent";
  mark_complete(work);
  out.insert(out.end(), rec.begin(), rec.end());
  state = std::move(work);
  return out;
}

void receive_finished(State& state, const wire::Record& ccs,
                      const std::vector<wire::Record>& finished) {
  State work = state;
  check_ccs(work, ccs);
  start_protection(work, peer_of(work.role));
  FinishedCollector c(work);
  bool done = false;
  for (const auto& rec : finished) {
    if (done) {
      throw Error(ErrorKind::malformed, rec.offset, "record",
                  "a record follows the Finished in the same flight",
                  Error::kAlertUnexpectedMessage);
    }
    done = c.add(rec);
  }
  if (!done) {
    throw Error(ErrorKind::malformed,
                fmt::format("the {}'s Finished is missing or incomplete after its "
                            "ChangeCipherSpec",
                            role_name(peer_of(work.role))),
                Error::kAlertDecodeError);
  }
  c.check();
  state = std::move(work);
}

void read_finished(State& state, io::Stream& in) {
  const Role peer = peer_of(state.role);
  try {
    io::Flight f = io::read_flight(in, wire::HandshakeType::finished);
    if (f.complete) {
      throw Error(
          ErrorKind::malformed, f.messages.back().offset, "Finished",
          fmt::format("the {} sent its Finished without ChangeCipherSpec first", role_name(peer)),
          Error::kAlertUnexpectedMessage);
    }
    if (!f.messages.empty()) {
      const auto& m = f.messages.front();
      std::string why;
      if (m.msg_type == static_cast<std::uint8_t>(wire::HandshakeType::new_session_ticket)) {
        why = "; hsk did not offer session tickets";
      }
      throw Error(ErrorKind::malformed, m.offset, type_name(m.msg_type),
                  fmt::format("the {} sent {} where its ChangeCipherSpec was due{}",
                              role_name(peer), type_name(m.msg_type), why),
                  Error::kAlertUnexpectedMessage);
    }
    const wire::Record& last = f.records.back();
    if (f.stopped_by == kAlert) {
      throw_peer_alert(state, last.offset, f.alerts.back(), "its ChangeCipherSpec");
    }
    read_finished_after(state, last, in);
  } catch (Error& e) {
    if (e.kind() != ErrorKind::usage) {
      e.with_input(in.name());
    }
    throw;
  }
}

void read_finished_after(State& state, const wire::Record& ccs, io::Stream& in) {
  const Role peer = peer_of(state.role);
  try {
    check_ccs(state, ccs);
    State work = state;
    start_protection(work, peer);
    FinishedCollector c(work);
    for (;;) {
      std::optional<wire::Record> rec = in.read_record();
      if (!rec) {
        throw Error(ErrorKind::malformed, in.offset(), "Finished",
                    fmt::format("end of stream after the {}'s ChangeCipherSpec, before its "
                                "Finished",
                                role_name(peer)),
                    Error::kAlertDecodeError);
      }
      if (c.add(*rec)) {
        break;
      }
    }
    c.check();
    state = std::move(work);
  } catch (Error& e) {
    if (e.kind() != ErrorKind::usage) {
      e.with_input(in.name());
    }
    throw;
  }
}

Bytes alert_record(State& state, const wire::Alert& alert, crypto::Rng& rng) {
  wire::Writer w;
  wire::encode_alert(w, alert);
  Bytes body = w.take();
  return seal_record(state, state.role, kAlert, body, rng);
}

Bytes fatal_alert_record(State& state, std::uint8_t description, crypto::Rng& rng) {
  wire::Alert a;
  a.level = 2;
  a.description = description;
  return alert_record(state, a, rng);
}

}  // namespace hsk::handshake
