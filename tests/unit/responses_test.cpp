#include "../support/test_data.hpp"

#include <zic/zic.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

using zic::errc;
using zic::job_state;
using zic_test::data_file;

TEST_CASE("create: the cloud seed answer gives the job id") {
  auto id = zic::parse_create_response(data_file("cloud_create.json"));
  REQUIRE(id);
  CHECK(*id == "job-xxxxxxxxxxxxxxxxxxxxx");
}

TEST_CASE("create: data as a one-element array, as the published schema types it") {
  auto id = zic::parse_create_response(R"({"code":0,"data":[{"jobId":"job-1"}]})");
  REQUIRE(id);
  CHECK(*id == "job-1");
}

TEST_CASE("create: Milvus 2.4 answers code 200 with jobID") {
  auto id = zic::parse_create_response(data_file("milvus24_create.json"));
  REQUIRE(id);
  CHECK(*id == "448707763884413158");
}

TEST_CASE("create: a numeric job id is written back in decimal") {
  auto id = zic::parse_create_response(R"({"code":0,"data":{"jobId":448707763884413158}})");
  REQUIRE(id);
  CHECK(*id == "448707763884413158");
}

TEST_CASE("create: missing or empty job id is a schema error") {
  CHECK(zic::parse_create_response(R"({"code":0,"data":{}})").error().code == errc::json_schema);
  CHECK(zic::parse_create_response(R"({"code":0,"data":{"jobId":""}})").error().code == errc::json_schema);
  CHECK(zic::parse_create_response(R"({"code":0})").error().code == errc::json_schema);
  CHECK(zic::parse_create_response(R"({"code":0,"data":[]})").error().code == errc::json_schema);
  CHECK(zic::parse_create_response(R"({"code":0,"data":[{"jobId":"a"},{"jobId":"b"}]})").error().code ==
        errc::json_schema);
  CHECK(zic::parse_create_response(R"({"code":0,"data":{"jobId":true}})").error().code == errc::json_schema);
}

