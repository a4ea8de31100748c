#ifndef ZIC_WRITE_BULK_WRITER_HPP
#define ZIC_WRITE_BULK_WRITER_HPP

// zic::bulk_writer: rows or columns in, import units out. Values are checked against the
// schema as they arrive, buffered as columns (write/columns.hpp) up to the chunk size, and each
// full chunk becomes one import unit: one Parquet, JSON or CSV file, or one folder of .npy files.
// The encoders are pure; the disk is reached only through write/file_sink.hpp.

#include "../detail/json_writer.hpp"
#include "../detail/utf8.hpp"
#include "../result.hpp"
#include "../schema.hpp"
#include "columns.hpp"
#include "csv.hpp"
#include "file_sink.hpp"
#include "json.hpp"
#include "numpy.hpp"
#include "parquet.hpp"

#include <simdjson.h>

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

ZIC_NAMESPACE_BEGIN

/** The file format of the import units. */
enum class file_format { parquet, json, csv, numpy };

/** The extension of a format's files ("parquet", "json", "csv", "npy"). */
constexpr std::string_view file_format_extension(file_format f) noexcept {
  switch (f) {
  case file_format::parquet:
    return "parquet";
  case file_format::json:
    return "json";
  case file_format::csv:
    return "csv";
  case file_format::numpy:
    return "npy";
  }
  return "";
}

/** How a `bulk_writer` writes. */
struct bulk_writer_options {
  std::filesystem::path directory;           ///< where the units go; created if missing
  file_format format = file_format::parquet; ///< Parquet, as the service recommends
  zic::compression compression = zic::compression::snappy; ///< Parquet only
  int zstd_level = 3;
  /// A chunk is finished once its buffered values reach this many bytes (pymilvus and the
  /// Node SDK default to 128 MiB too). It bounds the writer's memory, not the file size.
  std::size_t chunk_size = std::size_t(128) << 20;
  /// Parquet rows per row group; 0 sizes groups as pymilvus does (about 32 MiB, within
  /// 1,000..1,000,000 rows).
  std::size_t parquet_row_group_rows = 0;
  write::csv_options csv; ///< CSV only: separator and null text
  bool fsync = false;     ///< flush each file to the disk before naming it
};

namespace write::detail {

enum class value_kind : std::uint8_t {
  none,
  null,
  boolean,
  integer,
  real,
  string,
  json,
  f32s,
  f64s,
  u8s,
  i8s,
  i32s,
  i64s,
  bools,
  strings,
  sparse
};

// One value set for one field: scalars inline, everything else as bytes in the row builder's
// arena (`offset`) or in the caller's memory (`external`, the columnar path).
struct slot {
  value_kind kind = value_kind::none;
  std::size_t offset = 0, bytes = 0, count = 0;
  const char* external = nullptr;
  std::int64_t integer = 0;
  double real = 0;
};

struct extra {
  std::size_t name_offset = 0, name_size = 0;
  slot value;
};

} // namespace write::detail

class bulk_writer;

/**
 * One row, field by field, for `bulk_writer::append`. Reuse one builder for every row:
 * `clear()` keeps its memory, so steady-state appends allocate nothing. Values are copied, so
 * the caller's buffers may change as soon as `set` returns. Type, range, dim and length are
 * checked when the row is appended, with the row index and the field named.
 *
 * @code
 * zic::row_builder row = writer.make_row();
 * row.set("id", 7).set("title", "a").set("vec", std::span<const float>(v));
 * if (auto ok = writer.append(row); !ok) report(ok.error());
 * row.clear();
 * @endcode
 */
class row_builder {
public:
  explicit row_builder(std::shared_ptr<const collection_schema> schema)
      : schema_(std::move(schema)), slots_(schema_->fields.size()) {}

