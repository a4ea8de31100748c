#ifndef ZIC_EMULATOR_PARQUET_HPP
#define ZIC_EMULATOR_PARQUET_HPP

// A Parquet file's footer: the row count, the top-level columns with the types Arrow reads them
// as, and how many values each list column holds, read from its FileMetaData with Apache
// Thrift's compact protocol. Every other field is skipped by the library, so the footer of any
// writer version reads.
//
// A Parquet file ends with: FileMetaData (compact Thrift), its length (4 bytes, little endian),
// and the magic "PAR1"; it also starts with "PAR1".

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#if ZIC_EMULATOR_WITH_THRIFT
#include <thrift/TApplicationException.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#endif

namespace zic_emulator {

inline constexpr std::string_view parquet_magic = "PAR1";
inline constexpr std::int64_t parquet_tail = 8;            // footer length and magic
inline constexpr std::int64_t parquet_max_footer = 64 << 20;

// A top-level column as Arrow reads it, which is what the server's reader checks.
struct parquet_column {
  std::string name;
  std::string type;          // "int8" ... "uint64", "float", "double", "bool", "string",
                             // "binary", "list", "struct" or "other"
  std::string element;       // a list's element type, in the same words
  bool nullable = false;     // OPTIONAL: rows may be null, so values per row vary
  std::int64_t values = -1;  // a list of a plain element: values over all row groups
};

struct parquet_footer {
  std::int64_t rows = 0;
  std::vector<std::string> columns;
  std::vector<parquet_column> fields;  // the same columns, typed
};

// The footer's length from the file's last 8 bytes, or an error.
inline std::optional<std::int64_t> parquet_footer_length(std::string_view tail, std::int64_t file_size,
                                                         std::string& error) {
  if (tail.size() != parquet_tail || tail.substr(4) != parquet_magic) {
    error = "not a Parquet file (no PAR1 magic at its end)";
    return std::nullopt;
  }
  std::int64_t n = 0;
  for (std::size_t i = 4; i-- > 0;) n = n << 8 | static_cast<unsigned char>(tail[i]);
  if (n <= 0 || n > parquet_max_footer || n > file_size - parquet_tail - 4) {
    error = "Parquet footer length " + std::to_string(n) + " does not fit the file";
    return std::nullopt;
  }
  return n;
}

#if ZIC_EMULATOR_WITH_THRIFT

namespace detail {

namespace thrift = apache::thrift;
using compact = thrift::protocol::TCompactProtocolT<thrift::transport::TMemoryBuffer>;

struct schema_element {
  std::string name;
  std::int32_t children = 0;
  std::int32_t physical = -1, repetition = -1, converted = -1;
  enum class logical : std::uint8_t { none, string, list, integer, other } kind = logical::none;
  std::int8_t bits = 0;
  bool is_signed = true;
};

// Reads a struct's fields with `field(id, type)`, which returns false for one it skips.
template <class Field> void read_struct(compact& in, Field&& field) {
  std::string ignored;
  thrift::protocol::TType type;
  std::int16_t id;
  in.readStructBegin(ignored);
  for (;;) {
    in.readFieldBegin(ignored, type, id);
    if (type == thrift::protocol::T_STOP) break;
    if (!field(id, type)) in.skip(type);
    in.readFieldEnd();
  }
  in.readStructEnd();
}

// Reads a list of structs, one `element()` each.
template <class Element> void read_struct_list(compact& in, std::size_t limit, Element&& element) {
  thrift::protocol::TType type;
  std::uint32_t size = 0;
  in.readListBegin(type, size);
  if (type != thrift::protocol::T_STRUCT || size > limit) throw thrift::TException("bad struct list");
  for (std::uint32_t i = 0; i < size; ++i) element(i);
  in.readListEnd();
}

// SchemaElement: 1 type, 3 repetition_type, 4 name, 5 num_children, 6 converted_type,
// 10 logicalType (a union: 1 STRING, 3 LIST, 10 INTEGER {1 bitWidth, 2 isSigned}, 12 JSON).
inline schema_element read_schema_element(compact& in) {
  using thrift::protocol::T_I32;
  schema_element e;
  read_struct(in, [&](std::int16_t id, thrift::protocol::TType type) {
    if (id == 1 && type == T_I32) in.readI32(e.physical);
    else if (id == 3 && type == T_I32) in.readI32(e.repetition);
    else if (id == 4 && type == thrift::protocol::T_STRING) in.readString(e.name);
    else if (id == 5 && type == T_I32) in.readI32(e.children);
    else if (id == 6 && type == T_I32) in.readI32(e.converted);
    else if (id == 10 && type == thrift::protocol::T_STRUCT) {
      read_struct(in, [&](std::int16_t kind, thrift::protocol::TType) {
        using logical = schema_element::logical;
        e.kind = kind == 1 || kind == 12 ? logical::string
                 : kind == 3             ? logical::list
                 : kind == 10            ? logical::integer
                                         : logical::other;
        if (kind != 10) return false;
        read_struct(in, [&](std::int16_t part, thrift::protocol::TType t) {
          if (part == 1 && t == thrift::protocol::T_BYTE) in.readByte(e.bits);
          else if (part == 2 && (t == thrift::protocol::T_BOOL)) in.readBool(e.is_signed);
          else return false;
          return true;
        });
        return true;
      });
    } else return false;
    return true;
  });
  return e;
}

// The Arrow type a leaf reads as: physical type (0 BOOLEAN, 1 INT32, 2 INT64, 4 FLOAT,
// 5 DOUBLE, 6 BYTE_ARRAY), refined by the logical type or, from older writers, the converted
// one (0 UTF8, 4 ENUM, 11-14 UINT_8..64, 15-18 INT_8..64, 19 JSON).
inline std::string leaf_type(const schema_element& e) {
  using logical = schema_element::logical;
  const bool integer = e.kind == logical::integer;
  const auto sized = [&](int bits, bool is_signed) {
    return (is_signed ? "int" : "uint") + std::to_string(bits);
  };
  switch (e.physical) {
  case 0: return "bool";
  case 1:
    if (integer && (e.bits == 8 || e.bits == 16 || e.bits == 32)) return sized(e.bits, e.is_signed);
    if (e.converted >= 11 && e.converted <= 13) return sized(8 << (e.converted - 11), false);
    if (e.converted >= 15 && e.converted <= 17) return sized(8 << (e.converted - 15), true);
    return e.converted < 0 && e.kind == logical::none ? "int32" : integer ? "int32" : "other";
  case 2:
    if ((integer && !e.is_signed) || e.converted == 14) return "uint64";
    return e.converted < 0 && (e.kind == logical::none || integer) ? "int64"
           : e.converted == 18                                    ? "int64"
                                                                  : "other";
  case 4: return "float";
  case 5: return "double";
  case 6:
    return e.kind == logical::string || e.converted == 0 || e.converted == 4 || e.converted == 19
               ? "string"
               : "binary";
  default: return "other";
  }
}

// The top-level columns of the flattened schema tree (the root first), typed; `leaf` receives,
// per column, the index of the leaf whose value count is the list's, or -1.
inline std::vector<parquet_column> top_level_columns(const std::vector<schema_element>& schema,
                                                     std::vector<std::int64_t>& leaf) {
  std::vector<parquet_column> out;
  // Where each element's subtree ends, and how many leaves come before it.
  const std::size_t n = schema.size();
  std::vector<std::size_t> end(n, 0);
  for (std::size_t i = n; i-- > 1;) {
    std::size_t j = i + 1;
    for (std::int32_t c = 0; c < schema[i].children && j < n; ++c) j = end[j];
    end[i] = std::max(j, i + 1);
  }
  std::int64_t leaves = 0;
  std::size_t i = 1;
  for (std::int32_t c = 0; c < schema.front().children && i < n; ++c) {
    const schema_element& e = schema[i];
    parquet_column col;
    col.name = e.name;
    col.nullable = e.repetition == 1;
    std::int64_t element_leaf = -1;
    const bool group = e.children > 0;
    if (!group) col.type = e.repetition == 2 ? "list" : leaf_type(e);
    if (!group && e.repetition == 2) col.element = leaf_type(e), element_leaf = leaves;
    if (group && (e.kind == schema_element::logical::list || e.converted == 3) && i + 1 < n) {
      col.type = "list";
      // Three levels (LIST > repeated group > element), or two (LIST > repeated leaf).
      std::size_t el = i + 1;
      if (schema[el].children == 1 && el + 1 < n) ++el;
      if (schema[el].children > 0) col.element = "struct";
      else col.element = leaf_type(schema[el]), element_leaf = leaves;
    } else if (group) {
      col.type = "struct";
    }
    for (std::size_t k = i; k < end[i]; ++k)
      if (schema[k].children <= 0) ++leaves;
    leaf.push_back(element_leaf);
    out.push_back(std::move(col));
    i = end[i];
  }
  return out;
}

} // namespace detail

// Parses FileMetaData: 2 schema (a flattened tree, the root first), 3 num_rows.
inline std::optional<parquet_footer> parse_parquet_footer(std::string_view bytes, std::string& error) {
  using namespace detail;
  try {
    auto buffer = std::make_shared<thrift::transport::TMemoryBuffer>(
        reinterpret_cast<std::uint8_t*>(const_cast<char*>(bytes.data())), static_cast<std::uint32_t>(bytes.size()),
        thrift::transport::TMemoryBuffer::OBSERVE);
    compact in(buffer);
    std::string ignored;
    thrift::protocol::TType type;
    std::int16_t id;
    std::optional<std::int64_t> rows;
    std::vector<schema_element> schema;
    std::vector<std::int64_t> leaf_values;  // per leaf, summed over the row groups
    in.readStructBegin(ignored);
    for (;;) {
      in.readFieldBegin(ignored, type, id);
      if (type == thrift::protocol::T_STOP) break;
      if (id == 3 && type == thrift::protocol::T_I64) {
        std::int64_t n = 0;
        in.readI64(n);
        rows = n;
      } else if (id == 2 && type == thrift::protocol::T_LIST) {
        read_struct_list(in, bytes.size(), [&](std::uint32_t) { schema.push_back(read_schema_element(in)); });
      } else if (id == 4 && type == thrift::protocol::T_LIST) {
        // RowGroup: 1 columns, list<ColumnChunk: 3 meta_data: ColumnMetaData: 5 num_values>.
        read_struct_list(in, bytes.size(), [&](std::uint32_t) {
          read_struct(in, [&](std::int16_t group_field, thrift::protocol::TType t) {
            if (group_field != 1 || t != thrift::protocol::T_LIST) return false;
            read_struct_list(in, bytes.size(), [&](std::uint32_t column) {
              if (leaf_values.size() <= column) leaf_values.resize(column + 1, 0);
              read_struct(in, [&](std::int16_t chunk_field, thrift::protocol::TType ct) {
                if (chunk_field != 3 || ct != thrift::protocol::T_STRUCT) return false;
                read_struct(in, [&](std::int16_t meta_field, thrift::protocol::TType mt) {
                  if (meta_field != 5 || mt != thrift::protocol::T_I64) return false;
                  std::int64_t v = 0;
                  in.readI64(v);
                  auto& sum = leaf_values[column];
                  sum = v < 0 || sum > INT64_MAX - v ? INT64_MAX : sum + v;
                  return true;
                });
                return true;
              });
            });
            return true;
          });
        });
      } else {
        in.skip(type);
      }
      in.readFieldEnd();
    }
    in.readStructEnd();
    if (!rows || *rows < 0 || schema.empty()) {
      error = "Parquet footer has no row count or schema";
      return std::nullopt;
    }
    parquet_footer out;
    out.rows = *rows;
    // The root's direct children are the columns; deeper elements belong to nested ones.
    std::vector<std::int32_t> open{schema.front().children};
    for (std::size_t i = 1; i < schema.size() && !open.empty(); ++i) {
      if (open.size() == 1) out.columns.push_back(schema[i].name);
      --open.back();
      if (schema[i].children > 0) open.push_back(schema[i].children);
      while (!open.empty() && open.back() <= 0) open.pop_back();
    }
    std::vector<std::int64_t> leaf;
    out.fields = top_level_columns(schema, leaf);
    for (std::size_t i = 0; i < out.fields.size(); ++i)
      if (leaf[i] >= 0 && static_cast<std::size_t>(leaf[i]) < leaf_values.size())
        out.fields[i].values = leaf_values[static_cast<std::size_t>(leaf[i])];
    return out;
  } catch (const thrift::TException& e) {
    error = std::string("corrupt Parquet footer (") + e.what() + ")";
    return std::nullopt;
  }
}

#else

inline std::optional<parquet_footer> parse_parquet_footer(std::string_view, std::string& error) {
  error = "this zic-emulator was built without Parquet support (it needs libthrift-dev)";
  return std::nullopt;
}

#endif

} // namespace zic_emulator

#endif
