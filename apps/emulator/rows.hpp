#ifndef ZIC_EMULATOR_ROWS_HPP
#define ZIC_EMULATOR_ROWS_HPP

// Reads an import file the way the service does, far enough to count its rows: JSON row files
// ({"rows":[...]} or a top-level array) and CSV are read whole, as a stream, in bounded memory;
// a Parquet file's footer and a NumPy file's header are all that is read of them. Given the
// collection's schema, each is also checked against it (schema_check.hpp).

#include "json_rows.hpp"
#include "numpy.hpp"
#include "csv_records.hpp"
#include "parquet.hpp"
#include "schema_check.hpp"
#include "storage.hpp"

#include <zic/detail/file_types.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zic_emulator {

using zic::detail::file_type;

struct file_scan {
  std::int64_t rows = 0;
  std::int64_t bytes = 0;
  std::vector<std::string> columns;  // when the format names them
  std::string error;                 // why the import of this file fails; empty when it can be
};

// What a file is checked against: the collection's schema (none: only read and counted), and
// the CSV options "sep" and "nullkey" that the import's request gives.
struct file_rules {
  const collection_schema* schema = nullptr;
  char csv_separator = ',';
  std::string csv_null_key;
};

// Counts CSV records after the header, a chunk at a time; quoted fields may hold newlines.
class csv_counter {
public:
  void feed(std::string_view text) {
    for (char c : text) {
      if (c == '"') quoted_ = !quoted_;
      if (c == '\n' && !quoted_) {
        if (content_) ++records_;
        content_ = false;
      } else if (c != '\r') {
        content_ = true;
      }
    }
  }
  std::int64_t rows() const {
    const std::int64_t records = records_ + (content_ ? 1 : 0);
    return records > 0 ? records - 1 : 0;  // the header is not a row
  }

private:
  std::int64_t records_ = 0;
  bool quoted_ = false, content_ = false;
};

namespace detail {

// Each reader sets `mismatch` when the file reads but does not fit the schema.
inline bool read_json(byte_source& src, std::int64_t size, file_scan& out, std::string& why,
                      const file_rules& rules, bool& mismatch) {
  json_row_counter counter;
  if (rules.schema) {
    auto check = std::make_shared<json_row_schema>(*rules.schema);
    counter.row_check = [check, &mismatch](std::string_view row, std::int64_t index, std::string& reason) {
      mismatch = !(*check)(row, index, reason);
      return !mismatch;
    };
  }
  const auto feed = [&](std::string_view bytes) { return counter.feed(bytes); };
  const bool read = src.stream(0, size, feed, why);
  if (!counter.error().empty() || (read && !counter.finish())) {
    why = counter.error();
    return false;
  }
  out.rows = counter.rows();
  return read;
}

inline bool read_csv(byte_source& src, std::int64_t size, file_scan& out, std::string& why,
                     const file_rules& rules, bool& mismatch) {
  csv_counter counter;
  std::optional<csv_records> records;
  if (rules.schema) {
    auto check = std::make_shared<csv_row_schema>(*rules.schema, rules.csv_null_key);
    records.emplace(
        [check, &mismatch](const std::vector<std::string>& cells, std::int64_t index, std::string& reason) {
          mismatch = !(*check)(cells, index, reason);
          return !mismatch;
        },
        rules.csv_separator);
  }
  const auto feed = [&](std::string_view bytes) {
    counter.feed(bytes);
    return !records || records->feed(bytes);
  };
  const bool read = src.stream(0, size, feed, why);
  if (records && (!records->error().empty() || (read && !records->finish()))) {
    why = records->error();
    return false;
  }
  if (!read) return false;
  out.rows = counter.rows();
  return true;
}

inline bool read_parquet(byte_source& src, std::int64_t size, file_scan& out, std::string& why,
                         const file_rules& rules, bool& mismatch) {
  std::string head, tail, footer;
  if (size < 12) {
    why = "not a Parquet file (" + std::to_string(size) + " bytes is too short)";
    return false;
  }
  if (!src.read(0, 4, head, why) || !src.read(size - parquet_tail, parquet_tail, tail, why)) return false;
  if (head != parquet_magic) {
    why = "not a Parquet file (no PAR1 magic at its start)";
    return false;
  }
  auto length = parquet_footer_length(tail, size, why);
  if (!length || !src.read(size - parquet_tail - *length, *length, footer, why)) return false;
  auto meta = parse_parquet_footer(footer, why);
  if (!meta) return false;
  out.rows = meta->rows;
  if (rules.schema && !check_parquet(*rules.schema, *meta, why)) {
    mismatch = true;
    return false;
  }
  out.columns = std::move(meta->columns);
  return true;
}

inline bool read_numpy(byte_source& src, std::int64_t size, file_scan& out, std::string& why,
                       std::string_view field, const file_rules& rules, bool& mismatch) {
  std::string head;
  if (!src.read(0, std::min<std::int64_t>(size, npy_prelude), head, why)) return false;
  auto length = npy_header_length(head, why);
  if (!length) return false;
  if (*length > size) {
    why = "NumPy header is truncated: it says it is " + std::to_string(*length) +
          " bytes long, and the file holds " + std::to_string(size);
    return false;
  }
  if (*length > npy_max_header) {
    why = "NumPy header of " + std::to_string(*length) +
          " bytes is longer than the 16 MiB the emulator reads";
    return false;
  }
  if (!src.read(0, *length, head, why)) return false;
  auto header = parse_npy_header(head, why);
  if (!header) return false;
  if (const auto data = npy_data_bytes(*header); data > size - header->data_offset) {
    why = "NumPy file is truncated: its header promises " + std::to_string(data) +
          " bytes of data, " + std::to_string(size - header->data_offset) + " follow";
    return false;
  }
  if (rules.schema && !check_npy(*rules.schema, field, *header, why)) {
    mismatch = true;
    return false;
  }
  out.rows = header->shape.front();
  return true;
}

} // namespace detail

