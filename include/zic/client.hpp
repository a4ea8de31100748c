#ifndef ZIC_CLIENT_HPP
#define ZIC_CLIENT_HPP

#include "api_answer.hpp"
#include "call_engine.hpp"
#include "call_options.hpp"
#include "list_walk.hpp"
#include "model.hpp"
#include "operation.hpp"
#include "options.hpp"
#include "requests.hpp"
#include "responses.hpp"
#include "transport.hpp"
#include "wait_engine.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>

ZIC_NAMESPACE_BEGIN

/**
 * The import API over any `http_transport`, blocking: each call builds its request, and
 * `call_engine` decides the rest (retries with backoff and jitter, `Retry-After`, one deadline
 * per call, an idempotency key on every create, client-side rate limiting), while this driver
 * sends through the transport and sleeps on `client_options::clock`. Every call takes
 * `call_options` last, for its own stop token and deadline.
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
  result<std::string> create_import(const create_import_request& r, const call_options& call = {});

  /// The job's progress (describe, or get_progress per `client_options::progress`).
  result<import_progress> describe_import(std::string_view job_id, const call_options& call = {});

  /// The same into `out`, reusing its storage: steady polling of one job allocates nothing
  /// (with a transport that reuses its answer buffer, such as `beast_transport`).
  result<void> describe_import(std::string_view job_id, import_progress& out, const call_options& call = {});

  /**
   * The job's progress as views into this client's buffers, copying nothing: valid until the
   * client's next call. For callers that need only state and counters.
   */
  result<import_progress_view> describe_import_view(std::string_view job_id, const call_options& call = {});

  /// One page of jobs (cloud), or every job (Milvus, which does not page).
  result<import_job_page> list_import_jobs(const list_import_jobs_request& r = {}, const call_options& call = {});

  result<void> list_import_jobs(const list_import_jobs_request& r, import_job_page& out, const call_options& call = {});

  /**
   * Calls `visit` for every job, across all pages (see `list_walk`: cloud pages until one
   * comes back empty or shorter than the server's page size; Milvus: the single answer).
   * `r.page_size` sets the page length. `visit` may return false to stop early.
   */
  template <class Visit>
  result<void> for_each_import_job(Visit&& visit, list_import_jobs_request r = {}, const call_options& call = {}) {
    list_walk walk(ctx_, std::move(r));
    import_job_page page;
    while (walk.more()) {
      auto req = make_list_request(ctx_, walk.request());
      if (!req) return std::move(req).error();
      if (auto ok = run(operation::list, *req, detail::list_into(page), call); !ok) return ok;
      if (auto ok = walk.after_page(page, visit); !ok) return ok;
    }
    return {};
  }

  /// Commits a two-phase import (Milvus; the job must be Uncommitted). Safe to repeat.
  result<void> commit_import(std::string_view job_id, const call_options& call = {});

  /// Aborts a two-phase import (Milvus): the job ends Failed.
  result<void> abort_import(std::string_view job_id, const call_options& call = {});

  /**
   * Polls until the job is Completed or Failed (or Uncommitted with `two_phase`) and returns
   * its last progress: a Failed job is a value, check `state`. Completion is decided by the
   * job's state alone, never by `progress == 100` or the per-file details. Unknown state words
   * keep it waiting. A job that is gone ends with `errc::job_not_found`; the deadline with
   * `errc::timeout`; the stop token with `errc::cancelled`.
   */
  result<import_progress> wait_for_import(std::string_view job_id, const wait_options& w = {});

