// io::Stream and io::read_flight (DESIGN.md, "Stream discipline"): over real pipes and socket
// pairs, a flight is read up to and including the awaited handshake message and not one byte
// more, whatever sizes the writer's chunks have; messages that span records are reassembled;
// the end of the stream inside a record, a header or a flight is a clear error naming the
// stream; alerts end a flight; writes to a closed socket fail without SIGPIPE.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "hsk/error.hpp"
#include "io/stream.hpp"
#include "wire/messages.hpp"
#include "wire/record.hpp"

using hsk::Bytes;
using hsk::ByteView;
using hsk::from_hex;
using hsk::io::Flight;
using hsk::io::read_flight;
using hsk::io::Stream;
using hsk::wire::HandshakeType;

namespace {

Bytes read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  REQUIRE(f);
  return Bytes(std::istreambuf_iterator<char>(f), {});
}

std::string fixture(const std::string& name) {
  return std::string(HSK_TESTDATA) + "/handshakes/" + name;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) {
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

// Pipe is a pipe(2) or socketpair(2) whose write end a thread feeds in chunks of `chunk`
// bytes (1 = byte by byte), then closes (or keeps open, to prove nothing waits for EOF).
struct Pipe {
  int r = -1;
  int w = -1;
  std::thread writer;

  explicit Pipe(bool socket) {
    int fds[2];
    if (socket) {
      REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    } else {
      REQUIRE(::pipe(fds) == 0);
    }
    r = fds[0];
    w = fds[1];
  }
  void feed(Bytes data, std::size_t chunk, bool close_after = true) {
    writer = std::thread([this, data = std::move(data), chunk, close_after] {
      for (std::size_t at = 0; at < data.size(); at += chunk) {
        std::size_t n = std::min(chunk, data.size() - at);
        hsk::io::write_all_fd(w, ByteView(data).subspan(at, n), "test writer");
        if (chunk < 64) {
          std::this_thread::yield();
        }
      }
      if (close_after) {
        ::close(w);
        w = -1;
      }
    });
  }
  ~Pipe() {
    if (writer.joinable()) {
      writer.join();
    }
    if (w >= 0) {
      ::close(w);
    }
    if (r >= 0) {
      ::close(r);
    }
  }
};

// drain reads everything left on fd until EOF; false when a read fails. No Catch macros:
// it also runs on helper threads, where Catch2 v2 must not be used.
bool drain(int fd, Bytes& out) {
  std::uint8_t buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return n == 0;
    }
    out.insert(out.end(), buf, buf + n);
  }
}

// rest reads everything left on fd until EOF.
Bytes rest(int fd) {
  Bytes out;
  REQUIRE(drain(fd, out));
  return out;
}

Bytes record(std::uint8_t type, std::uint16_t version, const Bytes& fragment) {
  hsk::wire::Record r;
  r.content_type = type;
  r.version = version;
  r.fragment = fragment;
  return hsk::wire::encode_record(r);
}

// expect_error runs f and checks it throws hsk::Error of `kind` whose message names `input`
// and contains `text` (and the offset when given).
template <class F>
void expect_error(F f, hsk::ErrorKind kind, const std::string& input, const std::string& text,
                  std::optional<std::size_t> offset = std::nullopt) {
  try {
    f();
    FAIL("no error");
  } catch (const hsk::Error& e) {
    INFO(e.message());
    CHECK(e.kind() == kind);
    CHECK(e.input() == input);
    CHECK(e.message().find(text) != std::string::npos);
    if (offset) {
      REQUIRE(e.offset());
      CHECK(*e.offset() == *offset);
    }
  }
}

}  // namespace

