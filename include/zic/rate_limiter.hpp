#ifndef ZIC_RATE_LIMITER_HPP
#define ZIC_RATE_LIMITER_HPP

#include "config.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

ZIC_NAMESPACE_BEGIN

/**
 * Client-side pacing: at most `rate` requests per second to each endpoint path (the cloud's
 * documented limit is 20 per user per endpoint). Each call reserves the next free slot and is
 * told how long to wait for it, so threads sharing one limiter queue fairly without spinning.
 * Thread-safe; share one between clients with `std::shared_ptr`.
 */
class rate_limiter {
public:
  using time_point = std::chrono::steady_clock::time_point;

  /// The slowest pacing kept: one request a day. Slower rates are paced at it.
  static constexpr double min_rate = 1.0 / 86400;

  explicit rate_limiter(double rate) : rate_(rate) {}

  double rate() const noexcept { return rate_; }

  /// Reserves a slot for `key` at or after `now`; returns how long to wait for it.
  std::chrono::nanoseconds reserve(std::string_view key, time_point now) {
    if (!(rate_ > 0)) return {};  // off (NaN included)
    // Held at `min_rate`: a vanishing rate must not overflow the spacing.
    const auto spacing = std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / std::max(rate_, min_rate)));
    std::lock_guard lock(mutex_);
    auto it = next_.find(key);
    if (it == next_.end()) it = next_.emplace(std::string(key), now).first;
    time_point slot = it->second > now ? it->second : now;
    it->second = slot + spacing;
    return slot - now;
  }

private:
  double rate_;
  std::mutex mutex_;
  std::map<std::string, time_point, std::less<>> next_;
};

ZIC_NAMESPACE_END

#endif // ZIC_RATE_LIMITER_HPP
