// What zic itself parses of an HTTP answer and its configuration: Retry-After values, the curl
// transport's header lines, endpoint URLs. Never a crash; results stay within their contracts.
#include <zic/transport/curl.hpp>
#include <zic/zic.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1445412480));
  if (auto d = zic::parse_retry_after(in, now); d && d->count() < 0) __builtin_trap();

  if (auto url = zic::detail::parse_endpoint_url(in)) {
    if (url->host.empty() || url->port == 0) __builtin_trap();
    if (url->scheme != "http" && url->scheme != "https") __builtin_trap();
  }

  // Header lines as libcurl hands them over, one callback per line.
  zic::http_response out;
  zic::detail::curl_impl::transfer_state t;
  t.start(out, 1 << 16, 1 << 13);
  std::string copy(in);
  std::size_t start = 0;
  while (start <= copy.size()) {
    std::size_t end = copy.find('\n', start);
    std::size_t len = (end == std::string::npos ? copy.size() : end + 1) - start;
    std::size_t taken = zic::detail::curl_impl::transfer_state::on_header(copy.data() + start, 1, len, &t);
    if (taken != len && taken != 0) __builtin_trap();
    if (taken == 0) break;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (!t.too_large && out.body.capacity() > (std::size_t(1) << 16) + 4096) __builtin_trap();
  // A refused answer says why; an accepted status is one zic's rules allow.
  if (t.got_status && t.refused.empty() && (out.status < 100 || out.status > 599 || out.status == 101)) __builtin_trap();
  return 0;
}
