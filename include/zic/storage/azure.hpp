#ifndef ZIC_STORAGE_AZURE_HPP
#define ZIC_STORAGE_AZURE_HPP

// Azure Blob Storage's block-blob requests (Put Blob; Put Block and Put Block List for large
// blobs), built as plain `http_request`s and authorized by Shared Key or a SAS token.

#include "../detail/url.hpp"
#include "../http.hpp"
#include "../result.hpp"
#include "azure_shared_key.hpp"
#include "digest.hpp"
#include "sigv4.hpp"
#include "store_error.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

ZIC_NAMESPACE_BEGIN
namespace storage {

/** An account's blob endpoint: `https://ACCOUNT.blob.core.windows.net`, or a path-style emulator's.
 */
struct azure_endpoint {
  std::string scheme = "https";
  std::string host;
  std::uint16_t port = 443;
  std::string account;
  /// `/ACCOUNT` for path-style emulators (Azurite), empty for Azure itself.
  std::string base;

  /// Azure's endpoint of `account`.
  static azure_endpoint of_account(std::string account) {
    azure_endpoint e;
    e.host = account + ".blob.core.windows.net";
    e.account = std::move(account);
    return e;
  }
  /// The blob endpoint at `url`: `https://ACCOUNT.blob.core.windows.net`, or a path-style one
  /// that names the account as its path (`http://127.0.0.1:10000/devstoreaccount1`).
  static result<azure_endpoint> at(std::string_view url) {
    auto u = zic::detail::parse_endpoint_url(url);
    if (!u) return std::move(u).error();
    azure_endpoint e;
    e.scheme = u->scheme;
    e.host = u->host;
    e.port = u->port;
    if (!u->base.empty()) {
      std::string_view b = u->base;
      b.remove_prefix(1);
      if (b.empty() || b.find('/') != std::string_view::npos)
        return zic::error(errc::invalid_argument,
                          "an Azure endpoint's path is its account name alone: " +
                              std::string(url));
      e.account = std::string(b);
      e.base = u->base;
    } else {
      const auto dot = e.host.find('.');
      e.account = e.host.substr(0, dot);
    }
    return e;
  }
};

/** An Azure storage account: where, and how requests are authorized (Shared Key or SAS). */
struct azure_store {
  azure_endpoint endpoint;
  secret key; ///< the account key (base64), for Shared Key
  secret sas; ///< a SAS token; when set it is used instead of the key
};

/** One blob: container and name (unencoded). */
struct azure_blob {
  std::string container;
  std::string name;
};

/// A request to `blob` with `query` (already encoded, without '?').
inline http_request azure_request(const azure_endpoint &ep, std::string method,
                                  const azure_blob &blob, std::string_view query = {}) {
  http_request req;
  req.method = std::move(method);
  req.scheme = ep.scheme;
  req.host = ep.host;
  req.port = ep.port;
  req.target = ep.base + "/";
  detail::aws_encode_into(req.target, blob.container, false);
  req.target.push_back('/');
  detail::aws_encode_into(req.target, blob.name, true);
  if (!query.empty()) req.target.append("?").append(query);
  req.idempotent = true;
  return req;
}

/// Put Blob: a block blob in one request, with its Content-MD5 for the store to check.
inline http_request make_put_blob(const azure_endpoint &ep, const azure_blob &blob,
                                  std::string body) {
  auto req = azure_request(ep, "PUT", blob);
  req.headers.push_back({"Content-MD5", base64_encode(md5(body))});
  req.headers.push_back({"Content-Type", "application/octet-stream"});
  req.headers.push_back({"x-ms-blob-type", "BlockBlob"});
  req.body = std::move(body);
  return req;
}

/// The id of block `n` (from 1): base64 of a fixed-width number, since a blob's block ids must
/// all have one length.
inline std::string azure_block_id(std::uint32_t n) {
  std::string digits = std::to_string(n);
  digits.insert(0, 10 - std::min<std::size_t>(10, digits.size()), '0');
  return base64_encode("zic-" + digits);
}

/// Put Block (`?comp=block&blockid=ID`), with Content-MD5 (base64 of `md5_raw`, or computed).
inline http_request make_put_block(const azure_endpoint &ep, const azure_blob &blob,
                                   std::string_view block_id, std::string body,
                                   std::string_view md5_raw = {}) {
  std::string query = "comp=block&blockid=";
  detail::aws_encode_into(query, block_id, false);
  auto req = azure_request(ep, "PUT", blob, query);
  req.headers.push_back(
      {"Content-MD5", base64_encode(md5_raw.empty() ? md5(body) : std::string(md5_raw))});
  req.body = std::move(body);
  return req;
}

/// Put Block List (`?comp=blocklist`): commits the blocks, in order, as the blob.
inline http_request make_put_block_list(const azure_endpoint &ep, const azure_blob &blob,
                                        const std::vector<std::string> &block_ids) {
  auto req = azure_request(ep, "PUT", blob, "comp=blocklist");
  std::string xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>";
  for (const auto &id : block_ids)
    xml += "<Latest>" + id + "</Latest>"; // base64: nothing to escape
  xml += "</BlockList>";
  req.headers.push_back({"Content-Type", "application/xml"});
  req.body = std::move(xml);
  return req;
}

/// Authorizes `req` for `store` at `now`: the SAS token when there is one, else Shared Key.
inline result<void> azure_authorize(http_request &req, const azure_store &store,
                                    std::chrono::system_clock::time_point now) {
  if (!store.sas.empty()) {
    append_sas(req, store.sas);
    if (req.header("x-ms-version").empty())
      req.headers.push_back({"x-ms-version", std::string(azure_version)});
    detail::set_header(req, "x-ms-date", rfc1123_date(now));
    return {};
  }
  auto sig = azure_sign(req, azure_credentials{store.endpoint.account, store.key}, now);
  if (!sig) return std::move(sig).error();
  return {};
}

/// A Put Block answer: success, or the store's error; when the store echoes a Content-MD5 it
/// must be the one sent.
inline result<void> check_block(const http_response &resp, std::string_view sent_md5_base64,
                                std::string_view what = "Put Block") {
  if (resp.status < 200 || resp.status >= 300) return store_error(resp, what);
  const auto echoed = resp.header("Content-MD5");
  if (!echoed.empty() && !sent_md5_base64.empty() && echoed != sent_md5_base64) {
    zic::error e(errc::transport,
                 std::string(what) + ": the store's Content-MD5 differs from the block sent");
    return e;
  }
  return {};
}

} // namespace storage
ZIC_NAMESPACE_END

#endif // ZIC_STORAGE_AZURE_HPP
