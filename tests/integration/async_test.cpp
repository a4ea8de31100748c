// The asynchronous client over real sockets: both flavours, plain and TLS, every completion
// token, faults, exactly one job per create, a loop that never stalls, and cancellation by
// slot, stop token and watcher stop.

#include "common.hpp"

#include <zic/async.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <doctest/doctest.h>

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace zic_test;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using zic::errc;
using async_client = zic::basic_async_client<zic::beast_async_transport>;

namespace {

zic::create_import_request create_request(bool cloud, bool two_phase = false) {
  zic::create_import_request r;
  r.collection_name = "async";
  if (cloud) {
    r.object_urls = {{"s3://bucket/a.json"}};  // --data-dir/bucket/a.json
    r.access_key = "AKIA-ASYNC";
    r.secret_key = "ASYNC-SECRET";
  } else {
    r.files = {{"rows.json"}};
    if (two_phase) r.options = {{"auto_commit", "false"}};
  }
  return r;
}

async_client make_client(asio::io_context& io, const emulator_process& e, zic::api_flavor f, bool tls = false) {
  return async_client(options_for(e, f), zic::beast_async_transport(io.get_executor(), tls ? trusting_test_ca()
                                                                                         : zic::transport_options{}));
}

// Runs `body` as a coroutine on `io` to completion; the test fails on an escaped exception.
template <class Body> void run_coroutine(asio::io_context& io, Body body) {
  bool finished = false;
  asio::co_spawn(io, std::move(body), [&](std::exception_ptr e) {
    finished = true;
    if (e) FAIL("the coroutine threw");
  });
  io.run();
  CHECK(finished);
}

// A user's own asynchronous transport, in memory: answers from a script, one post away.
struct scripted_async_transport {
  asio::any_io_executor ex;
  std::shared_ptr<std::deque<zic::http_response>> answers = std::make_shared<std::deque<zic::http_response>>();
  std::shared_ptr<int> sends = std::make_shared<int>(0);

  asio::any_io_executor get_executor() const { return ex; }

  template <class Token> auto async_send(const zic::http_request&, zic::http_response& out, Token&& token) {
    return asio::async_initiate<Token, void(zic::result<void>)>(
        [this, &out](auto handler) {
          ++*sends;
          zic::result<void> r = zic::error(errc::transport, "script: no answer left");
          if (!answers->empty()) {
            out = std::move(answers->front());
            answers->pop_front();
            r = {};
          }
          asio::post(ex, [h = std::move(handler), r = std::move(r)]() mutable { std::move(h)(std::move(r)); });
        },
        token);
  }
  void reply(std::string body, int status = 200, std::vector<zic::http_header> headers = {}) {
    zic::http_response r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    answers->push_back(std::move(r));
  }
};
static_assert(zic::async_http_transport<scripted_async_transport>);

} // namespace

TEST_CASE("async: end to end on both flavours, plain and TLS, through coroutines") {
  for (const char* flavor : {"cloud", "milvus"}) {
    for (bool tls : {false, true}) {
      CAPTURE(std::string(flavor));
      CAPTURE(tls);
      const bool cloud = std::string(flavor) == "cloud";
      data_dir d(40);
      emulator_process e(emulator_args(flavor, d, tls));
      asio::io_context io;
      auto client = make_client(io, e, cloud ? zic::api_flavor::cloud : zic::api_flavor::milvus, tls);
      run_coroutine(io, [&]() -> asio::awaitable<void> {
        // Arguments of a co_await are named: GCC 12 can destroy a temporary there twice.
        const auto request = create_request(cloud);
        auto id = co_await client.async_create_import(request, asio::use_awaitable);
        REQUIRE_MESSAGE(id, id.error().message);
        const auto quick = quick_wait(), quick_two_phase = quick_wait(true);
        auto done = co_await client.async_wait_for_import(*id, quick, asio::use_awaitable);
        REQUIRE_MESSAGE(done, done.error().message);
        CHECK(done->state == zic::job_state::completed);
        auto p = co_await client.async_describe_import(*id, asio::use_awaitable);
        REQUIRE(p);
        CHECK(p->job_id == *id);
        const zic::list_import_jobs_request all;
        auto page = co_await client.async_list_import_jobs(all, asio::use_awaitable);
        REQUIRE(page);
        CHECK(page->records.size() == 1);
        auto gone = co_await client.async_describe_import("404404", asio::use_awaitable);
        CHECK(gone.error().code == errc::job_not_found);
        if (!cloud) {
          const auto two_phase = create_request(false, true);
          auto two = co_await client.async_create_import(two_phase, asio::use_awaitable);
          REQUIRE(two);
          auto held = co_await client.async_wait_for_import(*two, quick_two_phase, asio::use_awaitable);
          REQUIRE(held);
          CHECK(held->state == zic::job_state::uncommitted);
          auto committed = co_await client.async_commit_import(*two, asio::use_awaitable);
          CHECK(committed);
          auto three = co_await client.async_create_import(two_phase, asio::use_awaitable);
          REQUIRE(three);
          auto held_too = co_await client.async_wait_for_import(*three, quick_two_phase, asio::use_awaitable);
          REQUIRE(held_too);
          auto aborted = co_await client.async_abort_import(*three, asio::use_awaitable);
          CHECK(aborted);
        }
      });
      CHECK(client.transport().connections_opened() == 1);
    }
  }
}

