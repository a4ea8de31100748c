// Any bytes as a create (or commit/abort) answer: never a crash; a job id is never empty.
#include <zic/zic.hpp>

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto id = zic::parse_create_response(in);
  if (id && id->empty()) __builtin_trap();
  auto empty = zic::parse_empty_response(in);
  if (!empty && empty.error().message.empty()) __builtin_trap();
  return 0;
}
