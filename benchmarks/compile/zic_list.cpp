// A user's translation unit: the single header with the Beast transport, listing jobs.
#define ZIC_ENABLE_BEAST_TRANSPORT
#include <zic/zic.hpp>

#include <cstdio>

int main() {
  zic::client_options options;
  options.endpoint = "https://in01-xxxx.api.gcp-us-west1.zillizcloud.com";
  options.api_key = "user:password";
  zic::basic_client<zic::beast_transport> client(options);
  auto page = client.list_import_jobs();
  if (!page) return 1;
  for (const auto& job : page->records) std::printf("%s %s\n", job.job_id.c_str(), job.state_text.c_str());
  return 0;
}
