// Uploads to real stores on loopback, started by stores.py: s3rver (S3), a fault proxy in front
// of it, and Azurite (Azure). Every object is read back and compared byte for byte.
#include <zic/storage/location.hpp>
#include <zic/storage/uploader.hpp>
#include <zic/transport/beast.hpp>
#include <zic/transport/curl.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace zs = zic::storage;
namespace fs = std::filesystem;

namespace {
constexpr std::uint64_t mib = 1ull << 20;

std::string env(const char *name) {
  const char *v = std::getenv(name);
  return v ? v : "";
}

zic::curl_transport make_transport() {
  zic::transport_options o;
  o.max_body_bytes = 256u << 20; // objects are read back whole
  return zic::curl_transport(o);
}

std::string random_bytes(std::uint64_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::string out(static_cast<std::size_t>(n), '\0');
  for (auto &c : out)
    c = static_cast<char>(rng() & 0xff);
  return out;
}

struct temp_file {
  fs::path path;
  explicit temp_file(const std::string &bytes) {
    static int n = 0;
    path = fs::temp_directory_path() /
           ("zic-storage-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::ofstream(path, std::ios::binary)
        .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  ~temp_file() {
    std::error_code ec;
    fs::remove(path, ec);
  }
};

zs::s3_store s3_store_at(const std::string &url, std::string key_id = "S3RVER",
                         std::string secret = "S3RVER") {
  zs::s3_store s;
  s.endpoint = zs::s3_endpoint::at(url).value();
  s.credentials.access_key_id = std::move(key_id);
  s.credentials.secret_access_key = zic::secret(std::move(secret));
  return s;
}

zic::http_response send(zic::http_request req) {
  auto t = make_transport();
  auto r = t.send(req);
  REQUIRE_MESSAGE(r, r.error().message);
  return std::move(*r);
}

std::string read_back(const zs::s3_store &store, const zs::s3_object &obj) {
  auto req = zs::make_get_object(store.endpoint, obj);
  zs::s3_sign(req, store, std::chrono::system_clock::now());
  auto resp = send(req);
  REQUIRE(resp.status == 200);
  return resp.body;
}

// Fault proxy controls (stores.py).
void set_fault(const std::string &proxy, const std::string &query) {
  zic::http_request req;
  auto ep = zs::s3_endpoint::at(proxy).value();
  req.method = "GET";
  req.scheme = "http";
  req.host = ep.host;
  req.port = ep.port;
  req.target = "/__fault?" + query;
  REQUIRE(send(req).status == 200);
}
std::string proxy_log(const std::string &proxy) {
  zic::http_request req;
  auto ep = zs::s3_endpoint::at(proxy).value();
  req.method = "GET";
  req.scheme = "http";
  req.host = ep.host;
  req.port = ep.port;
  req.target = "/__log";
  return send(req).body;
}
std::size_t count(const std::string &text, const std::string &what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1))
    ++n;
  return n;
}

zs::upload_options quick_options() {
  zs::upload_options o;
  o.multipart_threshold = 5 * mib;
  o.part_size = 5 * mib;
  o.connections = 4;
  o.retry.initial_backoff = std::chrono::milliseconds(20);
  o.retry.max_backoff = std::chrono::milliseconds(100);
  o.deadline = std::chrono::minutes(2);
  return o;
}
} // namespace

TEST_CASE("s3rver: 0 B, 1 B, 5 MiB - 1, 5 MiB, 5 MiB + 1 and 64 MiB files read back identical") {
  const auto url = env("ZIC_S3_URL");
  REQUIRE_MESSAGE(!url.empty(), "run through stores.py");
  auto store = s3_store_at(url);
  std::vector<zs::upload_progress> seen;
  auto opts = quick_options();
  opts.progress = [&](const zs::upload_progress &p) { seen.push_back(p); };
  zs::uploader<zic::curl_transport> up(make_transport, opts);
  for (std::uint64_t size :
       {std::uint64_t{0}, std::uint64_t{1}, 5 * mib - 1, 5 * mib, 5 * mib + 1, 64 * mib}) {
    CAPTURE(size);
    const std::string bytes = random_bytes(size, static_cast<unsigned>(size));
    temp_file f(bytes);
    zs::s3_object obj{"zic", "sizes/object-" + std::to_string(size) + ".bin"};
    seen.clear();
    auto r = up.upload_file(f.path, zs::s3_destination{store, obj});
    REQUIRE_MESSAGE(r, r.error().message);
    CHECK(r->url == "s3://zic/" + obj.key);
    CHECK(r->size == size);
    CHECK(r->parts == (size > 5 * mib ? (size + 5 * mib - 1) / (5 * mib) : 0));
    CHECK(read_back(store, obj) == bytes);
    REQUIRE(!seen.empty());
    CHECK(seen.back().bytes_sent == size);
    CHECK(seen.back().bytes_total == size);
    CHECK(seen.back().files_done == 1);
    CHECK(seen.back().files_total == 1);
  }
}

