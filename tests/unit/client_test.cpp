#include "../support/fake_transport.hpp"
#include "../support/test_data.hpp"

#include <zic/zic.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using zic::errc;
using zic::job_state;
using zic_test::data_file;
using zic_test::fake_clock;
using zic_test::fake_transport;

namespace {

std::string progress(const char* state, int pct) {
  return std::string(R"({"code":0,"data":{"jobId":"1","state":")") + state + R"(","progress":)" +
         std::to_string(pct) + "}}";
}

struct fixture {
  fake_transport t;
  fake_clock clk;
  std::vector<zic::attempt_event> events;
  std::vector<std::string> lines;

  zic::client_options options(zic::client_options o = zic_test::milvus_options()) {
    o.clock = clk.make();
    o.observer = [this](const zic::attempt_event& e) {
      events.push_back(e);
      lines.push_back(zic::to_string(e));
    };
    return o;
  }
  zic::basic_client<fake_transport> milvus(zic::client_options o = zic_test::milvus_options()) {
    return zic::basic_client<fake_transport>(options(std::move(o)), t);
  }
  zic::basic_client<fake_transport> cloud() {
    auto o = zic_test::cloud_options();
    o.rate_limit = 0;
    return zic::basic_client<fake_transport>(options(o), t);
  }
};

zic::list_import_jobs_request pages_of(std::int64_t size) {
  zic::list_import_jobs_request r;
  r.page_size = size;
  return r;
}

zic::create_import_request milvus_create() {
  zic::create_import_request r;
  r.collection_name = "c";
  r.files = {{"a.json"}};
  return r;
}

} // namespace

TEST_CASE("client: each call sends its request and parses its answer") {
  fixture f;
  auto c = f.milvus();
  f.t.reply(R"({"code":0,"data":{"jobId":"448707763884413158"}})")
      .reply(data_file("milvus_describe.json"))
      .reply(data_file("milvus_list.json"))
      .reply(data_file("milvus_commit.json"))
      .reply(data_file("milvus_commit.json"));
  CHECK(c.create_import(milvus_create()).value() == "448707763884413158");
  CHECK(c.describe_import("448761313698322011")->total_rows == 100000);
  CHECK(c.list_import_jobs()->records.size() == 1);
  CHECK(c.commit_import("1"));
  CHECK(c.abort_import("1"));
  REQUIRE(f.t.requests().size() == 5);
  CHECK(f.t.requests()[0].target == "/v2/vectordb/jobs/import/create");
  CHECK(f.t.requests()[4].target == "/v2/vectordb/jobs/import/abort");
  CHECK(f.events.size() == 5);
}

TEST_CASE("client: invalid options are reported by make, thrown by the constructor") {
  auto o = zic_test::milvus_options();
  o.endpoint = "nope";
  auto made = zic::basic_client<fake_transport>::make(o);
  REQUIRE_FALSE(made);
  CHECK(made.error().code == errc::invalid_argument);
  CHECK_THROWS_AS((void)zic::basic_client<fake_transport>(o), zic::exception);
}

TEST_CASE("client: policies that cannot work are refused before any request") {
  auto refused = [](auto edit) {
    auto o = zic_test::milvus_options();
    edit(o);
    auto made = zic::basic_client<fake_transport>::make(o);
    return !made && made.error().code == errc::invalid_argument;
  };
  CHECK(refused([](auto& o) { o.deadline = 0ms; }));
  CHECK(refused([](auto& o) { o.retry.max_attempts = 0; }));
  CHECK(refused([](auto& o) { o.retry.initial_backoff = -1ms; }));
  CHECK(refused([](auto& o) { o.retry.max_backoff = 10ms; o.retry.initial_backoff = 20ms; }));
  CHECK(refused([](auto& o) { o.retry.multiplier = 0.5; }));
  CHECK(refused([](auto& o) { o.retry.multiplier = std::nan(""); }));
  CHECK(refused([](auto& o) { o.rate_limit = -1.0; }));
  CHECK(refused([](auto& o) { o.rate_limit = 1e-9; }));
  CHECK(refused([](auto& o) { o.rate_limit = std::nan(""); }));
  CHECK_FALSE(refused([](auto& o) { o.rate_limit = 0.0; }));
  CHECK_FALSE(refused([](auto& o) { o.retry.max_backoff = std::chrono::milliseconds::max(); }));
}

TEST_CASE("client: \"forever\" deadlines and caps are held at the clock's range, not wrapped") {
  const auto t = zic::clock::time_point(std::chrono::hours(1000));
  CHECK(zic::detail::later(t, std::chrono::milliseconds::max()) == zic::clock::time_point::max());
  CHECK(zic::detail::later(t, 5ms) == t + 5ms);
  CHECK(zic::detail::later(t, -5ms) == t);
  zic::retry_policy p;
  p.max_backoff = std::chrono::milliseconds::max();
  p.multiplier = 1e6;
  CHECK(p.backoff_cap(40) == std::chrono::milliseconds::max());

  fixture f;
  auto o = zic_test::milvus_options();
  o.deadline = std::chrono::milliseconds::max();
  o.retry.max_backoff = std::chrono::milliseconds::max();
  auto c = f.milvus(o);
  f.t.reply(progress("Importing", 10)).reply(progress("Importing", 10)).reply(progress("Completed", 100));
  zic::wait_options w;
  w.deadline = std::chrono::milliseconds::max();
  const auto century = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::hours(24 * 36525));
  w.max_interval = century;
  w.backoff = 1e300;
  auto r = c.wait_for_import("1", w);
  REQUIRE(r);
  CHECK(r->state == job_state::completed);
  CHECK(f.clk.s->sleeps[1] == century);  // grown to the cap, not past it