TEST_CASE("errors: a non-zero code is an api_error with the code and the server's message") {
  auto r = zic::parse_create_response(data_file("cloud_bad_key.json"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::api_error);
  CHECK(r.error().api_code == 21119);
  CHECK(r.error().message.find("The apikey is illegal.") != std::string::npos);
  CHECK(r.error().message.find("21119") != std::string::npos);
  CHECK_FALSE(r.error().retryable());
}

TEST_CASE("errors: code as a numeric string") {
  auto r = zic::parse_empty_response(R"({"code":"1800","message":"user hasn't authenticated"})");
  REQUIRE_FALSE(r);
  CHECK(r.error().api_code == 1800);
  CHECK(zic::parse_empty_response(R"({"code":"0","data":{}})"));
}

TEST_CASE("errors: transient codes are retryable, permanent ones are not") {
  for (int code : {1, 2, 4, 8, 1807, 10001}) {
    auto r = zic::parse_empty_response(R"({"code":)" + std::to_string(code) + R"(,"message":"busy"})");
    REQUIRE_FALSE(r);
    CHECK(r.error().retryable());
  }
  for (int code : {9, 100, 200, 800, 1100, 1101, 1102, 1800, 1801, 1802, 2100, 2101, 65535}) {
    auto r = zic::parse_empty_response(R"({"code":)" + std::to_string(code) + "}");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::api_error);
    CHECK_FALSE(r.error().retryable());
  }
}

TEST_CASE("errors: code 200 is success only with data (2.4-era servers); bare, it is an error") {
  CHECK(zic::parse_empty_response(R"({"code":200,"data":{}})"));
  auto r = zic::parse_empty_response(R"({"code":200,"message":"partition not found[partition=p]"})");
  REQUIRE_FALSE(r);
  CHECK(r.error().api_code == 200);
  CHECK(r.error().message.find("partition not found") != std::string::npos);
}

TEST_CASE("errors: control characters in a server message are neutralised") {
  auto r = zic::parse_empty_response(R"({"code":65535,"message":"bad\u001b[31m\nthing"})");
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find('\x1b') == std::string::npos);
  CHECK(r.error().message.find('\n') == std::string::npos);
}

TEST_CASE("envelope: missing, null or non-integer code is a schema error") {
  CHECK(zic::parse_empty_response(R"({"data":{}})").error().code == errc::json_schema);
  CHECK(zic::parse_empty_response(R"({"code":null})").error().code == errc::json_schema);
  CHECK(zic::parse_empty_response(R"({"code":"zero"})").error().code == errc::json_schema);
  CHECK(zic::parse_empty_response(R"({"code":[0]})").error().code == errc::json_schema);
  CHECK(zic::parse_empty_response(R"([{"code":0}])").error().code == errc::json_schema);
  CHECK(zic::parse_empty_response(R"("ok")").error().code == errc::json_schema);
}

TEST_CASE("commit / abort: the empty answer") {
  CHECK(zic::parse_empty_response(data_file("milvus_commit.json")));
  CHECK(zic::parse_empty_response(R"({"code":0})"));
}

TEST_CASE("describe: the cloud example, every field") {
  auto p = zic::parse_progress_response(data_file("cloud_describe.json"));
  REQUIRE(p);
  CHECK(p->job_id == "job-xxxxxxxxxxxxxxxxxxxxx");
  CHECK(p->collection_name == "medium_articles");
  CHECK(p->file_name == "medium_articles_2020_dpr.json");
  CHECK(p->file_size == 3279917);
  CHECK(p->state == job_state::completed);
  CHECK(p->state_text == "Completed");
  CHECK(p->progress == 100);
  CHECK(p->complete_time == "2024-04-01T06:17:55Z");
  CHECK(p->reason.empty());
  CHECK(p->total_rows == 100000);
  CHECK(p->imported_rows == 0);
  CHECK_FALSE(p->has_imported_rows);  // the cloud leaves it out: unknown, not 0
  REQUIRE(p->details.size() == 1);
  CHECK(p->details[0].file_name == "medium_articles_2020_dpr.json");
  CHECK(p->details[0].file_size == 3279917);
  CHECK(p->details[0].state == job_state::completed);
  CHECK(p->details[0].progress == 100);
  CHECK(p->details[0].complete_time == "2024-04-01T06:17:53Z");
}

TEST_CASE("describe: the Milvus example (no top-level fileName, reason left out, importedRows)") {
  auto p = zic::parse_progress_response(data_file("milvus_describe.json"));
  REQUIRE(p);
  CHECK(p->job_id == "448761313698322011");
  CHECK(p->collection_name == "quick_setup");
  CHECK(p->file_name.empty());
  CHECK(p->imported_rows == 100000);
  CHECK(p->has_imported_rows);
  CHECK(p->details[0].has_imported_rows);
  CHECK(p->total_rows == 100000);
  CHECK(p->reason.empty());
  REQUIRE(p->details.size() == 1);
  CHECK(p->details[0].file_name == "[a6fb2d1c/1.parquet]");
  CHECK(p->details[0].imported_rows == 100000);
}

TEST_CASE("describe: two-phase answer with createTime and a proto-text file name") {
  auto p = zic::parse_progress_response(data_file("milvus_two_phase.json"));
  REQUIRE(p);
  CHECK(p->state == job_state::uncommitted);
  CHECK(p->create_time == "2024-04-01T06:10:00Z");
  CHECK(p->details[0].file_name == "id:448761313698322012 paths:\"a6fb2d1c/1.parquet\" ");
  CHECK(p->details[0].state == job_state::importing);  // "InProgress"
  CHECK_FALSE(zic::is_terminal(p->state));
  CHECK(zic::is_terminal(p->state, true));
}

TEST_CASE("describe: legacy v1 progress (readyPercentage, null completeTime and errorMessage)") {
  auto p = zic::parse_progress_response(data_file("legacy_v1_progress.json"));
  REQUIRE(p);
  CHECK(p->progress == 75);
  CHECK(p->complete_time.empty());
  CHECK(p->reason.empty());
  CHECK(p->job_id == "job-0123");
}

TEST_CASE("describe: numbers beyond 2^31, and numbers sent as strings") {
  auto p = zic::parse_progress_response(
      R"({"code":0,"data":{"jobId":"1","fileSize":5000000000,"totalRows":"9007199254740993","importedRows":"12","progress":"40"}})");
  REQUIRE(p);
  CHECK(p->file_size == 5000000000LL);
  CHECK(p->total_rows == 9007199254740993LL);
  CHECK(p->imported_rows == 12);
  CHECK(p->progress == 40);
}

TEST_CASE("describe: a fractional progress is truncated, out-of-range progress is clamped") {
  auto p = zic::parse_progress_response(R"({"code":0,"data":{"progress":99.9,"details":[{"progress":250}]}})");
  REQUIRE(p);
  CHECK(p->progress == 99);
  CHECK(p->details[0].progress == 100);
}

TEST_CASE("describe: wrong types are schema errors naming the field") {
  auto r = zic::parse_progress_response(R"({"code":0,"data":{"fileSize":"big"}})");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::json_schema);
  CHECK(r.error().message.find("data.fileSize") != std::string::npos);
  auto d = zic::parse_progress_response(R"({"code":0,"data":{"details":[{"totalRows":{}}]}})");
  REQUIRE_FALSE(d);
  CHECK(d.error().message.find("data.details[0].totalRows") != std::string::npos);
  CHECK(zic::parse_progress_response(R"({"code":0,"data":{"details":{}}})").error().code == errc::json_schema);
  CHECK(zic::parse_progress_response(R"({"code":0,"data":{"details":[1]}})").error().code == errc::json_schema);
  CHECK(zic::parse_progress_response(R"({"code":0,"data":"x"})").error().code == errc::json_schema);
  CHECK(zic::parse_progress_response(R"({"code":0,"data":{"fileSize":18446744073709551615}})").error().code ==
        errc::json_schema);
  CHECK(zic::parse_progress_response(R"({"code":0,"data":{"state":5}})").error().code == errc::json_schema);
}

