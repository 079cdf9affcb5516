// hsk::capture::ParallelSink — a StreamSink that hands each connection to one of several
// worker threads, so that connections are decoded in parallel while the calling thread reads
// the capture and reassembles TCP.
//
// Each worker owns a sink of its own (made by the caller's factory) and a Connection of its
// own per connection it was given. A connection's events reach its worker's sink in the order
// the reassembler gave them, each preceded by on_packet when the packet changed, and with the
// ConnectionInfo (addresses, roles, first/last packet and time, statistics) as
// it was when the reassembler raised the event; the Connection (and its user state) is
// freed after on_close, as the reassembler does. So a sink that keeps its state per
// connection (in Connection::user) sees what it would have seen on the calling thread.
//
// Output: what a worker's sink passes to the `emit` it was made with is written through
// `out`, one connection at a time, in the order the connections closed on the calling
// thread — the order a single sink would have written it in (text a sink emits outside
// on_close goes out with its worker's next closing connection). `out` is called by one
// thread at a time.
//
// Memory: the events waiting for a worker are bounded (kMaxQueuedBytes of stream data per
// worker; the calling thread waits when a worker is that far behind), and so is the output
// waiting for a connection that closed earlier on a slower worker.
//
// Errors: a worker's sink must not throw (StreamSink's contract); if it does, or `out`
// throws, the first exception is kept, the rest of the work is skipped, and check() and
// finish() rethrow it on the calling thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "capture/tcp.hpp"

namespace hsk::capture {

class ParallelSink final : public StreamSink {
 public:
  using Emit = std::function<void(std::string_view)>;
  // MakeSink builds worker `index`'s sink; `emit` queues text for ordered output (see above)
  // and stays valid as long as the ParallelSink.
  using MakeSink = std::function<std::unique_ptr<StreamSink>(std::size_t index, const Emit& emit)>;

  static constexpr std::size_t kMaxQueuedBytes = std::size_t{2} << 20;

  // ParallelSink starts `workers` threads (at least 1), each with the sink make(i, emit).
  ParallelSink(std::size_t workers, const MakeSink& make, Emit out);
  // The destructor stops and joins the workers; what they had not done yet is dropped.
  ~ParallelSink() override;
  ParallelSink(const ParallelSink&) = delete;
  ParallelSink& operator=(const ParallelSink&) = delete;

  void on_packet(std::uint64_t packet, Timestamp ts) override;
  void on_open(Connection& connection) override;
  void on_data(Connection& connection, const DataEvent& event) override;
  void on_gap(Connection& connection, const GapEvent& event) override;
  void on_note(Connection& connection, Direction dir, const std::string& note) override;
  void on_close(Connection& connection, CloseReason reason) override;

  // each runs `task` on every worker's sink, on the worker's thread, after the events given
  // so far (e.g. to tell the sinks something before TcpReassembler::finish closes the rest).
  void each(std::function<void(StreamSink&)> task);

  // finish hands out everything queued, waits for the workers to end, writes the remaining
  // output and rethrows the first exception a worker or `out` threw. Call it once, after
  // TcpReassembler::finish; afterwards sink(i) may be read.
  void finish();

  // check rethrows the first exception seen so far (so that the caller can stop early).
  void check() const;

  std::size_t workers() const;
  StreamSink& sink(std::size_t index);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace hsk::capture
