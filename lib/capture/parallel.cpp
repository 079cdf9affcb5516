// ParallelSink: events are copied into per-worker batches on the calling thread (stream bytes
// into the batch's arena), handed over through a bounded queue, and replayed on the worker's
// sink with a Connection of the worker's own. Output is put back in close order by a ticket
// per on_close.
#include "capture/parallel.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace hsk::capture {

namespace {

// A batch is handed to its worker when it holds this much stream data or this many events.
constexpr std::size_t kBatchBytes = std::size_t{64} << 10;
constexpr std::size_t kBatchEvents = 1024;

enum class Kind : std::uint8_t { open, data, gap, note, close, task };

struct Event {
  Kind kind = Kind::task;
  ConnectionInfo conn;
  std::uint64_t packet = 0;  // the on_packet in force when the event was raised
  Timestamp ts;
  DataEvent data;  // data: bytes are arena[arena_at, arena_at + data_size)
  std::size_t arena_at = 0;
  std::size_t data_size = 0;
  GapEvent gap;
  Direction dir = Direction::client_to_server;  // note
  std::string note;
  CloseReason reason = CloseReason::fin;
  std::uint64_t ticket = 0;  // close: the output's place
  std::size_t task = 0;      // task: index into Batch::tasks
};

struct Batch {
  std::vector<Event> events;
  Bytes arena;
  std::vector<std::function<void(StreamSink&)>> tasks;
  std::size_t size() const { return arena.size() + events.size() * sizeof(Event); }
};

}  // namespace

struct Worker {
  ParallelSink::Emit emit;  // what the sink is made with: appends to `out`
  std::unique_ptr<StreamSink> sink;
  std::thread thread;
  std::mutex m;
  std::condition_variable work;  // the worker waits for a batch
  std::condition_variable room;  // the calling thread waits for room in the queue
  std::deque<Batch> queue;
  std::size_t queued = 0;  // Batch::size() of what is in the queue
  bool closing = false;
  // The calling thread's side.
  Batch building;
  // The worker thread's side.
  std::unordered_map<std::uint64_t, std::unique_ptr<Connection>> conns;
  std::string out;  // text emitted since the last close
  bool packet_given = false;
  std::uint64_t packet = 0;
  Timestamp ts;
};

struct ParallelSink::Impl {
  std::vector<std::unique_ptr<Worker>> workers;
  Emit out;
  // The calling thread's side.
  std::uint64_t packet = 0;
  Timestamp ts;
  std::unordered_map<std::uint64_t, std::size_t> owner;  // connection id -> worker
  std::size_t next_worker = 0;
  std::uint64_t next_ticket = 0;
  bool finished = false;
  // Ordered output.
  std::mutex out_m;
  std::map<std::uint64_t, std::string> waiting;
  std::uint64_t next_out = 0;
  // The first failure.
  std::atomic<bool> failed{false};
  mutable std::mutex fail_m;
  std::exception_ptr failure;

  void fail(std::exception_ptr e) {
    std::lock_guard<std::mutex> lk(fail_m);
    if (!failure) {
      failure = std::move(e);
    }
    failed = true;
  }

  void write(const std::string& text) {
    if (text.empty() || failed) {
      return;
    }
    try {
      out(text);
    } catch (...) {
      fail(std::current_exception());
    }
  }

  // deliver writes a closed connection's output when its turn has come, and whatever was
  // waiting for it.
  void deliver(std::uint64_t ticket, std::string text) {
    std::lock_guard<std::mutex> lk(out_m);
    if (ticket != next_out) {
      waiting.emplace(ticket, std::move(text));
      return;
    }
    write(text);
    ++next_out;
    for (auto it = waiting.begin(); it != waiting.end() && it->first == next_out;
         it = waiting.erase(it)) {
      write(it->second);
      ++next_out;
    }
  }

