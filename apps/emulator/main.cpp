// zic-emulator: a local stand-in for the Zilliz Cloud and Milvus bulk-import API.

#include "readers.hpp"
#include "server.hpp"

#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr const char* usage = R"(usage: zic-emulator [options]

A local server that speaks the Zilliz Cloud / Milvus bulk-import REST API, for tests, demos and
offline pipelines. It imports for real: JSON ({"rows":[...]} or a top-level array) and CSV files
are read and counted, Parquet row counts come from the footer and NumPy (.npy) ones from the
header, from a local directory or an S3-compatible object store. It applies the server's file
rules and stages a job as the server does. A file that no store or directory holds is simulated
(10000 rows), and describe marks its unit "simulated": true.

options:
  --host ADDR              address to listen on (default 127.0.0.1; ::1 for IPv6)
  --port N                 port (default 0: any free port, printed on the first line)
  --flavor cloud|milvus    which API to speak (default milvus)
  --api-key KEY            require "Authorization: Bearer KEY" (default: accept anyone)
  --data-dir DIR           local files: Milvus "files" paths, cloud s3://BUCKET/KEY as
                           DIR/BUCKET/KEY, and file:// URLs under DIR
  --object-store URL       an S3-compatible store, path-style (http://127.0.0.1:4568). Cloud:
                           s3://BUCKET/KEY is read from it with the request's accessKey,
                           secretKey and token, and http(s):// URLs are fetched as given.
                           Milvus: "files" are read from --bucket with --object-store-key
  --object-store-region R  region for AWS Signature V4 (default us-east-1)
  --bucket NAME            Milvus: the server's bucket in the object store
  --object-store-key ID:SECRET  Milvus: the server's own credentials for that bucket
  --read-timeout SECONDS   the most reading one file may take, all its requests together
                           (default 300); past it the file fails its job with a reason
  --readers N              threads that read files (default 4); jobs take turns, one unit
                           at a time, so a slow store holds up one reader, not every job
  --collection NAME=FILE   check imports into collection NAME against the schema in FILE
                           (repeatable): REST v2 collections/create's "schema", or what
                           collections/describe answers. A file with a missing field, an
                           extra one without the dynamic field, an auto-id primary key, a
                           wrong type or a wrong dim fails its job, naming file and field.
                           Other collections take any file, as before
  --rows-per-second N      import speed (default 10000)
  --seed N                 the same job ids on every run (default: new ones each run, as a
                           server never reuses an id)
  --retention SECONDS      forget finished jobs after this long (default: milvus 10800, as the
                           server's taskRetention; cloud 86400)
  --tls-cert FILE          serve HTTPS with this PEM certificate ...
  --tls-key FILE           ... and this PEM key
  --tls-client-ca FILE     require client certificates signed by this CA (mutual TLS)
  --fault RULE             inject a fault (repeatable); RULE is KIND[:key=value,...]
                           kinds: delay 429 503 1807 close-before close-mid-headers
                                  close-mid-body truncated malformed oversized
                           keys:  on=create+describe+list+commit+abort|any  count=N  after=N
                                  prob=P  ms=N (delay)  retry_after=S (429)
                                  bytes=N chunked=1 (oversized)
  --help                   this text

The first line on stdout is "listening on http(s)://HOST:PORT". GET /_emulator/stats answers
{"connections":N,"requests":N,"jobs":N,"running":N,"visits":N,"retention":S,"faults":N}. SIGINT or SIGTERM
stops it.
)";

[[noreturn]] void fail(const std::string& message) {
  std::cerr << "zic-emulator: " << message << "\n(see zic-emulator --help)\n";
  std::exit(2);
}

} // namespace

