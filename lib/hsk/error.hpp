// hsk — the typed error every library function throws, and the exit-code contract.
//
// Nothing in lib/ prints or exits: it throws hsk::Error, and cmd/ turns it into one line on
// stderr and an exit code (see man/hsk.1, EXIT STATUS).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace hsk {

// ExitCode is the stable contract users script against.
enum class ExitCode : int {
  ok = 0,
  check_failed = 1,  // a check ran and said no: bad signature, invalid chain, refused handshake
  usage = 2,         // bad command line
  malformed = 3,     // input that does not parse
  io = 4,            // a file, pipe or socket failed
  internal = 5,      // a bug in hsk
};

enum class ErrorKind { check_failed, usage, malformed, io, internal };

ExitCode exit_code_for(ErrorKind kind);

// Error carries what cmd/ needs to print one line: the input (filled in by whoever knows it),
// the absolute byte offset, the structure and field being read, what was wrong, and the TLS
// alert description (RFC 5246 §7.2) that a peer would send for it.
class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string what, std::uint8_t alert = kAlertInternalError);
  Error(ErrorKind kind, std::size_t offset, std::string context, std::string what,
        std::uint8_t alert);

  // Alert descriptions (RFC 5246 §7.2) that library code throws with.
  static constexpr std::uint8_t kAlertCloseNotify = 0;
  static constexpr std::uint8_t kAlertUnexpectedMessage = 10;
  static constexpr std::uint8_t kAlertBadRecordMac = 20;
  static constexpr std::uint8_t kAlertRecordOverflow = 22;
  static constexpr std::uint8_t kAlertHandshakeFailure = 40;
  static constexpr std::uint8_t kAlertBadCertificate = 42;
  static constexpr std::uint8_t kAlertUnsupportedCertificate = 43;
  static constexpr std::uint8_t kAlertCertificateExpired = 45;
  static constexpr std::uint8_t kAlertCertificateUnknown = 46;
  static constexpr std::uint8_t kAlertIllegalParameter = 47;
  static constexpr std::uint8_t kAlertUnknownCa = 48;
  static constexpr std::uint8_t kAlertDecodeError = 50;
  static constexpr std::uint8_t kAlertDecryptError = 51;
  static constexpr std::uint8_t kAlertProtocolVersion = 70;
  static constexpr std::uint8_t kAlertInsufficientSecurity = 71;
  static constexpr std::uint8_t kAlertInternalError = 80;
  static constexpr std::uint8_t kAlertUnsupportedExtension = 110;
  static constexpr std::uint8_t kAlertNoApplicationProtocol = 120;  // RFC 7301 §3.2

  ErrorKind kind() const { return kind_; }
  std::uint8_t alert() const { return alert_; }
  const std::optional<std::size_t>& offset() const { return offset_; }
  const std::string& context() const { return context_; }
  const std::string& input() const { return input_; }
  const std::string& detail() const { return detail_; }

  // with_input names the file or stream the error came from (first one set wins).
  Error& with_input(std::string input);

  // message formats the one-line diagnostic without the "hsk: " prefix, e.g.
  // "2-server.tls: offset 118: ServerKeyExchange: dh_p: empty (alert decode_error)".
  std::string message() const;

 private:
  ErrorKind kind_;
  std::uint8_t alert_;
  std::optional<std::size_t> offset_;
  std::string context_;
  std::string detail_;
  std::string input_;
};

// Shorthands for the common cases.
[[noreturn]] void throw_malformed(std::size_t offset, std::string context, std::string what,
                                  std::uint8_t alert = Error::kAlertDecodeError);
[[noreturn]] void throw_usage(std::string what);
[[noreturn]] void throw_io(std::string what);

}  // namespace hsk