  w.backoff = 0.5;
  auto bad = c.wait_for_import("1", w);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == errc::invalid_argument);
}

TEST_CASE("rate limiter: a vanishing or meaningless rate neither overflows nor paces forever") {
  zic::rate_limiter tiny(1e-30), nan(std::nan(""));
  const auto now = zic::rate_limiter::time_point(std::chrono::hours(1));
  CHECK(tiny.reserve("/a", now) == std::chrono::nanoseconds(0));
  CHECK(tiny.reserve("/a", now) == std::chrono::hours(24));
  CHECK(nan.reserve("/a", now) == std::chrono::nanoseconds(0));
  CHECK(nan.reserve("/a", now) == std::chrono::nanoseconds(0));
}

TEST_CASE("client: a 4xx with an envelope is an api_error with both status and code") {
  fixture f;
  auto c = f.cloud();
  f.t.reply(data_file("cloud_bad_key.json"), 401);
  auto r = c.describe_import("job-1");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::api_error);
  CHECK(r.error().http_status == 401);
  CHECK(r.error().api_code == 21119);
  CHECK(r.error().message.find("describe failed (POST https://api.cloud.zilliz.com/v2/vectordb/jobs/import/describe)") == 0);
  CHECK(r.error().message.find("The apikey is illegal.") != std::string::npos);
  CHECK(f.t.requests().size() == 1);  // not retried
}

TEST_CASE("client: a non-2xx without an envelope is http_status; a 2xx with garbage is json_parse") {
  fixture f;
  auto c = f.milvus();
  f.t.reply("<html>Forbidden</html>", 403).reply("not json", 200).reply("", 404);
  auto a = c.describe_import("1");
  CHECK(a.error().code == errc::http_status);
  CHECK(a.error().http_status == 403);
  CHECK(a.error().message.find("Forbidden") != std::string::npos);
  CHECK(c.describe_import("1").error().code == errc::json_parse);
  auto e = c.describe_import("1");
  CHECK(e.error().code == errc::http_status);
  CHECK(e.error().message.find("empty body") != std::string::npos);
}

TEST_CASE("client: Milvus errors come as HTTP 200 with a code; 2100 'does not exist' is job_not_found") {
  fixture f;
  auto c = f.milvus();
  f.t.reply(data_file("milvus_job_gone.json")).reply(R"({"code":2100,"message":"import failed: bad file"})");
  auto gone = c.describe_import("448761313698322011");
  REQUIRE_FALSE(gone);
  CHECK(gone.error().code == errc::job_not_found);
  CHECK(gone.error().api_code == 2100);
  auto other = c.describe_import("1");
  CHECK(other.error().code == errc::api_error);
}

