// Any bytes as a describe answer: never a crash, and the reusing path agrees with the owned one.
#include <zic/zic.hpp>

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  static zic::response_parser parser;
  static zic::import_progress reused;  // carries the previous input's fields: must not leak them
  auto a = parser.parse_progress(in, reused);
  auto b = zic::parse_progress_response(in);
  if (a.has_value() != b.has_value()) __builtin_trap();
  if (a && !(reused == *b)) __builtin_trap();
  if (!a && a.error().code != b.error().code) __builtin_trap();
  return 0;
}
