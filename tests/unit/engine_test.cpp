// The call engine's policies that every driver shares, through the blocking driver: per-call
// options, cancellation, the server's page size, unreadable create answers, and scrubbing at
// a cut.

#include "../support/fake_transport.hpp"

#include <zic/zic.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace std::chrono_literals;
using zic::errc;
using zic_test::fake_clock;
using zic_test::fake_transport;

namespace {

struct rig {
  fake_transport t;
  fake_clock clk;
  zic::basic_client<fake_transport> make(zic::client_options o) {
    o.clock = clk.make();
    o.rate_limit = 0;
    return zic::basic_client<fake_transport>(std::move(o), t);
  }
};

zic::create_import_request milvus_create() {
  zic::create_import_request r;
  r.collection_name = "c";
  r.files = {{"a.json"}};
  return r;
}

std::string page_of(int first, int n, int stated_size) {
  std::string s = R"({"code":0,"data":{"pageSize":)" + std::to_string(stated_size) + R"(,"records":[)";
  for (int i = 0; i < n; ++i)
    s += (i ? "," : "") + std::string(R"({"jobId":"job-)") + std::to_string(first + i) + R"(","state":"Completed"})";
  return s + "]}}";
}

} // namespace

TEST_CASE("operation: each call has one name") {
  CHECK(zic::to_string(zic::operation::create) == "create");
  CHECK(zic::to_string(zic::operation::describe) == "describe");
  CHECK(zic::to_string(zic::operation::list) == "list");
  CHECK(zic::to_string(zic::operation::commit) == "commit");
  CHECK(zic::to_string(zic::operation::abort) == "abort");
}

TEST_CASE("resendable: idempotent requests, or ones with an Idempotency-Key") {
  zic::http_request r;
  CHECK(r.resendable());
  r.idempotent = false;
  CHECK_FALSE(r.resendable());
  r.headers.push_back({"idempotency-key", "k"});
  CHECK(r.resendable());
}

TEST_CASE("call options: a call's own deadline replaces the client's") {
  rig g;
  auto o = zic_test::milvus_options();
  o.deadline = 60s;
  o.retry.max_attempts = 100;
  auto c = g.make(o);
  for (int i = 0; i < 100; ++i) g.t.reply("", 503, {{"Retry-After", "1"}});
  zic::call_options call;
  call.deadline = 2500ms;
  auto r = c.describe_import("1", call);
  REQUIRE_FALSE(r);
  CHECK(r.error().http_status == 503);
  CHECK(g.t.requests().size() == 3);  // at 0, 1 and 2 s; a fourth would start past 2.5 s
}

TEST_CASE("call options: a stop ends a call during its backoff, and before it starts") {
  rig g;
  auto c = g.make(zic_test::milvus_options());
  std::stop_source stop;
  g.clk.s->stop_during_sleep = &stop;
  g.t.reply("", 503).reply(R"({"code":0,"data":{}})");
  zic::call_options call;
  call.stop = stop.get_token();
  auto r = c.commit_import("1", call);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::cancelled);
  CHECK(r.error().message == "commit was cancelled");
  CHECK(g.t.requests().size() == 1);
  // Already stopped: nothing is sent.
  auto again = c.list_import_jobs({}, call);
  CHECK(again.error().code == errc::cancelled);
  CHECK(g.t.requests().size() == 1);
}

TEST_CASE("call options: a stop ends a rate-limit wait") {
  rig g;
  auto o = zic_test::milvus_options();
  o.clock = g.clk.make();
  o.rate_limit = 0.5;  // one request per 2 s
  zic::basic_client<fake_transport> c(o, g.t);
  g.t.reply(R"({"code":0,"data":{"records":[]}})");
  REQUIRE(c.list_import_jobs());
  std::stop_source stop;
  g.clk.s->stop_during_sleep = &stop;
  zic::call_options call;
  call.stop = stop.get_token();
  CHECK(c.list_import_jobs({}, call).error().code == errc::cancelled);
  CHECK(g.t.requests().size() == 1);
}

TEST_CASE("pagination: a page as long as the server's capped page size is not the last") {
  rig g;
  auto c = g.make(zic_test::cloud_options());
  // Asked for 200; the server caps at 100 and says so.
  g.t.reply(page_of(0, 100, 100)).reply(page_of(100, 50, 100));
  std::vector<std::string> ids;
  zic::list_import_jobs_request r;
  r.page_size = 200;
  REQUIRE(c.for_each_import_job([&](const zic::import_job_summary& j) { ids.push_back(j.job_id); }, r));
  CHECK(ids.size() == 150);
  CHECK(g.t.requests().size() == 2);
  // A server that states a larger size than asked still ends on a page shorter than ours.
  g.t.reply(page_of(0, 3, 1000)).reply(page_of(3, 2, 1000));
  ids.clear();
  r.page_size = 3;
  REQUIRE(c.for_each_import_job([&](const zic::import_job_summary& j) { ids.push_back(j.job_id); }, r));
  CHECK(ids.size() == 5);
}