TEST_CASE("async: callback, use_future and deferred tokens") {
  data_dir d(10);
  emulator_process e(emulator_args("milvus", d));
  asio::io_context io;
  auto client = make_client(io, e, zic::api_flavor::milvus);

  std::optional<zic::result<std::string>> created;
  client.async_create_import(create_request(false), [&](zic::result<std::string> r) { created = std::move(r); });
  io.run();
  REQUIRE(created);
  REQUIRE(*created);

  io.restart();
  auto op = client.async_describe_import(**created, asio::deferred);
  std::optional<zic::result<zic::import_progress>> described;
  std::move(op)([&](zic::result<zic::import_progress> r) { described = std::move(r); });
  io.run();
  REQUIRE(described);
  CHECK((*described)->job_id == **created);

  io.restart();
  std::thread runner;
  auto fut = client.async_list_import_jobs({}, asio::use_future);
  runner = std::thread([&] { io.run(); });
  auto page = fut.get();
  runner.join();
  REQUIRE(page);
  CHECK(page->records.size() == 1);
}

TEST_CASE("async: a user's in-memory transport gets the same retries and Retry-After") {
  asio::io_context io;
  scripted_async_transport t{io.get_executor()};
  t.reply("", 503);
  t.reply("", 429, {{"Retry-After", "0"}});
  t.reply(R"({"code":0,"data":{"jobId":"5","state":"Completed","progress":100}})");
  zic::client_options o;
  o.endpoint = "http://127.0.0.1:19530";
  o.retry.initial_backoff = 1ms;
  std::vector<zic::attempt_event> events;
  o.observer = [&](const zic::attempt_event& ev) { events.push_back(ev); };
  zic::basic_async_client<scripted_async_transport> client(o, t);
  std::optional<zic::result<zic::import_progress>> got;
  client.async_describe_import("5", [&](zic::result<zic::import_progress> r) { got = std::move(r); });
  io.run();
  REQUIRE(got);
  REQUIRE(*got);
  CHECK((*got)->state == zic::job_state::completed);
  CHECK(*t.sends == 3);
  REQUIRE(events.size() == 3);
  CHECK(events[0].decision == zic::attempt_decision::retry);
  CHECK(events[1].retry_delay == 0ms);
  CHECK(events[2].decision == zic::attempt_decision::done);
}

TEST_CASE("async: faults end in the documented outcome, one job per create") {
  struct fault {
    const char* rule;
    std::optional<errc> describe_end;  // nullopt: retried past
  };
  const fault faults[] = {
      {"delay:ms=900,count=1", std::nullopt},     {"429:retry_after=1,count=1", std::nullopt},
      {"503:count=2", std::nullopt},              {"1807:count=2", std::nullopt},
      {"close-before:count=1", std::nullopt},
      {"close-mid-headers:count=1", std::nullopt}, {"close-mid-body:count=1", std::nullopt},
      {"truncated:count=1", errc::json_parse},    {"malformed:count=1", errc::json_parse},
      {"oversized:bytes=3000000,count=1", errc::too_large},
  };
  for (const auto& f : faults) {
    for (const char* op : {"create", "describe"}) {
      CAPTURE(std::string(f.rule));
      CAPTURE(std::string(op));
      data_dir d(20);
      emulator_process e(emulator_args("milvus", d, false, {"--fault", std::string(f.rule) + ",on=" + op}));
      asio::io_context io;
      auto o = options_for(e, zic::api_flavor::milvus);
      o.timeout = 400ms;
      zic::transport_options small;
      small.max_body_bytes = 1 << 20;
      async_client client(o, zic::beast_async_transport(io.get_executor(), small));
      run_coroutine(io, [&]() -> asio::awaitable<void> {
        const auto request = create_request(false);
        auto id = co_await client.async_create_import(request, asio::use_awaitable);
        if (std::string(op) == "create") {
          // Every create fault is retried past: unreadable answers under the same key.
          CHECK_MESSAGE(id, (id ? std::string() : id.error().message));
          co_return;
        }
        REQUIRE(id);
        auto p = co_await client.async_describe_import(*id, asio::use_awaitable);
        if (f.describe_end) {
          REQUIRE_FALSE(p);
          CHECK(p.error().code == *f.describe_end);
        } else {
          CHECK_MESSAGE(p, (p ? std::string() : p.error().message));
        }
      });
      CHECK(e.stats().faults >= 1);
      CHECK(e.stats().jobs == 1);
    }
  }
}

