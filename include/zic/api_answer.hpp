#ifndef ZIC_API_ANSWER_HPP
#define ZIC_API_ANSWER_HPP

// What an answer of the import API means: the envelope read into the caller's output, or the
// error that says most. The call engine asks this policy; object stores have their own.

#include "detail/text.hpp"
#include "error.hpp"
#include "http.hpp"
#include "operation.hpp"
#include "requests.hpp"
#include "responses.hpp"
#include "result.hpp"

#include <string>

ZIC_NAMESPACE_BEGIN
namespace detail {

/**
 * What an answer of the import API means, for the call engine: a 2xx answer's envelope is read
 * into the caller's output by `read`; any other answer, or an envelope with a code, becomes the
 * error that says most. Credentials of a create request (`secrets`) are masked in messages.
 */
template <class Read> struct api_answer {
  response_parser& parser;
  operation op;
  Read read;
  const create_import_request* secrets = nullptr;

  result<void> operator()(const http_response& resp) {
    auto ok = parser.parse(resp, answer_name(op), read);
    const bool success_status = resp.status >= 200 && resp.status < 300;
    if (ok && success_status) return ok;
    zic::error e;
    if (!ok && ok.error().code == errc::api_error) {
      e = std::move(ok).error();  // an envelope with a code: say both
      if (e.api_code == 2100 && icontains(e.message, "does not exist") && op != operation::create &&
          op != operation::list)
        e.code = make_error_code(errc::job_not_found);
    } else if (resp.status >= 300 && resp.status < 400) {
      // Never followed: a redirect could carry the Authorization header to another host.
      const auto where = resp.header("Location");
      e = zic::error(errc::http_status, "HTTP " + std::to_string(resp.status) + ": a redirect" +
                                            (where.empty() ? std::string() : " to " + printable(where, 200)) +
                                            ", which zic does not follow; point the endpoint at the final address");
    } else if (!success_status) {
      e = zic::error(errc::http_status, "HTTP " + std::to_string(resp.status) +
                                            (resp.body.empty() ? std::string(" with an empty body")
                                                               : ": " + printable(resp.body, 200)));
    } else {
      e = std::move(ok).error();
    }
    e.http_status = resp.status;
    return e;
  }

  void scrub(zic::error& e) const {
    if (!secrets) return;
    redact_credential(e.message, secrets->access_key.reveal());
    redact_credential(e.message, secrets->secret_key.reveal());
    redact_credential(e.message, secrets->token.reveal());
  }
};

} // namespace detail
ZIC_NAMESPACE_END

#endif // ZIC_API_ANSWER_HPP
