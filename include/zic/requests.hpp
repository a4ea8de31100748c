#ifndef ZIC_REQUESTS_HPP
#define ZIC_REQUESTS_HPP

#include "detail/ascii.hpp"
#include "detail/file_types.hpp"
#include "detail/json_writer.hpp"
#include "detail/url.hpp"
#include "detail/utf8.hpp"
#include "http.hpp"
#include "options.hpp"
#include "result.hpp"
#include "secret.hpp"
#include "version.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

ZIC_NAMESPACE_BEGIN

/**
 * What to import. Fill the fields of your flavour; the builder rejects the other flavour's.
 *
 * Cloud: exactly one source of `object_url`, `object_urls`, or `volume_name` + `data_paths`;
 * credentials for the bucket in `access_key` / `secret_key` (and `token` for short-term ones).
 * Milvus: `files` (each inner list is one import unit) and `options`.
 *
 * @code
 * zic::create_import_request r;
 * r.collection_name = "medium_articles";
 * r.object_urls = {{"s3://bucket/a.parquet"}, {"s3://bucket/b.parquet"}};
 * @endcode
 */
struct create_import_request {
  std::string collection_name;                        ///< "collectionName" (required)
  std::string partition_name;                         ///< "partitionName"; left out when empty
  std::string db_name;                                ///< "dbName"; defaults to the client's
  std::string object_url;                             ///< cloud "objectUrl" (one URL, deprecated)
  std::vector<std::vector<std::string>> object_urls;  ///< cloud "objectUrls", one URL per group
  std::string volume_name;                            ///< cloud "volumeName" ...
  std::vector<std::vector<std::string>> data_paths;   ///< ... with "dataPaths"
  secret access_key;                                  ///< cloud "accessKey"
  secret secret_key;                                  ///< cloud "secretKey"
  secret token;                                       ///< cloud "token" (short-term credentials)
  std::vector<std::vector<std::string>> files;        ///< Milvus "files", one unit per group
  /// Milvus "options"; values are sent as JSON strings ("auto_commit": "false").
  std::map<std::string, std::string> options;
  /// `Idempotency-Key` header (up to 256 printable bytes). The client fills a random one
  /// when empty, unless its retry policy says otherwise.
  std::string idempotency_key;
};

/// Which jobs to list. Cloud pages (`page_size`, `current_page`); Milvus answers in one go.
struct list_import_jobs_request {
  std::int64_t page_size = 10;     ///< cloud "pageSize"
  std::int64_t current_page = 1;   ///< cloud "currentPage", 1-based
  /// Milvus: "collectionName", filtered by the server. Cloud lists take no filter, so the
  /// client drops other collections' records from each page it returns.
  std::string collection_name;
};

/**
 * The validated, pre-built parts shared by every request of one client: the parsed endpoint,
 * the resolved flavour and the common headers. Made once by `make_request_context`.
 */
struct request_context {
  detail::endpoint_url url;
  api_flavor flavor = api_flavor::milvus;
  std::string cluster_id, project_id, region_id, db_name;
  progress_path progress = progress_path::describe;
  std::size_t max_files = 0;
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  std::vector<http_header> headers;  ///< sent on every call

  bool cloud() const noexcept { return flavor == api_flavor::cloud; }
};

