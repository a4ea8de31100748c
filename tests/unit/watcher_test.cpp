#include "../support/fake_transport.hpp"

#include <zic/zic.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using zic::job_state;
using zic_test::fake_clock;
using zic_test::fake_transport;

namespace {

std::string list_of(std::vector<std::pair<std::string, std::string>> jobs) {
  std::string s = R"({"code":0,"data":{"records":[)";
  for (std::size_t i = 0; i < jobs.size(); ++i)
    s += std::string(i ? "," : "") + R"({"jobId":")" + jobs[i].first + R"(","state":")" + jobs[i].second + R"(","progress":50})";
  return s + "]}}";
}

struct recorder {
  std::vector<std::string> lines;
  void operator()(const zic::job_transition& t) {
    lines.push_back(std::string(t.job_id) + ":" + std::string(zic::to_string(t.from)) + "->" +
                    (t.gone ? std::string("gone") : std::string(zic::to_string(t.to))) + (t.details ? "+details" : ""));
  }
};

} // namespace

TEST_CASE("watcher: one list per sweep; describes only what the list did not show") {
  fake_transport t;
  fake_clock clk;
  auto o = zic_test::milvus_options();
  o.clock = clk.make();
  zic::basic_client<fake_transport> c(o, t);
  zic::job_watcher w(c);
  for (const char* id : {"1", "2", "3"}) w.add(id);
  CHECK(w.unfinished() == 3);
  t.reply(list_of({{"1", "Pending"}, {"2", "Importing"}, {"9", "Importing"}}))      // 3 not listed
      .reply(R"({"code":2100,"message":"import job does not exist"})")             // so described: gone
      .reply(list_of({{"1", "Importing"}, {"2", "Importing"}}))
      .reply(list_of({{"1", "Completed"}, {"2", "Failed"}}));
  recorder r;
  REQUIRE(w.run(std::ref(r)));
  CHECK(w.unfinished() == 0);
  CHECK(r.lines == std::vector<std::string>{"1:Unknown->Pending", "2:Unknown->Importing", "3:Unknown->gone",
                                            "1:Pending->Importing", "1:Importing->Completed",
                                            "2:Importing->Failed"});
  CHECK(t.requests().size() == 4);
  CHECK(c.attempts() == 4);
  CHECK(clk.s->sleeps.size() == 2);  // between the three sweeps
}

TEST_CASE("watcher: with details, each change is described once and reported with them") {
  fake_transport t;
  fake_clock clk;
  auto o = zic_test::milvus_options();
  o.clock = clk.make();
  zic::basic_client<fake_transport> c(o, t);
  zic::watch_options wo;
  wo.details = true;
  zic::job_watcher w(c, wo);
  w.add("1");
  t.reply(list_of({{"1", "Importing"}}))
      .reply(R"({"code":0,"data":{"jobId":"1","state":"Importing","details":[{"fileName":"a"}]}})")
      .reply(list_of({{"1", "Importing"}}))  // unchanged: no describe
      .reply(list_of({{"1", "Completed"}}))
      .reply(R"({"code":0,"data":{"jobId":"1","state":"Completed","totalRows":5}})");
  recorder r;
  REQUIRE(w.run(std::ref(r)));
  CHECK(r.lines == std::vector<std::string>{"1:Unknown->Importing+details", "1:Importing->Completed+details"});
  CHECK(t.requests().size() == 5);
}

TEST_CASE("watcher: cloud pages stop once every watched job was seen; deadline and stop") {
  fake_transport t;
  fake_clock clk;
  auto o = zic_test::cloud_options();
  o.clock = clk.make();
  o.rate_limit = 0;
  zic::basic_client<fake_transport> c(o, t);
  zic::watch_options wo;
  wo.page_size = 2;
  wo.deadline = std::chrono::seconds(5);
  zic::job_watcher w(c, wo);
  w.add("a");
  // Page 1 holds the only watched job: page 2 is never asked for.
  t.reply(list_of({{"a", "InProgress"}, {"b", "Completed"}}));
  recorder r;
  REQUIRE(w.sweep(std::ref(r)));
  CHECK(t.requests().size() == 1);
  CHECK(r.lines == std::vector<std::string>{"a:Unknown->Importing"});
  for (int i = 0; i < 10; ++i) t.reply(list_of({{"a", "InProgress"}, {"b", "Completed"}}));
  auto timed_out = w.run(std::ref(r));
  REQUIRE_FALSE(timed_out);
  CHECK(timed_out.error().code == zic::errc::timeout);

  std::stop_source stop;
  wo.stop = stop.get_token();
  zic::job_watcher w2(c, wo);
  w2.add("a");
  clk.s->stop_during_sleep = &stop;
  t.reply(list_of({{"a", "InProgress"}}));
  CHECK(w2.run(std::ref(r)).error().code == zic::errc::cancelled);
}

TEST_CASE("describe_many: every job, in order, over several clients") {
  // A transport per thread; each answers with the job id it was asked for.
  struct echo {
    zic::result<zic::http_response> send(const zic::http_request& req) {
      auto p = req.body.find("\"jobId\":\"");
      auto id = req.body.substr(p + 9, req.body.find('"', p + 9) - p - 9);
      zic::http_response r;
      r.status = 200;
      r.body = id == "missing" ? R"({"code":2100,"message":"import job does not exist"})"
                               : R"({"code":0,"data":{"jobId":")" + id + R"(","state":"Completed"}})";
      return r;
    }
  };
  std::vector<std::string> ids;
  for (int i = 0; i < 100; ++i) ids.push_back(std::to_string(i));
  ids.push_back("missing");
  auto all = zic::describe_many<echo>(zic_test::milvus_options(), ids, 4);
  REQUIRE(all.size() == ids.size());
  for (std::size_t i = 0; i < 100; ++i) CHECK(all[i]->job_id == ids[i]);
  CHECK(all.back().error().code == zic::errc::job_not_found);
  auto bad = zic_test::milvus_options();
  bad.endpoint = "nope";
  auto invalid = zic::describe_many<echo>(bad, ids, 4);
  CHECK(invalid.front().error().code == zic::errc::invalid_argument);
}
