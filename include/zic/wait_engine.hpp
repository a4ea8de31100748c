#ifndef ZIC_WAIT_ENGINE_HPP
#define ZIC_WAIT_ENGINE_HPP

// Waiting for one job as a step machine that does no I/O: "describe now", "pause for d" or
// "done". Both clients drive it, so they poll, back off and give up alike.

#include "call_options.hpp"
#include "clock.hpp"
#include "model.hpp"
#include "result.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>

ZIC_NAMESPACE_BEGIN

/// How `wait_for_import` polls.
struct wait_options {
  std::chrono::milliseconds interval{1000};      ///< first pause between polls
  std::chrono::milliseconds max_interval{10'000};  ///< pauses grow while nothing changes, up to this
  double backoff = 1.5;                           ///< growth of the pause per unchanged poll
  std::chrono::milliseconds deadline{std::chrono::hours(24)};  ///< give up (errc::timeout) after this
  bool two_phase = false;                         ///< also stop at Uncommitted
  std::stop_token stop;                           ///< cancel (errc::cancelled)
  std::function<void(const import_progress&)> on_progress;  ///< after every poll
};

/// What a driver does next while waiting (see `wait_engine`).
struct wait_step {
  enum kind { describe, wait, done };
  kind next = done;
  std::chrono::milliseconds delay{0};  ///< how long to pause, when `next == wait`
};

/**
 * The polling policy of `wait_for_import`, sans I/O. Describe the job into `progress()` with
 * `describe_options()` (bounded by the wait's deadline and stop) when told to.
 */
class wait_engine {
public:
  wait_engine(std::string_view job_id, const wait_options& w) : job_id_(job_id), w_(w), pause_(w.interval) {
    call_.stop = w.stop;
  }

  wait_step start(clock::time_point now) {
    if (w_.interval.count() < 0 || w_.max_interval < w_.interval || !(w_.backoff >= 1.0))
      return finish(zic::error(errc::invalid_argument, "wait options must satisfy 0 <= interval <= "
                                                       "max_interval and backoff >= 1"));
    start_ = now;
    deadline_ = detail::later(now, w_.deadline);
    return poll();
  }

  /// Where each describe writes, and the options it runs under.
  import_progress& progress() noexcept { return p_; }
  const call_options& describe_options() const noexcept { return call_; }
  /// No describe outlives the wait.
  clock::time_point describe_deadline() const noexcept { return deadline_; }

  wait_step after_describe(result<void> described, clock::time_point now) {
    if (!described) return finish(std::move(described).error());
    if (w_.on_progress) w_.on_progress(p_);
    if (is_terminal(p_.state, w_.two_phase)) return finish({});
    const bool changed = p_.state_text != last_state_ || p_.progress != last_progress_;
    last_state_ = p_.state_text;
    last_progress_ = p_.progress;
    const double grown = double(pause_.count()) * w_.backoff;  // compared as double: no overflow
    pause_ = changed                                      ? w_.interval
             : grown >= double(w_.max_interval.count()) ? w_.max_interval
                                                          : std::chrono::milliseconds(std::int64_t(grown));
    if (detail::later(now, pause_) > deadline_) {
      auto waited = std::chrono::duration_cast<std::chrono::seconds>(now - start_).count();
      return finish(zic::error(errc::timeout, "wait for import job " + job_id_ + " timed out after " +
                                                  std::to_string(waited) + " s; it is still " + p_.state_text +
                                                  " at " + std::to_string(p_.progress) + "%"));
    }
    return {wait_step::wait, pause_};
  }

  /// After the pause: `interrupted` when a stop cut it short.
  wait_step after_wait(bool interrupted) { return interrupted ? finish(cancelled()) : poll(); }

  /// Ends the wait as cancelled (the driver saw its own cancellation signal).
  wait_step cancel() { return finish(cancelled()); }

  /// The last progress (a Failed job is a value), or why the wait ended without one.
  result<import_progress> take_result() {
    if (error_) return std::move(*error_);
    return std::move(p_);
  }

private:
  wait_step poll() {
    if (w_.stop.stop_requested()) return finish(cancelled());
    return {wait_step::describe, {}};
  }
  wait_step finish(result<void> r) {
    if (!r) error_.emplace(std::move(r).error());
    return {wait_step::done, {}};
  }
  zic::error cancelled() const {
    return zic::error(errc::cancelled, "wait for import job " + job_id_ + " was cancelled");
  }

  std::string job_id_;
  const wait_options& w_;
  call_options call_;
  std::chrono::milliseconds pause_;
  clock::time_point start_{}, deadline_{};
  import_progress p_;
  std::string last_state_;
  int last_progress_ = -1;
  std::optional<zic::error> error_;
};

ZIC_NAMESPACE_END

#endif // ZIC_WAIT_ENGINE_HPP
