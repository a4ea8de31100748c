// Polling one job's progress over loopback against zic-emulator: each transport over keep-alive,
// and with a new connection per poll (a client without a session). Reports polls/s (wall),
// client CPU per poll (cpu_time) and heap allocations per poll. benchmarks/run measures
// `wrk -t1 -c1` against the same endpoint for the server's single-connection limit.
//
// ZIC_BENCH_ENDPOINT, ZIC_BENCH_KEY and ZIC_BENCH_JOB name a running emulator and job; without
// them the benchmark starts its own.

#include "alloc_counter.hpp"

#include <support/emulator_process.hpp>
#include <zic/transport/beast.hpp>
#include <zic/transport/curl.hpp>
#include <zic/zic.hpp>

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <string>

namespace {

struct target {
  std::unique_ptr<zic_test::emulator_process> emulator;
  std::string endpoint, key, job;
};

const target& shared_target() {
  static const target t = [] {
    target out;
    if (const char* e = std::getenv("ZIC_BENCH_ENDPOINT")) {
      out.endpoint = e;
      out.key = std::getenv("ZIC_BENCH_KEY") ? std::getenv("ZIC_BENCH_KEY") : "";
      out.job = std::getenv("ZIC_BENCH_JOB") ? std::getenv("ZIC_BENCH_JOB") : "";
      return out;
    }
    out.key = "bench-key";
    out.emulator = std::make_unique<zic_test::emulator_process>(
        std::vector<std::string>{"--flavor", "milvus", "--api-key", out.key});
    out.endpoint = out.emulator->url();
    return out;
  }();
  return t;
}

zic::client_options options() {
  const auto& t = shared_target();
  zic::client_options o;
  o.endpoint = t.endpoint;
  o.api_key = t.key;
  o.flavor = zic::api_flavor::milvus;
  return o;
}

std::string job_id(zic::basic_client<zic::beast_transport>& c) {
  if (!shared_target().job.empty()) return shared_target().job;
  static std::string id = [&] {
    zic::create_import_request r;
    r.collection_name = "bench";
    r.files = {{"simulated.parquet"}};
    return c.create_import(r).value();
  }();
  return id;
}

template <class Transport> void poll_keepalive(benchmark::State& state) {
  zic::basic_client<zic::beast_transport> setup(options());
  const std::string job = job_id(setup);
  zic::basic_client<Transport> c(options());
  zic::import_progress p;
  for (int i = 0; i < 100; ++i) c.describe_import(job, p).value();  // warm
  long before = zic_bench::allocation_count();
  for (auto _ : state) {
    auto ok = c.describe_import(job, p);
    if (!ok) state.SkipWithError(ok.error().message.c_str());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["allocs_per_poll"] =
      benchmark::Counter(double(zic_bench::allocation_count() - before) / double(state.iterations()));
  state.counters["connections"] = double(c.transport().connections_opened());
}

template <class Transport> void poll_new_connection(benchmark::State& state) {
  zic::basic_client<zic::beast_transport> setup(options());
  const std::string job = job_id(setup);
  long before = zic_bench::allocation_count();
  for (auto _ : state) {
    zic::basic_client<Transport> c(options());
    auto ok = c.describe_import(job);
    if (!ok) state.SkipWithError(ok.error().message.c_str());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["allocs_per_poll"] =
      benchmark::Counter(double(zic_bench::allocation_count() - before) / double(state.iterations()));
}

} // namespace

BENCHMARK_TEMPLATE(poll_keepalive, zic::beast_transport)->UseRealTime();
BENCHMARK_TEMPLATE(poll_keepalive, zic::curl_transport)->UseRealTime();
BENCHMARK_TEMPLATE(poll_new_connection, zic::beast_transport)->UseRealTime();
BENCHMARK_TEMPLATE(poll_new_connection, zic::curl_transport)->UseRealTime();

BENCHMARK_MAIN();