TEST_CASE("stream: a server flight from a pipe, and not one byte more", "[stream]") {
  // The server's first flight, then its second (CCS, Finished): the reader must stop at
  // ServerHelloDone and leave the second flight in the pipe for the next step.
  const Bytes flight = read_file(fixture("tls12-ecdhe-rsa/2-server-flight.tls"));
  const Bytes after = read_file(fixture("tls12-ecdhe-rsa/4-server-finished.tls"));
  for (bool socket : {false, true}) {
    for (std::size_t chunk :
         {std::size_t{1}, std::size_t{3}, std::size_t{5}, std::size_t{7}, std::size_t{100000}}) {
      DYNAMIC_SECTION((socket ? "socketpair" : "pipe") << ", chunks of " << chunk) {
        Pipe p(socket);
        p.feed(cat({flight, after}), chunk);
        Stream in(p.r, "fd " + std::to_string(p.r));
        Flight f = read_flight(in, HandshakeType::server_hello_done);
        CHECK(f.complete);
        CHECK_FALSE(f.stopped_by);
        CHECK(f.raw == flight);
        CHECK(in.offset() == flight.size());
        REQUIRE(f.messages.size() ==
                4);  // ServerHello, Certificate, ServerKeyExchange, ServerHelloDone
        CHECK(f.messages[0].msg_type == 2);
        CHECK(f.messages[1].msg_type == 11);
        CHECK(f.messages[2].msg_type == 12);
        CHECK(f.messages[3].msg_type == 14);
        CHECK(f.messages[0].offset == 5);
        CHECK(rest(p.r) == after);
      }
    }
  }
}

TEST_CASE("stream: the reader does not wait for end of stream", "[stream]") {
  // The writer keeps its end open (as a live server does): the flight must still complete.
  const Bytes flight = read_file(fixture("tls12-dhe-rsa/2-server-flight.tls"));
  Pipe p(true);
  p.feed(flight, 1000, /*close_after=*/false);
  Stream in(p.r, "socket");
  Flight f = read_flight(in, HandshakeType::server_hello_done);
  CHECK(f.complete);
  CHECK(f.raw == flight);
}

TEST_CASE("stream: a non-blocking descriptor is waited on", "[stream]") {
  const Bytes flight = read_file(fixture("tls12-rsa/1-client-hello.tls"));
  Pipe p(false);
  REQUIRE(::fcntl(p.r, F_SETFL, ::fcntl(p.r, F_GETFL) | O_NONBLOCK) == 0);
  p.writer = std::thread([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    hsk::io::write_all_fd(p.w, ByteView(flight).first(7), "w");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    hsk::io::write_all_fd(p.w, ByteView(flight).subspan(7), "w");
  });
  Stream in(p.r, "pipe");
  Flight f = read_flight(in, HandshakeType::client_hello);
  CHECK(f.complete);
  CHECK(f.raw == flight);
}

TEST_CASE("stream: messages spanning records are reassembled, coalesced ones split", "[stream]") {
  // ServerHello split over three records, then Certificate + ServerHelloDone in one record.
  const Bytes sh = from_hex("020000260303" + std::string(64, 'a') +
                            "00"
                            "c02f"
                            "00");
  const Bytes cert = from_hex("0b000003000000");
  const Bytes done = from_hex("0e000000");
  const Bytes stream = cat({record(22, 0x0303, Bytes(sh.begin(), sh.begin() + 3)),
                            record(22, 0x0303, Bytes(sh.begin() + 3, sh.begin() + 20)),
                            record(22, 0x0303, Bytes(sh.begin() + 20, sh.end())),
                            record(22, 0x0303, cat({cert, done})), from_hex("170303000100")});
  Pipe p(false);
  p.feed(stream, 2);
  Stream in(p.r, "pipe");
  Flight f = read_flight(in, HandshakeType::server_hello_done);
  CHECK(f.complete);
  CHECK(f.records.size() == 4);
  REQUIRE(f.messages.size() == 3);
  CHECK(hsk::wire::encode_handshake(f.messages[0]) == sh);
  CHECK(f.messages[0].record_split == std::vector<std::size_t>{3, 17, sh.size() - 20});
  CHECK(f.messages[1].body == from_hex("000000"));
  CHECK(f.messages[2].msg_type == 14);
  CHECK(rest(p.r) == from_hex("170303000100"));
}