TEST_CASE("create: an unreadable answer is asked again under the same key; without one it is ambiguous") {
  for (const char* garbled : {R"({"code":0,"data":{"jobId":)", "not json", R"({"code":0,"data":{}})"}) {
    CAPTURE(garbled);
    rig g;
    auto c = g.make(zic_test::milvus_options());
    g.t.reply(garbled).reply(R"({"code":0,"data":{"jobId":"7"}})");
    CHECK(c.create_import(milvus_create()).value() == "7");
    REQUIRE(g.t.requests().size() == 2);
    CHECK(g.t.requests()[0].header("Idempotency-Key") == g.t.requests()[1].header("Idempotency-Key"));

    rig h;
    auto o = zic_test::milvus_options();
    o.retry.idempotent_create = false;
    auto unkeyed = h.make(o);
    h.t.reply(garbled);
    auto r = unkeyed.create_import(milvus_create());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::ambiguous_outcome);
    CHECK(r.error().message.find("list the jobs") != std::string::npos);
    CHECK(h.t.requests().size() == 1);
  }
  // An oversized answer (the transport's too_large) counts the same.
  rig g;
  auto c = g.make(zic_test::milvus_options());
  g.t.fail(errc::too_large, true).reply(R"({"code":0,"data":{"jobId":"8"}})");
  CHECK(c.create_import(milvus_create()).value() == "8");
  // Every attempt unreadable: the job may exist, so it ends ambiguous, not as a parse error.
  rig k;
  auto all_bad = k.make(zic_test::milvus_options());
  for (int i = 0; i < 4; ++i) k.t.reply("garbage");
  CHECK(all_bad.create_import(milvus_create()).error().code == errc::ambiguous_outcome);
  CHECK(k.t.requests().size() == 4);
  // A describe's unreadable answer stays a parse error.
  rig d;
  auto desc = d.make(zic_test::milvus_options());
  d.t.reply("garbage");
  CHECK(desc.describe_import("1").error().code == errc::json_parse);
}

TEST_CASE("secrets: a key cut short by a message limit leaves no prefix behind") {
  const std::string key = "sk-ADVERSARY-0123456789abcdef";
  for (std::size_t pad : {150u, 170u, 185u, 195u}) {
    CAPTURE(pad);
    rig g;
    auto o = zic_test::milvus_options();
    o.api_key = key;
    o.retry.max_attempts = 1;
    auto c = g.make(o);
    // An HTTP error body is cut at 200 characters; an API message at 500.
    g.t.reply(std::string(pad, 'x') + " Authorization: Bearer " + key + " trailing text", 500);
    auto http = c.describe_import("1");
    REQUIRE_FALSE(http);
    CHECK(http.error().message.find("sk-ADV") == std::string::npos);
    if (pad + 23 < 200) CHECK(http.error().message.find("***") != std::string::npos);  // part of it was kept
    g.t.reply(R"({"code":1100,"message":")" + std::string(pad + 300, 'y') + " Bearer " + key + R"( more"})");
    auto api = c.describe_import("1");
    REQUIRE_FALSE(api);
    CHECK(api.error().message.find("sk-ADV") == std::string::npos);
  }
  // A word of the message that merely starts like the key is kept when no cut follows it.
  std::string text = "skipped: sk-";
  zic::detail::redact(text, key);
  CHECK(text == "skipped: sk-");
  std::string cut = "token sk-ADV...";
  zic::detail::redact(cut, key);
  CHECK(cut == "token ***...");
}

TEST_CASE("wait: an interval below the floor is refused; one above max_interval is used as is") {
  rig g;
  auto c = g.make(zic_test::milvus_options());
  zic::wait_options w;
  w.interval = 0ms;
  auto r = c.wait_for_import("1", w);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::invalid_argument);
  CHECK(r.error().message.find("at least 100 ms") != std::string::npos);
  CHECK(g.t.requests().empty());

  auto busy = [](int pct) {
    return R"({"code":0,"data":{"jobId":"1","state":"Importing","progress":)" + std::to_string(pct) + "}}";
  };
  g.t.reply(busy(10)).reply(busy(10)).reply(R"({"code":0,"data":{"jobId":"1","state":"Completed","progress":100}})");
  w.interval = 20s;  // alone: max_interval stays at its 10 s default
  REQUIRE(c.wait_for_import("1", w));
  CHECK(g.clk.s->sleeps == std::vector<std::chrono::milliseconds>{20s, 20s});
}

