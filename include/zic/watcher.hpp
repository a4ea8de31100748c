#ifndef ZIC_WATCHER_HPP
#define ZIC_WATCHER_HPP

#include "call_options.hpp"
#include "client.hpp"
#include "clock.hpp"

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

namespace detail {

/**
 * The watcher's bookkeeping and decisions, sans I/O, shared by `job_watcher` and
 * `async_job_watcher`. A sweep is: `begin_sweep`, every listed job through `on_listed` (a list
 * walk that stops when it returns false), then each job `next_describe` names, described into
 * `progress()` and handed to `after_describe`. `run` pauses `next_pause` between sweeps.
 */
class watch_state {
public:
  explicit watch_state(watch_options o) : options_(std::move(o)) { call_.stop = options_.stop; }

  const watch_options& options() const noexcept { return options_; }
  /// The options every call of the watcher runs under: the watcher's stop reaches them.
  const call_options& call() const noexcept { return call_; }

  void add(std::string job_id) {
    if (jobs_.try_emplace(std::move(job_id)).second) ++unfinished_;
  }
  std::size_t unfinished() const noexcept { return unfinished_; }

  /// Starts a sweep; returns the list request whose pages it walks.
  list_import_jobs_request begin_sweep() {
    ++sweep_;
    seen_ = 0;
    wanted_ = unfinished_;
    cursor_ = jobs_.end();
    started_describing_ = false;
    list_import_jobs_request r;
    r.page_size = options_.page_size;
    return r;
  }

  /// One listed job; false once every watched job was seen (no need for more pages).
  template <class On> bool on_listed(const import_job_summary& s, On& on) {
    auto it = jobs_.find(s.job_id);
    if (it == jobs_.end() || it->second.finished) return true;
    it->second.seen = sweep_;
    ++seen_;
    if (s.state != it->second.state || it->second.state_text != s.state_text) {
      if (options_.details) it->second.describe = true;  // reported with its details below
      else report(*it, s.state, s.state_text, s.progress, s.reason, nullptr, on);
    }
    return seen_ < wanted_;
  }

  /// The next job to describe in this sweep (one that changed, when details are wanted, or
  /// one the list did not show), or null when the sweep is over.
  const std::string* next_describe() {
    if (!started_describing_) {
      started_describing_ = true;
      cursor_ = jobs_.begin();
    } else if (cursor_ != jobs_.end()) {
      ++cursor_;
    }
    for (; cursor_ != jobs_.end(); ++cursor_) {
      auto& job = cursor_->second;
      if (job.finished || (job.seen == sweep_ && !job.describe)) continue;
      job.describe = false;
      return &cursor_->first;
    }
    return nullptr;
  }

  import_progress& progress() noexcept { return progress_; }

  /// The outcome of describing the job `next_describe` named.
  template <class On> result<void> after_describe(result<void> described, On& on) {
    auto& [id, job] = *cursor_;
    if (!described && described.error().code == errc::job_not_found) {
      job.finished = true;
      --unfinished_;
      job_transition t;
      t.job_id = id;
      t.from = job.state;
      t.gone = true;
      on(t);
      return {};
    }
    if (!described) return described;
    report(*cursor_, progress_.state, progress_.state_text, progress_.progress, progress_.reason, &progress_, on);
    return {};
  }

  /// Starts `run`: checks the options and sets its deadline.
  result<void> start_run(clock::time_point now) {
    if (options_.interval.count() < 0) return zic::error(errc::invalid_argument, "watch interval must not be negative");
    deadline_ = detail::later(now, options_.deadline);
    return {};
  }

  /// The pause before the next sweep, or the timeout when it would pass the deadline.
  result<std::chrono::milliseconds> next_pause(clock::time_point now) const {
    if (detail::later(now, options_.interval) > deadline_)
      return zic::error(errc::timeout, "watching " + std::to_string(unfinished_) + " import jobs timed out");
    return options_.interval;
  }

  static zic::error cancelled() { return zic::error(errc::cancelled, "watching import jobs was cancelled"); }

private:
  struct watched {
    job_state state = job_state::unknown;
    std::string state_text;
    std::uint64_t seen = 0;  // the last sweep that listed it
    bool describe = false;   // changed state in this sweep; details wanted
    bool finished = false;
  };
  using jobs_map = std::unordered_map<std::string, watched>;

  template <class On>
  void report(typename jobs_map::value_type& e, job_state to, std::string_view text, std::optional<int> progress,
              std::string_view reason, const import_progress* details, On& on) {
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

  watch_options options_;
  call_options call_;
  jobs_map jobs_;
  std::size_t unfinished_ = 0;
  std::uint64_t sweep_ = 0;
  std::size_t seen_ = 0, wanted_ = 0;
  typename jobs_map::iterator cursor_{};
  bool started_describing_ = false;
  clock::time_point deadline_ = clock::time_point::max();
  import_progress progress_;
};

} // namespace detail

/**
 * Follows many jobs (thousands) to completion with few requests: each sweep lists jobs (every
 * cloud page until all watched jobs were seen; one Milvus answer) to learn states and progress,
 * and calls describe only for a job whose state changed when details are asked for, or for one
 * the list did not show (to tell a vanished job from a slow list). Every request goes through
 * the client, so its retries and rate limit apply, and the watcher's stop token reaches each.
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
      : client_(c), state_(std::move(options)) {}

  /// Watches `job_id` from the next sweep on.
  void add(std::string job_id) { state_.add(std::move(job_id)); }

  /// Jobs not yet Completed, Failed (or Uncommitted with `two_phase`) or gone.
  std::size_t unfinished() const noexcept { return state_.unfinished(); }

  /// One sweep: reports every state change through `on`.
  template <class OnTransition> result<void> sweep(OnTransition&& on) {
    auto listed = client_.for_each_import_job([&](const import_job_summary& s) { return state_.on_listed(s, on); },
                                              state_.begin_sweep(), state_.call());
    if (!listed) return listed;
    while (const std::string* id = state_.next_describe()) {
      auto d = client_.describe_import(*id, state_.progress(), state_.call());
      if (auto ok = state_.after_describe(std::move(d), on); !ok) return ok;
    }
    return {};
  }

  /// Sweeps every `interval` until no job is unfinished, the deadline passes or `stop` fires.
  template <class OnTransition> result<void> run(OnTransition&& on) {
    const auto& clock = client_.options().clock;
    if (auto ok = state_.start_run(clock.now()); !ok) return ok;
    while (state_.unfinished() > 0) {
      if (auto ok = sweep(on); !ok) return ok;
      if (state_.unfinished() == 0) break;
      auto pause = state_.next_pause(clock.now());
      if (!pause) return std::move(pause).error();
      if (!clock.sleep(*pause, state_.options().stop)) return detail::watch_state::cancelled();
    }
    return {};
  }

private:
  basic_client<Transport>& client_;
  detail::watch_state state_;
};

ZIC_NAMESPACE_END

#endif // ZIC_WATCHER_HPP
