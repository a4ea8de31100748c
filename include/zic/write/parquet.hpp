#ifndef ZIC_WRITE_PARQUET_HPP
#define ZIC_WRITE_PARQUET_HPP

// A chunk as one Parquet file, by the format's specification (apache/parquet-format):
//
//   "PAR1" | row group 1: one column chunk per leaf column | ... | FileMetaData | length | "PAR1"
//
// Each column chunk of a row group is one v1 data page: repetition levels and definition levels
// (each a 4-byte length and the RLE/bit-packed hybrid), then the values, PLAIN. The page body is
// compressed (SNAPPY, ZSTD or not at all). Page headers and the footer are Thrift structs in the
// compact protocol, written field by field with libthrift (no generated code), as the emulator
// reads them.
//
// Types (spec 7.1a, 7.4): Bool BOOLEAN; Int8/Int16 INT32 with INTEGER(8|16, signed); Int32 INT32;
// Int64 INT64; Float FLOAT; Double DOUBLE; VarChar, Text, JSON, sparse vectors and `$meta` as
// BYTE_ARRAY STRING (UTF8). Arrays and dense vectors are 3-level LISTs (<name> LIST → repeated
// group `list` → `element`): FloatVector of FLOAT, BinaryVector / Float16Vector / BFloat16Vector
// of INT32 INTEGER(8, unsigned) holding bytes, Int8Vector of INT32 INTEGER(8, signed).
// A nullable field is OPTIONAL, every other REQUIRED.

#include "../result.hpp"
#include "../version.hpp"
#include "columns.hpp"

#include <snappy.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <zstd.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

ZIC_NAMESPACE_BEGIN

/** How Parquet pages are compressed. */
enum class compression { snappy, zstd, none };

