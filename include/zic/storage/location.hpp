#ifndef ZIC_STORAGE_LOCATION_HPP
#define ZIC_STORAGE_LOCATION_HPP

// Object URLs as users write them: s3://bucket/key, gs://bucket/key, https S3 URLs
// (virtual-hosted or path-style), https GCS URLs, and Azure blob URLs.

#include "../result.hpp"
#include "azure.hpp"
#include "s3.hpp"
#include "sigv4.hpp"

#include <optional>
#include <string>
#include <string_view>

ZIC_NAMESPACE_BEGIN
namespace storage {

/// Which kind of store a URL names.
enum class store_kind { s3, gcs, azure };

/** Where an object lives, from its URL. */
struct object_location {
  store_kind kind = store_kind::s3;
  std::string bucket; ///< the bucket, or the Azure container
  std::string key;    ///< the key or blob name, decoded; ends with '/' for a folder
  /// The store's endpoint when the URL names one (https URLs, gs://); `s3://` leaves it to the
  /// caller.
  std::optional<s3_endpoint> s3;
  std::optional<azure_endpoint> azure; ///< for Azure blob URLs

  /// Whether the URL names a folder (a prefix ending in '/', or the bucket itself).
  bool is_folder() const noexcept { return key.empty() || key.back() == '/'; }
};

/**
 * Parses an object URL. The key of an https URL is percent-decoded; that of `s3://` and
 * `gs://` is taken as written. Anything else fails with `errc::invalid_argument`.
 *
 * @code
 * auto loc =
 * zic::storage::parse_object_url("https://bucket.s3.eu-west-1.amazonaws.com/dir/a.parquet");
 * // loc->bucket == "bucket", loc->key == "dir/a.parquet", loc->s3->region == "eu-west-1"
 * @endcode
 */
inline result<object_location> parse_object_url(std::string_view url) {
  auto fail = [&](std::string_view why) {
    const bool quotable =
        url.find('@') == std::string_view::npos && url.find('?') == std::string_view::npos;
    return zic::error(
        errc::invalid_argument,
        "not an object URL" +
            (quotable ? " \"" + zic::detail::printable(url, 200) + "\"" : std::string()) + ": " +
            std::string(why));
  };
  object_location loc;
  auto split_bucket = [&](std::string_view rest, bool decode) -> bool {
    const auto slash = rest.find('/');
    loc.bucket = std::string(rest.substr(0, slash));
    const auto key = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    loc.key = decode ? detail::percent_decode(key) : std::string(key);
    return !loc.bucket.empty();
  };
  if (url.starts_with("s3://") || url.starts_with("gs://")) {
    loc.kind = url[0] == 's' ? store_kind::s3 : store_kind::gcs;
    if (!split_bucket(url.substr(5), false)) return fail("no bucket");
    if (loc.kind == store_kind::gcs) loc.s3 = s3_endpoint::gcs();
    return loc;
  }
  if (url.find('?') != std::string_view::npos || url.find('#') != std::string_view::npos)
    return fail(
        "a query or fragment is not part of an object's name (give a SAS token separately)");
  std::string_view rest;
  std::string scheme;
  if (url.starts_with("https://")) {
    scheme = "https";
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    scheme = "http";
    rest = url.substr(7);
  } else {
    return fail("expected s3://, gs://, http:// or https://");
  }
  const auto slash = rest.find('/');
  const std::string host(rest.substr(0, slash));
  const std::string_view path =
      slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  if (host.empty() || host.find('@') != std::string::npos)
    return fail("no host, or user info in it");
  if (host.find(':') != std::string::npos)
    return fail("a port is only for a store endpoint given on its own");

  auto ends = [&](std::string_view suffix) { return std::string_view(host).ends_with(suffix); };
  if (ends(".blob.core.windows.net")) {
    loc.kind = store_kind::azure;
    if (!split_bucket(path, true)) return fail("no container");
    loc.azure = azure_endpoint::of_account(host.substr(0, host.find('.')));
    loc.azure->scheme = scheme;
    loc.azure->port = scheme == "https" ? 443 : 80;
    return loc;
  }
  if (host == "storage.googleapis.com" || ends(".storage.googleapis.com")) {
    loc.kind = store_kind::gcs;
    loc.s3 = s3_endpoint::gcs();
    if (host == "storage.googleapis.com") {
      if (!split_bucket(path, true)) return fail("no bucket");
    } else {
      loc.bucket = host.substr(0, host.size() - std::string_view(".storage.googleapis.com").size());
      loc.key = detail::percent_decode(path);
    }
    return loc;
  }
  if (ends(".amazonaws.com")) {
    // [bucket.]s3[.-]REGION.amazonaws.com, or [bucket.]s3.amazonaws.com (us-east-1).
    const std::string_view h =
        std::string_view(host).substr(0, host.size() - std::string_view(".amazonaws.com").size());
    std::string_view bucket;
    std::string_view service = h;
    if (auto at = h.rfind(".s3"); at != std::string_view::npos) {
      bucket = h.substr(0, at);
      service = h.substr(at + 1);
    }
    if (!service.starts_with("s3")) return fail("not an S3 host");
    std::string region = "us-east-1";
    if (service.size() > 3 && (service[2] == '.' || service[2] == '-'))
      region = std::string(service.substr(3));
    if (region.starts_with("dualstack.")) region.erase(0, 10);
    loc.kind = store_kind::s3;
    loc.s3 = s3_endpoint::aws(region);
    loc.s3->host = std::string(service) + ".amazonaws.com";
    loc.s3->scheme = scheme;
    loc.s3->port = scheme == "https" ? 443 : 80;
    if (bucket.empty()) {
      loc.s3->addressing = s3_addressing::path;
      if (!split_bucket(path, true)) return fail("no bucket");
    } else {
      loc.bucket = std::string(bucket);
      loc.key = detail::percent_decode(path);
    }
    return loc;
  }
  return fail("not an S3, GCS or Azure host; give other S3-compatible stores as an endpoint and "
              "s3://bucket/key");
}

} // namespace storage
ZIC_NAMESPACE_END

#endif // ZIC_STORAGE_LOCATION_HPP