  row_builder& set(std::string_view field, bool v) {
    auto& s = at(field);
    s.kind = kind::boolean, s.integer = v;
    return *this;
  }
  template <std::integral I>
  requires(!std::same_as<I, bool>) row_builder& set(std::string_view field, I v) {
    auto& s = at(field);
    if constexpr (std::is_unsigned_v<I> && sizeof(I) >= 8) {
      if (v > static_cast<std::uint64_t>(INT64_MAX)) { // beyond every Milvus integer type
        s.kind = kind::real, s.real = static_cast<double>(v);
        return *this;
      }
    }
    s.kind = kind::integer, s.integer = static_cast<std::int64_t>(v);
    return *this;
  }
  template <std::floating_point F>
  row_builder& set(std::string_view field, F v) {
    auto& s = at(field);
    s.kind = kind::real, s.real = static_cast<double>(v);
    return *this;
  }
  row_builder& set(std::string_view field, std::string_view v) {
    return bytes(field, kind::string, v.data(), v.size(), v.size());
  }
  row_builder& set(std::string_view field, const char* v) {
    return set(field, std::string_view(v));
  }
  row_builder& set(std::string_view field, const std::string& v) {
    return set(field, std::string_view(v));
  }
  /** A FloatVector, a Float16/BFloat16 vector given as floats, or an Array of Float/Double. */
  row_builder& set(std::string_view field, std::span<const float> v) {
    return bytes(field, kind::f32s, v.data(), v.size() * 4, v.size());
  }
  row_builder& set(std::string_view field, std::span<const double> v) {
    return bytes(field, kind::f64s, v.data(), v.size() * 8, v.size());
  }
  /** A BinaryVector (dim/8 bytes), a Float16/BFloat16 vector as 2*dim raw little-endian bytes. */
  row_builder& set(std::string_view field, std::span<const std::uint8_t> v) {
    return bytes(field, kind::u8s, v.data(), v.size(), v.size());
  }
  /** An Int8Vector, or an Array of integers. */
  row_builder& set(std::string_view field, std::span<const std::int8_t> v) {
    return bytes(field, kind::i8s, v.data(), v.size(), v.size());
  }
  row_builder& set(std::string_view field, std::span<const std::int32_t> v) {
    return bytes(field, kind::i32s, v.data(), v.size() * 4, v.size());
  }
  row_builder& set(std::string_view field, std::span<const std::int64_t> v) {
    return bytes(field, kind::i64s, v.data(), v.size() * 8, v.size());
  }
  /** An Array of Bool. */
  row_builder& set(std::string_view field, std::span<const bool> v) {
    return bytes(field, kind::bools, v.data(), v.size(), v.size());
  }
  /** An Array of VarChar. */
  row_builder& set(std::string_view field, std::span<const std::string_view> v) {
    auto& s = at(field);
    s.kind = kind::strings, s.external = nullptr, s.offset = arena_.size(), s.count = v.size();
    for (std::string_view e : v) {
      const auto n = static_cast<std::uint32_t>(e.size());
      arena_.append(reinterpret_cast<const char*>(&n), 4);
      arena_.append(e);
    }
    s.bytes = arena_.size() - s.offset;
    return *this;
  }
  /** A JSON field's value as JSON text, or a dynamic key's value (`$meta` itself: an object). */
  row_builder& set_json(std::string_view field, std::string_view json_text) {
    return bytes(field, kind::json, json_text.data(), json_text.size(), json_text.size());
  }
  /** A SparseFloatVector: indices and their values, of equal length. */
  row_builder& set_sparse(std::string_view field, std::span<const std::uint32_t> indices,
                          std::span<const float> values) {
    auto& s = at(field);
    s.kind = kind::sparse, s.external = nullptr, s.offset = arena_.size();
    s.count = indices.size() == values.size() ? indices.size() : SIZE_MAX; // checked on append
    if (s.count != SIZE_MAX) {
      arena_.append(reinterpret_cast<const char*>(indices.data()), indices.size() * 4);
      arena_.append(reinterpret_cast<const char*>(values.data()), values.size() * 4);
    }
    s.bytes = arena_.size() - s.offset;
    return *this;
  }
  /** A null: allowed in a nullable field; a field with a default value takes the default. */
  row_builder& set_null(std::string_view field) {
    at(field).kind = kind::null;
    return *this;
  }
  /** Forgets every value, keeping the memory. */
  void clear() noexcept {
    for (auto& s : slots_)
      s.kind = kind::none;
    extras_.clear();
    arena_.clear();
  }

private:
  friend class bulk_writer;
  using kind = write::detail::value_kind;

  write::detail::slot& at(std::string_view field) {
    const auto& fields = schema_->fields;
    for (std::size_t i = 0; i < fields.size(); ++i)
      if (fields[i].name == field) return slots_[i];
    for (auto& e : extras_)
      if (std::string_view(arena_).substr(e.name_offset, e.name_size) == field) return e.value;
    write::detail::extra e;
    e.name_offset = arena_.size(), e.name_size = field.size();
    arena_.append(field);
    extras_.push_back(e);
    return extras_.back().value;
  }
  row_builder& bytes(std::string_view field, kind k, const void* p, std::size_t n,
                     std::size_t count) {
    auto& s = at(field);
    s.kind = k, s.external = nullptr, s.offset = arena_.size(), s.bytes = n, s.count = count;
    arena_.append(static_cast<const char*>(p), n);
    return *this;
  }

  std::shared_ptr<const collection_schema> schema_;
  std::vector<write::detail::slot> slots_;
  std::vector<write::detail::extra> extras_;
  std::string arena_;
};

/**
 * One field's values for `bulk_writer::append_columns`, the columnar fast path: a span of
 * `rows` scalars, or of `rows * k` values for a dense vector (k = dim; dim/8 bytes for a
 * BinaryVector; dim floats or 2*dim bytes for Float16/BFloat16). Strings are string_views, JSON
 * fields JSON text. `valid`, when given, marks null rows with 0. Arrays, sparse vectors and
 * dynamic keys go through `row_builder`.
 */
struct column_values {
  std::string_view field;
  std::variant<std::span<const bool>, std::span<const std::int8_t>, std::span<const std::int16_t>,
               std::span<const std::int32_t>, std::span<const std::int64_t>, std::span<const float>,
               std::span<const double>, std::span<const std::uint8_t>,
               std::span<const std::string_view>>
      values;
  std::span<const std::uint8_t> valid = {};
};

