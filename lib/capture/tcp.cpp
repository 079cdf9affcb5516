// TcpReassembler and read_capture. Sequence arithmetic follows RFC 9293 §3.4: a segment's
// place in the stream is its signed 32-bit distance from the next expected sequence number.
#include "capture/tcp.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <unordered_map>
#include <vector>

namespace hsk::capture {

std::string_view gap_reason_name(GapReason reason) {
  switch (reason) {
    case GapReason::acknowledged:
      return "acknowledged but not captured";
    case GapReason::buffer_full:
      return "not captured (reassembly buffer full)";
    case GapReason::snaplen:
      return "cut by the snapshot length";
    case GapReason::connection_end:
      return "not captured before the connection ended";
  }
  return "?";
}

std::string_view close_reason_name(CloseReason reason) {
  switch (reason) {
    case CloseReason::fin:
      return "fin";
    case CloseReason::rst:
      return "rst";
    case CloseReason::reused:
      return "reused";
    case CloseReason::idle:
      return "idle";
    case CloseReason::end_of_capture:
      return "end of capture";
  }
  return "?";
}

namespace {

// Pending is a run of stream bytes buffered ahead of the stream: captured bytes, or (when
// `data` is empty) `hole` bytes a snaplen cut away.
struct Pending {
  Bytes data;
  std::uint64_t hole = 0;
  Timestamp ts;
  std::uint64_t packet = 0;
  std::uint64_t size() const { return data.empty() ? hole : data.size(); }
};

struct Half {
  bool started = false;
  bool ended = false;
  bool fin_seen = false;
  bool syn_seen = false;
  std::uint32_t isn = 0;        // the SYN's sequence number
  std::uint32_t base_seq = 0;   // sequence number of stream offset 0
  std::uint64_t delivered = 0;  // stream offset of the next byte to hand out
  std::uint64_t fin_offset = 0;
  std::map<std::uint64_t, Pending> pending;  // keyed by stream offset, never overlapping
  std::size_t pending_bytes = 0;

