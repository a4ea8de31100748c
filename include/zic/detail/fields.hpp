#ifndef ZIC_DETAIL_FIELDS_HPP
#define ZIC_DETAIL_FIELDS_HPP

// The API's JSON keys, recognised with one switch on length and a fixed-size compare: parsing
// spends most of its own time telling keys apart, so this is where it is made cheap.

#include "../config.hpp"

#include <cstring>
#include <string_view>

ZIC_NAMESPACE_BEGIN
namespace detail {

enum class field : unsigned char {
  unknown, code, message, data, job_id, collection_name, file_name, file_size, state, progress,
  imported_rows, total_rows, complete_time, create_time, reason, details, records, count,
  current_page, page_size,
};

// A fixed-size compare the compiler turns into a few integer comparisons.
template <std::size_t N> ZIC_ALWAYS_INLINE bool key_is(std::string_view k, const char (&literal)[N]) noexcept {
#if defined(__GNUC__)
  return __builtin_memcmp(k.data(), literal, N - 1) == 0;  // the caller checked k.size() == N - 1
#else
  return std::memcmp(k.data(), literal, N - 1) == 0;
#endif
}

/// Which field a key names; aliases (jobID, tasks, readyPercentage, errorMessage) included.
ZIC_ALWAYS_INLINE field classify(std::string_view k) noexcept {
  switch (k.size()) {
  case 4:
    if (key_is(k, "code")) return field::code;
    if (key_is(k, "data")) return field::data;
    break;
  case 5:
    if (key_is(k, "jobId") || key_is(k, "jobID")) return field::job_id;
    if (key_is(k, "state")) return field::state;
    if (key_is(k, "count")) return field::count;
    if (key_is(k, "tasks")) return field::records;
    break;
  case 6:
    if (key_is(k, "reason")) return field::reason;
    break;
  case 7:
    if (key_is(k, "details")) return field::details;
    if (key_is(k, "message")) return field::message;
    if (key_is(k, "records")) return field::records;
    break;
  case 8:
    if (key_is(k, "fileName")) return field::file_name;
    if (key_is(k, "fileSize")) return field::file_size;
    if (key_is(k, "progress")) return field::progress;
    if (key_is(k, "pageSize")) return field::page_size;
    break;
  case 9:
    if (key_is(k, "totalRows")) return field::total_rows;
    break;
  case 10:
    if (key_is(k, "createTime")) return field::create_time;
    break;
  case 11:
    if (key_is(k, "currentPage")) return field::current_page;
    break;
  case 12:
    if (key_is(k, "importedRows")) return field::imported_rows;
    if (key_is(k, "completeTime")) return field::complete_time;
    if (key_is(k, "errorMessage")) return field::reason;
    break;
  case 14:
    if (key_is(k, "collectionName")) return field::collection_name;
    break;
  case 15:
    if (key_is(k, "readyPercentage")) return field::progress;
    break;
  default: break;
  }
  return field::unknown;
}

} // namespace detail
ZIC_NAMESPACE_END

#endif // ZIC_DETAIL_FIELDS_HPP
