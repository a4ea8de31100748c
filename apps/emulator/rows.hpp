#ifndef ZIC_EMULATOR_ROWS_HPP
#define ZIC_EMULATOR_ROWS_HPP

// Reads an import file the way the service would, far enough to count its rows: JSON row
// files ({"rows":[...]} or a top-level array) and CSV (a header line, then one row per record).

#include <simdjson.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

namespace zic_emulator {

struct file_scan {
  std::int64_t rows = 0;
  std::int64_t bytes = 0;
  std::string error;  // why the import of this file fails; empty when it can be imported
};

inline std::string lower_extension(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  for (char& c : ext) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return ext;
}

// Counts CSV records after the header; quoted fields may hold newlines.
inline std::int64_t count_csv_rows(std::string_view text) {
  std::int64_t records = 0;
  bool quoted = false, content = false;
  for (char c : text) {
    if (c == '"') quoted = !quoted;
    if (c == '\n' && !quoted) {
      if (content) ++records;
      content = false;
    } else if (c != '\r') {
      content = true;
    }
  }
  if (content) ++records;
  return records > 0 ? records - 1 : 0;  // the header is not a row
}

inline file_scan scan_file(const std::filesystem::path& path, std::string_view shown_name) {
  file_scan out;
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    out.error = "failed to read file " + std::string(shown_name) + ": no such file";
    return out;
  }
  if (!std::filesystem::is_regular_file(status)) {
    out.error = "failed to read file " + std::string(shown_name) + ": not a regular file";
    return out;
  }
  const std::string ext = lower_extension(path);
  if (ext != ".json" && ext != ".csv") {
    out.error = "unsupported file type " + (ext.empty() ? std::string("(none)") : ext) + " of " +
                std::string(shown_name) + ": the emulator imports .json and .csv";
    return out;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    out.error = "failed to read file " + std::string(shown_name) + ": permission denied";
    return out;
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  out.bytes = static_cast<std::int64_t>(text.size());
  if (ext == ".csv") {
    out.rows = count_csv_rows(text);
    return out;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto e = parser.parse(text).get(root)) {
    out.error = "failed to parse JSON file " + std::string(shown_name) + ": " + simdjson::error_message(e);
    return out;
  }
  simdjson::dom::array rows;
  if (root.is_array()) {
    rows = root.get_array().value_unsafe();
  } else if (root.is_object() && !root["rows"].get_array().get(rows)) {
  } else {
    out.error = "JSON file " + std::string(shown_name) + " has no \"rows\" array";
    return out;
  }
  out.rows = static_cast<std::int64_t>(rows.size());
  return out;
}

} // namespace zic_emulator

#endif
