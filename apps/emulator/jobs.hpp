#ifndef ZIC_EMULATOR_JOBS_HPP
#define ZIC_EMULATOR_JOBS_HPP

// The job store and a job's life, staged as the server's (spec section 6):
//
//   stage           state        progress  rows
//   Pending         Pending      0-10      0
//   PreImporting    Importing    10-40     imported 0; total once the files are read
//   Importing       Importing    40-70     imported grows to total
//   Sorting         Importing    70-80     imported = total
//   IndexBuilding   Importing    80-90     imported = total
//   Uncommitted     Uncommitted  99        (auto_commit=false, until commit; then Committing)
//   Completed       Completed    100
//   Failed          Failed       0         reason set; a file that cannot be read fails the
//                                          job at the end of PreImporting
//
// States are computed from the clock when asked. The only work in the background is reading a
// job's files, off the serving thread: PreImporting lasts at least until they are read.

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

struct import_file {           // one import unit: a row-based file, or a NumPy unit's columns
  std::string name;            // as reported in details[].fileName
  std::int64_t bytes = 0;
  std::int64_t rows = 0;
  std::vector<std::string> columns;  // when the format names them
  std::string error;           // non-empty: this unit fails the job
  bool simulated = false;      // not read: no store or directory holds it
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
  std::uint64_t serial = 0;                // creation order
  bool running = true;                     // counted among the unfinished jobs
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

inline bool finished(phase p) { return p == phase::completed || p == phase::failed; }

// A job's state at one instant.
struct snapshot {
  phase state = phase::pending;
  std::int64_t imported_rows = 0;
  std::int64_t total_rows = 0;
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
  using duration = steady::duration;
  std::chrono::milliseconds pending{100};
  std::chrono::milliseconds pre_importing{100};  // at least; longer while files are read
  std::chrono::milliseconds committing{200};
  double rows_per_second = 10000;

  // Stages are capped at about 31 years each, so that every time point of a job, plus its
  // retention, stays within the clock's range (292 years of nanoseconds) whatever the count.
  static constexpr double max_stage_seconds = 1e9;

  duration import_time(const job& j) const {
    const double seconds = std::min(double(j.total_rows) / rows_per_second, max_stage_seconds);
    return std::chrono::duration_cast<duration>(std::chrono::duration<double>(seconds));
  }
  // Sorting and index building each take a tenth of the import, and no less than 50 ms.
  duration finishing_stage(const job& j) const {
    return std::max<duration>(std::chrono::milliseconds(50), import_time(j) / 10);
  }

  struct timeline {
    steady::time_point pre_import, import, sort, index, done;
  };
  // Known once the files are read.
  std::optional<timeline> times(const job& j) const {
    if (!j.read) return std::nullopt;
    timeline t;
    t.pre_import = j.created + pending;
    t.import = std::max(t.pre_import + pre_importing, *j.read);
    t.sort = t.import + import_time(j);
    t.index = t.sort + finishing_stage(j);
    t.done = t.index + finishing_stage(j);
    return t;
  }

  static int band(int from, int to, duration elapsed, duration length) {
    if (length.count() <= 0) return to;
    const double f = std::clamp(std::chrono::duration<double>(elapsed) / length, 0.0, 1.0);
    return std::min(to - 1, from + static_cast<int>(f * (to - from)));
  }

  snapshot at(const job& j, steady::time_point now) const {
    snapshot s;
    const auto t = times(j);
    const auto failed_unit = std::find_if(j.files.begin(), j.files.end(), [](const import_file& f) { return !f.error.empty(); });
    if (j.aborted && *j.aborted <= now) {
      s.state = phase::failed;
      s.reason = "import job aborted by user";
      s.finished = j.aborted;
      return s;
    }
    const auto pre_import = j.created + pending;
    if (now < pre_import) {
      s.progress = band(0, 10, now - j.created, pending);
      return s;
    }
    s.state = phase::importing;
    if (!t || now < t->import) {  // PreImporting
      s.progress = band(10, 40, now - pre_import, pre_importing);
      s.total_rows = t ? j.total_rows : 0;
      return s;
    }
    if (failed_unit != j.files.end()) {
      s = snapshot{};
      s.state = phase::failed;
      s.reason = failed_unit->error;
      s.finished = t->import;
      return s;
    }
    s.total_rows = j.total_rows;
    if (now < t->sort) {
      // In doubles, compared before converting: the product can pass any integer's range.
      const double done = std::chrono::duration<double>(now - t->import).count() * rows_per_second;
      s.imported_rows =
          done >= double(j.total_rows) ? j.total_rows : static_cast<std::int64_t>(done);
      const double share = j.total_rows > 0 ? double(s.imported_rows) / double(j.total_rows) : 0;
      s.progress = std::min(69, 40 + static_cast<int>(30.0 * share));
      return s;
    }
    s.imported_rows = j.total_rows;
    if (now < t->index) {
      s.progress = band(70, 80, now - t->sort, t->index - t->sort);
      return s;
    }
    if (now < t->done) {
      s.progress = band(80, 90, now - t->index, t->done - t->index);
      return s;
    }
    if (j.auto_commit) {
      s.state = phase::completed;
      s.progress = 100;
      s.finished = t->done;
      return s;
    }
    s.progress = 99;
    if (!j.committed) {
      s.state = phase::uncommitted;
      return s;
    }
    const auto committed_at = std::max(*j.committed, t->done);
    if (now < committed_at + committing) {
      s.state = phase::committing;
      return s;
    }
    s.state = phase::completed;
    s.progress = 100;
    s.finished = committed_at + committing;
    return s;
  }