TEST_CASE("wait: the last pause is cut so a final poll lands on the deadline") {
  rig g;
  auto c = g.make(zic_test::milvus_options());
  for (int i = 0; i < 5; ++i) g.t.reply(R"({"code":0,"data":{"jobId":"1","state":"Importing","progress":50}})");
  zic::wait_options w;
  w.deadline = 1500ms;
  auto r = c.wait_for_import("1", w);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::timeout);
  CHECK(g.t.requests().size() == 3);  // at 0, 1.0 and 1.5 s
  CHECK(g.clk.s->sleeps == std::vector<std::chrono::milliseconds>{1000ms, 500ms});
}

TEST_CASE("any_transport: owns a transport given by unique_ptr") {
  struct pinned {  // cannot move: only a pointer can hand it over
    std::shared_ptr<int> calls = std::make_shared<int>(0);
    pinned() = default;
    pinned(pinned&&) = delete;
    zic::result<zic::http_response> send(const zic::http_request&) {
      ++*calls;
      zic::http_response r;
      r.status = 200;
      r.body = R"({"code":0,"data":{"jobId":"3","state":"Completed","progress":100}})";
      return r;
    }
  };
  auto t = std::make_unique<pinned>();
  auto calls = t->calls;
  zic::client c(zic_test::milvus_options(), std::move(t));
  CHECK(c.describe_import("3")->job_id == "3");
  CHECK(*calls == 1);
}

// The engine driven directly, as any driver would: no transport, no clock, no randomness but
// what the test passes in.
namespace {
struct direct {
  zic::retry_policy retry;
  zic::attempt_observer observer;
  std::vector<zic::attempt_event> events;
  std::uint64_t attempts = 0;
  zic::call_options call;
  zic::http_request req;
  zic::http_response answer;
  zic::clock::time_point t0{};

  direct() {
    observer = [this](const zic::attempt_event& e) { events.push_back(e); };
    req.target = "/v2/vectordb/jobs/import/describe";
    req.host = "h";
  }
  zic::call_env env() { return {retry, std::chrono::seconds(60), std::chrono::seconds(10), &observer, "k", nullptr, attempts}; }
};
// An answer policy that reads nothing: 2xx is success, anything else an HTTP error.
struct status_answer {
  zic::result<void> operator()(const zic::http_response& r) const {
    if (r.status >= 200 && r.status < 300) return {};
    zic::error e(errc::http_status, "HTTP " + std::to_string(r.status));
    e.http_status = r.status;
    return e;
  }
};
zic::error failure(errc code, bool sent, int status = 0) {
  zic::error e(code, "it failed");
  e.request_sent = sent;
  e.http_status = status;
  return e;
}
} // namespace

TEST_CASE("engine: the retry decision as a table") {
  using zic::retry_verdict;
  using zic::detail::decide_retry;
  struct row {
    const char* what;
    zic::error e;
    int attempt;
    bool keyed, idempotent, creates;
    retry_verdict want;
  };
  auto json = failure(errc::json_parse, true, 200);
  auto api_transient = failure(errc::api_error, true, 200);
  api_transient.api_code = 1807;
  const row rows[] = {
      {"timeout, idempotent", failure(errc::timeout, true), 1, false, true, false, retry_verdict::retry},
      {"timeout, attempts spent", failure(errc::timeout, true), 3, false, true, false, retry_verdict::give_up},
      {"transport, not idempotent, sent", failure(errc::transport, true), 1, false, false, true, retry_verdict::ambiguous},
      {"transport, not idempotent, not sent", failure(errc::transport, false), 1, false, false, true, retry_verdict::retry},
      {"transport, not idempotent, keyed", failure(errc::transport, true), 1, true, false, true, retry_verdict::retry},
      {"429, not idempotent", failure(errc::http_status, true, 429), 1, false, false, true, retry_verdict::retry},
      {"503, not idempotent, sent", failure(errc::http_status, true, 503), 1, false, false, true, retry_verdict::ambiguous},
      {"transient API code", api_transient, 1, false, false, true, retry_verdict::retry},
      {"404", failure(errc::http_status, true, 404), 1, false, true, false, retry_verdict::done},
      {"invalid argument", failure(errc::invalid_argument, false), 1, false, true, false, retry_verdict::done},
      {"cancelled", failure(errc::cancelled, false), 1, false, true, false, retry_verdict::done},
      {"unreadable create answer, keyed", json, 1, true, false, true, retry_verdict::retry},
      {"unreadable create answer, keyed, spent", json, 3, true, false, true, retry_verdict::ambiguous},
      {"unreadable create answer, no key", json, 1, false, false, true, retry_verdict::ambiguous},
      {"unreadable describe answer", json, 1, false, true, false, retry_verdict::done},
  };
  for (const auto& r : rows) {
    CAPTURE(std::string(r.what));
    CHECK(decide_retry(r.e, r.attempt, 3, r.keyed, r.idempotent, r.creates) == r.want);
  }
}