TEST_CASE("stream: end of stream inside a record or a flight", "[stream]") {
  const Bytes flight = read_file(fixture("tls12-rsa/2-server-flight.tls"));
  SECTION("inside a fragment") {
    Pipe p(true);
    p.feed(Bytes(flight.begin(), flight.begin() + 40), 9);
    Stream in(p.r, "peer");
    expect_error([&] { read_flight(in, HandshakeType::server_hello_done); },
                 hsk::ErrorKind::malformed, "peer", "end of stream inside a record", 40);
  }
  SECTION("inside a header") {
    Pipe p(false);
    p.feed(Bytes(flight.begin(), flight.begin() + 3), 1);
    Stream in(p.r, "peer");
    expect_error([&] { in.read_record(); }, hsk::ErrorKind::malformed, "peer",
                 "inside a record header (3 of 5 bytes)", 3);
  }
  SECTION("between records, before the awaited message") {
    // The first record is whole; then the stream ends.
    std::size_t first = 5 + (std::size_t{flight[3]} << 8 | flight[4]);
    Pipe p(false);
    p.feed(Bytes(flight.begin(), flight.begin() + static_cast<std::ptrdiff_t>(first)), 4096);
    Stream in(p.r, "peer");
    expect_error([&] { read_flight(in, HandshakeType::server_hello_done); },
                 hsk::ErrorKind::malformed, "peer",
                 "end of stream before ServerHelloDone (flight incomplete after 1 records");
  }
  SECTION("an empty stream: no record, no error from read_record") {
    Pipe p(false);
    p.feed({}, 1);
    Stream in(p.r, "peer");
    CHECK_FALSE(in.read_record());
  }
  SECTION("read_exact") {
    Pipe p(false);
    p.feed(from_hex("0102"), 1);
    Stream in(p.r, "peer");
    expect_error([&] { in.read_exact(4, "thing", "field"); }, hsk::ErrorKind::malformed, "peer",
                 "field: end of stream after 2 of 4 bytes", 2);
  }
}

TEST_CASE("stream: bad headers are refused before the fragment is awaited", "[stream]") {
  // The writer never closes: a reader that waited for the announced fragment would hang.
  struct Case {
    const char* hex;
    const char* text;
    std::uint8_t alert;
  };
  const Case cases[] = {
      {"485454502f312e3120343030", "unknown content type 72", 10},  // "HTTP/1.1 400"
      {"313630333033303034", "looks like hex text", 10},            // "160303004"
      {"1604030010", "major version 4 is not 3", 50},
      {"1603034801", "fragment length 18433 exceeds 18432", 22},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.hex) {
      Pipe p(true);
      p.feed(from_hex(c.hex), 64, /*close_after=*/false);
      Stream in(p.r, "peer");
      try {
        read_flight(in, HandshakeType::server_hello_done);
        FAIL("accepted");
      } catch (const hsk::Error& e) {
        INFO(e.message());
        CHECK(e.kind() == hsk::ErrorKind::malformed);
        CHECK(int(e.alert()) == int(c.alert));
        CHECK(e.message().find(c.text) != std::string::npos);
        CHECK(e.input() == "peer");
      }
    }
  }
}

