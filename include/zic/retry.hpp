#ifndef ZIC_RETRY_HPP
#define ZIC_RETRY_HPP

#include "config.hpp"
#include "detail/ascii.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string_view>

ZIC_NAMESPACE_BEGIN

/**
 * When and how often a failed call is tried again. Retries cover transport failures,
 * timeouts, HTTP 408/429/500/502/503/504 and the spec's transient API codes; nothing else.
 * Pauses grow exponentially with full jitter (a uniform draw in [0, backoff]) and never exceed
 * `max_backoff`; a server's `Retry-After` replaces the draw, clamped to `max_backoff`.
 */
struct retry_policy {
  int max_attempts = 4;                                 ///< 1 disables retries
  std::chrono::milliseconds initial_backoff{200};       ///< cap of the first pause
  std::chrono::milliseconds max_backoff{10'000};        ///< cap of any pause
  double multiplier = 2.0;                              ///< growth of the cap per attempt
  /// Give every create an `Idempotency-Key` (random unless the caller set one), so a create
  /// that may have reached the server can be retried without duplicating the job. When off,
  /// such a failure ends in `errc::ambiguous_outcome` instead.
  bool idempotent_create = true;

  /// The upper bound of the pause after failed attempt `attempt` (1-based).
  std::chrono::milliseconds backoff_cap(int attempt) const noexcept {
    double cap = double(initial_backoff.count());
    for (int i = 1; i < attempt && cap < double(max_backoff.count()); ++i) cap *= multiplier;
    return cap >= double(max_backoff.count()) ? max_backoff  // compared as double: no overflow
                                              : std::chrono::milliseconds(std::int64_t(cap));
  }

  /// The pause after failed attempt `attempt`, given a uniform draw `u` in [0, 1).
  std::chrono::milliseconds backoff(int attempt, double u) const noexcept {
    return std::chrono::milliseconds(std::int64_t(double(backoff_cap(attempt).count()) * u));
  }
};

namespace detail {

/// Retry-After values beyond about three centuries are held there: the arithmetic stays in range.
inline constexpr std::int64_t retry_after_limit_s = 10'000'000'000;

inline int month_index(std::string_view m) noexcept {
  static constexpr std::string_view names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i)
    if (m == names[i]) return i;
  return -1;
}

// Days from 1970-01-01 to y-m-d (proleptic Gregorian), without the C library's time zone.
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

inline bool read_uint(std::string_view& s, std::size_t digits, int& out) noexcept {
  if (s.size() < digits) return false;
  int v = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    if (!is_digit(s[i])) return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  s.remove_prefix(digits);
  return true;
}

inline bool eat(std::string_view& s, std::string_view prefix) noexcept {
  if (s.substr(0, prefix.size()) != prefix) return false;
  s.remove_prefix(prefix.size());
  return true;
}

} // namespace detail

/**
 * Parses a `Retry-After` value: delay-seconds (`"120"`) or an IMF-fixdate
 * (`"Wed, 21 Oct 2015 07:28:00 GMT"`), relative to `now`. A date in the past means "now"
 * (zero). Garbage gives nothing; huge values are held at about three centuries (the caller
 * clamps them to its policy).
 */
inline std::optional<std::chrono::milliseconds>
parse_retry_after(std::string_view v, std::chrono::system_clock::time_point now) noexcept {
  using namespace std::chrono;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v.empty()) return std::nullopt;
  if (detail::is_digit(v.front())) {
    std::int64_t secs = 0;
    for (char c : v) {
      if (!detail::is_digit(c)) return std::nullopt;
      secs = secs * 10 + (c - '0');
      secs = std::min(secs, detail::retry_after_limit_s);  // a clamp, not an overflow
    }
    return milliseconds(secs * 1000);
  }
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
  std::string_view s = v;
  int day = 0, year = 0, hh = 0, mm = 0, ss = 0;
  if (v.size() != 29 || v[3] != ',' || v[4] != ' ') return std::nullopt;
  s.remove_prefix(5);
  if (!detail::read_uint(s, 2, day) || !detail::eat(s, " ")) return std::nullopt;
  int month = detail::month_index(s.substr(0, 3));
  if (month < 0) return std::nullopt;
  s.remove_prefix(3);
  if (!detail::eat(s, " ") || !detail::read_uint(s, 4, year) || !detail::eat(s, " ") ||
      !detail::read_uint(s, 2, hh) || !detail::eat(s, ":") || !detail::read_uint(s, 2, mm) ||
      !detail::eat(s, ":") || !detail::read_uint(s, 2, ss) || s != " GMT")
    return std::nullopt;
  if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  std::int64_t epoch = detail::days_from_civil(year, unsigned(month + 1), unsigned(day)) * 86400 +
                       hh * 3600 + mm * 60 + ss;
  // In milliseconds, not the clock's nanoseconds: a date centuries ahead must clamp, not overflow.
  const std::int64_t wait = epoch * 1000 - duration_cast<milliseconds>(now.time_since_epoch()).count();
  return milliseconds(std::clamp<std::int64_t>(wait, 0, detail::retry_after_limit_s * 1000));
}

ZIC_NAMESPACE_END

#endif // ZIC_RETRY_HPP