namespace detail {

inline zic::error invalid(std::string message) {
  return zic::error(errc::invalid_argument, std::move(message));
}

inline result<void> check_header_value(std::string_view what, std::string_view value) {
  if (has_control_char(value))
    return invalid(std::string(what) + " contains a control character (CR, LF or similar), "
                                       "which cannot be sent in an HTTP header");
  return {};
}

inline api_flavor resolve_flavor(api_flavor f, std::string_view host) noexcept {
  if (f != api_flavor::automatic) return f;
  return iequals(host, "api.cloud.zilliz.com") || iequals(host, "api.cloud.zilliz.com.cn")
             ? api_flavor::cloud
             : api_flavor::milvus;
}

inline constexpr std::string_view import_path = "/v2/vectordb/jobs/import/";

// Fills `req` for `op`, reusing its storage (assignments keep capacity).
inline void start_request(const request_context& ctx, std::string_view op, http_request& req) {
  req.method.assign("POST");
  req.scheme.assign(ctx.url.scheme);
  req.host.assign(ctx.url.host);
  req.port = ctx.url.port;
  req.target.assign(ctx.url.base).append(import_path).append(op);
  req.headers = ctx.headers;
  req.body.clear();
  req.timeout = ctx.timeout;
  req.idempotent = true;
}

inline http_request start_request(const request_context& ctx, std::string_view op) {
  http_request req;
  start_request(ctx, op, req);
  return req;
}

// The cloud flavour addresses a cluster, or a project and region: the first members of a body.
inline void write_target(json_writer& w, const request_context& ctx) {
  if (!ctx.cloud()) return;
  if (!ctx.cluster_id.empty()) {
    w.member("clusterId", ctx.cluster_id);
  } else {
    w.member("projectId", ctx.project_id).member("regionId", ctx.region_id);
  }
}

/// Every string zic writes into a body must be UTF-8, or the body is not JSON.
inline result<void> check_text(std::string_view field, std::string_view value) {
  if (!is_utf8(value)) return invalid(std::string(field) + " is not valid UTF-8, which a JSON body requires");
  return {};
}

inline result<void> check_job_id(std::string_view job_id) {
  if (job_id.empty()) return invalid("job id is empty");
  if (has_control_char(job_id)) return invalid("job id contains a control character");
  return check_text("job id", job_id);
}

inline result<void> check_groups(std::string_view field,
                                  const std::vector<std::vector<std::string>>& groups) {
  for (std::size_t i = 0; i < groups.size(); ++i) {
    if (groups[i].empty())
      return invalid(std::string(field) + "[" + std::to_string(i) + "] is an empty group");
    for (std::size_t j = 0; j < groups[i].size(); ++j) {
      // The name is spelled out only for a message: a thousand valid paths cost no strings.
      auto where = [&] { return std::string(field) + "[" + std::to_string(i) + "][" + std::to_string(j) + "]"; };
      if (groups[i][j].empty()) return invalid(where() + " is an empty path");
      if (!is_utf8(groups[i][j])) return check_text(where(), groups[i][j]);
    }
  }
  return {};
}

// A file's last path segment without a URL's query: a presigned URL's signature stays out of
// messages.
inline std::string shown_file(std::string_view path) {
  if (auto q = path.find_first_of("?#"); q != std::string_view::npos) path = path.substr(0, q);
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (auto slash = path.find_last_of('/'); slash != std::string_view::npos && slash + 1 < path.size())
    path = path.substr(slash + 1);
  return std::string(path);
}

/// The server refuses a unit of several row-based files, or of files of different types.
inline result<void> check_units(std::string_view field, const std::vector<std::vector<std::string>>& groups) {
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const auto fault = check_unit(groups[i]);
    if (!fault) continue;
    const std::string where = std::string(field) + "[" + std::to_string(i) + "]";
    const std::string type(file_type_name(fault.type));
    if (fault.kind == unit_fault::several_row_files)
      return invalid(where + " holds " + std::to_string(groups[i].size()) + " " + type +
                     " files in one import unit, but the server imports a " + type +
                     " file alone: give each file its own group, as in {{\"" +
                     shown_file(groups[i][0]) + "\"}, {\"" + shown_file(groups[i][1]) +
                     "\"}}; only the .npy columns of one NumPy row set share a group");
    const auto& other = groups[i][fault.other];
    return invalid(where + " mixes file types (" + shown_file(groups[i][0]) + " is " + type + ", " +
                   shown_file(other) + " is " + std::string(file_type_name(file_type_of(other))) +
                   "): a group holds one Parquet, JSON or CSV file, or the .npy columns of one "
                   "NumPy row set");
  }
  return {};
}

inline result<void> check_file_count(std::string_view field, std::size_t count, std::size_t limit) {
  if (count > limit)
    return invalid(std::string(field) + " holds " + std::to_string(count) +
                   " files, more than the limit of " + std::to_string(limit) +
                   " per import; split it into several imports");
  return {};
}

