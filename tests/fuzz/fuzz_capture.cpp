// libFuzzer target for hsk::capture: any input, read as a pcap or pcapng file through libpcap
// (from memory, fmemopen), either fails to open with hsk::Error or is read to the end with
// every frame decoded and every TCP segment reassembled. The sink checks the reassembler's
// promises and aborts when one breaks: each direction's data and gap events tile the stream
// from offset 0 with no hole or overlap, events only come between a connection's on_open and
// on_close, and every opened connection is closed once by the end.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>

#include "capture/capture.hpp"
#include "capture/tcp.hpp"
#include "hsk/error.hpp"

namespace {

using namespace hsk::capture;

struct CheckingSink : StreamSink {
  struct State {
    std::uint64_t next[2] = {0, 0};
  };
  std::map<std::uint64_t, State> open;
  std::uint64_t opened = 0;

  State& at(const Connection& c) {
    auto it = open.find(c.id);
    if (it == open.end()) {
      std::abort();  // an event outside on_open .. on_close
    }
    return it->second;
  }
  void on_open(Connection& c) override {
    if (!open.emplace(c.id, State{}).second) {
      std::abort();
    }
    ++opened;
  }
  void on_data(Connection& c, const DataEvent& e) override {
    State& s = at(c);
    auto d = static_cast<int>(e.dir);
    if (e.offset != s.next[d] || e.bytes.empty()) {
      std::abort();
    }
    s.next[d] += e.bytes.size();
  }
  void on_gap(Connection& c, const GapEvent& e) override {
    State& s = at(c);
    auto d = static_cast<int>(e.dir);
    if (e.offset != s.next[d] || e.length == 0) {
      std::abort();
    }
    s.next[d] += e.length;
  }
  void on_note(Connection& c, Direction, const std::string&) override { (void)at(c); }
  void on_close(Connection& c, CloseReason) override {
    State& s = at(c);
    for (int d = 0; d < 2; ++d) {
      if (c.stats[d].bytes + c.stats[d].gap_bytes != s.next[d]) {
        std::abort();
      }
    }
    open.erase(c.id);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    CaptureReader reader(hsk::ByteView(data, size), "fuzz");
    CheckingSink sink;
    ReassemblyOptions options;
    options.max_buffered_bytes = 1 << 16;  // small limits reach the give-up paths
    options.max_buffered_segments = 64;
    TcpReassembler reassembler(sink, options);
    (void)read_capture(reader, reassembler);
    if (!sink.open.empty() || reassembler.open_connections() != 0 ||
        reassembler.buffered_bytes() != 0) {
      std::abort();
    }
  } catch (const hsk::Error&) {
    return 0;
  }
  return 0;
}
