#ifndef ZIC_OPERATION_HPP
#define ZIC_OPERATION_HPP

#include "config.hpp"

#include <string>
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

/// One wording for every cancellation of a call that only reads a job (a describe, a wait):
/// what was cancelled, of which job, and that the job on the server goes on as before.
inline std::string cancelled_message(std::string_view what, std::string_view job) {
  std::string m(what);
  if (!job.empty()) m.append(" of import job ").append(job);
  m += " was cancelled";
  if (!job.empty()) m += "; the import job itself goes on, unaffected, on the server";
  return m;
}
} // namespace detail

ZIC_NAMESPACE_END

#endif // ZIC_OPERATION_HPP