int main(int argc, char** argv) {
  using namespace zic_emulator;
  std::string host = "127.0.0.1", port_text = "0", tls_cert, tls_key, tls_client_ca;
  settings cfg;
  fault_plan faults;
  double rows_per_second = 10000;
  std::optional<std::int64_t> retention;
  std::size_t reader_threads = 4;
  std::string store_key;

  std::vector<std::string_view> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) fail("option " + std::string(a) + " needs a value");
      return std::string(args[++i]);
    };
    auto number = [&](std::string_view name, std::string text) {
      try {
        std::size_t used = 0;
        double v = std::stod(text, &used);
        if (used != text.size() || !std::isfinite(v) || v < 0) throw std::invalid_argument(text);
        return v;
      } catch (...) {
        fail("invalid value for " + std::string(name) + ": \"" + text + "\"");
      }
    };
    if (a == "--help" || a == "-h") {
      std::cout << usage;
      return 0;
    } else if (a == "--host") host = value();
    else if (a == "--port") port_text = value();
    else if (a == "--flavor") {
      auto f = value();
      if (f == "cloud") cfg.kind = flavor::cloud;
      else if (f == "milvus") cfg.kind = flavor::milvus;
      else fail("--flavor takes cloud or milvus, not \"" + f + "\"");
    } else if (a == "--api-key") cfg.api_key = value();
    else if (a == "--data-dir") cfg.data_dir = value();
    else if (a == "--object-store") cfg.store.endpoint = value();
    else if (a == "--object-store-region") cfg.store.region = value();
    else if (a == "--bucket") cfg.store.bucket = value();
    else if (a == "--object-store-key") store_key = value();
    else if (a == "--collection") {
      const std::string spec = value();
      const auto eq = spec.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
        fail("--collection takes NAME=SCHEMA.json, not \"" + spec + "\"");
      const std::string name = spec.substr(0, eq), path = spec.substr(eq + 1);
      std::ifstream in(path, std::ios::binary);
      std::ostringstream text;
      if (!in || !(text << in.rdbuf())) fail("--collection " + name + ": cannot read " + path);
      auto schema = zic::collection_schema::parse(text.str());
      if (!schema) fail("--collection " + name + ": " + path + ": " + schema.error().message);
      if (!cfg.schemas.emplace(name, std::move(*schema)).second)
        fail("--collection " + name + " is given twice");
    } else if (a == "--rows-per-second") {
      rows_per_second = number(a, value());
      // Outside these, the time a job takes no longer fits the clock.
      if (rows_per_second < 1e-3 || rows_per_second > 1e12) fail("--rows-per-second must be between 0.001 and 1e12");
    } else if (a == "--retention") {
      const double seconds = number(a, value());
      if (seconds > 1e9) fail("--retention must be at most 1e9 seconds (about 31 years)");
      retention = static_cast<std::int64_t>(seconds);
    }
    else if (a == "--read-timeout") {
      const double seconds = number(a, value());
      if (seconds < 0.001 || seconds > 1e6)
        fail("--read-timeout must be between 0.001 and 1e6 seconds");
      cfg.read_timeout = std::chrono::milliseconds(std::llround(seconds * 1000));
    } else if (a == "--readers") {
      const double n = number(a, value());
      if (n < 1 || n > 64 || n != std::floor(n))
        fail("--readers takes a whole number from 1 to 64");
      reader_threads = static_cast<std::size_t>(n);
    } else if (a == "--seed") {
      const std::string text = value();
      std::uint64_t seed = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seed);
      if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        fail("--seed takes a whole number from 0 to 18446744073709551615, not \"" + text + "\"");
      cfg.seed = seed;
    }
    else if (a == "--tls-cert") tls_cert = value();
    else if (a == "--tls-key") tls_key = value();
    else if (a == "--tls-client-ca") tls_client_ca = value();
    else if (a == "--fault") {
      std::string why, rule = value();
      auto r = parse_fault(rule, why);
      if (!r) fail("--fault " + rule + ": " + why);
      faults.rules.push_back(*r);
    } else {
      fail("unknown option " + std::string(a));
    }
  }
  std::uint16_t port = 0;
  {
    double p = 0;
    try {
      std::size_t used = 0;
      p = std::stod(port_text, &used);
      if (used != port_text.size()) p = -1;
    } catch (...) {
      p = -1;
    }
    if (p < 0 || p > 65535 || p != double(static_cast<int>(p))) fail("invalid --port \"" + port_text + "\"");
    port = static_cast<std::uint16_t>(p);
  }
  if (tls_cert.empty() != tls_key.empty()) fail("--tls-cert and --tls-key go together");
  if (!tls_client_ca.empty() && tls_cert.empty()) fail("--tls-client-ca needs --tls-cert and --tls-key");
  if (!cfg.data_dir.empty()) {
    if (!std::filesystem::is_directory(cfg.data_dir))
      fail("--data-dir " + cfg.data_dir.string() + " is not a directory");
    // Files are checked to lie under it by absolute path: resolve a relative one once, here.
    std::error_code ec;
    auto resolved = std::filesystem::canonical(cfg.data_dir, ec);
    if (ec) fail("--data-dir " + cfg.data_dir.string() + ": " + ec.message());
    cfg.data_dir = std::move(resolved);
  }
  if (!retention) retention = cfg.kind == flavor::milvus ? 10800 : 86400;
  if (!cfg.store.endpoint.empty()) {
#if !ZIC_EMULATOR_WITH_CURL
    fail("--object-store needs a zic-emulator built with libcurl (ZIC_WITH_CURL)");
#endif
    const std::string_view e = cfg.store.endpoint;
    if (e.substr(0, 7) != "http://" && e.substr(0, 8) != "https://")
      fail("--object-store takes an http:// or https:// URL, not \"" + cfg.store.endpoint + "\"");
    if (cfg.store.region.empty()) fail("--object-store-region is empty");
    if (cfg.kind == flavor::milvus && cfg.store.bucket.empty())
      fail("the milvus flavour reads its files from one bucket: give --bucket with --object-store");
  } else if (!cfg.store.bucket.empty() || !store_key.empty()) {
    fail("--bucket and --object-store-key need --object-store");
  }
  if (!store_key.empty()) {
    if (cfg.kind != flavor::milvus)
      fail("--object-store-key is the Milvus server's own; the cloud reads with each request's keys");
    auto colon = store_key.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == store_key.size())
      fail("--object-store-key takes ACCESS_KEY_ID:SECRET");
    cfg.store.access_key = store_key.substr(0, colon);
    cfg.store.secret_key = store_key.substr(colon + 1);
  }