TEST_CASE("s3rver: several files in one batch, progress over the batch; bytes from memory") {
  auto store = s3_store_at(env("ZIC_S3_URL"));
  temp_file a(random_bytes(3 * mib, 1)), b(random_bytes(11 * mib, 2));
  std::vector<zs::upload_progress> seen;
  auto opts = quick_options();
  opts.progress = [&](const zs::upload_progress &p) { seen.push_back(p); };
  zs::uploader<zic::curl_transport> up(make_transport, opts);
  auto r = up.upload_files({{a.path, zs::s3_destination{store, {"zic", "batch/a"}}},
                            {b.path, zs::s3_destination{store, {"zic", "batch/b"}}}});
  REQUIRE_MESSAGE(r, r.error().message);
  REQUIRE(r->size() == 2);
  REQUIRE(seen.size() >= 4);
  for (std::size_t i = 1; i < seen.size(); ++i)
    CHECK(seen[i].bytes_sent >= seen[i - 1].bytes_sent);
  CHECK(seen.back().bytes_sent == 14 * mib);
  CHECK(seen.back().files_done == 2);
  CHECK(seen.back().eta.has_value());
  CHECK(read_back(store, {"zic", "batch/b"}) == random_bytes(11 * mib, 2));

  const std::string text = "hello from memory";
  auto m = up.upload_bytes(text, zs::s3_destination{store, {"zic", "dir with space/€.txt"}});
  REQUIRE_MESSAGE(m, m.error().message);
  CHECK(read_back(store, {"zic", "dir with space/€.txt"}) == text);
}

TEST_CASE(
    "fault proxy: a part answered 503 SlowDown, or reset, is retried and the object is whole") {
  const auto proxy = env("ZIC_S3_PROXY_URL");
  auto store = s3_store_at(proxy);
  const std::string bytes = random_bytes(17 * mib, 7);
  temp_file f(bytes);
  zs::uploader<zic::curl_transport> up(make_transport, quick_options());
  for (std::string mode : {"503", "reset"}) {
    CAPTURE(mode);
    set_fault(proxy, "mode=" + mode + "&match=partNumber%3D2%26&times=1");
    zs::s3_object obj{"zic", "faults/" + mode + ".bin"};
    auto r = up.upload_file(f.path, zs::s3_destination{store, obj});
    REQUIRE_MESSAGE(r, r.error().message);
    CHECK(r->parts == 4);
    const auto log = proxy_log(proxy);
    CHECK(count(log, "partNumber=2&") == 2); // the fault, then the retry
    CHECK(count(log, "partNumber=1&") == 1);
    CHECK(read_back(s3_store_at(env("ZIC_S3_URL")), obj) == bytes);
  }
}

TEST_CASE("fault proxy: a multipart upload that fails partway is aborted; none is left open") {
  const auto proxy = env("ZIC_S3_PROXY_URL");
  auto store = s3_store_at(proxy);
  temp_file f(random_bytes(23 * mib, 9));
  auto opts = quick_options();
  opts.retry.max_attempts = 2;
  zs::uploader<zic::curl_transport> up(make_transport, opts);
  set_fault(proxy, "mode=503&match=partNumber%3D3%26&times=1000");
  auto r = up.upload_file(f.path, zs::s3_destination{store, {"zic", "faults/partway.bin"}});
  REQUIRE(!r);
  CHECK(r.error().message.find("SlowDown") != std::string::npos);
  CHECK(r.error().message.find("gave up after 2 attempts") != std::string::npos);
  CHECK(r.error().http_status == 503);
  const auto log = proxy_log(proxy);
  CHECK(count(log, "DELETE /zic/faults/partway.bin?uploadId=") == 1);
  set_fault(proxy, "mode=");

  auto list = zs::make_list_multipart_uploads(store.endpoint, "zic");
  zs::s3_sign(list, store, std::chrono::system_clock::now());
  auto uploads = zs::parse_multipart_uploads(send(list));
  REQUIRE(uploads);
  CHECK(uploads->empty());
}

TEST_CASE("s3rver: the store's own errors, and no secret in any output") {
  const auto url = env("ZIC_S3_URL");
  const std::string secret = "sEcReT-wrong-9f3kQ";
  zs::uploader<zic::curl_transport> up(make_transport, quick_options());
  for (std::uint64_t size : {std::uint64_t{10}, 6 * mib}) {
    CAPTURE(size);
    auto r = up.upload_bytes(random_bytes(size, 3),
                             zs::s3_destination{s3_store_at(url, "NOTAKEY", secret), {"zic", "k"}});
    REQUIRE(!r);
    CHECK(r.error().message.find("InvalidAccessKeyId") != std::string::npos);
    CHECK(r.error().http_status == 403);
    CHECK(r.error().message.find(secret) == std::string::npos);
    std::ostringstream printed;
    printed << r.error().message << r.error().request_id;
    CHECK(printed.str().find(secret) == std::string::npos);
  }
  auto nb = up.upload_bytes("x", zs::s3_destination{s3_store_at(url), {"no-such-bucket", "k"}});
  REQUIRE(!nb);
  CHECK(nb.error().message.find("NoSuchBucket") != std::string::npos);
  CHECK(!nb.error().retryable());
}

