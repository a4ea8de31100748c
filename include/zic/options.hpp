#ifndef ZIC_OPTIONS_HPP
#define ZIC_OPTIONS_HPP

#include "config.hpp"
#include "clock.hpp"
#include "observer.hpp"
#include "rate_limiter.hpp"
#include "retry.hpp"
#include "secret.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

ZIC_NAMESPACE_BEGIN

/// Which server family an endpoint speaks (see the spec's flavour table).
enum class api_flavor {
  automatic,  ///< cloud for api.cloud.zilliz.com(.cn), milvus otherwise
  cloud,      ///< Zilliz Cloud control plane: clusterId / projectId+regionId, paged list
  milvus,     ///< Milvus REST v2 (self-hosted, or a cluster endpoint): files, options, commit/abort
};

/// Which path answers progress: `describe` (current) or `get_progress` (older servers).
enum class progress_path { describe, get_progress };

/// The default control plane; the China region is https://api.cloud.zilliz.com.cn.
inline constexpr const char* default_endpoint = "https://api.cloud.zilliz.com";

/**
 * Everything a client needs to address the API. Validated once, when the client (or a
 * `request_context`) is made; nothing here is sent until a call is.
 *
 * @code
 * zic::client_options o;
 * o.endpoint = "https://api.cloud.zilliz.com";
 * o.api_key = std::getenv("ZIC_API_KEY");
 * o.cluster_id = "inxx-xxxxxxxxxxxxxxx";
 * @endcode
 */
struct client_options {
  std::string endpoint = default_endpoint;  ///< http(s)://host[:port][/base]
  secret api_key;                           ///< sent as `Authorization: Bearer`; may be empty for an open Milvus
  api_flavor flavor = api_flavor::automatic;
  std::string cluster_id;                   ///< cloud: "clusterId" ...
  std::string project_id;                   ///< ... or "projectId" with
  std::string region_id;                    ///< "regionId"
  std::string db_name;                      ///< "dbName" and the `DB-Name` header on every call
  /// Budget of one HTTP exchange (connect, send, receive).
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  /// Bound on one whole call: every attempt and every pause between them.
  std::chrono::milliseconds deadline{std::chrono::minutes(2)};
  /// Sent as `Request-Timeout: <seconds>` (Milvus answers HTTP 408 past it) when set.
  std::optional<std::chrono::seconds> request_timeout;
  progress_path progress = progress_path::describe;
  /// Files (cloud) or import units (Milvus) per create; 0 means the flavour's limit
  /// (1,000 cloud, 1,024 Milvus).
  std::size_t max_files = 0;
  retry_policy retry;                       ///< see retry.hpp
  /// Client-side pacing in requests per second per client; 0 disables it. When unset:
  /// 20 for cloud (the documented limit), off for Milvus.
  std::optional<double> rate_limit;
  /// A limiter shared with other clients (one per thread, say); overrides `rate_limit`.
  std::shared_ptr<rate_limiter> limiter;
  /// Called once per attempt with what happened and what the client decided.
  attempt_observer observer;
  /// Time source and sleeper; replace to run on simulated time.
  zic::clock clock;
};

ZIC_NAMESPACE_END

#endif // ZIC_OPTIONS_HPP
