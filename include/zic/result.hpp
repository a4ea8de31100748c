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

namespace detail {
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

  T& operator*() & noexcept { return *std::get_if<0>(&storage_); }
  const T& operator*() const& noexcept { return *std::get_if<0>(&storage_); }
  T&& operator*() && noexcept { return std::move(*std::get_if<0>(&storage_)); }
  T* operator->() noexcept { return std::get_if<0>(&storage_); }
  const T* operator->() const noexcept { return std::get_if<0>(&storage_); }

  /// The value; throws `zic::exception` (or aborts without exceptions) on failure.
  T& value() & { check(); return **this; }
  const T& value() const& { check(); return **this; }
  T&& value() && { check(); return std::move(**this); }

  /// The error; only meaningful when `!has_value()`.
  const zic::error& error() const& noexcept { return *std::get_if<1>(&storage_); }
  zic::error&& error() && noexcept { return std::move(*std::get_if<1>(&storage_)); }

private:
  void check() const {
    if (!has_value()) detail::throw_error(error());
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
  const zic::error& error() const& noexcept { return *error_; }
  zic::error&& error() && noexcept { return std::move(*error_); }

private:
  std::optional<zic::error> error_;
};

ZIC_NAMESPACE_END

#endif // ZIC_RESULT_HPP