#if ZIC_EMULATOR_WITH_CURL
  // Before any reader thread starts a transfer: libcurl's global setup is not theirs to race.
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) fail("cannot start libcurl");
#endif
  std::atomic<bool> stopping{false};
  cfg.stopping = &stopping;

  try {
    asio::io_context ioc{1};
    std::optional<asio::ssl::context> tls;
    if (!tls_cert.empty()) {
      tls.emplace(asio::ssl::context::tls_server);
      tls->use_certificate_chain_file(tls_cert);
      tls->use_private_key_file(tls_key, asio::ssl::context::pem);
      if (!tls_client_ca.empty()) {
        tls->load_verify_file(tls_client_ca);
        tls->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
      }
    }
    job_store jobs;
    jobs.life.rows_per_second = rows_per_second;
    jobs.retention = std::chrono::seconds(*retention);
    api service(cfg, jobs);
    // Files are read and counted on their own threads: a large one never stalls the answers,
    // and a slow one never stalls the other jobs. Declared after `service`, whose units they
    // run, so they stop first.
    file_readers readers(reader_threads, stopping);
    service.reader = [&](std::vector<api::unit_reader> units,
                         std::function<void(api::file_list)> done) {
      auto back = [&ioc, done = std::move(done)](api::file_list files) mutable {
        asio::post(ioc, [done = std::move(done), files = std::move(files)]() mutable {
          done(std::move(files));
        });
      };
      readers.submit(std::move(units), std::move(back));
    };
    shared_state state{cfg.kind, service, faults, jobs, {}};
    boost::system::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (ec) fail("--host must be an IP address such as 127.0.0.1 or ::1, not \"" + host + "\"");
    server srv(ioc, tcp::endpoint(address, port), state, tls ? &*tls : nullptr);
    srv.start();

    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](beast::error_code, int) { ioc.stop(); });

    std::string shown = address.is_v6() ? "[" + host + "]" : host;
    std::printf("listening on %s://%s:%u\n", tls ? "https" : "http", shown.c_str(), unsigned(srv.port()));
    std::fflush(stdout);
    ioc.run();
  } catch (const std::exception& e) {
    std::cerr << "zic-emulator: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
