// The single header with its Beast transport: one file to drop into a project.
//   g++ -std=c++20 -Isingle_include examples/single_header.cpp -lsimdjson -lssl -lcrypto
#define ZIC_ENABLE_BEAST_TRANSPORT
#include <zic/zic.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  zic::client_options options;
  options.endpoint = argc > 1 ? argv[1] : "http://127.0.0.1:19530";
  zic::basic_client<zic::beast_transport> client(options);
  auto jobs = client.list_import_jobs();
  if (!jobs) return std::fprintf(stderr, "%s\n", jobs.error().message.c_str()), 1;
  for (const auto& job : jobs->records)
    std::printf("%s %s %s\n", job.job_id.c_str(), job.collection_name.c_str(), job.state_text.c_str());
}
