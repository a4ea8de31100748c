#ifndef ZIC_WRITE_COLUMNS_HPP
#define ZIC_WRITE_COLUMNS_HPP

// The buffered columns of one chunk, as every encoder reads them. One layout serves all four
// formats, so a chunk is checked once and then written in any of them.
//
// Fixed-size values (scalars, dense vectors) sit back to back in `data`, little endian, one
// slot per row; a null row holds zeros there. Variable-size values (strings, JSON text, arrays)
// sit back to back too, and `ends` holds where each row's bytes end. Array elements keep their
// natural width (Bool 1 byte, Int16 2, ...); VarChar elements are a 4-byte length then the bytes.

#include "../config.hpp"
#include "../schema.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

static_assert(std::endian::native == std::endian::little,
              "zic's file writers assume a little-endian host");

ZIC_NAMESPACE_BEGIN
namespace write {

/** Bytes of one scalar value of `t` in a column or an array (0 for variable-size types). */
constexpr std::size_t scalar_width(data_type t) noexcept {
  switch (t) {
  case data_type::boolean:
  case data_type::int8:
    return 1;
  case data_type::int16:
    return 2;
  case data_type::int32:
  case data_type::float32:
    return 4;
  case data_type::int64:
  case data_type::float64:
    return 8;
  default:
    return 0;
  }
}

/** One column of a chunk: a schema field, or the dynamic field `$meta` (type JSON). */
struct column {
  std::string name;
  data_type type = data_type::int64;
  data_type element = data_type::int64; ///< Array only
  std::uint32_t dim = 0;
  bool nullable = false;
  std::vector<std::uint8_t> valid; ///< nullable only: 1 for a value, 0 for null, one per row
  std::string data;                ///< the values (see the file comment)
  std::vector<std::uint64_t> ends; ///< variable-size only: end of each row's bytes in `data`
  std::size_t rows = 0;

  /** Bytes per row of a fixed-size column, or 0 when values vary in size. */
  std::size_t width() const noexcept {
    switch (type) {
    case data_type::float_vector:
      return std::size_t(dim) * 4;
    case data_type::binary_vector:
      return dim / 8;
    case data_type::float16_vector:
    case data_type::bfloat16_vector:
      return std::size_t(dim) * 2;
    case data_type::int8_vector:
      return dim;
    default:
      return scalar_width(type);
    }
  }
  bool is_null(std::size_t row) const noexcept { return nullable && valid[row] == 0; }
  /** The bytes of one row's value. */
  std::string_view value(std::size_t row) const noexcept {
    if (const std::size_t w = width()) return {data.data() + row * w, w};
    const std::size_t begin = row == 0 ? 0 : ends[row - 1];
    return {data.data() + begin, ends[row] - begin};
  }
  /** Drops the rows, keeping the capacity (so the next chunk allocates nothing). */
  void clear() noexcept {
    valid.clear();
    data.clear();
    ends.clear();
    rows = 0;
  }
  /** What the column holds in memory, as chunk sizes count it. */
  std::size_t buffered_bytes() const noexcept {
    return data.size() + ends.size() * 8 + valid.size();
  }
};

/** The columns of one chunk, all of `rows` rows. */
struct chunk_view {
  std::span<const column> columns;
  std::size_t rows = 0;
};

/** A little-endian value of type T at `p` (any alignment). */
template <class T>
T load(const char* p) noexcept {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

/** IEEE binary16 from binary32, rounding to nearest even; overflow gives infinity. */
inline std::uint16_t float_to_half(float f) noexcept {
  const auto x = std::bit_cast<std::uint32_t>(f);
  const auto sign = static_cast<std::uint16_t>((x >> 16) & 0x8000u);
  const std::uint32_t exp = (x >> 23) & 0xffu;
  std::uint32_t mant = x & 0x7fffffu;
  if (exp == 0xff) return static_cast<std::uint16_t>(sign | 0x7c00u | (mant ? 0x200u : 0u));
  const int e = static_cast<int>(exp) - 127 + 15;
  if (e >= 31) return static_cast<std::uint16_t>(sign | 0x7c00u);
  if (e <= 0) { // a half subnormal, or zero
    if (e < -10) return sign;
    mant |= 0x800000u;
    const auto shift = static_cast<std::uint32_t>(14 - e);
    std::uint32_t h = mant >> shift;
    const std::uint32_t rest = mant & ((1u << shift) - 1), mid = 1u << (shift - 1);
    if (rest > mid || (rest == mid && (h & 1u))) ++h;
    return static_cast<std::uint16_t>(sign | h);
  }
  std::uint32_t h = (static_cast<std::uint32_t>(e) << 10) | (mant >> 13);
  const std::uint32_t rest = mant & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h; // a carry into the exponent is right
  return static_cast<std::uint16_t>(sign | h);
}

/** binary32 from IEEE binary16 (exact). */
inline float half_to_float(std::uint16_t h) noexcept {
  const float sign = (h & 0x8000u) ? -1.0f : 1.0f;
  const int exp = (h >> 10) & 0x1f;
  const int mant = h & 0x3ff;
  if (exp == 0) return sign * std::ldexp(static_cast<float>(mant), -24);
  if (exp == 31)
    return mant ? std::numeric_limits<float>::quiet_NaN()
                : sign * std::numeric_limits<float>::infinity();
  return sign * std::ldexp(static_cast<float>(1024 + mant), exp - 25);
}

/** bfloat16 from binary32, rounding to nearest even. */
inline std::uint16_t float_to_bfloat16(float f) noexcept {
  const auto x = std::bit_cast<std::uint32_t>(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((x >> 16) | 0x40u);
  return static_cast<std::uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

/** binary32 from bfloat16 (exact). */
inline float bfloat16_to_float(std::uint16_t b) noexcept {
  return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16);
}

} // namespace write
ZIC_NAMESPACE_END

#endif // ZIC_WRITE_COLUMNS_HPP
