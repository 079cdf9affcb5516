// hsk::io streams — exact-length, unbuffered reads and whole writes on file descriptors, so a
// step reads exactly the records of its flight and not one byte more (DESIGN.md, "Stream
// discipline"). The next step can then read what follows from the same descriptor: a file,
// a pipe, a socket opened by bash's `exec 3<>/dev/tcp/HOST/PORT`, a socat or coproc pipe.
//
// Layering: the record framing and handshake reassembly come from wire/record.hpp (pure codecs,
// which never include io/); everything here that touches a descriptor stays in io/.
//
// Offsets in errors and in the returned records count bytes from where this Stream began
// reading (for a regular file opened here, from the start of the file).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hsk/bytes.hpp"
#include "wire/messages.hpp"
#include "wire/record.hpp"

namespace hsk::io {

// Stream reads from (and, for sockets, writes to) one file descriptor with no user-space
// buffer: every read asks the kernel for at most the bytes still needed. EINTR is retried and
// a non-blocking descriptor is waited on with poll(2). Move-only; closes the descriptor on
// destruction only when it owns it.
class Stream {
 public:
  // Stream over `fd`, named `name` in errors ("standard input", a path, "fd 3").
  Stream(int fd, std::string name, bool owns_fd = false);
  // open_input opens `path` for reading; "-" is standard input (not owned). Throws
  // hsk::Error(io) naming the path when it cannot be opened.
  static Stream open_input(const std::string& path);

  Stream(Stream&& other) noexcept;
  Stream& operator=(Stream&& other) noexcept;
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  ~Stream();

  int fd() const { return fd_; }
  const std::string& name() const { return name_; }
  // offset is the number of bytes this Stream has consumed so far.
  std::size_t offset() const { return offset_; }

  // wait_readable blocks until the descriptor has data or its end, without consuming anything
  // (a regular file is always ready). Steps call it before reading their state, so that in a
  // pipeline started all at once a later step does not read a state the earlier one has not
  // written yet. Throws hsk::Error(io) naming the stream when poll(2) fails.
  void wait_readable() const;

  // read_exact returns exactly n bytes. End of stream first throws hsk::Error(malformed,
  // alert decode_error) at the offset where the stream ended, naming `context`/`field` and
  // how many of the n bytes arrived; a failed read throws hsk::Error(io). Both name the stream.
  Bytes read_exact(std::size_t n, const std::string& context, const std::string& field);

  // read_record reads one record: the 5-byte header, then exactly its fragment. Returns
  // nullopt at a clean end of stream (no byte of a new record). End of stream inside a record
  // throws hsk::Error(malformed) "end of stream inside a record"; a bad header (unknown
  // content type, major version not 3, fragment over max_fragment) throws like
  // wire::decode_record, before the fragment is read. Errors name the stream.
  std::optional<wire::Record> read_record(std::size_t max_fragment = wire::kMaxCiphertext);

  // write_all writes every byte of `data` before returning (EINTR, short writes and
  // non-blocking descriptors handled; on a socket a closed peer is an error, not SIGPIPE).
  // Throws hsk::Error(io) naming the stream.
  void write_all(ByteView data);

 private:
  // read_up_to reads until n bytes arrived or the stream ended; returns how many arrived.
  std::size_t read_up_to(std::uint8_t* out, std::size_t n);

  int fd_ = -1;
  std::string name_;
  bool owns_ = false;
  std::size_t offset_ = 0;
};

// Flight is what read_flight consumed, in order.
struct Flight {
  Bytes raw;                                     // every byte read, exactly as received
  std::vector<wire::Record> records;             // every record (offsets relative to the Stream)
  std::vector<wire::HandshakeMessage> messages;  // complete handshake messages, in order
  std::vector<wire::Alert> alerts;               // alerts received (warning ones do not stop)
  // complete: a handshake message of the awaited type arrived (it is the last of `messages`
  // unless its record carried further complete messages, which are kept after it).
  bool complete = false;
  // stopped_by: the content type of the record that ended the flight early (a fatal alert,
  // close_notify, change_cipher_spec, application_data); that record is consumed and kept
  // in `records` (and in `alerts` for an alert).
  std::optional<std::uint8_t> stopped_by;
};

// FlightLimits bounds what one flight may hold, so a hostile peer cannot make us read forever.
struct FlightLimits {
  std::size_t max_bytes = std::size_t{1} << 24;  // all records of the flight together
  std::size_t max_records = 4096;
};

// read_flight reads whole records from `in` until a handshake message of type `last`
// completes (e.g. server_hello_done for a server's first flight, client_hello for a client's
// first), reassembling messages across records (RFC 5246 §6.2.1), and reads nothing after
// that record. It also stops, with `complete` false and `stopped_by` set, after a
// non-handshake record: a fatal alert or close_notify, a change_cipher_spec or application
// data; warning alerts are recorded and reading goes on. Throws hsk::Error(malformed) naming
// the stream for: end of stream before `last` ("flight incomplete"), end of stream inside a
// record, a bad record header, an alert record that does not parse, a message left unfinished
// in the record that completes `last` or before a non-handshake record, or a flight over
// `limits`; hsk::Error(io) when a read fails.
Flight read_flight(Stream& in, wire::HandshakeType last, const FlightLimits& limits = {});

// write_flight writes a whole flight to `path` and returns when every byte is written:
// "-", /dev/stdout and /dev/fd/N write to that descriptor (which may be a socket); an existing
// FIFO or character device is opened and written directly; anything else is a regular file,
// written through write_atomic with `mode`. Throws hsk::Error(io) naming the path.
void write_flight(const std::string& path, ByteView data, unsigned mode = 0644);

// write_all_fd writes every byte of `data` to `fd` (what Stream::write_all does), naming
// `name` in errors.
void write_all_fd(int fd, ByteView data, const std::string& name);

}  // namespace hsk::io
