#include "hsk/error.hpp"

#include <string_view>

#include "wire/registry.hpp"

namespace hsk {

ExitCode exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::check_failed:
      return ExitCode::check_failed;
    case ErrorKind::usage:
      return ExitCode::usage;
    case ErrorKind::malformed:
      return ExitCode::malformed;
    case ErrorKind::io:
      return ExitCode::io;
    case ErrorKind::internal:
      return ExitCode::internal;
  }
  return ExitCode::internal;
}

Error::Error(ErrorKind kind, std::string what, std::uint8_t alert)
    : std::runtime_error(what), kind_(kind), alert_(alert), detail_(std::move(what)) {}

Error::Error(ErrorKind kind, std::size_t offset, std::string context, std::string what,
             std::uint8_t alert)
    : std::runtime_error(what),
      kind_(kind),
      alert_(alert),
      offset_(offset),
      context_(std::move(context)),
      detail_(std::move(what)) {}

Error& Error::with_input(std::string input) {
  if (input_.empty()) {
    input_ = std::move(input);
  }
  return *this;
}

std::string Error::message() const {
  std::string out;
  if (!input_.empty()) {
    out += input_ + ": ";
  }
  if (offset_) {
    out += "offset " + std::to_string(*offset_) + ": ";
  }
  if (!context_.empty()) {
    out += context_ + ": ";
  }
  out += detail_;
  if (kind_ == ErrorKind::malformed || kind_ == ErrorKind::check_failed) {
    std::string_view name = wire::name_of(wire::Registry::alert_description, alert_);
    out += " (alert ";
    out += name.empty() ? std::to_string(alert_) : std::string(name);
    out += ")";
  }
  return out;
}

void throw_malformed(std::size_t offset, std::string context, std::string what,
                     std::uint8_t alert) {
  throw Error(ErrorKind::malformed, offset, std::move(context), std::move(what), alert);
}

void throw_usage(std::string what) { throw Error(ErrorKind::usage, std::move(what)); }

void throw_io(std::string what) { throw Error(ErrorKind::io, std::move(what)); }

}  // namespace hsk
