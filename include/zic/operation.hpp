#ifndef ZIC_OPERATION_HPP
#define ZIC_OPERATION_HPP

#include "config.hpp"

#include <string_view>

ZIC_NAMESPACE_BEGIN

/// The API's calls, as the client's policies and observer name them.
enum class operation { create, describe, list, commit, abort };

/// "create", "describe", "list", "commit" or "abort".
constexpr std::string_view to_string(operation op) noexcept {
  switch (op) {
  case operation::create: return "create";
  case operation::describe: return "describe";
  case operation::list: return "list";
  case operation::commit: return "commit";
  case operation::abort: return "abort";
  }
  return "call";
}

namespace detail {
/// How a parse failure names the answer: "the describe answer is not valid JSON".
constexpr std::string_view answer_name(operation op) noexcept {
  switch (op) {
  case operation::create: return "create answer";
  case operation::describe: return "describe answer";
  case operation::list: return "list answer";
  case operation::commit: return "commit answer";
  case operation::abort: return "abort answer";
  }
  return "answer";
}
} // namespace detail

ZIC_NAMESPACE_END

#endif // ZIC_OPERATION_HPP