inline result<void> check_cloud_create(const request_context& ctx, const create_import_request& r) {
  if (!r.files.empty() || !r.options.empty())
    return invalid("files and options are Milvus fields; the cloud flavour takes object_urls, "
                   "object_url or volume_name with data_paths");
  int sources = int(!r.object_url.empty()) + int(!r.object_urls.empty()) +
                int(!r.volume_name.empty() || !r.data_paths.empty());
  if (sources == 0)
    return invalid("no data source: set object_urls, object_url, or volume_name with data_paths");
  if (sources > 1)
    return invalid("more than one data source: set only one of object_urls, object_url, "
                   "volume_name with data_paths");
  if (!r.volume_name.empty() && r.data_paths.empty())
    return invalid("volume_name needs data_paths");
  if (r.volume_name.empty() && !r.data_paths.empty())
    return invalid("data_paths needs volume_name");
  if (auto ok = check_groups("object_urls", r.object_urls); !ok) return ok;
  if (auto ok = check_groups("data_paths", r.data_paths); !ok) return ok;
  if (auto ok = check_units("object_urls", r.object_urls); !ok) return ok;
  if (auto ok = check_units("data_paths", r.data_paths); !ok) return ok;
  std::size_t urls = r.object_url.empty() ? 0 : 1;
  for (const auto& g : r.object_urls) urls += g.size();
  for (const auto& g : r.data_paths) urls += g.size();
  if (auto ok = check_file_count("the import", urls, ctx.max_files); !ok) return ok;
  if (r.access_key.empty() != r.secret_key.empty())
    return invalid("access_key and secret_key must be given together");
  if (!r.token.empty() && r.access_key.empty())
    return invalid("token needs access_key and secret_key");
  for (auto [field, value] : {std::pair<const char*, std::string_view>{"object_url", r.object_url},
                              {"volume_name", r.volume_name},
                              {"access_key", r.access_key.reveal()},
                              {"secret_key", r.secret_key.reveal()},
                              {"token", r.token.reveal()}})
    if (auto ok = check_text(field, value); !ok) return ok;
  return {};
}

inline result<void> check_milvus_create(const request_context& ctx, const create_import_request& r) {
  if (!r.object_url.empty() || !r.object_urls.empty() || !r.volume_name.empty() ||
      !r.data_paths.empty())
    return invalid("object_url(s), volume_name and data_paths are cloud fields; the milvus "
                   "flavour takes files (paths relative to the bucket root)");
  if (!r.access_key.empty() || !r.secret_key.empty() || !r.token.empty())
    return invalid("access_key, secret_key and token are cloud fields; a Milvus server reads "
                   "its own bucket");
  if (r.files.empty()) return invalid("no data source: files is empty");
  if (auto ok = check_groups("files", r.files); !ok) return ok;
  if (auto ok = check_units("files", r.files); !ok) return ok;
  if (auto ok = check_file_count("files", r.files.size(), ctx.max_files); !ok) return ok;
  for (const auto& [key, value] : r.options) {
    if (key.empty()) return invalid("options has an empty key");
    if (!is_utf8(key)) return invalid("an options key is not valid UTF-8, which a JSON body requires");
    if (!is_utf8(value)) return check_text("options[\"" + key + "\"]", value);
  }
  return {};
}

} // namespace detail

/**
 * Validates `options` and pre-builds what every request shares. Fails with
 * `errc::invalid_argument` for a malformed endpoint, a control character in a header value,
 * or a cloud target that is missing or given twice.
 */
