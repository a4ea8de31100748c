// Create an import job and wait for it, printing progress as it goes.
//   create_and_wait ENDPOINT API_KEY COLLECTION FILE
#include <zic/transport/beast.hpp>
#include <zic/zic.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 5) return std::fprintf(stderr, "usage: %s ENDPOINT API_KEY COLLECTION FILE\n", argv[0]), 2;

  zic::client_options options;
  options.endpoint = argv[1];  // e.g. http://127.0.0.1:19530 (Milvus) or the cloud control plane
  options.api_key = argv[2];
  zic::basic_client<zic::beast_transport> client(options);

  zic::create_import_request request;
  request.collection_name = argv[3];
  request.files = {{argv[4]}};  // Milvus: one import unit per inner list
  auto job = client.create_import(request);
  if (!job) return std::fprintf(stderr, "%s\n", job.error().message.c_str()), 1;

  zic::wait_options wait;
  wait.on_progress = [](const zic::import_progress& p) {
    std::printf("%s %d%% (%lld/%lld rows)\n", p.state_text.c_str(), p.progress,
                static_cast<long long>(p.imported_rows), static_cast<long long>(p.total_rows));
  };
  auto done = client.wait_for_import(*job, wait);
  if (!done) return std::fprintf(stderr, "%s\n", done.error().message.c_str()), 1;
  if (done->state == zic::job_state::failed)
    return std::fprintf(stderr, "import failed: %s\n", done->reason.c_str()), 1;
  std::printf("job %s imported %lld rows\n", job->c_str(), static_cast<long long>(done->total_rows));
}
