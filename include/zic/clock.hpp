#ifndef ZIC_CLOCK_HPP
#define ZIC_CLOCK_HPP

#include "config.hpp"

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
        std::mutex m;
        std::condition_variable_any cv;
        std::unique_lock lock(m);
        return !cv.wait_for(lock, stop, d, [] { return false; }) && !stop.stop_requested();
      };
};

ZIC_NAMESPACE_END

#endif // ZIC_CLOCK_HPP