/**
 * Writes rows of one collection as import files, chunk by chunk.
 *
 * Auto-id primary keys and function outputs are left out of every file; a missing or null
 * value of a field with a default value takes the default (so the file reads the same on any
 * server); a nullable field without one takes null; keys outside the schema go to the `$meta`
 * column when the dynamic field is on and are refused otherwise. A refused row changes nothing:
 * the writer stays usable. Finished chunks are files under their final names (`1.parquet`,
 * `2.parquet`, ... or `1/id.npy`, ...); `close()` finishes the last one. Rows not yet closed
 * are dropped when the writer is destroyed.
 *
 * @code
 * auto w = zic::bulk_writer::create(schema, {.directory = "out"});
 * if (!w) return report(w.error());
 * zic::row_builder row = w->make_row();
 * for (...) { row.clear(); row.set("id", i).set("vec", v); w->append(row).value(); }
 * w->close().value();
 * auto request_files = w->units();  // [["1.parquet"], ["2.parquet"]]
 * @endcode
 */
class bulk_writer {
public:
  /** A writer, or why the schema or the options cannot be written. */
  static result<bulk_writer> create(collection_schema schema, bulk_writer_options options) {
    if (auto ok = schema.validate(); !ok) return std::move(ok).error();
    if (options.directory.empty())
      return zic::error(errc::invalid_argument, "bulk writer: no output directory");
    if (options.chunk_size == 0)
      return zic::error(errc::invalid_argument, "bulk writer: the chunk size is 0");
    if (options.format == file_format::numpy)
      for (const auto& f : schema.fields)
        if (!f.auto_id && !f.function_output && !write::numpy_can_hold(f.type))
          return zic::error(errc::invalid_argument, "bulk writer: NumPy files cannot hold the " +
                                                        std::string(data_type_name(f.type)) +
                                                        " field '" + f.name + "'");
    if (options.format == file_format::csv) {
      const char sep = options.csv.separator;
      if (sep == '\0' || sep == '\n' || sep == '\r' || sep == '"')
        return zic::error(errc::invalid_argument,
                          "bulk writer: the server refuses that CSV separator");
    }
    std::error_code ec;
    std::filesystem::create_directories(options.directory, ec);
    if (ec)
      return zic::error(errc::invalid_argument, "bulk writer: cannot create '" +
                                                    options.directory.string() +
                                                    "': " + ec.message());
    return bulk_writer(std::move(schema), std::move(options));
  }

  /** A row builder for this writer's schema (reuse it). */
  row_builder make_row() const { return row_builder(schema_); }

  /**
   * Appends one row, or refuses it (naming the row and the field) and changes nothing. When the
   * row fills the chunk and writing the chunk fails, that error is returned with the row kept:
   * the chunk stays buffered, and the next append or `close()` tries again.
   */
  result<void> append(const row_builder& row) {
    if (row.schema_ != schema_)
      return zic::error(errc::invalid_argument, "bulk writer: the row was made for another writer");
    if (auto ok =
            check(row.slots_.data(), row.extras_, row.arena_.data(), row.arena_.data(), rows_);
        !ok)
      return ok;
    commit();
    return after_row();
  }

  /**
   * Appends `rows` rows given as columns (see `column_values`): every row is checked first, so
   * a refused batch changes nothing; every field the file needs must be given.
   */
  result<void> append_columns(std::span<const column_values> columns, std::size_t rows) {
    const auto& fields = schema_->fields;
    batch_.assign(fields.size(), nullptr);
    for (const auto& c : columns) {
      std::size_t i = 0;
      while (i < fields.size() && fields[i].name != c.field)
        ++i;
      if (i == fields.size())
        return zic::error(
            errc::invalid_argument,
            "bulk writer: field '" + std::string(c.field) + "' is not in the schema" +
                (schema_->enable_dynamic_field ? " (dynamic keys go through row_builder)" : ""));
      const field_schema& f = fields[i];
      if (f.type == data_type::array || f.type == data_type::sparse_float_vector)
        return zic::error(errc::invalid_argument, "bulk writer: field '" + f.name +
                                                      "': " + std::string(data_type_name(f.type)) +
                                                      " values go through row_builder");
      const std::size_t n = std::visit([](auto s) { return s.size(); }, c.values);
      const std::size_t per_row = rows ? n / rows : 0;
      if ((rows && n % rows) || (!is_dense_vector(f.type) && n != rows) ||
          (!c.valid.empty() && c.valid.size() != rows))
        return zic::error(errc::invalid_argument,
                          "bulk writer: field '" + f.name + "': " + std::to_string(n) +
                              " values do not make " + std::to_string(rows) + " rows");
      (void)per_row;
      batch_[i] = &c;
    }
    // Pass 1 checks every row, pass 2 commits them: a refused batch leaves no trace.
    for (int pass = 0; pass < 2; ++pass) {
      for (std::size_t r = 0; r < rows; ++r) {
        columnar_row(r, rows);
        if (pass == 0) {
          if (auto ok = check(row_slots_.data(), no_extras_, nullptr, nullptr, rows_ + r); !ok)
            return ok;
        } else {
          // Already checked in pass 1: only resolve (defaults) again.
          if (auto ok = check(row_slots_.data(), no_extras_, nullptr, nullptr, rows_, false); !ok)
            return ok;
          commit();
          if (auto ok = after_row(); !ok) return ok;
        }
      }
    }
    return {};
  }

