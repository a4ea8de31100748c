#ifndef ZIC_TESTS_EMULATOR_PROCESS_HPP
#define ZIC_TESTS_EMULATOR_PROCESS_HPP

// Starts zic-emulator on a free loopback port for one test and stops it afterwards.

#include <zic/transport/beast.hpp>
#include <zic/zic.hpp>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace zic_test {

class emulator_process {
public:
  explicit emulator_process(std::vector<std::string> args) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      std::vector<char*> argv;
      std::string path = ZIC_EMULATOR_PATH;
      argv.push_back(path.data());
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(path.c_str(), argv.data());
      _exit(127);
    }
    close(out[1]);
    fd_ = out[0];
    std::string line = read_line(std::chrono::seconds(10));
    const std::string prefix = "listening on ";
    if (line.rfind(prefix, 0) != 0) {
      stop();
      throw std::runtime_error("zic-emulator did not start: \"" + line + "\"");
    }
    url_ = line.substr(prefix.size());
    port_ = static_cast<std::uint16_t>(std::stoi(url_.substr(url_.rfind(':') + 1)));
  }

  emulator_process(const emulator_process&) = delete;
  emulator_process& operator=(const emulator_process&) = delete;
  ~emulator_process() { stop(); }

  const std::string& url() const { return url_; }
  std::uint16_t port() const { return port_; }

  /// GET /_emulator/stats: connections accepted, requests, jobs held, faults fired.
  struct stats_t {
    std::int64_t connections = 0, requests = 0, jobs = 0, faults = 0;
  };
  stats_t stats() const {
    zic::transport_options o;
    o.insecure = true;
    zic::beast_transport t(o);
    auto endpoint = zic::detail::parse_endpoint_url(url_).value();
    zic::http_request r;
    r.method = "GET";
    r.scheme = endpoint.scheme;
    r.host = endpoint.host;
    r.port = endpoint.port;
    r.target = "/_emulator/stats";
    auto resp = t.send(r);
    if (!resp) throw std::runtime_error("stats: " + resp.error().message);
    simdjson::dom::parser p;
    auto doc = p.parse(resp->body);
    stats_t s;
    s.connections = doc["connections"].get_int64().value();
    s.requests = doc["requests"].get_int64().value();
    s.jobs = doc["jobs"].get_int64().value();
    s.faults = doc["faults"].get_int64().value();
    return s;
  }

  /// Sends SIGTERM and waits (bounded) for a clean exit; returns the exit status.
  int stop() {
    if (pid_ <= 0) return status_;
    kill(pid_, SIGTERM);
    for (int i = 0; i < 500; ++i) {
      int st = 0;
      if (waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = 0;
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = 0;
      status_ = 137;
    }
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    return status_;
  }

private:
  std::string read_line(std::chrono::milliseconds limit) {
    std::string line;
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char c;
      if (read(fd_, &c, 1) != 1) break;
      if (c == '\n') return line;
      line.push_back(c);
    }
    return line;
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  int status_ = -1;
  std::string url_;
  std::uint16_t port_ = 0;
};

} // namespace zic_test

#endif
