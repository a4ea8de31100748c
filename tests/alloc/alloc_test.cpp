// Heap allocations on the polling path, counted by a replaced global operator new: once warm,
// polling one job allocates nothing in zic (building, sending through a reusing transport,
// parsing into a reused object or a view).

#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "../support/counting_new.hpp"
#include "../support/test_data.hpp"

#include <zic/zic.hpp>

#include <doctest/doctest.h>

namespace {

using zic_test::allocations;

// Answers from memory into the caller's buffers, as a reusing transport does.
struct canned_transport {
  std::string body;
  zic::result<zic::http_response> send(const zic::http_request&) {
    zic::http_response r;
    r.status = 200;
    r.body = body;
    return r;
  }
  zic::result<void> send(const zic::http_request&, zic::http_response& out) {
    out.status = 200;
    out.body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
    out.body.assign(body);
    return {};
  }
};
static_assert(zic::reusing_http_transport<canned_transport>);

template <class F> long allocations_of(int repeat, F&& f) {
  for (int i = 0; i < 10; ++i) f();  // warm up
  long before = allocations.load();
  for (int i = 0; i < repeat; ++i) f();
  return allocations.load() - before;
}

} // namespace

TEST_CASE("parsing into a reused object or a view allocates nothing once warm") {
  zic::response_parser parser;
  zic::import_progress p;
  zic::import_job_page page;
  for (const char* name : {"cloud_describe.json", "milvus_describe.json", "milvus_two_phase.json"}) {
    CAPTURE(name);
    zic::http_response r;
    r.body = zic_test::data_file(name);
    r.body.reserve(r.body.size() + simdjson::SIMDJSON_PADDING);
    CHECK(allocations_of(1000, [&] { REQUIRE(parser.parse_progress(r, p)); }) == 0);
    CHECK(allocations_of(1000, [&] { REQUIRE(parser.view_progress(r)); }) == 0);
    const std::string unpadded = r.body;
    CHECK(allocations_of(1000, [&] { REQUIRE(parser.parse_progress(unpadded, p)); }) == 0);
  }
  zic::http_response list;
  list.body = zic_test::data_file("cloud_list.json");
  list.body.reserve(list.body.size() + simdjson::SIMDJSON_PADDING);
  CHECK(allocations_of(1000, [&] { REQUIRE(parser.parse_list(list, page)); }) == 0);
  CHECK(allocations_of(1000, [&] { REQUIRE(parser.view_list(list)); }) == 0);
}

TEST_CASE("polling one job through the client allocates nothing once warm") {
  for (const char* name : {"cloud_describe.json", "milvus_describe.json"}) {
    CAPTURE(name);
    zic::client_options o;
    o.endpoint = std::string(name).rfind("cloud", 0) == 0 ? "https://api.cloud.zilliz.com" : "http://127.0.0.1:19530";
    o.api_key = "key";
    o.cluster_id = o.endpoint.find("cloud") != std::string::npos ? "inxx-1" : "";
    o.rate_limit = 0;
    zic::basic_client<canned_transport> c(o, canned_transport{zic_test::data_file(name)});
    zic::import_progress p;
    // The job the canned answer describes: an answer about another job is refused.
    const std::string job = zic::parse_progress_response(zic_test::data_file(name))->job_id;
    CHECK(allocations_of(1000, [&] { REQUIRE(c.describe_import(job, p)); }) == 0);
    CHECK(allocations_of(1000, [&] { REQUIRE(c.describe_import_view(job)); }) == 0);
  }
}

TEST_CASE("a fresh page allocates its records once, and only the strings too long to keep inline") {
  std::string body = R"({"code":0,"data":{"count":500,"currentPage":1,"pageSize":500,"records":[)";
  for (int i = 0; i < 500; ++i)
    body += std::string(i ? "," : "") + R"({"collectionName":"c","jobId":"job-)" + std::to_string(100000000000000000 + i) +
            R"(","state":"Importing","progress":50})";
  body += "]}}";
  zic::response_parser parser;
  // 500 job ids of 25 characters (past the inline size), and one array of records: no growth.
  CHECK(allocations_of(1, [&] { REQUIRE(parser.parse_list(body)); }) == 500 + 1);
}
