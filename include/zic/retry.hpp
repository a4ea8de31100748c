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

namespace detail {

inline bool is_day_name(std::string_view d, bool full) noexcept {
  static constexpr std::string_view names[] = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                               "Friday", "Saturday", "Sunday"};
  for (auto n : names)
    if (d == (full ? n : n.substr(0, 3))) return true;
  return false;
}

// "hh:mm:ss"
inline bool read_time_of_day(std::string_view& s, int& hh, int& mm, int& ss) noexcept {
  return read_uint(s, 2, hh) && eat(s, ":") && read_uint(s, 2, mm) && eat(s, ":") && read_uint(s, 2, ss);
}

struct http_date {
  int year = 0, month = 0, day = 0, hh = 0, mm = 0, ss = 0;  // month 0-based
};

// The three forms RFC 9110 (5.6.7) has recipients accept:
//   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"
//   RFC 850      "Sunday, 06-Nov-94 08:49:37 GMT"  (two-digit year)
//   asctime      "Sun Nov  6 08:49:37 1994"
inline bool parse_http_date(std::string_view v, int this_year, http_date& d) noexcept {
  std::string_view s = v;
  const auto comma = v.find(',');
  if (comma != std::string_view::npos) {
    if (!is_day_name(v.substr(0, comma), comma > 3)) return false;
    s.remove_prefix(comma);
    if (!eat(s, ", ") || !read_uint(s, 2, d.day)) return false;
    const bool rfc850 = comma > 3;
    if (!eat(s, rfc850 ? "-" : " ")) return false;
    d.month = month_index(s.substr(0, 3));
    s.remove_prefix(std::min<std::size_t>(3, s.size()));
    if (!eat(s, rfc850 ? "-" : " ")) return false;
    if (rfc850) {
      int yy = 0;
      if (!read_uint(s, 2, yy)) return false;
      // A two-digit year more than 50 years ahead is the most recent past year with those digits.
      d.year = this_year / 100 * 100 + yy;
      if (d.year > this_year + 50) d.year -= 100;
    } else if (!read_uint(s, 4, d.year)) {
      return false;
    }
    if (!eat(s, " ") || !read_time_of_day(s, d.hh, d.mm, d.ss) || s != " GMT") return false;
  } else {
    if (!is_day_name(s.substr(0, 3), false)) return false;
    s.remove_prefix(std::min<std::size_t>(3, s.size()));
    if (!eat(s, " ")) return false;
    d.month = month_index(s.substr(0, 3));
    s.remove_prefix(std::min<std::size_t>(3, s.size()));
    if (!eat(s, " ")) return false;
    if (eat(s, " ")) {  // day padded with a space: " 6"
      if (!read_uint(s, 1, d.day)) return false;
    } else if (!read_uint(s, 2, d.day)) {
      return false;
    }
    if (!eat(s, " ") || !read_time_of_day(s, d.hh, d.mm, d.ss) || !eat(s, " ") || !read_uint(s, 4, d.year) ||
        !s.empty())
      return false;
  }
  return d.month >= 0 && d.day >= 1 && d.day <= 31 && d.hh <= 23 && d.mm <= 59 && d.ss <= 60;
}

} // namespace detail

/**
 * Parses a `Retry-After` value: delay-seconds (`"120"`) or an HTTP date in any of the three
 * forms RFC 9110 accepts (IMF-fixdate `"Wed, 21 Oct 2015 07:28:00 GMT"`, RFC 850
 * `"Wednesday, 21-Oct-15 07:28:00 GMT"`, asctime `"Wed Oct 21 07:28:00 2015"`), relative to
 * `now`. A date in the past means "now" (zero). Garbage gives nothing; huge values are held at
 * about three centuries (the caller clamps them to its policy).
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
  const std::int64_t now_ms = duration_cast<milliseconds>(now.time_since_epoch()).count();
  const int this_year = int(year_month_day(sys_days(days(now_ms / 86'400'000))).year());
  detail::http_date d;
  if (!detail::parse_http_date(v, this_year, d)) return std::nullopt;
  std::int64_t epoch = detail::days_from_civil(d.year, unsigned(d.month + 1), unsigned(d.day)) * 86400 +
                       d.hh * 3600 + d.mm * 60 + d.ss;
  // In milliseconds, not the clock's nanoseconds: a date centuries ahead must clamp, not overflow.
  const std::int64_t wait = epoch * 1000 - now_ms;
  return milliseconds(std::clamp<std::int64_t>(wait, 0, detail::retry_after_limit_s * 1000));
}

ZIC_NAMESPACE_END

#endif // ZIC_RETRY_HPP
