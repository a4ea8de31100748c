#ifndef ZIC_ZIC_HPP
#define ZIC_ZIC_HPP

/**
 * zic: a header-only C++20 client for the Zilliz Cloud and Milvus bulk-import REST API.
 *
 * Builders (requests.hpp) and parsers (responses.hpp) are pure; `basic_client` (client.hpp)
 * adds the policies over any `http_transport` (transport.hpp). Transports for Boost.Beast and
 * libcurl live in <zic/transport/beast.hpp> and <zic/transport/curl.hpp>.
 */

#include "version.hpp"
#include "config.hpp"
#include "error.hpp"
#include "result.hpp"
#include "secret.hpp"
#include "http.hpp"
#include "transport.hpp"
#include "model.hpp"
#include "retry.hpp"
#include "clock.hpp"
#include "rate_limiter.hpp"
#include "observer.hpp"
#include "options.hpp"
#include "operation.hpp"
#include "call_options.hpp"
#include "requests.hpp"
#include "responses.hpp"
#include "views.hpp"
#include "api_answer.hpp"
#include "call_engine.hpp"
#include "wait_engine.hpp"
#include "list_walk.hpp"
#include "client.hpp"
#include "watcher.hpp"
#include "parallel.hpp"

#endif // ZIC_ZIC_HPP
