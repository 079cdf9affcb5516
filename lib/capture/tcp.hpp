// hsk::capture::TcpReassembler — turns TCP segments, in capture order, into one in-order byte
// stream per direction of each connection (RFC 9293 §3.4 sequence numbers), streaming: a
// connection is handed out as events while the capture is read and freed when it closes.
//
// Per direction: the stream starts after the SYN's sequence number, or at the first segment
// seen when the capture starts mid-connection. Segments that arrive ahead of the stream are
// copied into a bounded buffer; segments in order are handed out straight from the packet
// (no copy). Bytes seen twice (retransmissions, overlaps) are delivered once: the first copy
// seen wins, and a later copy with different bytes is reported as a note. Bytes the capture
// never had become a gap event ("gap at seq X, N bytes") and the stream goes on after them:
//   - the peer acknowledged bytes that were never captured, and later bytes are waiting;
//   - the out-of-order buffer is full (ReassemblyOptions);
//   - the snapshot length cut a packet's payload;
//   - the connection ends (FIN, RST, end of capture, idle) with bytes still missing.
// A direction ends with its FIN once every byte before it is delivered, or with an RST; the
// connection closes when both directions ended, on an RST, when a new SYN reuses its
// addresses, after the idle timeout, or at finish().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "capture/capture.hpp"
#include "hsk/bytes.hpp"

namespace hsk::capture {

enum class Direction : std::uint8_t { client_to_server = 0, server_to_client = 1 };

enum class GapReason : std::uint8_t {
  acknowledged,    // the receiver acknowledged bytes the capture does not have
  buffer_full,     // the out-of-order buffer hit its limit before the bytes came
  snaplen,         // the snapshot length cut the packet that carried them
  connection_end,  // the connection ended with these bytes still missing
};

std::string_view gap_reason_name(GapReason reason);

enum class CloseReason : std::uint8_t {
  fin,             // both directions ended with FIN
  rst,             // a reset
  reused,          // a new SYN on the same addresses and ports started another connection
  idle,            // no packet for ReassemblyOptions::idle_timeout_sec of capture time
  end_of_capture,  // finish() was called with the connection still open
};

std::string_view close_reason_name(CloseReason reason);

// ConnectionUser is state a caller hangs on a connection (a TLS parser per direction, say);
// it is destroyed when the connection is freed, after on_close.
class ConnectionUser {
 public:
  virtual ~ConnectionUser() = default;
};

// DirectionStats counts what one direction carried.
struct DirectionStats {
  std::uint64_t segments = 0;               // segments with payload or FIN
  std::uint64_t bytes = 0;                  // bytes delivered in data events
  std::uint64_t gap_bytes = 0;              // bytes reported missing in gap events
  std::uint64_t gaps = 0;                   // gap events
  std::uint64_t duplicate_bytes = 0;        // bytes seen again (retransmission or overlap)
  std::uint64_t conflicting_bytes = 0;      // of those, bytes that differed from the first copy
  std::uint64_t out_of_order_segments = 0;  // segments that arrived ahead of the stream
  bool syn = false;                         // its SYN was seen
  bool fin = false;                         // ended with a FIN
  bool rst = false;                         // a reset came from this side
};

// Connection is what the events describe: its public facts (ConnectionInfo, copyable) and
// the caller's state. `client` sent the first SYN (or, with no SYN in the capture, the
// SYN-ACK's peer or the first segment's sender: then roles_known is false and the caller may
// swap its view of them by content).
struct ConnectionInfo {
  std::uint64_t id = 0;  // 1, 2, ... in the order connections open
  Endpoint client;
  Endpoint server;
  bool roles_known = false;
  Timestamp first_ts;
  std::uint64_t first_packet = 0;
  Timestamp last_ts;
  std::uint64_t last_packet = 0;
  std::array<DirectionStats, 2> stats;
};

struct Connection : ConnectionInfo {
  std::unique_ptr<ConnectionUser> user;  // the caller's; freed with the connection
};

// DataEvent: `bytes` are stream bytes [offset, offset + size) of direction `dir`, first byte
// at sequence number `seq`; they come from packet `packet`. The view is valid only during
// the callback.
struct DataEvent {
  Direction dir = Direction::client_to_server;
  std::uint64_t offset = 0;
  std::uint32_t seq = 0;
  ByteView bytes;
  Timestamp ts;
  std::uint64_t packet = 0;
};

// GapEvent: stream bytes [offset, offset + length) of `dir`, from sequence number `seq`, are
// not in the capture. `packet`/`ts` are those of the packet being processed when the gap was
// decided (0 at finish()).
struct GapEvent {
  Direction dir = Direction::client_to_server;
  std::uint64_t offset = 0;
  std::uint32_t seq = 0;
  std::uint64_t length = 0;
  GapReason reason = GapReason::acknowledged;
  Timestamp ts;
  std::uint64_t packet = 0;
};

// StreamSink receives the events of every connection in capture order: on_open, then data,
// gap and note events of either direction as they become deliverable, then on_close (after
// which the Connection is freed). Callbacks must not throw and must not call back into the
// reassembler.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // on_packet: TcpReassembler::add is about to process the segment of packet `packet`
  // (captured at `ts`); the events until the next on_packet happen while it does (finish()'s
  // events come after the last packet's).
  virtual void on_packet(std::uint64_t packet, Timestamp ts) {
    (void)packet;
    (void)ts;
  }
  virtual void on_open(Connection& connection) { (void)connection; }
  virtual void on_data(Connection& connection, const DataEvent& event) {
    (void)connection;
    (void)event;
  }
  virtual void on_gap(Connection& connection, const GapEvent& event) {
    (void)connection;
    (void)event;
  }
  // on_note: something worth telling that is not a gap, e.g. a retransmission whose bytes
  // differ from the first copy ("packet 9: seq 1001: 5 bytes differ from the first copy,
  // first copy kept").
  virtual void on_note(Connection& connection, Direction dir, const std::string& note) {
    (void)connection;
    (void)dir;
    (void)note;
  }
  virtual void on_close(Connection& connection, CloseReason reason) {
    (void)connection;
    (void)reason;
  }
};

