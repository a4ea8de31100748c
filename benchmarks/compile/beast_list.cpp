// The same call written by hand with Boost.Beast and simdjson: plain and TLS streams, one POST,
// the answer parsed and its records read. The baseline a zic translation unit is compared to.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <simdjson.h>

#include <cstdio>
#include <string>
#include <string_view>

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;

template <class Stream> int list_jobs(Stream& stream, const std::string& host) {
  http::request<http::string_body> req{http::verb::post, "/v2/vectordb/jobs/import/list", 11};
  req.set(http::field::host, host);
  req.set(http::field::authorization, "Bearer user:password");
  req.set(http::field::content_type, "application/json");
  req.body() = "{}";
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(res.body()).get(doc) || doc["code"].get_int64().value_unsafe() != 0) return 1;
  simdjson::dom::array records;
  if (doc["data"]["records"].get_array().get(records)) return 1;
  for (simdjson::dom::element r : records) {
    std::string_view id, state;
    if (r["jobId"].get_string().get(id) || r["state"].get_string().get(state)) return 1;
    std::printf("%.*s %.*s\n", int(id.size()), id.data(), int(state.size()), state.data());
  }
  return 0;
}

int main(int argc, char**) {
  asio::io_context ioc;
  asio::ip::tcp::resolver resolver(ioc);
  const std::string host = "in01-xxxx.api.gcp-us-west1.zillizcloud.com";
  auto endpoints = resolver.resolve(host, argc > 1 ? "443" : "80");
  if (argc > 1) {
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.set_default_verify_paths();
    ctx.set_verify_mode(asio::ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
    SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
    stream.set_verify_callback(asio::ssl::host_name_verification(host));
    beast::get_lowest_layer(stream).connect(endpoints);
    stream.handshake(asio::ssl::stream_base::client);
    return list_jobs(stream, host);
  }
  beast::tcp_stream stream(ioc);
  stream.connect(endpoints);
  return list_jobs(stream, host);
}
