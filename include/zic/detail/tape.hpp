#ifndef ZIC_DETAIL_TAPE_HPP
#define ZIC_DETAIL_TAPE_HPP

// A read-only walk over the tape simdjson's DOM parser leaves behind (its documented format:
// one 64-bit word per value, the type in the top byte; strings as offsets into a buffer of
// length-prefixed bytes; objects and arrays pointing past their end). simdjson parses and
// validates; zic then reads the few fields it needs straight from the tape, which costs a
// fraction of going through `dom::element` for every field.

#include "../config.hpp"

#include <simdjson.h>

#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>

ZIC_NAMESPACE_BEGIN
namespace detail {

// The layout read here is simdjson 3's: a type byte on top of each 64-bit word, these letters.
static_assert(simdjson::SIMDJSON_VERSION_MAJOR >= 3, "zic reads the DOM tape of simdjson 3");
static_assert(simdjson::internal::JSON_VALUE_MASK == 0x00FFFFFFFFFFFFFFull, "the tape keeps its type in the top byte");
static_assert(char(simdjson::internal::tape_type::ROOT) == 'r' &&
                  char(simdjson::internal::tape_type::START_OBJECT) == '{' &&
                  char(simdjson::internal::tape_type::START_ARRAY) == '[' &&
                  char(simdjson::internal::tape_type::STRING) == '"' &&
                  char(simdjson::internal::tape_type::INT64) == 'l' &&
                  char(simdjson::internal::tape_type::UINT64) == 'u' &&
                  char(simdjson::internal::tape_type::DOUBLE) == 'd' &&
                  char(simdjson::internal::tape_type::NULL_VALUE) == 'n' &&
                  char(simdjson::internal::tape_type::TRUE_VALUE) == 't' &&
                  char(simdjson::internal::tape_type::FALSE_VALUE) == 'f',
              "the tape's type letters are the ones zic compares against");

class tape_value {
public:
  tape_value() = default;
  tape_value(const simdjson::dom::document& doc, std::size_t index) noexcept
      : tape_(doc.tape.get()), strings_(doc.string_buf.get()), i_(index) {}

  /// The root value of a successfully parsed document.
  static tape_value root(const simdjson::dom::document& doc) noexcept { return {doc, 1}; }

  char type() const noexcept { return static_cast<char>(word() >> 56); }
  bool is_object() const noexcept { return type() == '{'; }
  bool is_array() const noexcept { return type() == '['; }
  bool is_string() const noexcept { return type() == '"'; }
  bool is_null() const noexcept { return type() == 'n'; }
  bool is_int64() const noexcept { return type() == 'l'; }
  bool is_uint64() const noexcept { return type() == 'u'; }
  bool is_double() const noexcept { return type() == 'd'; }

  /// Only when `is_string()`.
  std::string_view string() const noexcept {
    const std::uint64_t offset = word() & simdjson::internal::JSON_VALUE_MASK;
    std::uint32_t length;
    std::memcpy(&length, strings_ + offset, sizeof length);
    return {reinterpret_cast<const char*>(strings_ + offset + sizeof length), length};
  }
  /// Only when `is_int64()`, `is_uint64()` or `is_double()`: the next word's bits.
  template <class T> T number() const noexcept {
    T v;
    std::memcpy(&v, &tape_[i_ + 1], sizeof v);
    return v;
  }

  /// How many elements an array (or members an object) holds, as the tape records it;
  /// saturates at 0xFFFFFF. Only when `is_array()` or `is_object()`.
  std::size_t count() const noexcept { return (word() >> 32) & simdjson::internal::JSON_COUNT_MASK; }

  /// The index just past this value (and all it contains).
  ZIC_ALWAYS_INLINE std::size_t after() const noexcept {
    switch (type()) {
    case '{':
    case '[': return static_cast<std::uint32_t>(word());
    case 'l':
    case 'u':
    case 'd': return i_ + 2;
    default: return i_ + 1;
    }
  }

  class field_iterator;
  class item_iterator;
  template <class It> struct range {
    It b, e;
    It begin() const noexcept { return b; }
    It end() const noexcept { return e; }
  };
  /// Members of an object (only when `is_object()`), as (key, value) pairs.
  range<field_iterator> fields() const noexcept;
  /// Elements of an array (only when `is_array()`).
  range<item_iterator> items() const noexcept;

  std::size_t index() const noexcept { return i_; }
  tape_value at(std::size_t index) const noexcept {
    tape_value v = *this;
    v.i_ = index;
    return v;
  }

private:
  std::uint64_t word() const noexcept { return tape_[i_]; }

  const std::uint64_t* tape_ = nullptr;
  const std::uint8_t* strings_ = nullptr;
  std::size_t i_ = 0;
};

class tape_value::field_iterator {
public:
  explicit field_iterator(tape_value key) noexcept : key_(key) {}
  std::pair<std::string_view, tape_value> operator*() const noexcept {
    return {key_.string(), key_.at(key_.index() + 1)};
  }
  field_iterator& operator++() noexcept {
    key_ = key_.at(key_.at(key_.index() + 1).after());
    return *this;
  }
  bool operator!=(const field_iterator& o) const noexcept { return key_.index() != o.key_.index(); }

private:
  tape_value key_;
};

class tape_value::item_iterator {
public:
  explicit item_iterator(tape_value item) noexcept : item_(item) {}
  tape_value operator*() const noexcept { return item_; }
  item_iterator& operator++() noexcept {
    item_ = item_.at(item_.after());
    return *this;
  }
  bool operator!=(const item_iterator& o) const noexcept { return item_.index() != o.item_.index(); }

private:
  tape_value item_;
};

// A container's closing word sits just before `after()`.
inline tape_value::range<tape_value::field_iterator> tape_value::fields() const noexcept {
  return {field_iterator(at(i_ + 1)), field_iterator(at(after() - 1))};
}
inline tape_value::range<tape_value::item_iterator> tape_value::items() const noexcept {
  return {item_iterator(at(i_ + 1)), item_iterator(at(after() - 1))};
}

} // namespace detail
ZIC_NAMESPACE_END

#endif // ZIC_DETAIL_TAPE_HPP
