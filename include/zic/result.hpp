#ifndef ZIC_RESULT_HPP
#define ZIC_RESULT_HPP

#include "error.hpp"

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

ZIC_NAMESPACE_BEGIN

// Reading the value of a failed result, or the error of a successful one, is a bug in the
// caller: debug builds stop there (as simdjson and Boost do) instead of reading garbage.
// Define ZIC_ASSERT to choose another reaction.
#ifndef ZIC_ASSERT
#ifdef NDEBUG
#define ZIC_ASSERT(condition, what) ((void)0)
#else
#define ZIC_ASSERT(condition, what) ((condition) ? (void)0 : ::zic::detail::assert_failed(what, __FILE__, __LINE__))
#endif
#endif

namespace detail {
[[noreturn]] inline void assert_failed(const char* what, const char* file, int line) noexcept {
  std::fprintf(stderr, "zic: %s:%d: %s\n", file, line, what);
  std::abort();
}

[[noreturn]] inline void throw_error(const zic::error& e) {
#if ZIC_EXCEPTIONS
  throw zic::exception(e);
#else
  std::fprintf(stderr, "zic: fatal: %s\n", e.message.c_str());
  std::abort();
#endif
}
} // namespace detail

/**
 * A value or a `zic::error`, in the manner of `simdjson_result`.
 *
 * @code
 * zic::result<std::string> id = client.create_import(req);
 * if (!id) return report(id.error());
 * use(*id);
 * @endcode
 */
template <class T> class [[nodiscard]] result {
public:
  using value_type = T;

  result(const T& v) : storage_(std::in_place_index<0>, v) {}
  result(T&& v) : storage_(std::in_place_index<0>, std::move(v)) {}
  result(zic::error e) : storage_(std::in_place_index<1>, std::move(e)) {}

  bool has_value() const noexcept { return storage_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  /// The value; only when `has_value()` (debug builds stop otherwise, see `ZIC_ASSERT`).
  T& operator*() & noexcept { return *value_ptr(); }
  const T& operator*() const& noexcept { return *value_ptr(); }
  T&& operator*() && noexcept { return std::move(*value_ptr()); }
  T* operator->() noexcept { return value_ptr(); }
  const T* operator->() const noexcept { return value_ptr(); }

  /// The value; throws `zic::exception` (or aborts without exceptions) on failure.
  T& value() & { check(); return **this; }
  const T& value() const& { check(); return **this; }
  T&& value() && { check(); return std::move(**this); }

  /// The error; only when `!has_value()` (debug builds stop otherwise).
  const zic::error& error() const& noexcept { return *error_ptr(); }
  zic::error&& error() && noexcept { return std::move(*error_ptr()); }

private:
  T* value_ptr() noexcept { return const_cast<T*>(std::as_const(*this).value_ptr()); }
  const T* value_ptr() const noexcept {
    ZIC_ASSERT(has_value(), "the value of a failed zic::result was read");
    return std::get_if<0>(&storage_);
  }
  zic::error* error_ptr() noexcept { return const_cast<zic::error*>(std::as_const(*this).error_ptr()); }
  const zic::error* error_ptr() const noexcept {
    ZIC_ASSERT(!has_value(), "the error of a successful zic::result was read");
    return std::get_if<1>(&storage_);
  }
  void check() const {
    if (!has_value()) detail::throw_error(*std::get_if<1>(&storage_));
  }
  std::variant<T, zic::error> storage_;
};

/// Success without a value, or a `zic::error`.
template <> class [[nodiscard]] result<void> {
public:
  using value_type = void;

  result() = default;
  result(zic::error e) : error_(std::move(e)) {}

  bool has_value() const noexcept { return !error_; }
  explicit operator bool() const noexcept { return has_value(); }
  void value() const {
    if (error_) detail::throw_error(*error_);
  }
  /// The error; only when `!has_value()` (debug builds stop otherwise).
  const zic::error& error() const& noexcept {
    ZIC_ASSERT(!has_value(), "the error of a successful zic::result was read");
    return *error_;
  }
  zic::error&& error() && noexcept {
    ZIC_ASSERT(!has_value(), "the error of a successful zic::result was read");
    return std::move(*error_);
  }

private:
  std::optional<zic::error> error_;
};

ZIC_NAMESPACE_END

#endif // ZIC_RESULT_HPP