  // When the job would end if nothing else happened; none while that waits on its files being
  // read or on a commit.
  std::optional<steady::time_point> ends_at(const job& j) const {
    if (j.aborted) return j.aborted;
    const auto t = times(j);
    if (!t) return std::nullopt;
    if (std::any_of(j.files.begin(), j.files.end(), [](const import_file& f) { return !f.error.empty(); }))
      return t->import;
    if (j.auto_commit) return t->done;
    if (!j.committed) return std::nullopt;
    return std::max(*j.committed, t->done) + committing;
  }
};

// Jobs in creation order. The unfinished ones are counted as they start and end, so a create
// checks the running-job caps without visiting any job; finished ones are forgotten
// `retention` after they end. Each job is visited a bounded number of times in its life.
class job_store {
public:
  lifecycle life;
  std::chrono::seconds retention{std::chrono::hours(24)};

  job& add(job j) {
    j.serial = ++serial_;
    j.running = true;
    ++running_;
    ++running_in_[j.collection];
    order_.emplace(j.serial, j.id);
    job& stored = jobs_.emplace(j.id, std::move(j)).first->second;
    schedule(stored, stored.created);
    return stored;
  }

  job* find(const std::string& id, steady::time_point now) {
    settle(now);
    auto it = jobs_.find(id);
    return it == jobs_.end() ? nullptr : &it->second;
  }

  /// After anything that moves a job's end: its files read, a commit, an abort.
  void changed(job& j, steady::time_point now) {
    if (!j.running) return;
    schedule(j, now);
  }

  template <class Visit> void each(steady::time_point now, Visit&& visit) {
    settle(now);
    for (const auto& [serial, id] : order_) visit(jobs_.at(id));
  }

  /// Jobs not yet Completed or Failed, in `collection` when given.
  std::size_t running(steady::time_point now, const std::string* collection = nullptr) {
    settle(now);
    if (!collection) return running_;
    auto it = running_in_.find(*collection);
    return it == running_in_.end() ? 0 : it->second;
  }

  std::size_t size() const { return jobs_.size(); }
  /// Times a job's state was computed to keep the counts: grows with jobs ending, not with
  /// calls (GET /_emulator/stats shows it).
  std::uint64_t visits() const { return visits_; }

private:
  void schedule(job& j, steady::time_point now) {
    if (auto q = queued_.find(j.id); q != queued_.end()) {
      ending_.erase(q->second);
      queued_.erase(q);
    }
    auto end = life.ends_at(j);
    if (!end) return;  // waits for its files or a commit: changed() reschedules it
    queued_[j.id] = ending_.emplace(std::max(*end, now), j.id);
  }

  void settle(steady::time_point now) {
    while (!ending_.empty() && ending_.begin()->first <= now) {
      const std::string id = ending_.begin()->second;
      ending_.erase(ending_.begin());
      queued_.erase(id);
      job& j = jobs_.at(id);
      ++visits_;
      const snapshot s = life.at(j, now);
      if (!finished(s.state)) {
        // Not yet (a clock rounding): look again a moment later.
        queued_[id] = ending_.emplace(now + std::chrono::milliseconds(1), id);
        continue;
      }
      j.running = false;
      --running_;
      if (--running_in_[j.collection] == 0) running_in_.erase(j.collection);
      expiring_.emplace(*s.finished + retention, id);
    }
    while (!expiring_.empty() && expiring_.begin()->first <= now) {
      auto it = jobs_.find(expiring_.begin()->second);
      expiring_.erase(expiring_.begin());
      if (it == jobs_.end()) continue;
      order_.erase(it->second.serial);
      jobs_.erase(it);
    }
  }

  std::map<std::string, job> jobs_;
  std::map<std::uint64_t, std::string> order_;  // creation order
  std::multimap<steady::time_point, std::string> ending_;    // running jobs by when they end
  std::map<std::string, std::multimap<steady::time_point, std::string>::iterator> queued_;
  std::multimap<steady::time_point, std::string> expiring_;  // finished jobs by when they go
  std::map<std::string, std::size_t> running_in_;            // unfinished jobs per collection
  std::size_t running_ = 0;
  std::uint64_t serial_ = 0, visits_ = 0;
};

} // namespace zic_emulator

#endif
