// Writing import files: rows of (Int64 id, a 16-byte VarChar, a 768-d FloatVector) through
// zic::bulk_writer, against write(2) of the same bytes in the same run.
//
// - columnar path (`append_columns`, batches of 1,024 rows) to uncompressed Parquet and to
//   NumPy, each beside a baseline that writes the files zic wrote (same sizes, same folders,
//   same directory) with open/write/close from one buffer: the floor of any writer;
// - the columnar path to SNAPPY and ZSTD Parquet, and the row path (`make_row`/`append`) to
//   uncompressed Parquet, the Node SDK's only codec (benchmarks/node/ times it);
// - heap allocations per appended row once the first chunk is written, from appends that did
//   not finish a chunk, and per chunk written.
//
// Both sides write to the page cache with fsync off; the files are deleted after each
// iteration, outside the timing. ZIC_BENCH_WRITE_ROWS sets the row count (1,000,000), and
// ZIC_BENCH_WRITE_DIR the scratch directory ($TMPDIR or /tmp, then zic-bench-write-<pid>).

#include "alloc_counter.hpp"

#include <zic/write/bulk_writer.hpp>

#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;

constexpr std::size_t dim = 768;
constexpr std::size_t title_bytes = 16;
constexpr std::size_t batch_rows = 1024;
// Distinct vectors cycled through; more than any codec's window (12 MiB), so repeating them
// does not make the compressed figures look better than distinct embeddings would.
constexpr std::size_t vector_pool_rows = 4096;

std::size_t row_count() {
  const char *n = std::getenv("ZIC_BENCH_WRITE_ROWS");
  const long v = n ? std::atol(n) : 1000000;
  return static_cast<std::size_t>(v > 0 ? v : 1);
}

const fs::path &scratch() {
  static const fs::path dir = [] {
    const char *d = std::getenv("ZIC_BENCH_WRITE_DIR");
    return d ? fs::path(d)
             : fs::temp_directory_path() / ("zic-bench-write-" + std::to_string(::getpid()));
  }();
  return dir;
}

// The rows, built once: every benchmark reads the same memory.
struct source {
  std::size_t rows = row_count();
  std::vector<std::int64_t> ids;
  std::string title_text;
  std::vector<std::string_view> titles;
  std::vector<float>
      vectors; // vector_pool_rows * dim, uniform in [-1, 1) like a normalized embedding

  source()
      : ids(rows), title_text(rows * title_bytes, '\0'), titles(rows),
        vectors(vector_pool_rows * dim) {
    char text[title_bytes + 1];
    for (std::size_t i = 0; i < rows; ++i) {
      ids[i] = static_cast<std::int64_t>(i);
      std::snprintf(text, sizeof text, "title-%010zu", i % 10000000000);
      title_text.replace(i * title_bytes, title_bytes, text, title_bytes);
    }
    for (std::size_t i = 0; i < rows; ++i)
      titles[i] = std::string_view(title_text).substr(i * title_bytes, title_bytes);
    std::mt19937 rng(42);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (auto &v : vectors)
      v = u(rng);
  }
  std::span<const float> vector(std::size_t row) const {
    return std::span<const float>(vectors).subspan((row % vector_pool_rows) * dim, dim);
  }
};

const source &data() {
  static const source s;
  return s;
}

zic::collection_schema schema() {
  zic::field_schema id;
  id.name = "id", id.type = zic::data_type::int64, id.primary_key = true;
  zic::field_schema title;
  title.name = "title", title.type = zic::data_type::varchar, title.max_length = 64;
  zic::field_schema vec;
  vec.name = "vec", vec.type = zic::data_type::float_vector, vec.dim = static_cast<int>(dim);
  return {{id, title, vec}, false};
}

zic::bulk_writer make_writer(zic::file_format format, zic::compression codec) {
  zic::bulk_writer_options o;
  o.directory = scratch();
  o.format = format;
  o.compression = codec;
  o.fsync = false; // the page cache on both sides; see the baseline
  return zic::bulk_writer::create(schema(), o).value();
}

