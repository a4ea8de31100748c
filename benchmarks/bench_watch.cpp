// Tracking many emulator jobs to completion: (a) a naive loop that describes every unfinished
// job each round, (b) zic::job_watcher, both sweeping once per second (the same freshness).
// Reports requests sent, wall time and client CPU. ZIC_BENCH_JOBS sets the job count (10,000).
// The client-side rate limit is off: at the cloud's 20 requests/s the naive loop would need
// over eight minutes per round for 10,000 jobs.

#include <support/emulator_process.hpp>
#include <zic/transport/beast.hpp>
#include <zic/zic.hpp>

#include <benchmark/benchmark.h>

#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

int job_count() {
  const char* n = std::getenv("ZIC_BENCH_JOBS");
  return n ? std::max(1, std::atoi(n)) : 10000;
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct fleet {
  // Each job imports 10,000 simulated rows at 1,000 rows/s (10 s), then sorts and builds its
  // index (1 s each, the emulator's stages): it ends about 12 s after its creation.
  zic_test::emulator_process emulator{{"--flavor", "cloud", "--api-key", "bench", "--rows-per-second", "1000"}};
  zic::client_options options;
  std::vector<std::string> ids;

  fleet() {
    options.endpoint = emulator.url();
    options.api_key = "bench";
    options.flavor = zic::api_flavor::cloud;
    options.cluster_id = "inxx-bench";
    options.rate_limit = 0;
    zic::basic_client<zic::beast_transport> c(options);
    for (int i = 0; i < job_count(); ++i) {
      zic::create_import_request r;
      r.collection_name = "collection_" + std::to_string(i % 10);
      r.object_urls = {{"s3://bench/part-" + std::to_string(i) + ".parquet"}};
      ids.push_back(c.create_import(r).value());
    }
  }
};

constexpr auto freshness = std::chrono::seconds(1);

void report(benchmark::State& state, std::uint64_t requests, double wall, double cpu) {
  state.counters["requests"] = double(requests);
  state.counters["wall_s"] = wall;
  state.counters["cpu_s"] = cpu;
  state.counters["jobs"] = double(job_count());
}

void naive_describe_loop(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    fleet f;
    zic::basic_client<zic::beast_transport> c(f.options);
    state.ResumeTiming();
    const auto start = std::chrono::steady_clock::now();
    const double cpu0 = cpu_seconds();
    std::vector<std::string> unfinished = f.ids;
    zic::import_progress p;
    while (!unfinished.empty()) {
      const auto round = std::chrono::steady_clock::now();
      std::erase_if(unfinished, [&](const std::string& id) {
        return c.describe_import(id, p) && zic::is_terminal(p.state);
      });
      if (!unfinished.empty()) std::this_thread::sleep_until(round + freshness);
    }
    report(state, c.attempts(), std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
           cpu_seconds() - cpu0);
  }
}

void job_watcher(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    fleet f;
    zic::basic_client<zic::beast_transport> c(f.options);
    zic::watch_options w;
    w.interval = freshness;
    zic::job_watcher watcher(c, w);
    for (const auto& id : f.ids) watcher.add(id);
    state.ResumeTiming();
    const auto start = std::chrono::steady_clock::now();
    const double cpu0 = cpu_seconds();
    std::size_t transitions = 0;
    watcher.run([&](const zic::job_transition&) { ++transitions; }).value();
    report(state, c.attempts(), std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
           cpu_seconds() - cpu0);
    state.counters["transitions"] = double(transitions);
  }
}

} // namespace

BENCHMARK(naive_describe_loop)->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);
BENCHMARK(job_watcher)->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);

BENCHMARK_MAIN();
