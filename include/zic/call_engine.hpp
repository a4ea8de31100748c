#ifndef ZIC_CALL_ENGINE_HPP
#define ZIC_CALL_ENGINE_HPP

// The policies of one call as a step machine that does no I/O. A driver (the blocking
// `basic_client`, or the Asio `basic_async_client`) asks it what to do next, does that, and
// reports back:
//
//   step s = engine.start(now);
//   while (s.next != step::done)
//     s = s.next == step::send ? engine.after_send(transport.send(req, answer), answer, now)
//                              : engine.after_wait(sleep(s.delay), now);
//   return engine.take_result();
//
// Pacing, the retry decision, backoff with jitter, Retry-After, the call deadline,
// cancellation, the ambiguous-outcome rule for creates, the observer and secret scrubbing all
// live here, so the two drivers cannot disagree about any of them.

#include "call_options.hpp"
#include "detail/text.hpp"
#include "model.hpp"
#include "operation.hpp"
#include "options.hpp"
#include "requests.hpp"
#include "responses.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>

#if defined(__linux__)
#include <sys/random.h>
#endif

ZIC_NAMESPACE_BEGIN

namespace detail {

/// 128 bits from the operating system's entropy, drawn anew for every key: `getrandom` on
/// Linux, a fresh `std::random_device` elsewhere. Never a seeded generator, whose few seeds
/// would let two processes draw the same key.
inline std::array<unsigned char, 16> key_entropy() {
  std::array<unsigned char, 16> bytes{};
#if defined(__linux__)
  std::size_t got = 0;
  while (got < bytes.size()) {
    const auto n = ::getrandom(bytes.data() + got, bytes.size() - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got == bytes.size()) return bytes;
#endif
  std::random_device device;
  for (std::size_t i = 0; i < bytes.size(); i += sizeof(unsigned)) {
    const unsigned v = device();
    std::memcpy(bytes.data() + i, &v, sizeof v);
  }
  return bytes;
}

/// "zic-" and the 128 bits as 32 hex digits: every bit of entropy reaches the key.
inline std::string idempotency_key_from(const std::array<unsigned char, 16>& entropy) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string key = "zic-";
  for (unsigned char b : entropy) {
    key.push_back(hex[b >> 4]);
    key.push_back(hex[b & 0xf]);
  }
  return key;
}

inline std::string random_idempotency_key() { return idempotency_key_from(key_entropy()); }

inline double uniform01() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

// Failures that show the request took no effect, so even a create may be resent without a key.
inline bool surely_not_applied(const zic::error& e) noexcept {
  if (e.code == errc::transport || e.code == errc::timeout) return !e.request_sent;
  if (e.code == errc::api_error && is_transient_api_code(e.api_code)) return true;
  return e.http_status == 429;
}

// A create whose answer arrived (or began to) but cannot be read: the job may well exist.
inline bool answer_unreadable(const zic::error& e) noexcept {
  const bool success_or_none = e.http_status == 0 || (e.http_status >= 200 && e.http_status < 300);
  return success_or_none &&
         (e.code == errc::json_parse || e.code == errc::json_schema || e.code == errc::too_large);
}

/// The create request a client sends: built, and given an idempotency key unless the caller
/// chose one or turned keys off.
inline result<http_request> make_keyed_create_request(const client_options& o, const request_context& ctx,
                                                      const create_import_request& r) {
  auto req = make_create_request(ctx, r);
  if (req && r.idempotency_key.empty() && o.retry.idempotent_create)
    req->headers.push_back({"Idempotency-Key", random_idempotency_key()});
  return req;
}

/// The cloud list ignores a collection filter; the client applies it.
inline void keep_collection(const request_context& ctx, const list_import_jobs_request& r, import_job_page& page) {
  if (ctx.cloud() && !r.collection_name.empty())
    std::erase_if(page.records, [&](const import_job_summary& s) { return s.collection_name != r.collection_name; });
}

/// The reader of answers with nothing to read (commit, abort).
inline result<void> read_nothing(std::string_view, tape_value, bool) { return {}; }

/// What every call of one client shares; the engine reads it and owns none of it.
struct call_env {
  const client_options& options;
  const request_context& ctx;
  rate_limiter* limiter;
  response_parser& parser;
  std::uint64_t& attempts;
};

} // namespace detail

/// What a driver does next for a call (see `call_engine`).
struct call_step {
  enum kind { send, wait, done };
  kind next = done;
  std::chrono::milliseconds delay{0};  ///< how long to wait, when `next == wait`
};

