#ifndef ZIC_PARALLEL_HPP
#define ZIC_PARALLEL_HPP

#include "client.hpp"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

ZIC_NAMESPACE_BEGIN

/**
 * Describes many jobs at once over `connections` keep-alive connections: one thread, one
 * client and one transport (made by `make_transport`) each, taking jobs from a shared queue.
 * The clients share one rate limiter, so the whole stays within the client's limit. Results
 * come back in the order of `job_ids`.
 *
 * The same shape as `async_describe_many` (without its token):
 *
 * @code
 * auto all = zic::describe_many(options, ids, 8, [] { return zic::beast_transport(); });
 * auto same = zic::describe_many<zic::beast_transport>(options, ids, 8);  // default-made transports
 * @endcode
 */
template <class MakeTransport, http_transport Transport = std::invoke_result_t<MakeTransport&>>
std::vector<result<import_progress>> describe_many(client_options options, std::span<const std::string> job_ids,
                                                   std::size_t connections, MakeTransport make_transport) {
  std::vector<result<import_progress>> out(job_ids.size(), result<import_progress>(zic::error()));
  if (job_ids.empty()) return out;
  if (auto ctx = make_request_context(options); !ctx) {
    for (auto& r : out) r = ctx.error();
    return out;
  } else {
    options.limiter = make_rate_limiter(options, *ctx);  // one limiter shared by every worker
  }
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    basic_client<Transport> worker(options, make_transport());
    for (std::size_t i = next++; i < job_ids.size(); i = next++) out[i] = worker.describe_import(job_ids[i]);
  };
  const std::size_t threads = std::clamp<std::size_t>(connections, 1, job_ids.size());
  std::vector<std::jthread> pool;
  pool.reserve(threads - 1);
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  pool.clear();  // join every worker before `out` is handed back
  return out;
}

/// The same with default-constructed transports.
template <http_transport Transport>
std::vector<result<import_progress>> describe_many(client_options options, std::span<const std::string> job_ids,
                                                   std::size_t connections) {
  return describe_many(std::move(options), job_ids, connections, [] { return Transport{}; });
}

ZIC_NAMESPACE_END

#endif // ZIC_PARALLEL_HPP
