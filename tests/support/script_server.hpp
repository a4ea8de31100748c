#ifndef ZIC_TESTS_SUPPORT_SCRIPT_SERVER_HPP
#define ZIC_TESTS_SUPPORT_SCRIPT_SERVER_HPP

// Hand-written HTTP servers on 127.0.0.1 for tests that need answers no real server sends:
// a listening socket, a request reader, and a server that answers each request from a script.

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace zic_test {

/// A listening socket on 127.0.0.1 and a free port, for servers a test writes by hand.
struct loopback_listener {
  int fd = -1;
  std::uint16_t port = 0;
  explicit loopback_listener(int backlog) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd, backlog) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port = ntohs(a.sin_port);
  }
  loopback_listener(const loopback_listener&) = delete;
  loopback_listener& operator=(const loopback_listener&) = delete;
  ~loopback_listener() { ::close(fd); }
};

/// What a hand-written server reads of a request: up to the end of its header block.
inline std::string read_head(int socket) {
  std::string in;
  char buf[4096];
  while (in.find("\r\n\r\n") == std::string::npos) {
    const ssize_t n = ::recv(socket, buf, sizeof buf, 0);
    if (n <= 0) break;
    in.append(buf, static_cast<std::size_t>(n));
  }
  return in;
}

/// An answer with a JSON body and a Content-Length.
inline std::string json_answer(const std::string& body, int status = 200, const char* reason = "OK") {
  return "HTTP/1.1 " + std::to_string(status) + " " + reason +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

/**
 * Answers every request on every connection from `respond(n, request)`, where n counts requests
 * across connections from 0. A reply is bytes sent at once, bytes sent `delay` later on the same
 * connection, and whether to close afterwards. Stops, and closes everything, when destroyed.
 */
class script_server {
public:
  struct reply {
    std::string now;
    std::string later;
    std::chrono::milliseconds delay;
    bool close;
    reply(std::string n, std::string l = {}, std::chrono::milliseconds d = std::chrono::milliseconds(100), bool c = false)
        : now(std::move(n)), later(std::move(l)), delay(d), close(c) {}
  };
  using script = std::function<reply(int n, const std::string& request)>;

  explicit script_server(script respond) : listener_(16), respond_(std::move(respond)) {
    accept_ = std::thread([this] { accept_loop(); });
  }
  script_server(const script_server&) = delete;
  script_server& operator=(const script_server&) = delete;
  ~script_server() {
    stop_ = true;
    accept_.join();
    for (auto& t : connections_) t.join();
  }

  std::uint16_t port() const noexcept { return listener_.port; }
  int requests() const noexcept { return requests_; }
  int connections() const noexcept { return connections_seen_; }
  std::vector<std::string> seen() {
    std::lock_guard<std::mutex> lock(m_);
    return seen_;
  }

private:
  void accept_loop() {
    while (!stop_) {
      pollfd p{listener_.fd, POLLIN, 0};
      if (::poll(&p, 1, 20) != 1) continue;
      const int c = ::accept(listener_.fd, nullptr, nullptr);
      if (c < 0) continue;
      ++connections_seen_;
      connections_.emplace_back([this, c] { serve(c); });
    }
  }

  // Reads whole requests (headers, then a body of Content-Length bytes) and answers each.
  void serve(int c) {
    std::string in;
    char buf[8192];
    while (!stop_) {
      const auto head_end = in.find("\r\n\r\n");
      std::size_t length = 0;
      if (head_end != std::string::npos) {
        const auto at = in.find("Content-Length: ");
        if (at != std::string::npos && at < head_end) length = std::stoul(in.substr(at + 16));
        if (in.size() >= head_end + 4 + length) {
          const std::string request = in.substr(0, head_end + 4 + length);
          in.erase(0, request.size());
          const int n = requests_++;
          {
            std::lock_guard<std::mutex> lock(m_);
            seen_.push_back(request);
          }
          const reply r = respond_(n, request);
          send_all(c, r.now);
          if (!r.later.empty()) {
            for (auto waited = std::chrono::milliseconds(0); waited < r.delay && !stop_; waited += std::chrono::milliseconds(10))
              std::this_thread::sleep_for(std::chrono::milliseconds(10));
            send_all(c, r.later);
          }
          if (r.close) break;
          continue;
        }
      }
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 20) != 1) continue;
      const ssize_t got = ::recv(c, buf, sizeof buf, 0);
      if (got <= 0) break;
      in.append(buf, static_cast<std::size_t>(got));
    }
    ::close(c);
  }

  static void send_all(int c, const std::string& bytes) {
    for (std::size_t off = 0; off < bytes.size();) {
      const ssize_t n = ::send(c, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<std::size_t>(n);
    }
  }

  loopback_listener listener_;
  script respond_;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0}, connections_seen_{0};
  std::thread accept_;
  std::vector<std::thread> connections_;  // joined at the end; only the accept thread adds
  std::mutex m_;
  std::vector<std::string> seen_;
};

} // namespace zic_test

#endif