  /** Finishes the current chunk, if it holds rows, as one import unit. */
  result<void> flush() {
    if (columns_.empty() || columns_.front().rows == 0) return {};
    const std::size_t rows = columns_.front().rows;
    out_.clear();
    std::string name;
    do
      name = std::to_string(++chunk_number_) +
             (options_.format == file_format::numpy
                  ? ""
                  : "." + std::string(file_format_extension(options_.format)));
    while (std::filesystem::exists(options_.directory / name));
    const write::chunk_view chunk{columns_, rows};
    std::vector<std::string> unit;
    if (options_.format == file_format::numpy) {
      std::uint64_t written = 0; // counted once the folder is whole
      write::partial_directory dir(options_.directory, name, options_.fsync);
      if (auto ok = dir.open(); !ok) return ok;
      for (const auto& c : columns_) {
        out_.clear();
        if (auto ok = write::encode_npy(c, out_); !ok) return ok;
        if (auto ok = dir.put(c.name + ".npy", out_); !ok) return ok;
        written += out_.size();
        unit.push_back(name + "/" + c.name + ".npy");
      }
      if (auto ok = dir.commit(); !ok) return ok;
      bytes_written_ += written;
    } else {
      if (options_.format == file_format::parquet) {
        write::parquet_options po;
        po.codec = options_.compression;
        po.zstd_level = options_.zstd_level;
        // pymilvus's rule: about 32 MiB per row group, within 1,000..1,000,000 rows.
        const std::size_t per_row = buffered_bytes() / rows + 1;
        po.row_group_rows =
            options_.parquet_row_group_rows
                ? options_.parquet_row_group_rows
                : std::clamp<std::size_t>((std::size_t(32) << 20) / per_row, 1000, 1000000);
        if (auto ok = write::encode_parquet(chunk, po, *parquet_, out_); !ok) return ok;
      } else if (options_.format == file_format::json) {
        write::encode_json(chunk, out_);
      } else {
        write::encode_csv(chunk, options_.csv, out_, cell_);
      }
      if (auto ok = write::put_file(options_.directory, name, out_, options_.fsync); !ok) return ok;
      bytes_written_ += out_.size();
      unit.push_back(name);
    }
    units_.push_back(std::move(unit));
    for (auto& c : columns_)
      c.clear();
    return {};
  }

  /** Finishes the last chunk. The writer may go on after it (the next chunk starts anew). */
  result<void> close() { return flush(); }

  /**
   * The finished import units, one inner list per chunk, paths relative to the directory:
   * `{"1.parquet"}` or `{"1/id.npy", "1/vec.npy"}`. Each inner list is one entry of an import
   * request's files.
   */
  const std::vector<std::vector<std::string>>& units() const noexcept { return units_; }
  /** Rows appended so far. */
  std::uint64_t rows() const noexcept { return rows_; }
  /** Rows in the unfinished chunk (not yet in any unit). */
  std::size_t buffered_rows() const noexcept {
    return columns_.empty() ? 0 : columns_.front().rows;
  }
  /** Bytes written to finished files so far. */
  std::uint64_t bytes_written() const noexcept { return bytes_written_; }
  /** Bytes the unfinished chunk holds. */
  std::size_t buffered_bytes() const noexcept {
    std::size_t n = 0;
    for (const auto& c : columns_)
      n += c.buffered_bytes();
    return n;
  }
  const collection_schema& schema() const noexcept { return *schema_; }

private:
  using kind = write::detail::value_kind;
  using slot = write::detail::slot;

