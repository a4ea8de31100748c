#ifndef ZIC_WRITE_NUMPY_HPP
#define ZIC_WRITE_NUMPY_HPP

// One column as a NumPy `.npy` file (format version 1.0), with the dtypes pymilvus writes and
// the server accepts (spec 7.1a, 7.1c): bool, int8..int64, float32, float64 of shape (N,);
// dense vectors of shape (N, k): float32 (k = dim), uint8 (BinaryVector, k = dim/8; Float16 and
// BFloat16 vectors as raw little-endian bytes, k = 2*dim) and int8 (k = dim); VarChar, Text,
// JSON text and `$meta` as fixed-width UTF-32 strings (`<U` + the longest value's length in
// code points). NumPy carries neither arrays, sparse vectors nor nulls, so those are refused.

#include "../result.hpp"
#include "columns.hpp"

#include <algorithm>
#include <charconv>
#include <string>

ZIC_NAMESPACE_BEGIN
namespace write {

/** Whether a column of this type can be a `.npy` file. */
constexpr bool numpy_can_hold(data_type t) noexcept {
  return t != data_type::array && t != data_type::sparse_float_vector;
}

namespace detail {
// Decodes one code point of valid UTF-8 (the writer checks strings before they are buffered).
inline char32_t next_code_point(std::string_view s, std::size_t& i) noexcept {
  const auto b = static_cast<unsigned char>(s[i]);
  int extra = b < 0x80 ? 0 : b < 0xe0 ? 1 : b < 0xf0 ? 2 : 3;
  char32_t cp = extra == 0 ? b : extra == 1 ? (b & 0x1fu) : extra == 2 ? (b & 0x0fu) : (b & 0x07u);
  ++i;
  for (; extra > 0 && i < s.size(); --extra, ++i)
    cp = (cp << 6) | (static_cast<unsigned char>(s[i]) & 0x3fu);
  return cp;
}

inline std::size_t code_points(std::string_view s) noexcept {
  std::size_t n = 0;
  for (char ch : s)
    n += (static_cast<unsigned char>(ch) & 0xc0u) != 0x80u;
  return n;
}
} // namespace detail

/** Appends column `c` as a whole `.npy` file. */
inline result<void> encode_npy(const column& c, std::string& out) {
  if (!numpy_can_hold(c.type))
    return zic::error(errc::invalid_argument, "NumPy files cannot hold the " +
                                                  std::string(data_type_name(c.type)) + " field '" +
                                                  c.name + "'");
  for (std::size_t r = 0; r < c.rows && c.nullable; ++r)
    if (c.is_null(r))
      return zic::error(errc::invalid_argument, "NumPy files cannot hold a null (field '" + c.name +
                                                    "', row " + std::to_string(r) + ")");
  std::string descr;
  std::size_t inner = 0; // the second dimension, or 0 for (N,)
  std::size_t chars = 0; // string columns: code points per value
  const bool text =
      c.type == data_type::varchar || c.type == data_type::text || c.type == data_type::json;
  switch (c.type) {
  case data_type::boolean:
    descr = "|b1";
    break;
  case data_type::int8:
    descr = "|i1";
    break;
  case data_type::int16:
    descr = "<i2";
    break;
  case data_type::int32:
    descr = "<i4";
    break;
  case data_type::int64:
    descr = "<i8";
    break;
  case data_type::float32:
    descr = "<f4";
    break;
  case data_type::float64:
    descr = "<f8";
    break;
  case data_type::float_vector:
    descr = "<f4", inner = c.dim;
    break;
  case data_type::binary_vector:
    descr = "|u1", inner = c.dim / 8;
    break;
  case data_type::float16_vector:
  case data_type::bfloat16_vector:
    descr = "|u1", inner = std::size_t(c.dim) * 2;
    break;
  case data_type::int8_vector:
    descr = "|i1", inner = c.dim;
    break;
  default: {
    chars = 1; // NumPy has no zero-width string dtype
    for (std::size_t r = 0; r < c.rows; ++r)
      chars = std::max(chars, detail::code_points(c.value(r)));
    descr = "<U" + std::to_string(chars);
  }
  }
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" +
                       std::to_string(c.rows) +
                       (inner ? ", " + std::to_string(inner) + ")" : ",)") + ", }";
  // NumPy pads the header with spaces and a newline so the data starts on a 64-byte boundary.
  const std::size_t total = (10 + header.size() + 1 + 63) / 64 * 64;
  header.append(total - 10 - header.size() - 1, ' ');
  header.push_back('\n');
  if (header.size() > 0xffff)
    return zic::error(errc::invalid_argument, "NumPy header too long for field '" + c.name + "'");
  out.append("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  out.append(header);
  if (!text) {
    out.append(c.data);
    return {};
  }
  const std::size_t start = out.size();
  out.resize(start + c.rows * chars * 4, '\0');
  char* p = out.data() + start;
  for (std::size_t r = 0; r < c.rows; ++r, p += chars * 4) {
    const std::string_view v = c.value(r);
    std::size_t k = 0;
    for (std::size_t i = 0; i < v.size(); ++k) {
      const char32_t cp = detail::next_code_point(v, i);
      const auto u = static_cast<std::uint32_t>(cp);
      std::memcpy(p + 4 * k, &u, 4);
    }
  }
  return {};
}

} // namespace write
ZIC_NAMESPACE_END

#endif // ZIC_WRITE_NUMPY_HPP