namespace write {

/** What a Parquet file is written with. */
struct parquet_options {
  zic::compression codec = zic::compression::snappy;
  int zstd_level = 3;
  std::size_t row_group_rows = 10000; ///< rows per row group (the bulk writer sizes it)
};

namespace detail {

namespace thrift = apache::thrift;
using compact = thrift::protocol::TCompactProtocolT<thrift::transport::TMemoryBuffer>;

// parquet.thrift enumerations used here.
enum : std::int32_t {
  t_boolean = 0,
  t_int32 = 1,
  t_int64 = 2,
  t_float = 4,
  t_double = 5,
  t_byte_array = 6
};
enum : std::int32_t { rep_required = 0, rep_optional = 1, rep_repeated = 2 };
enum : std::int32_t { ct_utf8 = 0, ct_list = 3, ct_uint8 = 11, ct_int8 = 15, ct_int16 = 16 };
enum : std::int32_t { enc_plain = 0, enc_rle = 3 };

// How one column is laid out as a Parquet leaf.
struct leaf_layout {
  std::int32_t physical = t_int64;
  data_type value = data_type::int64; // the type of one stored value (the element for lists)
  bool list = false;
  bool bytes = false; // list of unsigned bytes (binary, fp16, bf16 vectors)
  int max_def = 0, max_rep = 0;
};

inline leaf_layout layout_of(const column& c) {
  leaf_layout l;
  l.list = c.type == data_type::array || is_dense_vector(c.type);
  l.value = c.type == data_type::array          ? c.element
            : c.type == data_type::float_vector ? data_type::float32
            : c.type == data_type::int8_vector  ? data_type::int8
            : is_dense_vector(c.type) ? data_type::int8 // bytes; `bytes` marks them unsigned
                                      : c.type;
  l.bytes = c.type == data_type::binary_vector || c.type == data_type::float16_vector ||
            c.type == data_type::bfloat16_vector;
  switch (l.value) {
  case data_type::boolean:
    l.physical = t_boolean;
    break;
  case data_type::int8:
  case data_type::int16:
  case data_type::int32:
    l.physical = t_int32;
    break;
  case data_type::int64:
    l.physical = t_int64;
    break;
  case data_type::float32:
    l.physical = t_float;
    break;
  case data_type::float64:
    l.physical = t_double;
    break;
  default:
    l.physical = t_byte_array;
    break;
  }
  l.max_def = (c.nullable ? 1 : 0) + (l.list ? 1 : 0);
  l.max_rep = l.list ? 1 : 0;
  return l;
}

inline void put_uvarint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

inline void put_u32(std::string& out, std::uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);
  out.append(b, 4);
}

// Levels [begin, begin + count) as bit-packed groups of 8 (the last padded with zeros, which
// only the stream's end may have), at most 63 groups per run as parquet-mr writes them.
inline void put_bit_packed(std::string& out, const std::uint8_t* levels, std::size_t count,
                           int width) {
  while (count > 0) {
    const std::size_t take = std::min<std::size_t>(count, 63 * 8);
    const std::size_t groups = (take + 7) / 8;
    put_uvarint(out, groups << 1 | 1);
    std::uint32_t acc = 0;
    int bits = 0;
    for (std::size_t i = 0; i < groups * 8; ++i) {
      acc |= static_cast<std::uint32_t>(i < take ? levels[i] : 0) << bits;
      bits += width;
      while (bits >= 8) {
        out.push_back(static_cast<char>(acc & 0xff));
        acc >>= 8;
        bits -= 8;
      }
    }
    levels += take;
    count -= take;
  }
}

// The RLE/bit-packed hybrid with its 4-byte length: runs of 8 or more equal levels as RLE runs,
// everything between them bit-packed. Bit-packed runs hold whole groups of 8, so before an RLE
// run the pending literals borrow the run's first levels to fill their last group.
inline void put_levels(std::string& out, const std::vector<std::uint8_t>& levels, int max_level) {
  const int width = max_level <= 1 ? 1 : max_level <= 3 ? 2 : 8;
  const std::size_t at = out.size();
  out.append(4, '\0');
  const std::size_t n = levels.size();
  std::size_t i = 0, literal_begin = 0, literal = 0;
  while (i < n) {
    std::size_t j = i + 1;
    while (j < n && levels[j] == levels[i])
      ++j;
    std::size_t run = j - i;
    if (run >= 8) {
      if (literal % 8) {
        const std::size_t borrow = 8 - literal % 8;
        literal += borrow;
        i += borrow;
        run -= borrow;
      }
      if (literal) put_bit_packed(out, levels.data() + literal_begin, literal, width);
      literal = 0;
      put_uvarint(out, run << 1);
      out.push_back(static_cast<char>(levels[i]));
      i = j;
    } else {
      if (!literal) literal_begin = i;
      literal += run;
      i = j;
    }
  }
  if (literal) put_bit_packed(out, levels.data() + literal_begin, literal, width);
  const auto length = static_cast<std::uint32_t>(out.size() - at - 4);
  std::memcpy(out.data() + at, &length, 4);
}

// One stored value, PLAIN (booleans are gathered by the caller and bit-packed).
inline void put_plain(std::string& out, const leaf_layout& l, const char* p, bool unsigned_byte) {
  switch (l.value) {
  case data_type::int8: {
    const std::int32_t v = unsigned_byte ? static_cast<std::int32_t>(static_cast<unsigned char>(*p))
                                         : static_cast<std::int32_t>(static_cast<signed char>(*p));
    out.append(reinterpret_cast<const char*>(&v), 4);
    break;
  }
  case data_type::int16: {
    const std::int32_t v = load<std::int16_t>(p);
    out.append(reinterpret_cast<const char*>(&v), 4);
    break;
  }
  case data_type::int32:
  case data_type::float32:
    out.append(p, 4);
    break;
  case data_type::int64:
  case data_type::float64:
    out.append(p, 8);
    break;
  default:
    break;
  }
}

inline void field_i32(compact& o, std::int16_t id, std::int32_t v) {
  o.writeFieldBegin("", thrift::protocol::T_I32, id);
  o.writeI32(v);
  o.writeFieldEnd();
}
inline void field_i64(compact& o, std::int16_t id, std::int64_t v) {
  o.writeFieldBegin("", thrift::protocol::T_I64, id);
  o.writeI64(v);
  o.writeFieldEnd();
}
inline void field_string(compact& o, std::int16_t id, const std::string& v) {
  o.writeFieldBegin("", thrift::protocol::T_STRING, id);
  o.writeString(v);
  o.writeFieldEnd();
}
inline void begin_struct_field(compact& o, std::int16_t id) {
  o.writeFieldBegin("", thrift::protocol::T_STRUCT, id);
  o.writeStructBegin("");
}
inline void end_struct_field(compact& o) {
  o.writeFieldStop();
  o.writeStructEnd();
  o.writeFieldEnd();
}

// SchemaElement: 1 type, 3 repetition_type, 4 name, 5 num_children, 6 converted_type, 10
// logicalType.
struct schema_node {
  std::int32_t physical = -1, repetition = -1, children = -1, converted = -1;
  enum { none, string, list, integer } logical = none;
  int bits = 0;
  bool is_signed = true;
};

inline void write_schema_element(compact& o, const std::string& name, const schema_node& n) {
  o.writeStructBegin("");
  if (n.physical >= 0) field_i32(o, 1, n.physical);
  if (n.repetition >= 0) field_i32(o, 3, n.repetition);
  field_string(o, 4, name);
  if (n.children >= 0) field_i32(o, 5, n.children);
  if (n.converted >= 0) field_i32(o, 6, n.converted);
  if (n.logical != schema_node::none) {
    begin_struct_field(o, 10); // LogicalType union
    begin_struct_field(o, n.logical == schema_node::string ? 1
                          : n.logical == schema_node::list ? 3
                                                           : 10);
    if (n.logical == schema_node::integer) { // IntType: 1 bitWidth, 2 isSigned
      o.writeFieldBegin("", thrift::protocol::T_BYTE, 1);
      o.writeByte(static_cast<std::int8_t>(n.bits));
      o.writeFieldEnd();
      o.writeFieldBegin("", thrift::protocol::T_BOOL, 2);
      o.writeBool(n.is_signed);
      o.writeFieldEnd();
    }
    end_struct_field(o);
    end_struct_field(o);
  }
  o.writeFieldStop();
  o.writeStructEnd();
}

// The leaf node of a column (the `element` of a list, or the column itself).
inline schema_node leaf_node(const leaf_layout& l, std::int32_t repetition) {
  schema_node n;
  n.physical = l.physical;
  n.repetition = repetition;
  if (l.bytes) {
    n.converted = ct_uint8, n.logical = schema_node::integer, n.bits = 8, n.is_signed = false;
  } else if (l.value == data_type::int8) {
    n.converted = ct_int8, n.logical = schema_node::integer, n.bits = 8;
  } else if (l.value == data_type::int16) {
    n.converted = ct_int16, n.logical = schema_node::integer, n.bits = 16;
  } else if (l.physical == t_byte_array) {
    n.converted = ct_utf8, n.logical = schema_node::string;
  }
  return n;
}

struct chunk_meta {
  std::int64_t offset = 0, values = 0, uncompressed = 0, compressed = 0;
};

} // namespace detail