TEST_CASE("s3rver: cancellation before and during an upload") {
  auto store = s3_store_at(env("ZIC_S3_PROXY_URL"));
  std::stop_source stop;
  auto opts = quick_options();
  opts.stop = stop.get_token();
  opts.progress = [&](const zs::upload_progress &p) {
    if (p.bytes_sent > 0) stop.request_stop();
  };
  zs::uploader<zic::curl_transport> up(make_transport, opts);
  temp_file f(random_bytes(40 * mib, 4));
  auto r = up.upload_file(f.path, zs::s3_destination{store, {"zic", "cancelled.bin"}});
  REQUIRE(!r);
  CHECK(r.error().code == zic::errc::cancelled);
  auto list = zs::make_list_multipart_uploads(store.endpoint, "zic");
  zs::s3_sign(list, store, std::chrono::system_clock::now());
  CHECK(zs::parse_multipart_uploads(send(list)).value().empty());
  auto again = up.upload_bytes("x", zs::s3_destination{store, {"zic", "never"}});
  CHECK(again.error().code == zic::errc::cancelled);
}

// ---- Azure (Azurite)
// ----------------------------------------------------------------------------- Sent through the
// Beast transport: any http_transport uploads. (libcurl, as zic's curl transport drives it, sends
// an empty PUT without Content-Length, which Azure refuses.)

namespace {
zic::beast_transport make_beast() {
  zic::transport_options o;
  o.max_body_bytes = 256u << 20;
  return zic::beast_transport(o);
}

const char *const devstore_key =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

zs::azure_store azurite(std::string key = devstore_key) {
  zs::azure_store s;
  s.endpoint = zs::azure_endpoint::at(env("ZIC_AZURE_URL")).value();
  s.key = zic::secret(std::move(key));
  return s;
}

void make_container(const zs::azure_store &s, const std::string &name) {
  zic::http_request req;
  req.method = "PUT";
  req.scheme = s.endpoint.scheme;
  req.host = s.endpoint.host;
  req.port = s.endpoint.port;
  req.target = s.endpoint.base + "/" + name + "?restype=container";
  REQUIRE(zs::azure_authorize(req, s, std::chrono::system_clock::now()));
  const auto status = send(req).status;
  CHECK((status == 201 || status == 409));
}

std::string read_blob(const zs::azure_store &s, const zs::azure_blob &b) {
  auto req = zs::azure_request(s.endpoint, "GET", b);
  REQUIRE(zs::azure_authorize(req, s, std::chrono::system_clock::now()));
  auto resp = send(req);
  REQUIRE(resp.status == 200);
  return resp.body;
}
} // namespace

TEST_CASE(
    "azurite: Put Blob and Put Block + Put Block List read back identical; wrong key is refused") {
  if (env("ZIC_AZURE_URL").empty()) {
    MESSAGE("Azurite is not installed (tools/setup --test-fixtures): skipped");
    return;
  }
  auto store = azurite();
  make_container(store, "zic");
  zs::upload_options opts = quick_options();
  opts.part_size = 4 * mib;
  zs::uploader<zic::beast_transport> up(make_beast, opts);
  for (std::uint64_t size : {std::uint64_t{0}, std::uint64_t{1}, 5 * mib + 1, 13 * mib}) {
    CAPTURE(size);
    const std::string bytes = random_bytes(size, static_cast<unsigned>(size) + 11);
    temp_file f(bytes);
    zs::azure_blob blob{"zic", "dir/blob-" + std::to_string(size)};
    auto r = up.upload_file(f.path, zs::azure_destination{store, blob});
    REQUIRE_MESSAGE(r, r.error().message);
    CHECK(r->parts == (size > 5 * mib ? (size + 4 * mib - 1) / (4 * mib) : 0));
    CHECK(r->url == env("ZIC_AZURE_URL") + "/zic/" + blob.name);
    CHECK(read_blob(store, blob) == bytes);
  }

  const std::string wrong = "d3Jvbmcta2V5LXZhbHVlLTEyMzQ1Njc4OQ==";
  for (std::uint64_t size : {std::uint64_t{10}, 9 * mib}) {
    auto bad = up.upload_bytes(random_bytes(size, 5),
                               zs::azure_destination{azurite(wrong), {"zic", "bad"}});
    REQUIRE(!bad);
    CAPTURE(bad.error().message);
    // Azure answers AuthenticationFailed; Azurite names the same refusal AuthorizationFailure.
    CHECK((bad.error().message.find("AuthenticationFailed") != std::string::npos ||
           bad.error().message.find("AuthorizationFailure") != std::string::npos));
    CHECK(bad.error().http_status == 403);
    CHECK(bad.error().message.find(wrong) == std::string::npos);
  }
  auto missing = up.upload_bytes("x", zs::azure_destination{store, {"no-such-container", "b"}});
  REQUIRE(!missing);
  CHECK(missing.error().message.find("ContainerNotFound") != std::string::npos);
}
