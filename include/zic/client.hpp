#ifndef ZIC_CLIENT_HPP
#define ZIC_CLIENT_HPP

#include "detail/text.hpp"
#include "model.hpp"
#include "options.hpp"
#include "requests.hpp"
#include "responses.hpp"
#include "transport.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>

ZIC_NAMESPACE_BEGIN

/// How `wait_for_import` polls.
struct wait_options {
  std::chrono::milliseconds interval{1000};      ///< first pause between polls
  std::chrono::milliseconds max_interval{10'000};  ///< pauses grow while nothing changes, up to this
  double backoff = 1.5;                           ///< growth of the pause per unchanged poll
  std::chrono::milliseconds deadline{std::chrono::hours(24)};  ///< give up (errc::timeout) after this
  bool two_phase = false;                         ///< also stop at Uncommitted
  std::stop_token stop;                           ///< cancel (errc::cancelled)
  std::function<void(const import_progress&)> on_progress;  ///< after every poll
};

namespace detail {

inline std::string random_idempotency_key() {
  static std::mutex m;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard lock(m);
  static constexpr char hex[] = "0123456789abcdef";
  std::string key = "zic-";
  for (int i = 0; i < 2; ++i) {
    auto v = rng();
    for (int j = 0; j < 16; ++j, v >>= 4) key.push_back(hex[v & 0xf]);
  }
  return key;
}

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

} // namespace detail

/**
 * The import API over any `http_transport`. Builds each request, sends it through the
 * transport, parses the answer, and applies the policies: retries with backoff and jitter,
 * `Retry-After`, one deadline per call, an idempotency key on every create, client-side rate
 * limiting, and waiting.
 *
 * A client is used by one thread at a time (it owns one connection and one parser); give each
 * thread its own, sharing a `rate_limiter` through `client_options::limiter`.
 *
 * @code
 * zic::basic_client client(options, zic::beast_transport{});
 * auto id = client.create_import(request).value();
 * auto done = client.wait_for_import(id).value();
 * @endcode
 */
template <http_transport Transport> class basic_client {
public:
  /// Validates `options` (see `make_request_context`); throws `zic::exception` on bad ones.
  /// Use `make` to get the error as a value instead.
  basic_client(client_options options, Transport transport = Transport{})
      : basic_client(std::move(options), std::move(transport), check(make_request_context(options)), 0) {}

  /// Like the constructor, returning the configuration error instead of throwing.
  static result<basic_client> make(client_options options, Transport transport = Transport{}) {
    auto ctx = make_request_context(options);
    if (!ctx) return std::move(ctx).error();
    return basic_client(std::move(options), std::move(transport), std::move(*ctx), 0);
  }

  const request_context& context() const noexcept { return ctx_; }
  const client_options& options() const noexcept { return options_; }
  /// HTTP attempts made so far (retries included): what a caller pays in requests.
  std::uint64_t attempts() const noexcept { return attempts_; }
  api_flavor flavor() const noexcept { return ctx_.flavor; }
  Transport& transport() noexcept { return transport_; }

  /// Starts an import; returns the job id. Retries only under an `Idempotency-Key`, so a
  /// retried create never makes a second job on servers that honour the key.
  result<std::string> create_import(const create_import_request& r) {
    auto req = make_create_request(ctx_, r);
    if (!req) return std::move(req).error();
    if (r.idempotency_key.empty() && options_.retry.idempotent_create)
      req->headers.push_back({"Idempotency-Key", detail::random_idempotency_key()});
    std::string id;
    auto ok = execute("create", *req, [&](auto what, auto data, bool has) {
      return detail::read_create(what, data, has, id);
    }, &r);
    if (!ok) return std::move(ok).error();
    return id;
  }

  /// The job's progress (describe, or get_progress per `client_options::progress`).
  result<import_progress> describe_import(std::string_view job_id) {
    import_progress p;
    if (auto ok = describe_import(job_id, p); !ok) return std::move(ok).error();
    return p;
  }

  /// The same into `out`, reusing its storage: steady polling of one job allocates nothing
  /// (with a transport that reuses its answer buffer, such as `beast_transport`).
  result<void> describe_import(std::string_view job_id, import_progress& out) {
    return describe_import(job_id, out, {}, clock::time_point::max());
  }

  /**
   * The job's progress as views into this client's buffers, copying nothing: valid until the
   * client's next call. For callers that need only state and counters.
   */
  result<import_progress_view> describe_import_view(std::string_view job_id) {
    if (auto ok = make_describe_request(ctx_, job_id, request_); !ok) return std::move(ok).error();
    import_progress_view v;
    if (auto ok = execute("describe", request_, detail::progress_view_into(v, views_)); !ok)
      return std::move(ok).error();
    return v;
  }

  /// One page of jobs (cloud), or every job (Milvus, which does not page).
  result<import_job_page> list_import_jobs(const list_import_jobs_request& r = {}) {
    import_job_page page;
    if (auto ok = list_import_jobs(r, page); !ok) return std::move(ok).error();
    return page;
  }

  result<void> list_import_jobs(const list_import_jobs_request& r, import_job_page& out) {
    auto req = make_list_request(ctx_, r);
    if (!req) return std::move(req).error();
    auto ok = execute("list", *req, detail::list_into(out));
    if (ok && ctx_.cloud() && !r.collection_name.empty())
      std::erase_if(out.records, [&](const import_job_summary& s) {
        return s.collection_name != r.collection_name;
      });
    return ok;
  }

  /**
   * Calls `visit` for every job, across all pages (cloud: from page 1 until a page comes back
   * short or empty, never trusting `count`; Milvus: the single answer). `r.page_size` sets the
   * page length. `visit` may return false to stop early.
   */
  template <class Visit> result<void> for_each_import_job(Visit&& visit, list_import_jobs_request r = {}) {
    import_job_page page;
    std::string first_of_previous;
    for (r.current_page = std::max<std::int64_t>(r.current_page, 1);; ++r.current_page) {
      auto req = make_list_request(ctx_, r);
      if (!req) return std::move(req).error();
      auto ok = execute("list", *req, detail::list_into(page));
      if (!ok) return ok;
      std::size_t fetched = page.records.size();
      if (fetched && ctx_.cloud()) {
        // A server that ignores currentPage would otherwise be paged forever.
        if (page.records.front().job_id == first_of_previous)
          return zic::error(errc::json_schema, "list failed: the server answered page " +
                                                   std::to_string(r.current_page) +
                                                   " with the previous page's jobs");
        first_of_previous = page.records.front().job_id;
      }
      for (const auto& job : page.records) {
        if (ctx_.cloud() && !r.collection_name.empty() && job.collection_name != r.collection_name)
          continue;
        if constexpr (std::is_same_v<std::invoke_result_t<Visit&, const import_job_summary&>, bool>) {
          if (!visit(job)) return {};
        } else {
          visit(job);
        }
      }
      if (!ctx_.cloud() || fetched < static_cast<std::size_t>(r.page_size)) return {};
    }
  }

  /// Commits a two-phase import (Milvus; the job must be Uncommitted). Safe to repeat.
  result<void> commit_import(std::string_view job_id) {
    auto req = make_commit_request(ctx_, job_id);
    if (!req) return std::move(req).error();
    return execute("commit", *req, [](auto, auto, bool) { return result<void>(); });
  }

  /// Aborts a two-phase import (Milvus): the job ends Failed.
  result<void> abort_import(std::string_view job_id) {
    auto req = make_abort_request(ctx_, job_id);
    if (!req) return std::move(req).error();
    return execute("abort", *req, [](auto, auto, bool) { return result<void>(); });
  }

  /**
   * Polls until the job is Completed or Failed (or Uncommitted with `two_phase`) and returns
   * its last progress: a Failed job is a value, check `state`. Completion is decided by the
   * job's state alone, never by `progress == 100` or the per-file details. Unknown state words
   * keep it waiting. A job that is gone ends with `errc::job_not_found`; the deadline with
   * `errc::timeout`; the stop token with `errc::cancelled`.
   */
  result<import_progress> wait_for_import(std::string_view job_id, const wait_options& w = {}) {
    if (w.interval.count() < 0 || w.max_interval < w.interval || !(w.backoff >= 1.0))
      return zic::error(errc::invalid_argument, "wait options must satisfy 0 <= interval <= "
                                                "max_interval and backoff >= 1");
    const auto start = options_.clock.now();
    const auto deadline = detail::later(start, w.deadline);
    auto pause = w.interval;
    import_progress p;
    std::string last_state;
    int last_progress = -1;
    for (;;) {
      if (w.stop.stop_requested()) return cancelled(job_id);
      auto ok = describe_import(job_id, p, w.stop, deadline);
      if (!ok) return std::move(ok).error();
      if (w.on_progress) w.on_progress(p);
      if (is_terminal(p.state, w.two_phase)) return p;
      bool changed = p.state_text != last_state || p.progress != last_progress;
      last_state = p.state_text;
      last_progress = p.progress;
      const double grown = double(pause.count()) * w.backoff;  // compared as double: no overflow
      pause = changed                                  ? w.interval
              : grown >= double(w.max_interval.count()) ? w.max_interval
                                                       : std::chrono::milliseconds(std::int64_t(grown));
      auto now = options_.clock.now();
      if (detail::later(now, pause) > deadline) {
        auto waited = std::chrono::duration_cast<std::chrono::seconds>(now - start).count();
        return zic::error(errc::timeout, "wait for import job " + std::string(job_id) +
                                             " timed out after " + std::to_string(waited) +
                                             " s; it is still " + p.state_text + " at " +
                                             std::to_string(p.progress) + "%");
      }
      if (!options_.clock.sleep(pause, w.stop)) return cancelled(job_id);
    }
  }

private:
  // Parameters by reference: the public constructor reads `options` while building `ctx`.
  basic_client(client_options&& options, Transport&& transport, request_context&& ctx, int)
      : options_(std::move(options)), transport_(std::move(transport)), ctx_(std::move(ctx)),
        limiter_(make_rate_limiter(options_, ctx_)) {}

  static request_context check(result<request_context> ctx) {
    if (!ctx) detail::throw_error(ctx.error());
    return std::move(*ctx);
  }

  static zic::error cancelled(std::string_view job_id) {
    return zic::error(errc::cancelled, "wait for import job " + std::string(job_id) + " was cancelled");
  }

  result<void> describe_import(std::string_view job_id, import_progress& out, std::stop_token stop,
                               clock::time_point deadline) {
    if (auto ok = make_describe_request(ctx_, job_id, request_); !ok) return ok;
    return execute(
        "describe", request_,
        detail::progress_into(out), nullptr, stop, deadline);
  }

  // Removes every credential of this call from a message built from server text.
  void scrub(zic::error& e, const create_import_request* r) const {
    detail::redact(e.message, options_.api_key.reveal());
    if (!r) return;
    detail::redact(e.message, r->access_key.reveal());
    detail::redact(e.message, r->secret_key.reveal());
    detail::redact(e.message, r->token.reveal());
  }

  static std::string_view answer_name(std::string_view op) noexcept {
    return op == "create"     ? "create answer"
           : op == "describe" ? "describe answer"
           : op == "list"     ? "list answer"
           : op == "commit"   ? "commit answer"
                              : "abort answer";
  }

  // One exchange: send, then map status and body together.
  template <class Read>
  result<void> attempt(std::string_view op, const http_request& req, Read& read, int& status) {
    if constexpr (reusing_http_transport<Transport>) {
      if (auto sent = transport_.send(req, response_); !sent) return sent;
    } else {
      auto answer = transport_.send(req);
      if (!answer) return std::move(answer).error();
      response_ = std::move(*answer);
    }
    const http_response& resp = response_;
    status = resp.status;
    auto ok = parser_.parse(resp, answer_name(op), read);
    const bool success_status = resp.status >= 200 && resp.status < 300;
    if (ok && success_status) return ok;
    zic::error e;
    if (!ok && ok.error().code == errc::api_error) {
      e = std::move(ok).error();  // an envelope with a code: say both
      if (e.api_code == 2100 && detail::icontains(e.message, "does not exist") && op != "create" &&
          op != "list")
        e.code = make_error_code(errc::job_not_found);
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

  // The policy loop shared by every call: pace, send, map, decide, pause, repeat.
  template <class Read>
  result<void> execute(std::string_view op, http_request& req, Read&& read,
                       const create_import_request* create = nullptr, std::stop_token stop = {},
                       clock::time_point deadline = clock::time_point::max()) {
    deadline = std::min(deadline, detail::later(options_.clock.now(), options_.deadline));
    const auto& policy = options_.retry;
    const bool keyed = !req.header("Idempotency-Key").empty();
    for (int n = 1;; ++n) {
      auto now = options_.clock.now();
      if (limiter_) {
        auto wait = std::chrono::ceil<std::chrono::milliseconds>(limiter_->reserve(op, now));
        if (wait.count() > 0) {
          if (detail::later(now, wait) >= deadline) return give_up_deadline(op, req, n);
          if (!options_.clock.sleep(wait, stop)) return cancelled_call(op);
          now = options_.clock.now();
        }
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
      if (left.count() <= 0) return give_up_deadline(op, req, n);
      req.timeout = std::min(ctx_.timeout, left);

      int status = 0;
      ++attempts_;
      auto outcome = attempt(op, req, read, status);
      auto latency = std::chrono::duration_cast<std::chrono::microseconds>(options_.clock.now() - now);
      attempt_event ev;
      ev.operation = op;
      ev.method = req.method;
      ev.path = req.target;
      ev.attempt = n;
      ev.latency = latency;
      ev.http_status = status;
      if (outcome) {
        if (options_.observer) options_.observer(ev);
        return outcome;
      }
      zic::error e = std::move(outcome).error();
      scrub(e, create);
      ev.http_status = e.http_status;
      ev.api_code = e.api_code;
      ev.error = e.code;

      bool again = e.retryable() && n < policy.max_attempts;
      bool ambiguous = again && !req.idempotent && !keyed && !detail::surely_not_applied(e);
      std::chrono::milliseconds delay{0};
      if (again && !ambiguous) {
        delay = e.retry_after ? std::min(*e.retry_after, policy.max_backoff)
                              : policy.backoff(n, detail::uniform01());
        if (detail::later(options_.clock.now(), delay) >= deadline) again = false;
      }
      ev.decision = again && !ambiguous ? attempt_decision::retry
                    : e.retryable()     ? attempt_decision::give_up
                                        : attempt_decision::done;
      ev.retry_delay = delay;
      if (options_.observer) options_.observer(ev);

      if (ambiguous) {
        return annotate(zic::error(errc::ambiguous_outcome,
                                   e.message + "; the request may have reached the server, so it "
                                               "was not resent: list the jobs to see whether it "
                                               "was created, or give create an idempotency_key"),
                        op, req, e);
      }
      if (!again) {
        if (e.retryable() && n > 1)
          e.message += " (gave up after " + std::to_string(n) + " attempts)";
        return annotate(std::move(e), op, req);
      }
      if (!options_.clock.sleep(delay, stop)) return cancelled_call(op);
    }
  }

  // Prefixes what failed and where: "describe failed (POST http://h/v2/...): ...".
  static zic::error annotate(zic::error e, std::string_view op, const http_request& req) {
    e.message = std::string(op) + " failed (" + req.method + " " + req.url() + "): " + e.message;
    return e;
  }
  static zic::error annotate(zic::error e, std::string_view op, const http_request& req,
                             const zic::error& cause) {
    e.http_status = cause.http_status;
    e.api_code = cause.api_code;
    e.request_id = cause.request_id;
    e.request_sent = cause.request_sent;
    return annotate(std::move(e), op, req);
  }

  static zic::error give_up_deadline(std::string_view op, const http_request& req, int n) {
    return annotate(zic::error(errc::timeout, "the call's deadline passed before attempt " +
                                                  std::to_string(n) + " could start"),
                    op, req);
  }

  static zic::error cancelled_call(std::string_view op) {
    return zic::error(errc::cancelled, std::string(op) + " was cancelled");
  }

  client_options options_;
  Transport transport_;
  request_context ctx_;
  response_parser parser_;
  std::shared_ptr<rate_limiter> limiter_;
  // Reused by every poll: the request, the answer, and what views point into.
  http_request request_;
  http_response response_;
  detail::view_storage views_;
  std::uint64_t attempts_ = 0;
};

/// A client over a type-erased transport, for code that wants no templates.
using client = basic_client<any_transport>;

ZIC_NAMESPACE_END

#endif // ZIC_CLIENT_HPP
