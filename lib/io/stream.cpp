// hsk::io streams: exact-length reads on descriptors, flights of records, whole writes.
#include "io/stream.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

#include "hsk/error.hpp"
#include "io/file.hpp"
#include "wire/reader.hpp"

namespace hsk::io {

namespace {

constexpr std::uint8_t kAlertLevelFatal = 2;

std::string errno_text(int err) { return std::strerror(err); }

// wait_for blocks until `fd` is ready for `events` (a non-blocking descriptor said EAGAIN).
void wait_for(int fd, short events, const std::string& name) {
  pollfd p{fd, events, 0};
  for (;;) {
    int n = ::poll(&p, 1, -1);
    if (n >= 0) {
      return;
    }
    if (errno != EINTR) {
      throw Error(ErrorKind::io, name + ": poll failed: " + errno_text(errno));
    }
  }
}

bool is_hex_char(std::uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::string type_name(wire::HandshakeType t) {
  std::string_view n = wire::message_name(static_cast<std::uint8_t>(t));
  return n.empty() ? "handshake message " + std::to_string(static_cast<unsigned>(t))
                   : std::string(n);
}

// fd_from_path maps "-", /dev/stdout, /dev/stderr and /dev/fd/N to a descriptor number.
std::optional<int> fd_from_path(const std::string& path) {
  if (path == "-" || path == "/dev/stdout") {
    return 1;
  }
  if (path == "/dev/stderr") {
    return 2;
  }
  constexpr std::string_view kFdDir = "/dev/fd/";
  if (path.size() > kFdDir.size() && path.compare(0, kFdDir.size(), kFdDir) == 0) {
    int fd = 0;
    for (std::size_t i = kFdDir.size(); i < path.size(); ++i) {
      char c = path[i];
      if (c < '0' || c > '9' || fd > 100000) {
        return std::nullopt;
      }
      fd = fd * 10 + (c - '0');
    }
    return fd;
  }
  return std::nullopt;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Stream

Stream::Stream(int fd, std::string name, bool owns_fd)
    : fd_(fd), name_(std::move(name)), owns_(owns_fd) {}

Stream Stream::open_input(const std::string& path) {
  if (path == "-") {
    return Stream(0, "standard input");
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw Error(ErrorKind::io, path + ": cannot open: " + errno_text(errno));
  }
  return Stream(fd, path, true);
}

Stream::Stream(Stream&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      name_(std::move(other.name_)),
      owns_(std::exchange(other.owns_, false)),
      offset_(other.offset_) {}

Stream& Stream::operator=(Stream&& other) noexcept {
  if (this != &other) {
    if (owns_ && fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = std::exchange(other.fd_, -1);
    name_ = std::move(other.name_);
    owns_ = std::exchange(other.owns_, false);
    offset_ = other.offset_;
  }
  return *this;
}

Stream::~Stream() {
  if (owns_ && fd_ >= 0) {
    ::close(fd_);
  }
}

void Stream::wait_readable() const {
  pollfd p{};
  p.fd = fd_;
  p.events = POLLIN;
  while (::poll(&p, 1, -1) < 0) {
    if (errno != EINTR) {
      throw Error(ErrorKind::io, name_ + ": poll: " + std::strerror(errno));
    }
  }
}

std::size_t Stream::read_up_to(std::uint8_t* out, std::size_t n) {
  std::size_t got = 0;
  while (got < n) {
    ssize_t r = ::read(fd_, out + got, n - got);
    if (r > 0) {
      got += static_cast<std::size_t>(r);
      offset_ += static_cast<std::size_t>(r);
      continue;
    }
    if (r == 0) {
      break;  // end of stream
    }
    int err = errno;
    if (err == EINTR) {
      continue;
    }
    if (err == EAGAIN || err == EWOULDBLOCK) {
      wait_for(fd_, POLLIN, name_);
      continue;
    }
    throw Error(ErrorKind::io, name_ + ": read failed at offset " + std::to_string(offset_) + ": " +
                                   errno_text(err));
  }
  return got;
}

Bytes Stream::read_exact(std::size_t n, const std::string& context, const std::string& field) {
  Bytes out(n);
  std::size_t got = read_up_to(out.data(), n);
  if (got < n) {
    throw Error(ErrorKind::malformed, offset_, context,
                field + ": end of stream after " + std::to_string(got) + " of " +
                    std::to_string(n) + " bytes",
                Error::kAlertDecodeError)
        .with_input(name_);
  }
  return out;
}

std::optional<wire::Record> Stream::read_record(std::size_t max_fragment) {
  const std::size_t start = offset_;
  std::uint8_t header[wire::kRecordHeaderSize];
  std::size_t got = read_up_to(header, 1);
  if (got == 0) {
    return std::nullopt;
  }
  got += read_up_to(header + 1, wire::kRecordHeaderSize - 1);
  auto fail = [&](std::size_t at, const std::string& what, std::uint8_t alert) {
    throw Error(ErrorKind::malformed, at, "TLSPlaintext", what, alert).with_input(name_);
  };
  if (got < wire::kRecordHeaderSize) {
    fail(offset_, "end of stream inside a record header (" + std::to_string(got) + " of 5 bytes)",
         Error::kAlertDecodeError);
  }
  // The header is checked before the fragment is read, so a peer that is not speaking TLS
  // (an HTTP reply, hex text) is reported at once instead of being waited on.
  const std::uint8_t type = header[0];
  if (type < static_cast<std::uint8_t>(wire::ContentType::change_cipher_spec) ||
      type > static_cast<std::uint8_t>(wire::ContentType::heartbeat)) {
    bool hex = true;
    for (std::uint8_t c : header) {
      hex = hex && is_hex_char(c);
    }
    fail(start,
         "type: unknown content type " + std::to_string(type) +
             (hex ? " (this looks like hex text; a stream must carry binary records)" : ""),
         Error::kAlertUnexpectedMessage);
  }
  if (header[1] != 3) {
    fail(start + 1, "version: major version " + std::to_string(header[1]) + " is not 3",
         Error::kAlertDecodeError);
  }
  const std::size_t length = std::size_t{header[3]} << 8 | header[4];
  if (length > max_fragment) {
    fail(start + 3,
         "length: fragment length " + std::to_string(length) + " exceeds " +
             std::to_string(max_fragment),
         Error::kAlertRecordOverflow);
  }
  Bytes raw(wire::kRecordHeaderSize + length);
  std::memcpy(raw.data(), header, wire::kRecordHeaderSize);
  std::size_t frag = read_up_to(raw.data() + wire::kRecordHeaderSize, length);
  if (frag < length) {
    fail(offset_,
         "fragment: end of stream inside a record (" + std::to_string(frag) + " of " +
             std::to_string(length) + " fragment bytes)",
         Error::kAlertDecodeError);
  }
  try {
    wire::Reader r(raw, start);
    return wire::decode_record(r, max_fragment);
  } catch (Error& e) {
    e.with_input(name_);
    throw;
  }
}

void Stream::write_all(ByteView data) { write_all_fd(fd_, data, name_); }

// ---------------------------------------------------------------------------------------
// Flights

Flight read_flight(Stream& in, wire::HandshakeType last, const FlightLimits& limits) {
  const auto last_code = static_cast<std::uint8_t>(last);
  Flight f;
  wire::HandshakeAssembler assembler;
  try {
    for (;;) {
      if (f.records.size() >= limits.max_records) {
        throw_malformed(in.offset(), "flight",
                        "more than " + std::to_string(limits.max_records) + " records before " +
                            type_name(last),
                        Error::kAlertUnexpectedMessage);
      }
      std::optional<wire::Record> rec = in.read_record();
      if (!rec) {
        std::string what = "end of stream before " + type_name(last) +
                           " (flight incomplete after " + std::to_string(f.records.size()) +
                           " records";
        if (assembler.pending()) {
          what += ", inside a handshake message";
        }
        throw_malformed(in.offset(), "flight", what + ")", Error::kAlertDecodeError);
      }
      Bytes raw = wire::encode_record(*rec);
      if (f.raw.size() + raw.size() > limits.max_bytes) {
        throw_malformed(rec->offset, "flight",
                        "flight exceeds " + std::to_string(limits.max_bytes) + " bytes before " +
                            type_name(last),
                        Error::kAlertRecordOverflow);
      }
      f.raw.insert(f.raw.end(), raw.begin(), raw.end());
      f.records.push_back(*rec);
      const auto type = static_cast<wire::ContentType>(rec->content_type);

      if (type == wire::ContentType::handshake) {
        assembler.add(*rec);
        for (auto& m : assembler.take()) {
          f.complete = f.complete || m.msg_type == last_code;
          f.messages.push_back(std::move(m));
        }
        if (f.complete) {
          if (assembler.pending()) {
            throw_malformed(rec->offset, "flight",
                            "the record that completes " + type_name(last) +
                                " also starts another handshake message",
                            Error::kAlertUnexpectedMessage);
          }
          return f;
        }
        continue;
      }

      if (type == wire::ContentType::alert) {
        wire::Reader r(rec->fragment, rec->offset + wire::kRecordHeaderSize, "Alert");
        if (r.empty()) {
          r.fail("alert", "empty alert record");
        }
        bool stop = false;
        while (!r.empty()) {
          wire::Alert a = wire::decode_alert(r);
          stop = stop || a.level == kAlertLevelFatal || a.description == Error::kAlertCloseNotify;
          f.alerts.push_back(a);
        }
        if (stop) {
          f.stopped_by = rec->content_type;
          return f;
        }
        continue;  // a warning alert: the flight goes on (RFC 5246 §6.2.1 allows interleaving)
      }

      // change_cipher_spec, application_data, heartbeat: the flight ends here; the caller
      // decides what that means (an abbreviated handshake, a confused peer, ...).
      if (assembler.pending()) {
        throw_malformed(rec->offset, "flight",
                        "record of content type " + std::to_string(rec->content_type) +
                            " in the middle of a handshake message",
                        Error::kAlertUnexpectedMessage);
      }
      f.stopped_by = rec->content_type;
      return f;
    }
  } catch (Error& e) {
    e.with_input(in.name());
    throw;
  }
}

// ---------------------------------------------------------------------------------------
// Writing

void write_all_fd(int fd, ByteView data, const std::string& name) {
  struct stat st {};
  bool socket = ::fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
  std::size_t done = 0;
  while (done < data.size()) {
    // send(MSG_NOSIGNAL) on sockets: a peer that has gone away is an error we report, not a
    // SIGPIPE that kills the process silently.
    ssize_t n = socket ? ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL)
                       : ::write(fd, data.data() + done, data.size() - done);
    if (n >= 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    int err = errno;
    if (err == EINTR) {
      continue;
    }
    if (err == EAGAIN || err == EWOULDBLOCK) {
      wait_for(fd, POLLOUT, name);
      continue;
    }
    if (err == ENOTSOCK && socket) {
      socket = false;
      continue;
    }
    throw Error(ErrorKind::io, name + ": write failed after " + std::to_string(done) + " of " +
                                   std::to_string(data.size()) + " bytes: " + errno_text(err));
  }
}

void write_flight(const std::string& path, ByteView data, unsigned mode) {
  if (auto fd = fd_from_path(path)) {
    write_all_fd(*fd, data, path == "-" || path == "/dev/stdout" ? "standard output" : path);
    return;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
      throw Error(ErrorKind::io, path + ": cannot open: " + errno_text(errno));
    }
    try {
      write_all_fd(fd, data, path);
    } catch (...) {
      ::close(fd);
      throw;
    }
    ::close(fd);
    return;
  }
  write_atomic(path, data, mode);
}

}  // namespace hsk::io
