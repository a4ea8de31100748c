// Parsing the API's answers and building its requests: zic against the parser's own limit
// (simdjson DOM, touching nothing) and against what C++ code writes today (nlohmann::json).

#include "alloc_counter.hpp"

#include <zic/zic.hpp>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::string answer(const std::string& name) {
  std::ifstream in(std::string(ZIC_BENCH_ANSWERS) + "/" + name + ".json", std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (ss.str().empty()) throw std::runtime_error("missing benchmark answer " + name);
  return ss.str();
}

// The answer as a transport leaves it: padding capacity behind the body.
zic::http_response padded(const std::string& name) {
  zic::http_response r;
  r.status = 200;
  r.body = answer(name);
  r.body.reserve(r.body.size() + simdjson::SIMDJSON_PADDING);
  return r;
}

// Reports bytes/s and heap allocations per operation.
template <class F> void measure(benchmark::State& state, std::size_t bytes, F&& op) {
  for (int i = 0; i < 3; ++i) op();  // warm: reused buffers reach their size
  long before = zic_bench::allocation_count();
  for (auto _ : state) op();
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
  state.counters["allocs_per_op"] =
      benchmark::Counter(double(zic_bench::allocation_count() - before) / double(state.iterations()));
}

// --- baselines ---------------------------------------------------------------------------------

void simdjson_dom(benchmark::State& state, const std::string& name) {
  simdjson::padded_string json(answer(name));
  simdjson::dom::parser parser;
  measure(state, json.size(), [&] {
    simdjson::dom::element root;
    auto error = parser.parse(json).get(root);
    benchmark::DoNotOptimize(error);
    benchmark::DoNotOptimize(root);
  });
}

