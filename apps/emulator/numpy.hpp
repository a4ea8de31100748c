#ifndef ZIC_EMULATOR_NUMPY_HPP
#define ZIC_EMULATOR_NUMPY_HPP

// The header of a NumPy .npy file (format versions 1 to 3): enough to know how many rows the
// column holds and how many data bytes must follow.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zic_emulator {

struct npy_header {
  std::vector<std::int64_t> shape;
  std::int64_t data_offset = 0;          // where the array's bytes start
  std::int64_t item_size = 0;            // bytes per element
  std::string dtype;                     // the descr code, such as "<f4" or "|u1"
};

inline constexpr std::string_view npy_magic = "\x93NUMPY";
inline constexpr std::size_t npy_prelude = 12;  // magic, version, and room for a 4-byte length
// Versions 2 and 3 allow headers up to 4 GiB, nearly all padding; the emulator reads this much.
inline constexpr std::int64_t npy_max_header = std::int64_t(16) << 20;

// The header's total length (prelude included) from the first bytes of a file, or an error.
inline std::optional<std::int64_t> npy_header_length(std::string_view head, std::string& error) {
  if (head.size() < 10 || head.substr(0, npy_magic.size()) != npy_magic) {
    error = "not a NumPy file (no \\x93NUMPY magic)";
    return std::nullopt;
  }
  const auto byte = [&](std::size_t i) { return std::int64_t(static_cast<unsigned char>(head[i])); };
  const int major = static_cast<int>(byte(6));
  if (major == 1) return 10 + (byte(8) | byte(9) << 8);
  if (major == 2 || major == 3) {
    if (head.size() < npy_prelude) {
      error = "NumPy header is truncated";
      return std::nullopt;
    }
    return 12 + (byte(8) | byte(9) << 8 | byte(10) << 16 | byte(11) << 24);
  }
  error = "unsupported NumPy format version " + std::to_string(major);
  return std::nullopt;
}

namespace detail {

// The text after `'key':` in the header's dictionary literal, or empty.
inline std::string_view npy_value(std::string_view dict, std::string_view key) {
  for (char quote : {'\'', '"'}) {
    std::string quoted = std::string(1, quote) + std::string(key) + quote;
    auto at = dict.find(quoted);
    if (at == std::string_view::npos) continue;
    auto rest = dict.substr(at + quoted.size());
    auto colon = rest.find_first_not_of(" \t");
    if (colon == std::string_view::npos || rest[colon] != ':') continue;
    rest = rest.substr(colon + 1);
    return rest.substr(std::min(rest.size(), rest.find_first_not_of(" \t")));
  }
  return {};
}

} // namespace detail

// Parses the whole header (the first `npy_header_length` bytes).
inline std::optional<npy_header> parse_npy_header(std::string_view bytes, std::string& error) {
  auto length = npy_header_length(bytes, error);
  if (!length) return std::nullopt;
  if (static_cast<std::int64_t>(bytes.size()) < *length) {
    error = "NumPy header is truncated";
    return std::nullopt;
  }
  const std::size_t prefix = bytes[6] == 1 ? 10 : 12;
  const std::string_view dict = bytes.substr(prefix, static_cast<std::size_t>(*length) - prefix);
  npy_header h;
  h.data_offset = *length;
  auto shape = detail::npy_value(dict, "shape");
  if (shape.empty() || shape.front() != '(') {
    error = "NumPy header has no shape";
    return std::nullopt;
  }
  auto close = shape.find(')');
  if (close == std::string_view::npos) {
    error = "NumPy header has a malformed shape";
    return std::nullopt;
  }
  std::string_view dims = shape.substr(1, close - 1);
  while (!dims.empty()) {
    auto comma = dims.find(',');
    std::string_view item = dims.substr(0, comma);
    while (!item.empty() && (item.front() == ' ')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == 'L')) item.remove_suffix(1);
    if (!item.empty()) {
      std::int64_t v = 0;
      for (char c : item) {
        if (c < '0' || c > '9' || v > (INT64_MAX - 9) / 10) {
          error = "NumPy header has a malformed shape";
          return std::nullopt;
        }
        v = v * 10 + (c - '0');
      }
      h.shape.push_back(v);
    }
    if (comma == std::string_view::npos) break;
    dims.remove_prefix(comma + 1);
  }
  if (h.shape.empty()) {
    error = "NumPy array is a scalar (shape ()): a column needs one row per entity";
    return std::nullopt;
  }
  // The data-size check needs bytes per element, so only a plain dtype such as '<f4' or '|u1'
  // reads. Object arrays hold pointers to Python objects (none of which the file holds), and a
  // zero size ('<f0', '<U0') would let a few bytes claim any number of rows.
  auto descr = detail::npy_value(dict, "descr");
  if (descr.empty()) {
    error = "NumPy header has no descr (dtype)";
    return std::nullopt;
  }
  std::string_view code;
  if (descr[0] == '\'' || descr[0] == '"') {
    const auto end = descr.find(descr[0], 1);
    if (end != std::string_view::npos) code = descr.substr(1, end - 1);
  }
  if (descr[0] == '[') {
    error = "NumPy dtype is structured (a list of fields), not a plain type (such as '<f4' or "
            "'<U16')";
    return std::nullopt;
  }
  const auto shown = [&] {
    const auto text = code.empty() ? descr.substr(0, descr.find_first_of(",}")) : code;
    return "'" + std::string(text) + "'";
  };
  if (code.size() >= 2 && std::string_view("<>|=").find(code[0]) != std::string_view::npos &&
      code[1] == 'O') {
    error = "NumPy dtype " + shown() + " holds Python objects, which an import cannot read";
    return std::nullopt;
  }
  std::int64_t n = -1;
  if (code.size() >= 3 && std::string_view("<>|=").find(code[0]) != std::string_view::npos &&
      std::string_view("biufcSUV").find(code[1]) != std::string_view::npos) {
    n = 0;
    for (char c : code.substr(2)) {
      if (c < '0' || c > '9' || n >= (1 << 20)) {
        n = -1;
        break;
      }
      n = n * 10 + (c - '0');
    }
  }
  if (n < 0) {
    error = "NumPy dtype " + shown() + " is not a plain type (such as '<f4' or '<U16')";
    return std::nullopt;
  }
  if (n == 0) {
    error = "NumPy dtype " + shown() + " has items of 0 bytes";
    return std::nullopt;
  }
  h.item_size = code[1] == 'U' ? n * 4 : n;  // UCS-4
  h.dtype = std::string(code);
  return h;
}

// Bytes of array data the header promises (saturates on overflow).
inline std::int64_t npy_data_bytes(const npy_header& h) {
  // Any zero dimension makes the array empty, wherever it comes after a huge one.
  if (std::find(h.shape.begin(), h.shape.end(), 0) != h.shape.end()) return 0;
  std::int64_t n = h.item_size;
  for (auto d : h.shape) {
    if (d != 0 && n > INT64_MAX / d) return INT64_MAX;
    n *= d;
  }
  return n;
}

} // namespace zic_emulator

#endif
