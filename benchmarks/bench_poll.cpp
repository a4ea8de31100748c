// Polling one job's progress over loopback against zic-emulator: each transport over keep-alive,
// and with a new connection per poll (a client without a session). Reports polls/s (wall),
// client CPU per poll (cpu_time) and heap allocations per poll. benchmarks/run measures
// `wrk -t1 -c1` against the same endpoint for the server's single-connection limit.
//
// The emulator and job: see emulator_target.hpp.

#include "alloc_counter.hpp"

#include "emulator_target.hpp"

#include <zic/transport/beast.hpp>
#include <zic/transport/curl.hpp>
#include <zic/zic.hpp>

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <string>

namespace {

using zic_bench::options;

std::string job_id() { return zic_bench::shared_target().job; }

template <class Transport> void poll_keepalive(benchmark::State& state) {
  const std::string job = job_id();
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
  const std::string job = job_id();
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
