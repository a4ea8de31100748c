// Soak: 100,000 describe calls per transport over keep-alive against zic-emulator with about 1%
// injected faults. Every call is accounted for (success or typed error), resident memory stays
// flat after warm-up, and no file descriptor leaks. Bounded: it stops after its call count.

#include "common.hpp"

#include <doctest/doctest.h>

#include <dirent.h>

#include <fstream>
#include <map>

using namespace zic_test;

namespace {

long resident_kib() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

int open_fds() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d)) ++n;
    closedir(d);
  }
  return n;
}

} // namespace

TEST_CASE_TEMPLATE("soak: 100,000 describes with 1% faults", T, zic::beast_transport, zic::curl_transport) {
  constexpr int calls = 100'000, warm_up = 10'000;
  data_dir d(10);
  emulator_process e(emulator_args("milvus", d, false,
                                   {"--fault", "503:on=describe,prob=0.004", "--fault", "close-before:on=describe,prob=0.003",
                                    "--fault", "malformed:on=describe,prob=0.003"}));
  auto o = options_for(e, zic::api_flavor::milvus);
  o.retry.initial_backoff = std::chrono::milliseconds(1);
  o.retry.max_backoff = std::chrono::milliseconds(5);
  zic::basic_client<T> c(o);
  zic::create_import_request r;
  r.collection_name = "soak";
  r.files = {{"rows.json"}};
  auto id = c.create_import(r);
  REQUIRE(id);

  zic::import_progress p;
  std::map<int, int> outcomes;  // errc value (0: success) -> count
  long rss_after_warm_up = 0;
  int fds_after_warm_up = 0;
  for (int i = 0; i < calls; ++i) {
    auto ok = c.describe_import(*id, p);
    outcomes[ok ? 0 : ok.error().code.value()]++;
    if (i + 1 == warm_up) {
      rss_after_warm_up = resident_kib();
      fds_after_warm_up = open_fds();
    }
  }
  int total = 0;
  for (auto [code, n] : outcomes) total += n;
  CHECK(total == calls);
  CHECK(outcomes[0] > calls * 99 / 100 - 200);
  // Malformed answers are not retried: they are the only failures, each typed json_parse.
  for (auto [code, n] : outcomes)
    if (code != 0) CHECK(code == int(zic::errc::json_parse));
  CHECK(outcomes[int(zic::errc::json_parse)] > 0);
  CHECK(e.stats().faults > calls / 200);
  CHECK(resident_kib() - rss_after_warm_up < 4 * 1024);
  CHECK(open_fds() == fds_after_warm_up);
  CHECK(p.state == zic::job_state::completed);
}