TEST_CASE("client: a describe answer about another job is never read as this job's state") {
  fixture f;
  auto c = f.milvus();
  // Another job's Completed (an answer out of step), then this job's own answer.
  f.t.reply(R"({"code":0,"data":{"jobId":"job-B","state":"Completed","progress":100}})")
      .reply(R"({"code":0,"data":{"jobId":"job-A","state":"Importing","progress":50}})");
  auto p = c.describe_import("job-A");
  REQUIRE_MESSAGE(p, p.error().message);
  CHECK(p->state == zic::job_state::importing);
  CHECK(f.t.requests().size() == 2);  // the wrong answer was asked again, not believed
  REQUIRE(f.events.size() == 2);
  CHECK(f.events[0].error == errc::transport);

  // With no retry left the mismatch is the error, named, and never a state.
  auto o = zic_test::milvus_options();
  o.retry.max_attempts = 1;
  auto once = f.milvus(o);
  f.t.reply(R"({"code":0,"data":{"jobID":"job-B","state":"Failed","progress":0,"reason":"x"}})");
  auto wrong = once.describe_import("job-A");
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().code == errc::transport);
  CHECK(wrong.error().message.find("is for job job-B, not job-A") != std::string::npos);
  f.t.reply(R"({"code":0,"data":{"jobId":"job-B","state":"Failed","progress":0}})");
  CHECK(once.describe_import_view("job-A").error().code == errc::transport);
  // An answer without a job id (some servers omit it) is read as before.
  f.t.reply(R"({"code":0,"data":{"state":"Importing","progress":5}})");
  CHECK(once.describe_import("job-A")->progress == 5);
}

TEST_CASE("client: the request id is kept") {
  fixture f;
  auto c = f.milvus();
  f.t.reply(R"({"code":1100,"message":"invalid"})", 200, {{"X-Request-Id", "req-77"}});
  CHECK(c.describe_import("1").error().request_id == "req-77");
}

TEST_CASE("retry: transient failures are retried with capped, jittered backoff") {
  fixture f;
  auto c = f.milvus();
  f.t.fail(errc::transport).reply("", 503).reply(R"({"code":1807,"message":"limiter"})").reply(progress("Importing", 10));
  auto r = c.describe_import("1");
  REQUIRE(r);
  CHECK(f.t.requests().size() == 4);
  REQUIRE(f.clk.s->sleeps.size() == 3);
  zic::retry_policy p;
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(f.clk.s->sleeps[i] >= 0ms);
    CHECK(f.clk.s->sleeps[i] <= p.backoff_cap(int(i) + 1));
  }
  REQUIRE(f.events.size() == 4);
  CHECK(f.events[0].decision == zic::attempt_decision::retry);
  CHECK(f.events[1].http_status == 503);
  CHECK(f.events[2].api_code == 1807);
  CHECK(f.events[3].decision == zic::attempt_decision::done);
  CHECK(f.events[3].http_status == 200);
  CHECK_FALSE(f.events[3].error);
}

TEST_CASE("retry: backoff bounds and jitter range") {
  zic::retry_policy p;
  CHECK(p.backoff_cap(1) == 200ms);
  CHECK(p.backoff_cap(2) == 400ms);
  CHECK(p.backoff_cap(6) == 6400ms);
  CHECK(p.backoff_cap(7) == 10000ms);
  CHECK(p.backoff_cap(1000) == 10000ms);
  CHECK(p.backoff(3, 0.0) == 0ms);
  CHECK(p.backoff(3, 0.5) == 400ms);
  CHECK(p.backoff(3, 0.999999) < 800ms);
}

TEST_CASE("retry: gives up after max_attempts, keeping the last error") {
  fixture f;
  auto o = zic_test::milvus_options();
  o.retry.max_attempts = 3;
  auto c = f.milvus(o);
  f.t.reply("", 502).reply("", 502).reply("", 504).reply(progress("Importing", 1));
  auto r = c.describe_import("1");
  REQUIRE_FALSE(r);
  CHECK(r.error().http_status == 504);
  CHECK(r.error().message.find("gave up after 3 attempts") != std::string::npos);
  CHECK(f.t.requests().size() == 3);
  CHECK(f.events.back().decision == zic::attempt_decision::give_up);
}

TEST_CASE("retry: permanent errors are not retried") {
  fixture f;
  auto c = f.milvus();
  f.t.reply("", 400).reply(R"({"code":1100,"message":"bad"})", 200).reply("", 401);
  CHECK_FALSE(c.describe_import("1"));
  CHECK_FALSE(c.describe_import("1"));
  CHECK_FALSE(c.describe_import("1"));
  CHECK(f.t.requests().size() == 3);
  CHECK(f.clk.s->sleeps.empty());
}