TEST_CASE("async: one thread never stalls while calls wait on delays, 429 and the rate limit") {
  data_dir d(10);
  emulator_process e(emulator_args("milvus", d, false, {"--fault", "delay:ms=300,on=describe,count=4", "--fault",
                                                        "429:retry_after=1,on=list,count=2"}));
  asio::io_context io;
  // A heartbeat every 5 ms on the same io_context, while the calls run.
  int beats = 0;
  bool calls_done = false;
  asio::steady_timer heart(io);
  std::function<void()> beat = [&] {
    heart.expires_after(5ms);
    heart.async_wait([&](boost::system::error_code ec) {
      if (ec || calls_done) return;
      ++beats;
      beat();
    });
  };
  beat();
  std::string job;
  {
    zic::basic_client<zic::beast_transport> setup(options_for(e, zic::api_flavor::milvus));
    job = setup.create_import(create_request(false)).value();
  }
  auto paced_options = options_for(e, zic::api_flavor::milvus);
  paced_options.rate_limit = 4;  // 4 describes per second: the 5th waits a second
  std::vector<async_client> clients;
  for (int i = 0; i < 3; ++i) clients.emplace_back(options_for(e, zic::api_flavor::milvus), zic::beast_async_transport(io.get_executor()));
  async_client paced(paced_options, zic::beast_async_transport(io.get_executor()));
  int finished = 0, ok = 0;
  auto count = [&](bool success) {
    ok += success;
    if (++finished == 6) calls_done = true;
  };
  for (auto& c : clients) c.async_describe_import(job, [&](zic::result<zic::import_progress> r) { count(bool(r)); });
  async_client lister(options_for(e, zic::api_flavor::milvus), zic::beast_async_transport(io.get_executor()));
  lister.async_list_import_jobs({}, [&](zic::result<zic::import_job_page> r) { count(bool(r)); });  // two 429s
  async_client extra(options_for(e, zic::api_flavor::milvus), zic::beast_async_transport(io.get_executor()));
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {  // one more delayed describe
    auto r = co_await extra.async_describe_import(job, asio::use_awaitable);
    count(bool(r));
  }, asio::detached);
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 5; ++i) (void)co_await paced.async_describe_import(job, asio::use_awaitable);
    count(true);
  }, asio::detached);
  io.run();
  CHECK(finished == 6);
  CHECK(ok == 6);
  // The calls took at least a second (Retry-After 1, a paced second); a loop that blocked in
  // any of them would have missed most beats.
  CHECK(beats >= 100);
}

