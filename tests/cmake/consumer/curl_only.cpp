// A project that takes only the libcurl transport: no Boost, no OpenSSL in its build.
#include <zic/transport/curl.hpp>
#include <zic/zic.hpp>

int main() {
  zic::client_options o;
  o.endpoint = "not a url";
  auto curl = zic::basic_client<zic::curl_transport>::make(o);
  return !curl ? 0 : 1;
}