struct ReassemblyOptions {
  // Bytes and segments buffered ahead of the stream per direction before the missing bytes
  // are given up as a gap.
  std::size_t max_buffered_bytes = std::size_t{4} << 20;
  std::size_t max_buffered_segments = 8192;
  // Close connections idle for this many seconds of capture time (0: never).
  std::uint32_t idle_timeout_sec = 0;
};

class TcpReassembler {
 public:
  explicit TcpReassembler(StreamSink& sink, ReassemblyOptions options = {});
  ~TcpReassembler();
  TcpReassembler(const TcpReassembler&) = delete;
  TcpReassembler& operator=(const TcpReassembler&) = delete;

  // add processes one segment of the packet `number` captured at `ts`. Segments without
  // payload, SYN or FIN that belong to no open connection are ignored (the last ACK of a
  // closed connection). Packet numbers and timestamps should increase (capture order).
  void add(const TcpSegment& segment, Timestamp ts, std::uint64_t packet);

  // finish closes every open connection (reason end_of_capture), in the order they opened.
  void finish();

  std::size_t open_connections() const;
  std::uint64_t connections_seen() const { return next_id_ - 1; }
  std::size_t buffered_bytes() const { return buffered_total_; }  // all directions

  struct Impl;

 private:
  StreamSink& sink_;
  ReassemblyOptions options_;
  std::unique_ptr<Impl> impl_;
  std::uint64_t next_id_ = 1;
  std::size_t buffered_total_ = 0;
};

// CaptureStats counts what read_capture saw.
struct CaptureStats {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;         // captured bytes
  std::uint64_t tcp_segments = 0;  // frames that decoded to TCP
  // Per FrameResult (indexed by its value): how many frames, and the first packet number.
  std::array<std::uint64_t, 7> frames{};
  std::array<std::uint64_t, 7> first_packet{};
  std::string stop_note;  // CaptureReader::stop_note(): the capture was cut or corrupt
};

// read_capture reads every packet of `reader`, decodes it and feeds its TCP segment to
// `reassembler`, then calls finish(). Frames that are not TCP over IP are counted, not fatal.
// Throws only what the sink's connection users throw (nothing, per StreamSink's contract).
CaptureStats read_capture(CaptureReader& reader, TcpReassembler& reassembler);

}  // namespace hsk::capture