TEST_CASE("async: cancellation by slot during a wait, by stop token during a backoff and an exchange") {
  data_dir d(10);
  // Jobs crawl, so a wait keeps waiting; describes of job 1 fail with 503 for a while.
  emulator_process e(emulator_args("milvus", d, false, {"--rows-per-second", "1", "--fault", "503:on=list,count=50",
                                                        "--fault", "delay:ms=10000,on=commit"}));
  asio::io_context io;
  auto client = make_client(io, e, zic::api_flavor::milvus);
  std::string job;
  run_coroutine(io, [&]() -> asio::awaitable<void> {
    const auto request = create_request(false);
    auto id = co_await client.async_create_import(request, asio::use_awaitable);
    REQUIRE(id);
    job = *id;
  });

  SUBCASE("a cancellation slot emitted during the wait's pause") {
    asio::cancellation_signal cancel;
    std::optional<zic::result<zic::import_progress>> got;
    int polls = 0;
    auto w = quick_wait();
    w.interval = 5s;
    w.max_interval = 5s;
    w.on_progress = [&](const zic::import_progress&) {
      if (++polls == 1) asio::post(io, [&] { cancel.emit(asio::cancellation_type::terminal); });
    };
    io.restart();
    client.async_wait_for_import(job, w, asio::bind_cancellation_slot(cancel.slot(), [&](auto r) { got = std::move(r); }));
    io.run();
    REQUIRE(got);
    REQUIRE_FALSE(*got);
    CHECK(got->error().code == errc::cancelled);
    CHECK(got->error().message == "wait of import job " + job +
                                      " was cancelled; the import job itself goes on, unaffected, on the server");
    CHECK(polls == 1);
  }
  SUBCASE("the same words when the cancellation lands in the wait's exchange") {
    auto o = options_for(e, zic::api_flavor::milvus);
    emulator_process slow(emulator_args("milvus", d, false, {"--fault", "delay:ms=3000,on=describe"}));
    async_client far(options_for(slow, zic::api_flavor::milvus), zic::beast_async_transport(io.get_executor()));
    asio::cancellation_signal cancel;
    asio::steady_timer soon(io, 100ms);
    soon.async_wait([&](auto) { cancel.emit(asio::cancellation_type::terminal); });
    std::optional<zic::result<zic::import_progress>> got;
    io.restart();
    far.async_wait_for_import("job-7", quick_wait(),
                              asio::bind_cancellation_slot(cancel.slot(), [&](auto r) { got = std::move(r); }));
    io.run();
    REQUIRE(got);
    REQUIRE_FALSE(*got);
    CHECK(got->error().message ==
          "wait of import job job-7 was cancelled; the import job itself goes on, unaffected, on the server");
  }
  SUBCASE("a stop token requested from another thread during a backoff") {
    std::stop_source stop;
    zic::call_options call;
    call.stop = stop.get_token();
    auto o = options_for(e, zic::api_flavor::milvus);
    o.retry.max_attempts = 50;
    o.retry.initial_backoff = 2s;
    o.retry.max_backoff = 2s;
    o.deadline = 100s;
    std::vector<zic::attempt_event> events;
    o.observer = [&](const zic::attempt_event& ev) {
      events.push_back(ev);
      if (events.size() == 1) std::thread([&stop] { stop.request_stop(); }).detach();
    };
    async_client slow(o, zic::beast_async_transport(io.get_executor()));
    std::optional<zic::result<zic::import_job_page>> got;
    io.restart();
    slow.async_list_import_jobs({}, call, [&](auto r) { got = std::move(r); });
    io.run();
    REQUIRE(got);
    CHECK(got->error().code == errc::cancelled);
    CHECK(events.size() == 1);
  }
  SUBCASE("a slot emitted while the exchange waits for a slow answer") {
    asio::cancellation_signal cancel;
    std::optional<zic::result<void>> got;
    asio::steady_timer soon(io, 100ms);
    soon.async_wait([&](auto) { cancel.emit(asio::cancellation_type::terminal); });
    io.restart();
    client.async_commit_import(job, asio::bind_cancellation_slot(cancel.slot(), [&](zic::result<void> r) { got = std::move(r); }));
    io.run();
    REQUIRE(got);
    CHECK(got->error().code == errc::cancelled);
    // The client is usable again on a fresh connection.
    std::optional<zic::result<zic::import_progress>> after;
    io.restart();
    client.async_describe_import(job, [&](auto r) { after = std::move(r); });
    io.run();
    REQUIRE(after);
    CHECK(*after);
  }
}

