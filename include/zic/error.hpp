#ifndef ZIC_ERROR_HPP
#define ZIC_ERROR_HPP

#include "config.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

ZIC_NAMESPACE_BEGIN

/// What went wrong, coarsely; `zic::error::code` compares equal to these.
enum class errc {
  transport = 1,      ///< connect, send or receive failed, or the peer closed the connection
  timeout,            ///< a call or the overall deadline ran out
  tls,                ///< TLS handshake or certificate verification failed
  http_status,        ///< non-2xx HTTP status without an API envelope
  api_error,          ///< the server answered with a non-zero API `code`
  json_parse,         ///< the answer is not well-formed JSON (empty, truncated, too deep)
  json_schema,        ///< well-formed JSON of the wrong shape
  invalid_argument,   ///< rejected before any I/O
  too_large,          ///< the answer exceeded the configured body cap
  cancelled,          ///< stopped through a stop token
  job_not_found,      ///< the job never existed or was garbage-collected (API code 2100)
  ambiguous_outcome,  ///< a non-idempotent call may have reached the server; not retried
  busy,               ///< an asynchronous client was asked for a call while one was in flight
};

ZIC_NAMESPACE_END

template <> struct std::is_error_code_enum<zic::errc> : std::true_type {};

ZIC_NAMESPACE_BEGIN

/** The `std::error_category` of `zic::errc`. */
inline const std::error_category& error_category() noexcept {
  struct category final : std::error_category {
    const char* name() const noexcept override { return "zic"; }
    std::string message(int value) const override {
      switch (static_cast<errc>(value)) {
      case errc::transport: return "transport failure";
      case errc::timeout: return "timed out";
      case errc::tls: return "TLS failure";
      case errc::http_status: return "unexpected HTTP status";
      case errc::api_error: return "the server answered with an error code";
      case errc::json_parse: return "malformed JSON";
      case errc::json_schema: return "unexpected JSON shape";
      case errc::invalid_argument: return "invalid argument";
      case errc::too_large: return "answer too large";
      case errc::cancelled: return "cancelled";
      case errc::job_not_found: return "import job not found";
      case errc::ambiguous_outcome: return "outcome unknown";
      case errc::busy: return "a call is already in flight";
      }
      return "unknown zic error";
    }
  };
  static const category instance;
  return instance;
}

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

/// Body codes the spec lists as transient: not ready, unavailable, too many concurrent
/// requests, rate limit, limiter, timeout.
inline constexpr bool is_transient_api_code(std::int64_t code) noexcept {
  return code == 1 || code == 2 || code == 4 || code == 8 || code == 1807 || code == 10001;
}

/// HTTP statuses worth another attempt.
inline constexpr bool is_transient_http_status(int status) noexcept {
  return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 ||
         status == 504;
}

/**
 * A failure, as a value. Messages are written for the person who reads them and never contain
 * a secret.
 *
 * @code
 * auto r = client.describe_import(id);
 * if (!r && r.error().code == zic::errc::job_not_found) { ... }
 * @endcode
 */
struct error {
  std::error_code code;        ///< compares equal to a `zic::errc`
  int http_status = 0;         ///< HTTP status when an answer arrived, else 0
  std::int64_t api_code = 0;   ///< the answer's `code` when it was non-zero, else 0
  std::string message;         ///< what failed, where, and what the server said
  std::string request_id;      ///< the server's request id header, when it sent one
  /// True when the request may have reached the server (some bytes were written), so a
  /// non-idempotent call must not be resent blindly. Set by transports.
  bool request_sent = false;
  /// The server's `Retry-After`, when it sent one.
  std::optional<std::chrono::milliseconds> retry_after;
  /// Set by transports: a kept-alive connection proved closed before any byte of the answer
  /// came. The call engine resends such a request once, at once, if it may be sent twice.
  bool reused_connection_closed = false;

  error() = default;
  error(errc c, std::string msg) : code(make_error_code(c)), message(std::move(msg)) {}

  /// Whether trying again may succeed: transport failures, timeouts, 408/429/5xx and the
  /// spec's transient API codes. Says nothing about idempotency; the client decides that.
  bool retryable() const noexcept {
    if (code == errc::transport || code == errc::timeout) return true;
    if (code == errc::api_error && is_transient_api_code(api_code)) return true;
    if (code == errc::http_status || code == errc::api_error)
      return is_transient_http_status(http_status);
    return false;
  }
};

/// Thrown by `result<T>::value()` on a failed result.
class exception : public std::system_error {
public:
  explicit exception(zic::error e) : std::system_error(e.code, e.message), error_(std::move(e)) {}
  const zic::error& error() const noexcept { return error_; }
  const char* what() const noexcept override { return error_.message.c_str(); }

private:
  zic::error error_;
};

ZIC_NAMESPACE_END

#endif // ZIC_ERROR_HPP
