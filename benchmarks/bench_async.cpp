// Many describes on one thread: the asynchronous client over K keep-alive connections on one
// io_context, against the blocking describe_many's K threads, and the heap allocations of one
// warm asynchronous describe. benchmarks/run measures `wrk -t1 -c8` against the same emulator.
//
// The emulator and job: see emulator_target.hpp.

#include "alloc_counter.hpp"

#include "emulator_target.hpp"

#include <zic/async.hpp>
#include <zic/transport/beast.hpp>
#include <zic/zic.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using async_client = zic::basic_async_client<zic::beast_async_transport>;
constexpr std::size_t connections = 8;
constexpr std::size_t per_batch = 800;  // describes per benchmark iteration

using zic_bench::options;
using zic_bench::shared_target;

asio::awaitable<void> describe_loop(async_client& c, const std::string& job, std::size_t& left, bool& failed) {
  zic::import_progress p;
  const zic::call_options call;
  while (left > 0) {
    --left;
    auto ok = co_await c.async_describe_import(job, p, call, asio::use_awaitable);
    if (!ok) failed = true;
  }
}

// describes/s on one thread over 8 connections.
void async_one_thread_8_connections(benchmark::State& state) {
  const std::string job = shared_target().job;
  asio::io_context io(1);
  std::vector<async_client> clients;
  for (std::size_t i = 0; i < connections; ++i)
    clients.emplace_back(options(), zic::beast_async_transport(io.get_executor()));
  bool failed = false;
  auto batch = [&](std::size_t n) {
    std::size_t left = n;
    for (auto& c : clients) asio::co_spawn(io, describe_loop(c, job, left, failed), asio::detached);
    io.restart();
    io.run();
  };
  batch(connections * 10);  // connect and warm
  for (auto _ : state) batch(per_batch);
  if (failed) state.SkipWithError("a describe failed");
  state.SetItemsProcessed(std::int64_t(state.iterations() * per_batch));
}

// The same work through the blocking describe_many: 8 threads, 8 connections per call.
void describe_many_8_threads(benchmark::State& state) {
  const std::vector<std::string> ids(per_batch, shared_target().job);
  for (auto _ : state) {
    auto all = zic::describe_many<zic::beast_transport>(options(), ids, connections);
    if (!all.back()) state.SkipWithError(all.back().error().message.c_str());
  }
  state.SetItemsProcessed(std::int64_t(state.iterations() * per_batch));
}

// Heap allocations of one warm asynchronous describe into a reused progress, awaited from a
// coroutine.
void async_describe_allocations(benchmark::State& state) {
  const std::string job = shared_target().job;
  asio::io_context io(1);
  async_client c(options(), zic::beast_async_transport(io.get_executor()));
  bool failed = false;
  auto run = [&](std::size_t n) {
    std::size_t left = n;
    asio::co_spawn(io, describe_loop(c, job, left, failed), asio::detached);
    io.restart();
    io.run();
  };
  run(100);  // warm
  long allocs = 0;
  std::int64_t describes = 0;
  for (auto _ : state) {
    const long before = zic_bench::allocation_count();
    run(200);
    allocs += zic_bench::allocation_count() - before;
    describes += 200;
  }
  if (failed) state.SkipWithError("a describe failed");
  state.SetItemsProcessed(describes);
  // The coroutine that loops is spawned once per 200 describes: its own cost is included.
  state.counters["allocs_per_describe"] = benchmark::Counter(double(allocs) / double(describes));
}

} // namespace

BENCHMARK(async_one_thread_8_connections)->UseRealTime()->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);
BENCHMARK(describe_many_8_threads)->UseRealTime()->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);
BENCHMARK(async_describe_allocations)->UseRealTime()->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
