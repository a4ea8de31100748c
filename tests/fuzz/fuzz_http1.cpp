// Any bytes as an HTTP answer to zic's own HTTP/1.1 reader (the curl transport's), fed in
// pieces whose size the first byte picks, keeping what the reader leaves unused as a transport
// does: never a crash or a read past the input, the body never beyond its cap, a finished
// answer padded for the JSON parser.
#include <zic/detail/http1.hpp>

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  constexpr std::size_t max_body = 1 << 16, max_header = 1 << 13;
  const std::size_t piece = std::size_t(data[0] % 64) + 1;
  const bool head = (data[0] & 0x80) != 0;
  std::string_view wire(reinterpret_cast<const char*>(data + 1), size - 1);
  zic::http_response out;
  out.headers.resize(3);  // stale entries from a previous answer must not survive
  zic::detail::http1::answer_reader reader(out, max_body, max_header, head);
  using fault = zic::detail::http1::answer_reader::fault;
  std::string pending;
  for (std::size_t at = 0; at < wire.size() && !reader.done() && reader.failed() == fault::none; at += piece) {
    pending.append(wire.substr(at, piece));
    const std::size_t used = reader.feed(pending);
    if (used > pending.size()) __builtin_trap();
    pending.erase(0, used);
    if (pending.size() > max_header + 4096 + piece) __builtin_trap();  // what a transport buffers stays bounded
  }
  reader.on_close();
  if (out.body.size() > max_body) __builtin_trap();
  if (reader.header_done() && (out.status < 200 || out.status > 999)) __builtin_trap();
  if (reader.done() && !out.padded()) __builtin_trap();
  if (reader.done() && reader.failed() != fault::none) __builtin_trap();
  return 0;
}
