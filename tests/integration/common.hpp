#ifndef ZIC_TESTS_INTEGRATION_COMMON_HPP
#define ZIC_TESTS_INTEGRATION_COMMON_HPP

#include "../support/emulator_process.hpp"
#include "../support/tls_files.hpp"

#include <zic/transport/beast.hpp>
#include <zic/transport/curl.hpp>
#include <zic/zic.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace zic_test {

inline const std::string api_key = "emulator-key-0f9e8d7c6b5a";

/// A data directory with a JSON rows file of `rows` rows (also as the cloud's
/// s3://bucket/a.json) and a 3-row CSV file.
struct data_dir {
  std::filesystem::path path;
  explicit data_dir(int rows = 1234) {
    static int serial = 0;
    path = std::filesystem::temp_directory_path() /
           ("zic-data-" + std::to_string(::getpid()) + "-" + std::to_string(++serial));
    std::filesystem::create_directories(path);
    std::ofstream json(path / "rows.json");
    json << "{\"rows\":[";
    for (int i = 0; i < rows; ++i) json << (i ? "," : "") << "{\"id\":" << i << ",\"vector\":[0.1,0.2,0.3]}";
    json << "]}";
    json.close();
    std::filesystem::create_directories(path / "bucket");
    std::filesystem::copy_file(path / "rows.json", path / "bucket" / "a.json");
    std::ofstream(path / "table.csv") << "id,text\n1,\"multi\nline\"\n2,b\n3,c\n";
    std::ofstream(path / "data.parquet") << "PAR1";
  }
  ~data_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file_url(const char* name) const { return "file://" + (path / name).string(); }
};

inline std::vector<std::string> emulator_args(const char* flavor, const data_dir& d, bool tls = false,
                                              std::vector<std::string> extra = {}) {
  std::vector<std::string> a = {"--flavor", flavor, "--api-key", api_key, "--data-dir", d.path.string(),
                                "--rows-per-second", "200000"};
  if (tls) {
    const auto& t = tls_files::get();
    a.insert(a.end(), {"--tls-cert", t.cert.string(), "--tls-key", t.key.string()});
  }
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

inline zic::client_options options_for(const emulator_process& e, zic::api_flavor f) {
  zic::client_options o;
  o.endpoint = e.url();
  o.api_key = api_key;
  o.flavor = f;
  if (f == zic::api_flavor::cloud) o.cluster_id = "inxx-emulated";
  o.timeout = std::chrono::seconds(5);
  o.deadline = std::chrono::seconds(20);
  o.rate_limit = 0;
  return o;
}

inline zic::transport_options trusting_test_ca() {
  zic::transport_options t;
  t.ca_file = tls_files::get().ca.string();
  return t;
}

inline zic::wait_options quick_wait(bool two_phase = false) {
  zic::wait_options w;
  w.interval = zic::wait_options::min_interval;
  w.max_interval = std::chrono::milliseconds(100);
  w.deadline = std::chrono::seconds(20);
  w.two_phase = two_phase;
  return w;
}

} // namespace zic_test

#endif