/// Scans one file. `shown` names it in reasons; `max_bytes` is the flavour's per-file limit.
inline file_scan scan_file(byte_source& src, file_type type, std::string_view shown, std::int64_t max_bytes,
                           const file_rules& rules = {}) {
  file_scan out;
  std::string why;
  const std::string name = "'" + std::string(shown) + "'";
  if (type == file_type::other) {
    out.error = "unsupported file type of " + name + ": the file type follows the extension, one of "
                ".json, .parquet, .csv, .npy";
    return out;
  }
  if (!src.size(out.bytes, why)) {
    out.error = "failed to get file size of " + name + ": " + why;
    return out;
  }
  if (out.bytes > max_bytes) {
    out.error = "file " + name + " is " + std::to_string(out.bytes) + " bytes, more than the " +
                std::to_string(max_bytes >> 30) + " GiB a file may hold";
    return out;
  }
  bool ok = false, mismatch = false;
  // A NumPy file holds the field its name says: "dir/vec.npy" holds "vec".
  std::string_view field = shown.substr(shown.find_last_of('/') + 1);
  field = field.substr(0, field.rfind('.'));
  switch (type) {
  case file_type::json: ok = detail::read_json(src, out.bytes, out, why, rules, mismatch); break;
  case file_type::csv: ok = detail::read_csv(src, out.bytes, out, why, rules, mismatch); break;
  case file_type::parquet: ok = detail::read_parquet(src, out.bytes, out, why, rules, mismatch); break;
  case file_type::numpy: ok = detail::read_numpy(src, out.bytes, out, why, field, rules, mismatch); break;
  case file_type::other: break;
  }
  if (!ok && mismatch) {
    out.error = "file " + name + " does not match the collection's schema: " + why;
    out.rows = 0;
  } else if (!ok) {
    out.error = "failed to read " + name + ": " + why;
  } else if (out.rows > max_bytes) {
    // A footer or header can claim any count; one no file within the limit could hold is not
    // real, and would only overflow the job's arithmetic.
    const char* part = type == file_type::parquet ? "footer"
                       : type == file_type::numpy ? "header"
                                                  : "content";
    out.error = "failed to read " + name + ": its " + part + " claims " + std::to_string(out.rows) +
                " rows, more than a file of at most " + std::to_string(max_bytes >> 30) +
                " GiB can hold";
    out.rows = 0;
  }
  return out;
}

} // namespace zic_emulator

#endif