TEST_CASE("stream: alerts", "[stream]") {
  SECTION("a fatal alert ends the flight, consumed, and nothing after it is read") {
    Pipe p(false);
    p.feed(cat({from_hex("15030300020228"), from_hex("16")}), 3);
    Stream in(p.r, "peer");
    Flight f = read_flight(in, HandshakeType::server_hello_done);
    CHECK_FALSE(f.complete);
    REQUIRE(f.stopped_by);
    CHECK(*f.stopped_by == 21);
    REQUIRE(f.alerts.size() == 1);
    CHECK(int(f.alerts[0].level) == 2);
    CHECK(int(f.alerts[0].description) == 40);
    CHECK(rest(p.r) == from_hex("16"));
  }
  SECTION("a warning alert does not") {
    const Bytes hello = read_file(fixture("tls12-rsa/1-client-hello.tls"));
    Pipe p(false);
    p.feed(cat({from_hex("15030300020170"), hello}), 1);
    Stream in(p.r, "peer");
    Flight f = read_flight(in, HandshakeType::client_hello);
    CHECK(f.complete);
    CHECK(f.alerts.size() == 1);
    CHECK(f.records.size() == 2);
  }
  SECTION("change_cipher_spec ends a flight (an abbreviated handshake)") {
    const Bytes sh = from_hex("020000260303" + std::string(64, 'b') +
                              "00"
                              "009c"
                              "00");
    Pipe p(false);
    p.feed(cat({record(22, 0x0303, sh), from_hex("140303000101"), from_hex("1603030028")}), 4);
    Stream in(p.r, "peer");
    Flight f = read_flight(in, HandshakeType::server_hello_done);
    CHECK_FALSE(f.complete);
    REQUIRE(f.stopped_by);
    CHECK(*f.stopped_by == 20);
    CHECK(f.messages.size() == 1);
    CHECK(rest(p.r) == from_hex("1603030028"));
  }
  SECTION("change_cipher_spec inside a handshake message is malformed") {
    Pipe p(false);
    p.feed(cat({record(22, 0x0303, from_hex("0200002603")), from_hex("140303000101")}), 4);
    Stream in(p.r, "peer");
    expect_error([&] { read_flight(in, HandshakeType::server_hello_done); },
                 hsk::ErrorKind::malformed, "peer", "in the middle of a handshake message", 10);
  }
}

TEST_CASE("stream: limits", "[stream]") {
  Bytes many;
  for (int i = 0; i < 10; ++i) {
    auto r = record(22, 0x0303, from_hex("0e"));
    many.insert(many.end(), r.begin(), r.end());
  }
  Pipe p(false);
  p.feed(many, 4096);
  Stream in(p.r, "peer");
  hsk::io::FlightLimits limits;
  limits.max_records = 4;
  expect_error([&] { read_flight(in, HandshakeType::server_hello_done, limits); },
               hsk::ErrorKind::malformed, "peer", "more than 4 records");
}

TEST_CASE("stream: writes", "[stream]") {
  SECTION("write_flight to /dev/fd/N reaches that descriptor whole") {
    Bytes big(200000);
    for (std::size_t i = 0; i < big.size(); ++i) {
      big[i] = static_cast<std::uint8_t>(i * 7);
    }
    Pipe p(true);
    Bytes got;
    bool ok = false;
    std::thread reader([&] { ok = drain(p.r, got); });
    hsk::io::write_flight("/dev/fd/" + std::to_string(p.w), big);
    ::close(p.w);
    p.w = -1;
    reader.join();
    CHECK(ok);
    CHECK(got == big);
  }
  SECTION("a socket whose peer is gone is an io error, not SIGPIPE") {
    Pipe p(true);
    ::close(p.r);
    p.r = -1;
    Stream out(p.w, "peer");
    expect_error([&] { out.write_all(from_hex("16030100")); }, hsk::ErrorKind::io, "",
                 "peer: write failed");
  }
  SECTION("write_flight to a regular file is atomic and takes the mode") {
    char dir[] = "/tmp/hsk-stream-XXXXXX";
    REQUIRE(::mkdtemp(dir));
    std::string path = std::string(dir) + "/out.tls";
    hsk::io::write_flight(path, from_hex("16030100"), 0600);
    CHECK(read_file(path) == from_hex("16030100"));
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    ::unlink(path.c_str());
    ::rmdir(dir);
  }
}

TEST_CASE("stream: open_input", "[stream]") {
  const std::string path = fixture("tls12-rsa/1-client-hello.tls");
  Stream in = Stream::open_input(path);
  CHECK(in.name() == path);
  Flight f = read_flight(in, HandshakeType::client_hello);
  CHECK(f.raw == read_file(path));
  CHECK_FALSE(in.read_record());
  expect_error([] { Stream::open_input("/nonexistent/x.tls"); }, hsk::ErrorKind::io, "",
               "/nonexistent/x.tls: cannot open");
}
