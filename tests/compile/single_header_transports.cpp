// The single header with both transports: each connects nowhere and says so as a value.
#define ZIC_ENABLE_BEAST_TRANSPORT
#define ZIC_ENABLE_CURL_TRANSPORT
#include <zic/zic.hpp>

static_assert(zic::reusing_http_transport<zic::beast_transport>);
static_assert(zic::http_transport<zic::curl_transport>);

int main() {
  zic::client_options o;
  o.endpoint = "http://127.0.0.1:1";  // nothing listens on port 1
  o.retry.max_attempts = 1;
  zic::basic_client<zic::beast_transport> beast(o);
  zic::basic_client<zic::curl_transport> curl(o);
  auto a = beast.list_import_jobs();
  auto b = curl.list_import_jobs();
  return (!a && a.error().code == zic::errc::transport && !b && b.error().code == zic::errc::transport) ? 0 : 1;
}