TEST_CASE("retry: Retry-After in seconds and as a date is honoured, clamped to max_backoff") {
  fixture f;
  auto c = f.milvus();
  f.t.reply("", 429, {{"Retry-After", "3"}})
      .reply("", 429, {{"Retry-After", "999999"}})
      .reply(progress("Importing", 1));
  REQUIRE(c.describe_import("1"));
  REQUIRE(f.clk.s->sleeps.size() == 2);
  CHECK(f.clk.s->sleeps[0] == 3000ms);
  CHECK(f.clk.s->sleeps[1] == 10000ms);
}

TEST_CASE("Retry-After parsing: both forms, garbage, huge values") {
  using namespace std::chrono;
  auto now = system_clock::time_point(seconds(1445412480));  // Wed, 21 Oct 2015 07:28:00 GMT
  CHECK(zic::parse_retry_after("120", now) == milliseconds(120000));
  CHECK(zic::parse_retry_after(" 0 ", now) == milliseconds(0));
  CHECK(zic::parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now) == milliseconds(30000));
  CHECK(zic::parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now) == milliseconds(0));
  CHECK(zic::parse_retry_after("Thu, 01 Jan 2099 00:00:00 GMT", now) > hours(24 * 365 * 80));
  CHECK(zic::parse_retry_after("99999999999999999999999", now) == milliseconds(10'000'000'000LL * 1000));
  CHECK(zic::parse_retry_after("Thu, 05 Jul 8888 05:28:00 GMT", now) == milliseconds(10'000'000'000LL * 1000));
  for (const char* bad : {"", "soon", "-5", "1.5", "12a", "Wed, 21 Oct 2015 07:28:00 UTC",
                          "Wed, 32 Oct 2015 07:28:00 GMT", "Wed, 21 Foo 2015 07:28:00 GMT",
                          "Wed, 21 Oct 2015 25:28:00 GMT", "Wed, 21 Oct 2015"})
    CHECK_FALSE(zic::parse_retry_after(bad, now).has_value());
}

TEST_CASE("deadline: bounds all attempts and pauses together") {
  fixture f;
  auto o = zic_test::milvus_options();
  o.deadline = 1500ms;
  o.retry.max_attempts = 100;
  auto c = f.milvus(o);
  for (int i = 0; i < 100; ++i) f.t.reply("", 503, {{"Retry-After", "1"}});
  auto r = c.describe_import("1");
  REQUIRE_FALSE(r);
  CHECK(r.error().http_status == 503);
  CHECK(f.t.requests().size() == 2);  // 0 s, 1 s; a third would start at 2 s > 1.5 s
  CHECK(f.t.requests()[1].timeout <= 500ms);  // each attempt gets only what is left
}

TEST_CASE("deadline: a per-attempt timeout never exceeds the configured one") {
  fixture f;
  auto o = zic_test::milvus_options();
  o.timeout = 700ms;
  auto c = f.milvus(o);
  f.t.reply(progress("Pending", 0));
  REQUIRE(c.describe_import("1"));
  CHECK(f.t.requests()[0].timeout == 700ms);
}

TEST_CASE("idempotency: every create carries a key, the same on each retry") {
  fixture f;
  auto c = f.milvus();
  f.t.fail(errc::transport, true).fail(errc::timeout, true).reply(R"({"code":0,"data":{"jobId":"9"}})");
  REQUIRE(c.create_import(milvus_create()));
  REQUIRE(f.t.requests().size() == 3);
  auto key = std::string(f.t.requests()[0].header("Idempotency-Key"));
  CHECK(key.size() > 16);
  CHECK(f.t.requests()[1].header("Idempotency-Key") == key);
  CHECK(f.t.requests()[2].header("Idempotency-Key") == key);
  // A second logical create gets a different key.
  f.t.reply(R"({"code":0,"data":{"jobId":"10"}})");
  REQUIRE(c.create_import(milvus_create()));
  CHECK(f.t.requests()[3].header("Idempotency-Key") != key);
}

TEST_CASE("idempotency: the caller's key is used as given") {
  fixture f;
  auto c = f.milvus();
  auto r = milvus_create();
  r.idempotency_key = "my-batch-1";
  f.t.reply("", 500).reply(R"({"code":0,"data":{"jobId":"9"}})");
  REQUIRE(c.create_import(r));
  CHECK(f.t.requests()[0].header("Idempotency-Key") == "my-batch-1");
  CHECK(f.t.requests()[1].header("Idempotency-Key") == "my-batch-1");
}

TEST_CASE("idempotency: without a key, a create that may have landed is ambiguous, never resent") {
  fixture f;
  auto o = zic_test::milvus_options();
  o.retry.idempotent_create = false;
  auto c = f.milvus(o);
  f.t.fail(errc::transport, true).reply(R"({"code":0,"data":{"jobId":"9"}})");
  auto r = c.create_import(milvus_create());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::ambiguous_outcome);
  CHECK(r.error().message.find("list the jobs") != std::string::npos);
  CHECK(f.t.requests().size() == 1);
  CHECK(f.t.requests()[0].header("Idempotency-Key").empty());
  // ... but a failure that surely did not land (nothing sent, 429, transient code) is retried.
  fixture g;
  auto c2 = g.milvus(o);
  g.t.fail(errc::transport, false).reply("", 429).reply(R"({"code":8,"message":"rate"})").reply(R"({"code":0,"data":{"jobId":"9"}})");
  CHECK(c2.create_import(milvus_create()).value() == "9");
  CHECK(g.t.requests().size() == 4);
  fixture h;
  auto c3 = h.milvus(o);
  h.t.reply("", 500);
  CHECK(c3.create_import(milvus_create()).error().code == errc::ambiguous_outcome);
}

TEST_CASE("cancellation: a stop during a pause ends the wait with cancelled") {
  fixture f;
  auto c = f.milvus();
  std::stop_source stop;
  f.t.reply(progress("Importing", 10)).reply(progress("Importing", 20));
  zic::wait_options w;
  w.stop = stop.get_token();
  f.clk.s->stop_during_sleep = &stop;
  auto r = c.wait_for_import("1", w);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::cancelled);
  CHECK(f.t.requests().size() == 1);
}

TEST_CASE("cancellation: the real clock's sleep wakes at once on stop") {
  zic::clock real;
  std::stop_source stop;
  std::thread t([&] { stop.request_stop(); });
  // Were the stop ignored, the sleep would run its full 30 s and return true.
  bool slept = real.sleep(std::chrono::seconds(30), stop.get_token());
  t.join();
  CHECK_FALSE(slept);
}

TEST_CASE("wait: polls until Completed, growing the pause while nothing changes") {
  fixture f;
  auto c = f.milvus();
  f.t.reply(progress("Pending", 0))
      .reply(progress("Pending", 0))
      .reply(progress("Importing", 40))
      .reply(progress("None", 40))     // unknown word: keep waiting
      .reply(progress("Importing", 100))  // 100 % but not Completed: keep waiting
      .reply(progress("Completed", 100));
  std::vector<int> seen;
  zic::wait_options w;
  w.on_progress = [&](const zic::import_progress& p) { seen.push_back(p.progress); };
  auto r = c.wait_for_import("1", w);
  REQUIRE(r);
  CHECK(r->state == job_state::completed);
  CHECK(seen == std::vector<int>{0, 0, 40, 40, 100, 100});
  REQUIRE(f.clk.s->sleeps.size() == 5);
  CHECK(f.clk.s->sleeps[0] == 1000ms);
  CHECK(f.clk.s->sleeps[1] == 1500ms);  // unchanged: grows
  CHECK(f.clk.s->sleeps[2] == 1000ms);  // changed: back to the interval
}

TEST_CASE("wait: Failed is a value; a job that is gone is job_not_found") {
  fixture f;
  auto c = f.milvus();
  f.t.reply(R"({"code":0,"data":{"state":"Failed","reason":"bad row 7"}})");
  auto failed = c.wait_for_import("1");
  REQUIRE(failed);
  CHECK(failed->state == job_state::failed);
  CHECK(failed->reason == "bad row 7");
  f.t.reply(progress("Importing", 5)).reply(data_file("milvus_job_gone.json"));
  auto gone = c.wait_for_import("1");
  REQUIRE_FALSE(gone);
  CHECK(gone.error().code == errc::job_not_found);
}

TEST_CASE("wait: two-phase stops at Uncommitted; otherwise Uncommitted keeps waiting") {
  fixture f;
  auto c = f.milvus();
  zic::wait_options two;
  two.two_phase = true;
  f.t.reply(progress("Uncommitted", 99));
  CHECK(c.wait_for_import("1", two)->state == job_state::uncommitted);
  f.t.reply(progress("Uncommitted", 99)).reply(progress("Committing", 99)).reply(progress("Completed", 100));
  CHECK(c.wait_for_import("1")->state == job_state::completed);
}

TEST_CASE("wait: the deadline ends it with timeout, saying where the job stood") {
  fixture f;
  auto c = f.milvus();
  for (int i = 0; i < 50; ++i) f.t.reply(progress("Importing", 80));
  zic::wait_options w;
  w.deadline = 10s;
  auto r = c.wait_for_import("1", w);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::timeout);
  CHECK(r.error().message.find("Importing at 80%") != std::string::npos);
}