TEST_CASE("engine: steps, backoff from the jitter given, the deadline, all without a driver") {
  direct d;
  d.retry.max_attempts = 3;
  zic::call_engine<status_answer> engine(d.env(), zic::operation::describe, d.req, status_answer{}, d.call);
  auto step = engine.start(d.t0);
  REQUIRE(step.next == zic::call_step::send);
  CHECK(d.attempts == 1);
  d.answer.status = 503;
  step = engine.after_send({}, d.answer, d.t0 + 5ms, 0.0);  // the least jitter: half the backoff
  REQUIRE(step.next == zic::call_step::wait);
  const auto low = step.delay;
  CHECK(d.events.back().decision == zic::attempt_decision::retry);
  step = engine.after_wait(false, d.t0 + 1s);
  REQUIRE(step.next == zic::call_step::send);
  step = engine.after_send({}, d.answer, d.t0 + 1100ms, 0.999);  // the most
  REQUIRE(step.next == zic::call_step::wait);
  CHECK(step.delay > low);
  step = engine.after_wait(false, d.t0 + 5s);
  d.answer.status = 200;
  step = engine.after_send({}, d.answer, d.t0 + 5s);
  REQUIRE(step.next == zic::call_step::done);
  CHECK(engine.take_result());
  CHECK(d.attempts == 3);
  CHECK(d.events.size() == 3);
}

TEST_CASE("engine: a closed kept-alive connection is resent once, at once, counted and shown") {
  direct d;
  d.retry.max_attempts = 1;  // the resend is not a retry: it costs no attempt of the policy
  zic::call_engine<status_answer> engine(d.env(), zic::operation::describe, d.req, status_answer{}, d.call);
  REQUIRE(engine.start(d.t0).next == zic::call_step::send);
  auto stale = failure(errc::transport, true);
  stale.reused_connection_closed = true;
  auto step = engine.after_send(stale, d.answer, d.t0);
  REQUIRE(step.next == zic::call_step::send);  // no wait
  CHECK(d.attempts == 2);
  REQUIRE(d.events.size() == 1);
  CHECK(d.events[0].decision == zic::attempt_decision::retry);
  CHECK(d.events[0].retry_delay == 0ms);
  // A second closed connection in the same call is an ordinary failure.
  step = engine.after_send(stale, d.answer, d.t0);
  REQUIRE(step.next == zic::call_step::done);
  CHECK(engine.take_result().error().code == errc::transport);

  SUBCASE("a request that must not be sent twice is not resent") {
    direct n;
    n.req.idempotent = false;
    zic::call_engine<status_answer> once(n.env(), zic::operation::create, n.req, status_answer{}, n.call);
    REQUIRE(once.start(n.t0).next == zic::call_step::send);
    REQUIRE(once.after_send(stale, n.answer, n.t0).next == zic::call_step::done);
    CHECK(once.take_result().error().code == errc::ambiguous_outcome);
    CHECK(n.attempts == 1);
  }
}

TEST_CASE("engine: a Retry-After date is read against the wall clock the driver gives") {
  direct d;
  zic::call_engine<status_answer> engine(d.env(), zic::operation::list, d.req, status_answer{}, d.call);
  REQUIRE(engine.start(d.t0).next == zic::call_step::send);
  d.answer.status = 503;
  d.answer.headers = {{"Retry-After", "Wed, 21 Oct 2015 07:28:05 GMT"}};
  const auto wall = std::chrono::system_clock::time_point(std::chrono::seconds(1445412480));  // 07:28:00
  auto step = engine.after_send({}, d.answer, d.t0, 0.5, wall);
  REQUIRE(step.next == zic::call_step::wait);
  CHECK(step.delay == 5s);
}
