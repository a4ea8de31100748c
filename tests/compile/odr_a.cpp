#include <zic/zic.hpp>

#include <string>

namespace {
struct echo_transport {
  zic::result<zic::http_response> send(const zic::http_request&) {
    zic::http_response r;
    r.status = 200;
    r.body = R"({"code":0,"data":{"jobId":"a"}})";
    return r;
  }
};
} // namespace

std::string odr_a() {
  zic::client_options o;
  o.endpoint = "http://127.0.0.1:1";
  zic::basic_client<echo_transport> c(o);
  zic::create_import_request r;
  r.collection_name = "c";
  r.files = {{"f.json"}};
  return c.create_import(r).value() + std::string(zic::to_string(zic::parse_job_state("Pending")));
}
