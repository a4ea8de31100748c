#ifndef ZIC_STORAGE_S3_HPP
#define ZIC_STORAGE_S3_HPP

// S3's object and multipart requests, built as plain `http_request`s (unsigned: `s3_sign`
// signs them just before a call is sent), and their answers read with pugixml. GCS takes the
// same requests through its XML API at storage.googleapis.com with HMAC keys.

#include "../detail/url.hpp"
#include "../http.hpp"
#include "../result.hpp"
#include "digest.hpp"
#include "sigv4.hpp"
#include "store_error.hpp"

#include <pugixml.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

ZIC_NAMESPACE_BEGIN
namespace storage {

/// How a bucket is named in a request.
enum class s3_addressing {
  path,           ///< `https://host/bucket/key` (MinIO, s3rver, GCS, any local store)
  virtual_hosted, ///< `https://bucket.host/key` (AWS's default)
};

/** Where an S3-compatible store answers, and how it wants buckets named. */
struct s3_endpoint {
  std::string scheme = "https";
  std::string host = "s3.us-east-1.amazonaws.com";
  std::uint16_t port = 443;
  std::string region = "us-east-1"; ///< the signature's scope
  s3_addressing addressing = s3_addressing::virtual_hosted;

  /// AWS S3 in `region`, virtual-hosted (`bucket.s3.REGION.amazonaws.com`).
  static s3_endpoint aws(std::string region = "us-east-1") {
    s3_endpoint e;
    e.host = "s3." + region + ".amazonaws.com";
    e.region = std::move(region);
    return e;
  }
  /// GCS's XML API with HMAC keys: path-style at storage.googleapis.com; its SigV4 region is
  /// "auto".
  static s3_endpoint gcs() {
    s3_endpoint e;
    e.host = "storage.googleapis.com";
    e.region = "auto";
    e.addressing = s3_addressing::path;
    return e;
  }
  /// An S3-compatible store at `url` (`http://127.0.0.1:9000`), path-style.
  static result<s3_endpoint> at(std::string_view url, std::string region = "us-east-1") {
    auto u = zic::detail::parse_endpoint_url(url);
    if (!u) return std::move(u).error();
    if (!u->base.empty())
      return zic::error(errc::invalid_argument,
                        "an S3 endpoint takes no path: " + std::string(url));
    s3_endpoint e;
    e.scheme = u->scheme;
    e.host = u->host;
    e.port = u->port;
    e.region = std::move(region);
    e.addressing = s3_addressing::path;
    return e;
  }
};

/** An S3-compatible store: where, and with which keys. */
struct s3_store {
  s3_endpoint endpoint;
  aws_credentials credentials;
  /// Whether the body's SHA-256 is signed. Off sends `UNSIGNED-PAYLOAD` and saves a hash of
  /// every byte; each part's Content-MD5 still lets the store check what it received.
  bool sign_payload = true;
};

/** One object: bucket and key (the key unencoded, as the user names it). */
struct s3_object {
  std::string bucket;
  std::string key;
};

/** A part the store accepted, as CompleteMultipartUpload lists it. */
struct completed_part {
  std::uint32_t number = 0; ///< from 1
  std::string etag;         ///< as the store returned it, quotes included
};

/** An unfinished multipart upload, from ListMultipartUploads. */
struct multipart_upload_entry {
  std::string key;
  std::string upload_id;
};

namespace detail {
inline std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&apos;";
      break;
    default:
      out.push_back(c);
    }
  }
  return out;
}
} // namespace detail

/**
 * A request to `object` (or to its bucket when the key is empty) with `query` (already
 * encoded, without '?'). Virtual-hosted addressing moves the bucket into the host name.
 */
inline http_request s3_request(const s3_endpoint &ep, std::string method, const s3_object &object,
                               std::string_view query = {}) {
  http_request req;
  req.method = std::move(method);
  req.scheme = ep.scheme;
  req.port = ep.port;
  req.target = "/";
  if (ep.addressing == s3_addressing::virtual_hosted) {
    req.host = object.bucket + "." + ep.host;
  } else {
    req.host = ep.host;
    detail::aws_encode_into(req.target, object.bucket, false);
    if (!object.key.empty()) req.target.push_back('/');
  }
  detail::aws_encode_into(req.target, object.key, true);
  if (!query.empty()) req.target.append("?").append(query);
  req.idempotent = true;
  return req;
}

