#ifndef ZIC_OBSERVER_HPP
#define ZIC_OBSERVER_HPP

#include "config.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>

ZIC_NAMESPACE_BEGIN

/// What the client did after one attempt.
enum class attempt_decision {
  done,     ///< succeeded, or failed for good on the first try of a non-retryable error
  retry,    ///< will try again after `retry_delay`
  give_up,  ///< retryable, but attempts, deadline or idempotency forbid another try
};

/**
 * One attempt of one call, as seen by `client_options::observer`. Holds no secret: no header,
 * no body, only the path.
 */
struct attempt_event {
  std::string_view operation;       ///< "create", "describe", "list", "commit", "abort"
  std::string_view method;          ///< "POST"
  std::string_view path;            ///< e.g. "/v2/vectordb/jobs/import/describe"
  int attempt = 1;                  ///< 1-based
  int http_status = 0;              ///< 0 when no answer arrived
  std::int64_t api_code = 0;        ///< the answer's non-zero code, else 0
  std::error_code error;            ///< empty on success
  std::chrono::microseconds latency{0};
  attempt_decision decision = attempt_decision::done;
  std::chrono::milliseconds retry_delay{0};  ///< when `decision == retry`
};

/// One line: `describe POST /v2/.../describe attempt 1: HTTP 200 in 1.2 ms, done`.
inline std::string to_string(const attempt_event& e) {
  std::string s;
  s.append(e.operation).append(" ").append(e.method).append(" ").append(e.path);
  s += " attempt " + std::to_string(e.attempt) + ": ";
  s += e.http_status ? "HTTP " + std::to_string(e.http_status) : std::string("no answer");
  if (e.api_code) s += ", code " + std::to_string(e.api_code);
  if (e.error) s += ", " + e.error.message();
  auto us = e.latency.count();
  s += " in " + std::to_string(us / 1000) + "." + std::to_string((us % 1000) / 100) + " ms, ";
  switch (e.decision) {
  case attempt_decision::done: s += e.error ? "failed" : "done"; break;
  case attempt_decision::retry: s += "retry after " + std::to_string(e.retry_delay.count()) + " ms"; break;
  case attempt_decision::give_up: s += "giving up"; break;
  }
  return s;
}

/// Called once per attempt; must not throw.
using attempt_observer = std::function<void(const attempt_event&)>;

ZIC_NAMESPACE_END

#endif // ZIC_OBSERVER_HPP
