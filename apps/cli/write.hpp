#ifndef ZIC_CLI_WRITE_HPP
#define ZIC_CLI_WRITE_HPP

// `zic write`: rows as JSON (JSON Lines, an array, or {"rows":[...]}) in, import units out,
// through zic::bulk_writer. Rows take the server's JSON row shapes (spec 7.1): vectors as number
// arrays, a BinaryVector as dim/8 byte values, a sparse vector as an object, null for null.

#include <zic/schema.hpp>
#include <zic/write/bulk_writer.hpp>

#include <simdjson.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace zic_cli {

inline constexpr int write_input_mismatch = 8;

/** A size in bytes: digits, optionally followed by KiB, MiB or GiB. */
inline std::optional<std::size_t> parse_size(std::string_view s) {
  std::size_t n = 0, i = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    if (n > (SIZE_MAX >> 31)) return std::nullopt;
    n = n * 10 + static_cast<std::size_t>(s[i] - '0');
  }
  if (i == 0) return std::nullopt;
  const std::string_view unit = s.substr(i);
  const int shift = unit.empty() || unit == "B" ? 0
                    : unit == "KiB"             ? 10
                    : unit == "MiB"             ? 20
                    : unit == "GiB"             ? 30
                                                : -1;
  if (shift < 0 || n == 0) return std::nullopt;
  return n << shift;
}

/** Turns one JSON row object into a row_builder's values; the writer checks them. */
class row_reader {
public:
  explicit row_reader(const zic::collection_schema& schema) : schema_(schema) {}

  // False (with `why`) only for shapes no field could take; type mismatches are left to the
  // writer, which names the field and the reason.
  bool read(simdjson::dom::element row, zic::row_builder& out, std::string& why) {
    simdjson::dom::object obj;
    if (row.get_object().get(obj)) {
      why = "a row is not a JSON object";
      return false;
    }
    for (auto [key, value] : obj) {
      const zic::field_schema* f = schema_.find(key);
      if (!f) {
        out.set_json(key, text(value));
        continue;
      }
      if (value.is_null()) {
        out.set_null(key);
        continue;
      }
      if (!field(*f, value, out, why)) {
        why = "field '" + f->name + "': " + why;
        return false;
      }
    }
    return true;
  }

private:
  // The value as JSON text; valid until the next call (the row builder copies it at once).
  std::string_view text(simdjson::dom::element e) {
    json_text_ = simdjson::minify(e);
    return json_text_;
  }

  bool field(const zic::field_schema& f, simdjson::dom::element v, zic::row_builder& out,
             std::string& why) {
    using zic::data_type;
    const std::string_view key = f.name;
    if (f.type == data_type::json) {
      out.set_json(key, text(v));
      return true;
    }
    if (f.type == data_type::sparse_float_vector) return sparse(key, v, out, why);
    if (v.is_array()) return list(f, v, out, why);
    if (v.is_bool())
      out.set(key, v.get_bool().value_unsafe());
    else if (v.is_int64())
      out.set(key, v.get_int64().value_unsafe());
    else if (v.is_uint64())
      out.set(key, v.get_uint64().value_unsafe());
    else if (v.is_double())
      out.set(key, v.get_double().value_unsafe());
    else if (v.is_string())
      out.set(key, v.get_string().value_unsafe());
    else {
      why = "an object where " + std::string(zic::data_type_name(f.type)) + " is expected";
      return false;
    }
    return true;
  }