inline result<request_context> make_request_context(const client_options& options) {
  using detail::invalid;
  auto url = detail::parse_endpoint_url(options.endpoint);
  if (!url) return std::move(url).error();
  request_context ctx;
  ctx.url = std::move(*url);
  ctx.flavor = detail::resolve_flavor(options.flavor, ctx.url.host);
  if (auto ok = detail::check_header_value("the API key", options.api_key.reveal()); !ok)
    return std::move(ok).error();
  if (auto ok = detail::check_header_value("db_name", options.db_name); !ok)
    return std::move(ok).error();
  for (auto [field, value] : {std::pair<const char*, std::string_view>{"db_name", options.db_name},
                              {"cluster_id", options.cluster_id},
                              {"project_id", options.project_id},
                              {"region_id", options.region_id}})
    if (auto ok = detail::check_text(field, value); !ok) return std::move(ok).error();

  bool cluster = !options.cluster_id.empty();
  bool project = !options.project_id.empty() || !options.region_id.empty();
  if (ctx.cloud()) {
    if (cluster && project)
      return invalid("give either cluster_id or project_id with region_id, not both");
    if (!cluster && !project)
      return invalid("the cloud flavour needs cluster_id, or project_id with region_id");
    if (project && (options.project_id.empty() || options.region_id.empty()))
      return invalid("project_id and region_id must be given together");
  } else if (cluster || project) {
    return invalid("cluster_id, project_id and region_id belong to the cloud flavour; a Milvus "
                   "endpoint is the cluster itself (set flavor = api_flavor::cloud for the "
                   "control plane)");
  }
  if (options.timeout.count() <= 0) return invalid("timeout must be positive");
  if (options.deadline.count() <= 0) return invalid("deadline must be positive");
  if (options.request_timeout && options.request_timeout->count() <= 0)
    return invalid("request_timeout must be positive");
  const retry_policy& rp = options.retry;
  if (rp.max_attempts < 1) return invalid("retry.max_attempts must be at least 1 (1 disables retries)");
  if (rp.initial_backoff.count() < 0 || rp.max_backoff < rp.initial_backoff)
    return invalid("retry backoffs must satisfy 0 <= initial_backoff <= max_backoff");
  if (!(rp.multiplier >= 1.0 && rp.multiplier <= 1e6))
    return invalid("retry.multiplier must be between 1 and 1e6");
  // Slower than one request a day is a mistake, and would overflow the limiter's spacing.
  if (options.rate_limit && !(*options.rate_limit == 0 || (*options.rate_limit >= rate_limiter::min_rate &&
                                                           *options.rate_limit <= 1e9)))
    return invalid("rate_limit must be 0 (off) or between one request a day and 1e9 per second");

  ctx.cluster_id = options.cluster_id;
  ctx.project_id = options.project_id;
  ctx.region_id = options.region_id;
  ctx.db_name = options.db_name;
  ctx.progress = options.progress;
  ctx.timeout = options.timeout;
  ctx.max_files = options.max_files ? options.max_files : (ctx.cloud() ? 1000 : 1024);

  if (!options.api_key.empty())
    ctx.headers.push_back({"Authorization", "Bearer " + options.api_key.reveal()});
  ctx.headers.push_back({"Content-Type", "application/json"});
  ctx.headers.push_back({"Accept", "application/json"});
  ctx.headers.push_back({"User-Agent", "zic/" ZIC_VERSION_STRING});
  if (!options.db_name.empty()) ctx.headers.push_back({"DB-Name", options.db_name});
  if (options.request_timeout)
    ctx.headers.push_back({"Request-Timeout", std::to_string(options.request_timeout->count())});
  return ctx;
}

/// The limiter a client paces with: the shared one given, else one at `rate_limit` (by default
/// the cloud's documented 20 requests per second, none for Milvus), else none.
inline std::shared_ptr<rate_limiter> make_rate_limiter(const client_options& options, const request_context& ctx) {
  if (options.limiter) return options.limiter;
  const double rate = options.rate_limit.value_or(ctx.cloud() ? 20.0 : 0.0);
  return rate > 0 ? std::make_shared<rate_limiter>(rate) : nullptr;
}

/// `POST .../create`. Not idempotent: see `create_import_request::idempotency_key`.
inline result<http_request> make_create_request(const request_context& ctx,
                                                const create_import_request& r) {
  using detail::invalid;
  if (r.collection_name.empty()) return invalid("collection_name is empty");
  for (auto [field, value] : {std::pair<const char*, std::string_view>{"collection_name", r.collection_name},
                              {"partition_name", r.partition_name},
                              {"db_name", r.db_name}})
    if (auto ok = detail::check_text(field, value); !ok) return std::move(ok).error();
  if (auto ok = ctx.cloud() ? detail::check_cloud_create(ctx, r) : detail::check_milvus_create(ctx, r);
      !ok)
    return std::move(ok).error();
  if (!r.idempotency_key.empty()) {
    if (r.idempotency_key.size() > 256) return invalid("idempotency_key is longer than 256 bytes");
    for (char c : r.idempotency_key)
      if (c < 0x20 || c > 0x7e) return invalid("idempotency_key must be printable ASCII");
  }

  http_request req = detail::start_request(ctx, "create");
  req.idempotent = false;
  if (!r.idempotency_key.empty()) req.headers.push_back({"Idempotency-Key", r.idempotency_key});
  detail::json_writer w(req.body);
  w.begin_object();
  detail::write_target(w, ctx);
  w.optional_member("dbName", r.db_name.empty() ? ctx.db_name : r.db_name);
  w.member("collectionName", r.collection_name);
  w.optional_member("partitionName", r.partition_name);
  if (ctx.cloud()) {
    if (!r.object_url.empty()) w.member("objectUrl", r.object_url);
    if (!r.object_urls.empty()) w.member("objectUrls", r.object_urls);
    if (!r.volume_name.empty()) w.member("volumeName", r.volume_name).member("dataPaths", r.data_paths);
    w.optional_member("accessKey", r.access_key.reveal());
    w.optional_member("secretKey", r.secret_key.reveal());
    w.optional_member("token", r.token.reveal());
  } else {
    w.member("files", r.files);
    if (!r.options.empty()) {
      w.key("options").begin_object();
      for (const auto& [key, value] : r.options) w.member(key, value);
      w.end_object();
    }
  }
  w.end_object();
  return req;
}

