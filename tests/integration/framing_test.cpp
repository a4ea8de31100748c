// Answers that must never be read for the wrong request, and answers both transports refuse
// alike: hand-written servers on loopback, through the blocking clients (Beast, curl) and the
// asynchronous one (Beast).
#include "common.hpp"
#include "../support/script_server.hpp"

#include <zic/async.hpp>

#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <string>
#include <vector>

using namespace zic_test;
using namespace std::chrono_literals;
using zic::errc;
using zic::job_state;

namespace {

std::string progress_body(const char* job, const char* state, int pct) {
  return std::string(R"({"code":0,"data":{"jobId":")") + job + R"(","state":")" + state + R"(","progress":)" +
         std::to_string(pct) + R"(,"totalRows":100,"importedRows":)" + std::to_string(pct) + "}}";
}
const std::string importing = json_answer(progress_body("job-A", "Importing", 50));
// What a confused server or proxy sends unasked: a whole answer that would end the wait.
const std::string stray_completed = json_answer(progress_body("job-A", "Completed", 100));

std::string chunked(const std::string& body) {
  char size[16];
  std::snprintf(size, sizeof size, "%zx", body.size());
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
         std::string(size) + "\r\n" + body + "\r\n0\r\n\r\n";
}

zic::client_options options_for_port(std::uint16_t port) {
  zic::client_options o;
  o.endpoint = "http://127.0.0.1:" + std::to_string(port);
  o.api_key = "root:Milvus";
  o.flavor = zic::api_flavor::milvus;
  o.timeout = 3s;
  o.deadline = 10s;
  o.retry.max_attempts = 1;  // what the transport gives back, not what a retry hides
  return o;
}

enum class driver { beast, curl, beast_async };
const driver all_drivers[] = {driver::beast, driver::curl, driver::beast_async};
std::string name_of(driver d) { return d == driver::beast ? "beast" : d == driver::curl ? "curl" : "beast async"; }

struct outcome {
  std::vector<zic::result<zic::import_progress>> answers;
  std::size_t connections = 0;
};

// `calls` describes of job-A, `pause` apart (so that bytes sent late arrive while idle).
template <class T> outcome describe_blocking(std::uint16_t port, int calls, std::chrono::milliseconds pause) {
  outcome out;
  zic::basic_client<T> c(options_for_port(port));
  for (int i = 0; i < calls; ++i) {
    if (i) std::this_thread::sleep_for(pause);
    out.answers.push_back(c.describe_import("job-A"));
  }
  out.connections = c.transport().connections_opened();
  return out;
}

outcome describe_async(std::uint16_t port, int calls, std::chrono::milliseconds pause) {
  namespace asio = boost::asio;
  outcome out;
  asio::io_context io;
  zic::basic_async_client<zic::beast_async_transport> c(options_for_port(port),
                                                          zic::beast_async_transport(io.get_executor()));
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer timer(io);
        for (int i = 0; i < calls; ++i) {
          if (i) {
            timer.expires_after(pause);
            co_await timer.async_wait(asio::use_awaitable);
          }
          auto r = co_await c.async_describe_import("job-A", asio::use_awaitable);
          out.answers.push_back(std::move(r));
        }
      },
      asio::detached);
  io.run();
  out.connections = c.transport().connections_opened();
  return out;
}

outcome describe(driver d, std::uint16_t port, int calls, std::chrono::milliseconds pause = 0ms) {
  switch (d) {
  case driver::beast: return describe_blocking<zic::beast_transport>(port, calls, pause);
  case driver::curl: return describe_blocking<zic::curl_transport>(port, calls, pause);
  case driver::beast_async: return describe_async(port, calls, pause);
  }
  return {};
}

void every_answer_is_importing(const outcome& o, int calls) {
  REQUIRE(o.answers.size() == static_cast<std::size_t>(calls));
  for (const auto& a : o.answers) {
    REQUIRE_MESSAGE(a, a.error().message);
    CHECK(a->state == job_state::importing);
    CHECK(a->progress == 50);
  }
}

zic::http_request raw_request(std::uint16_t port) {
  zic::http_request req;
  req.scheme = "http";
  req.host = "127.0.0.1";
  req.port = port;
  req.target = "/v2/vectordb/jobs/import/list";
  req.body = "{}";
  req.timeout = 3s;
  return req;
}

} // namespace