  bool list(const zic::field_schema& f, simdjson::dom::element v, zic::row_builder& out,
            std::string& why) {
    using zic::data_type;
    const data_type t =
        f.type == data_type::array ? f.element_type.value_or(data_type::int64) : f.type;
    floats_.clear(), ints_.clear(), bytes_.clear(), int8s_.clear(), strings_.clear(),
        bools_.clear();
    for (simdjson::dom::element e : v.get_array().value_unsafe()) {
      switch (t) {
      case data_type::float_vector:
      case data_type::float16_vector:
      case data_type::bfloat16_vector:
      case data_type::float32:
      case data_type::float64: {
        double d = 0;
        if (e.get_double().get(d))
          return (why = "a vector or array holds something other than numbers"), false;
        floats_.push_back(d);
        break;
      }
      case data_type::binary_vector: {
        std::int64_t n = 0;
        if (e.get_int64().get(n) || n < 0 || n > 255)
          return (why = "a BinaryVector holds byte values 0..255"), false;
        bytes_.push_back(static_cast<std::uint8_t>(n));
        break;
      }
      case data_type::int8_vector: {
        std::int64_t n = 0;
        if (e.get_int64().get(n) || n < -128 || n > 127)
          return (why = "an Int8Vector holds integers -128..127"), false;
        int8s_.push_back(static_cast<std::int8_t>(n));
        break;
      }
      case data_type::varchar: {
        std::string_view s;
        if (e.get_string().get(s))
          return (why = "an array of VarChar holds something other than strings"), false;
        strings_.push_back(s);
        break;
      }
      case data_type::boolean: {
        bool b = false;
        if (e.get_bool().get(b))
          return (why = "an array of Bool holds something other than bools"), false;
        bools_.push_back(b ? 1 : 0);
        break;
      }
      default: {
        std::int64_t n = 0;
        if (e.get_int64().get(n)) return (why = "an array of integers holds something else"), false;
        ints_.push_back(n);
      }
      }
    }
    const std::string_view key = f.name;
    switch (t) {
    case data_type::binary_vector:
      out.set(key, std::span<const std::uint8_t>(bytes_));
      break;
    case data_type::int8_vector:
      out.set(key, std::span<const std::int8_t>(int8s_));
      break;
    case data_type::varchar:
      out.set(key, std::span<const std::string_view>(strings_));
      break;
    case data_type::boolean:
      bool_array_.reset(new bool[bools_.size() + 1]);
      for (std::size_t i = 0; i < bools_.size(); ++i)
        bool_array_[i] = bools_[i] != 0;
      out.set(key, std::span<const bool>(bool_array_.get(), bools_.size()));
      break;
    case data_type::float_vector:
    case data_type::float16_vector:
    case data_type::bfloat16_vector:
    case data_type::float32:
    case data_type::float64:
      out.set(key, std::span<const double>(floats_));
      break;
    default:
      out.set(key, std::span<const std::int64_t>(ints_));
      break;
    }
    return true;
  }

  // {"3": 0.5, ...} or {"indices": [...], "values": [...]}.
  bool sparse(std::string_view key, simdjson::dom::element v, zic::row_builder& out,
              std::string& why) {
    indices_.clear(), values_.clear();
    simdjson::dom::object obj;
    if (v.get_object().get(obj)) return (why = "a sparse vector is a JSON object"), false;
    simdjson::dom::array idx, val;
    if (!obj["indices"].get_array().get(idx) && !obj["values"].get_array().get(val)) {
      for (simdjson::dom::element e : idx) {
        std::uint64_t n = 0;
        if (e.get_uint64().get(n) || n > UINT32_MAX)
          return (why = "a sparse index is not a 32-bit unsigned integer"), false;
        indices_.push_back(static_cast<std::uint32_t>(n));
      }
      for (simdjson::dom::element e : val) {
        double d = 0;
        if (e.get_double().get(d)) return (why = "a sparse value is not a number"), false;
        values_.push_back(static_cast<float>(d));
      }
    } else {
      for (auto [k, e] : obj) {
        std::uint64_t n = 0;
        auto [p, ec] = std::from_chars(k.data(), k.data() + k.size(), n);
        double d = 0;
        if (ec != std::errc() || p != k.data() + k.size() || n > UINT32_MAX)
          return (why = "a sparse index is not a 32-bit unsigned integer"), false;
        if (e.get_double().get(d)) return (why = "a sparse value is not a number"), false;
        indices_.push_back(static_cast<std::uint32_t>(n));
        values_.push_back(static_cast<float>(d));
      }
    }
    out.set_sparse(key, indices_, values_);
    return true;
  }