private:
  // Parameters by reference: the public constructor reads `options` while building `ctx`.
  basic_client(client_options&& options, Transport&& transport, request_context&& ctx, int)
      : options_(std::move(options)), transport_(std::move(transport)), ctx_(std::move(ctx)),
        limiter_(make_rate_limiter(options_, ctx_)) {}

  static request_context check(result<request_context> ctx) {
    if (!ctx) detail::throw_error(ctx.error());
    return std::move(*ctx);
  }

  // One call of the import API through the one blocking driver.
  template <class Read>
  result<void> run(operation op, http_request& req, Read&& read, const call_options& call,
                   const create_import_request* secrets = nullptr, std::string_view job = {}) {
    detail::api_answer<Read&> answer{parser_, op, read, secrets};
    call_kind kind(op);
    kind.job = job;
    call_engine<detail::api_answer<Read&>&> engine(call_env::of(options_, ctx_, limiter_.get(), attempts_), kind,
                                                   req, answer, call);
    return drive(engine, transport_, req, response_, options_.clock, call.stop);
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

// The calls, defined out of the class so that they are not implicitly inline: in compiled mode
// (ZIC_SEPARATE_COMPILATION) an `extern template` then keeps every other translation unit from
// instantiating them.

template <http_transport Transport>
result<std::string> basic_client<Transport>::create_import(const create_import_request& r, const call_options& call) {
  auto req = detail::make_keyed_create_request(options_, ctx_, r);
  if (!req) return std::move(req).error();
  std::string id;
  auto ok = run(operation::create, *req, [&](auto what, auto data, bool has) {
    return detail::read_create(what, data, has, id);
  }, call, &r);
  if (!ok) return std::move(ok).error();
  return id;
}

template <http_transport Transport>
result<import_progress> basic_client<Transport>::describe_import(std::string_view job_id, const call_options& call) {
  import_progress p;
  if (auto ok = describe_import(job_id, p, call); !ok) return std::move(ok).error();
  return p;
}

template <http_transport Transport>
result<void> basic_client<Transport>::describe_import(std::string_view job_id, import_progress& out, const call_options& call) {
  if (auto ok = make_describe_request(ctx_, job_id, request_); !ok) return ok;
  return run(operation::describe, request_, detail::progress_into(out, job_id), call, nullptr, job_id);
}

template <http_transport Transport>
result<import_progress_view> basic_client<Transport>::describe_import_view(std::string_view job_id, const call_options& call) {
  if (auto ok = make_describe_request(ctx_, job_id, request_); !ok) return std::move(ok).error();
  import_progress_view v;
  if (auto ok = run(operation::describe, request_, detail::progress_view_into(v, views_, job_id), call, nullptr, job_id);
      !ok)
    return std::move(ok).error();
  return v;
}

template <http_transport Transport>
result<import_job_page> basic_client<Transport>::list_import_jobs(const list_import_jobs_request& r, const call_options& call) {
  import_job_page page;
  if (auto ok = list_import_jobs(r, page, call); !ok) return std::move(ok).error();
  return page;
}

template <http_transport Transport>
result<void> basic_client<Transport>::list_import_jobs(const list_import_jobs_request& r, import_job_page& out, const call_options& call) {
  auto req = make_list_request(ctx_, r);
  if (!req) return std::move(req).error();
  auto ok = run(operation::list, *req, detail::list_into(out), call);
  if (ok) detail::keep_collection(ctx_, r, out);
  return ok;
}

template <http_transport Transport>
result<void> basic_client<Transport>::commit_import(std::string_view job_id, const call_options& call) {
  auto req = make_commit_request(ctx_, job_id);
  if (!req) return std::move(req).error();
  return run(operation::commit, *req, detail::read_nothing, call);
}

template <http_transport Transport>
result<void> basic_client<Transport>::abort_import(std::string_view job_id, const call_options& call) {
  auto req = make_abort_request(ctx_, job_id);
  if (!req) return std::move(req).error();
  return run(operation::abort, *req, detail::read_nothing, call);
}

template <http_transport Transport>
result<import_progress> basic_client<Transport>::wait_for_import(std::string_view job_id, const wait_options& w) {
  wait_engine engine(job_id, w);
  for (auto step = engine.start(options_.clock.now());;) {
    switch (step.next) {
    case wait_step::describe: {
      auto ok = describe_import(job_id, engine.progress(), engine.describe_options());
      step = engine.after_describe(std::move(ok), options_.clock.now());
      break;
    }
    case wait_step::wait: step = engine.after_wait(!options_.clock.sleep(step.delay, w.stop)); break;
    case wait_step::done: return engine.take_result();
    }
  }
}

/**
 * A client over a type-erased transport, for code that wants no templates. It has no default
 * transport (the core depends on no HTTP stack): give it one.
 *
 * @code
 * zic::client client(options, zic::beast_transport{});             // <zic/transport/beast.hpp>
 * zic::client mine(options, std::make_unique<my_transport>());     // your own, owned
 * @endcode
 */
using client = basic_client<any_transport>;

#if defined(ZIC_SEPARATE_COMPILATION)
extern template class basic_client<any_transport>;  // instantiated by src/zic.cpp (zic::compiled)
#endif

ZIC_NAMESPACE_END

#endif // ZIC_CLIENT_HPP