// Allocations of the appends that finished no chunk (the steady state, once the first chunk
// is written), and of those that did.
struct alloc_tally {
  long rows = 0, row_allocs = 0, chunks = 0, chunk_allocs = 0;

  template <class Append>
  void measure(const zic::bulk_writer &w, std::size_t appended_rows, Append &&append) {
    const bool steady = !w.units().empty();
    const std::size_t units = w.units().size();
    const long before = zic_bench::allocation_count();
    append();
    const long spent = zic_bench::allocation_count() - before;
    if (!steady) return;
    if (w.units().size() != units) {
      chunks += static_cast<long>(w.units().size() - units);
      chunk_allocs += spent;
    } else {
      rows += static_cast<long>(appended_rows);
      row_allocs += spent;
    }
  }
  void report(benchmark::State &state) const {
    state.counters["allocs_per_row"] = rows ? double(row_allocs) / double(rows) : -1.0;
    state.counters["steady_rows"] = double(rows);
    state.counters["allocs_per_chunk"] = chunks ? double(chunk_allocs) / double(chunks) : -1.0;
  }
};

// The files of the last zic run of each format, relative to the scratch directory, with their
// sizes: what the baseline writes again.
std::map<zic::file_format, std::vector<std::pair<fs::path, std::uintmax_t>>> &layouts() {
  static std::map<zic::file_format, std::vector<std::pair<fs::path, std::uintmax_t>>> m;
  return m;
}

void remember_layout(zic::file_format format) {
  auto &files = layouts()[format];
  files.clear();
  for (const auto &e : fs::recursive_directory_iterator(scratch()))
    if (e.is_regular_file()) files.emplace_back(fs::relative(e.path(), scratch()), e.file_size());
}

std::uint64_t columnar(zic::file_format format, zic::compression codec, alloc_tally *tally) {
  const source &s = data();
  auto w = make_writer(format, codec);
  for (std::size_t at = 0; at < s.rows; at += batch_rows) {
    const std::size_t n = std::min(batch_rows, s.rows - at);
    const std::array<zic::column_values, 3> cols{
        {{"id", std::span<const std::int64_t>(s.ids).subspan(at, n)},
         {"title", std::span<const std::string_view>(s.titles).subspan(at, n)},
         {"vec",
          std::span<const float>(s.vectors).subspan((at % vector_pool_rows) * dim, n * dim)}}};
    auto append = [&] { w.append_columns(cols, n).value(); };
    if (tally)
      tally->measure(w, n, append);
    else
      append();
  }
  w.close().value();
  return w.bytes_written();
}

std::uint64_t rows(zic::compression codec, alloc_tally &tally) {
  const source &s = data();
  auto w = make_writer(zic::file_format::parquet, codec);
  zic::row_builder row = w.make_row();
  for (std::size_t i = 0; i < s.rows; ++i)
    tally.measure(w, 1, [&] {
      row.clear();
      row.set("id", s.ids[i]).set("title", s.titles[i]).set("vec", s.vector(i));
      w.append(row).value();
    });
  w.close().value();
  return w.bytes_written();
}

void finish(benchmark::State &state, std::uint64_t bytes) {
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes) * state.iterations());
  state.SetItemsProcessed(static_cast<std::int64_t>(data().rows) * state.iterations());
  state.counters["file_bytes"] = double(bytes);
  state.counters["rows"] = double(data().rows);
}

void clean() {
  std::error_code ignored;
  fs::remove_all(scratch(), ignored);
}

void zic_columnar(benchmark::State &state, zic::file_format format, zic::compression codec) {
  (void)data(); // built outside the timing
  clean();
  std::uint64_t bytes = 0;
  alloc_tally tally;
  for (auto _ : state) {
    bytes = columnar(format, codec, &tally);
    state.PauseTiming();
    if (codec == zic::compression::none) remember_layout(format);
    clean();
    state.ResumeTiming();
  }
  finish(state, bytes);
  tally.report(state);
}

