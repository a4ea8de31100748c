// Follow many import jobs to completion with few requests.
//   watch_jobs ENDPOINT API_KEY JOB_ID...
#include <zic/transport/beast.hpp>
#include <zic/zic.hpp>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  if (argc < 4) return std::fprintf(stderr, "usage: %s ENDPOINT API_KEY JOB_ID...\n", argv[0]), 2;
  zic::client_options options;
  options.endpoint = argv[1];
  options.api_key = argv[2];
  zic::basic_client<zic::beast_transport> client(options);

  zic::job_watcher watcher(client);  // one list request per sweep, describes only when needed
  for (int i = 3; i < argc; ++i) watcher.add(argv[i]);
  auto done = watcher.run([](const zic::job_transition& t) {
    if (t.gone) std::printf("%.*s: no longer exists\n", int(t.job_id.size()), t.job_id.data());
    else std::printf("%.*s: %.*s\n", int(t.job_id.size()), t.job_id.data(), int(t.state_text.size()), t.state_text.data());
  });
  if (!done) return std::fprintf(stderr, "%s\n", done.error().message.c_str()), 1;
  std::printf("%llu requests\n", static_cast<unsigned long long>(client.attempts()));
}