TEST_CASE("async framing: bytes after an answer never answer the next request") {
  // Named "async" so that the sanitizer run covers the asynchronous transport too.
  SUBCASE("a whole stray answer in the same segment") {
    for (driver d : all_drivers) {
      CAPTURE(name_of(d));
      script_server s([](int, const std::string&) { return script_server::reply{importing + stray_completed}; });
      auto o = describe(d, s.port(), 3);
      every_answer_is_importing(o, 3);
      CHECK(s.requests() == 3);
    }
  }
  SUBCASE("a whole stray answer in a later segment, while the connection is idle") {
    for (driver d : all_drivers) {
      CAPTURE(name_of(d));
      script_server s([](int, const std::string&) { return script_server::reply{importing, stray_completed, 50ms}; });
      auto o = describe(d, s.port(), 3, 300ms);
      every_answer_is_importing(o, 3);
      CHECK(s.requests() == 3);
      CHECK(o.connections == 3);  // each connection with stray bytes on it was dropped
    }
  }
  SUBCASE("a chunked answer followed by a stray one") {
    for (driver d : all_drivers) {
      CAPTURE(name_of(d));
      script_server s([](int, const std::string&) {
        return script_server::reply{chunked(progress_body("job-A", "Importing", 50)) + stray_completed};
      });
      auto o = describe(d, s.port(), 3);
      every_answer_is_importing(o, 3);
      CHECK(s.requests() == 3);
    }
  }
  SUBCASE("a 408 sent on an idle connection is not the next answer") {
    for (driver d : all_drivers) {
      CAPTURE(name_of(d));
      script_server s([](int, const std::string&) {
        return script_server::reply{importing, "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
                                    50ms, true};
      });
      auto o = describe(d, s.port(), 2, 300ms);
      every_answer_is_importing(o, 2);
      CHECK(o.connections == 2);
    }
  }
  SUBCASE("interim answers (100, 103, 102) before each final one, on one connection") {
    for (driver d : all_drivers) {
      CAPTURE(name_of(d));
      script_server s([](int, const std::string&) {
        return script_server::reply{"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                                    "HTTP/1.1 102 Processing\r\n\r\n" + importing};
      });
      auto o = describe(d, s.port(), 3);
      every_answer_is_importing(o, 3);
      CHECK(s.requests() == 3);
      CHECK(o.connections == 1);
    }
  }
  SUBCASE("a 101 that was never asked for is refused") {
    for (driver d : all_drivers) {
      CAPTURE(name_of(d));
      script_server s([](int, const std::string&) {
        return script_server::reply{"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n" + importing};
      });
      auto o = describe(d, s.port(), 1);
      REQUIRE(o.answers.size() == 1);
      REQUIRE_FALSE(o.answers[0]);
      CHECK(o.answers[0].error().code == errc::transport);
      CHECK(o.answers[0].error().message.find("101") != std::string::npos);
    }
  }
  SUBCASE("endless interim answers end in an error") {
    for (driver d : all_drivers) {
      CAPTURE(name_of(d));
      std::string many;
      for (int i = 0; i < 40; ++i) many += "HTTP/1.1 100 Continue\r\n\r\n";
      script_server s([&](int, const std::string&) { return script_server::reply{many + importing}; });
      auto o = describe(d, s.port(), 1);
      REQUIRE(o.answers.size() == 1);
      REQUIRE_FALSE(o.answers[0]);
      CHECK(o.answers[0].error().code == errc::transport);
    }
  }
  SUBCASE("an answer about another job is asked again on the same connection, never believed") {
    for (driver d : all_drivers) {
      CAPTURE(name_of(d));
      script_server s([](int n, const std::string&) {
        return script_server::reply{n == 0 ? json_answer(progress_body("job-B", "Completed", 100)) : importing};
      });
      auto o = describe(d, s.port(), 1);
      REQUIRE(o.answers.size() == 1);
      REQUIRE_FALSE(o.answers[0]);  // no retry here: the mismatch itself is the error
      CHECK(o.answers[0].error().message.find("is for job job-B, not job-A") != std::string::npos);
    }
  }
}

TEST_CASE_TEMPLATE("framing: a 204 whose late body arrives on the idle connection", T, zic::beast_transport,
                   zic::curl_transport) {
  script_server s([](int n, const std::string&) {
    if (n == 0) return script_server::reply{"HTTP/1.1 204 No Content\r\n\r\n", R"({"code":0,"data":{}})", 50ms};
    return script_server::reply{json_answer(R"({"code":0,"data":{"records":[]}})")};
  });
  T t;
  auto first = t.send(raw_request(s.port()));
  REQUIRE_MESSAGE(first, first.error().message);
  CHECK(first->status == 204);
  std::this_thread::sleep_for(300ms);
  auto second = t.send(raw_request(s.port()));
  REQUIRE_MESSAGE(second, second.error().message);
  CHECK(second->status == 200);
  CHECK(second->body == R"({"code":0,"data":{"records":[]}})");
  CHECK(s.requests() == 2);
}

TEST_CASE_TEMPLATE("framing: both transports refuse the same malformed answers", T, zic::beast_transport,
                   zic::curl_transport) {
  struct bad {
    const char* what;
    std::string answer;
    errc code;
  };
  std::string big_trailer;  // 2 MiB of trailer fields, far past the 64 KiB header limit
  for (int i = 0; i < 2048; ++i) big_trailer += "X-Pad-" + std::to_string(i) + ": " + std::string(1000, 'x') + "\r\n";
  const std::vector<bad> cases = {
      {"status 099", "HTTP/1.1 099 Odd\r\nContent-Length: 2\r\n\r\n{}", errc::transport},
      {"HTTP/1.9", "HTTP/1.9 200 OK\r\nContent-Length: 2\r\n\r\n{}", errc::transport},
      {"a coding other than chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
       errc::transport},
      {"a list as Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\n{}", errc::transport},
      {"two different lengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{} ", errc::transport},
      {"both framings", "HTTP/1.1 200 OK\r\nContent-Length: 9\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
       errc::transport},
      {"a trailer past the header limit",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n" + big_trailer + "\r\n",
       errc::too_large},
  };
  for (const auto& c : cases) {
    CAPTURE(std::string(c.what));
    script_server s([&](int, const std::string&) { return script_server::reply{c.answer, {}, 0ms, true}; });
    T t;
    auto r = t.send(raw_request(s.port()));
    REQUIRE_FALSE(r);
    CHECK_MESSAGE(r.error().code == c.code, r.error().message);
  }

  SUBCASE("obs-fold is joined with a space, as RFC 9112 asks of a user agent") {
    script_server s([](int, const std::string&) {
      return script_server::reply{"HTTP/1.1 200 OK\r\nX-Folded: first\r\n  second\r\nContent-Length: 2\r\n\r\n{}"};
    });
    T t;
    auto r = t.send(raw_request(s.port()));
    REQUIRE_MESSAGE(r, r.error().message);
    CHECK(r->header("X-Folded") == "first second");
    CHECK(r->body == "{}");
  }
  SUBCASE("copies of one Content-Length are one length") {
    script_server s([](int, const std::string&) {
      return script_server::reply{"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}"};
    });
    T t;
    auto r = t.send(raw_request(s.port()));
    REQUIRE_MESSAGE(r, r.error().message);
    CHECK(r->body == "{}");
  }
}

TEST_CASE_TEMPLATE("framing: a request that would frame itself or smuggle a second one is refused before I/O", T,
                   zic::beast_transport, zic::curl_transport) {
  script_server s([](int, const std::string&) { return script_server::reply{json_answer("{}")}; });
  const std::vector<zic::http_header> framing = {{"Transfer-Encoding", "chunked"}, {"Connection", "close"},
                                                 {"Expect", "100-continue"},       {"Upgrade", "h2c"},
                                                 {"Bad Name", "x"},                {"X-Ok", "a\rb"}};
  for (const auto& h : framing) {
    CAPTURE(h.name);
    auto req = raw_request(s.port());
    req.headers.push_back(h);
    T t;
    auto r = t.send(req);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::invalid_argument);
    CHECK_FALSE(r.error().request_sent);
  }
  auto spaced = raw_request(s.port());
  spaced.method = "GET /x HTTP/1.1\r\nX:";
  CHECK(T().send(spaced).error().code == errc::invalid_argument);
  auto target = raw_request(s.port());
  target.target = "/a b";
  CHECK(T().send(target).error().code == errc::invalid_argument);
  CHECK(s.requests() == 0);

  // What does go out: the transport's own Host and Content-Length, once each.
  auto ok = raw_request(s.port());
  ok.headers = {{"Host", "evil.example"}, {"Content-Length", "999"}, {"X-Trace", "t1"}};
  T t;
  auto r = t.send(ok);
  REQUIRE_MESSAGE(r, r.error().message);
  const auto seen = s.seen();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].find("evil.example") == std::string::npos);
  CHECK(seen[0].find("Content-Length: 999") == std::string::npos);
  CHECK(seen[0].find("Content-Length: 2\r\n") != std::string::npos);
  CHECK(seen[0].find("X-Trace: t1\r\n") != std::string::npos);
}

TEST_CASE_TEMPLATE("framing: an empty PUT says Content-Length: 0, and no body gets a type it did not ask for", T,
                   zic::beast_transport, zic::curl_transport) {
  script_server s([](int, const std::string&) { return script_server::reply{json_answer("{}")}; });
  auto put = raw_request(s.port());
  put.method = "PUT";
  put.target = "/bucket/empty";
  put.body.clear();
  T t;
  auto r = t.send(put);
  REQUIRE_MESSAGE(r, r.error().message);
  auto post = raw_request(s.port());  // a body without a Content-Type of its own
  REQUIRE(t.send(post));
  const auto seen = s.seen();
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].rfind("PUT /bucket/empty HTTP/1.1\r\n", 0) == 0);
  CHECK(seen[0].find("Content-Length: 0\r\n") != std::string::npos);
  for (const auto& request : seen) CHECK(request.find("x-www-form-urlencoded") == std::string::npos);
}