TEST_CASE("async: watcher and describe_many on one thread") {
  data_dir d(30);
  emulator_process e(emulator_args("cloud", d));
  std::vector<std::string> ids;
  {
    zic::basic_client<zic::beast_transport> setup(options_for(e, zic::api_flavor::cloud));
    for (int i = 0; i < 12; ++i) ids.push_back(setup.create_import(create_request(true)).value());
  }
  asio::io_context io;
  auto client = make_client(io, e, zic::api_flavor::cloud);
  zic::watch_options wo;
  wo.interval = 20ms;
  wo.page_size = 5;
  zic::async_job_watcher watcher(client, wo);
  for (auto& id : ids) watcher.add(id);
  std::map<std::string, zic::job_state> last;
  std::optional<zic::result<void>> ran;
  watcher.async_run([&](const zic::job_transition& t) { last[std::string(t.job_id)] = t.to; },
                    [&](zic::result<void> r) { ran = std::move(r); });
  io.run();
  REQUIRE(ran);
  CHECK_MESSAGE(*ran, (*ran ? std::string() : ran->error().message));
  CHECK(watcher.unfinished() == 0);
  CHECK(last.size() == ids.size());
  for (auto& [id, s] : last) CHECK(s == zic::job_state::completed);

  auto o = options_for(e, zic::api_flavor::cloud);
  std::optional<std::vector<zic::result<zic::import_progress>>> all;
  io.restart();
  zic::async_describe_many(o, ids, 4, [&] { return zic::beast_async_transport(io.get_executor()); },
                           [&](std::vector<zic::result<zic::import_progress>> r) { all = std::move(r); });
  io.run();
  REQUIRE(all);
  REQUIRE(all->size() == ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    REQUIRE((*all)[i]);
    CHECK((*all)[i]->job_id == ids[i]);
  }
}

TEST_CASE("async: a watcher stopped mid-sweep ends cancelled") {
  data_dir d(10);
  emulator_process e(emulator_args("cloud", d, false, {"--fault", "delay:ms=5000,on=list"}));
  std::string job;
  {
    auto o = options_for(e, zic::api_flavor::cloud);
    zic::basic_client<zic::beast_transport> setup(o);
    job = setup.create_import(create_request(true)).value();
  }
  asio::io_context io;
  auto client = make_client(io, e, zic::api_flavor::cloud);
  std::stop_source stop;
  zic::watch_options wo;
  wo.stop = stop.get_token();
  zic::async_job_watcher watcher(client, wo);
  watcher.add(job);
  asio::steady_timer soon(io, 100ms);
  soon.async_wait([&](auto) { stop.request_stop(); });
  std::optional<zic::result<void>> ran;
  watcher.async_sweep([](const zic::job_transition&) {}, [&](zic::result<void> r) { ran = std::move(r); });
  io.run();
  REQUIRE(ran);
  CHECK(ran->error().code == errc::cancelled);
}

TEST_CASE("async: describe_many cancelled sends nothing more; queued jobs are marked cancelled") {
  data_dir d(10);
  // Every describe takes 300 ms: at 75 ms the first four are in flight and 36 are queued.
  emulator_process e(emulator_args("milvus", d, false, {"--fault", "delay:ms=300,on=describe"}));
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) ids.push_back(std::to_string(1000 + i));
  asio::io_context io;
  const auto before = e.stats().requests;
  asio::cancellation_signal cancel;
  asio::steady_timer soon(io, 75ms);
  soon.async_wait([&](auto) { cancel.emit(asio::cancellation_type::terminal); });
  std::optional<std::vector<zic::result<zic::import_progress>>> all;
  zic::async_describe_many(options_for(e, zic::api_flavor::milvus), ids, 4,
                           [&] { return zic::beast_async_transport(io.get_executor()); },
                           asio::bind_cancellation_slot(cancel.slot(), [&](auto r) { all = std::move(r); }));
  io.run();
  REQUIRE(all);
  REQUIRE(all->size() == ids.size());
  for (const auto& r : *all) {
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::cancelled);
  }
  CHECK((*all)[39].error().message.find("1039") != std::string::npos);
  // The four in flight reached the server; none of the queued ones did (stats is one more).
  CHECK(e.stats().requests - before <= 4 + 1);
}

TEST_CASE("async: a second call while one is in flight is busy; the first goes on untouched") {
  data_dir d(10);
  emulator_process e(emulator_args("milvus", d, false, {"--fault", "delay:ms=300,on=list"}));
  asio::io_context io;
  auto client = make_client(io, e, zic::api_flavor::milvus);
  std::optional<zic::result<zic::import_job_page>> first;
  std::optional<zic::result<zic::import_progress>> second;
  client.async_list_import_jobs({}, [&](auto r) { first = std::move(r); });
  CHECK(client.busy());
  client.async_describe_import("1", [&](auto r) { second = std::move(r); });
  io.run();
  REQUIRE(second);
  CHECK(second->error().code == errc::busy);
  REQUIRE(first);
  CHECK_MESSAGE(*first, (*first ? std::string() : first->error().message));
  CHECK_FALSE(client.busy());
  // Free again: the next call runs, from within a completion handler too.
  std::optional<zic::result<zic::import_job_page>> third, fourth;
  io.restart();
  client.async_list_import_jobs({}, [&](auto r) {
    third = std::move(r);
    client.async_list_import_jobs({}, [&](auto r2) { fourth = std::move(r2); });
  });
  io.run();
  REQUIRE(third);
  CHECK(*third);
  REQUIRE(fourth);
  CHECK(*fourth);
}

