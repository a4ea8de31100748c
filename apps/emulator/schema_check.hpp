#ifndef ZIC_EMULATOR_SCHEMA_CHECK_HPP
#define ZIC_EMULATOR_SCHEMA_CHECK_HPP

// Checks an import file against its collection's schema as the server's readers do (spec
// section 7.1c): which fields a file must hold, may hold and must not hold, and the type and
// dim of each. Every reason names the field; the caller adds the file.
//
// Per format:
//   Parquet  the footer's columns and types; a list column's values per row (the dim) from its
//            column chunks' value counts, when the column is not nullable. Columns outside the
//            schema are ignored, as the newest server does.
//   NumPy    each <field>.npy header's dtype and shape; files outside the schema are ignored,
//            as the server's reader does (it looks up one file per field).
//   JSON     every row: keys, and each value's type, length and dim.
//   CSV      the header's names, then every record's cells: numbers, bools, and the JSON text
//            of vectors and arrays with their dim.
// JSON and CSV refuse a key outside the schema unless the dynamic field is on, as the row
// parsers do.

#include "numpy.hpp"
#include "parquet.hpp"

#include <zic/schema.hpp>

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace zic_emulator {

using zic::collection_schema;
using zic::data_type;
using zic::field_schema;

namespace schema_detail {

inline std::string named(const field_schema& f) {
  std::string s = "field '" + f.name + "' (" + std::string(zic::data_type_name(f.type));
  if (zic::is_dense_vector(f.type)) s += ", dim " + std::to_string(f.dim);
  return s + ")";
}

// Written by the server (an auto-id primary key, a function's output): a file must not hold it.
inline bool generated(const field_schema& f) { return (f.primary_key && f.auto_id) || f.function_output; }

inline bool required(const field_schema& f) { return !f.nullable && !f.default_value && !generated(f); }

inline bool fail(std::string& why, std::string text) {
  why = std::move(text);
  return false;
}

inline bool is_integer(data_type t) {
  return t == data_type::int8 || t == data_type::int16 || t == data_type::int32 || t == data_type::int64;
}

// The values per row a dense vector holds in a list (Parquet) or a NumPy row: bytes for a
// BinaryVector, and for fp16/bf16 two bytes per value when they come as uint8.
inline std::int64_t per_row(const field_schema& f, bool bytes) {
  if (f.type == data_type::binary_vector) return f.dim / 8;
  if ((f.type == data_type::float16_vector || f.type == data_type::bfloat16_vector) && bytes)
    return std::int64_t(f.dim) * 2;
  return f.dim;
}

// The names a file holds against the fields: a generated field given, a required one missing,
// and (unless `extras_ignored`) a name outside the schema without the dynamic field.
inline bool check_given(const field_schema& f, std::string& why) {
  if (f.primary_key && f.auto_id)
    return fail(why, named(f) + " is the auto-id primary key: the server generates it, so the "
                              "file must not hold it");
  if (f.function_output)
    return fail(why, named(f) + " is a function's output: the server computes it, so the file "
                              "must not hold it");
  return true;
}

inline bool check_names(const collection_schema& s, const std::vector<std::string>& names,
                        bool extras_ignored, std::string& why) {
  for (const auto& name : names) {
    const field_schema* f = s.find(name);
    if (f && !check_given(*f, why)) return false;
    if (!f && !s.enable_dynamic_field && !extras_ignored)
      return fail(why, "field '" + name + "' is not in the collection's schema, and the collection "
                                          "has no dynamic field");
  }
  for (const auto& f : s.fields)
    if (required(f) && std::find(names.begin(), names.end(), f.name) == names.end())
      return fail(why, named(f) + " is missing: it is not nullable and has no default value");
  return true;
}

// --- Parquet -------------------------------------------------------------------------------

// Whether Arrow type `from` reads into a scalar field of type `to` (isArrowDataTypeConvertible).
inline bool converts(std::string_view from, data_type to) {
  const bool real = to == data_type::float32 || to == data_type::float64;
  if (from == "int8") return is_integer(to) || real;
  if (from == "int16") return (is_integer(to) && to != data_type::int8) || real;
  if (from == "int32") return to == data_type::int32 || to == data_type::int64 || real;
  if (from == "int64") return to == data_type::int64 || real;
  if (from == "float" || from == "double") return real;
  if (from == "bool") return to == data_type::boolean;
  if (from == "string")
    return to == data_type::varchar || to == data_type::text || to == data_type::json;
  return false;
}

// The Arrow types a scalar field of type `to` reads from, in words.
inline std::string readable_from(data_type to) {
  std::string out;
  for (std::string_view from : {"bool", "int8", "int16", "int32", "int64", "float", "double", "string"})
    if (converts(from, to)) out += (out.empty() ? "" : ", ") + std::string(from);
  return out.empty() ? "no scalar type" : "one of: " + out;
}

inline std::string shown(const parquet_column& c) {
  return c.type == "list" ? "list<" + c.element + ">" : c.type;
}

inline bool check_parquet_column(const field_schema& f, const parquet_column& c, std::int64_t rows,
                                 std::string& why) {
  const auto wrong = [&](std::string_view expected) {
    return fail(why, named(f) + " is a column of " + shown(c) + "; the server reads it from " +
                         std::string(expected));
  };
  const bool list = c.type == "list";
  const std::string& e = c.element;
  bool bytes = false;  // fp16/bf16 as raw bytes
  switch (f.type) {
  case data_type::float_vector:
    if (!list || (e != "float" && e != "double")) return wrong("list<float>");
    break;
  case data_type::binary_vector:
    if (c.type == "binary") return true;  // one value per row: its length is in the data
    if (!list || e != "uint8") return wrong("list<uint8>");
    break;
  case data_type::float16_vector:
  case data_type::bfloat16_vector:
    if (!list || (e != "uint8" && e != "float" && e != "double"))
      return wrong("list<uint8> (2 bytes a value) or list<float>");
    bytes = e == "uint8";
    break;
  case data_type::int8_vector:
    if (!list || e != "int8") return wrong("list<int8>");
    break;
  case data_type::array:
    if (!list || !f.element_type || !converts(e, *f.element_type))
      return wrong("list<" + std::string(f.element_type ? zic::data_type_name(*f.element_type) : "?") +
                   ">");
    return true;
  case data_type::sparse_float_vector:
    if (c.type != "string" && c.type != "struct")
      return wrong("string (JSON text) or struct{indices, values}");
    return true;
  default:
    if (!converts(c.type, f.type)) return wrong(readable_from(f.type));
    return true;
  }
  // A non-nullable list column holds exactly rows × values-per-row values.
  const std::int64_t n = per_row(f, bytes);
  if (!c.nullable && c.values >= 0 && rows > 0 && n > 0 && c.values != rows * n) {
    const std::int64_t got = c.values / rows;
    return fail(why, named(f) + " holds " + (c.values % rows ? "about " : "") + std::to_string(got) +
                         " values a row, and its dim needs " + std::to_string(n));
  }
  return true;
}

} // namespace schema_detail

/// A Parquet file's footer against the schema.
inline bool check_parquet(const collection_schema& s, const parquet_footer& footer, std::string& why) {
  using namespace schema_detail;
  if (!check_names(s, footer.columns, true, why)) return false;
  for (const auto& c : footer.fields)
    if (const field_schema* f = s.find(c.name); f && !check_parquet_column(*f, c, footer.rows, why))
      return false;
  return true;
}

// --- NumPy ---------------------------------------------------------------------------------

/// One `<field>.npy` header against its field (`field` is the file's name without .npy).
inline bool check_npy(const collection_schema& s, std::string_view field, const npy_header& h,
                      std::string& why) {
  using namespace schema_detail;
  const field_schema* f = s.find(field);
  if (!f) return true;  // the server looks up one file per field; others it does not open
  if (!check_given(*f, why)) return false;
  const std::string code = h.dtype.size() >= 2 ? h.dtype.substr(1) : h.dtype;
  const char kind = code.empty() ? '?' : code[0];
  const bool text = kind == 'U' || kind == 'S' || kind == 'a';
  std::string expected;
  switch (f->type) {
  case data_type::boolean: expected = code == "b1" ? "" : "bool ('|b1')"; break;
  case data_type::int8: expected = code == "i1" ? "" : "int8 ('|i1')"; break;
  case data_type::int16: expected = code == "i2" ? "" : "int16 ('<i2')"; break;
  case data_type::int32: expected = code == "i4" ? "" : "int32 ('<i4')"; break;
  case data_type::int64: expected = code == "i8" ? "" : "int64 ('<i8')"; break;
  case data_type::float32: expected = code == "f4" ? "" : "float32 ('<f4')"; break;
  case data_type::float64: expected = code == "f8" ? "" : "float64 ('<f8')"; break;
  case data_type::float_vector: expected = code == "f4" || code == "f8" ? "" : "float32 or float64"; break;
  case data_type::binary_vector:
  case data_type::float16_vector:
  case data_type::bfloat16_vector: expected = code == "u1" ? "" : "uint8 ('|u1')"; break;
  case data_type::int8_vector: expected = code == "i1" ? "" : "int8 ('|i1')"; break;
  case data_type::array:
    return fail(why, named(*f) + ": an Array field cannot be imported from NumPy files");
  default: expected = text ? "" : "a string dtype ('<U...' or '|S...')"; break;
  }
  if (!expected.empty())
    return fail(why, named(*f) + " has dtype '" + h.dtype + "'; the server reads it from " + expected);
  if (zic::is_dense_vector(f->type)) {
    const std::int64_t n = per_row(*f, true);
    if (h.shape.size() != 2 || h.shape[1] != n)
      return fail(why, named(*f) + " has shape (" + [&] {
                    std::string t;
                    for (std::size_t i = 0; i < h.shape.size(); ++i)
                      t += (i ? ", " : "") + std::to_string(h.shape[i]);
                    return t;
                  }() + "); its dim needs (rows, " + std::to_string(n) + ")");
  } else if (h.shape.size() != 1) {
    return fail(why, named(*f) + " has " + std::to_string(h.shape.size()) +
                         " dimensions; a scalar field needs shape (rows,)");
  }
  return true;
}

/// A NumPy unit's fields (its files' names without .npy) against the schema.
inline bool check_npy_unit(const collection_schema& s, const std::vector<std::string>& fields, std::string& why) {
  return schema_detail::check_names(s, fields, true, why);
}

// --- JSON and CSV rows ---------------------------------------------------------------------

namespace schema_detail {

inline bool check_int(const field_schema& f, std::int64_t v, std::string& why) {
  const int bits = f.type == data_type::int8 ? 8 : f.type == data_type::int16 ? 16 : f.type == data_type::int32 ? 32 : 64;
  if (bits < 64 && (v < -(std::int64_t(1) << (bits - 1)) || v >= (std::int64_t(1) << (bits - 1))))
    return fail(why, named(f) + ": " + std::to_string(v) + " is out of its range");
  return true;
}

// One JSON value of a non-null field, as the JSON row parser reads it.
inline bool check_json_value(const field_schema& f, simdjson::dom::element v, std::string& why) {
  using simdjson::dom::element_type;
  const element_type t = v.type();
  const bool number = t == element_type::INT64 || t == element_type::UINT64 || t == element_type::DOUBLE;
  const auto wrong = [&](std::string_view expected) {
    return fail(why, named(f) + " is not " + std::string(expected));
  };
  const auto vector = [&](std::int64_t n, bool integers, std::string_view what) {
    simdjson::dom::array a;
    if (v.get_array().get(a)) return wrong("a list of " + std::string(what));
    std::int64_t count = 0;
    for (auto x : a) {
      const auto xt = x.type();
      if (integers ? xt != element_type::INT64 && xt != element_type::UINT64
                   : xt != element_type::INT64 && xt != element_type::UINT64 && xt != element_type::DOUBLE)
        return wrong("a list of " + std::string(what));
      ++count;
    }
    if (count != n)
      return fail(why, named(f) + " has " + std::to_string(count) + " values; its dim needs " + std::to_string(n));
    return true;
  };
  switch (f.type) {
  case data_type::boolean: return t == element_type::BOOL || wrong("a JSON bool");
  case data_type::int8:
  case data_type::int16:
  case data_type::int32:
  case data_type::int64: {
    std::int64_t x = 0;
    if (v.get_int64().get(x)) return wrong("a JSON integer");
    return check_int(f, x, why);
  }
  case data_type::float32:
  case data_type::float64: return number || wrong("a JSON number");
  case data_type::varchar:
  case data_type::text: {
    std::string_view sv;
    if (v.get_string().get(sv)) return wrong("a JSON string");
    if (f.type == data_type::varchar && f.max_length && sv.size() > f.max_length)
      return fail(why, named(f) + " is " + std::to_string(sv.size()) + " bytes long, more than its max_length " +
                           std::to_string(f.max_length));
    return true;
  }
  case data_type::json: return true;
  case data_type::array: {
    simdjson::dom::array a;
    if (v.get_array().get(a)) return wrong("a JSON array");
    if (f.max_capacity && a.size() > f.max_capacity)
      return fail(why, named(f) + " has " + std::to_string(a.size()) + " elements, more than its max_capacity " +
                           std::to_string(f.max_capacity));
    if (!f.element_type) return true;
    field_schema element = f;
    element.type = *f.element_type;
    for (auto x : a)
      if (!check_json_value(element, x, why)) return false;
    return true;
  }
  case data_type::float_vector:
  case data_type::float16_vector:
  case data_type::bfloat16_vector: return vector(f.dim, false, "numbers");
  case data_type::binary_vector: return vector(f.dim / 8, true, "byte values");
  case data_type::int8_vector: return vector(f.dim, true, "integers");
  case data_type::sparse_float_vector: return t == element_type::OBJECT || wrong("a JSON object");
  }
  return true;
}

// Null, or absent: allowed for a nullable field or one with a default.
inline bool check_null(const field_schema& f, std::string& why) {
  if (f.nullable || f.default_value) return true;
  return fail(why, named(f) + " is null, and it is not nullable and has no default value");
}

} // namespace schema_detail

/// Checks JSON rows, one object's text at a time (the parser is reused).
class json_row_schema {
public:
  explicit json_row_schema(const collection_schema& s) : s_(s) {}

  bool operator()(std::string_view text, std::int64_t index, std::string& why) {
    using namespace schema_detail;
    const auto at = [&](std::string reason) { return fail(why, "row " + std::to_string(index) + ": " + reason); };
    simdjson::dom::element row;
    if (parser_.parse(text.data(), text.size()).get(row)) return at("not valid JSON");
    simdjson::dom::object obj;
    if (row.get_object().get(obj)) return at("not a JSON object");
    names_.clear();
    for (auto [key, value] : obj) {
      names_.emplace_back(key);
      const field_schema* f = s_.find(key);
      std::string reason;
      if (!f) {
        if (key == "$meta" && s_.enable_dynamic_field && !value.is_object())
          return at("field '$meta' (the dynamic field) is not a JSON object");
        continue;
      }
      if (generated(*f)) continue;  // check_names names it
      if (value.is_null() ? !check_null(*f, reason) : !check_json_value(*f, value, reason)) return at(reason);
    }
    std::string reason;
    if (!check_names(s_, names_, false, reason)) return at(reason);
    return true;
  }

private:
  const collection_schema& s_;
  simdjson::dom::parser parser_;
  std::vector<std::string> names_;
};

/// Checks CSV records: record 0 is the header (the field names), then each row's cells. A cell
/// equal to `null_key` (the "nullkey" option, empty by default) is null.
class csv_row_schema {
public:
  explicit csv_row_schema(const collection_schema& s, std::string null_key = {})
      : s_(s), null_key_(std::move(null_key)) {}

  bool operator()(const std::vector<std::string>& cells, std::int64_t index, std::string& why) {
    using namespace schema_detail;
    if (index == 0) {
      header_ = cells;
      columns_.clear();
      for (const auto& name : header_) columns_.push_back(s_.find(name));
      return check_names(s_, header_, false, why);
    }
    const auto at = [&](std::string reason) { return fail(why, "row " + std::to_string(index - 1) + ": " + reason); };
    if (cells.size() != header_.size())
      return at("it has " + std::to_string(cells.size()) + " cells, and the header names " +
                std::to_string(header_.size()));
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const field_schema* f = columns_[i];
      if (!f) continue;
      std::string reason;
      if (!check_cell(*f, cells[i], reason)) return at(reason);
    }
    return true;
  }

private:
  bool check_cell(const field_schema& f, const std::string& cell, std::string& why) {
    using namespace schema_detail;
    if (cell == null_key_) return check_null(f, why);
    const auto wrong = [&](std::string_view expected) {
      return fail(why, named(f) + ": '" + cell.substr(0, 40) + "' is not " + std::string(expected));
    };
    switch (f.type) {
    case data_type::boolean: {
      // Go's strconv.ParseBool.
      static constexpr std::string_view words[] = {"1", "t", "T", "TRUE", "true", "True",
                                                   "0", "f", "F", "FALSE", "false", "False"};
      return std::find(std::begin(words), std::end(words), cell) != std::end(words) || wrong("a bool");
    }
    case data_type::int8:
    case data_type::int16:
    case data_type::int32:
    case data_type::int64: {
      std::int64_t v = 0;
      const auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), v);
      if (ec != std::errc() || end != cell.data() + cell.size()) return wrong("an integer");
      return check_int(f, v, why);
    }
    case data_type::float32:
    case data_type::float64: {
      char* end = nullptr;
      std::strtod(cell.c_str(), &end);
      return (!cell.empty() && end == cell.c_str() + cell.size()) || wrong("a number");
    }
    case data_type::varchar:
      if (f.max_length && cell.size() > f.max_length)
        return fail(why, named(f) + " is " + std::to_string(cell.size()) + " bytes long, more than its max_length " +
                             std::to_string(f.max_length));
      return true;
    case data_type::text:
    case data_type::json: return true;
    default: {  // vectors and arrays: JSON text
      simdjson::dom::element v;
      if (parser_.parse(cell.data(), cell.size()).get(v)) return wrong("JSON text");
      return check_json_value(f, v, why);
    }
    }
  }

  const collection_schema& s_;
  std::string null_key_;
  std::vector<std::string> header_;
  std::vector<const field_schema*> columns_;
  simdjson::dom::parser parser_;
};

} // namespace zic_emulator

#endif
