#ifndef ZIC_DETAIL_FILE_TYPES_HPP
#define ZIC_DETAIL_FILE_TYPES_HPP

// The server's file rules, known before any I/O: the type of an import file follows its
// extension, and each import unit (an inner list of files / objectUrls / dataPaths) holds one
// row-based file (JSON, Parquet, CSV) or the .npy columns of one NumPy row set.

#include "../config.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

ZIC_NAMESPACE_BEGIN
namespace detail {

enum class file_type { json, parquet, csv, numpy, other };

/// By extension, case-insensitively; a URL's query or fragment is not part of the name.
constexpr file_type file_type_of(std::string_view path) noexcept {
  if (auto q = path.find_first_of("?#"); q != std::string_view::npos && path.find("://") != std::string_view::npos)
    path = path.substr(0, q);
  const auto slash = path.find_last_of('/');
  const auto dot = path.find_last_of('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return file_type::other;
  const std::string_view ext = path.substr(dot + 1);
  auto is = [&](std::string_view word) {
    if (ext.size() != word.size()) return false;
    for (std::size_t i = 0; i < ext.size(); ++i)
      if ((ext[i] >= 'A' && ext[i] <= 'Z' ? ext[i] + 32 : ext[i]) != word[i]) return false;
    return true;
  };
  if (is("json")) return file_type::json;
  if (is("parquet")) return file_type::parquet;
  if (is("csv")) return file_type::csv;
  if (is("npy")) return file_type::numpy;
  return file_type::other;
}

constexpr std::string_view file_type_name(file_type t) noexcept {
  switch (t) {
  case file_type::json: return "JSON";
  case file_type::parquet: return "Parquet";
  case file_type::csv: return "CSV";
  case file_type::numpy: return "NumPy";
  case file_type::other: break;
  }
  return "unknown";
}

constexpr bool row_based(file_type t) noexcept {
  return t == file_type::json || t == file_type::parquet || t == file_type::csv;
}

/// What is wrong with one import unit, if anything.
struct unit_fault {
  enum kind_t { none, several_row_files, mixed_types } kind = none;
  file_type type = file_type::other;  // the unit's first file's
  std::size_t other = 0;              // mixed_types: the first file of another type

  explicit constexpr operator bool() const noexcept { return kind != none; }
};

/// A unit of one file always passes; so does a unit of files the rules do not know.
constexpr unit_fault check_unit(const std::vector<std::string>& paths) noexcept {
  unit_fault f;
  if (paths.size() < 2) return f;
  f.type = file_type_of(paths.front());
  for (std::size_t i = 1; i < paths.size(); ++i) {
    if (file_type_of(paths[i]) != f.type) {
      f.kind = unit_fault::mixed_types;
      f.other = i;
      return f;
    }
  }
  if (row_based(f.type)) f.kind = unit_fault::several_row_files;
  return f;
}

} // namespace detail
ZIC_NAMESPACE_END

#endif
