// Only the core, and a transport of the user's own: built against the single header, and
// against include/ without exceptions.
#include <zic/zic.hpp>

#include <cstdio>

struct canned_transport {
  int calls = 0;
  zic::result<zic::http_response> send(const zic::http_request& req) {
    ++calls;
    zic::http_response r;
    r.status = 200;
    r.body = req.target.ends_with("/describe")
                 ? R"({"code":0,"data":{"jobId":"7","state":"Completed","progress":100,"totalRows":3}})"
                 : R"({"code":0,"data":{"jobId":"7"}})";
    return r;
  }
};
static_assert(zic::http_transport<canned_transport>);

int main() {
  zic::client_options o;
  o.endpoint = "http://localhost:19530";
  zic::basic_client<canned_transport> client(o);
  zic::create_import_request req;
  req.collection_name = "c";
  req.files = {{"rows.json"}};
  auto id = client.create_import(req);
  if (!id) return std::fprintf(stderr, "%s\n", id.error().message.c_str()), 1;
  auto done = client.wait_for_import(*id);
  if (!done || done->state != zic::job_state::completed || done->total_rows != 3) return 1;
  return client.transport().calls == 2 ? 0 : 1;
}
