#ifndef ZIC_ASYNC_HPP
#define ZIC_ASYNC_HPP

/**
 * zic on Asio: `basic_async_client` over any `async_http_transport` (such as
 * `beast_async_transport` in <zic/transport/beast.hpp>), `zic::async_client` over the
 * type-erased `any_async_transport`, `async_job_watcher` and `async_describe_many`. Needs Boost.Asio (C++20 coroutines); the core does not.
 */

#include "any_async_transport.hpp"
#include "async_client.hpp"
#include "async_parallel.hpp"
#include "async_watcher.hpp"

#endif // ZIC_ASYNC_HPP
