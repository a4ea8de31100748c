// The uploader's policies over an in-memory store (no sockets): retries of a late error in a
// 200 CompleteMultipartUpload and of a connection that failed, the abort after a part that
// keeps failing, and secrets (session token, SAS signature) scrubbed from what a store echoes.
#include <zic/storage/uploader.hpp>

#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <mutex>

namespace zs = zic::storage;

namespace {
constexpr std::uint64_t mib = 1ull << 20;

struct fake_store {
  std::mutex mu;
  std::map<std::string, std::string> objects;                          // "/bucket/key" -> bytes
  std::map<std::string, std::map<std::uint32_t, std::string>> uploads; // id -> parts
  std::vector<std::string> log;                                        // "METHOD target"
  std::function<std::optional<zic::result<zic::http_response>>(const zic::http_request &)> fault;
  int next_id = 0;
};

zic::http_response answer(int status, std::string body = {}) {
  zic::http_response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::string query_value(std::string_view q, std::string_view name) {
  for (auto pos = q.find(name); pos != std::string_view::npos; pos = q.find(name, pos + 1)) {
    if (pos > 0 && q[pos - 1] != '&') continue;
    if (pos + name.size() >= q.size() || q[pos + name.size()] != '=') continue;
    auto v = q.substr(pos + name.size() + 1);
    return std::string(v.substr(0, v.find('&')));
  }
  return {};
}

struct fake_transport {
  std::shared_ptr<fake_store> s;
  zic::result<zic::http_response> send(const zic::http_request &req) {
    std::unique_lock lock(s->mu);
    s->log.push_back(req.method + " " + req.target);
    if (s->fault) {
      if (auto f = s->fault(req)) return std::move(*f);
    }
    const std::string_view t = req.target;
    const auto qpos = t.find('?');
    const std::string path(t.substr(0, qpos));
    const std::string_view q =
        qpos == std::string_view::npos ? std::string_view{} : t.substr(qpos + 1);
    if (req.method == "PUT" && query_value(q, "uploadId").empty()) {
      s->objects[path] = req.body;
      auto r = answer(200);
      r.headers.push_back({"ETag", "\"" + zs::to_hex(zs::md5(req.body)) + "\""});
      return r;
    }
    if (req.method == "POST" && q == "uploads") {
      const std::string id = "U" + std::to_string(++s->next_id);
      s->uploads[id];
      return answer(200, "<InitiateMultipartUploadResult><UploadId>" + id +
                             "</UploadId></InitiateMultipartUploadResult>");
    }
    const std::string id = query_value(q, "uploadId");
    if (!s->uploads.count(id))
      return answer(404, "<Error><Code>NoSuchUpload</Code><Message>gone</Message></Error>");
    if (req.method == "PUT") {
      const auto n = static_cast<std::uint32_t>(std::stoul(query_value(q, "partNumber")));
      s->uploads[id][n] = req.body;
      auto r = answer(200);
      r.headers.push_back({"ETag", "\"" + zs::to_hex(zs::md5(req.body)) + "\""});
      return r;
    }
    if (req.method == "POST") {
      std::string whole;
      for (auto &[n, part] : s->uploads[id])
        whole += part;
      s->objects[path] = whole;
      s->uploads.erase(id);
      return answer(
          200,
          "<CompleteMultipartUploadResult><ETag>\"x-2\"</ETag></CompleteMultipartUploadResult>");
    }
    if (req.method == "DELETE") {
      s->uploads.erase(id);
      return answer(204);
    }
    return answer(400);
  }
};

zs::upload_options fast() {
  zs::upload_options o;
  o.multipart_threshold = 5 * mib;
  o.part_size = 5 * mib;
  o.connections = 3;
  o.retry.initial_backoff = std::chrono::milliseconds(1);
  o.retry.max_backoff = std::chrono::milliseconds(2);
  return o;
}

zs::s3_destination dest(std::string key, std::string token = {}) {
  zs::s3_destination d;
  d.store.endpoint = zs::s3_endpoint::at("http://127.0.0.1:9").value();
  d.store.credentials = {"AKID", zic::secret("SECRETKEY-1234"), zic::secret(std::move(token))};
  d.store.sign_payload = false;
  d.object = {"b", std::move(key)};
  return d;
}

std::size_t count_prefix(const std::vector<std::string> &log, std::string_view prefix) {
  std::size_t n = 0;
  for (const auto &l : log)
    n += l.starts_with(prefix);
  return n;
}
} // namespace

TEST_CASE("uploader: a 200 CompleteMultipartUpload carrying InternalError is retried") {
  auto store = std::make_shared<fake_store>();
  int late_errors = 1;
  store->fault = [&](const zic::http_request &r) -> std::optional<zic::result<zic::http_response>> {
    if (r.method == "POST" && r.target.find("uploadId=") != std::string::npos && late_errors-- > 0)
      return zic::result<zic::http_response>(
          answer(200, "<Error><Code>InternalError</Code><Message>try again</Message></Error>"));
    return std::nullopt;
  };
  zs::uploader<fake_transport> up([store] { return fake_transport{store}; }, fast());
  std::string bytes(12 * mib, 'z');
  bytes[7 * mib] = 'q';
  auto r = up.upload_bytes(bytes, dest("k"));
  REQUIRE_MESSAGE(r, r.error().message);
  CHECK(r->parts == 3);
  CHECK(r->etag == "\"x-2\"");
  CHECK(store->objects["/b/k"] == bytes);
  CHECK(count_prefix(store->log, "POST /b/k?uploadId=") == 2);
}

TEST_CASE("uploader: a connection failure on a part is retried; a part that keeps failing aborts") {
  auto store = std::make_shared<fake_store>();
  int resets = 1;
  store->fault = [&](const zic::http_request &r) -> std::optional<zic::result<zic::http_response>> {
    if (r.target.find("partNumber=2&") != std::string::npos && resets-- > 0)
      return zic::result<zic::http_response>(
          zic::error(zic::errc::transport, "connection reset by peer"));
    return std::nullopt;
  };
  zs::uploader<fake_transport> up([store] { return fake_transport{store}; }, fast());
  const std::string bytes(11 * mib, 'a');
  REQUIRE(up.upload_bytes(bytes, dest("retried")));
  CHECK(store->objects["/b/retried"] == bytes);
  CHECK(count_prefix(store->log, "PUT /b/retried?partNumber=2&") == 2);

  resets = 1000;
  auto r = up.upload_bytes(bytes, dest("failed"));
  REQUIRE(!r);
  CHECK(r.error().code == zic::errc::transport);
  CHECK(r.error().message.find("gave up after 4 attempts") != std::string::npos);
  CHECK(store->uploads.empty()); // aborted
  CHECK(count_prefix(store->log, "DELETE /b/failed?uploadId=") == 1);
  CHECK(!store->objects.count("/b/failed"));
}

TEST_CASE("uploader: the session token and secret key never reach an error, even when a store "
          "echoes them") {
  auto store = std::make_shared<fake_store>();
  store->fault = [&](const zic::http_request &r) -> std::optional<zic::result<zic::http_response>> {
    return zic::result<zic::http_response>(
        answer(403, "<Error><Code>InvalidToken</Code><Message>token " +
                        std::string(r.header("x-amz-security-token")) +
                        " with key SECRETKEY-1234 refused</Message></Error>"));
  };
  zs::uploader<fake_transport> up([store] { return fake_transport{store}; }, fast());
  auto r = up.upload_bytes("x", dest("k", "SESSION-TOKEN-777"));
  REQUIRE(!r);
  CHECK(r.error().message.find("InvalidToken") != std::string::npos);
  CHECK(r.error().message.find("SESSION-TOKEN-777") == std::string::npos);
  CHECK(r.error().message.find("SECRETKEY-1234") == std::string::npos);
  CHECK(store->log.size() == 1); // a 403 is not retried
}

TEST_CASE("uploader: an Azure SAS signature stays out of errors and events") {
  auto store = std::make_shared<fake_store>();
  store->fault = [&](const zic::http_request &r) -> std::optional<zic::result<zic::http_response>> {
    return zic::result<zic::http_response>(
        answer(403, "<Error><Code>AuthenticationFailed</Code><Message>bad " + r.target +
                        "</Message></Error>"));
  };
  std::vector<std::string> paths;
  auto opts = fast();
  opts.observer = [&](const zic::attempt_event &ev) { paths.emplace_back(ev.path); };
  zs::uploader<fake_transport> up([store] { return fake_transport{store}; }, opts);
  zs::azure_destination to;
  to.store.endpoint = zs::azure_endpoint::at("http://127.0.0.1:9/acct").value();
  to.store.sas = zic::secret("sv=2021-08-06&sp=cw&sig=SiGnAtUrE%2Bxyz");
  to.blob = {"c", "b"};
  auto r = up.upload_bytes("x", to);
  REQUIRE(!r);
  CHECK(r.error().message.find("AuthenticationFailed") != std::string::npos);
  CHECK(r.error().message.find("SiGnAtUrE") == std::string::npos);
  REQUIRE(!paths.empty());
  CHECK(paths[0] == "/acct/c/b");
  CHECK(store->log[0].find("sig=SiGnAtUrE") != std::string::npos); // it was sent, as it must be
}

TEST_CASE("uploader: every retry is signed at its own time; a SAS token is not added twice") {
  auto store = std::make_shared<fake_store>();
  std::vector<std::string> dates, targets;
  int failures = 2;
  store->fault = [&](const zic::http_request &r) -> std::optional<zic::result<zic::http_response>> {
    dates.emplace_back(r.header("x-amz-date").empty() ? r.header("x-ms-date")
                                                      : r.header("x-amz-date"));
    targets.push_back(r.target);
    if (failures-- > 0)
      return zic::result<zic::http_response>(
          answer(503, "<Error><Code>SlowDown</Code><Message>slow</Message></Error>"));
    return std::nullopt;
  };
  auto opts = fast();
  auto now = std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 365 * 50);
  opts.wall = [&now] { return now += std::chrono::minutes(7); };
  zs::uploader<fake_transport> up([store] { return fake_transport{store}; }, opts);
  REQUIRE(up.upload_bytes("abc", dest("k")));
  REQUIRE(dates.size() == 3);
  CHECK(dates[0] != dates[1]);
  CHECK(dates[1] != dates[2]);
  CHECK(store->objects["/b/k"] == "abc");

  dates.clear();
  targets.clear();
  failures = 1;
  zs::azure_destination to;
  to.store.endpoint = zs::azure_endpoint::at("http://127.0.0.1:9/acct").value();
  to.store.sas = zic::secret("sv=1&sig=S");
  to.blob = {"c", "b"};
  REQUIRE(up.upload_bytes("abc", to));
  REQUIRE(targets.size() == 2);
  CHECK(targets[1] == "/acct/c/b?sv=1&sig=S");
  CHECK(dates[0] != dates[1]);
}