/// PutObject: the whole body in one request, with its Content-MD5 for the store to check.
inline http_request make_put_object(const s3_endpoint &ep, const s3_object &object,
                                    std::string body) {
  auto req = s3_request(ep, "PUT", object);
  req.headers.push_back({"Content-MD5", base64_encode(md5(body))});
  req.headers.push_back({"Content-Type", "application/octet-stream"});
  req.body = std::move(body);
  return req;
}

/// CreateMultipartUpload (`POST key?uploads`); answered by `parse_upload_id`.
inline http_request make_create_multipart(const s3_endpoint &ep, const s3_object &object) {
  auto req = s3_request(ep, "POST", object, "uploads");
  req.headers.push_back({"Content-Type", "application/octet-stream"});
  // Retried like the other calls. Marked otherwise, every 503 SlowDown on a create would end
  // the upload; the price is that a retry after a lost answer opens a second upload and leaves
  // the first to the bucket's lifecycle rule (AbortIncompleteMultipartUpload).
  req.idempotent = true;
  return req;
}

/// UploadPart (`PUT key?partNumber=N&uploadId=U`), with Content-MD5 (base64 of `md5_raw`, or
/// computed here when it is empty); answered by `part_etag`.
inline http_request make_upload_part(const s3_endpoint &ep, const s3_object &object,
                                     std::string_view upload_id, std::uint32_t part_number,
                                     std::string body, std::string_view md5_raw = {}) {
  std::string query = "partNumber=" + std::to_string(part_number) + "&uploadId=";
  detail::aws_encode_into(query, upload_id, false);
  auto req = s3_request(ep, "PUT", object, query);
  req.headers.push_back(
      {"Content-MD5", base64_encode(md5_raw.empty() ? md5(body) : std::string(md5_raw))});
  req.body = std::move(body);
  return req;
}

/// The CompleteMultipartUpload document listing `parts` in order.
inline std::string complete_multipart_body(const std::vector<completed_part> &parts) {
  std::string xml = "<CompleteMultipartUpload>";
  for (const auto &p : parts) {
    xml += "<Part><PartNumber>" + std::to_string(p.number) + "</PartNumber><ETag>" +
           detail::xml_escape(p.etag) + "</ETag></Part>";
  }
  xml += "</CompleteMultipartUpload>";
  return xml;
}

/// CompleteMultipartUpload (`POST key?uploadId=U`); answered by `check_complete`.
inline http_request make_complete_multipart(const s3_endpoint &ep, const s3_object &object,
                                            std::string_view upload_id,
                                            const std::vector<completed_part> &parts) {
  std::string query = "uploadId=";
  detail::aws_encode_into(query, upload_id, false);
  auto req = s3_request(ep, "POST", object, query);
  req.headers.push_back({"Content-Type", "application/xml"});
  req.body = complete_multipart_body(parts);
  return req;
}

/// AbortMultipartUpload (`DELETE key?uploadId=U`): frees the stored parts.
inline http_request make_abort_multipart(const s3_endpoint &ep, const s3_object &object,
                                         std::string_view upload_id) {
  std::string query = "uploadId=";
  detail::aws_encode_into(query, upload_id, false);
  return s3_request(ep, "DELETE", object, query);
}

/// ListMultipartUploads (`GET bucket?uploads[&prefix=P]`); answered by `parse_multipart_uploads`.
inline http_request make_list_multipart_uploads(const s3_endpoint &ep, std::string_view bucket,
                                                std::string_view prefix = {}) {
  std::string query = "uploads";
  if (!prefix.empty()) {
    query += "&prefix=";
    detail::aws_encode_into(query, prefix, false);
  }
  return s3_request(ep, "GET", s3_object{std::string(bucket), {}}, query);
}

