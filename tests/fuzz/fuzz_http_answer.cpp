// Any bytes as an HTTP answer to the Beast transport's parser: never a crash, the body never
// beyond its cap, and a parsed answer's headers and status as the bytes say.
#include <zic/transport/beast.hpp>

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t max_body = 1 << 16;
  zic::http_response out;
  out.headers.resize(3);  // stale entries from a previous answer must not survive
  zic::detail::beast_impl::answer_parser parser(out, max_body, 1 << 13);
  parser.eager(true);
  boost::beast::error_code ec;
  std::size_t used = 0;
  while (used < size && !parser.is_done()) {
    std::size_t n = parser.put(boost::asio::buffer(data + used, size - used), ec);
    if (ec || n == 0) break;
    used += n;
  }
  if (out.body.size() > max_body) __builtin_trap();
  if (parser.is_header_done() && (out.status < 0 || out.status > 999)) __builtin_trap();
  if (parser.is_done() && out.body.capacity() < out.body.size() + simdjson::SIMDJSON_PADDING) __builtin_trap();
  return 0;
}
