#ifndef ZIC_EMULATOR_API_HPP
#define ZIC_EMULATOR_API_HPP

// The import API of both flavours, as the spec describes it: paths and aliases, request
// validation, error codes and HTTP statuses, and each flavour's response shapes.

#include "jobs.hpp"
#include "rows.hpp"
#include "storage.hpp"

#include <zic/detail/json_writer.hpp>

#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace zic_emulator {

enum class flavor { cloud, milvus };

// An S3-compatible store, addressed path-style (http://host:port/bucket/key).
struct object_store {
  std::string endpoint;               // empty: none
  std::string region = "us-east-1";   // for AWS Signature V4
  std::string bucket;                 // Milvus: the server's own bucket
  std::string access_key, secret_key; // Milvus: the server's own credentials
};

struct settings {
  flavor kind = flavor::milvus;
  std::string api_key;                  // empty: any caller is accepted
  std::filesystem::path data_dir;       // local files: Milvus paths, s3://BUCKET/KEY, file://
  object_store store;                   // where objects are read, when set
  std::int64_t simulated_rows = 10000;  // rows of a file that is not read (no store, no data dir)
  std::optional<std::uint64_t> seed;    // job ids: the same every run only when given
  std::chrono::milliseconds read_timeout{std::chrono::minutes(5)};  // reading one file, at most
  const std::atomic<bool>* stopping = nullptr;  // set when the emulator stops: reads give up
  // Collections whose files are checked against a schema, by name; others are only counted.
  std::map<std::string, zic::collection_schema, std::less<>> schemas;
};

// The request's credentials for the user's bucket (cloud).
struct credentials {
  std::string access_key, secret_key, token;
};

struct request_view {
  std::string_view method, target, authorization, db_name, idempotency_key, body;
};

