// Plug in your own HTTP stack: any type with `send(const http_request&)` returning
// `zic::result<zic::http_response>` is a transport. This one answers from memory, as a test
// double would; a real one would hand the request to your event loop or HTTP library.
#include <zic/zic.hpp>

#include <cstdio>
#include <string>

struct my_transport {
  int calls = 0;

  zic::result<zic::http_response> send(const zic::http_request& request) {
    ++calls;
    // request.method, request.url(), request.headers and request.body are all you need to send.
    zic::http_response response;
    response.status = 200;
    if (request.target.ends_with("/create"))
      response.body = R"({"code":0,"data":{"jobId":"448761313698322011"}})";
    else
      response.body = R"({"code":0,"data":{"jobId":"448761313698322011","state":"Completed",
                          "progress":100,"importedRows":42,"totalRows":42}})";
    return response;  // a transport failure would be: return zic::error(zic::errc::transport, "...");
  }
};
static_assert(zic::http_transport<my_transport>);

int main() {
  zic::client_options options;
  options.endpoint = "http://milvus.internal:19530";
  zic::basic_client<my_transport> client(options);

  zic::create_import_request request;
  request.collection_name = "books";
  request.files = {{"books/part-0.parquet"}};
  std::string job = client.create_import(request).value();  // value() throws zic::exception on error
  zic::import_progress done = client.wait_for_import(job).value();
  std::printf("%s: %s, %lld rows, %d calls\n", job.c_str(), done.state_text.c_str(),
              static_cast<long long>(done.total_rows), client.transport().calls);
  return done.state == zic::job_state::completed ? 0 : 1;
}