TEST_CASE("pagination: cloud pages until a short page, never trusting count") {
  fixture f;
  auto c = f.cloud();
  auto page = [](int first, int n) {
    std::string s = R"({"code":0,"data":{"count":)" + std::to_string(n) + R"(,"records":[)";
    for (int i = 0; i < n; ++i)
      s += (i ? "," : "") + std::string(R"({"jobId":"job-)") + std::to_string(first + i) +
           R"(","collectionName":")" + (i % 2 ? "b" : "a") + R"(","state":"Completed"})";
    return s + "]}}";
  };
  f.t.reply(page(0, 3)).reply(page(3, 3)).reply(page(6, 1));
  std::vector<std::string> ids;
  zic::list_import_jobs_request r;
  r.page_size = 3;
  REQUIRE(c.for_each_import_job([&](const zic::import_job_summary& j) { ids.push_back(j.job_id); }, r));
  CHECK(ids.size() == 7);
  REQUIRE(f.t.requests().size() == 3);
  CHECK(f.t.requests()[2].body.find(R"("currentPage":3)") != std::string::npos);

  // Exactly full last page: one more (empty) request ends it. Collection filter is client-side.
  f.t.reply(page(0, 3)).reply(R"({"code":0,"data":{"records":[]}})");
  ids.clear();
  r.collection_name = "a";
  REQUIRE(c.for_each_import_job([&](const zic::import_job_summary& j) { ids.push_back(j.job_id); }, r));
  CHECK(ids == std::vector<std::string>{"job-0", "job-2"});

  // A server that ignores currentPage is caught instead of paged forever.
  f.t.reply(page(0, 3)).reply(page(0, 3));
  auto loop = c.for_each_import_job([](const zic::import_job_summary&) {}, pages_of(3));
  CHECK(loop.error().code == errc::json_schema);

  // The visitor may stop early.
  f.t.reply(page(0, 3));
  int n = 0;
  REQUIRE(c.for_each_import_job([&](const zic::import_job_summary&) { return ++n < 2; }, pages_of(3)));
  CHECK(n == 2);
}

