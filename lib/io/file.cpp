#include "io/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "hsk/error.hpp"

namespace hsk::io {

namespace {
std::string errno_text() { return std::strerror(errno); }

void write_fd(int fd, ByteView data, const std::string& name) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw Error(ErrorKind::io, name + ": write failed: " + errno_text());
    }
    done += static_cast<std::size_t>(n);
  }
}
}  // namespace

Bytes read_all(const std::string& path) {
  int fd = path == "-" ? 0 : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw Error(ErrorKind::io, path + ": cannot open: " + errno_text());
  }
  Bytes out;
  std::uint8_t buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      std::string why = errno_text();
      if (fd != 0) {
        ::close(fd);
      }
      throw Error(ErrorKind::io, path + ": read failed: " + why);
    }
    if (n == 0) {
      break;
    }
    out.insert(out.end(), buf, buf + n);
  }
  if (fd != 0) {
    ::close(fd);
  }
  return out;
}

void write_stdout(ByteView data) { write_fd(1, data, "standard output"); }

void write_atomic(const std::string& path, ByteView data, unsigned mode) {
  if (path == "-") {
    write_stdout(data);
    return;
  }
  std::random_device rd;
  std::string tmp = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(rd() & 0xffffff);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    throw Error(ErrorKind::io, path + ": cannot create: " + errno_text());
  }
  try {
    ::fchmod(fd, mode);
    write_fd(fd, data, path);
    if (::fsync(fd) != 0) {
      throw Error(ErrorKind::io, path + ": fsync failed: " + errno_text());
    }
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string why = errno_text();
    ::unlink(tmp.c_str());
    throw Error(ErrorKind::io, path + ": cannot rename into place: " + why);
  }
}

void write_new_file(const std::string& path, ByteView data, unsigned mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) {
    throw Error(ErrorKind::io, path + ": cannot create: " + errno_text());
  }
  try {
    write_fd(fd, data, path);
  } catch (...) {
    ::close(fd);
    ::unlink(path.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    std::string why = errno_text();
    ::unlink(path.c_str());
    throw Error(ErrorKind::io, path + ": write failed: " + why);
  }
}

void sync_filesystem(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    throw Error(ErrorKind::io, path + ": cannot open to sync: " + errno_text());
  }
  if (::syncfs(fd) != 0 || ::fsync(fd) != 0) {
    std::string why = errno_text();
    ::close(fd);
    throw Error(ErrorKind::io, path + ": sync failed: " + why);
  }
  ::close(fd);
}

}  // namespace hsk::io