  Event event(Kind kind, const Connection& c) const {
    Event e;
    e.kind = kind;
    e.conn = c;  // the public facts, not the user state
    e.packet = packet;
    e.ts = ts;
    return e;
  }

  // add queues an event for worker `index`, handing the batch over when it is big enough.
  void add(std::size_t index, Event e) {
    Worker& w = *workers[index];
    w.building.events.push_back(std::move(e));
    if (w.building.arena.size() >= kBatchBytes || w.building.events.size() >= kBatchEvents) {
      hand_over(w);
    }
  }

  void hand_over(Worker& w) {
    if (w.building.events.empty()) {
      return;
    }
    const std::size_t size = w.building.size();
    {
      std::unique_lock<std::mutex> lk(w.m);
      w.room.wait(lk, [&] { return w.queued == 0 || w.queued + size <= kMaxQueuedBytes; });
      w.queue.push_back(std::move(w.building));
      w.queued += size;
    }
    w.work.notify_one();
    w.building = Batch{};
  }

  void handle(Worker& w, Batch& b, Event& e) {
    if (e.kind == Kind::task) {
      b.tasks[e.task](*w.sink);
      return;
    }
    if (!w.packet_given || e.packet != w.packet || !(e.ts == w.ts)) {
      w.packet_given = true;
      w.packet = e.packet;
      w.ts = e.ts;
      w.sink->on_packet(e.packet, e.ts);
    }
    if (e.kind == Kind::open) {
      auto c = std::make_unique<Connection>();
      static_cast<ConnectionInfo&>(*c) = e.conn;
      Connection& ref = *c;
      w.conns[e.conn.id] = std::move(c);
      w.sink->on_open(ref);
      return;
    }
    auto it = w.conns.find(e.conn.id);
    if (it == w.conns.end()) {
      return;  // cannot happen: every connection opens first
    }
    Connection& c = *it->second;
    static_cast<ConnectionInfo&>(c) = e.conn;
    switch (e.kind) {
      case Kind::data:
        e.data.bytes = ByteView(b.arena).subspan(e.arena_at, e.data_size);
        w.sink->on_data(c, e.data);
        break;
      case Kind::gap:
        w.sink->on_gap(c, e.gap);
        break;
      case Kind::note:
        w.sink->on_note(c, e.dir, e.note);
        break;
      case Kind::close: {
        w.sink->on_close(c, e.reason);
        std::string text;
        text.swap(w.out);
        deliver(e.ticket, std::move(text));
        w.conns.erase(it);  // frees the user state after on_close, as the reassembler does
        break;
      }
      case Kind::open:
      case Kind::task:
        break;
    }
  }

  void run(Worker& w) {
    for (;;) {
      Batch b;
      {
        std::unique_lock<std::mutex> lk(w.m);
        w.work.wait(lk, [&] { return !w.queue.empty() || w.closing; });
        if (w.queue.empty()) {
          return;
        }
        b = std::move(w.queue.front());
        w.queue.pop_front();
        w.queued -= b.size();
      }
      w.room.notify_one();
      if (failed) {
        continue;  // drain without work, so that the calling thread is not held up
      }
      try {
        for (Event& e : b.events) {
          handle(w, b, e);
        }
      } catch (...) {
        fail(std::current_exception());
      }
    }
  }

  void stop_workers() {
    for (auto& w : workers) {
      {
        std::lock_guard<std::mutex> lk(w->m);
        w->closing = true;
      }
      w->work.notify_one();
    }
    for (auto& w : workers) {
      if (w->thread.joinable()) {
        w->thread.join();
      }
    }
  }
};