TEST_CASE("pagination: Milvus answers once") {
  fixture f;
  auto c = f.milvus();
  f.t.reply(data_file("milvus_list.json"));
  int n = 0;
  REQUIRE(c.for_each_import_job([&](const zic::import_job_summary&) { ++n; }, pages_of(1)));
  CHECK(n == 1);
  CHECK(f.t.requests().size() == 1);
}

TEST_CASE("rate limit: cloud defaults to 20/s per endpoint, paced on the fake clock") {
  fake_transport t;
  fake_clock clk;
  auto o = zic_test::cloud_options();
  o.clock = clk.make();
  zic::basic_client<fake_transport> c(o, t);
  for (int i = 0; i < 5; ++i) t.reply(progress("Importing", 1));
  t.reply(R"({"code":0,"data":{"records":[]}})");
  for (int i = 0; i < 5; ++i) REQUIRE(c.describe_import("1"));
  REQUIRE(c.list_import_jobs());  // another endpoint: its own budget, no wait
  REQUIRE(clk.s->sleeps.size() == 4);
  for (auto s : clk.s->sleeps) CHECK(s == 50ms);
}

TEST_CASE("rate limit: off for Milvus, shared between clients, thread-safe") {
  fixture f;
  auto c = f.milvus();
  for (int i = 0; i < 3; ++i) f.t.reply(progress("Importing", 1));
  for (int i = 0; i < 3; ++i) REQUIRE(c.describe_import("1"));
  CHECK(f.clk.s->sleeps.empty());

  zic::rate_limiter limiter(100);  // 10 ms apart
  zic::rate_limiter::time_point t0{};
  std::vector<std::thread> threads;
  std::vector<std::chrono::nanoseconds> waits(400);
  for (int th = 0; th < 4; ++th)
    threads.emplace_back([&, th] {
      for (int i = 0; i < 100; ++i) waits[std::size_t(th * 100 + i)] = limiter.reserve("describe", t0);
    });
  for (auto& th : threads) th.join();
  std::sort(waits.begin(), waits.end());
  for (std::size_t i = 0; i < waits.size(); ++i) CHECK(waits[i] == std::chrono::milliseconds(10 * i));
}

