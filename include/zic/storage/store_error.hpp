#ifndef ZIC_STORAGE_STORE_ERROR_HPP
#define ZIC_STORAGE_STORE_ERROR_HPP

// What an object store says when it refuses: S3, GCS and Azure all answer
// `<Error><Code>…</Code><Message>…</Message></Error>`, read here with pugixml. The code and the
// message reach the user; the store's own words are cut to a printable length and scrubbed of
// the caller's secrets by whoever holds them (the uploader).

#include "../detail/text.hpp"
#include "../error.hpp"
#include "../http.hpp"
#include "../result.hpp"

#include <pugixml.hpp>

#include <optional>
#include <string>
#include <string_view>

ZIC_NAMESPACE_BEGIN
namespace storage {

/** The `<Error>` document of an object store. */
struct store_error_body {
  std::string code;       ///< `NoSuchBucket`, `SignatureDoesNotMatch`, `AuthenticationFailed`, …
  std::string message;    ///< the store's explanation
  std::string request_id; ///< `RequestId`, when given
};

namespace detail {
/// Loads `body` as XML; false when it is not a well-formed document.
inline bool load_xml(pugi::xml_document &doc, std::string_view body) {
  if (body.empty()) return false;
  return static_cast<bool>(
      doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8));
}
/// The text of `parent`'s first child named `name`, ignoring any namespace prefix.
inline std::string child_text(const pugi::xml_node &parent, std::string_view name) {
  for (auto c : parent.children()) {
    std::string_view n = c.name();
    if (const auto colon = n.find(':'); colon != std::string_view::npos) n.remove_prefix(colon + 1);
    if (n == name) return c.child_value();
  }
  return {};
}
} // namespace detail

/// The `<Error>` document in `body`, or nothing when the body is not one.
inline std::optional<store_error_body> parse_store_error(std::string_view body) {
  pugi::xml_document doc;
  if (!detail::load_xml(doc, body)) return std::nullopt;
  const auto root = doc.document_element();
  if (std::string_view(root.name()) != "Error") return std::nullopt;
  store_error_body out;
  out.code = detail::child_text(root, "Code");
  out.message = detail::child_text(root, "Message");
  out.request_id = detail::child_text(root, "RequestId");
  if (out.code.empty()) return std::nullopt;
  return out;
}

/**
 * The failure an answer carries: `errc::http_status` with the HTTP status (so 5xx, 429 and
 * `SlowDown` count as retryable), and a message that begins with the store's code, e.g.
 * `NoSuchBucket: The specified bucket does not exist`. `what`, when not empty, names the
 * operation in front (a caller that names it itself passes nothing).
 */
inline zic::error store_error(const http_response &resp, std::string_view what) {
  zic::error e(errc::http_status, {});
  e.http_status = resp.status;
  std::string code, message;
  if (auto body = parse_store_error(resp.body)) {
    code = std::move(body->code);
    message = std::move(body->message);
    e.request_id = zic::detail::printable(body->request_id, 100);
  }
  // Azure also names the code in a header, which is all a HEAD answer has.
  if (code.empty()) code = std::string(resp.header("x-ms-error-code"));
  if (e.request_id.empty()) {
    auto id = resp.header("x-amz-request-id");
    if (id.empty()) id = resp.header("x-ms-request-id");
    e.request_id = zic::detail::printable(id, 100);
  }
  std::string text = "the store answered HTTP " + std::to_string(resp.status);
  if (!code.empty())
    text = zic::detail::printable(code, 100) + ": " + zic::detail::printable(message, 400) + " (" +
           text + ")";
  e.message = what.empty() ? text : std::string(what) + ": " + text;
  return e;
}

} // namespace storage
ZIC_NAMESPACE_END

#endif // ZIC_STORAGE_STORE_ERROR_HPP
