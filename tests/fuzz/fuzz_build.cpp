// Any bytes as the fields of a request: the builders either refuse them before any I/O or
// produce a body that is valid JSON and a request HTTP/1.1 can carry. Fields are split at NUL.
#include <zic/zic.hpp>

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {
void must_be_sendable(const zic::http_request& req) {
  static simdjson::dom::parser parser;
  if (parser.parse(req.body).error()) __builtin_trap();  // a body that is not JSON
  if (!zic::detail::unsendable(req).empty()) __builtin_trap();
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> f;
  for (std::size_t start = 0;;) {
    auto end = in.find('\0', start);
    f.emplace_back(in.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  f.resize(8);
  static const auto milvus = [] {
    zic::client_options o;
    o.endpoint = "http://127.0.0.1:19530";
    return zic::make_request_context(o).value();
  }();
  static const auto cloud = [] {
    zic::client_options o;
    o.cluster_id = "inxx-1";
    return zic::make_request_context(o).value();
  }();

  zic::create_import_request r;
  r.collection_name = f[0];
  r.partition_name = f[1];
  r.db_name = f[2];
  r.files = {{f[3]}, {f[4], f[5]}};
  r.options = {{f[6], f[7]}};
  if (auto req = zic::make_create_request(milvus, r)) must_be_sendable(*req);
  zic::create_import_request c;
  c.collection_name = f[0];
  c.object_urls = {{f[3]}, {f[4]}};
  c.access_key = f[5];
  c.secret_key = f[6];
  c.token = f[7];
  if (auto req = zic::make_create_request(cloud, c)) must_be_sendable(*req);
  for (const auto* ctx : {&milvus, &cloud}) {
    if (auto req = zic::make_describe_request(*ctx, f[1])) must_be_sendable(*req);
    zic::list_import_jobs_request l;
    l.collection_name = f[2];
    if (auto req = zic::make_list_request(*ctx, l)) must_be_sendable(*req);
  }
  zic::client_options o;
  o.endpoint = "http://127.0.0.1:19530";
  o.db_name = f[2];
  o.api_key = f[1];
  if (auto ctx = zic::make_request_context(o))
    if (auto req = zic::make_commit_request(*ctx, f[0])) must_be_sendable(*req);
  return 0;
}
