#ifndef ZIC_CLOCK_HPP
#define ZIC_CLOCK_HPP

#include "config.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stop_token>

ZIC_NAMESPACE_BEGIN

/**
 * Where a client reads the time and how it pauses. The default is the steady clock and a
 * sleep that a stop token interrupts; tests and simulations substitute their own.
 */
struct clock {
  using time_point = std::chrono::steady_clock::time_point;

  std::function<time_point()> now = [] { return std::chrono::steady_clock::now(); };
  /// Pauses for `d`; returns false, early, when `stop` is requested.
  std::function<bool(std::chrono::milliseconds d, std::stop_token stop)> sleep =
      [](std::chrono::milliseconds d, std::stop_token stop) {
        if (d.count() <= 0) return !stop.stop_requested();
        d = std::min(d, std::chrono::milliseconds(std::chrono::hours(24 * 365)));  // now + d must not wrap
        std::mutex m;
        std::condition_variable_any cv;
        std::unique_lock lock(m);
        return !cv.wait_for(lock, stop, d, [] { return false; }) && !stop.stop_requested();
      };
};

namespace detail {
/// `t + d`, held within the clock's range: a caller's "forever" (`milliseconds::max()`) must
/// not wrap around into the past. A negative `d` counts as zero.
inline clock::time_point later(clock::time_point t, std::chrono::milliseconds d) noexcept {
  if (d.count() <= 0) return t;
  const auto room = std::chrono::duration_cast<std::chrono::milliseconds>(
      clock::time_point::max() - std::max(t, clock::time_point{}));
  return d >= room ? clock::time_point::max() : t + d;
}
} // namespace detail

ZIC_NAMESPACE_END

#endif // ZIC_CLOCK_HPP
