#ifndef ZIC_CALL_OPTIONS_HPP
#define ZIC_CALL_OPTIONS_HPP

#include "config.hpp"

#include <chrono>
#include <optional>
#include <stop_token>

ZIC_NAMESPACE_BEGIN

/**
 * What one call may override: every client call, blocking or asynchronous, takes these last.
 *
 * @code
 * std::stop_source stop;
 * zic::call_options call;
 * call.stop = stop.get_token();            // stop.request_stop() ends it with errc::cancelled
 * call.deadline = std::chrono::seconds(5); // instead of client_options::deadline
 * auto p = client.describe_import(id, call);
 * @endcode
 */
struct call_options {
  /// Ends the call with `errc::cancelled`: before an attempt, during a rate-limit wait or a
  /// backoff pause, and (on the asynchronous client) during the exchange itself.
  std::stop_token stop;
  /// Bound on this whole call, every attempt and pause included; unset means
  /// `client_options::deadline`.
  std::optional<std::chrono::milliseconds> deadline;
};

ZIC_NAMESPACE_END

#endif // ZIC_CALL_OPTIONS_HPP
