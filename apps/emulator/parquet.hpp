#ifndef ZIC_EMULATOR_PARQUET_HPP
#define ZIC_EMULATOR_PARQUET_HPP

// A Parquet file's footer: the row count and the top-level column names, read from its
// FileMetaData with Apache Thrift's compact protocol. Every other field is skipped by the
// library, so the footer of any writer version reads.
//
// A Parquet file ends with: FileMetaData (compact Thrift), its length (4 bytes, little endian),
// and the magic "PAR1"; it also starts with "PAR1".

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

struct parquet_footer {
  std::int64_t rows = 0;
  std::vector<std::string> columns;
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
};

// SchemaElement: 4 name, 5 num_children; the rest is skipped.
inline schema_element read_schema_element(compact& in) {
  schema_element e;
  std::string ignored;
  thrift::protocol::TType type;
  std::int16_t id;
  in.readStructBegin(ignored);
  for (;;) {
    in.readFieldBegin(ignored, type, id);
    if (type == thrift::protocol::T_STOP) break;
    if (id == 4 && type == thrift::protocol::T_STRING) in.readString(e.name);
    else if (id == 5 && type == thrift::protocol::T_I32) in.readI32(e.children);
    else in.skip(type);
    in.readFieldEnd();
  }
  in.readStructEnd();
  return e;
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
    in.readStructBegin(ignored);
    for (;;) {
      in.readFieldBegin(ignored, type, id);
      if (type == thrift::protocol::T_STOP) break;
      if (id == 3 && type == thrift::protocol::T_I64) {
        std::int64_t n = 0;
        in.readI64(n);
        rows = n;
      } else if (id == 2 && type == thrift::protocol::T_LIST) {
        thrift::protocol::TType element;
        std::uint32_t size = 0;
        in.readListBegin(element, size);
        if (element != thrift::protocol::T_STRUCT || size > bytes.size()) throw thrift::TException("bad schema list");
        for (std::uint32_t i = 0; i < size; ++i) schema.push_back(read_schema_element(in));
        in.readListEnd();
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