std::string text_of(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
std::int64_t int_of(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<std::int64_t>() : 0;
}

void nlohmann_progress(benchmark::State& state, const std::string& name) {
  const std::string json = answer(name);
  measure(state, json.size(), [&] {
    auto doc = nlohmann::json::parse(json);
    if (doc.at("code").get<int>() != 0) throw std::runtime_error("unexpected");
    const auto& d = doc.at("data");
    zic::import_progress p;
    p.job_id = text_of(d, "jobId");
    p.collection_name = text_of(d, "collectionName");
    p.file_name = text_of(d, "fileName");
    p.file_size = int_of(d, "fileSize");
    p.state_text = text_of(d, "state");
    p.state = zic::parse_job_state(p.state_text);
    p.progress = static_cast<int>(int_of(d, "progress"));
    p.imported_rows = int_of(d, "importedRows");
    p.total_rows = int_of(d, "totalRows");
    p.complete_time = text_of(d, "completeTime");
    p.create_time = text_of(d, "createTime");
    p.reason = text_of(d, "reason");
    for (const auto& f : d.at("details")) {
      zic::file_progress fp;
      fp.file_name = text_of(f, "fileName");
      fp.file_size = int_of(f, "fileSize");
      fp.state_text = text_of(f, "state");
      fp.state = zic::parse_job_state(fp.state_text);
      fp.progress = static_cast<int>(int_of(f, "progress"));
      fp.imported_rows = int_of(f, "importedRows");
      fp.total_rows = int_of(f, "totalRows");
      fp.complete_time = text_of(f, "completeTime");
      fp.reason = text_of(f, "reason");
      p.details.push_back(std::move(fp));
    }
    benchmark::DoNotOptimize(p);
  });
}

void nlohmann_list(benchmark::State& state, const std::string& name) {
  const std::string json = answer(name);
  measure(state, json.size(), [&] {
    auto doc = nlohmann::json::parse(json);
    if (doc.at("code").get<int>() != 0) throw std::runtime_error("unexpected");
    const auto& d = doc.at("data");
    zic::import_job_page page;
    page.count = int_of(d, "count");
    page.current_page = int_of(d, "currentPage");
    page.page_size = int_of(d, "pageSize");
    for (const auto& r : d.at("records")) {
      zic::import_job_summary s;
      s.job_id = text_of(r, "jobId");
      s.collection_name = text_of(r, "collectionName");
      s.state_text = text_of(r, "state");
      s.state = zic::parse_job_state(s.state_text);
      if (r.contains("progress")) s.progress = static_cast<int>(int_of(r, "progress"));
      s.reason = text_of(r, "reason");
      page.records.push_back(std::move(s));
    }
    benchmark::DoNotOptimize(page);
  });
}

// --- zic -----------------------------------------------------------------------------------------

void zic_progress_owned(benchmark::State& state, const std::string& name) {
  const std::string json = answer(name);
  measure(state, json.size(), [&] {
    auto p = zic::parse_progress_response(json);
    benchmark::DoNotOptimize(p);
  });
}

void zic_progress_reusing(benchmark::State& state, const std::string& name) {
  auto r = padded(name);
  zic::response_parser parser;
  zic::import_progress p;
  measure(state, r.body.size(), [&] {
    auto ok = parser.parse_progress(r, p);
    benchmark::DoNotOptimize(ok);
  });
}

void zic_progress_view(benchmark::State& state, const std::string& name) {
  auto r = padded(name);
  zic::response_parser parser;
  measure(state, r.body.size(), [&] {
    auto v = parser.view_progress(r);
    benchmark::DoNotOptimize(v);
  });
}

void zic_list_owned(benchmark::State& state, const std::string& name) {
  const std::string json = answer(name);
  measure(state, json.size(), [&] {
    auto p = zic::parse_list_response(json);
    benchmark::DoNotOptimize(p);
  });
}

void zic_list_reusing(benchmark::State& state, const std::string& name) {
  auto r = padded(name);
  zic::response_parser parser;
  zic::import_job_page page;
  measure(state, r.body.size(), [&] {
    auto ok = parser.parse_list(r, page);
    benchmark::DoNotOptimize(ok);
  });
}

void zic_list_view(benchmark::State& state, const std::string& name) {
  auto r = padded(name);
  zic::response_parser parser;
  measure(state, r.body.size(), [&] {
    auto v = parser.view_list(r);
    benchmark::DoNotOptimize(v);
  });
}

// --- the alternative: simdjson On-Demand ---------------------------------------------------------
// The same walk as the list view (string views, the state as an enum) with simdjson's On-Demand
// API, which in simdjson 3.0 is compiled only for the kernel chosen at compile time (the
// "builtin" one; see the context's ondemand_kernel). Measured to choose between it and the DOM
// tape walk zic uses.

// The envelope: `code` must be 0; `data` goes to `read`.
template <class Doc, class Read> void ondemand_envelope(Doc& doc, Read&& read) {
  std::int64_t code = -1;
  for (auto field : doc.get_object()) {
    std::string_view key = field.unescaped_key().value();
    if (key == "code") code = field.value().get_int64().value();
    else if (key == "data") read(field.value().get_object().value());
  }
  if (code != 0) throw std::runtime_error("unexpected");
}

void ondemand_list_view(benchmark::State& state, const std::string& name) {
  simdjson::padded_string json(answer(name));
  simdjson::ondemand::parser parser;
  std::vector<zic::import_job_summary_view> records;
  measure(state, json.size(), [&] {
    records.clear();
    auto doc = parser.iterate(json);
    ondemand_envelope(doc, [&](simdjson::ondemand::object data) {
      for (auto member : data) {
        if (member.unescaped_key().value() != "records") continue;
        for (auto item : member.value().get_array()) {
          auto& r = records.emplace_back();
          for (auto f : item.get_object()) {
            std::string_view k = f.unescaped_key().value();
            if (k == "jobId") r.job_id = f.value().get_string().value();
            else if (k == "collectionName") r.collection_name = f.value().get_string().value();
            else if (k == "state") r.state_text = f.value().get_string().value();
            else if (k == "progress") r.progress = static_cast<int>(f.value().get_int64().value());
            else if (k == "reason") r.reason = f.value().get_string().value();
          }
          r.state = zic::parse_job_state(r.state_text);
        }
      }
    });
    benchmark::DoNotOptimize(records.data());
  });
}

// Every field zic's view reads, the per-file details included: the same work.
template <class Progress> void ondemand_common(std::string_view k, simdjson::ondemand::value v, Progress& p) {
  if (k == "fileName") p.file_name = v.get_string().value();
  else if (k == "fileSize") p.file_size = v.get_int64().value();
  else if (k == "state") p.state_text = v.get_string().value();
  else if (k == "progress") p.progress = static_cast<int>(v.get_int64().value());
  else if (k == "importedRows") p.imported_rows = v.get_int64().value();
  else if (k == "totalRows") p.total_rows = v.get_int64().value();
  else if (k == "completeTime") p.complete_time = v.get_string().value();
  else if (k == "reason") p.reason = v.get_string().value();
}

void ondemand_progress_view(benchmark::State& state, const std::string& name) {
  simdjson::padded_string json(answer(name));
  simdjson::ondemand::parser parser;
  zic::import_progress_view p;
  std::vector<zic::file_progress_view> files;
  measure(state, json.size(), [&] {
    files.clear();
    auto doc = parser.iterate(json);
    ondemand_envelope(doc, [&](simdjson::ondemand::object data) {
      for (auto member : data) {
        std::string_view k = member.unescaped_key().value();
        if (k == "jobId") p.job_id = member.value().get_string().value();
        else if (k == "collectionName") p.collection_name = member.value().get_string().value();
        else if (k == "createTime") p.create_time = member.value().get_string().value();
        else if (k == "details") {
          for (auto item : member.value().get_array()) {
            auto& f = files.emplace_back();
            for (auto ff : item.get_object()) ondemand_common(ff.unescaped_key().value(), ff.value(), f);
            f.state = zic::parse_job_state(f.state_text);
          }
        } else {
          ondemand_common(k, member.value(), p);
        }
      }
    });
    p.state = zic::parse_job_state(p.state_text);
    p.details = files;
    benchmark::DoNotOptimize(p);
  });
}

// --- request building ----------------------------------------------------------------------------

zic::create_import_request create_request(int groups) {
  zic::create_import_request r;
  r.collection_name = "medium_articles";
  r.partition_name = "2024_04";
  for (int i = 0; i < groups; ++i)
    r.files.push_back({"embeddings/2024-04-01/part-" + std::to_string(i) + ".parquet"});
  r.options = {{"timeout", "300s"}, {"auto_commit", "true"}};
  return r;
}

void zic_build_create(benchmark::State& state) {
  zic::client_options o;
  o.endpoint = "http://127.0.0.1:19530";
  o.api_key = "root:Milvus";
  o.db_name = "analytics";
  o.max_files = 100000;
  auto ctx = zic::make_request_context(o).value();
  auto r = create_request(static_cast<int>(state.range(0)));
  std::size_t bytes = zic::make_create_request(ctx, r)->body.size();
  measure(state, bytes, [&] {
    auto req = zic::make_create_request(ctx, r);
    benchmark::DoNotOptimize(req);
  });
}

void nlohmann_build_create(benchmark::State& state) {
  auto r = create_request(static_cast<int>(state.range(0)));
  std::size_t bytes = 0;
  auto build = [&] {
    nlohmann::json j;
    j["dbName"] = "analytics";
    j["collectionName"] = r.collection_name;
    j["partitionName"] = r.partition_name;
    j["files"] = r.files;
    j["options"] = r.options;
    std::string body = j.dump();
    bytes = body.size();
    benchmark::DoNotOptimize(body);
  };
  build();
  measure(state, bytes, build);
}

} // namespace

