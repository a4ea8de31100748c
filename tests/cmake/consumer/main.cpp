#include <zic/transport/beast.hpp>
#include <zic/transport/curl.hpp>
#include <zic/zic.hpp>

int main() {
  // Both transports link; the client rejects a bad endpoint before any I/O.
  zic::client_options o;
  o.endpoint = "not a url";
  auto beast = zic::basic_client<zic::beast_transport>::make(o);
  auto curl = zic::basic_client<zic::curl_transport>::make(o);
  // A call (from libzic.a in compiled mode) refuses an empty job id before any I/O.
  o.endpoint = "http://127.0.0.1:9";
  zic::basic_client<zic::beast_transport> b(o);
  zic::basic_client<zic::curl_transport> c(o);
  const bool refused = b.describe_import("").error().code == zic::errc::invalid_argument &&
                       c.describe_import("").error().code == zic::errc::invalid_argument;
  return (!beast && !curl && refused && zic::parse_job_state("Completed") == zic::job_state::completed) ? 0 : 1;
}
