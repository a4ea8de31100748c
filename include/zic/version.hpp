#ifndef ZIC_VERSION_HPP
#define ZIC_VERSION_HPP

#define ZIC_VERSION_MAJOR 0
#define ZIC_VERSION_MINOR 1
#define ZIC_VERSION_PATCH 0
#define ZIC_VERSION_STRING "0.1.0"

#include "config.hpp"

#include <string_view>

ZIC_NAMESPACE_BEGIN

/// The library version, e.g. "0.1.0"; also sent as `User-Agent: zic/<version>`.
inline constexpr std::string_view version = ZIC_VERSION_STRING;

ZIC_NAMESPACE_END

#endif // ZIC_VERSION_HPP