/**
 * Reusable buffers and the Thrift writer of the Parquet encoder: keep one per writer so that
 * encoding a chunk allocates nothing once the buffers have grown.
 */
struct parquet_scratch {
  std::vector<std::uint8_t> def, rep;
  std::string page, packed, header;
  std::vector<detail::chunk_meta> chunks;
  std::shared_ptr<apache::thrift::transport::TMemoryBuffer> buffer =
      std::make_shared<apache::thrift::transport::TMemoryBuffer>();
  std::unique_ptr<detail::compact> out = std::make_unique<detail::compact>(buffer);
  ZSTD_CCtx* zstd = nullptr;

  parquet_scratch() = default;
  parquet_scratch(const parquet_scratch&) = delete;
  parquet_scratch& operator=(const parquet_scratch&) = delete;
  ~parquet_scratch() { ZSTD_freeCCtx(zstd); }

  // Moves what the Thrift writer holds onto the end of `to`.
  void drain(std::string& to) {
    std::uint8_t* p = nullptr;
    std::uint32_t n = 0;
    buffer->getBuffer(&p, &n);
    to.append(reinterpret_cast<const char*>(p), n);
    buffer->resetBuffer();
  }
};

namespace detail {

// One data page holding rows [r0, r1) of column `c`, appended to `out`.
inline result<void> put_page(const column& c, const leaf_layout& l, std::size_t r0, std::size_t r1,
                             const parquet_options& options, parquet_scratch& s, std::string& out,
                             chunk_meta& meta) {
  s.def.clear();
  s.rep.clear();
  s.page.clear();
  std::string& values = s.packed;
  values.clear();
  std::size_t bools = 0;
  std::uint8_t bool_byte = 0;
  auto put_value = [&](const char* p) {
    if (l.value == data_type::boolean) {
      bool_byte = static_cast<std::uint8_t>(bool_byte | ((*p ? 1u : 0u) << (bools % 8)));
      if (++bools % 8 == 0) values.push_back(static_cast<char>(std::exchange(bool_byte, 0)));
    } else {
      put_plain(values, l, p, l.bytes);
    }
  };
  const auto full = static_cast<std::uint8_t>(l.max_def);
  for (std::size_t r = r0; r < r1; ++r) {
    if (c.is_null(r)) {
      s.def.push_back(0);
      if (l.list) s.rep.push_back(0);
      continue;
    }
    const std::string_view v = c.value(r);
    if (!l.list) {
      if (l.max_def) s.def.push_back(full);
      if (l.physical == t_byte_array) {
        put_u32(values, static_cast<std::uint32_t>(v.size()));
        values.append(v);
      } else {
        put_value(v.data());
      }
      continue;
    }
    std::size_t k = 0;
    if (l.physical == t_byte_array) { // an Array of VarChar: 4-byte length, bytes, ...
      for (std::size_t at = 0; at < v.size(); ++k) {
        const auto n = load<std::uint32_t>(v.data() + at);
        values.append(v.data() + at, 4 + n);
        at += 4 + n;
        s.def.push_back(full);
        s.rep.push_back(k ? 1 : 0);
      }
    } else {
      const std::size_t w = l.bytes ? 1 : scalar_width(l.value);
      k = v.size() / w;
      if (k > 0) {
        s.def.insert(s.def.end(), k, full);
        s.rep.push_back(0);
        s.rep.insert(s.rep.end(), k - 1, std::uint8_t(1));
      }
      // Elements already stored as their PLAIN bytes (4 or 8 wide) are copied at once.
      if (!l.bytes && (l.physical == t_float || l.physical == t_double || l.physical == t_int64 ||
                       (l.physical == t_int32 && w == 4))) {
        values.append(v);
      } else {
        for (std::size_t at = 0; at < v.size(); at += w)
          put_value(v.data() + at);
      }
    }
    if (k == 0) { // an empty list: defined up to the list, no element
      s.def.push_back(static_cast<std::uint8_t>(full - 1));
      s.rep.push_back(0);
    }
  }
  if (bools % 8) values.push_back(static_cast<char>(bool_byte));
  const std::size_t level_count = l.max_def ? s.def.size() : r1 - r0;
  if (l.max_rep) put_levels(s.page, s.rep, l.max_rep);
  if (l.max_def) put_levels(s.page, s.def, l.max_def);
  s.page.append(values);

  // Compress into `values` (free again now).
  const std::string* body = &s.page;
  if (options.codec == zic::compression::snappy) {
    values.resize(snappy::MaxCompressedLength(s.page.size()));
    std::size_t n = 0;
    snappy::RawCompress(s.page.data(), s.page.size(), values.data(), &n);
    values.resize(n);
    body = &values;
  } else if (options.codec == zic::compression::zstd) {
    if (!s.zstd) s.zstd = ZSTD_createCCtx();
    values.resize(ZSTD_compressBound(s.page.size()));
    const std::size_t n = ZSTD_compressCCtx(s.zstd, values.data(), values.size(), s.page.data(),
                                            s.page.size(), options.zstd_level);
    if (ZSTD_isError(n))
      return zic::error(errc::invalid_argument, std::string("zstd: ") + ZSTD_getErrorName(n));
    values.resize(n);
    body = &values;
  }
  if (s.page.size() > 0x7fffffff || body->size() > 0x7fffffff)
    return zic::error(errc::invalid_argument,
                      "a Parquet page of field '" + c.name + "' would exceed 2 GiB");

  // PageHeader: 1 type (DATA_PAGE), 2 uncompressed size, 3 compressed size, 5 DataPageHeader
  // (1 num_values, 2 encoding, 3 definition level encoding, 4 repetition level encoding).
  compact& o = *s.out;
  o.writeStructBegin("");
  field_i32(o, 1, 0);
  field_i32(o, 2, static_cast<std::int32_t>(s.page.size()));
  field_i32(o, 3, static_cast<std::int32_t>(body->size()));
  begin_struct_field(o, 5);
  field_i32(o, 1, static_cast<std::int32_t>(level_count));
  field_i32(o, 2, enc_plain);
  field_i32(o, 3, enc_rle);
  field_i32(o, 4, enc_rle);
  end_struct_field(o);
  o.writeFieldStop();
  o.writeStructEnd();
  s.header.clear();
  s.drain(s.header);

  meta.offset = static_cast<std::int64_t>(out.size());
  meta.values = static_cast<std::int64_t>(level_count);
  meta.uncompressed = static_cast<std::int64_t>(s.header.size() + s.page.size());
  meta.compressed = static_cast<std::int64_t>(s.header.size() + body->size());
  out.append(s.header);
  out.append(*body);
  return {};
}

} // namespace detail