void zic_rows(benchmark::State &state, zic::compression codec) {
  (void)data();
  clean();
  std::uint64_t bytes = 0;
  alloc_tally tally;
  for (auto _ : state) {
    bytes = rows(codec, tally);
    state.PauseTiming();
    clean();
    state.ResumeTiming();
  }
  finish(state, bytes);
  tally.report(state);
}

// The floor: the files zic wrote for `format` (a run of its own when the zic benchmark was
// filtered out), written again with open/write/close from one buffer, into the same directory
// and folders. No encoding, no rename: the bytes through write(2) into the page cache.
void write2_same_files(benchmark::State &state, zic::file_format format) {
  if (!layouts().count(format)) {
    clean();
    columnar(format, zic::compression::none, nullptr);
    remember_layout(format);
  }
  clean();
  const auto files = layouts()[format];
  std::uintmax_t largest = 0, bytes = 0;
  for (const auto &[path, size] : files)
    largest = std::max(largest, size), bytes += size;
  const std::string buffer(largest, 'z'); // touched, so no page fault is timed
  for (auto _ : state) {
    fs::create_directories(scratch());
    for (const auto &[path, size] : files) {
      const fs::path full = scratch() / path;
      if (path.has_parent_path()) ::mkdir(full.parent_path().c_str(), 0755);
      const int fd = ::open(full.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0) {
        state.SkipWithError("cannot create a file in the scratch directory");
        return;
      }
      for (std::uintmax_t done = 0; done < size;) {
        const ::ssize_t n =
            ::write(fd, buffer.data() + done, static_cast<std::size_t>(size - done));
        if (n <= 0) {
          ::close(fd);
          state.SkipWithError("write(2) failed");
          return;
        }
        done += static_cast<std::uintmax_t>(n);
      }
      ::close(fd);
    }
    state.PauseTiming();
    clean();
    state.ResumeTiming();
  }
  finish(state, bytes);
  state.counters["files"] = double(files.size());
}

std::string filesystem_of(const fs::path &dir) {
  struct statfs s {};
  fs::create_directories(dir);
  if (::statfs(dir.c_str(), &s) != 0) return "?";
  switch (static_cast<unsigned long>(s.f_type)) {
  case 0xEF53:
    return "ext4";
  case 0x01021994:
    return "tmpfs";
  case 0x58465342:
    return "xfs";
  case 0x9123683E:
    return "btrfs";
  case 0x794C7630:
    return "overlayfs";
  default:
    return "0x" + [&] {
      char hex[20];
      std::snprintf(hex, sizeof hex, "%lx", static_cast<unsigned long>(s.f_type));
      return std::string(hex);
    }();
  }
}

constexpr auto parquet = zic::file_format::parquet;
constexpr auto numpy = zic::file_format::numpy;
constexpr auto none = zic::compression::none;

} // namespace

// One iteration writes every row once (seconds at 1,000,000 rows); benchmarks/run repeats
// each three times and keeps the median.
#define ZIC_WRITE_BENCH(...)                                                                       \
  BENCHMARK_CAPTURE(__VA_ARGS__)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond)
ZIC_WRITE_BENCH(zic_columnar, parquet_none, parquet, none);
ZIC_WRITE_BENCH(write2_same_files, parquet, parquet);
ZIC_WRITE_BENCH(zic_columnar, numpy, numpy, none);
ZIC_WRITE_BENCH(write2_same_files, numpy, numpy);
ZIC_WRITE_BENCH(zic_columnar, parquet_snappy, parquet, zic::compression::snappy);
ZIC_WRITE_BENCH(zic_columnar, parquet_zstd, parquet, zic::compression::zstd);
ZIC_WRITE_BENCH(zic_rows, parquet_none, none);

int main(int argc, char **argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("write_rows", std::to_string(row_count()));
  benchmark::AddCustomContext("write_dir", scratch().string());
  benchmark::AddCustomContext("write_filesystem", filesystem_of(scratch()));
  benchmark::AddCustomContext("write_fsync", "off (both sides write to the page cache)");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  clean();
  return 0;
}
