#ifndef ZIC_EMULATOR_JOBS_HPP
#define ZIC_EMULATOR_JOBS_HPP

// The job store and lifecycle: Pending → Importing → Completed, or Failed; with
// auto_commit=false, Importing → Uncommitted → (commit) Committing → Completed, and abort → Failed.
// States are computed from the clock when asked. The only work in the background is reading
// a job's files, off the serving thread: the job stays Pending until it is done.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace zic_emulator {

using steady = std::chrono::steady_clock;

struct import_file {
  std::string name;          // as reported in details[].fileName
  std::int64_t bytes = 0;
  std::int64_t rows = 0;
  std::string error;         // non-empty: this file fails the job
};

struct job {
  std::string id;
  std::string db, collection, partition;
  std::vector<import_file> files;
  bool auto_commit = true;
  steady::time_point created;
  std::chrono::system_clock::time_point created_wall;
  std::optional<steady::time_point> committed, aborted;
  std::optional<steady::time_point> read;  // when its files were read and counted
  std::int64_t total_rows = 0, total_bytes = 0;
};

enum class phase { pending, importing, uncommitted, committing, completed, failed };

inline const char* phase_name(phase p) {
  switch (p) {
  case phase::pending: return "Pending";
  case phase::importing: return "Importing";
  case phase::uncommitted: return "Uncommitted";
  case phase::committing: return "Committing";
  case phase::completed: return "Completed";
  case phase::failed: return "Failed";
  }
  return "None";
}

// A job's state at one instant.
struct snapshot {
  phase state = phase::pending;
  std::int64_t imported_rows = 0;
  int progress = 0;
  std::string reason;
  std::optional<steady::time_point> finished;  // when it became Completed or Failed
};

inline std::string iso8601(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

struct lifecycle {
  std::chrono::milliseconds pending{100};
  std::chrono::milliseconds committing{200};
  double rows_per_second = 10000;

  std::chrono::nanoseconds import_time(const job& j) const {
    return std::chrono::nanoseconds(static_cast<std::int64_t>(double(j.total_rows) / rows_per_second * 1e9));
  }

  // Importing starts once the files were read, and not before the pending time.
  static std::optional<steady::time_point> start_of(const job& j, std::chrono::milliseconds pending) {
    if (!j.read) return std::nullopt;
    return std::max(j.created + pending, *j.read);
  }

  snapshot at(const job& j, steady::time_point now) const {
    snapshot s;
    const auto start = start_of(j, pending);
    const auto file_error = std::find_if(j.files.begin(), j.files.end(), [](const import_file& f) { return !f.error.empty(); });
    if (j.aborted && *j.aborted <= now) {
      s.state = phase::failed;
      s.reason = "import job aborted by user";
      s.finished = j.aborted;
      s.imported_rows = rows_done(j, std::min(now, *j.aborted));
      s.progress = percent(j, s.imported_rows);
      return s;
    }
    if (!start || now < *start) return s;
    const auto started = *start;
    if (file_error != j.files.end()) {
      s.state = phase::failed;
      s.reason = file_error->error;
      s.finished = started;
      return s;
    }
    s.imported_rows = rows_done(j, now);
    const auto done_at = started + import_time(j);
    if (now < done_at) {
      s.state = phase::importing;
      s.progress = std::min(percent(j, s.imported_rows), 99);
      return s;
    }
    s.imported_rows = j.total_rows;
    if (j.auto_commit) {
      s.state = phase::completed;
      s.progress = 100;
      s.finished = std::chrono::time_point_cast<steady::duration>(done_at);
      return s;
    }
    if (!j.committed) {
      s.state = phase::uncommitted;
      s.progress = 99;
      return s;
    }
    const auto committed_at = std::max(*j.committed, std::chrono::time_point_cast<steady::duration>(done_at));
    if (now < committed_at + committing) {
      s.state = phase::committing;
      s.progress = 99;
      return s;
    }
    s.state = phase::completed;
    s.progress = 100;
    s.finished = committed_at + committing;
    return s;
  }

  std::int64_t rows_done(const job& j, steady::time_point now) const {
    const auto start = start_of(j, pending);
    if (!start || now <= *start) return 0;
    double secs = std::chrono::duration<double>(now - *start).count();
    return std::min(j.total_rows, static_cast<std::int64_t>(secs * rows_per_second));
  }

  static int percent(const job& j, std::int64_t rows) {
    if (j.total_rows <= 0) return 0;
    return static_cast<int>(rows * 100 / j.total_rows);
  }
};

// Jobs in creation order; finished ones are forgotten `retention` after they end.
class job_store {
public:
  lifecycle life;
  std::chrono::seconds retention{std::chrono::hours(24)};

  job& add(job j) {
    order_.push_back(j.id);
    unfinished_.push_back(j.id);
    return jobs_.emplace(j.id, std::move(j)).first->second;
  }

  job* find(const std::string& id, steady::time_point now) {
    expire(now);
    auto it = jobs_.find(id);
    return it == jobs_.end() ? nullptr : &it->second;
  }

  template <class Visit> void each(steady::time_point now, Visit&& visit) {
    expire(now);
    for (const auto& id : order_) visit(jobs_.at(id));
  }

  // Jobs still pending or importing (in `collection`, when given). Only jobs not yet seen
  // finished are visited, and those found finished leave the list: a create costs what is
  // running, not every job ever held.
  std::size_t running(steady::time_point now, const std::string* collection = nullptr) {
    std::size_t n = 0;
    std::erase_if(unfinished_, [&](const std::string& id) {
      auto it = jobs_.find(id);
      if (it == jobs_.end()) return true;
      auto p = life.at(it->second, now).state;
      if (p != phase::pending && p != phase::importing) return true;
      if (!collection || it->second.collection == *collection) ++n;
      return false;
    });
    return n;
  }

  std::size_t size() const { return jobs_.size(); }

private:
  void expire(steady::time_point now) {
    // A sweep costs a pass over every job: at most one per 50 ms keeps many-job runs cheap.
    if (now < next_sweep_) return;
    next_sweep_ = now + std::chrono::milliseconds(50);
    std::erase_if(order_, [&](const std::string& id) {
      auto s = life.at(jobs_.at(id), now);
      if (s.finished && now >= *s.finished + retention) {
        jobs_.erase(id);
        return true;
      }
      return false;
    });
  }

  std::map<std::string, job> jobs_;
  std::vector<std::string> order_;
  std::vector<std::string> unfinished_;  // ids not yet seen past importing
  steady::time_point next_sweep_{};
};

} // namespace zic_emulator

#endif