/**
 * Appends the chunk as one whole Parquet file.
 *
 * @code
 * zic::write::parquet_scratch scratch;
 * std::string bytes;
 * if (auto ok = zic::write::encode_parquet(chunk, {}, scratch, bytes); !ok) report(ok.error());
 * @endcode
 */
inline result<void> encode_parquet(const chunk_view& chunk, const parquet_options& options,
                                   parquet_scratch& s, std::string& out) {
  using namespace detail;
  const std::size_t base = out.size();
  out.append("PAR1");
  std::vector<leaf_layout> layouts;
  layouts.reserve(chunk.columns.size());
  for (const column& c : chunk.columns)
    layouts.push_back(layout_of(c));

  const std::size_t group = std::max<std::size_t>(1, options.row_group_rows);
  const std::size_t groups = chunk.rows == 0 ? 0 : (chunk.rows + group - 1) / group;
  s.chunks.assign(groups * chunk.columns.size(), chunk_meta{});
  for (std::size_t g = 0; g < groups; ++g) {
    const std::size_t r0 = g * group, r1 = std::min(chunk.rows, r0 + group);
    for (std::size_t i = 0; i < chunk.columns.size(); ++i) {
      chunk_meta& m = s.chunks[g * chunk.columns.size() + i];
      if (auto ok = put_page(chunk.columns[i], layouts[i], r0, r1, options, s, out, m); !ok)
        return ok;
      m.offset -= static_cast<std::int64_t>(base);
    }
  }

  // FileMetaData: 1 version, 2 schema, 3 num_rows, 4 row_groups, 6 created_by.
  compact& o = *s.out;
  const std::int32_t codec = options.codec == zic::compression::snappy ? 1
                             : options.codec == zic::compression::zstd ? 6
                                                                       : 0;
  o.writeStructBegin("");
  field_i32(o, 1, 1);
  o.writeFieldBegin("", thrift::protocol::T_LIST, 2);
  std::uint32_t nodes = 1;
  for (const auto& l : layouts)
    nodes += l.list ? 3 : 1;
  o.writeListBegin(thrift::protocol::T_STRUCT, nodes);
  schema_node root;
  root.children = static_cast<std::int32_t>(chunk.columns.size());
  write_schema_element(o, "schema", root);
  for (std::size_t i = 0; i < chunk.columns.size(); ++i) {
    const column& c = chunk.columns[i];
    const std::int32_t rep = c.nullable ? rep_optional : rep_required;
    if (!layouts[i].list) {
      write_schema_element(o, c.name, leaf_node(layouts[i], rep));
      continue;
    }
    schema_node outer;
    outer.repetition = rep, outer.children = 1, outer.converted = ct_list,
    outer.logical = schema_node::list;
    write_schema_element(o, c.name, outer);
    schema_node middle;
    middle.repetition = rep_repeated, middle.children = 1;
    write_schema_element(o, "list", middle);
    write_schema_element(o, "element", leaf_node(layouts[i], rep_required));
  }
  o.writeListEnd();
  o.writeFieldEnd();
  field_i64(o, 3, static_cast<std::int64_t>(chunk.rows));
  o.writeFieldBegin("", thrift::protocol::T_LIST, 4);
  o.writeListBegin(thrift::protocol::T_STRUCT, static_cast<std::uint32_t>(groups));
  for (std::size_t g = 0; g < groups; ++g) {
    // RowGroup: 1 columns, 2 total_byte_size, 3 num_rows, 5 file_offset, 6 total_compressed_size, 7
    // ordinal
    const std::size_t r0 = g * group, r1 = std::min(chunk.rows, r0 + group);
    std::int64_t total = 0, compressed = 0;
    o.writeStructBegin("");
    o.writeFieldBegin("", thrift::protocol::T_LIST, 1);
    o.writeListBegin(thrift::protocol::T_STRUCT, static_cast<std::uint32_t>(chunk.columns.size()));
    for (std::size_t i = 0; i < chunk.columns.size(); ++i) {
      const chunk_meta& m = s.chunks[g * chunk.columns.size() + i];
      total += m.uncompressed;
      compressed += m.compressed;
      // ColumnChunk: 2 file_offset, 3 meta_data (ColumnMetaData: 1 type, 2 encodings,
      // 3 path_in_schema, 4 codec, 5 num_values, 6 total_uncompressed_size,
      // 7 total_compressed_size, 9 data_page_offset)
      o.writeStructBegin("");
      field_i64(o, 2, m.offset);
      begin_struct_field(o, 3);
      field_i32(o, 1, layouts[i].physical);
      o.writeFieldBegin("", thrift::protocol::T_LIST, 2);
      o.writeListBegin(thrift::protocol::T_I32, 2);
      o.writeI32(enc_plain);
      o.writeI32(enc_rle);
      o.writeListEnd();
      o.writeFieldEnd();
      o.writeFieldBegin("", thrift::protocol::T_LIST, 3);
      o.writeListBegin(thrift::protocol::T_STRING, layouts[i].list ? 3 : 1);
      o.writeString(chunk.columns[i].name);
      if (layouts[i].list) {
        o.writeString(std::string("list"));
        o.writeString(std::string("element"));
      }
      o.writeListEnd();
      o.writeFieldEnd();
      field_i32(o, 4, codec);
      field_i64(o, 5, m.values);
      field_i64(o, 6, m.uncompressed);
      field_i64(o, 7, m.compressed);
      field_i64(o, 9, m.offset);
      end_struct_field(o);
      o.writeFieldStop();
      o.writeStructEnd();
    }
    o.writeListEnd();
    o.writeFieldEnd();
    field_i64(o, 2, total);
    field_i64(o, 3, static_cast<std::int64_t>(r1 - r0));
    field_i64(o, 5, s.chunks[g * chunk.columns.size()].offset);
    field_i64(o, 6, compressed);
    o.writeFieldBegin("", thrift::protocol::T_I16, 7);
    o.writeI16(static_cast<std::int16_t>(std::min<std::size_t>(g, 0x7fff)));
    o.writeFieldEnd();
    o.writeFieldStop();
    o.writeStructEnd();
  }
  o.writeListEnd();
  o.writeFieldEnd();
  field_string(o, 6, "zic version " ZIC_VERSION_STRING);
  o.writeFieldStop();
  o.writeStructEnd();
  const std::size_t footer_at = out.size();
  s.drain(out);
  put_u32(out, static_cast<std::uint32_t>(out.size() - footer_at));
  out.append("PAR1");
  return {};
}

} // namespace write
ZIC_NAMESPACE_END

#endif // ZIC_WRITE_PARQUET_HPP
