#ifndef ZIC_EMULATOR_READERS_HPP
#define ZIC_EMULATOR_READERS_HPP

// The threads that read jobs' files, away from the one that answers requests. Jobs take turns:
// a job has at most one unit being read, and after each unit it goes behind every job that
// waits. So a job whose store drips holds one reader (until the read deadline ends that file),
// never all of them, and a new job starts as soon as a reader is free.

#include "jobs.hpp"

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace zic_emulator {

class file_readers {
public:
  using unit_reader = std::function<import_file()>;
  using on_read = std::function<void(std::vector<import_file>)>;

  /// `stopping` is set when the readers stop; reads in progress watch it and give up.
  file_readers(std::size_t threads, std::atomic<bool>& stopping) : stopping_(stopping) {
    for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
  }

  ~file_readers() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
  }

  file_readers(const file_readers&) = delete;
  file_readers& operator=(const file_readers&) = delete;

  /// Reads `units` in order, one at a time, and hands what was read to `done` on a reader
  /// thread. A unit that fails ends the reading: the job fails with it, so the units after it
  /// are not read.
  void submit(std::vector<unit_reader> units, on_read done) {
    auto w = std::make_shared<work>();
    w->units = std::move(units);
    w->done = std::move(done);
    {
      std::lock_guard lock(mutex_);
      waiting_.push_back(std::move(w));
    }
    wake_.notify_one();
  }

private:
  struct work {
    std::vector<unit_reader> units;
    std::vector<import_file> read;
    on_read done;
  };

  void run() {
    for (;;) {
      std::shared_ptr<work> w;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || !waiting_.empty(); });
        if (stopping_) return;
        w = std::move(waiting_.front());
        waiting_.pop_front();
      }
      if (w->read.size() < w->units.size()) w->read.push_back(w->units[w->read.size()]());
      if (w->read.size() == w->units.size() || !w->read.back().error.empty()) {
        w->done(std::move(w->read));
        continue;
      }
      {
        std::lock_guard lock(mutex_);
        waiting_.push_back(std::move(w));  // behind the jobs that wait: each gets its turn
      }
      wake_.notify_one();
    }
  }

  std::atomic<bool>& stopping_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<work>> waiting_;
  std::vector<std::thread> threads_;
};

} // namespace zic_emulator

#endif