TEST_CASE("describe: unknown fields at any depth are ignored, unknown states kept") {
  auto p = zic::parse_progress_response(
      R"({"extra":[1,{"a":{"b":[]}}],"code":0,"data":{"new":{"x":[1,2,3]},"state":"Paused","details":[{"z":null,"state":"Retry"}]}})");
  REQUIRE(p);
  CHECK(p->state == job_state::unknown);
  CHECK(p->state_text == "Paused");
  CHECK(p->details[0].state == job_state::importing);
}

TEST_CASE("describe: data before code, and an error code after data") {
  auto p = zic::parse_progress_response(R"({"data":{"state":"Pending"},"code":0})");
  REQUIRE(p);
  CHECK(p->state == job_state::pending);
  auto e = zic::parse_progress_response(R"({"data":{"state":"Pending"},"code":2100,"message":"import job does not exist"})");
  REQUIRE_FALSE(e);
  CHECK(e.error().api_code == 2100);
}

TEST_CASE("states: every word of the spec") {
  CHECK(zic::parse_job_state("Pending") == job_state::pending);
  CHECK(zic::parse_job_state("Importing") == job_state::importing);
  CHECK(zic::parse_job_state("InProgress") == job_state::importing);
  CHECK(zic::parse_job_state("Retry") == job_state::importing);
  CHECK(zic::parse_job_state("Uncommitted") == job_state::uncommitted);
  CHECK(zic::parse_job_state("Committing") == job_state::committing);
  CHECK(zic::parse_job_state("Completed") == job_state::completed);
  CHECK(zic::parse_job_state("Failed") == job_state::failed);
  CHECK(zic::parse_job_state("None") == job_state::unknown);
  CHECK(zic::parse_job_state("") == job_state::unknown);
  CHECK(zic::parse_job_state("ImportCompleted") == job_state::completed);
  CHECK(zic::is_terminal(job_state::failed));
  CHECK_FALSE(zic::is_terminal(job_state::unknown));
  CHECK_FALSE(zic::is_terminal(job_state::uncommitted));
  CHECK(zic::to_string(job_state::committing) == "Committing");
}

TEST_CASE("list: the cloud example, with paging fields") {
  auto page = zic::parse_list_response(data_file("cloud_list.json"));
  REQUIRE(page);
  REQUIRE(page->records.size() == 1);
  CHECK(page->records[0].job_id == "job-xxx");
  CHECK(page->records[0].collection_name == "test_collection");
  CHECK(page->records[0].state == job_state::completed);
  CHECK_FALSE(page->records[0].progress.has_value());
  CHECK(page->count == 1);
  CHECK(page->current_page == 1);
  CHECK(page->page_size == 10);
}

TEST_CASE("list: the Milvus example, without paging fields") {
  auto page = zic::parse_list_response(data_file("milvus_list.json"));
  REQUIRE(page);
  REQUIRE(page->records.size() == 1);
  CHECK(page->records[0].progress == 50);
  CHECK(page->records[0].state == job_state::importing);
  CHECK_FALSE(page->count.has_value());
  CHECK_FALSE(page->current_page.has_value());
}

