#ifndef ZIC_DETAIL_REQUEST_WRITER_HPP
#define ZIC_DETAIL_REQUEST_WRITER_HPP

// A request as HTTP/1.1 bytes, for a transport that writes its own (the Beast transport).
// The request has passed `detail::unsendable`, so nothing in it can frame the message.

#include <zic/zic.hpp>  // the core, as one header: also the single header

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

ZIC_NAMESPACE_BEGIN
namespace detail {

/// Writes the request line, headers and body into `out`, reusing its capacity. Host and
/// Content-Length are the transport's; a caller's own copies of them are dropped.
inline void write_request(const http_request& req, std::string& out) {
  out.clear();
  const std::string_view target = req.target.empty() ? std::string_view("/") : std::string_view(req.target);
  out.append(req.method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ");
  req.write_authority(out);
  out.append("\r\n");
  for (const auto& h : req.headers) {
    if (iequals(h.name, "Host") || iequals(h.name, "Content-Length")) continue;
    out.append(h.name).append(": ").append(h.value).append("\r\n");
  }
  char length[24];
  const auto end = std::to_chars(length, length + sizeof length, static_cast<std::uint64_t>(req.body.size())).ptr;
  out.append("Content-Length: ").append(length, end).append("\r\n\r\n").append(req.body);
}

} // namespace detail
ZIC_NAMESPACE_END

#endif // ZIC_DETAIL_REQUEST_WRITER_HPP
