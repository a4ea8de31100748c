#ifndef ZIC_VIEWS_HPP
#define ZIC_VIEWS_HPP

#include "config.hpp"
#include "model.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

ZIC_NAMESPACE_BEGIN

/**
 * Zero-copy counterparts of the model, for the hot polling path: every string is a view into
 * the parser that produced it. **Valid until that parser (or the client that owns it) parses
 * again**, and not after it is destroyed; copy what you keep (`to_owned`).
 */
struct file_progress_view {
  std::string_view file_name;      ///< "fileName"
  std::int64_t file_size = 0;      ///< "fileSize"
  job_state state = job_state::unknown;
  std::string_view state_text;     ///< "state"
  int progress = 0;                ///< "progress"
  std::int64_t imported_rows = 0;  ///< "importedRows"
  std::int64_t total_rows = 0;     ///< "totalRows"
  std::string_view complete_time;  ///< "completeTime"
  std::string_view reason;         ///< "reason"
  bool has_imported_rows = false;  ///< whether "importedRows" was sent
};

/// A describe answer, viewed. See `file_progress_view` for the lifetime rule.
struct import_progress_view {
  std::string_view job_id;          ///< "jobId"
  std::string_view collection_name; ///< "collectionName"
  std::string_view file_name;       ///< "fileName"
  std::int64_t file_size = 0;       ///< "fileSize"
  job_state state = job_state::unknown;
  std::string_view state_text;      ///< "state"
  int progress = 0;                 ///< "progress"
  std::int64_t imported_rows = 0;   ///< "importedRows"
  std::int64_t total_rows = 0;      ///< "totalRows"
  std::string_view complete_time;   ///< "completeTime"
  std::string_view create_time;     ///< "createTime"
  std::string_view reason;          ///< "reason"
  std::span<const file_progress_view> details;  ///< "details"
  bool has_imported_rows = false;   ///< whether "importedRows" was sent
};

/// One list record, viewed.
struct import_job_summary_view {
  std::string_view job_id;          ///< "jobId"
  std::string_view collection_name; ///< "collectionName"
  job_state state = job_state::unknown;
  std::string_view state_text;      ///< "state"
  std::optional<int> progress;      ///< "progress"
  std::string_view reason;          ///< "reason"
};

/// A list answer, viewed.
struct import_job_page_view {
  std::span<const import_job_summary_view> records;  ///< "records"
  std::optional<std::int64_t> count;                 ///< "count"
  std::optional<std::int64_t> current_page;          ///< "currentPage"
  std::optional<std::int64_t> page_size;             ///< "pageSize"
};

/// An owned copy of a view, safe to keep.
inline import_progress to_owned(const import_progress_view& v) {
  import_progress p;
  p.job_id = v.job_id;
  p.collection_name = v.collection_name;
  p.file_name = v.file_name;
  p.file_size = v.file_size;
  p.state = v.state;
  p.state_text = v.state_text;
  p.progress = v.progress;
  p.imported_rows = v.imported_rows;
  p.has_imported_rows = v.has_imported_rows;
  p.total_rows = v.total_rows;
  p.complete_time = v.complete_time;
  p.create_time = v.create_time;
  p.reason = v.reason;
  p.details.reserve(v.details.size());
  for (const auto& f : v.details)
    p.details.push_back({std::string(f.file_name), f.file_size, f.state, std::string(f.state_text), f.progress,
                         f.imported_rows, f.total_rows, std::string(f.complete_time), std::string(f.reason),
                         f.has_imported_rows});
  return p;
}

inline import_job_summary to_owned(const import_job_summary_view& v) {
  return {std::string(v.job_id), std::string(v.collection_name), v.state, std::string(v.state_text), v.progress,
          std::string(v.reason)};
}

ZIC_NAMESPACE_END

#endif // ZIC_VIEWS_HPP
