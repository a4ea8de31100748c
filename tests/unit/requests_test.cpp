#include "../support/fake_transport.hpp"

#include <zic/zic.hpp>

#include <doctest/doctest.h>

#include <sstream>
#include <string>

using zic::errc;
using zic_test::cloud_options;
using zic_test::milvus_options;

namespace {

zic::request_context context(const zic::client_options& o) {
  auto ctx = zic::make_request_context(o);
  REQUIRE(ctx);
  return *ctx;
}

zic::create_import_request milvus_create() {
  zic::create_import_request r;
  r.collection_name = "quick_setup";
  r.files = {{"a/1.parquet"}, {"b/1.npy", "b/2.npy"}};
  return r;
}

zic::create_import_request cloud_create() {
  zic::create_import_request r;
  r.collection_name = "medium_articles";
  r.object_urls = {{"s3://bucket/a.json"}};
  return r;
}

errc invalid_create(const zic::client_options& o, const zic::create_import_request& r) {
  auto req = zic::make_create_request(context(o), r);
  REQUIRE_FALSE(req);
  return errc(req.error().code.value());
}

} // namespace

TEST_CASE("golden: cloud create with every field, in the documented order") {
  auto r = cloud_create();
  r.db_name = "db1";
  r.partition_name = "p1";
  r.access_key = "AK";
  r.secret_key = "SK";
  r.token = "TOK";
  auto req = zic::make_create_request(context(cloud_options()), r);
  REQUIRE(req);
  CHECK(req->method == "POST");
  CHECK(req->target == "/v2/vectordb/jobs/import/create");
  CHECK(req->url() == "https://api.cloud.zilliz.com/v2/vectordb/jobs/import/create");
  CHECK(req->body ==
        R"({"clusterId":"inxx-xxxxxxxxxxxxxxx","dbName":"db1","collectionName":"medium_articles","partitionName":"p1","objectUrls":[["s3://bucket/a.json"]],"accessKey":"AK","secretKey":"SK","token":"TOK"})");
  CHECK_FALSE(req->idempotent);
}

TEST_CASE("golden: cloud create in the seed's objectUrl form") {
  zic::create_import_request r;
  r.collection_name = "medium_articles";
  r.object_url = "https://assets.zilliz.com/docs/example-data-import.json";
  auto req = zic::make_create_request(context(cloud_options()), r);
  REQUIRE(req);
  CHECK(req->body ==
        R"({"clusterId":"inxx-xxxxxxxxxxxxxxx","collectionName":"medium_articles","objectUrl":"https://assets.zilliz.com/docs/example-data-import.json"})");
}

TEST_CASE("golden: cloud create from a volume, addressed by project and region") {
  auto o = cloud_options();
  o.cluster_id.clear();
  o.project_id = "proj-1";
  o.region_id = "aws-us-west-2";
  zic::create_import_request r;
  r.collection_name = "c";
  r.volume_name = "vol";
  r.data_paths = {{"p/a.parquet"}};
  auto req = zic::make_create_request(context(o), r);
  REQUIRE(req);
  CHECK(req->body ==
        R"({"projectId":"proj-1","regionId":"aws-us-west-2","collectionName":"c","volumeName":"vol","dataPaths":[["p/a.parquet"]]})");
}

TEST_CASE("golden: Milvus create with groups and string options") {
  auto o = milvus_options();
  o.db_name = "db1";
  auto r = milvus_create();
  r.partition_name = "p";
  r.options = {{"timeout", "300s"}, {"auto_commit", "false"}};
  auto req = zic::make_create_request(context(o), r);
  REQUIRE(req);
  CHECK(req->url() == "http://127.0.0.1:19530/v2/vectordb/jobs/import/create");
  CHECK(req->body ==
        R"({"dbName":"db1","collectionName":"quick_setup","partitionName":"p","files":[["a/1.parquet"],["b/1.npy","b/2.npy"]],"options":{"auto_commit":"false","timeout":"300s"}})");
}

TEST_CASE("golden: describe, get_progress, list, commit, abort") {
  auto cloud = context(cloud_options());
  auto milvus = context(milvus_options());
  auto d = zic::make_describe_request(cloud, "job-1");
  REQUIRE(d);
  CHECK(d->target == "/v2/vectordb/jobs/import/describe");
  CHECK(d->body == R"({"clusterId":"inxx-xxxxxxxxxxxxxxx","jobId":"job-1"})");
  CHECK(d->idempotent);

  auto md = zic::make_describe_request(milvus, "448761313698322011");
  REQUIRE(md);
  CHECK(md->body == R"({"jobId":"448761313698322011"})");

  auto o = milvus_options();
  o.progress = zic::progress_path::get_progress;
  auto gp = zic::make_describe_request(context(o), "1");
  REQUIRE(gp);
  CHECK(gp->target == "/v2/vectordb/jobs/import/get_progress");

  zic::list_import_jobs_request lr;
  lr.page_size = 100;
  lr.current_page = 3;
  auto l = zic::make_list_request(cloud, lr);
  REQUIRE(l);
  CHECK(l->target == "/v2/vectordb/jobs/import/list");
  CHECK(l->body == R"({"clusterId":"inxx-xxxxxxxxxxxxxxx","pageSize":100,"currentPage":3})");

  auto mo = milvus_options();
  mo.db_name = "db2";
  zic::list_import_jobs_request ml;
  ml.collection_name = "quick_setup";
  auto m = zic::make_list_request(context(mo), ml);
  REQUIRE(m);
  CHECK(m->body == R"({"dbName":"db2","collectionName":"quick_setup"})");
  auto m0 = zic::make_list_request(milvus, {});
  REQUIRE(m0);
  CHECK(m0->body == "{}");

  auto c = zic::make_commit_request(milvus, "7");
  REQUIRE(c);
  CHECK(c->target == "/v2/vectordb/jobs/import/commit");
  CHECK(c->body == R"({"jobId":"7"})");
  auto a = zic::make_abort_request(milvus, "7");
  REQUIRE(a);
  CHECK(a->target == "/v2/vectordb/jobs/import/abort");
  CHECK(a->body == R"({"jobId":"7"})");
}

TEST_CASE("headers: auth, content type, user agent, DB-Name on every call, Request-Timeout") {
  auto o = milvus_options();
  o.db_name = "analytics";
  o.request_timeout = std::chrono::seconds(45);
  auto ctx = context(o);
  for (auto req : {zic::make_describe_request(ctx, "1"), zic::make_commit_request(ctx, "1"),
                   zic::make_abort_request(ctx, "1"), zic::make_list_request(ctx, {}),
                   zic::make_create_request(ctx, milvus_create())}) {
    REQUIRE(req);
    CHECK(req->header("authorization") == "Bearer root:Milvus");
    CHECK(req->header("Content-Type") == "application/json");
    CHECK(req->header("Accept") == "application/json");
    CHECK(req->header("User-Agent") == "zic/" ZIC_VERSION_STRING);
    CHECK(req->header("DB-Name") == "analytics");
    CHECK(req->header("Request-Timeout") == "45");
  }
  auto plain = zic::make_describe_request(context(milvus_options()), "1");
  CHECK(plain->header("DB-Name").empty());
  CHECK(plain->header("Request-Timeout").empty());
  auto open = milvus_options();
  open.api_key = "";
  CHECK(zic::make_describe_request(context(open), "1")->header("Authorization").empty());
}

TEST_CASE("headers: Idempotency-Key on create only when given, validated") {
  auto ctx = context(milvus_options());
  auto r = milvus_create();
  CHECK(zic::make_create_request(ctx, r)->header("Idempotency-Key").empty());
  r.idempotency_key = "batch-42";
  CHECK(zic::make_create_request(ctx, r)->header("Idempotency-Key") == "batch-42");
  r.idempotency_key = std::string(257, 'k');
  CHECK(zic::make_create_request(ctx, r).error().code == errc::invalid_argument);
  r.idempotency_key = "a\r\nX-Evil: 1";
  CHECK(zic::make_create_request(ctx, r).error().code == errc::invalid_argument);
}

TEST_CASE("escaping: quotes, backslashes, control characters; UTF-8 passed through") {
  auto r = milvus_create();
  r.collection_name = "q\"b\\s/\n\t\x01 é 中";
  auto req = zic::make_create_request(context(milvus_options()), r);
  REQUIRE(req);
  CHECK(req->body.find(R"("collectionName":"q\"b\\s/\n\t\u0001 é 中")") != std::string::npos);
  // The body is valid JSON that reads back to the same name.
  simdjson::dom::parser p;
  auto doc = p.parse(req->body);
  REQUIRE_FALSE(doc.error());
  CHECK(std::string(doc["collectionName"].get_string().value()) == r.collection_name);
}

TEST_CASE("validation: collection, sources, groups, paths, limits") {
  auto c = cloud_options();
  auto m = milvus_options();
  auto r = cloud_create();
  r.collection_name.clear();
  CHECK(invalid_create(c, r) == errc::invalid_argument);

  r = cloud_create();
  r.object_urls.clear();
  CHECK(invalid_create(c, r) == errc::invalid_argument);  // no source
  r = cloud_create();
  r.object_url = "s3://b/x";
  CHECK(invalid_create(c, r) == errc::invalid_argument);  // two sources
  r = cloud_create();
  r.volume_name = "v";
  r.data_paths = {{"x"}};
  CHECK(invalid_create(c, r) == errc::invalid_argument);  // two sources
  r = cloud_create();
  r.object_urls = {{}};
  CHECK(invalid_create(c, r) == errc::invalid_argument);  // empty group
  r.object_urls = {{""}};
  CHECK(invalid_create(c, r) == errc::invalid_argument);  // empty path
  r = cloud_create();
  r.object_urls.clear();
  r.volume_name = "v";
  CHECK(invalid_create(c, r) == errc::invalid_argument);  // volume without paths
  r = cloud_create();
  r.files = {{"a"}};
  CHECK(invalid_create(c, r) == errc::invalid_argument);  // Milvus field on cloud
  r = cloud_create();
  r.access_key = "AK";
  CHECK(invalid_create(c, r) == errc::invalid_argument);  // key without secret
  r = cloud_create();
  r.object_urls.assign(1001, {"s3://b/x"});
  CHECK(invalid_create(c, r) == errc::invalid_argument);  // over 1,000 files
  r.object_urls.assign(1000, {"s3://b/x"});
  CHECK(zic::make_create_request(context(c), r));

  auto mr = milvus_create();
  mr.files.clear();
  CHECK(invalid_create(m, mr) == errc::invalid_argument);
  mr = milvus_create();
  mr.files.push_back({});
  CHECK(invalid_create(m, mr) == errc::invalid_argument);
  mr = milvus_create();
  mr.object_urls = {{"s3://x"}};
  CHECK(invalid_create(m, mr) == errc::invalid_argument);  // cloud field on Milvus
  mr = milvus_create();
  mr.secret_key = "SK";
  CHECK(invalid_create(m, mr) == errc::invalid_argument);
  mr = milvus_create();
  mr.files.assign(1025, {"a.json"});
  auto over = zic::make_create_request(context(m), mr);
  REQUIRE_FALSE(over);
  CHECK(over.error().message.find("1024") != std::string::npos);
  mr.files.assign(1024, {"a.json"});
  CHECK(zic::make_create_request(context(m), mr));
  m.max_files = 2;  // overridable
  mr.files.assign(3, {"a.json"});
  CHECK(invalid_create(m, mr) == errc::invalid_argument);
}

TEST_CASE("validation: job ids and pages") {
  auto ctx = context(milvus_options());
  CHECK(zic::make_describe_request(ctx, "").error().code == errc::invalid_argument);
  CHECK(zic::make_describe_request(ctx, "1\n2").error().code == errc::invalid_argument);
  zic::list_import_jobs_request r;
  r.page_size = 0;
  CHECK(zic::make_list_request(ctx, r).error().code == errc::invalid_argument);
  r.page_size = 10;
  r.current_page = 0;
  CHECK(zic::make_list_request(ctx, r).error().code == errc::invalid_argument);
  CHECK(zic::make_commit_request(context(cloud_options()), "job-1").error().code == errc::invalid_argument);
  CHECK(zic::make_abort_request(context(cloud_options()), "job-1").error().code == errc::invalid_argument);
}

TEST_CASE("validation: targets, header values, endpoints") {
  auto o = cloud_options();
  o.project_id = "proj";
  o.region_id = "r";
  CHECK(zic::make_request_context(o).error().code == errc::invalid_argument);  // both forms
  o.cluster_id.clear();
  o.region_id.clear();
  CHECK(zic::make_request_context(o).error().code == errc::invalid_argument);  // half a form
  o.project_id.clear();
  CHECK(zic::make_request_context(o).error().code == errc::invalid_argument);  // neither
  auto m = milvus_options();
  m.cluster_id = "inxx-1";
  CHECK(zic::make_request_context(m).error().code == errc::invalid_argument);

  auto k = milvus_options();
  k.api_key = "key\r\nX-Injected: 1";
  auto bad = zic::make_request_context(k);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("X-Injected") == std::string::npos);
  auto d = milvus_options();
  d.db_name = "db\n";
  CHECK(zic::make_request_context(d).error().code == errc::invalid_argument);
  auto t = milvus_options();
  t.timeout = std::chrono::milliseconds(0);
  CHECK(zic::make_request_context(t).error().code == errc::invalid_argument);

  for (const char* e : {"", "ftp://h", "http://", "https://:80", "http://h:0", "http://h:65536",
                        "http://h:x", "http://user:pw@h", "http://h/p?q=1", "http://h/#f",
                        "http://[::1", "http://[zz]:1", "http://h h", "localhost:19530"}) {
    CAPTURE(e);
    auto u = milvus_options();
    u.endpoint = e;
    auto r = zic::make_request_context(u);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::invalid_argument);
    CHECK(r.error().message.find("pw") == std::string::npos);
  }
}

TEST_CASE("endpoints: IPv6, ports, base paths, flavour detection") {
  auto o = milvus_options();
  o.endpoint = "http://[::1]:19530/proxy/";
  auto ctx = context(o);
  auto req = zic::make_describe_request(ctx, "1");
  CHECK(req->host == "::1");
  CHECK(req->port == 19530);
  CHECK(req->target == "/proxy/v2/vectordb/jobs/import/describe");
  CHECK(req->host_header() == "[::1]:19530");
  CHECK(ctx.flavor == zic::api_flavor::milvus);

  auto c = cloud_options();
  c.endpoint = "https://api.cloud.zilliz.com.cn";
  CHECK(context(c).flavor == zic::api_flavor::cloud);
  CHECK(context(c).url.port == 443);
  c.endpoint = "https://API.cloud.zilliz.com:443";
  CHECK(context(c).flavor == zic::api_flavor::cloud);
  auto forced = cloud_options();
  forced.endpoint = "http://127.0.0.1:8080";
  forced.flavor = zic::api_flavor::cloud;
  CHECK(context(forced).cloud());
  CHECK(zic::make_describe_request(context(forced), "j")->host_header() == "127.0.0.1:8080");
}

TEST_CASE("secrets: never printed, never in an error") {
  zic::secret s = "sk-very-secret";
  std::ostringstream os;
  os << s;
  CHECK(os.str() == "***");
  CHECK(zic::secret().redacted().empty());
  auto r = cloud_create();
  r.access_key = "AKIA-SECRET";
  r.secret_key = "";
  auto req = zic::make_create_request(context(cloud_options()), r);
  REQUIRE_FALSE(req);
  CHECK(req.error().message.find("AKIA-SECRET") == std::string::npos);
}

TEST_CASE("the server's unit rule: one row-based file per group, .npy columns together") {
  using zic::detail::file_type;
  using zic::detail::file_type_of;
  CHECK(file_type_of("a/b.PARQUET") == file_type::parquet);
  CHECK(file_type_of("s3://b/x.json?X-Amz-Signature=abc.npy") == file_type::json);  // a URL's query is not the name
  CHECK(file_type_of("s3://b/dir.v2/") == file_type::other);                      // a folder
  CHECK(file_type_of("id.npy") == file_type::numpy);
  CHECK(file_type_of("rows.csv") == file_type::csv);

  auto m = milvus_options();
  auto mr = milvus_create();
  CHECK(zic::make_create_request(context(m), mr));  // one Parquet file, one NumPy unit
  mr.files = {{"a.parquet"}, {"b.parquet", "c.parquet"}};
  auto two = zic::make_create_request(context(m), mr);
  REQUIRE_FALSE(two);
  CHECK(two.error().code == errc::invalid_argument);
  CHECK(two.error().message.find("files[1] holds 2 Parquet files") != std::string::npos);
  CHECK(two.error().message.find(R"({{"b.parquet"}, {"c.parquet"}})") != std::string::npos);
  for (auto group : {std::vector<std::string>{"a.json", "b.json"}, {"a.csv", "b.csv"}, {"id.npy", "rows.json"},
                     {"id.npy", "dir/"}}) {
    mr.files = {group};
    CHECK(invalid_create(m, mr) == errc::invalid_argument);
  }
  mr.files = {{"dir/a/", "dir/b/"}};  // types the rules do not know are the server's to judge
  CHECK(zic::make_create_request(context(m), mr));

  auto c = cloud_options();
  auto r = cloud_create();
  r.object_urls = {{"https://b.s3.amazonaws.com/a.parquet?X-Amz-Signature=SECRETSIG",
                    "https://b.s3.amazonaws.com/b.parquet?X-Amz-Signature=SECRETSIG"}};
  auto cloud = zic::make_create_request(context(c), r);
  REQUIRE_FALSE(cloud);
  CHECK(cloud.error().message.find("object_urls[0]") != std::string::npos);
  CHECK(cloud.error().message.find("SECRETSIG") == std::string::npos);  // a presigned URL's signature stays out
  r.object_urls = {{"s3://b/id.npy", "s3://b/vector.npy"}};
  CHECK(zic::make_create_request(context(c), r));
  r.object_urls.clear();
  r.volume_name = "v";
  r.data_paths = {{"a.json", "b.json"}};
  CHECK(invalid_create(c, r) == errc::invalid_argument);
}
