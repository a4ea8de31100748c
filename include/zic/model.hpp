#ifndef ZIC_MODEL_HPP
#define ZIC_MODEL_HPP

#include "config.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

ZIC_NAMESPACE_BEGIN

/**
 * The state of an import job. The server's word is always kept in `state_text`; a word zic does
 * not know maps to `unknown`, which is neither an error nor terminal.
 */
enum class job_state {
  pending,      ///< "Pending"
  importing,    ///< "Importing"; also "InProgress" (cloud lists, file details) and "Retry"
  uncommitted,  ///< "Uncommitted": imported, waiting for commit (auto_commit=false)
  committing,   ///< "Committing"
  completed,    ///< "Completed"
  failed,       ///< "Failed"
  unknown,      ///< anything else, e.g. "None"
};

namespace detail {
// Byte by byte: compilers unroll it for a literal, where `==` would call memcmp.
template <std::size_t N> constexpr bool is_word(std::string_view s, const char (&literal)[N]) noexcept {
  for (std::size_t i = 0; i + 1 < N; ++i)
    if (s[i] != literal[i]) return false;
  return true;
}
} // namespace detail

/// Maps a server's state word to `job_state` (exact spelling, as servers send it).
constexpr job_state parse_job_state(std::string_view word) noexcept {
  using detail::is_word;
  // By length first: this runs for every job of every list answer.
  switch (word.size()) {
  case 5: return is_word(word, "Retry") ? job_state::importing : job_state::unknown;
  case 6: return is_word(word, "Failed") ? job_state::failed : job_state::unknown;
  case 7: return is_word(word, "Pending") ? job_state::pending : job_state::unknown;
  case 9:
    if (is_word(word, "Importing")) return job_state::importing;
    return is_word(word, "Completed") ? job_state::completed : job_state::unknown;
  case 10:
    if (is_word(word, "InProgress")) return job_state::importing;
    return is_word(word, "Committing") ? job_state::committing : job_state::unknown;
  case 11: return is_word(word, "Uncommitted") ? job_state::uncommitted : job_state::unknown;
  case 12: return is_word(word, "ImportFailed") ? job_state::failed : job_state::unknown;
  case 13: return is_word(word, "ImportRunning") ? job_state::importing : job_state::unknown;
  case 15: return is_word(word, "ImportCompleted") ? job_state::completed : job_state::unknown;
  default: return job_state::unknown;
  }
}

/// The canonical spelling: "Pending", "Importing", ..., "Unknown".
constexpr std::string_view to_string(job_state s) noexcept {
  switch (s) {
  case job_state::pending: return "Pending";
  case job_state::importing: return "Importing";
  case job_state::uncommitted: return "Uncommitted";
  case job_state::committing: return "Committing";
  case job_state::completed: return "Completed";
  case job_state::failed: return "Failed";
  case job_state::unknown: break;
  }
  return "Unknown";
}

/// Completed or Failed; Uncommitted too when the caller runs a two-phase import.
constexpr bool is_terminal(job_state s, bool two_phase = false) noexcept {
  return s == job_state::completed || s == job_state::failed ||
         (two_phase && s == job_state::uncommitted);
}

/// Progress of one import unit (`data.details[]`).
struct file_progress {
  std::string file_name;            ///< "fileName" (Milvus sends "[a/1.parquet]" or a proto text form)
  std::int64_t file_size = 0;       ///< "fileSize", bytes
  job_state state = job_state::unknown;
  std::string state_text;           ///< "state", as sent
  int progress = 0;                 ///< "progress", 0-100
  std::int64_t imported_rows = 0;   ///< "importedRows" (Milvus; 0 when absent)
  std::int64_t total_rows = 0;      ///< "totalRows"
  std::string complete_time;        ///< "completeTime", empty until done
  std::string reason;               ///< "reason", empty on success or when left out
  /// Whether "importedRows" was sent: cloud answers leave it out, and 0 then means "unknown".
  bool has_imported_rows = false;

  friend bool operator==(const file_progress&, const file_progress&) = default;
};

/// The answer to describe / get_progress (`data`).
struct import_progress {
  std::string job_id;               ///< "jobId" (also "jobID")
  std::string collection_name;      ///< "collectionName"
  std::string file_name;            ///< "fileName" (cloud only)
  std::int64_t file_size = 0;       ///< "fileSize", bytes (sum of files on Milvus)
  job_state state = job_state::unknown;
  std::string state_text;           ///< "state", as sent
  int progress = 0;                 ///< "progress", 0-100
  std::int64_t imported_rows = 0;   ///< "importedRows" (0 when absent: see `has_imported_rows`)
  std::int64_t total_rows = 0;      ///< "totalRows"
  std::string complete_time;        ///< "completeTime", empty until done
  std::string create_time;          ///< "createTime" (newest Milvus servers)
  std::string reason;               ///< "reason", empty on success or when left out
  std::vector<file_progress> details;  ///< "details"
  /// Whether "importedRows" was sent: cloud answers leave it out, and 0 then means "unknown".
  bool has_imported_rows = false;

  friend bool operator==(const import_progress&, const import_progress&) = default;
};

/// One record of a list answer (`data.records[]`).
struct import_job_summary {
  std::string job_id;               ///< "jobId" (also "jobID")
  std::string collection_name;      ///< "collectionName"
  job_state state = job_state::unknown;
  std::string state_text;           ///< "state", as sent (cloud lists say "InProgress")
  std::optional<int> progress;      ///< "progress", when sent
  std::string reason;               ///< "reason", when sent

  friend bool operator==(const import_job_summary&, const import_job_summary&) = default;
};

/// The answer to list (`data`). Milvus sends no paging fields.
struct import_job_page {
  std::vector<import_job_summary> records;  ///< "records"
  std::optional<std::int64_t> count;         ///< "count": page length or total, servers differ
  std::optional<std::int64_t> current_page;  ///< "currentPage"
  std::optional<std::int64_t> page_size;     ///< "pageSize"

  friend bool operator==(const import_job_page&, const import_job_page&) = default;
};

ZIC_NAMESPACE_END

#endif // ZIC_MODEL_HPP
