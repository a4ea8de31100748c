#ifndef ZIC_WRITE_JSON_HPP
#define ZIC_WRITE_JSON_HPP

// JSON rows as every server reads them: one document {"rows":[{...},...]}. Each value takes the
// server's JSON row shape (spec 7.1): vectors as number arrays, a BinaryVector as its dim/8
// byte values, Float16/BFloat16 vectors as dim numbers, JSON and sparse vectors as the objects
// themselves, null for null. Floats are written in their shortest form that reads back to the
// same bits (std::to_chars), as float32 for Float and float64 for Double.

#include "../detail/json_writer.hpp"
#include "columns.hpp"

#include <charconv>
#include <string>

ZIC_NAMESPACE_BEGIN
namespace write {

namespace detail {
template <class T>
void append_number(std::string& out, T v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

inline void append_scalar_json(std::string& out, data_type t, const char* p) {
  switch (t) {
  case data_type::boolean:
    out.append(*p ? "true" : "false");
    break;
  case data_type::int8:
    append_number(out, load<std::int8_t>(p));
    break;
  case data_type::int16:
    append_number(out, load<std::int16_t>(p));
    break;
  case data_type::int32:
    append_number(out, load<std::int32_t>(p));
    break;
  case data_type::int64:
    append_number(out, load<std::int64_t>(p));
    break;
  case data_type::float32:
    append_number(out, load<float>(p));
    break;
  case data_type::float64:
    append_number(out, load<double>(p));
    break;
  default:
    break;
  }
}
} // namespace detail

/** Appends one row's value of column `c` as JSON text (null for a null). */
inline void append_json_value(std::string& out, const column& c, std::size_t row) {
  if (c.is_null(row)) {
    out.append("null");
    return;
  }
  const std::string_view v = c.value(row);
  const char* p = v.data();
  switch (c.type) {
  case data_type::varchar:
  case data_type::text:
    zic::detail::append_json_string(out, v);
    return;
  case data_type::json:
  case data_type::sparse_float_vector:
    out.append(v);
    return;
  case data_type::array: {
    out.push_back('[');
    if (c.element == data_type::varchar) {
      for (std::size_t at = 0; at < v.size();) {
        const auto n = load<std::uint32_t>(p + at);
        if (at) out.push_back(',');
        zic::detail::append_json_string(out, v.substr(at + 4, n));
        at += 4 + n;
      }
    } else {
      const std::size_t w = scalar_width(c.element);
      for (std::size_t at = 0; at < v.size(); at += w) {
        if (at) out.push_back(',');
        detail::append_scalar_json(out, c.element, p + at);
      }
    }
    out.push_back(']');
    return;
  }
  case data_type::float_vector:
  case data_type::binary_vector:
  case data_type::float16_vector:
  case data_type::bfloat16_vector:
  case data_type::int8_vector: {
    out.push_back('[');
    const std::size_t n = c.type == data_type::float_vector    ? c.dim
                          : c.type == data_type::binary_vector ? c.dim / 8
                                                               : c.dim;
    for (std::size_t i = 0; i < n; ++i) {
      if (i) out.push_back(',');
      switch (c.type) {
      case data_type::float_vector:
        detail::append_number(out, load<float>(p + 4 * i));
        break;
      case data_type::binary_vector:
        detail::append_number(out, static_cast<unsigned>(static_cast<unsigned char>(p[i])));
        break;
      case data_type::float16_vector:
        detail::append_number(out, half_to_float(load<std::uint16_t>(p + 2 * i)));
        break;
      case data_type::bfloat16_vector:
        detail::append_number(out, bfloat16_to_float(load<std::uint16_t>(p + 2 * i)));
        break;
      default:
        detail::append_number(out, static_cast<int>(static_cast<signed char>(p[i])));
        break;
      }
    }
    out.push_back(']');
    return;
  }
  default:
    detail::append_scalar_json(out, c.type, p);
    return;
  }
}

/** Appends the chunk as one JSON document {"rows":[...]}: a whole `.json` import file. */
inline void encode_json(const chunk_view& chunk, std::string& out) {
  out.append("{\"rows\":[");
  for (std::size_t r = 0; r < chunk.rows; ++r) {
    out.append(r ? ",\n{" : "\n{");
    bool first = true;
    for (const column& c : chunk.columns) {
      if (!first) out.push_back(',');
      first = false;
      zic::detail::append_json_string(out, c.name);
      out.push_back(':');
      append_json_value(out, c, r);
    }
    out.push_back('}');
  }
  out.append("\n]}\n");
}

} // namespace write
ZIC_NAMESPACE_END

#endif // ZIC_WRITE_JSON_HPP