TEST_CASE("list: InProgress, reason, empty and missing records") {
  auto page = zic::parse_list_response(
      R"({"code":0,"data":{"records":[{"jobId":"a","state":"InProgress","progress":"10","reason":""},{"jobID":"b","state":"Failed","reason":"bad file"}]}})");
  REQUIRE(page);
  CHECK(page->records[0].state == job_state::importing);
  CHECK(page->records[0].state_text == "InProgress");
  CHECK(page->records[1].job_id == "b");
  CHECK(page->records[1].reason == "bad file");
  auto empty = zic::parse_list_response(R"({"code":0,"data":{"records":[]}})");
  REQUIRE(empty);
  CHECK(empty->records.empty());
  CHECK(zic::parse_list_response(R"({"code":0,"data":{}})"));
  CHECK(zic::parse_list_response(R"({"code":0})"));
  CHECK(zic::parse_list_response(R"({"code":0,"data":{"records":null}})"));
  CHECK(zic::parse_list_response(R"({"code":0,"data":{"records":{}}})").error().code == errc::json_schema);
  CHECK(zic::parse_list_response(R"({"code":0,"data":{"count":"many"}})").error().code == errc::json_schema);
}

TEST_CASE("malformed: empty, truncated, garbage, trailing content, deep nesting") {
  for (const char* bad : {"", " ", "{", R"({"code":0,"data":{)", R"({"code":0,)", "nul", R"({"code":0}})",
                          R"({"code":0} {"code":1})", R"({"code":0,"data":{"jobId":"x})", "\xff\xfe",
                          R"({"code":0,"data":{"jobId":"\x"}})", R"({"code":01})", "{\"code\":0,\"a\":[1,,2]}"}) {
    CAPTURE(bad);
    auto r = zic::parse_progress_response(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::json_parse);
  }
  std::string deep = R"({"code":0,"data":)" + std::string(5000, '[') + std::string(5000, ']') + "}";
  auto d = zic::parse_progress_response(deep);
  REQUIRE_FALSE(d);
  CHECK(d.error().code == errc::json_parse);
  CHECK(d.error().message.find("deep") != std::string::npos);
}

TEST_CASE("reuse: parsing into the same object keeps capacity and clears stale fields") {
  zic::response_parser parser;
  zic::import_progress p;
  REQUIRE(parser.parse_progress(data_file("cloud_describe.json"), p));
  CHECK(p.file_name == "medium_articles_2020_dpr.json");
  REQUIRE(parser.parse_progress(
      R"({"code":0,"data":{"jobId":"2","state":"Failed","reason":"x","details":[{"fileName":"a"},{"fileName":"b"}]}})", p));
  CHECK(p.file_name.empty());       // absent now: cleared, not stale
  CHECK(p.total_rows == 0);
  CHECK(p.reason == "x");
  REQUIRE(p.details.size() == 2);
  CHECK(p.details[1].file_name == "b");
  CHECK(p.details[0].file_size == 0);
  REQUIRE(parser.parse_progress(data_file("milvus_describe.json"), p));
  CHECK(p.details.size() == 1);
  CHECK(p.reason.empty());
}

TEST_CASE("in place: a padded transport buffer is parsed without copying") {
  zic::response_parser parser;
  zic::http_response r;
  r.body = data_file("cloud_describe.json");
  r.body.reserve(r.body.size() + simdjson::SIMDJSON_PADDING);
  zic::import_progress p;
  REQUIRE(parser.parse_progress(r, p));
  CHECK(p.total_rows == 100000);
}

TEST_CASE("corpus: every file in tests/data (fuzz seeds and regressions) parses without harm") {
  zic::response_parser parser;
  zic::import_progress progress;
  zic::import_job_page page;
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(ZIC_TEST_DATA_DIR)) {
    if (!entry.is_regular_file()) continue;
    CAPTURE(entry.path().string());
    std::ifstream in(entry.path(), std::ios::binary);
    std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto a = parser.parse_progress(body, progress);
    auto b = zic::parse_progress_response(body);
    REQUIRE(a.has_value() == b.has_value());
    if (a) CHECK(progress == *b);
    auto c = parser.parse_list(body, page);
    auto d = zic::parse_list_response(body);
    REQUIRE(c.has_value() == d.has_value());
    if (c) CHECK(page == *d);
    (void)zic::parse_create_response(body);
    (void)zic::parse_empty_response(body);
    ++files;
  }
  CHECK(files >= 12);
}
