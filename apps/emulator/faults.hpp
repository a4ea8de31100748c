#ifndef ZIC_EMULATOR_FAULTS_HPP
#define ZIC_EMULATOR_FAULTS_HPP

// --fault rules: KIND[:key=value,...]. Keys: on=create|describe|list|commit|abort|any (which
// calls; several joined with '+'), count=N (fire at most N times), after=N (let N matches
// pass first), prob=P (fire with probability P), ms=N (delay), retry_after=S (429),
// bytes=N and chunked=1 (oversized).

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace zic_emulator {

enum class fault_kind {
  delay,              // pause before answering (the request is then served)
  http429,            // HTTP 429 with Retry-After; the request is not served
  http503,            // HTTP 503; not served
  code1807,           // HTTP 200 with body code 1807 (limiter); not served
  close_before,       // served, then the connection is closed before any answer byte
  close_mid_headers,  // served, then closed partway through the headers
  close_mid_body,     // served, then closed partway through the body
  truncated,          // served; the body is cut short, with a Content-Length that matches the cut
  malformed,          // served; the body is not JSON
  oversized,          // served; the body is `bytes` long
};

struct fault_rule {
  fault_kind kind = fault_kind::delay;
  std::vector<std::string> on;  // empty: any call
  std::int64_t count = -1;      // -1: unlimited
  std::int64_t after = 0;
  double probability = 1.0;
  std::int64_t ms = 1000;
  std::string retry_after = "1";
  std::int64_t bytes = 80ll << 20;
  bool chunked = false;
  // Running state.
  std::int64_t seen = 0, fired = 0;

  // Faults that stop the request from being served; the others hit the answer only.
  bool rejects() const {
    return kind == fault_kind::http429 || kind == fault_kind::http503 || kind == fault_kind::code1807;
  }
};

inline std::optional<fault_kind> fault_kind_from(std::string_view s) {
  if (s == "delay") return fault_kind::delay;
  if (s == "429" || s == "http429") return fault_kind::http429;
  if (s == "503" || s == "http503") return fault_kind::http503;
  if (s == "1807" || s == "code1807") return fault_kind::code1807;
  if (s == "close-before") return fault_kind::close_before;
  if (s == "close-mid-headers") return fault_kind::close_mid_headers;
  if (s == "close-mid-body") return fault_kind::close_mid_body;
  if (s == "truncated") return fault_kind::truncated;
  if (s == "malformed") return fault_kind::malformed;
  if (s == "oversized") return fault_kind::oversized;
  return std::nullopt;
}

inline bool parse_int(std::string_view s, std::int64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Parses one rule; on error returns nullopt and says why in `why`.
inline std::optional<fault_rule> parse_fault(std::string_view text, std::string& why) {
  fault_rule r;
  auto colon = text.find_first_of(":,");  // "kind:k=v,..." or "kind,k=v,..."
  auto kind = fault_kind_from(text.substr(0, colon));
  if (!kind) {
    why = "unknown fault kind \"" + std::string(text.substr(0, colon)) +
          "\" (delay, 429, 503, 1807, close-before, close-mid-headers, close-mid-body, truncated, "
          "malformed, oversized)";
    return std::nullopt;
  }
  r.kind = *kind;
  std::string_view rest = colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    auto eq = item.find('=');
    if (eq == std::string_view::npos) {
      why = "expected key=value in \"" + std::string(item) + "\"";
      return std::nullopt;
    }
    std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
    bool ok = true;
    if (key == "on") {
      while (!value.empty()) {
        auto plus = value.find('+');
        std::string op(value.substr(0, plus));
        if (op != "any") r.on.push_back(op);
        value = plus == std::string_view::npos ? std::string_view{} : value.substr(plus + 1);
      }
    } else if (key == "count") ok = parse_int(value, r.count) && r.count >= 0;
    else if (key == "after") ok = parse_int(value, r.after) && r.after >= 0;
    else if (key == "ms") ok = parse_int(value, r.ms) && r.ms >= 0;
    else if (key == "bytes") ok = parse_int(value, r.bytes) && r.bytes >= 0;
    else if (key == "chunked") r.chunked = value == "1" || value == "true";
    else if (key == "retry_after") r.retry_after = std::string(value);
    else if (key == "prob") {
      try {
        r.probability = std::stod(std::string(value));
      } catch (...) {
        ok = false;
      }
      ok = ok && r.probability >= 0 && r.probability <= 1;
    } else {
      why = "unknown fault option \"" + std::string(key) + "\"";
      return std::nullopt;
    }
    if (!ok) {
      why = "invalid value for " + std::string(key) + ": \"" + std::string(value) + "\"";
      return std::nullopt;
    }
  }
  return r;
}

class fault_plan {
public:
  std::vector<fault_rule> rules;
  std::int64_t fired = 0;

  // The rule that fires for this call, if any (first match wins).
  const fault_rule* pick(const std::string& op) {
    for (auto& r : rules) {
      if (!r.on.empty() && std::find(r.on.begin(), r.on.end(), op) == r.on.end()) continue;
      if (r.count >= 0 && r.fired >= r.count) continue;
      if (r.seen++ < r.after) continue;
      if (r.probability < 1.0 && std::uniform_real_distribution<double>(0, 1)(rng_) >= r.probability) continue;
      ++r.fired;
      ++fired;
      return &r;
    }
    return nullptr;
  }

private:
  std::mt19937_64 rng_{20261130};  // fixed seed: a run's faults are reproducible
};

} // namespace zic_emulator

#endif
