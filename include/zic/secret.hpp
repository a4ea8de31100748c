#ifndef ZIC_SECRET_HPP
#define ZIC_SECRET_HPP

#include "config.hpp"

#include <ostream>
#include <string>
#include <string_view>
#include <utility>

ZIC_NAMESPACE_BEGIN

/**
 * A credential (API key, access key, secret key, session token). Printing it shows `***`;
 * the value is read only through `reveal()`, so a leak takes a deliberate call.
 */
class secret {
public:
  secret() = default;
  secret(std::string value) : value_(std::move(value)) {}
  secret(const char* value) : value_(value ? value : "") {}
  secret(std::string_view value) : value_(value) {}

  /// The raw value, for building a request and nothing else.
  const std::string& reveal() const noexcept { return value_; }
  bool empty() const noexcept { return value_.empty(); }

  /// `***` when set, empty when not: enough to tell whether a credential was given.
  std::string_view redacted() const noexcept { return value_.empty() ? "" : "***"; }

  friend bool operator==(const secret& a, const secret& b) noexcept { return a.value_ == b.value_; }
  friend std::ostream& operator<<(std::ostream& os, const secret& s) { return os << s.redacted(); }

private:
  std::string value_;
};

ZIC_NAMESPACE_END

#endif // ZIC_SECRET_HPP
