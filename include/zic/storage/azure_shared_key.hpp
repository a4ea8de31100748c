#ifndef ZIC_STORAGE_AZURE_SHARED_KEY_HPP
#define ZIC_STORAGE_AZURE_SHARED_KEY_HPP

// Azure Blob Storage's Shared Key signature as a pure function: (request, account key, time)
// -> headers; and SAS tokens, which sign nothing here because the token is the signature.

#include "../http.hpp"
#include "../result.hpp"
#include "../secret.hpp"
#include "digest.hpp"
#include "sigv4.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

ZIC_NAMESPACE_BEGIN
namespace storage {

/** An Azure storage account and its key, as the portal shows it (base64). */
struct azure_credentials {
  std::string account; ///< the account name; not secret
  secret key;          ///< the account key, base64
};

/// The `x-ms-version` zic speaks: Put Block with base64 ids and Put Block List need nothing newer.
inline constexpr std::string_view azure_version = "2021-08-06";

/// What `azure_sign` computed, kept for tests and for explaining an `AuthenticationFailed`.
struct azure_signature {
  std::string string_to_sign;
  std::string signature;     ///< base64
  std::string authorization; ///< `SharedKey ACCOUNT:SIGNATURE`
};

/// `Fri, 24 May 2013 00:00:00 GMT` (RFC 1123), as `x-ms-date` carries it.
inline std::string rfc1123_date(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  static constexpr std::string_view days_of_week[] = {"Sun", "Mon", "Tue", "Wed",
                                                      "Thu", "Fri", "Sat"};
  static constexpr std::string_view months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::string basic = amz_date(t); // YYYYMMDDTHHMMSSZ
  const auto day = floor<days>(t);
  const weekday wd(day);
  const year_month_day ymd(day);
  std::string out(days_of_week[wd.c_encoding()]);
  out.append(", ").append(basic, 6, 2).append(" ");
  out.append(months[static_cast<unsigned>(ymd.month()) - 1]).append(" ");
  out.append(basic, 0, 4).append(" ");
  out.append(basic, 9, 2)
      .append(":")
      .append(basic, 11, 2)
      .append(":")
      .append(basic, 13, 2)
      .append(" GMT");
  return out;
}

/**
 * Signs `req` in place with Azure's Shared Key scheme (service version 2015-02-21 and later).
 *
 * Sets `x-ms-date` (from `now`), `x-ms-version` unless the request has one, and
 * `Authorization: SharedKey ACCOUNT:SIG`, SIG being base64(HMAC-SHA256(decoded key, string to
 * sign)). The canonicalized resource is `/ACCOUNT` + the request's path, so a path-style
 * emulator (Azurite: `/devstoreaccount1/container/blob`) names the account twice, as it expects.
 * Fails (before any I/O) when the key is not base64.
 *
 * @code
 * zic::storage::azure_credentials acct{"myaccount", zic::secret(key_base64)};
 * auto sig = zic::storage::azure_sign(req, acct, std::chrono::system_clock::now());
 * @endcode
 */
inline result<azure_signature> azure_sign(http_request &req, const azure_credentials &creds,
                                          std::chrono::system_clock::time_point now) {
  const auto key = base64_decode(creds.key.reveal());
  if (!key || key->empty())
    return zic::error(errc::invalid_argument,
                      "the Azure account key is not base64 (the key itself is not shown)");
  detail::set_header(req, "x-ms-date", rfc1123_date(now));
  if (req.header("x-ms-version").empty())
    req.headers.push_back({"x-ms-version", std::string(azure_version)});
  std::erase_if(req.headers,
                [](const http_header &h) { return zic::detail::iequals(h.name, "Authorization"); });

  azure_signature out;
  std::string &s = out.string_to_sign;
  s.append(req.method).append("\n");
  for (std::string_view name : {"Content-Encoding", "Content-Language"})
    s.append(req.header(name)).append("\n");
  // Content-Length is the body's (the transport writes it); zero is written as empty.
  if (!req.body.empty()) s.append(std::to_string(req.body.size()));
  s.append("\n");
  for (std::string_view name : {"Content-MD5", "Content-Type", "Date", "If-Modified-Since",
                                "If-Match", "If-None-Match", "If-Unmodified-Since", "Range"})
    s.append(req.header(name)).append("\n");

  std::vector<std::pair<std::string, std::string>> ms;
  for (const auto &h : req.headers) {
    std::string name = detail::lower(h.name);
    if (name.starts_with("x-ms-"))
      ms.emplace_back(std::move(name), detail::canonical_header_value(h.value));
  }
  std::stable_sort(ms.begin(), ms.end(),
                   [](const auto &a, const auto &b) { return a.first < b.first; });
  for (const auto &[name, value] : ms)
    s.append(name).append(":").append(value).append("\n");

  const std::string_view target = req.target;
  const auto q = target.find('?');
  s.append("/").append(creds.account).append(target.substr(0, q));
  if (q != std::string_view::npos) {
    // Each parameter once, lower-case name, decoded values sorted and joined by ','.
    std::vector<std::pair<std::string, std::string>> params;
    std::string_view query = target.substr(q + 1);
    while (!query.empty()) {
      const auto amp = query.find('&');
      const auto item = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
      if (item.empty()) continue;
      const auto eq = item.find('=');
      params.emplace_back(detail::lower(detail::percent_decode(item.substr(0, eq))),
                          eq == std::string_view::npos
                              ? std::string()
                              : detail::percent_decode(item.substr(eq + 1)));
    }
    std::sort(params.begin(), params.end());
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (i > 0 && params[i].first == params[i - 1].first) {
        s.append(",").append(params[i].second);
      } else {
        s.append("\n").append(params[i].first).append(":").append(params[i].second);
      }
    }
  }
  out.signature = base64_encode(hmac_sha256(*key, s));
  out.authorization = "SharedKey " + creds.account + ":" + out.signature;
  req.headers.push_back({"Authorization", out.authorization});
  return out;
}

/**
 * Appends a SAS token (with or without its leading '?') to the request's query. The token is
 * the credential: keep it in a `zic::secret`, and note that it is then part of `req.target`.
 */
inline void append_sas(http_request &req, const secret &sas) {
  std::string_view token = sas.reveal();
  if (!token.empty() && token.front() == '?') token.remove_prefix(1);
  if (token.empty()) return;
  req.target.push_back(req.target.find('?') == std::string::npos ? '?' : '&');
  req.target.append(token);
}

} // namespace storage
ZIC_NAMESPACE_END

#endif // ZIC_STORAGE_AZURE_SHARED_KEY_HPP
