#ifndef ZIC_CALL_ENGINE_HPP
#define ZIC_CALL_ENGINE_HPP

// The policies of one call as a step machine that does no I/O. A driver (the blocking
// `basic_client`, or the Asio `basic_async_client`) asks it what to do next, does that, and
// reports back:
//
//   step s = engine.start(now);
//   while (s.next != step::done)
//     s = s.next == step::send ? engine.after_send(transport.send(req, answer), answer, now, jitter, wall)
//                              : engine.after_wait(sleep(s.delay), now);
//   return engine.take_result();
//
// Pacing, the retry decision (`decide_retry`, a pure function), backoff with jitter,
// Retry-After, the call deadline, cancellation, the one resend of a request that met a closed
// kept-alive connection, the ambiguous-outcome rule for creates, the observer and secret
// scrubbing all live here, so no driver and no transport can disagree about any of them. Time
// and randomness are the driver's inputs. What an answer means (the import API's envelope, an
// object store's XML) is the `Answer` policy's.

#include "call_options.hpp"
#include "clock.hpp"
#include "detail/text.hpp"
#include "model.hpp"
#include "observer.hpp"
#include "operation.hpp"
#include "options.hpp"
#include "requests.hpp"
#include "responses.hpp"
#include "transport.hpp"

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

} // namespace detail

/// What the engine does after a failed attempt (`decide_retry`).
enum class retry_verdict {
  done,       ///< not worth another attempt: report the error
  retry,      ///< try again after a backoff
  give_up,    ///< worth another attempt, but the attempts are spent
  ambiguous,  ///< another attempt could apply a non-idempotent call twice: report that
};

namespace detail {

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

/**
 * The retry decision, as a pure function of the failure and the call: `attempt` is the attempt
 * that failed (from 1), `keyed` whether the request carries an `Idempotency-Key`, `creates`
 * whether the call creates a job (an unreadable answer may hide one). The deadline is the
 * caller's to check once a delay is known.
 */
inline retry_verdict decide_retry(const zic::error& e, int attempt, int max_attempts, bool keyed, bool idempotent,
                                  bool creates) noexcept {
  // An unreadable create answer under a key is asked again: the key brings back the same job.
  const bool lost = creates && answer_unreadable(e);
  const bool retryable = e.retryable() || (lost && keyed);
  if (lost && !keyed) return retry_verdict::ambiguous;
  if (!retryable) return retry_verdict::done;
  if (attempt >= max_attempts) return lost ? retry_verdict::ambiguous : retry_verdict::give_up;
  if (!idempotent && !keyed && !surely_not_applied(e)) return retry_verdict::ambiguous;
  return retry_verdict::retry;
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

} // namespace detail

/// A call as the engine names it: in events, messages and the rate limiter, and whether it
/// creates a job (so that an answer it cannot read may hide one).
struct call_kind {
  std::string_view name;
  bool creates = false;
  std::string_view job;  ///< the import job a read-only call (describe) is about, if any
  constexpr call_kind(std::string_view n, bool c = false) noexcept : name(n), creates(c) {}
  constexpr call_kind(operation op) noexcept : name(to_string(op)), creates(op == operation::create) {}
};

/// What every call of one client shares; the engine reads it and owns none of it.
struct call_env {
  const retry_policy& retry;
  std::chrono::milliseconds deadline;  ///< the call's, unless its `call_options` say otherwise
  std::chrono::milliseconds timeout;   ///< one attempt's, at most
  const attempt_observer* observer;    ///< told of every attempt; may be null
  std::string_view credential;         ///< scrubbed from every message (an API key, say)
  rate_limiter* limiter;               ///< paces the calls; may be null
  std::uint64_t& attempts;             ///< counts every request sent