ParallelSink::ParallelSink(std::size_t workers, const MakeSink& make, Emit out)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.out = std::move(out);
  const std::size_t n = workers == 0 ? 1 : workers;
  for (std::size_t i = 0; i < n; ++i) {
    auto w = std::make_unique<Worker>();
    Worker* wp = w.get();
    w->emit = [wp](std::string_view text) { wp->out.append(text); };
    w->sink = make(i, w->emit);
    m.workers.push_back(std::move(w));
  }
  try {
    for (auto& w : m.workers) {
      Worker* wp = w.get();
      w->thread = std::thread([this, wp] { impl_->run(*wp); });
    }
  } catch (...) {
    m.stop_workers();
    throw;
  }
}

ParallelSink::~ParallelSink() {
  if (!impl_->finished) {
    impl_->failed = true;  // skip what is queued
    impl_->stop_workers();
  }
}

void ParallelSink::on_packet(std::uint64_t packet, Timestamp ts) {
  impl_->packet = packet;
  impl_->ts = ts;
}

void ParallelSink::on_open(Connection& connection) {
  Impl& m = *impl_;
  const std::size_t index = m.next_worker;
  m.next_worker = (m.next_worker + 1) % m.workers.size();
  m.owner[connection.id] = index;
  m.add(index, m.event(Kind::open, connection));
}

void ParallelSink::on_data(Connection& connection, const DataEvent& event) {
  Impl& m = *impl_;
  auto it = m.owner.find(connection.id);
  if (it == m.owner.end()) {
    return;
  }
  Worker& w = *m.workers[it->second];
  Event e = m.event(Kind::data, connection);
  e.data = event;
  e.data.bytes = {};
  e.arena_at = w.building.arena.size();
  e.data_size = event.bytes.size();
  w.building.arena.insert(w.building.arena.end(), event.bytes.begin(), event.bytes.end());
  m.add(it->second, std::move(e));
}

void ParallelSink::on_gap(Connection& connection, const GapEvent& event) {
  Impl& m = *impl_;
  auto it = m.owner.find(connection.id);
  if (it == m.owner.end()) {
    return;
  }
  Event e = m.event(Kind::gap, connection);
  e.gap = event;
  m.add(it->second, std::move(e));
}

void ParallelSink::on_note(Connection& connection, Direction dir, const std::string& note) {
  Impl& m = *impl_;
  auto it = m.owner.find(connection.id);
  if (it == m.owner.end()) {
    return;
  }
  Event e = m.event(Kind::note, connection);
  e.dir = dir;
  e.note = note;
  m.add(it->second, std::move(e));
}

void ParallelSink::on_close(Connection& connection, CloseReason reason) {
  Impl& m = *impl_;
  auto it = m.owner.find(connection.id);
  if (it == m.owner.end()) {
    return;
  }
  const std::size_t index = it->second;
  m.owner.erase(it);
  Event e = m.event(Kind::close, connection);
  e.reason = reason;
  e.ticket = m.next_ticket++;
  m.add(index, std::move(e));
}

void ParallelSink::each(std::function<void(StreamSink&)> task) {
  Impl& m = *impl_;
  for (std::size_t i = 0; i < m.workers.size(); ++i) {
    Batch& b = m.workers[i]->building;
    Event e;
    e.kind = Kind::task;
    e.task = b.tasks.size();
    b.tasks.push_back(task);
    m.add(i, std::move(e));
  }
}

void ParallelSink::finish() {
  Impl& m = *impl_;
  if (m.finished) {
    return;
  }
  for (auto& w : m.workers) {
    m.hand_over(*w);
  }
  m.stop_workers();
  m.finished = true;
  for (auto& w : m.workers) {
    m.write(w->out);  // text emitted after the worker's last close
    w->out.clear();
  }
  check();
}

void ParallelSink::check() const {
  if (impl_->failed) {
    std::lock_guard<std::mutex> lk(impl_->fail_m);
    if (impl_->failure) {
      std::rethrow_exception(impl_->failure);
    }
  }
}

std::size_t ParallelSink::workers() const { return impl_->workers.size(); }

StreamSink& ParallelSink::sink(std::size_t index) { return *impl_->workers.at(index)->sink; }

}  // namespace hsk::capture