TEST_CASE("secrets: the API key and bucket credentials never reach a message or observer line") {
  fixture f;
  auto o = zic_test::cloud_options();
  o.rate_limit = 0;
  zic::basic_client<fake_transport> c(f.options(o), f.t);
  const std::string key = o.api_key.reveal();
  zic::create_import_request r;
  r.collection_name = "c";
  r.object_urls = {{"s3://b/a.json"}};
  r.access_key = "AKIA-ACCESS-123";
  r.secret_key = "SECRET-KEY-456";
  r.token = "SESSION-TOKEN-789";
  // A server (or proxy) that echoes what it received.
  f.t.reply("bad key " + key + " for AKIA-ACCESS-123 / SECRET-KEY-456 / SESSION-TOKEN-789", 400)
      .reply(R"({"code":80001,"message":"invalid token )" + key + R"( SESSION-TOKEN-789"})", 401);
  auto a = c.create_import(r);
  auto b = c.create_import(r);
  REQUIRE_FALSE(a);
  REQUIRE_FALSE(b);
  for (const std::string& text : {a.error().message, b.error().message, f.lines[0], f.lines[1]}) {
    CHECK(text.find(key) == std::string::npos);
    CHECK(text.find("AKIA-ACCESS-123") == std::string::npos);
    CHECK(text.find("SECRET-KEY-456") == std::string::npos);
    CHECK(text.find("SESSION-TOKEN-789") == std::string::npos);
  }
  CHECK(b.error().api_code == 80001);
}

TEST_CASE("errors: result and exception behave as documented") {
  zic::result<int> ok = 5;
  CHECK(ok.has_value());
  CHECK(*ok == 5);
  CHECK(ok.value() == 5);
  zic::result<int> bad = zic::error(errc::timeout, "slow");
  CHECK_FALSE(bad);
  CHECK(bad.error().code == errc::timeout);
  CHECK(bad.error().code != errc::transport);
  CHECK(bad.error().retryable());
  CHECK(bad.error().code.category().name() == std::string("zic"));
  try {
    (void)bad.value();
    FAIL("value() must throw");
  } catch (const zic::exception& e) {
    CHECK(std::string(e.what()) == "slow");
    CHECK(e.error().code == errc::timeout);
    CHECK(e.code() == errc::timeout);
  }
  zic::result<void> v;
  CHECK(v);
  CHECK_NOTHROW(v.value());
  zic::result<void> vb = zic::error(errc::cancelled, "stop");
  CHECK_THROWS_AS(vb.value(), zic::exception);
  for (int i = 1; i <= int(errc::ambiguous_outcome); ++i)
    CHECK_FALSE(zic::make_error_code(errc(i)).message().empty());
}

TEST_CASE("any_transport: a type-erased client behaves the same") {
  fake_transport t;
  t.reply(progress("Completed", 100));
  zic::client c(zic_test::milvus_options(), zic::any_transport(t));
  CHECK(c.describe_import("1")->state == job_state::completed);
  CHECK(t.requests().size() == 1);
}

TEST_CASE("transports: body room is the declared length plus padding, never a doubling of it") {
  // A server may declare several lengths (repeated headers, a 1xx before the answer); the body's
  // capacity must stay within the largest of them, or the body cap costs twice its size.
  std::string body;
  std::size_t largest = 0;
  for (std::size_t len : {40000u, 50000u, 50001u, 65536u, 100u}) {
    zic::detail::reserve_body(body, len);
    largest = std::max(largest, len);
    CHECK(body.capacity() >= len + simdjson::SIMDJSON_PADDING);
    CHECK(body.capacity() == largest + simdjson::SIMDJSON_PADDING);
  }
  body = "{\"code\":0}";
  const std::string before = body;
  zic::detail::reserve_body(body, body.size());
  CHECK(body == before);
  CHECK(body.capacity() >= body.size() + simdjson::SIMDJSON_PADDING);
}