namespace detail {
inline result<void> job_request(const request_context& ctx, std::string_view op, std::string_view job_id,
                                http_request& req) {
  if (auto ok = check_job_id(job_id); !ok) return ok;
  start_request(ctx, op, req);
  json_writer w(req.body);
  w.begin_object();
  write_target(w, ctx);
  w.member("jobId", job_id);
  w.end_object();
  return {};
}

inline result<http_request> job_request(const request_context& ctx, std::string_view op,
                                        std::string_view job_id) {
  http_request req;
  if (auto ok = job_request(ctx, op, job_id, req); !ok) return std::move(ok).error();
  return req;
}

inline result<http_request> two_phase_request(const request_context& ctx, std::string_view op,
                                              std::string_view job_id) {
  if (ctx.cloud())
    return invalid(std::string(op) + " is a Milvus two-phase call; the cloud control plane "
                                     "does not offer it");
  return job_request(ctx, op, job_id);
}
} // namespace detail

namespace detail {
constexpr std::string_view progress_op(const request_context& ctx) noexcept {
  return ctx.progress == progress_path::describe ? "describe" : "get_progress";
}
} // namespace detail

/// `POST .../describe` (or `.../get_progress`, per `client_options::progress`).
inline result<http_request> make_describe_request(const request_context& ctx,
                                                  std::string_view job_id) {
  return detail::job_request(ctx, detail::progress_op(ctx), job_id);
}

/// The same, built into `out` and reusing its storage: polling rebuilds without allocating.
inline result<void> make_describe_request(const request_context& ctx, std::string_view job_id,
                                          http_request& out) {
  return detail::job_request(ctx, detail::progress_op(ctx), job_id, out);
}

/// `POST .../list`: one page (cloud) or every job (Milvus).
inline result<http_request> make_list_request(const request_context& ctx,
                                              const list_import_jobs_request& r) {
  if (r.page_size < 1) return detail::invalid("page_size must be at least 1");
  if (r.current_page < 1) return detail::invalid("current_page must be at least 1 (pages are 1-based)");
  if (auto ok = detail::check_text("collection_name", r.collection_name); !ok) return std::move(ok).error();
  http_request req = detail::start_request(ctx, "list");
  detail::json_writer w(req.body);
  w.begin_object();
  detail::write_target(w, ctx);
  w.optional_member("dbName", ctx.db_name);
  if (ctx.cloud()) {
    w.member("pageSize", r.page_size).member("currentPage", r.current_page);
  } else {
    w.optional_member("collectionName", r.collection_name);
  }
  w.end_object();
  return req;
}

/// `POST .../commit` (Milvus, two-phase). Safe to repeat.
inline result<http_request> make_commit_request(const request_context& ctx, std::string_view job_id) {
  return detail::two_phase_request(ctx, "commit", job_id);
}

/// `POST .../abort` (Milvus, two-phase): drives the job to Failed.
inline result<http_request> make_abort_request(const request_context& ctx, std::string_view job_id) {
  return detail::two_phase_request(ctx, "abort", job_id);
}

ZIC_NAMESPACE_END

#endif // ZIC_REQUESTS_HPP
