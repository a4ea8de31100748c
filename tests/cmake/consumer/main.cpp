#include <zic/transport/beast.hpp>
#include <zic/transport/curl.hpp>
#include <zic/zic.hpp>

int main() {
  // Both transports link; the client rejects a bad endpoint before any I/O.
  zic::client_options o;
  o.endpoint = "not a url";
  auto beast = zic::basic_client<zic::beast_transport>::make(o);
  auto curl = zic::basic_client<zic::curl_transport>::make(o);
  return (!beast && !curl && zic::parse_job_state("Completed") == zic::job_state::completed) ? 0 : 1;
}
