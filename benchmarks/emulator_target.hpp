#ifndef ZIC_BENCHMARKS_EMULATOR_TARGET_HPP
#define ZIC_BENCHMARKS_EMULATOR_TARGET_HPP

// The emulator and job a polling benchmark runs against: the one named by ZIC_BENCH_ENDPOINT,
// ZIC_BENCH_KEY and ZIC_BENCH_JOB (benchmarks/run shares one with wrk), or its own.

#include <support/emulator_process.hpp>
#include <zic/transport/beast.hpp>
#include <zic/zic.hpp>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace zic_bench {

struct target {
  std::unique_ptr<zic_test::emulator_process> emulator;
  std::string endpoint, key, job;
};

inline zic::client_options target_options(const target& t) {
  zic::client_options o;
  o.endpoint = t.endpoint;
  o.api_key = t.key;
  o.flavor = zic::api_flavor::milvus;
  return o;
}

inline const target& shared_target() {
  static const target t = [] {
    target out;
    if (const char* e = std::getenv("ZIC_BENCH_ENDPOINT")) {
      out.endpoint = e;
      out.key = std::getenv("ZIC_BENCH_KEY") ? std::getenv("ZIC_BENCH_KEY") : "";
      out.job = std::getenv("ZIC_BENCH_JOB") ? std::getenv("ZIC_BENCH_JOB") : "";
    } else {
      out.key = "bench-key";
      out.emulator = std::make_unique<zic_test::emulator_process>(
          std::vector<std::string>{"--flavor", "milvus", "--api-key", out.key});
      out.endpoint = out.emulator->url();
    }
    if (out.job.empty()) {
      zic::basic_client<zic::beast_transport> c(target_options(out));
      zic::create_import_request r;
      r.collection_name = "bench";
      r.files = {{"simulated.parquet"}};
      out.job = c.create_import(r).value();
    }
    return out;
  }();
  return t;
}

/// Options for a client of the shared target.
inline zic::client_options options() { return target_options(shared_target()); }

} // namespace zic_bench

#endif