  bulk_writer(collection_schema schema, bulk_writer_options options)
      : schema_(std::make_shared<const collection_schema>(std::move(schema))),
        options_(std::move(options)), parquet_(std::make_unique<write::parquet_scratch>()) {
    const auto& fields = schema_->fields;
    resolved_.resize(fields.size());
    row_slots_.resize(fields.size());
    defaults_.resize(fields.size());
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const field_schema& f = fields[i];
      if (f.default_value) {
        slot& d = defaults_[i];
        std::visit(
            [&](const auto& v) {
              using V = std::decay_t<decltype(v)>;
              if constexpr (std::is_same_v<V, bool>)
                d.kind = kind::boolean, d.integer = v;
              else if constexpr (std::is_same_v<V, std::int64_t>)
                d.kind = kind::integer, d.integer = v;
              else if constexpr (std::is_same_v<V, double>)
                d.kind = kind::real, d.real = v;
              else
                d.kind = kind::string, d.external = v.data(), d.bytes = v.size(),
                d.count = v.size();
            },
            *f.default_value);
      }
      if (f.auto_id || f.function_output) continue;
      write::column c;
      c.name = f.name, c.type = f.type, c.element = f.element_type.value_or(data_type::int64);
      c.dim = f.dim, c.nullable = f.nullable;
      columns_.push_back(std::move(c));
      column_field_.push_back(i);
    }
    if (schema_->enable_dynamic_field) {
      write::column c;
      c.name = "$meta", c.type = data_type::json;
      columns_.push_back(std::move(c));
    }
  }

  // The columnar path's row `r` as slots pointing into the caller's spans.
  void columnar_row(std::size_t r, std::size_t rows) {
    const auto& fields = schema_->fields;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      slot& s = row_slots_[i];
      s = slot{};
      const column_values* c = batch_[i];
      if (!c) continue;
      if (!c->valid.empty() && c->valid[r] == 0) {
        s.kind = kind::null;
        continue;
      }
      const bool json = fields[i].type == data_type::json;
      std::visit(
          [&](auto span) {
            using T = typename decltype(span)::value_type;
            const std::size_t k = span.size() / rows;
            if constexpr (std::is_same_v<T, std::string_view>) {
              s.kind = json ? kind::json : kind::string, s.external = span[r].data(),
              s.bytes = s.count = span[r].size();
            } else if (is_dense_vector(fields[i].type)) {
              s.kind = std::is_same_v<T, float>          ? kind::f32s
                       : std::is_same_v<T, double>       ? kind::f64s
                       : std::is_same_v<T, std::uint8_t> ? kind::u8s
                       : std::is_same_v<T, std::int8_t>  ? kind::i8s
                       : std::is_same_v<T, std::int32_t> ? kind::i32s
                       : std::is_same_v<T, std::int64_t> ? kind::i64s
                                                         : kind::bools;
              if constexpr (std::is_same_v<T, std::int16_t>)
                s.kind = kind::none; // no vector of int16
              s.external = reinterpret_cast<const char*>(span.data() + r * k), s.count = k,
              s.bytes = k * sizeof(T);
            } else if constexpr (std::is_same_v<T, bool>) {
              s.kind = kind::boolean, s.integer = span[r];
            } else if constexpr (std::is_floating_point_v<T>) {
              s.kind = kind::real, s.real = static_cast<double>(span[r]);
            } else {
              s.kind = kind::integer, s.integer = static_cast<std::int64_t>(span[r]);
            }
          },
          c->values);
    }
  }

  static zic::error refuse(std::uint64_t row, std::string_view field, std::string_view why) {
    std::string m = "row " + std::to_string(row) + ": field '";
    m.append(field).append("': ").append(why);
    return zic::error(errc::invalid_argument, std::move(m));
  }

  static const char* data_of(const slot& s, const char* arena) noexcept {
    return s.external ? s.external : arena + s.offset;
  }

  static bool finite_float(double v) noexcept {
    return std::isfinite(v) &&
           std::fabs(v) <= static_cast<double>(std::numeric_limits<float>::max());
  }

  // Checks one value against its field (element-wise for lists); nullptr when it fits.
  const char* fault(const field_schema& f, const slot& s, const char* arena) {
    const char* p = data_of(s, arena);
    auto in_range = [](data_type t, std::int64_t v) {
      switch (t) {
      case data_type::int8:
        return v >= INT8_MIN && v <= INT8_MAX;
      case data_type::int16:
        return v >= INT16_MIN && v <= INT16_MAX;
      case data_type::int32:
        return v >= INT32_MIN && v <= INT32_MAX;
      default:
        return true;
      }
    };
    switch (f.type) {
    case data_type::boolean:
      return s.kind == kind::boolean ? nullptr : "expected a bool";
    case data_type::int8:
    case data_type::int16:
    case data_type::int32:
    case data_type::int64:
      if (s.kind != kind::integer) return "expected an integer";
      return in_range(f.type, s.integer) ? nullptr : "the integer is out of the type's range";
    case data_type::float32:
      if (s.kind == kind::integer) return nullptr;
      if (s.kind != kind::real) return "expected a number";
      return finite_float(s.real) ? nullptr : "the number is not finite or beyond Float's range";
    case data_type::float64:
      if (s.kind == kind::integer) return nullptr;
      if (s.kind != kind::real) return "expected a number";
      return std::isfinite(s.real) ? nullptr : "the number is not finite";
    case data_type::varchar:
    case data_type::text:
      if (s.kind != kind::string) return "expected a string";
      if (!zic::detail::is_utf8({p, s.bytes})) return "the string is not UTF-8";
      return f.type == data_type::varchar && s.bytes > f.max_length
                 ? "the string is longer than max_length (bytes)"
                 : nullptr;
    case data_type::json:
      if (s.kind != kind::json) return "expected JSON text (set_json)";
      return valid_json({p, s.bytes}, false) ? nullptr : "the text is not one JSON value";
    case data_type::array: {
      if (s.count > f.max_capacity) return "the array holds more elements than max_capacity";
      const data_type e = *f.element_type;
      if (e == data_type::varchar) {
        if (s.kind != kind::strings) return "expected an array of strings";
        for (std::size_t at = 0; at < s.bytes;) {
          const auto n = write::load<std::uint32_t>(p + at);
          if (n > f.max_length) return "an element is longer than max_length (bytes)";
          if (!zic::detail::is_utf8({p + at + 4, n})) return "an element is not UTF-8";
          at += 4 + n;
        }
        return nullptr;
      }
      if (e == data_type::boolean)
        return s.kind == kind::bools ? nullptr : "expected an array of bools";
      if (e == data_type::float32 || e == data_type::float64) {
        if (s.kind != kind::f32s && s.kind != kind::f64s && s.kind != kind::i64s &&
            s.kind != kind::i32s)
          return "expected an array of numbers";
        for (std::size_t i = 0; i < s.count; ++i)
          if (!(e == data_type::float32 ? finite_float(number(s, p, i))
                                        : std::isfinite(number(s, p, i))))
            return "an element is not finite or beyond its type's range";
        return nullptr;
      }
      if (s.kind != kind::i64s && s.kind != kind::i32s && s.kind != kind::i8s)
        return "expected an array of integers";
      for (std::size_t i = 0; i < s.count; ++i)
        if (!in_range(e, integer(s, p, i))) return "an element is out of the type's range";
      return nullptr;
    }
    case data_type::float_vector:
      if (s.kind != kind::f32s && s.kind != kind::f64s) return "expected a float vector";
      if (s.count != f.dim) return "the vector's length is not dim";
      for (std::size_t i = 0; i < s.count; ++i)
        if (!finite_float(number(s, p, i)))
          return "a vector value is not finite or beyond Float's range";
      return nullptr;
    case data_type::binary_vector:
      if (s.kind != kind::u8s) return "expected dim/8 bytes";
      return s.count == f.dim / 8 ? nullptr : "the vector's length is not dim/8 bytes";
    case data_type::float16_vector:
    case data_type::bfloat16_vector: {
      const bool half = f.type == data_type::float16_vector;
      if (s.kind == kind::u8s) {
        if (s.count != std::size_t(f.dim) * 2) return "the vector's length is not 2*dim bytes";
        for (std::size_t i = 0; i < f.dim; ++i) {
          const auto h = write::load<std::uint16_t>(p + 2 * i);
          if (!std::isfinite(half ? write::half_to_float(h) : write::bfloat16_to_float(h)))
            return "a vector value is not finite";
        }
        return nullptr;
      }
      if (s.kind != kind::f32s && s.kind != kind::f64s) return "expected a float vector";
      if (s.count != f.dim) return "the vector's length is not dim";
      for (std::size_t i = 0; i < s.count; ++i) {
        const auto v = static_cast<float>(number(s, p, i));
        const float back = half ? write::half_to_float(write::float_to_half(v))
                                : write::bfloat16_to_float(write::float_to_bfloat16(v));
        if (!std::isfinite(back) || !finite_float(number(s, p, i)))
          return half ? "a vector value does not fit Float16"
                      : "a vector value does not fit BFloat16";
      }
      return nullptr;
    }
    case data_type::int8_vector:
      if (s.kind != kind::i8s) return "expected an int8 vector";
      return s.count == f.dim ? nullptr : "the vector's length is not dim";
    case data_type::sparse_float_vector: {
      if (s.kind != kind::sparse) return "expected a sparse vector (set_sparse)";
      if (s.count == SIZE_MAX)
        return "the sparse vector has more indices than values or the reverse";
      if (s.count == 0) return "the sparse vector is empty";
      indices_.clear();
      for (std::size_t i = 0; i < s.count; ++i) {
        const auto idx = write::load<std::uint32_t>(p + 4 * i);
        if (idx == UINT32_MAX) return "a sparse index is 2^32-1, which Milvus reserves";
        if (!std::isfinite(write::load<float>(p + 4 * (s.count + i))))
          return "a sparse value is not finite";
        indices_.push_back(idx);
      }
      std::sort(indices_.begin(), indices_.end());
      return std::adjacent_find(indices_.begin(), indices_.end()) == indices_.end()
                 ? nullptr
                 : "a sparse index appears twice";
    }
    }
    return "unknown type";
  }

  static double number(const slot& s, const char* p, std::size_t i) noexcept {
    switch (s.kind) {
    case kind::f32s:
      return write::load<float>(p + 4 * i);
    case kind::f64s:
      return write::load<double>(p + 8 * i);
    case kind::i32s:
      return write::load<std::int32_t>(p + 4 * i);
    case kind::i64s:
      return static_cast<double>(write::load<std::int64_t>(p + 8 * i));
    default:
      return 0;
    }
  }
  static std::int64_t integer(const slot& s, const char* p, std::size_t i) noexcept {
    switch (s.kind) {
    case kind::i8s:
      return static_cast<signed char>(p[i]);
    case kind::i32s:
      return write::load<std::int32_t>(p + 4 * i);
    case kind::i64s:
      return write::load<std::int64_t>(p + 8 * i);
    default:
      return 0;
    }
  }

  // Whether `text` is one JSON value (an object when `object`), parsed without allocating.
  bool valid_json(std::string_view text, bool object) {
    padded_.assign(text);
    padded_.append(simdjson::SIMDJSON_PADDING, ' ');
    simdjson::dom::element e;
    if (json_.parse(padded_.data(), text.size(), false).get(e) != simdjson::SUCCESS) return false;
    return !object || e.is_object();
  }

  // Appends a dynamic key's value as JSON to meta_; false when it cannot be JSON.
  bool render_extra(const slot& s, const char* arena) {
    const char* p = data_of(s, arena);
    auto list = [&](auto each) {
      meta_.push_back('[');
      for (std::size_t i = 0; i < s.count; ++i) {
        if (i) meta_.push_back(',');
        each(i);
      }
      meta_.push_back(']');
    };
    switch (s.kind) {
    case kind::null:
      meta_.append("null");
      return true;
    case kind::boolean:
      meta_.append(s.integer ? "true" : "false");
      return true;
    case kind::integer:
      write::detail::append_number(meta_, s.integer);
      return true;
    case kind::real:
      if (!std::isfinite(s.real)) return false;
      write::detail::append_number(meta_, s.real);
      return true;
    case kind::string:
      if (!zic::detail::is_utf8({p, s.bytes})) return false;
      zic::detail::append_json_string(meta_, {p, s.bytes});
      return true;
    case kind::json:
      if (!valid_json({p, s.bytes}, false)) return false;
      meta_.append(p, s.bytes);
      return true;
    case kind::f32s:
    case kind::f64s:
      for (std::size_t i = 0; i < s.count; ++i)
        if (!std::isfinite(number(s, p, i))) return false;
      if (s.kind == kind::f32s)
        list([&](std::size_t i) {
          write::detail::append_number(meta_, write::load<float>(p + 4 * i));
        });
      else
        list([&](std::size_t i) { write::detail::append_number(meta_, number(s, p, i)); });
      return true;
    case kind::u8s:
      list([&](std::size_t i) {
        write::detail::append_number(meta_,
                                     static_cast<unsigned>(static_cast<unsigned char>(p[i])));
      });
      return true;
    case kind::i8s:
    case kind::i32s:
    case kind::i64s:
      list([&](std::size_t i) { write::detail::append_number(meta_, integer(s, p, i)); });
      return true;
    case kind::bools:
      list([&](std::size_t i) { meta_.append(p[i] ? "true" : "false"); });
      return true;
    case kind::strings: {
      meta_.push_back('[');
      for (std::size_t at = 0; at < s.bytes;) {
        const auto n = write::load<std::uint32_t>(p + at);
        if (!zic::detail::is_utf8({p + at + 4, n})) return false;
        if (at) meta_.push_back(',');
        zic::detail::append_json_string(meta_, {p + at + 4, n});
        at += 4 + n;
      }
      meta_.push_back(']');
      return true;
    }
    case kind::sparse:
    case kind::none:
      return false;
    }
    return false;
  }

  // Checks a row and resolves each field's value (defaults filled) into resolved_, and the
  // dynamic keys into meta_. Nothing is buffered yet.
  result<void> check(const slot* slots, const std::vector<write::detail::extra>& extras,
                     const char* arena, const char* names, std::uint64_t row, bool verify = true) {
    const auto& fields = schema_->fields;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const field_schema& f = fields[i];
      slot s = slots[i];
      if (f.auto_id || f.function_output) {
        if (s.kind != kind::none)
          return refuse(
              row, f.name,
              f.auto_id
                  ? "the primary key is auto_id: the server assigns it, a file must not carry it"
                  : "a function's output: the server computes it, a file must not carry it");
        continue;
      }
      if (s.kind == kind::none || s.kind == kind::null) {
        if (f.default_value) {
          s = defaults_[i];
        } else if (f.nullable) {
          if (options_.format == file_format::numpy)
            return refuse(row, f.name, "NumPy files cannot hold a null");
          resolved_[i] = slot{};
          resolved_[i].kind = kind::null;
          continue;
        } else {
          return refuse(row, f.name,
                        s.kind == kind::none
                            ? "no value, and the field is neither nullable nor has a default value"
                            : "null in a field that is not nullable");
        }
      }
      if (const char* why = verify ? fault(f, s, arena) : nullptr) return refuse(row, f.name, why);
      if (!s.external && s.kind != kind::boolean && s.kind != kind::integer && s.kind != kind::real)
        s.external = arena + s.offset;
      resolved_[i] = s;
    }
    meta_.clear();
    if (!schema_->enable_dynamic_field) {
      if (!extras.empty())
        return refuse(
            row, std::string_view(names + extras.front().name_offset, extras.front().name_size),
            "not in the schema, and the dynamic field is off");
      return {};
    }
    meta_.push_back('{');
    for (const auto& e : extras) {
      const std::string_view name(names + e.name_offset, e.name_size);
      if (name == "$meta") {
        const char* p = data_of(e.value, arena);
        if (e.value.kind != kind::json || !valid_json({p, e.value.bytes}, true))
          return refuse(row, name, "the dynamic field's value must be a JSON object");
        // Merge its members: the object's text without its braces.
        std::string_view inner(p, e.value.bytes);
        inner.remove_prefix(inner.find('{') + 1);
        inner.remove_suffix(inner.size() - inner.rfind('}'));
        if (inner.find_first_not_of(" \t\r\n") == std::string_view::npos) continue;
        if (meta_.size() > 1) meta_.push_back(',');
        meta_.append(inner);
        continue;
      }
      if (!zic::detail::is_utf8(name)) return refuse(row, "?", "a dynamic key is not UTF-8");
      if (meta_.size() > 1) meta_.push_back(',');
      zic::detail::append_json_string(meta_, name);
      meta_.push_back(':');
      if (!render_extra(e.value, arena))
        return refuse(row, name, "the dynamic value cannot be written as JSON");
    }
    meta_.push_back('}');
    return {};
  }

  // Buffers the row check() resolved.
  void commit() {
    for (std::size_t k = 0; k < column_field_.size(); ++k) {
      write::column& c = columns_[k];
      const field_schema& f = schema_->fields[column_field_[k]];
      const slot& s = resolved_[column_field_[k]];
      ++c.rows;
      const std::size_t width = c.width();
      if (s.kind == kind::null) {
        c.valid.push_back(0);
        if (width)
          c.data.append(width, '\0');
        else
          c.ends.push_back(c.data.size());
        continue;
      }
      if (c.nullable) c.valid.push_back(1);
      put_value(c, f, s);
      if (!width) c.ends.push_back(c.data.size());
    }
    if (schema_->enable_dynamic_field) {
      write::column& c = columns_.back();
      ++c.rows;
      c.data.append(meta_);
      c.ends.push_back(c.data.size());
    }
    ++rows_;
  }

  template <class T>
  static void put(std::string& out, T v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
  }

  void put_scalar(std::string& out, data_type t, const slot& s) {
    switch (t) {
    case data_type::boolean:
      out.push_back(s.integer ? 1 : 0);
      break;
    case data_type::int8:
      put(out, static_cast<std::int8_t>(s.integer));
      break;
    case data_type::int16:
      put(out, static_cast<std::int16_t>(s.integer));
      break;
    case data_type::int32:
      put(out, static_cast<std::int32_t>(s.integer));
      break;
    case data_type::int64:
      put(out, s.integer);
      break;
    case data_type::float32:
      put(out,
          static_cast<float>(s.kind == kind::integer ? static_cast<double>(s.integer) : s.real));
      break;
    case data_type::float64:
      put(out, s.kind == kind::integer ? static_cast<double>(s.integer) : s.real);
      break;
    default:
      break;
    }
  }

  void put_value(write::column& c, const field_schema& f, const slot& s) {
    std::string& out = c.data;
    const char* p = s.external;
    switch (f.type) {
    case data_type::varchar:
    case data_type::text:
    case data_type::json:
      out.append(p, s.bytes);
      return;
    case data_type::array: {
      const data_type e = *f.element_type;
      if (e == data_type::varchar || e == data_type::boolean) {
        out.append(p, s.bytes);
        return;
      }
      for (std::size_t i = 0; i < s.count; ++i) {
        slot v;
        if (e == data_type::float32 || e == data_type::float64)
          v.kind = kind::real, v.real = number(s, p, i);
        else
          v.kind = kind::integer, v.integer = integer(s, p, i);
        put_scalar(out, e, v);
      }
      return;
    }
    case data_type::float_vector:
      if (s.kind == kind::f32s)
        out.append(p, s.bytes);
      else
        for (std::size_t i = 0; i < s.count; ++i)
          put(out, static_cast<float>(number(s, p, i)));
      return;
    case data_type::binary_vector:
    case data_type::int8_vector:
      out.append(p, s.bytes);
      return;
    case data_type::float16_vector:
    case data_type::bfloat16_vector:
      if (s.kind == kind::u8s) {
        out.append(p, s.bytes);
        return;
      }
      for (std::size_t i = 0; i < s.count; ++i) {
        const auto v = static_cast<float>(number(s, p, i));
        put(out, f.type == data_type::float16_vector ? write::float_to_half(v)
                                                     : write::float_to_bfloat16(v));
      }
      return;
    case data_type::sparse_float_vector:
      // Written as the server reads sparse JSON: {"index": value, ...}, in the given order.
      out.push_back('{');
      for (std::size_t i = 0; i < s.count; ++i) {
        if (i) out.push_back(',');
        out.push_back('"');
        write::detail::append_number(out, write::load<std::uint32_t>(p + 4 * i));
        out.append("\":");
        write::detail::append_number(out, write::load<float>(p + 4 * (s.count + i)));
      }
      out.push_back('}');
      return;
    default:
      put_scalar(out, f.type, s);
      return;
    }
  }

  result<void> after_row() {
    if (buffered_bytes() >= options_.chunk_size) return flush();
    return {};
  }

  std::shared_ptr<const collection_schema> schema_;
  bulk_writer_options options_;
  std::unique_ptr<write::parquet_scratch> parquet_;
  std::vector<write::column> columns_;
  std::vector<std::size_t> column_field_; // the schema field of each column ($meta excluded)
  std::vector<slot> defaults_, resolved_, row_slots_;
  std::vector<const column_values*> batch_;
  std::vector<write::detail::extra> no_extras_;
  std::vector<std::uint32_t> indices_;
  simdjson::dom::parser json_;
  std::string padded_, meta_, out_, cell_;
  std::vector<std::vector<std::string>> units_;
  std::uint64_t rows_ = 0, bytes_written_ = 0;
  unsigned chunk_number_ = 0;
};

ZIC_NAMESPACE_END

#endif // ZIC_WRITE_BULK_WRITER_HPP