TEST_CASE("async: a client moved or destroyed with a call in flight ends it cancelled, touching no freed memory") {
  data_dir d(10);
  emulator_process e(emulator_args("milvus", d, false, {"--fault", "delay:ms=2000,on=list"}));
  asio::io_context io;
  std::optional<zic::result<zic::import_job_page>> got;
  {
    auto client = make_client(io, e, zic::api_flavor::milvus);
    client.async_list_import_jobs({}, [&](auto r) { got = std::move(r); });
    io.poll();  // the request is on its way
    async_client moved(std::move(client));
    CHECK(moved.busy());
  }  // destroyed here, the exchange still waiting for its answer
  io.run();
  REQUIRE(got);
  REQUIRE_FALSE(*got);
  CHECK(got->error().code == errc::cancelled);
}

TEST_CASE("async: the asynchronous API mirrors the blocking one, over a type-erased transport too") {
  data_dir d(20);
  emulator_process e(emulator_args("cloud", d));
  asio::io_context io;
  zic::async_client client(options_for(e, zic::api_flavor::cloud), zic::beast_async_transport(io.get_executor()));
  std::vector<std::string> ids;
  run_coroutine(io, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 5; ++i) {
      const auto request = create_request(true);
      auto id = co_await client.async_create_import(request, asio::use_awaitable);
      REQUIRE(id);
      ids.push_back(*id);
    }
    // Defaults for the options, as the blocking calls have them.
    auto done = co_await client.async_wait_for_import(ids[0], asio::use_awaitable);
    REQUIRE(done);
    CHECK(done->state == zic::job_state::completed);
    zic::import_progress into;
    auto described = co_await client.async_describe_import(ids[0], into, asio::use_awaitable);
    CHECK(described);
    CHECK(into.job_id == ids[0]);
    // Views into the client, until its next call.
    auto view = co_await client.async_describe_import_view(ids[0], asio::use_awaitable);
    REQUIRE(view);
    CHECK(view->job_id == ids[0]);
    CHECK(view->state == zic::job_state::completed);
    // Every page.
    zic::list_import_jobs_request pages;
    pages.page_size = 2;
    std::vector<std::string> seen;
    auto walked = co_await client.async_for_each_import_job(
        [&](const zic::import_job_summary& s) { seen.push_back(s.job_id); }, pages, asio::use_awaitable);
    CHECK(walked);
    CHECK(seen.size() == ids.size());
    // A visitor that says stop ends the walk early.
    int visited = 0;
    auto stopped = co_await client.async_for_each_import_job(
        [&](const zic::import_job_summary&) { return ++visited < 3; }, pages, asio::use_awaitable);
    CHECK(stopped);
    CHECK(visited == 3);
  });
  // The same job list through the blocking client's walk.
  zic::basic_client<zic::beast_transport> blocking(options_for(e, zic::api_flavor::cloud));
  std::size_t n = 0;
  zic::list_import_jobs_request pages;
  pages.page_size = 2;
  REQUIRE(blocking.for_each_import_job([&](const zic::import_job_summary&) { ++n; }, pages));
  CHECK(n == ids.size());
}

TEST_CASE("async: an exception thrown by a completion handler reaches io.run() as it was thrown") {
  data_dir d(5);
  emulator_process e(emulator_args("milvus", d));
  asio::io_context io;
  auto client = make_client(io, e, zic::api_flavor::milvus);
  int calls = 0;
  client.async_list_import_jobs({}, [&](zic::result<zic::import_job_page> r) {
    ++calls;
    CHECK(r);
    throw std::runtime_error("the handler's own");
  });
  CHECK_THROWS_WITH_AS(io.run(), "the handler's own", std::runtime_error);
  CHECK(calls == 1);
  CHECK_FALSE(client.busy());  // the client is free again, and works
  std::optional<zic::result<zic::import_job_page>> again;
  io.restart();
  client.async_list_import_jobs({}, [&](auto r) { again = std::move(r); });
  io.run();
  REQUIRE(again);
  CHECK(*again);
}