struct reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// "create", "describe", "list", "commit", "abort", or "" for a path that is not the API's.
inline std::string operation_of(std::string_view target, flavor kind) {
  constexpr std::string_view prefix = "/v2/vectordb/jobs/import/";
  if (auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
  if (target.substr(0, prefix.size()) != prefix) return {};
  auto op = target.substr(prefix.size());
  if (op == "create" || op == "list") return std::string(op);
  if (op == "describe" || op == "get_progress") return "describe";
  if (op == "getProgress" && kind == flavor::cloud) return "describe";
  if ((op == "commit" || op == "abort") && kind == flavor::milvus) return std::string(op);
  return {};
}

class api {
public:
  api(settings s, job_store& jobs) : s_(std::move(s)), jobs_(jobs), rng_(id_seed(s_.seed)) {
    // Milvus ids are 18-digit numbers (the server's allocator counts up from a timestamp): each
    // run starts at its own place among them.
    milvus_base_ = 400000000000000000LL + static_cast<std::int64_t>(rng_() % 100000000000000000ULL);
  }

  /// Reads a job's units in order away from the thread that answers requests, stopping after
  /// one that fails, and hands what it read to `done` back on that thread. Unset, files are
  /// read at once (by the create that names them).
  using file_list = std::vector<import_file>;
  using unit_reader = std::function<import_file()>;
  std::function<void(std::vector<unit_reader> units, std::function<void(file_list)> done)> reader;

  reply handle(const request_view& req, steady::time_point now) {
    const std::string op = operation_of(req.target, s_.kind);
    if (op.empty()) return reply{404, "text/plain", "404 page not found", {}};
    if (!s_.api_key.empty() && req.authorization != "Bearer " + s_.api_key) {
      return s_.kind == flavor::cloud ? error(21119, "The apikey is illegal.", 401)
                                      : error(1800, "user hasn't authenticated", 401);
    }
    simdjson::dom::element body;
    std::string_view text = req.body.empty() ? std::string_view("{}") : req.body;
    if (parser_.parse(text.data(), text.size()).get(body) || !body.is_object())
      return error(1801, "can only accept json format request");
    if (op == "create") return create(req, body, now);
    if (op == "describe") return describe(req, body, now);
    if (op == "list") return list(req, body, now);
    return two_phase(op, req, body, now);
  }

private:
  using writer = zic::detail::json_writer;

  static reply error(std::int64_t code, std::string_view message, int status = 200) {
    reply r;
    r.status = status;
    writer w(r.body);
    w.begin_object().member("code", code).member("message", message).end_object();
    return r;
  }

  template <class Data> static reply ok(Data&& data) {
    reply r;
    writer w(r.body);
    w.begin_object().member("code", std::int64_t(0)).key("data").begin_object();
    data(w);
    w.end_object().end_object();
    return r;
  }

  // An optional string field: absent, null and "" all mean "not given". 1 = wrong type.
  static int text(simdjson::dom::element obj, const char* key, std::string& out) {
    simdjson::dom::element v;
    out.clear();
    if (obj[key].get(v) || v.is_null()) return 0;
    std::string_view sv;
    if (v.get_string().get(sv)) return 1;
    out.assign(sv);
    return 0;
  }

  // An optional [[string]] field. 1 = wrong type.
  static int groups(simdjson::dom::element obj, const char* key, std::vector<std::vector<std::string>>& out) {
    simdjson::dom::element v;
    out.clear();
    if (obj[key].get(v) || v.is_null()) return 0;
    simdjson::dom::array outer;
    if (v.get_array().get(outer)) return 1;
    for (auto g : outer) {
      simdjson::dom::array inner;
      if (g.get_array().get(inner)) return 1;
      auto& group = out.emplace_back();
      for (auto p : inner) {
        std::string_view sv;
        if (p.get_string().get(sv)) return 1;
        group.emplace_back(sv);
      }
    }
    return 0;
  }

  static reply bind_error(const char* field) {
    return error(1801, std::string("can only accept json format request, error: cannot unmarshal ") + field);
  }

  // Cloud calls name a cluster, or a project and region.
  static std::optional<reply> check_target(simdjson::dom::element body) {
    std::string cluster, project, region;
    if (text(body, "clusterId", cluster) || text(body, "projectId", project) || text(body, "regionId", region))
      return bind_error("clusterId/projectId/regionId");
    if (!cluster.empty() && (!project.empty() || !region.empty()))
      return error(1100, "invalid parameter: give clusterId or projectId with regionId, not both");
    if (cluster.empty() && (project.empty() || region.empty()))
      return error(1802, "missing required parameter: clusterId");
    return std::nullopt;
  }

  std::string database(const request_view& req, simdjson::dom::element body) const {
    std::string db;
    text(body, "dbName", db);
    if (db.empty()) db.assign(req.db_name);
    return db.empty() ? "default" : db;
  }

  static std::string base_name(std::string_view url) {
    if (auto q = url.find_first_of("?#"); q != std::string_view::npos) url = url.substr(0, q);
    auto slash = url.rfind('/');
    return std::string(slash == std::string_view::npos ? url : url.substr(slash + 1));
  }

  // Where one file's bytes are: a source to read, or nothing when it is simulated (then
  // `error` may say why it cannot be read at all).
  struct located {
    std::unique_ptr<byte_source> source;
    std::string error;
  };

  located local(const std::filesystem::path& path, std::string_view shown) const {
    if (!inside_data_dir(path))
      return {nullptr, "failed to get file size of '" + std::string(shown) + "': no such file"};
    return {std::make_unique<file_source>(path), {}};
  }

  located remote([[maybe_unused]] object_location where) const {
#if ZIC_EMULATOR_WITH_CURL
    return {std::make_unique<object_source>(std::move(where)), {}};
#else
    return {nullptr, "this zic-emulator was built without libcurl and cannot read object storage"};
#endif
  }

  object_location in_store(std::string url, const credentials& keys) const {
    object_location where;
    where.url = std::move(url);
    where.region = s_.store.region;
    where.access_key = keys.access_key;
    where.secret_key = keys.secret_key;
    where.token = keys.token;
    return where;
  }

  // A cloud object URL: s3://BUCKET/KEY from the store (or --data-dir/BUCKET/KEY); http(s)://
  // as given when a store is set; file:// under --data-dir. Anything else is simulated.
  located locate_cloud(const std::string& url, const credentials& keys) const {
    constexpr std::string_view s3 = "s3://", file = "file://";
    std::string_view u = url;
    if (u.substr(0, s3.size()) == s3) {
      auto rest = u.substr(s3.size());
      auto slash = rest.find('/');
      if (slash == std::string_view::npos || slash == 0 || slash + 1 == rest.size())
        return {nullptr, "failed to get file size of '" + url + "': an s3:// URL names a bucket and a key"};
      auto bucket = rest.substr(0, slash), key = rest.substr(slash + 1);
      if (has_dot_segment(bucket) || has_dot_segment(key))
        return {nullptr, "failed to get file size of '" + url +
                             "': a key with a '.' or '..' segment is refused, as its URL would "
                             "name another object"};
      if (!s_.store.endpoint.empty()) return remote(in_store(object_url(s_.store.endpoint, bucket, key), keys));
      if (!s_.data_dir.empty()) return local(s_.data_dir / std::string(bucket) / std::string(key), url);
      return {};
    }
    if ((u.substr(0, 7) == "http://" || u.substr(0, 8) == "https://") && !s_.store.endpoint.empty())
      return remote(in_store(url, keys));
    if (u.substr(0, file.size()) == file) {
      // Only files under --data-dir: an object URL must not probe the host's file system.
      const std::filesystem::path path(url.substr(file.size()));
      if (!inside_data_dir(path))
        return {nullptr, "failed to read object " + url + ": file:// object URLs are read only under the emulator's --data-dir"};
      return {std::make_unique<file_source>(path), {}};
    }
    return {};
  }

  // A Milvus path, relative to the server's bucket: from the store, else under --data-dir.
  located locate_milvus(const std::string& path) const {
    std::filesystem::path rel(path);
    bool escapes = rel.is_absolute();
    for (const auto& part : rel) escapes = escapes || part == "..";
    if (escapes) return {nullptr, "failed to get file size of '" + path + "': no such file"};
    if (!s_.store.endpoint.empty())
      return remote(in_store(object_url(s_.store.endpoint, s_.store.bucket, path),
                             credentials{s_.store.access_key, s_.store.secret_key, {}}));
    if (!s_.data_dir.empty()) return local(s_.data_dir / rel, path);
    return {};
  }

  bool inside_data_dir(const std::filesystem::path& path) const {
    if (s_.data_dir.empty() || !path.is_absolute()) return false;
    std::error_code ec;
    const auto root = std::filesystem::weakly_canonical(s_.data_dir, ec);
    const auto full = std::filesystem::weakly_canonical(path, ec);
    if (ec) return false;
    auto [end, _] = std::mismatch(root.begin(), root.end(), full.begin(), full.end());
    return end == root.end();
  }

  static std::string group_name(const std::vector<std::string>& paths) {
    std::string name = "[";
    for (std::size_t i = 0; i < paths.size(); ++i) name += (i ? " " : "") + paths[i];
    return name + "]";
  }

  static std::string stem(const std::string& path) {
    auto name = base_name(path);
    return name.substr(0, name.rfind('.'));
  }

  std::int64_t max_file_bytes() const {
    return (s_.kind == flavor::cloud ? std::int64_t(10) : std::int64_t(16)) << 30;
  }

  // One create's files, each read once; nullopt for one no store or directory holds.
  using scans = std::map<std::string, std::optional<file_scan>>;

  // Reads one import unit: a row-based file, or the .npy columns of one row set.
  template <class Locate>
  import_file read_unit(const std::vector<std::string>& names, std::string shown, Locate&& locate, scans& seen,
                        const file_rules& rules) const {
    import_file unit;
    unit.name = std::move(shown);
    std::int64_t rows = -1;
    for (const auto& name : names) {
      auto known = seen.find(name);
      if (known == seen.end()) {
        located where = locate(name);
        std::optional<file_scan> scan;
        if (where.source) {
          where.source->limit({steady::now() + s_.read_timeout, s_.read_timeout, s_.stopping});
          scan = scan_file(*where.source, zic::detail::file_type_of(name), name, max_file_bytes(), rules);
        }
        else if (!where.error.empty()) scan.emplace().error = where.error;
        known = seen.emplace(name, std::move(scan)).first;
      }
      if (!known->second) {
        unit.simulated = true;
        continue;
      }
      const file_scan& f = *known->second;
      unit.bytes = saturating_add(unit.bytes, f.bytes);
      if (!f.error.empty()) {
        if (unit.error.empty()) unit.error = f.error;
        continue;
      }
      if (names.size() == 1) {
        unit.rows = f.rows;
        unit.columns = f.columns;
      } else {
        unit.columns.push_back(stem(name));
        if (rows >= 0 && f.rows != rows && unit.error.empty())
          unit.error = "the NumPy files of " + unit.name + " hold different numbers of rows: " +
                       base_name(names.front()) + " has " + std::to_string(rows) + ", " + base_name(name) +
                       " has " + std::to_string(f.rows);
        if (rows < 0) rows = f.rows;
      }
    }
    if (names.size() > 1 && rows > 0) unit.rows = rows;
    // A NumPy unit holds one file per field: the fields without one are known only here.
    if (rules.schema && unit.error.empty() && !unit.simulated &&
        zic::detail::file_type_of(names.front()) == file_type::numpy) {
      std::vector<std::string> fields;
      for (const auto& name : names) fields.push_back(stem(name));
      std::string why;
      if (!check_npy_unit(*rules.schema, fields, why)) {
        unit.error = "NumPy files " + unit.name + " do not match the collection's schema: " + why;
        unit.rows = 0;
      }
    }
    if (unit.simulated && unit.error.empty()) {
      unit.rows = s_.simulated_rows;
      unit.bytes = s_.simulated_rows * 128;
      unit.columns.clear();
    }
    return unit;
  }

  static std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
    return b > 0 && a > INT64_MAX - b ? INT64_MAX : a + b;
  }

  static import_file named(std::string name) {
    import_file f;
    f.name = std::move(name);
    return f;
  }

  // Reads a new job's units through `reader` (off the serving thread, in the server) or at
  // once; the job stays in PreImporting until they are read. Units after one that failed are
  // not read (the job fails with it): they keep only their names.
  void read_files(const std::string& id, std::vector<unit_reader> units) {
    auto done = [this, id](file_list files) {
      const auto now = steady::now();
      job* j = jobs_.find(id, now);
      if (!j) return;
      for (std::size_t i = 0; i < files.size() && i < j->files.size(); ++i)
        j->files[i] = std::move(files[i]);
      for (const auto& f : j->files) {
        j->total_rows = saturating_add(j->total_rows, f.rows);
        j->total_bytes = saturating_add(j->total_bytes, f.bytes);
      }
      j->read = now;
      jobs_.changed(*j, now);
    };
    if (reader) return reader(std::move(units), std::move(done));
    file_list files;
    for (auto& unit : units) {
      files.push_back(unit());
      if (!files.back().error.empty()) break;
    }
    done(std::move(files));
  }

  // The server's unit rule (spec section 6), checked at create as the server does.
  static std::optional<reply> check_units(const std::vector<std::vector<std::string>>& groups, bool milvus) {
    using namespace zic::detail;
    for (const auto& g : groups) {
      const auto fault = check_unit(g);
      if (fault.kind == unit_fault::mixed_types)
        return error(2100, "import failed: inconsistency in file types, (" + g.front() + ") vs (" + g[fault.other] + ")");
      if (fault.kind == unit_fault::several_row_files)
        return error(2100, "import failed: for " + std::string(file_type_name(fault.type)) +
                               " import, accepts only one file, but got " + std::to_string(g.size()) + " files");
      if (milvus && file_type_of(g.front()) == file_type::other)
        return error(2100, "import failed: unexpected file type, files=" + group_name(g));
    }
    return std::nullopt;
  }

  // A server never hands out an id twice, so neither does a restarted emulator: the ids come
  // from the clock and the system's randomness unless a seed asks for the same ones every run.
  static std::uint64_t id_seed(std::optional<std::uint64_t> seed) {
    if (seed) return *seed;
    std::random_device random;
    const auto now = std::chrono::system_clock::now().time_since_epoch().count();
    return (std::uint64_t(random()) << 32 ^ random()) ^ static_cast<std::uint64_t>(now);
  }

  std::string next_id() {
    ++serial_;
    if (s_.kind == flavor::milvus) return std::to_string(milvus_base_ + serial_);
    static constexpr char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    std::string id = "job-";
    for (int i = 0; i < 13; ++i) id.push_back(alphabet[rng_() % 36]);
    auto n = std::to_string(serial_);
    id += std::string(8 - std::min<std::size_t>(8, n.size()), '0') + n;
    return id;
  }

  reply create(const request_view& req, simdjson::dom::element body, steady::time_point now) {
    if (!req.idempotency_key.empty()) {
      auto seen = idempotency_.find(std::string(req.idempotency_key));
      // A key lives 24 hours, and no longer than its job: once retention removed the job, the
      // key names nothing and a create under it makes a new one.
      if (seen != idempotency_.end() && now - seen->second.second < std::chrono::hours(24) &&
          jobs_.find(seen->second.first, now)) {
        const std::string id = seen->second.first;
        return ok([&](writer& w) { w.member("jobId", id); });
      }
      if (seen != idempotency_.end()) idempotency_.erase(seen);
    }
    job j;
    j.created = now;
    j.created_wall = std::chrono::system_clock::now();
    std::vector<unit_reader> units;  // each reads and counts one unit, off the serving thread
    // A file named in several units of a job is read once; a job's units are read one at a time.
    auto seen = std::make_shared<scans>();
    if (text(body, "collectionName", j.collection) || text(body, "partitionName", j.partition))
      return bind_error("collectionName/partitionName");
    if (j.collection.empty()) return error(1802, "missing required parameter: collectionName");
    // The schema stays in settings for the emulator's life; the units read with these rules.
    auto rules = std::make_shared<file_rules>();
    if (auto known = s_.schemas.find(j.collection); known != s_.schemas.end()) rules->schema = &known->second;

    if (s_.kind == flavor::cloud) {
      if (auto bad = check_target(body)) return *bad;
      std::string object_url, volume;
      std::vector<std::vector<std::string>> urls, paths;
      if (text(body, "objectUrl", object_url) || groups(body, "objectUrls", urls) ||
          text(body, "volumeName", volume) || groups(body, "dataPaths", paths))
        return bind_error("objectUrl/objectUrls/volumeName/dataPaths");
      int sources = int(!object_url.empty()) + int(!urls.empty()) + int(!volume.empty() || !paths.empty());
      if (sources == 0) return error(1802, "missing required parameter: objectUrls");
      if (sources > 1) return error(1100, "invalid parameter: give only one of objectUrl, objectUrls, volumeName");
      if (!volume.empty() && paths.empty()) return error(1802, "missing required parameter: dataPaths");
      std::size_t count = object_url.empty() ? 0 : 1;
      for (const auto& g : urls) count += g.size();
      for (const auto& g : paths) count += g.size();
      if (count > 1000) return error(1100, "invalid parameter: at most 1000 files per import");
      if (!object_url.empty()) urls.push_back({object_url});
      for (const auto& g : urls)
        for (const auto& u : g)
          if (u.empty()) return error(1100, "invalid parameter: empty object URL");
      if (auto bad = check_units(urls, false)) return *bad;
      if (auto bad = check_units(paths, false)) return *bad;
      credentials keys;
      if (text(body, "accessKey", keys.access_key) || text(body, "secretKey", keys.secret_key) ||
          text(body, "token", keys.token))
        return bind_error("accessKey/secretKey/token");
      if (jobs_.running(now, &j.collection) >= 10000)
        return error(2100, "import failed: The number of jobs has reached the limit of 10000 running or "
                           "pending jobs in this collection, please try again later");
      auto shown = [](const std::vector<std::string>& g) { return g.size() == 1 ? base_name(g[0]) : group_name(g); };
      for (const auto& g : urls) j.files.push_back(named(shown(g)));
      for (const auto& g : paths) j.files.push_back(named(shown(g)));
      auto shared_keys = std::make_shared<const credentials>(std::move(keys));
      for (auto& g : urls)
        units.push_back([this, g = std::move(g), shown, shared_keys, seen, rules] {
          const auto locate = [&](const std::string& u) { return locate_cloud(u, *shared_keys); };
          return read_unit(g, shown(g), locate, *seen, *rules);
        });
      // Volumes are the service's own storage: simulated.
      for (auto& g : paths)
        units.push_back([this, g = std::move(g), shown, seen, rules] {
          return read_unit(g, shown(g), [](const std::string&) { return located{}; }, *seen, *rules);
        });
    } else {
      j.db = database(req, body);
      std::vector<std::vector<std::string>> files;
      if (groups(body, "files", files)) return bind_error("files");
      if (files.empty()) return error(1802, "missing required parameter: files");
      if (files.size() > 1024)
        return error(1100, "invalid parameter: The max number of import files should not exceed 1024, but got " +
                               std::to_string(files.size()));
      for (const auto& g : files)
        if (g.empty()) return error(1100, "invalid parameter: an import unit has no file");
      if (auto bad = check_units(files, true)) return *bad;
      simdjson::dom::element options;
      if (!body["options"].get(options) && !options.is_null()) {
        simdjson::dom::object obj;
        if (options.get_object().get(obj)) return bind_error("options");
        for (auto kv : obj) {
          std::string_view v;
          if (kv.value.get_string().get(v)) return bind_error("options values (they must be strings)");
          // CSV: the separator and the text of a null cell, as the server reads them (one byte
          // separators only; the others the server allows are left to it).
          if (kv.key == "sep" && v.size() == 1) rules->csv_separator = v[0];
          if (kv.key == "nullkey") rules->csv_null_key = std::string(v);
          if (kv.key == "auto_commit") {
            if (v != "true" && v != "false") return error(1100, "invalid parameter: auto_commit must be \"true\" or \"false\"");
            j.auto_commit = v == "true";
          }
        }
      }
      if (jobs_.running(now) >= 1024)
        return error(2100, "import failed: The number of jobs has reached the limit, please try again later");
      for (const auto& g : files) j.files.push_back(named(group_name(g)));
      for (auto& g : files)
        units.push_back([this, g = std::move(g), seen, rules] {
          const auto locate = [this](const std::string& p) { return locate_milvus(p); };
          return read_unit(g, group_name(g), locate, *seen, *rules);
        });
    }
    j.id = next_id();
    const std::string id = j.id;
    jobs_.add(std::move(j));
    read_files(id, std::move(units));
    if (!req.idempotency_key.empty()) idempotency_[std::string(req.idempotency_key)] = {id, now};
    return ok([&](writer& w) { w.member("jobId", id); });
  }

  // Finds a job by the body's jobId; Milvus scopes it to the DB-Name header's database.
  std::pair<job*, std::optional<reply>> lookup(const request_view& req, simdjson::dom::element body,
                                               steady::time_point now) {
    simdjson::dom::element v;
    if (body["jobId"].get(v) || v.is_null()) return {nullptr, error(1802, "missing required parameter: jobId")};
    std::string_view id;
    if (v.get_string().get(id)) return {nullptr, bind_error("jobId (it must be a string)")};
    job* j = jobs_.find(std::string(id), now);
    if (j && s_.kind == flavor::milvus) {
      std::string db(req.db_name.empty() ? std::string_view("default") : req.db_name);
      if (j->db != db) j = nullptr;
    }
    if (!j) return {nullptr, error(2100, "import failed: import job does not exist: jobID=" + std::string(id))};
    return {j, std::nullopt};
  }

  std::string wall(const job& j, steady::time_point t) const {
    return iso8601(j.created_wall + std::chrono::duration_cast<std::chrono::system_clock::duration>(t - j.created));
  }

  const char* list_state(phase p) const {
    // The cloud's list enum says InProgress where describe says Importing.
    return s_.kind == flavor::cloud && p == phase::importing ? "InProgress" : phase_name(p);
  }

  reply describe(const request_view& req, simdjson::dom::element body, steady::time_point now) {
    if (s_.kind == flavor::cloud)
      if (auto bad = check_target(body)) return *bad;
    auto found = lookup(req, body, now);  // not a structured binding: lambdas below use `j`
    job* j = found.first;
    if (!j) return *found.second;
    const snapshot s = jobs_.life.at(*j, now);
    const bool cloud = s_.kind == flavor::cloud;
    const std::string complete = s.finished ? wall(*j, *s.finished) : std::string();
    return ok([&](writer& w) {
      w.member("jobId", j->id).member("collectionName", j->collection);
      if (cloud && !j->files.empty()) w.member("fileName", j->files.front().name);
      w.member("fileSize", j->total_bytes).member("state", phase_name(s.state));
      w.member("progress", std::int64_t(s.progress));
      if (!cloud) w.member("importedRows", s.imported_rows);
      w.member("totalRows", s.total_rows).member("completeTime", complete);
      if (!cloud) w.member("createTime", iso8601(j->created_wall));
      if (cloud || !s.reason.empty()) w.member("reason", s.reason);
      w.key("details").begin_array();
      std::int64_t left = s.imported_rows;
      for (const auto& f : j->files) {
        // Rows are imported unit after unit; each unit shows the job's stage.
        std::int64_t done = std::min(left, f.rows);
        left -= done;
        const char* state = s.state == phase::failed      ? "Failed"
                            : s.state == phase::completed  ? "Completed"
                            : s.state == phase::pending    ? "Pending"
                                                           : "InProgress";
        w.begin_object().member("fileName", f.name).member("fileSize", f.bytes).member("state", state);
        w.member("progress", std::int64_t(s.progress));
        if (!cloud) w.member("importedRows", done);
        w.member("totalRows", s.total_rows ? f.rows : 0)
            .member("completeTime", std::string_view(s.state == phase::completed ? complete : ""));
        if (cloud || !f.error.empty()) w.member("reason", f.error);
        // The emulator's own: the columns a Parquet footer or a NumPy unit names, and whether
        // the unit was simulated rather than read.
        if (!f.columns.empty() && j->read) w.member("columns", f.columns);
        if (f.simulated) w.key("simulated").boolean(true);
        w.end_object();
      }
      w.end_array();
    });
  }

  reply list(const request_view& req, simdjson::dom::element body, steady::time_point now) {
    std::vector<const job*> matches;
    if (s_.kind == flavor::cloud) {
      if (auto bad = check_target(body)) return *bad;
      std::int64_t page_size = 10, page = 1;
      simdjson::dom::element v;
      if (!body["pageSize"].get(v) && !v.is_null() && v.get_int64().get(page_size)) return bind_error("pageSize");
      if (!body["currentPage"].get(v) && !v.is_null() && v.get_int64().get(page)) return bind_error("currentPage");
      if (page_size < 1 || page < 1) return error(1100, "invalid parameter: pageSize and currentPage start at 1");
      page_size = std::min<std::int64_t>(page_size, 100);
      std::int64_t total = 0;
      jobs_.each(now, [&](const job& j) {
        if (total >= (page - 1) * page_size && total < page * page_size) matches.push_back(&j);
        ++total;
      });
      return ok([&](writer& w) {
        w.member("count", total).member("currentPage", page).member("pageSize", page_size);
        w.key("records").begin_array();
        for (const job* j : matches) {
          auto s = jobs_.life.at(*j, now);
          w.begin_object().member("collectionName", j->collection).member("jobId", j->id)
              .member("state", list_state(s.state)).member("progress", std::int64_t(s.progress)).end_object();
        }
        w.end_array();
      });
    }
    std::string collection;
    if (text(body, "collectionName", collection)) return bind_error("collectionName");
    const std::string db = database(req, body);
    jobs_.each(now, [&](const job& j) {
      if (j.db == db && (collection.empty() || j.collection == collection)) matches.push_back(&j);
    });
    return ok([&](writer& w) {
      w.key("records").begin_array();
      for (const job* j : matches) {
        auto s = jobs_.life.at(*j, now);
        w.begin_object().member("jobId", j->id).member("collectionName", j->collection)
            .member("state", list_state(s.state)).member("progress", std::int64_t(s.progress));
        if (!s.reason.empty()) w.member("reason", s.reason);
        w.end_object();
      }
      w.end_array();
    });
  }

  reply two_phase(const std::string& op, const request_view& req, simdjson::dom::element body,
                  steady::time_point now) {
    auto found = lookup(req, body, now);
    job* j = found.first;
    if (!j) return *found.second;
    const phase p = jobs_.life.at(*j, now).state;
    if (op == "commit") {
      if (p == phase::uncommitted) j->committed = now;
      else if (p != phase::committing && p != phase::completed)
        return error(1100, std::string("invalid parameter: the import job is ") + phase_name(p) + ", not Uncommitted");
    } else {
      // An abort repeated (a retry whose first answer was lost) finds its own work done.
      if (p == phase::failed && j->aborted) return ok([](writer&) {});
      if (finished(p))
        return error(1100, std::string("invalid parameter: the import job has already ended (") + phase_name(p) +
                               ") and cannot be aborted");
      j->aborted = now;
    }
    jobs_.changed(*j, now);
    return ok([](writer&) {});
  }

  settings s_;
  job_store& jobs_;
  simdjson::dom::parser parser_;
  std::map<std::string, std::pair<std::string, steady::time_point>> idempotency_;
  std::int64_t serial_ = 0;
  std::mt19937_64 rng_;
  std::int64_t milvus_base_ = 0;
};

} // namespace zic_emulator

#endif