/// GetObject, for reading an upload back.
inline http_request make_get_object(const s3_endpoint &ep, const s3_object &object) {
  return s3_request(ep, "GET", object);
}

/// Signs `req` for `store` at `now`: the body's SHA-256 or `UNSIGNED-PAYLOAD`, as the store asks.
inline void s3_sign(http_request &req, const s3_store &store,
                    std::chrono::system_clock::time_point now) {
  sigv4_sign(req, store.credentials, store.endpoint.region, "s3", now,
             store.sign_payload ? std::string_view{} : unsigned_payload);
}

/// Success for a 2xx answer; otherwise the store's error (`store_error`).
inline result<void> check_answer(const http_response &resp, std::string_view what) {
  if (resp.status >= 200 && resp.status < 300) return {};
  return store_error(resp, what);
}

/// The `UploadId` of a CreateMultipartUpload answer.
inline result<std::string> parse_upload_id(const http_response &resp) {
  if (auto ok = check_answer(resp, "CreateMultipartUpload"); !ok) return std::move(ok).error();
  pugi::xml_document doc;
  if (detail::load_xml(doc, resp.body)) {
    auto root = doc.document_element();
    if (std::string_view(root.name()) == "InitiateMultipartUploadResult") {
      std::string id = detail::child_text(root, "UploadId");
      if (!id.empty()) return id;
    }
  }
  zic::error e(errc::http_status, "CreateMultipartUpload: the store's answer has no UploadId");
  e.http_status = resp.status;
  return e;
}

/// The `ETag` header of an UploadPart or PutObject answer.
inline result<std::string> part_etag(const http_response &resp,
                                     std::string_view what = "UploadPart") {
  if (auto ok = check_answer(resp, what); !ok) return std::move(ok).error();
  auto etag = resp.header("ETag");
  if (etag.empty()) {
    zic::error e(errc::http_status, std::string(what) + ": the store's answer has no ETag");
    e.http_status = resp.status;
    return e;
  }
  return std::string(etag);
}

/// A CompleteMultipartUpload answer. S3 may answer 200 and still fail, with an `<Error>`
/// document in the body (a retryable `InternalError`, say): that is a failure too.
inline result<void> check_complete(const http_response &resp) {
  if (auto ok = check_answer(resp, "CompleteMultipartUpload"); !ok) return ok;
  if (parse_store_error(resp.body)) {
    http_response failed = resp;
    // A late error is the store's own failure: retryable, as a 500 would be.
    failed.status = 500;
    return store_error(failed, "CompleteMultipartUpload");
  }
  return {};
}

/// The uploads of a ListMultipartUploads answer.
inline result<std::vector<multipart_upload_entry>>
parse_multipart_uploads(const http_response &resp) {
  if (auto ok = check_answer(resp, "ListMultipartUploads"); !ok) return std::move(ok).error();
  pugi::xml_document doc;
  if (!detail::load_xml(doc, resp.body)) {
    zic::error e(errc::http_status, "ListMultipartUploads: the store's answer is not XML");
    e.http_status = resp.status;
    return e;
  }
  std::vector<multipart_upload_entry> out;
  for (auto node : doc.document_element().children()) {
    std::string_view n = node.name();
    if (const auto colon = n.find(':'); colon != std::string_view::npos) n.remove_prefix(colon + 1);
    if (n != "Upload") continue;
    out.push_back({detail::child_text(node, "Key"), detail::child_text(node, "UploadId")});
  }
  return out;
}

/// The ETag's MD5 hex when it is one (an unencrypted single PUT or part), else empty: quotes
/// dropped, lower-cased; a multipart ETag (`…-N`) or an encrypted one is not an MD5.
inline std::string etag_md5_hex(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"')
    etag = etag.substr(1, etag.size() - 2);
  if (etag.size() != 32) return {};
  std::string out(etag);
  for (char &c : out) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return {};
  }
  return out;
}

} // namespace storage
ZIC_NAMESPACE_END

#endif // ZIC_STORAGE_S3_HPP
