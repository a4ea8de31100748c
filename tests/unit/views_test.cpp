#include "../support/fake_transport.hpp"
#include "../support/test_data.hpp"

#include <zic/zic.hpp>

#include <doctest/doctest.h>

#include <string>

using zic_test::data_file;

TEST_CASE("views: the same values as the owned path, for every spec example") {
  zic::response_parser parser;
  for (const char* name : {"cloud_describe.json", "milvus_describe.json", "milvus_two_phase.json",
                           "legacy_v1_progress.json"}) {
    CAPTURE(name);
    const std::string body = data_file(name);
    auto owned = zic::parse_progress_response(body);
    REQUIRE(owned);
    auto view = parser.view_progress(body);
    REQUIRE(view);
    CHECK(zic::to_owned(*view) == *owned);
  }
  for (const char* name : {"cloud_list.json", "milvus_list.json"}) {
    CAPTURE(name);
    const std::string body = data_file(name);
    auto owned = zic::parse_list_response(body);
    REQUIRE(owned);
    auto view = parser.view_list(body);
    REQUIRE(view);
    REQUIRE(view->records.size() == owned->records.size());
    for (std::size_t i = 0; i < owned->records.size(); ++i) CHECK(zic::to_owned(view->records[i]) == owned->records[i]);
    CHECK(view->count == owned->count);
    CHECK(view->page_size == owned->page_size);
  }
}

TEST_CASE("views: numeric ids, errors, and reuse across answers") {
  zic::response_parser parser;
  auto list = parser.view_list(R"({"code":0,"data":{"records":[{"jobId":448761313698322011},{"jobId":"b"}]}})");
  REQUIRE(list);
  CHECK(list->records[0].job_id == "448761313698322011");
  CHECK(list->records[1].job_id == "b");
  CHECK(parser.view_progress(R"({"code":2100,"message":"import job does not exist"})").error().api_code == 2100);
  CHECK(parser.view_progress("{").error().code == zic::errc::json_parse);
  auto one = parser.view_progress(R"({"code":0,"data":{"state":"Importing","details":[{},{},{}]}})");
  REQUIRE(one);
  CHECK(one->details.size() == 3);
  auto two = parser.view_progress(R"({"code":0,"data":{"state":"Completed","details":[{"fileName":"x"}]}})");
  REQUIRE(two);
  CHECK(two->details.size() == 1);
  CHECK(two->details[0].file_name == "x");
  CHECK(two->state == zic::job_state::completed);
}

TEST_CASE("views: in place from a padded transport answer") {
  zic::response_parser parser;
  zic::http_response r;
  r.body = data_file("milvus_describe.json");
  r.body.reserve(r.body.size() + simdjson::SIMDJSON_PADDING);
  auto v = parser.view_progress(r);
  REQUIRE(v);
  CHECK(v->total_rows == 100000);
  // The view points into the parser, not into the answer.
  const char* begin = r.body.data();
  CHECK((v->job_id.data() < begin || v->job_id.data() >= begin + r.body.size()));
  zic::import_progress p;
  REQUIRE(parser.parse_progress(r, p));
  CHECK(p.job_id == "448761313698322011");
}

TEST_CASE("client: describe_import_view and the reused request") {
  zic_test::fake_transport t;
  t.reply(data_file("milvus_describe.json")).reply(data_file("milvus_job_gone.json"));
  zic::basic_client<zic_test::fake_transport> c(zic_test::milvus_options(), t);
  auto v = c.describe_import_view("448761313698322011");
  REQUIRE(v);
  CHECK(v->state == zic::job_state::completed);
  CHECK(v->details.size() == 1);
  CHECK(c.describe_import_view("448761313698322011").error().code == zic::errc::job_not_found);
  REQUIRE(t.requests().size() == 2);
  CHECK(t.requests()[0].body == R"({"jobId":"448761313698322011"})");
  CHECK(c.describe_import_view("").error().code == zic::errc::invalid_argument);
}
