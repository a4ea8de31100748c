#ifndef ZIC_TESTS_FAKE_TRANSPORT_HPP
#define ZIC_TESTS_FAKE_TRANSPORT_HPP

// A scripted transport for unit tests: records every request, replays queued answers or
// errors in order, and can fail the Nth call (in the spirit of Beast's fail_count).

#include <zic/zic.hpp>

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace zic_test {

struct fake_transport {
  struct script {
    std::deque<zic::result<zic::http_response>> answers;
    std::vector<zic::http_request> requests;
    int fail_call = 0;  // 1-based call number that fails with `fail_with`
    zic::error fail_with{zic::errc::transport, "injected failure"};
  };
  std::shared_ptr<script> s = std::make_shared<script>();

  zic::result<zic::http_response> send(const zic::http_request& r) {
    s->requests.push_back(r);
    if (s->fail_call == int(s->requests.size())) return s->fail_with;
    if (s->answers.empty()) return zic::error(zic::errc::transport, "fake: no scripted answer");
    auto a = std::move(s->answers.front());
    s->answers.pop_front();
    return a;
  }

  fake_transport& reply(std::string body, int status = 200,
                        std::vector<zic::http_header> headers = {}) {
    zic::http_response r;
    r.status = status;
    r.headers = std::move(headers);
    r.body = std::move(body);
    s->answers.emplace_back(std::move(r));
    return *this;
  }
  fake_transport& fail(zic::errc code, bool sent = false, std::string msg = "injected") {
    zic::error e(code, std::move(msg));
    e.request_sent = sent;
    s->answers.emplace_back(std::move(e));
    return *this;
  }
  const std::vector<zic::http_request>& requests() const { return s->requests; }
};
static_assert(zic::http_transport<fake_transport>);

/// Simulated time: `sleep` advances it at once and records the pause.
struct fake_clock {
  struct state {
    zic::clock::time_point now{};
    std::vector<std::chrono::milliseconds> sleeps;
    std::stop_source* stop_during_sleep = nullptr;  // request a stop at the first sleep
  };
  std::shared_ptr<state> s = std::make_shared<state>();

  zic::clock make() const {
    zic::clock c;
    auto st = s;
    c.now = [st] { return st->now; };
    c.sleep = [st](std::chrono::milliseconds d, std::stop_token stop) {
      if (st->stop_during_sleep) st->stop_during_sleep->request_stop();
      if (stop.stop_requested()) return false;
      st->sleeps.push_back(d);
      st->now = zic::detail::later(st->now, d);  // as the real clock: "forever" saturates
      return true;
    };
    return c;
  }
  void advance(std::chrono::milliseconds d) { s->now += d; }
};

inline zic::client_options milvus_options() {
  zic::client_options o;
  o.endpoint = "http://127.0.0.1:19530";
  o.api_key = "root:Milvus";
  return o;
}

inline zic::client_options cloud_options() {
  zic::client_options o;
  o.endpoint = "https://api.cloud.zilliz.com";
  o.api_key = "sk-cloud-SECRET-0123456789";
  o.cluster_id = "inxx-xxxxxxxxxxxxxxx";
  return o;
}

} // namespace zic_test

#endif