/**
 * One call's policies, sans I/O. `Read` reads the envelope's `data` of a successful answer
 * into the caller's output: `result<void>(std::string_view what, detail::tape_value data,
 * bool has_data)`. The request is the driver's and is updated in place (its timeout is set
 * before each send); `secrets` is the create request whose credentials are scrubbed too.
 */
template <class Read> class call_engine {
public:
  call_engine(detail::call_env env, operation op, http_request& req, Read read, const call_options& call,
              const create_import_request* secrets = nullptr)
      : env_(env), op_(op), req_(req), read_(std::forward<Read>(read)), call_(call), secrets_(secrets),
        keyed_(!req.header("Idempotency-Key").empty()) {}

  /// The first step.
  call_step start(clock::time_point now) {
    deadline_ = detail::later(now, call_.deadline.value_or(env_.options.deadline));
    return pace(now);
  }

  /// After the wait asked for: `interrupted` when the driver's wait was cut short by a stop.
  call_step after_wait(bool interrupted, clock::time_point now) {
    if (interrupted || call_.stop.stop_requested()) return finish(cancelled());
    if (waiting_ == wait_reason::pacing) return send_now(now);
    ++n_;
    return pace(now);
  }

  /// After the transport's exchange: `sent` is its outcome and `answer` what it filled in.
  call_step after_send(result<void> sent, const http_response& answer, clock::time_point now) {
    attempt_event ev;
    ev.operation = to_string(op_);
    ev.method = req_.method;
    ev.path = req_.target;
    ev.attempt = n_;
    ev.latency = std::chrono::duration_cast<std::chrono::microseconds>(now - sent_at_);
    auto outcome = sent ? map_answer(answer) : result<void>(std::move(sent).error());
    if (outcome) {
      ev.http_status = answer.status;
      notify(ev);
      return finish(std::move(outcome));
    }
    zic::error e = std::move(outcome).error();
    scrub(e);
    ev.http_status = e.http_status;
    ev.api_code = e.api_code;
    ev.error = e.code;

    const auto& policy = env_.options.retry;
    // An unreadable create answer under a key is asked again: the key brings back the same job.
    const bool lost = op_ == operation::create && detail::answer_unreadable(e);
    const bool retryable = e.retryable() || (lost && keyed_);
    bool again = retryable && n_ < policy.max_attempts;
    const bool ambiguous = (lost && !keyed_) ||
                           (again && !req_.idempotent && !keyed_ && !detail::surely_not_applied(e));
    std::chrono::milliseconds delay{0};
    if (again && !ambiguous) {
      delay = e.retry_after ? std::min(*e.retry_after, policy.max_backoff) : policy.backoff(n_, detail::uniform01());
      if (detail::later(now, delay) >= deadline_) again = false;
    }
    ev.decision = again && !ambiguous ? attempt_decision::retry
                        : retryable         ? attempt_decision::give_up
                                            : attempt_decision::done;
    ev.retry_delay = delay;
    notify(ev);

    if (ambiguous || (lost && !again)) {
      std::string why = lost ? e.message + "; the job may have been created, so it was not repeated blindly"
                             : e.message + "; the request may have reached the server, so it was not resent";
      return finish(annotate(zic::error(errc::ambiguous_outcome,
                                        why + ": list the jobs to see whether it was created, or give create "
                                              "an idempotency_key"),
                             e));
    }
    if (!again) {
      if (retryable && n_ > 1) e.message += " (gave up after " + std::to_string(n_) + " attempts)";
      return finish(annotate(std::move(e)));
    }
    waiting_ = wait_reason::backoff;
    return {call_step::wait, delay};
  }

  /// Ends the call as cancelled (the driver saw its own cancellation signal); `sent` when an
  /// exchange was cut short after the request may have reached the server.
  call_step cancel(bool sent = false) {
    zic::error e = cancelled();
    if (sent && !req_.resendable()) {
      e.request_sent = true;
      e.message += " after the request may have reached the server: list the jobs to see whether it was created";
    }
    return finish(std::move(e));
  }

  /// The call's outcome, once a step said `done`.
  result<void> take_result() { return std::move(*result_); }

private:
  enum class wait_reason { pacing, backoff };

  call_step pace(clock::time_point now) {
    if (call_.stop.stop_requested()) return finish(cancelled());
    if (env_.limiter) {
      auto wait = std::chrono::ceil<std::chrono::milliseconds>(env_.limiter->reserve(to_string(op_), now));
      if (wait.count() > 0) {
        if (detail::later(now, wait) >= deadline_) return finish(deadline_passed());
        waiting_ = wait_reason::pacing;
        return {call_step::wait, wait};
      }
    }
    return send_now(now);
  }

  call_step send_now(clock::time_point now) {
    if (call_.stop.stop_requested()) return finish(cancelled());
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - now);
    if (left.count() <= 0) return finish(deadline_passed());
    req_.timeout = std::min(env_.ctx.timeout, left);
    ++env_.attempts;
    sent_at_ = now;
    return {call_step::send, {}};
  }

  call_step finish(result<void> r) {
    result_.emplace(std::move(r));
    return {call_step::done, {}};
  }

  // Status and body together: a 2xx answer is read; any other, or an envelope with a code,
  // becomes the error that says most.
  result<void> map_answer(const http_response& resp) {
    auto ok = env_.parser.parse(resp, detail::answer_name(op_), read_);
    const bool success_status = resp.status >= 200 && resp.status < 300;
    if (ok && success_status) return ok;
    zic::error e;
    if (!ok && ok.error().code == errc::api_error) {
      e = std::move(ok).error();  // an envelope with a code: say both
      if (e.api_code == 2100 && detail::icontains(e.message, "does not exist") && op_ != operation::create &&
          op_ != operation::list)
        e.code = make_error_code(errc::job_not_found);
    } else if (resp.status >= 300 && resp.status < 400) {
      // Never followed: a redirect could carry the Authorization header to another host.
      const auto where = resp.header("Location");
      e = zic::error(errc::http_status, "HTTP " + std::to_string(resp.status) + ": a redirect" +
                                            (where.empty() ? std::string() : " to " + detail::printable(where, 200)) +
                                            ", which zic does not follow; point the endpoint at the final address");
    } else if (!success_status) {
      e = zic::error(errc::http_status, "HTTP " + std::to_string(resp.status) +
                                            (resp.body.empty() ? std::string(" with an empty body")
                                                               : ": " + detail::printable(resp.body, 200)));
    } else {
      e = std::move(ok).error();
    }
    e.http_status = resp.status;
    e.request_id = detail::printable(resp.header("X-Request-Id"), 100);
    if (auto ra = resp.header("Retry-After"); !ra.empty())
      e.retry_after = parse_retry_after(ra, std::chrono::system_clock::now());
    return e;
  }

  // Removes every credential of this call from a message built from server text.
  void scrub(zic::error& e) const {
    detail::redact_credential(e.message, env_.options.api_key.reveal());
    detail::redact_credential(e.request_id, env_.options.api_key.reveal());
    if (!secrets_) return;
    detail::redact_credential(e.message, secrets_->access_key.reveal());
    detail::redact_credential(e.message, secrets_->secret_key.reveal());
    detail::redact_credential(e.message, secrets_->token.reveal());
  }

  void notify(const attempt_event& ev) const {
    if (env_.options.observer) env_.options.observer(ev);
  }

  // Prefixes what failed and where: "describe failed (POST http://h/v2/...): ...". A transport
  // names the request at the end of its own messages; said once at the front is enough.
  zic::error annotate(zic::error e) const {
    const std::string where = req_.method + " " + req_.url();
    if (const std::string tail = " (" + where + ")"; e.message.ends_with(tail))
      e.message.resize(e.message.size() - tail.size());
    e.message = std::string(to_string(op_)) + " failed (" + where + "): " + e.message;
    return e;
  }
  zic::error annotate(zic::error e, const zic::error& cause) const {
    e.http_status = cause.http_status;
    e.api_code = cause.api_code;
    e.request_id = cause.request_id;
    e.request_sent = cause.request_sent;
    return annotate(std::move(e));
  }
  zic::error deadline_passed() const {
    return annotate(zic::error(errc::timeout, "the call's deadline passed before attempt " + std::to_string(n_) +
                                                  " could start"));
  }
  zic::error cancelled() const { return zic::error(errc::cancelled, std::string(to_string(op_)) + " was cancelled"); }

  detail::call_env env_;
  operation op_;
  http_request& req_;
  Read read_;
  const call_options& call_;
  const create_import_request* secrets_;
  bool keyed_;
  int n_ = 1;
  clock::time_point deadline_{};
  clock::time_point sent_at_{};
  wait_reason waiting_ = wait_reason::pacing;
  std::optional<result<void>> result_;
};

ZIC_NAMESPACE_END

#endif // ZIC_CALL_ENGINE_HPP