  const zic::collection_schema& schema_;
  std::string json_text_;
  std::vector<double> floats_;
  std::vector<std::int64_t> ints_;
  std::vector<std::uint8_t> bytes_;
  std::vector<std::int8_t> int8s_;
  std::vector<std::string_view> strings_;
  std::vector<char> bools_;
  std::unique_ptr<bool[]> bool_array_;
  std::vector<std::uint32_t> indices_;
  std::vector<float> values_;
};

struct write_settings {
  std::string schema_path, format = "parquet", out_dir, compression = "snappy";
  std::optional<std::string> chunk_size;
  std::vector<std::string> inputs;
  bool json = false;
};

/** A failure with its exit code and message. */
struct write_failure {
  int code;
  std::string message;
};

inline int run_write(const write_settings& s) {
  auto fail = [](int code, std::string m) { return write_failure{code, std::move(m)}; };
  std::ifstream schema_in(s.schema_path, std::ios::binary);
  if (!schema_in) throw fail(2, "cannot read the schema file " + s.schema_path);
  std::stringstream schema_text;
  schema_text << schema_in.rdbuf();
  auto schema = zic::collection_schema::parse(schema_text.str());
  if (!schema) throw fail(2, s.schema_path + ": " + schema.error().message);

  zic::bulk_writer_options o;
  o.directory = s.out_dir;
  if (s.format == "parquet")
    o.format = zic::file_format::parquet;
  else if (s.format == "json")
    o.format = zic::file_format::json;
  else if (s.format == "csv")
    o.format = zic::file_format::csv;
  else if (s.format == "numpy")
    o.format = zic::file_format::numpy;
  else
    throw fail(2, "--format takes parquet, json, csv or numpy, not \"" + s.format + "\"");
  if (s.compression == "snappy")
    o.compression = zic::compression::snappy;
  else if (s.compression == "zstd")
    o.compression = zic::compression::zstd;
  else if (s.compression == "none")
    o.compression = zic::compression::none;
  else
    throw fail(2, "--compression takes snappy, zstd or none, not \"" + s.compression + "\"");
  if (s.chunk_size) {
    auto n = parse_size(*s.chunk_size);
    if (!n)
      throw fail(2,
                 "--chunk-size takes a number of bytes, optionally with KiB, MiB or GiB, not \"" +
                     *s.chunk_size + "\"");
    o.chunk_size = *n;
  }
  auto writer = zic::bulk_writer::create(*schema, o);
  if (!writer) throw fail(2, writer.error().message);

  zic::row_builder row = writer->make_row();
  row_reader reader(writer->schema());
  simdjson::dom::parser parser;
  const bool terminal = ::isatty(2) != 0;
  const auto start = std::chrono::steady_clock::now();
  auto last_shown = start;
  int code = 0;
  std::string failure;

  auto print_units = [&] {
    const auto& units = writer->units();
    std::uint64_t rows = writer->rows() - writer->buffered_rows();
    if (s.json) {
      std::string out = "{\"units\":[";
      for (std::size_t u = 0; u < units.size(); ++u) {
        out += u ? ",[" : "[";
        for (std::size_t i = 0; i < units[u].size(); ++i) {
          if (i) out += ',';
          zic::detail::append_json_string(out, units[u][i]);
        }
        out += ']';
      }
      out += "],\"rows\":" + std::to_string(rows) +
             ",\"bytes\":" + std::to_string(writer->bytes_written()) + "}\n";
      std::fputs(out.c_str(), stdout);
    } else {
      for (const auto& unit : units) {
        std::string line;
        for (const auto& f : unit)
          line += (line.empty() ? "" : ",") + f;
        std::printf("%s\n", line.c_str());
      }
    }
  };
  auto progress = [&](bool last) {
    if (!terminal) return;
    const auto now = std::chrono::steady_clock::now();
    if (!last && now - last_shown < std::chrono::milliseconds(250)) return;
    last_shown = now;
    const double seconds = std::chrono::duration<double>(now - start).count();
    std::fprintf(stderr, "\rzic: %llu rows, %.1f MB/s, %zu files\x1b[K%s",
                 static_cast<unsigned long long>(writer->rows()),
                 seconds > 0 ? static_cast<double>(writer->bytes_written()) / seconds / 1e6 : 0.0,
                 writer->units().size(), last ? "\n" : "");
  };
  // One row from `e`, found at `where` (FILE:LINE or FILE: row N): false stops the run.
  auto take = [&](simdjson::dom::element e, const std::string& where) {
    row.clear();
    std::string why;
    if (!reader.read(e, row, why)) {
      failure = where + ": " + why;
      code = write_input_mismatch;
      return false;
    }
    if (auto ok = writer->append(row); !ok) {
      std::string m = ok.error().message;
      if (m.rfind("row ", 0) != 0) { // not the row's fault: a chunk could not be written
        failure = m;
        code = 7;
        return false;
      }
      failure = where + ": " + m.substr(m.find(": ") + 2); // the input's place says where
      code = write_input_mismatch;
      return false;
    }
    progress(false);
    return true;
  };

  std::vector<std::string> inputs = s.inputs.empty() ? std::vector<std::string>{"-"} : s.inputs;
  for (const std::string& name : inputs) {
    std::ifstream file;
    std::istream* in = &std::cin;
    const std::string shown = name == "-" ? "stdin" : name;
    if (name != "-") {
      file.open(name, std::ios::binary);
      if (!file) throw fail(2, "cannot read the input " + name);
      in = &file;
    }
    // A file that starts with '[' or holds one {"rows":[...]} document is read whole; anything
    // else is JSON Lines, read one line at a time (so memory stays bounded by the chunk size).
    std::string line;
    std::size_t line_no = 0;
    bool whole = false;
    int c;
    while ((c = in->peek()) == ' ' || c == '\n' || c == '\r' || c == '\t')
      in->get();
    if (c == '[') whole = true;
    std::string first;
    if (!whole && std::getline(*in, first)) {
      ++line_no;
      simdjson::dom::element e;
      simdjson::dom::element rows;
      if (parser.parse(first).get(e) != simdjson::SUCCESS) {
        whole = true; // a document over several lines
      } else if (e.is_object() && !e["rows"].get(rows) && rows.is_array()) {
        whole = true;
      } else if (!take(e, shown + ":" + std::to_string(line_no))) {
        break;
      }
    }
    if (whole) {
      std::stringstream rest;
      rest << in->rdbuf();
      const std::string text = first + (first.empty() ? "" : "\n") + rest.str();
      simdjson::dom::element doc;
      if (parser.parse(text).get(doc)) {
        failure = shown + ": not JSON, JSON Lines, or {\"rows\":[...]}";
        code = write_input_mismatch;
        break;
      }
      simdjson::dom::array rows;
      if (doc.get_array().get(rows) && doc["rows"].get_array().get(rows)) {
        failure = shown + ": a JSON document that is neither an array of rows nor {\"rows\":[...]}";
        code = write_input_mismatch;
        break;
      }
      std::size_t k = 0;
      for (simdjson::dom::element e : rows)
        if (!take(e, shown + ": row " + std::to_string(k++))) break;
      if (code) break;
      continue;
    }
    if (code) break;
    while (std::getline(*in, line)) {
      ++line_no;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      simdjson::dom::element e;
      if (parser.parse(line).get(e)) {
        failure = shown + ":" + std::to_string(line_no) + ": not a JSON row";
        code = write_input_mismatch;
        break;
      }
      if (!take(e, shown + ":" + std::to_string(line_no))) break;
    }
    if (code) break;
  }
  if (code == 0) {
    if (auto ok = writer->close(); !ok) {
      progress(true);
      print_units();
      throw fail(7, ok.error().message);
    }
  }
  progress(true);
  print_units();
  if (code) throw fail(code, failure);
  return 0;
}

} // namespace zic_cli

#endif // ZIC_CLI_WRITE_HPP