  /// The environment of an import API client.
  static call_env of(const client_options& o, const request_context& ctx, rate_limiter* limiter,
                     std::uint64_t& attempts) {
    return {o.retry, o.deadline, ctx.timeout, &o.observer, o.api_key.reveal(), limiter, attempts};
  }
};

/// What a driver does next for a call (see `call_engine`).
struct call_step {
  enum kind { send, wait, done };
  kind next = done;
  std::chrono::milliseconds delay{0};  ///< how long to wait, when `next == wait`
};

/**
 * One call's policies, sans I/O. `Answer` says what an exchange's answer means:
 * `result<void>(const http_response&)`, success or the error the answer carries (for the import
 * API, `detail::api_answer` reads the envelope into the caller's output). It may also offer
 * `void scrub(zic::error&) const` to mask credentials of its own. The request is the driver's
 * and is updated in place (its timeout is set before each send).
 */
template <class Answer> class call_engine {
public:
  call_engine(call_env env, call_kind kind, http_request& req, Answer answer, const call_options& call)
      : env_(env), kind_(kind), req_(req), answer_(std::forward<Answer>(answer)), call_(call),
        keyed_(!req.header("Idempotency-Key").empty()) {}

  /// The first step.
  call_step start(clock::time_point now) {
#if !defined(NDEBUG)
    ZIC_ASSERT(phase_ == phase::fresh, "call_engine: start() begins a call once");
    phase_ = phase::waiting;
#endif
    deadline_ = detail::later(now, call_.deadline.value_or(env_.deadline));
    return pace(now);
  }

  /// After the wait asked for: `interrupted` when the driver's wait was cut short by a stop.
  call_step after_wait(bool interrupted, clock::time_point now) {
    expect(phase::waiting);
    if (interrupted || call_.stop.stop_requested()) return finish(cancelled());
    if (waiting_ == wait_reason::pacing) return send_now(now);
    ++n_;
    return pace(now);
  }

  /**
   * After the transport's exchange: `sent` is its outcome and `answer` what it filled in.
   * `jitter` (uniform in [0, 1)) spreads the backoff; `wall` reads a `Retry-After` date.
   */
  call_step after_send(result<void> sent, const http_response& answer, clock::time_point now,
                       double jitter = detail::uniform01(),
                       std::chrono::system_clock::time_point wall = std::chrono::system_clock::now()) {
    expect(phase::sending);
    attempt_event ev;
    ev.operation = kind_.name;
    ev.method = req_.method;
    ev.path = req_.target;
    ev.attempt = n_;
    ev.latency = std::chrono::duration_cast<std::chrono::microseconds>(now - sent_at_);
    auto outcome = sent ? map_answer(answer, wall) : result<void>(std::move(sent).error());
    if (outcome) {
      ev.http_status = answer.status;
      notify(ev);
      return finish(std::move(outcome));
    }
    zic::error e = std::move(outcome).error();
    // A transport that watched the stop ended the exchange: the call ends, as cancelled.
    if (call_.stop.stop_requested()) return cancel(e.request_sent);
    scrub(e);
    ev.http_status = e.http_status;
    ev.api_code = e.api_code;
    ev.error = e.code;

    // A kept-alive connection the server had closed before any byte of the answer: the one
    // resend, at once, of a request that may be sent twice. Counted and shown like any attempt.
    if (e.reused_connection_closed && req_.resendable() && !resent_) {
      resent_ = true;
      ev.decision = attempt_decision::retry;
      notify(ev);
      ++n_;
      return send_now(now);
    }

    const auto& policy = env_.retry;
    auto verdict = detail::decide_retry(e, n_, policy.max_attempts, keyed_, req_.idempotent, kind_.creates);
    std::chrono::milliseconds delay{0};
    if (verdict == retry_verdict::retry) {
      delay = e.retry_after ? std::min(*e.retry_after, policy.max_backoff) : policy.backoff(n_, jitter);
      if (detail::later(now, delay) >= deadline_) verdict = retry_verdict::give_up;
    }
    ev.decision = verdict == retry_verdict::retry ? attempt_decision::retry
                  : verdict == retry_verdict::done || (verdict == retry_verdict::ambiguous && !e.retryable())
                      ? attempt_decision::done
                      : attempt_decision::give_up;
    ev.retry_delay = delay;
    notify(ev);

    switch (verdict) {
    case retry_verdict::retry: waiting_ = wait_reason::backoff; return wait(delay);
    case retry_verdict::ambiguous: {
      const bool lost = kind_.creates && detail::answer_unreadable(e);
      std::string why = lost ? e.message + "; the job may have been created, so it was not repeated blindly"
                             : e.message + "; the request may have reached the server, so it was not resent";
      return finish(annotate(zic::error(errc::ambiguous_outcome,
                                        why + ": list the jobs to see whether it was created, or give create "
                                              "an idempotency_key"),
                             e));
    }
    case retry_verdict::give_up:
      if (n_ > 1) e.message += " (gave up after " + std::to_string(n_) + " attempts)";
      return finish(annotate(std::move(e)));
    case retry_verdict::done: break;
    }
    return finish(annotate(std::move(e)));
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
  result<void> take_result() {
    expect(phase::done);
    return std::move(*result_);
  }

private:
  enum class wait_reason { pacing, backoff };
  enum class phase { fresh, waiting, sending, done };

  // Debug builds check that the driver follows the steps it was given.
  void expect([[maybe_unused]] phase p) const {
#if !defined(NDEBUG)
    ZIC_ASSERT(phase_ == p, "call_engine: the driver did not do the step the engine asked for");
#endif
  }
  void enter([[maybe_unused]] phase p) {
#if !defined(NDEBUG)
    phase_ = p;
#endif
  }

  call_step wait(std::chrono::milliseconds d) {
    enter(phase::waiting);
    return {call_step::wait, d};
  }

  call_step pace(clock::time_point now) {
    if (call_.stop.stop_requested()) return finish(cancelled());
    if (env_.limiter) {
      auto wait_for = std::chrono::ceil<std::chrono::milliseconds>(env_.limiter->reserve(kind_.name, now));
      if (wait_for.count() > 0) {
        if (detail::later(now, wait_for) >= deadline_) return finish(deadline_passed());
        waiting_ = wait_reason::pacing;
        return wait(wait_for);
      }
    }
    return send_now(now);
  }

  call_step send_now(clock::time_point now) {
    if (call_.stop.stop_requested()) return finish(cancelled());
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - now);
    if (left.count() <= 0) return finish(deadline_passed());
    req_.timeout = std::min(env_.timeout, left);
    req_.stop = call_.stop;
    ++env_.attempts;
    sent_at_ = now;
    enter(phase::sending);
    return {call_step::send, {}};
  }

  call_step finish(result<void> r) {
    enter(phase::done);
    result_.emplace(std::move(r));
    return {call_step::done, {}};
  }

  // What the answer means is the policy's; what every answer carries (the server's request id,
  // its Retry-After) is read here, once.
  result<void> map_answer(const http_response& resp, std::chrono::system_clock::time_point wall) {
    auto ok = answer_(resp);
    if (ok) return ok;
    zic::error e = std::move(ok).error();
    if (e.http_status == 0) e.http_status = resp.status;
    if (e.request_id.empty()) e.request_id = detail::printable(resp.header("X-Request-Id"), 100);
    if (auto ra = resp.header("Retry-After"); !ra.empty() && !e.retry_after) e.retry_after = parse_retry_after(ra, wall);
    return e;
  }

  // Removes every credential of this call from a message built from server text.
  void scrub(zic::error& e) const {
    detail::redact_credential(e.message, env_.credential);
    detail::redact_credential(e.request_id, env_.credential);
    if constexpr (requires { answer_.scrub(e); }) answer_.scrub(e);
  }

  void notify(const attempt_event& ev) const {
    if (env_.observer && *env_.observer) (*env_.observer)(ev);
  }

  // Prefixes what failed and where: "describe failed (POST http://h/v2/...): ...". A transport
  // names the request at the end of its own messages; said once at the front is enough.
  zic::error annotate(zic::error e) const {
    const std::string where = req_.method + " " + req_.url();
    if (const std::string tail = " (" + where + ")"; e.message.ends_with(tail))
      e.message.resize(e.message.size() - tail.size());
    e.message = std::string(kind_.name) + " failed (" + where + "): " + e.message;
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
  zic::error cancelled() const { return zic::error(errc::cancelled, detail::cancelled_message(kind_.name, kind_.job)); }

  call_env env_;
  call_kind kind_;
  http_request& req_;
  Answer answer_;
  const call_options& call_;
  bool keyed_;
  bool resent_ = false;  // the one resend after a closed kept-alive connection was spent
  int n_ = 1;
  clock::time_point deadline_{};
  clock::time_point sent_at_{};
  wait_reason waiting_ = wait_reason::pacing;
  std::optional<result<void>> result_;
#if !defined(NDEBUG)
  phase phase_ = phase::fresh;
#endif
};

/**
 * The one blocking driver: runs `engine` to its end, sending through `transport` into
 * `answer` and pausing on `clk` (a stop token cuts a pause short).
 */
template <class Transport, class Answer>
result<void> drive(call_engine<Answer>& engine, Transport& transport, http_request& req, http_response& answer,
                   const clock& clk, const std::stop_token& stop) {
  for (auto step = engine.start(clk.now());;) {
    switch (step.next) {
    case call_step::send: {
      auto sent = detail::send_into(transport, req, answer);
      step = engine.after_send(std::move(sent), answer, clk.now(), detail::uniform01(), std::chrono::system_clock::now());
      break;
    }
    case call_step::wait: {
      const bool slept = clk.sleep(step.delay, stop);
      step = engine.after_wait(!slept, clk.now());
      break;
    }
    case call_step::done: return engine.take_result();
    }
  }
}

ZIC_NAMESPACE_END

#endif // ZIC_CALL_ENGINE_HPP
