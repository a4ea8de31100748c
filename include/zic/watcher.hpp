#ifndef ZIC_WATCHER_HPP
#define ZIC_WATCHER_HPP

#include "client.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

ZIC_NAMESPACE_BEGIN

/// A job's state changed, as `job_watcher` saw it.
struct job_transition {
  std::string_view job_id;
  job_state from = job_state::unknown;  ///< `unknown` at the first sighting
  job_state to = job_state::unknown;
  std::string_view state_text;          ///< the server's word for `to`
  std::optional<int> progress;
  std::string_view reason;
  /// The job's full progress when it was described (`watch_options::details`, or a job the
  /// list did not show); null otherwise.
  const import_progress* details = nullptr;
  bool gone = false;                    ///< the job no longer exists (never created, or expired)
};

/// How `job_watcher` sweeps.
struct watch_options {
  std::chrono::milliseconds interval{2000};                    ///< pause between sweeps
  std::chrono::milliseconds deadline{std::chrono::hours(24)};  ///< `run` gives up (errc::timeout)
  std::int64_t page_size = 100;                                ///< cloud list page length
  bool details = false;     ///< describe each job whose state changed, for its per-file details
  bool two_phase = false;   ///< Uncommitted counts as finished
  std::stop_token stop;     ///< cancel `run` (errc::cancelled)
};

/**
 * Follows many jobs (thousands) to completion with few requests: each sweep lists jobs (every
 * cloud page until all watched jobs were seen; one Milvus answer) to learn states and progress,
 * and calls describe only for a job whose state changed when details are asked for, or for one
 * the list did not show (to tell a vanished job from a slow list). Every request goes through
 * the client, so its retries and rate limit apply.
 *
 * @code
 * zic::job_watcher watcher(client);
 * for (auto& id : ids) watcher.add(id);
 * watcher.run([](const zic::job_transition& t) { log(t.job_id, t.to); });
 * @endcode
 */
template <http_transport Transport> class job_watcher {
public:
  explicit job_watcher(basic_client<Transport>& c, watch_options options = {})
      : client_(c), options_(std::move(options)) {}

  /// Watches `job_id` from the next sweep on.
  void add(std::string job_id) {
    if (jobs_.try_emplace(job_id).second) ++unfinished_;
  }

  /// Jobs not yet Completed, Failed (or Uncommitted with `two_phase`) or gone.
  std::size_t unfinished() const noexcept { return unfinished_; }

  /// One sweep: reports every state change through `on`.
  template <class OnTransition> result<void> sweep(OnTransition&& on) {
    ++sweep_;
    list_import_jobs_request r;
    r.page_size = options_.page_size;
    std::size_t seen = 0;
    const std::size_t wanted = unfinished_;
    auto ok = client_.for_each_import_job(
        [&](const import_job_summary& s) {
          auto it = jobs_.find(s.job_id);
          if (it == jobs_.end() || it->second.finished) return true;
          it->second.seen = sweep_;
          ++seen;
          if (s.state != it->second.state || it->second.state_text != s.state_text) {
            if (options_.details) it->second.describe = true;  // reported with its details below
            else report(*it, s.state, s.state_text, s.progress, s.reason, nullptr, on);
          }
          return seen < wanted;  // every watched job seen: no need for more pages
        },
        r);
    if (!ok) return ok;
    // Described: jobs that changed (when details are wanted) and jobs the list did not show.
    for (auto& e : jobs_) {
      auto& [id, job] = e;
      if (job.finished || (job.seen == sweep_ && !job.describe)) continue;
      job.describe = false;
      auto d = client_.describe_import(id, progress_);
      if (!d && d.error().code == errc::job_not_found) {
        job.finished = true;
        --unfinished_;
        job_transition t;
        t.job_id = id;
        t.from = job.state;
        t.gone = true;
        on(t);
        continue;
      }
      if (!d) return d;
      report(e, progress_.state, progress_.state_text, progress_.progress, progress_.reason, &progress_, on);
    }
    return {};
  }

  /// Sweeps every `interval` until no job is unfinished, the deadline passes or `stop` fires.
  template <class OnTransition> result<void> run(OnTransition&& on) {
    if (options_.interval.count() < 0)
      return zic::error(errc::invalid_argument, "watch interval must not be negative");
    const auto& clock = client_.options().clock;
    const auto deadline = detail::later(clock.now(), options_.deadline);
    while (unfinished_ > 0) {
      if (auto ok = sweep(on); !ok) return ok;
      if (unfinished_ == 0) break;
      if (detail::later(clock.now(), options_.interval) > deadline)
        return zic::error(errc::timeout, "watching " + std::to_string(unfinished_) + " import jobs timed out");
      if (!clock.sleep(options_.interval, options_.stop))
        return zic::error(errc::cancelled, "watching import jobs was cancelled");
    }
    return {};
  }

private:
  struct watched {
    job_state state = job_state::unknown;
    std::string state_text;
    std::uint64_t seen = 0;  // the last sweep that listed it
    bool describe = false;   // changed state in this sweep; details wanted
    bool finished = false;
  };
  using entry = std::pair<const std::string, watched>;

  template <class OnTransition>
  void report(entry& e, job_state to, std::string_view text, std::optional<int> progress, std::string_view reason,
              const import_progress* details, OnTransition& on) {
    auto& job = e.second;
    if (to == job.state && text == job.state_text) return;
    job_transition t;
    t.job_id = e.first;
    t.from = job.state;
    t.to = to;
    t.state_text = text;
    t.progress = progress;
    t.reason = reason;
    t.details = details;
    job.state = to;
    job.state_text.assign(text);
    if (is_terminal(to, options_.two_phase)) {
      job.finished = true;
      --unfinished_;
    }
    on(t);
  }

  basic_client<Transport>& client_;
  watch_options options_;
  std::unordered_map<std::string, watched> jobs_;
  std::size_t unfinished_ = 0;
  std::uint64_t sweep_ = 0;
  import_progress progress_;
};

ZIC_NAMESPACE_END

#endif // ZIC_WATCHER_HPP