  std::uint32_t seq_at(std::uint64_t offset) const {
    return base_seq + static_cast<std::uint32_t>(offset);
  }
  // offset_of maps a sequence number to a stream offset (negative: before the stream began).
  std::int64_t offset_of(std::uint32_t seq) const {
    auto rel = static_cast<std::int32_t>(seq - seq_at(delivered));
    return static_cast<std::int64_t>(delivered) + rel;
  }
};

struct Key {
  Endpoint a;  // the smaller endpoint
  Endpoint b;
  friend bool operator==(const Key&, const Key&) = default;
};

struct KeyHash {
  std::size_t operator()(const Key& k) const noexcept {
    std::uint64_t h = 1469598103934665603ull;
    auto mix = [&h](const Endpoint& e) {
      std::uint64_t w[2];
      std::memcpy(w, e.addr.data(), 16);
      h = (h ^ w[0]) * 1099511628211ull;
      h = (h ^ w[1]) * 1099511628211ull;
      h = (h ^ (std::uint64_t{e.port} | (std::uint64_t{e.family} << 16))) * 1099511628211ull;
    };
    mix(k.a);
    mix(k.b);
    return static_cast<std::size_t>(h ^ (h >> 29));
  }
};

Key key_of(const Endpoint& x, const Endpoint& y) { return x < y ? Key{x, y} : Key{y, x}; }

struct Conn {
  Connection pub;
  std::array<Half, 2> half;
};

}  // namespace

struct TcpReassembler::Impl {
  std::unordered_map<Key, std::unique_ptr<Conn>, KeyHash> conns;
  std::uint64_t packets_since_sweep = 0;
};

namespace {

// Context bundles what the per-segment helpers need.
struct Ctx {
  StreamSink& sink;
  const ReassemblyOptions& options;
  std::size_t& buffered_total;
  Timestamp ts;
  std::uint64_t packet;
};

void emit_gap(Ctx& c, Conn& conn, Direction d, std::uint64_t length, GapReason reason) {
  Half& h = conn.half[static_cast<int>(d)];
  GapEvent e;
  e.dir = d;
  e.offset = h.delivered;
  e.seq = h.seq_at(h.delivered);
  e.length = length;
  e.reason = reason;
  e.ts = c.ts;
  e.packet = c.packet;
  DirectionStats& s = conn.pub.stats[static_cast<int>(d)];
  s.gap_bytes += length;
  ++s.gaps;
  h.delivered += length;
  c.sink.on_gap(conn.pub, e);
}

void emit_data(Ctx& c, Conn& conn, Direction d, ByteView bytes, Timestamp ts,
               std::uint64_t packet) {
  Half& h = conn.half[static_cast<int>(d)];
  DataEvent e;
  e.dir = d;
  e.offset = h.delivered;
  e.seq = h.seq_at(h.delivered);
  e.bytes = bytes;
  e.ts = ts;
  e.packet = packet;
  conn.pub.stats[static_cast<int>(d)].bytes += bytes.size();
  h.delivered += bytes.size();
  c.sink.on_data(conn.pub, e);
}

// drain hands out buffered runs that now start at the stream's position.
void drain(Ctx& c, Conn& conn, Direction d) {
  Half& h = conn.half[static_cast<int>(d)];
  while (!h.pending.empty()) {
    auto it = h.pending.begin();
    if (it->first > h.delivered) {
      break;
    }
    Pending p = std::move(it->second);
    std::uint64_t start = it->first;
    h.pending.erase(it);
    h.pending_bytes -= p.size();
    c.buffered_total -= p.size();
    std::uint64_t end = start + p.size();
    if (end <= h.delivered) {
      continue;
    }
    std::uint64_t skip = h.delivered - start;
    if (p.data.empty()) {
      emit_gap(c, conn, d, end - h.delivered, GapReason::snaplen);
    } else {
      emit_data(c, conn, d, ByteView(p.data).subspan(skip), p.ts, p.packet);
    }
  }
}

// give_up_to declares stream bytes up to `target` missing, then drains.
void give_up_to(Ctx& c, Conn& conn, Direction d, std::uint64_t target, GapReason reason) {
  Half& h = conn.half[static_cast<int>(d)];
  if (target > h.delivered) {
    emit_gap(c, conn, d, target - h.delivered, reason);
  }
  drain(c, conn, d);
}

// buffer_run stores stream bytes [off, off + len) ahead of the stream (data == nullptr for a
// snaplen hole), keeping bytes already buffered (first copy wins) and comparing overlaps.
void buffer_run(Ctx& c, Conn& conn, Direction d, std::uint64_t off, std::uint64_t len,
                const std::uint8_t* data) {
  Half& h = conn.half[static_cast<int>(d)];
  DirectionStats& s = conn.pub.stats[static_cast<int>(d)];
  const std::uint64_t end = off + len;
  auto add = [&](std::uint64_t from, std::uint64_t to) {
    Pending p;
    if (data != nullptr) {
      p.data.assign(data + (from - off), data + (to - off));
    } else {
      p.hole = to - from;
    }
    p.ts = c.ts;
    p.packet = c.packet;
    h.pending_bytes += to - from;
    c.buffered_total += to - from;
    h.pending.emplace(from, std::move(p));
  };
  auto it = h.pending.upper_bound(off);
  if (it != h.pending.begin()) {
    auto prev = std::prev(it);
    if (prev->first + prev->second.size() > off) {
      it = prev;
    }
  }
  std::uint64_t cur = off;
  std::uint64_t differing = 0;
  while (cur < end) {
    if (it == h.pending.end() || it->first >= end) {
      add(cur, end);
      break;
    }
    if (it->first > cur) {
      add(cur, it->first);
      cur = it->first;
    }
    const std::uint64_t it_end = it->first + it->second.size();
    const std::uint64_t ov_end = std::min(end, it_end);
    s.duplicate_bytes += ov_end - cur;
    if (data != nullptr && !it->second.data.empty()) {
      const std::uint8_t* mine = data + (cur - off);
      const std::uint8_t* theirs = it->second.data.data() + (cur - it->first);
      for (std::uint64_t i = 0; i < ov_end - cur; ++i) {
        differing += mine[i] != theirs[i] ? 1 : 0;
      }
    }
    cur = ov_end;
    ++it;
  }
  if (differing > 0) {
    s.conflicting_bytes += differing;
    c.sink.on_note(conn.pub, d,
                   "packet " + std::to_string(c.packet) + ": seq " + std::to_string(h.seq_at(off)) +
                       ": " + std::to_string(differing) +
                       " bytes differ from the first copy, first copy kept");
  }
}

// enforce_limits gives up on missing bytes while the buffer is over its limits.
void enforce_limits(Ctx& c, Conn& conn, Direction d) {
  Half& h = conn.half[static_cast<int>(d)];
  while (!h.pending.empty() && (h.pending_bytes > c.options.max_buffered_bytes ||
                                h.pending.size() > c.options.max_buffered_segments)) {
    give_up_to(c, conn, d, h.pending.begin()->first, GapReason::buffer_full);
  }
}

// check_end ends a direction whose FIN has been reached.
void check_end(Conn& conn, Direction d) {
  Half& h = conn.half[static_cast<int>(d)];
  if (h.fin_seen && !h.ended && h.delivered >= h.fin_offset) {
    h.ended = true;
    conn.pub.stats[static_cast<int>(d)].fin = true;
  }
}

// flush gives up on everything still missing in a direction (the connection is ending).
void flush(Ctx& c, Conn& conn, Direction d) {
  Half& h = conn.half[static_cast<int>(d)];
  while (!h.pending.empty()) {
    give_up_to(c, conn, d, h.pending.begin()->first, GapReason::connection_end);
  }
  if (h.fin_seen && h.delivered < h.fin_offset) {
    emit_gap(c, conn, d, h.fin_offset - h.delivered, GapReason::connection_end);
  }
}

}  // namespace

TcpReassembler::TcpReassembler(StreamSink& sink, ReassemblyOptions options)
    : sink_(sink), options_(options), impl_(std::make_unique<Impl>()) {}

TcpReassembler::~TcpReassembler() = default;

std::size_t TcpReassembler::open_connections() const { return impl_->conns.size(); }

namespace {

void close_conn(Ctx& c, Conn& conn, CloseReason reason) {
  flush(c, conn, Direction::client_to_server);
  flush(c, conn, Direction::server_to_client);
  c.sink.on_close(conn.pub, reason);
}

}  // namespace

void TcpReassembler::add(const TcpSegment& seg, Timestamp ts, std::uint64_t packet) {
  sink_.on_packet(packet, ts);
  Ctx c{sink_, options_, buffered_total_, ts, packet};
  const bool syn = (seg.flags & tcp_flag::kSyn) != 0;
  const bool fin = (seg.flags & tcp_flag::kFin) != 0;
  const bool rst = (seg.flags & tcp_flag::kRst) != 0;
  const bool ack = (seg.flags & tcp_flag::kAck) != 0;
  const std::uint64_t payload_len = seg.payload.size() + std::uint64_t{seg.payload_missing};

  if (options_.idle_timeout_sec != 0 && ++impl_->packets_since_sweep >= 1024) {
    impl_->packets_since_sweep = 0;
    std::vector<Conn*> idle;
    for (auto& [k, conn] : impl_->conns) {
      if (ts.sec - conn->pub.last_ts.sec > std::int64_t{options_.idle_timeout_sec}) {
        idle.push_back(conn.get());
      }
    }
    std::sort(idle.begin(), idle.end(),
              [](const Conn* x, const Conn* y) { return x->pub.id < y->pub.id; });
    for (Conn* conn : idle) {
      Key k = key_of(conn->pub.client, conn->pub.server);
      close_conn(c, *conn, CloseReason::idle);
      impl_->conns.erase(k);
    }
  }

  const Key key = key_of(seg.src, seg.dst);
  auto found = impl_->conns.find(key);
  Conn* conn = found == impl_->conns.end() ? nullptr : found->second.get();

  // A new SYN (not a retransmission of the one seen) on open addresses starts a new
  // connection.
  if (conn != nullptr && syn && !ack && !rst) {
    Direction d0 =
        seg.src == conn->pub.client ? Direction::client_to_server : Direction::server_to_client;
    const Half& h0 = conn->half[static_cast<int>(d0)];
    if (!(h0.syn_seen && h0.isn == seg.seq)) {
      close_conn(c, *conn, CloseReason::reused);
      impl_->conns.erase(found);
      conn = nullptr;
    }
  }

  if (conn == nullptr) {
    if (rst || (!syn && payload_len == 0)) {
      return;  // nothing to open a connection with
    }
    auto owned = std::make_unique<Conn>();
    conn = owned.get();
    Connection& pub = conn->pub;
    pub.id = next_id_++;
    const bool from_server = syn && ack;  // a SYN-ACK without its SYN
    pub.client = from_server ? seg.dst : seg.src;
    pub.server = from_server ? seg.src : seg.dst;
    pub.roles_known = syn;
    pub.first_ts = ts;
    pub.first_packet = packet;
    impl_->conns.emplace(key, std::move(owned));
    sink_.on_open(pub);
  }

  Connection& pub = conn->pub;
  pub.last_ts = ts;
  pub.last_packet = packet;
  const Direction d =
      seg.src == pub.client ? Direction::client_to_server : Direction::server_to_client;
  const Direction other =
      d == Direction::client_to_server ? Direction::server_to_client : Direction::client_to_server;
  Half& h = conn->half[static_cast<int>(d)];
  DirectionStats& s = pub.stats[static_cast<int>(d)];

  std::uint32_t data_seq = seg.seq;
  if (syn) {
    data_seq = seg.seq + 1;  // the SYN occupies one sequence number
    if (!h.started) {
      h.started = true;
      h.syn_seen = true;
      h.isn = seg.seq;
      h.base_seq = data_seq;
      s.syn = true;
    }
  }
  if (!h.started) {
    h.started = true;
    h.base_seq = data_seq;
  }

  if (payload_len > 0 || fin) {
    ++s.segments;
  }

  if (!h.ended && (payload_len > 0 || fin)) {
    std::int64_t off = h.offset_of(data_seq);
    std::int64_t end = off + static_cast<std::int64_t>(payload_len);
    if (fin && !h.fin_seen && end >= 0) {
      h.fin_seen = true;
      h.fin_offset = static_cast<std::uint64_t>(end);
    }
    const auto delivered = static_cast<std::int64_t>(h.delivered);
    if (payload_len > 0 && end <= delivered) {
      s.duplicate_bytes += payload_len;
    } else if (payload_len > 0) {
      // Trim what was delivered already (first copy wins).
      std::int64_t skip = std::max<std::int64_t>(0, delivered - off);
      s.duplicate_bytes += static_cast<std::uint64_t>(skip);
      const auto start = static_cast<std::uint64_t>(off + skip);
      // What the capture holds of this segment ends here; a segment that starts before the
      // stream's first byte and was cut by the snapshot length can end before `start` (even
      // before offset 0): then nothing of it is new.
      const auto captured_end = static_cast<std::uint64_t>(std::max<std::int64_t>(
          off + static_cast<std::int64_t>(seg.payload.size()), static_cast<std::int64_t>(start)));
      const auto stop = static_cast<std::uint64_t>(end);
      const bool in_order = start == h.delivered;
      if (!in_order) {
        ++s.out_of_order_segments;
      }
      if (in_order && (h.pending.empty() || h.pending.begin()->first >= stop)) {
        // The common case: straight from the packet, no copy.
        if (captured_end > start) {
          emit_data(c, *conn, d, seg.payload.subspan(start - static_cast<std::uint64_t>(off)), ts,
                    packet);
        }
        if (stop > h.delivered) {
          emit_gap(c, *conn, d, stop - h.delivered, GapReason::snaplen);
        }
      } else {
        if (captured_end > start) {
          buffer_run(c, *conn, d, start, captured_end - start,
                     seg.payload.data() + (start - static_cast<std::uint64_t>(off)));
        }
        if (stop > std::max(start, captured_end)) {
          const std::uint64_t hole_from = std::max(start, captured_end);
          buffer_run(c, *conn, d, hole_from, stop - hole_from, nullptr);
        }
      }
      drain(c, *conn, d);
      enforce_limits(c, *conn, d);
    }
    check_end(*conn, d);
  }

  // The peer acknowledged bytes of the other direction that the capture lacks, while later
  // bytes of it wait in the buffer (or its FIN is known): they will not come again.
  Half& o = conn->half[static_cast<int>(other)];
  if (ack && !rst && o.started && !o.ended && (!o.pending.empty() || o.fin_seen)) {
    std::int64_t acked = o.offset_of(seg.ack);
    if (acked > static_cast<std::int64_t>(o.delivered)) {
      std::uint64_t limit = o.pending.empty() ? o.fin_offset : o.pending.begin()->first;
      std::uint64_t target = std::min(static_cast<std::uint64_t>(acked), limit);
      if (target > o.delivered) {
        give_up_to(c, *conn, other, target, GapReason::acknowledged);
        check_end(*conn, other);
      }
    }
  }

  if (rst) {
    s.rst = true;
    h.ended = true;
    close_conn(c, *conn, CloseReason::rst);
    impl_->conns.erase(key);
    return;
  }
  if (h.ended && o.ended) {
    close_conn(c, *conn, CloseReason::fin);
    impl_->conns.erase(key);
  }
}

void TcpReassembler::finish() {
  std::vector<std::pair<std::uint64_t, Key>> open;
  open.reserve(impl_->conns.size());
  for (auto& [k, conn] : impl_->conns) {
    open.emplace_back(conn->pub.id, k);
  }
  std::sort(open.begin(), open.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  Ctx c{sink_, options_, buffered_total_, Timestamp{}, 0};
  for (auto& [id, k] : open) {
    auto it = impl_->conns.find(k);
    close_conn(c, *it->second, CloseReason::end_of_capture);
    impl_->conns.erase(it);
  }
}

CaptureStats read_capture(CaptureReader& reader, TcpReassembler& reassembler) {
  CaptureStats stats;
  Packet packet;
  TcpSegment segment;
  const int link_type = reader.link_type();
  while (reader.next(packet)) {
    ++stats.packets;
    stats.bytes += packet.data.size();
    FrameResult r = decode_frame(link_type, packet.data, packet.wire_len, segment);
    auto i = static_cast<std::size_t>(r);
    if (stats.frames[i]++ == 0) {
      stats.first_packet[i] = packet.number;
    }
    if (r == FrameResult::tcp) {
      ++stats.tcp_segments;
      reassembler.add(segment, packet.ts, packet.number);
    }
  }
  stats.stop_note = reader.stop_note();
  reassembler.finish();
  return stats;
}

}  // namespace hsk::capture
