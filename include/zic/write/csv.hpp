#ifndef ZIC_WRITE_CSV_HPP
#define ZIC_WRITE_CSV_HPP

// CSV as Milvus 2.5+ reads it and pymilvus writes it: a header row of the column names, then
// one line per row. Bool cells are `True` / `False`, as pymilvus writes them (the server parses
// bools with Go's strconv.ParseBool, which reads both that and `true`); numbers as in JSON;
// strings as they are; JSON, sparse vectors, arrays and dense vectors as their JSON text. A null
// is the `null_key` text (empty by default, the server's default `nullkey`). A cell is quoted,
// with inner quotes doubled, only when it holds the separator, a quote or a line break.
//
// With the default empty null_key a nullable VarChar's empty string and its null read alike;
// pick a null_key (and pass the same `nullkey` to the import) to tell them apart.

#include "json.hpp"

#include <string>
#include <string_view>

ZIC_NAMESPACE_BEGIN
namespace write {

/** How CSV cells are separated and how a null is spelled (the import's `sep` and `nullkey`). */
struct csv_options {
  char separator = ',';
  std::string null_key;
};

namespace detail {
inline void append_cell(std::string& out, std::string_view cell, char sep) {
  bool quote = false;
  for (char ch : cell)
    if (ch == sep || ch == '"' || ch == '\n' || ch == '\r') {
      quote = true;
      break;
    }
  if (!quote) {
    out.append(cell);
    return;
  }
  out.push_back('"');
  for (char ch : cell) {
    if (ch == '"') out.push_back('"');
    out.push_back(ch);
  }
  out.push_back('"');
}
} // namespace detail

/** Appends the chunk as one CSV file, header row first; `scratch` is reused for cells. */
inline void encode_csv(const chunk_view& chunk, const csv_options& options, std::string& out,
                       std::string& scratch) {
  bool first = true;
  for (const column& c : chunk.columns) {
    if (!first) out.push_back(options.separator);
    first = false;
    detail::append_cell(out, c.name, options.separator);
  }
  out.push_back('\n');
  for (std::size_t r = 0; r < chunk.rows; ++r) {
    first = true;
    for (const column& c : chunk.columns) {
      if (!first) out.push_back(options.separator);
      first = false;
      scratch.clear();
      if (c.is_null(r))
        scratch.append(options.null_key);
      else if (c.type == data_type::boolean)
        scratch.append(c.value(r)[0] ? "True" : "False");
      else if (c.type == data_type::varchar || c.type == data_type::text)
        scratch.append(c.value(r));
      else
        append_json_value(scratch, c, r);
      detail::append_cell(out, scratch, options.separator);
    }
    out.push_back('\n');
  }
}

} // namespace write
ZIC_NAMESPACE_END

#endif // ZIC_WRITE_CSV_HPP