#define ZIC_ANSWER_BENCH(fn, name) BENCHMARK_CAPTURE(fn, name, #name)

ZIC_ANSWER_BENCH(simdjson_dom, progress_1);
ZIC_ANSWER_BENCH(nlohmann_progress, progress_1);
ZIC_ANSWER_BENCH(zic_progress_owned, progress_1);
ZIC_ANSWER_BENCH(zic_progress_reusing, progress_1);
ZIC_ANSWER_BENCH(zic_progress_view, progress_1);
ZIC_ANSWER_BENCH(simdjson_dom, progress_100);
ZIC_ANSWER_BENCH(nlohmann_progress, progress_100);
ZIC_ANSWER_BENCH(zic_progress_owned, progress_100);
ZIC_ANSWER_BENCH(zic_progress_reusing, progress_100);
ZIC_ANSWER_BENCH(zic_progress_view, progress_100);
ZIC_ANSWER_BENCH(simdjson_dom, list_10);
ZIC_ANSWER_BENCH(nlohmann_list, list_10);
ZIC_ANSWER_BENCH(zic_list_owned, list_10);
ZIC_ANSWER_BENCH(zic_list_reusing, list_10);
ZIC_ANSWER_BENCH(zic_list_view, list_10);
ZIC_ANSWER_BENCH(simdjson_dom, list_1000);
ZIC_ANSWER_BENCH(nlohmann_list, list_1000);
ZIC_ANSWER_BENCH(zic_list_owned, list_1000);
ZIC_ANSWER_BENCH(zic_list_reusing, list_1000);
ZIC_ANSWER_BENCH(zic_list_view, list_1000);
ZIC_ANSWER_BENCH(simdjson_dom, list_10000);
ZIC_ANSWER_BENCH(nlohmann_list, list_10000);
ZIC_ANSWER_BENCH(zic_list_owned, list_10000);
ZIC_ANSWER_BENCH(zic_list_reusing, list_10000);
ZIC_ANSWER_BENCH(zic_list_view, list_10000);
ZIC_ANSWER_BENCH(ondemand_progress_view, progress_1);
ZIC_ANSWER_BENCH(ondemand_progress_view, progress_100);
ZIC_ANSWER_BENCH(ondemand_list_view, list_10000);
BENCHMARK(zic_build_create)->Arg(1)->Arg(1000);
BENCHMARK(nlohmann_build_create)->Arg(1)->Arg(1000);

int main(int argc, char** argv) {
  benchmark::AddCustomContext("simdjson_implementation", simdjson::get_active_implementation()->name());
  benchmark::AddCustomContext("ondemand_kernel", simdjson::builtin_implementation()->name());
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
