#include "common.hpp"
#include "../support/script_server.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thread>

using namespace zic_test;
using zic::errc;
using zic::job_state;

#define ZIC_TRANSPORTS zic::beast_transport, zic::curl_transport


TEST_CASE_TEMPLATE("end to end: cloud flavour, plain and TLS", T, ZIC_TRANSPORTS) {
  data_dir d(1234);
  for (bool tls : {false, true}) {
    CAPTURE(tls);
    emulator_process e(emulator_args("cloud", d, tls));
    zic::basic_client<T> c(options_for(e, zic::api_flavor::cloud), T(trusting_test_ca()));

    zic::create_import_request r;
    r.collection_name = "medium_articles";
    r.object_urls = {{d.file_url("rows.json")}, {d.file_url("table.csv")}};
    auto id = c.create_import(r);
    REQUIRE_MESSAGE(id, id.error().message);
    CHECK(id->rfind("job-", 0) == 0);
    auto done = c.wait_for_import(*id, quick_wait());
    REQUIRE(done);
    CHECK(done->state == job_state::completed);
    CHECK(done->total_rows == 1237);
    CHECK(done->file_name == "rows.json");
    CHECK(done->details.size() == 2);
    CHECK(done->progress == 100);
    CHECK_FALSE(done->complete_time.empty());

    // get_progress and getProgress are aliases of describe.
    auto o = options_for(e, zic::api_flavor::cloud);
    o.progress = zic::progress_path::get_progress;
    zic::basic_client<T> old(o, T(trusting_test_ca()));
    CHECK(old.describe_import(*id)->total_rows == 1237);

    // A failing file, the deprecated objectUrl form, and paging over three jobs.
    zic::create_import_request bad;
    bad.collection_name = "other";
    bad.object_url = d.file_url("data.parquet");
    auto bad_id = c.create_import(bad);
    REQUIRE(bad_id);
    auto failed = c.wait_for_import(*bad_id, quick_wait());
    REQUIRE(failed);
    CHECK(failed->state == job_state::failed);
    CHECK(failed->reason.find("not a Parquet file") != std::string::npos);  // "PAR1" alone
    zic::create_import_request sim;
    sim.collection_name = "medium_articles";
    sim.object_urls = {{"s3://bucket/simulated.parquet"}};
    REQUIRE(c.create_import(sim));

    std::vector<std::string> ids;
    zic::list_import_jobs_request lr;
    lr.page_size = 2;
    REQUIRE(c.for_each_import_job([&](const zic::import_job_summary& j) { ids.push_back(j.job_id); }, lr));
    CHECK(ids.size() == 3);
    auto page = c.list_import_jobs(lr);
    REQUIRE(page);
    CHECK(page->records.size() == 2);
    CHECK(page->page_size == 2);
    lr.collection_name = "other";
    CHECK(c.list_import_jobs(lr)->records.size() == 1);

    CHECK(c.commit_import(*id).error().code == errc::invalid_argument);
    auto gone = c.describe_import("job-doesnotexist");
    REQUIRE_FALSE(gone);
    CHECK(gone.error().code == errc::job_not_found);
  }
}

TEST_CASE_TEMPLATE("end to end: Milvus flavour with two-phase commit and abort, plain and TLS", T, ZIC_TRANSPORTS) {
  data_dir d(500);
  for (bool tls : {false, true}) {
    CAPTURE(tls);
    emulator_process e(emulator_args("milvus", d, tls));
    auto o = options_for(e, zic::api_flavor::milvus);
    o.db_name = "analytics";
    zic::basic_client<T> c(o, T(trusting_test_ca()));

    zic::create_import_request r;
    r.collection_name = "quick_setup";
    r.files = {{"rows.json"}, {"table.csv"}};
    r.options = {{"auto_commit", "false"}, {"timeout", "300s"}};
    auto id = c.create_import(r);
    REQUIRE_MESSAGE(id, id.error().message);
    CHECK(id->find_first_not_of("0123456789") == std::string::npos);
    auto staged = c.wait_for_import(*id, quick_wait(true));
    REQUIRE(staged);
    CHECK(staged->state == job_state::uncommitted);
    CHECK(staged->imported_rows == 503);
    CHECK(staged->details[0].file_name == "[rows.json]");
    REQUIRE(c.commit_import(*id));
    REQUIRE(c.commit_import(*id));  // safe to repeat
    auto done = c.wait_for_import(*id, quick_wait());
    REQUIRE(done);
    CHECK(done->state == job_state::completed);
    CHECK(done->total_rows == 503);
    CHECK(done->imported_rows == 503);

    auto second = c.create_import(r);
    REQUIRE(second);
    REQUIRE(c.abort_import(*second));
    auto aborted = c.wait_for_import(*second, quick_wait());
    REQUIRE(aborted);
    CHECK(aborted->state == job_state::failed);
    CHECK_FALSE(aborted->reason.empty());

    auto list = c.list_import_jobs();
    REQUIRE(list);
    CHECK(list->records.size() == 2);
    CHECK_FALSE(list->count.has_value());

    // The database is chosen by the DB-Name header alone for describe: another one hides the job.
    auto other = options_for(e, zic::api_flavor::milvus);
    zic::basic_client<T> default_db(other, T(trusting_test_ca()));
    CHECK(default_db.describe_import(*id).error().code == errc::job_not_found);
    CHECK(default_db.list_import_jobs()->records.empty());
  }
}

TEST_CASE_TEMPLATE("auth: a bad key is an api_error with the flavour's status and code", T, ZIC_TRANSPORTS) {
  data_dir d;
  for (auto [flavor, f, code] : {std::tuple{"cloud", zic::api_flavor::cloud, 21119},
                                 std::tuple{"milvus", zic::api_flavor::milvus, 1800}}) {
    emulator_process e(emulator_args(flavor, d));
    auto o = options_for(e, f);
    o.api_key = "wrong-key";
    zic::basic_client<T> c(o);
    auto r = c.describe_import("1");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::api_error);
    CHECK(r.error().http_status == 401);
    CHECK(r.error().api_code == code);
    CHECK_FALSE(r.error().retryable());
  }
}

TEST_CASE_TEMPLATE("TLS: verified by default, a CA file trusts, a wrong host name is refused", T, ZIC_TRANSPORTS) {
  data_dir d;
  const auto& files = tls_files::get();
  emulator_process good(emulator_args("milvus", d, true));
  auto o = options_for(good, zic::api_flavor::milvus);
  o.retry.max_attempts = 1;

  zic::basic_client<T> system_store(o, T());
  auto refused = system_store.list_import_jobs();
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == errc::tls);
  // The cause is named: an issuer the system store does not know.
  CHECK_MESSAGE(refused.error().message.find("issuer") != std::string::npos, refused.error().message);

  zic::basic_client<T> trusting(o, T(trusting_test_ca()));
  CHECK(trusting.list_import_jobs());

  zic::transport_options insecure;
  insecure.insecure = true;
  zic::basic_client<T> lax(o, T(insecure));
  CHECK(lax.list_import_jobs());

  emulator_process wrong(emulator_args("milvus", d, false,
                                       {"--tls-cert", files.wrong_cert.string(), "--tls-key", files.wrong_key.string()}));
  auto w = options_for(wrong, zic::api_flavor::milvus);
  w.retry.max_attempts = 1;
  zic::basic_client<T> mismatch(w, T(trusting_test_ca()));
  auto r = mismatch.list_import_jobs();
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::tls);
  // A trusted certificate for another name says so, not "for a private CA use --ca-file".
  const auto& m = r.error().message;
  CHECK_MESSAGE((m.find("host") != std::string::npos || m.find("match") != std::string::npos), m);
  CHECK_MESSAGE(m.find("issuer") == std::string::npos, m);
}

TEST_CASE_TEMPLATE("keep-alive: one connection serves many calls; a closed one is replaced", T, ZIC_TRANSPORTS) {
  data_dir d;
  auto e = std::make_unique<emulator_process>(emulator_args("milvus", d));
  const std::uint16_t port = e->port();
  auto before = e->stats();
  zic::basic_client<T> c(options_for(*e, zic::api_flavor::milvus));
  zic::create_import_request r;
  r.collection_name = "c";
  r.files = {{"rows.json"}};
  auto id = c.create_import(r);
  REQUIRE(id);
  for (int i = 0; i < 50; ++i) REQUIRE(c.describe_import(*id));
  auto after = e->stats();
  CHECK(after.connections - before.connections == 2);  // the client's one, and this stats call
  CHECK(c.transport().connections_opened() == 1);

  // The server goes away and comes back on the same port: the kept connection is dead.
  e.reset();
  emulator_process again(emulator_args("milvus", d, false, {"--port", std::to_string(port)}));
  auto list = c.list_import_jobs();
  REQUIRE_MESSAGE(list, list.error().message);
  CHECK(list->records.empty());
  CHECK(c.transport().connections_opened() == 2);
}

TEST_CASE_TEMPLATE("IPv6 loopback", T, ZIC_TRANSPORTS) {
  data_dir d;
  std::unique_ptr<emulator_process> e;
  try {
    e = std::make_unique<emulator_process>(emulator_args("milvus", d, false, {"--host", "::1"}));
  } catch (const std::exception& ex) {
    MESSAGE("IPv6 loopback unavailable here: " << ex.what());
    return;
  }
  CHECK(e->url().find("[::1]") != std::string::npos);
  zic::basic_client<T> c(options_for(*e, zic::api_flavor::milvus));
  CHECK(c.list_import_jobs());
}

TEST_CASE_TEMPLATE("body cap: an oversized answer is too_large, without reading it all", T, ZIC_TRANSPORTS) {
  data_dir d;
  for (const char* chunked : {"0", "1"}) {
    CAPTURE(chunked);
    // 16 GiB: reading it whole would take far longer than the deadline and exhaust memory.
    emulator_process e(emulator_args("milvus", d, false,
                                     {"--fault", std::string("oversized:on=list,bytes=17179869184,chunked=") + chunked}));
    auto o = options_for(e, zic::api_flavor::milvus);
    o.timeout = std::chrono::seconds(10);
    zic::transport_options small;
    small.max_body_bytes = 1 << 20;
    zic::basic_client<T> c(o, T(small));
    auto r = c.list_import_jobs();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::too_large);
    CHECK(c.describe_import("1").error().code == errc::job_not_found);  // the client recovers
  }
}

TEST_CASE_TEMPLATE("faults without retries: each ends in its typed error", T, ZIC_TRANSPORTS) {
  data_dir d;
  struct expectation {
    const char* rule;
    errc code;
    const char* words;
  };
  for (const auto& x : {expectation{"close-before", errc::transport, "before the answer"},
                        expectation{"close-mid-headers", errc::transport, ""},
                        expectation{"close-mid-body", errc::transport, "mid-body"},
                        expectation{"truncated", errc::json_parse, ""},
                        expectation{"malformed", errc::json_parse, ""},
                        expectation{"oversized:bytes=2000000", errc::too_large, ""},
                        expectation{"429:retry_after=1", errc::api_error, ""},
                        expectation{"503", errc::http_status, "503"},
                        expectation{"1807", errc::api_error, "1807"},
                        expectation{"delay:ms=1500", errc::timeout, ""}}) {
    CAPTURE(std::string(x.rule));
    emulator_process e(emulator_args("milvus", d, false, {"--fault", std::string(x.rule) + ",on=list,count=1"}));
    auto o = options_for(e, zic::api_flavor::milvus);
    o.retry.max_attempts = 1;
    o.timeout = std::chrono::milliseconds(500);
    zic::transport_options small;
    small.max_body_bytes = 1 << 20;
    zic::basic_client<T> c(o, T(small));
    auto r = c.list_import_jobs();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == x.code);
    CHECK_MESSAGE(r.error().message.find(x.words) != std::string::npos, r.error().message);
    if (x.code == errc::api_error || x.code == errc::http_status) CHECK(r.error().retryable());
    // The fault fired once; the next call is served normally.
    CHECK(c.list_import_jobs());
  }
}

TEST_CASE_TEMPLATE("threads: one client per thread, one shared rate limiter", T, ZIC_TRANSPORTS) {
  data_dir d;
  emulator_process e(emulator_args("cloud", d));
  auto limiter = std::make_shared<zic::rate_limiter>(1000.0);
  auto o = options_for(e, zic::api_flavor::cloud);
  o.limiter = limiter;
  zic::basic_client<T> setup_client(o);
  zic::create_import_request r;
  r.collection_name = "c";
  r.object_urls = {{"s3://b/a.parquet"}};
  auto id = setup_client.create_import(r);
  REQUIRE(id);
  std::atomic<int> succeeded{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      zic::basic_client<T> mine(o);  // a client is not shared; the limiter is
      for (int i = 0; i < 50; ++i)
        if (mine.describe_import(*id)) ++succeeded;
    });
  for (auto& t : threads) t.join();
  CHECK(succeeded == 200);
  CHECK(e.stats().requests >= 201);
}

TEST_CASE_TEMPLATE("watcher: many jobs to completion with far fewer requests than a describe loop", T, ZIC_TRANSPORTS) {
  data_dir d;
  for (const char* flavor : {"milvus", "cloud"}) {
    CAPTURE(std::string(flavor));
    const bool cloud = std::string(flavor) == "cloud";
    emulator_process e(emulator_args(flavor, d, false, {"--rows-per-second", "20000"}));
    auto o = options_for(e, cloud ? zic::api_flavor::cloud : zic::api_flavor::milvus);
    zic::basic_client<T> c(o);
    std::vector<std::string> ids;
    for (int i = 0; i < 300; ++i) {
      zic::create_import_request r;
      r.collection_name = "many";
      if (cloud) r.object_urls = {{d.file_url(i % 10 == 0 ? "data.parquet" : "table.csv")}};
      else r.files = {{i % 10 == 0 ? "data.parquet" : "table.csv"}};
      auto id = c.create_import(r);
      REQUIRE(id);
      ids.push_back(*id);
    }
    zic::watch_options wo;
    wo.interval = std::chrono::milliseconds(50);
    zic::job_watcher w(c, wo);
    for (const auto& id : ids) w.add(id);
    const auto before = c.attempts();
    std::map<std::string, zic::job_state> last;
    REQUIRE(w.run([&](const zic::job_transition& t) { last[std::string(t.job_id)] = t.to; }));
    const auto watcher_requests = c.attempts() - before;
    REQUIRE(last.size() == ids.size());
    int failed = 0;
    for (const auto& [id, state] : last) failed += state == zic::job_state::failed;
    CHECK(failed == 30);
    // One naive round alone costs a describe per job.
    auto naive = zic::describe_many<T>(o, ids, 4);
    for (const auto& r : naive) CHECK(zic::is_terminal(r->state));
    CHECK(watcher_requests * 10 <= ids.size());
  }
}

TEST_CASE_TEMPLATE("mutual TLS: a client certificate is sent when configured", T, ZIC_TRANSPORTS) {
  data_dir d;
  const auto& files = tls_files::get();
  emulator_process e(emulator_args("milvus", d, true, {"--tls-client-ca", files.ca.string()}));
  auto o = options_for(e, zic::api_flavor::milvus);
  o.retry.max_attempts = 1;
  zic::basic_client<T> anonymous(o, T(trusting_test_ca()));
  auto refused = anonymous.list_import_jobs();
  REQUIRE_FALSE(refused);
  CHECK((refused.error().code == errc::tls || refused.error().code == errc::transport));
  auto with_cert = trusting_test_ca();
  with_cert.client_cert_file = files.client_cert.string();
  with_cert.client_key_file = files.client_key.string();
  zic::basic_client<T> known(o, T(with_cert));
  auto ok = known.list_import_jobs();
  CHECK_MESSAGE(ok, (ok ? std::string() : ok.error().message));
}

TEST_CASE("emulator: tolerates what real SDKs send") {
  data_dir d(7);
  emulator_process e(emulator_args("milvus", d));
  zic::beast_transport t;
  zic::http_request r;
  r.scheme = "http";
  r.host = "127.0.0.1";
  r.port = e.port();
  r.target = "/v2/vectordb/jobs/import/create";
  // pymilvus: every key, null or "" when unused, options {}, a browser User-Agent and
  // misspelled headers; Java: options with sdk and scene.
  r.headers = {{"Authorization", "Bearer " + api_key}, {"Content-Type", "application/json"},
               {"User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"}, {"Accept-Encodin", "gzip"},
               {"Accept-Languag", "en-US"}};
  for (const char* body :
       {R"({"dbName":null,"collectionName":"c","partitionName":"","files":[["rows.json"]],"options":{},"objectUrl":null,"clusterId":""})",
        R"({"collectionName":"c","files":[["rows.json"]],"options":{"sdk":"java","scene":"bulkWriter"},"unknownKey":{"nested":[1,2]}})"}) {
    CAPTURE(std::string(body));
    r.body = body;
    auto answer = t.send(r);
    REQUIRE(answer);
    auto id = zic::parse_create_response(answer->body);
    CHECK_MESSAGE(id, answer->body);
  }
  // A bare false among the options is refused, as the real server does.
  r.body = R"({"collectionName":"c","files":[["rows.json"]],"options":{"auto_commit":false}})";
  auto refused = zic::parse_create_response(t.send(r)->body);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().api_code == 1801);
  // A numeric jobId fails to bind.
  r.target = "/v2/vectordb/jobs/import/describe";
  r.body = R"({"jobId":448761313698322012})";
  CHECK(zic::parse_progress_response(t.send(r)->body).error().api_code == 1801);
  // Limits: more than 1,024 import units.
  r.target = "/v2/vectordb/jobs/import/create";
  r.body = R"({"collectionName":"c","files":[)";
  for (int i = 0; i < 1025; ++i) r.body += std::string(i ? "," : "") + R"(["rows.json"])";
  r.body += "]}";
  CHECK(zic::parse_create_response(t.send(r)->body).error().api_code == 1100);
}

TEST_CASE("curl: a create without an idempotency key never rides a reused connection") {
  data_dir d;
  emulator_process e(emulator_args("milvus", d));
  auto o = options_for(e, zic::api_flavor::milvus);
  o.retry.idempotent_create = false;
  zic::basic_client<zic::curl_transport> c(o);
  REQUIRE(c.list_import_jobs());
  CHECK(c.transport().connections_opened() == 1);
  zic::create_import_request r;
  r.collection_name = "c";
  r.files = {{"rows.json"}};
  REQUIRE(c.create_import(r));
  CHECK(c.transport().connections_opened() == 2);  // fresh for the un-keyed create
  r.idempotency_key = "batch-7";
  REQUIRE(c.create_import(r));
  REQUIRE(c.list_import_jobs());
  CHECK(c.transport().connections_opened() == 2);  // keyed and idempotent calls reuse it
}

TEST_CASE("curl: through a proxy named by the environment, libcurl runs the transfer") {
  // libcurl reads the proxy variables itself, at each transfer.
  loopback_listener l(4);
  std::string request_line;
  std::thread proxy([&] {
    pollfd p{l.fd, POLLIN, 0};
    if (::poll(&p, 1, 10000) != 1) return;  // never waits forever for a request that went elsewhere
    const int c = ::accept(l.fd, nullptr, nullptr);
    if (c < 0) return;
    const std::string head = read_head(c);
    request_line = head.substr(0, head.find("\r\n"));
    const std::string body = R"({"code":0,"data":{"jobId":"job-1","state":"Completed","progress":100}})";
    const std::string answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
                               std::to_string(body.size()) + "\r\n\r\n" + body;
    (void)::send(c, answer.data(), answer.size(), MSG_NOSIGNAL);
    ::close(c);
  });
  ::setenv("http_proxy", ("http://127.0.0.1:" + std::to_string(l.port)).c_str(), 1);
  zic::curl_transport t;  // sees the proxy variable, so lets libcurl (which reads it too) run the transfer

  zic::http_request req;
  req.scheme = "http";
  req.host = "203.0.113.7";  // TEST-NET-3: reachable only through the proxy
  req.port = 80;
  req.target = "/v2/vectordb/jobs/import/describe";
  req.body = R"({"jobId":"job-1"})";
  req.timeout = std::chrono::seconds(5);
  auto answer = t.send(req);
  ::unsetenv("http_proxy");
  proxy.join();
  REQUIRE_MESSAGE(answer, answer.error().message);
  CHECK(request_line == "POST http://203.0.113.7/v2/vectordb/jobs/import/describe HTTP/1.1");
  CHECK(zic::parse_progress_response(answer->body)->state == job_state::completed);
}

TEST_CASE("curl: an answer that comes while the request is still going out is read") {
  // A server that refuses a large body after its headers and stops reading: the request can
  // never be sent whole, and the refusal must still come back before the deadline.
  loopback_listener l(1);
  std::atomic<bool> finished{false};
  std::thread server([&] {
    pollfd p{l.fd, POLLIN, 0};
    if (::poll(&p, 1, 10000) != 1) return;
    const int c = ::accept(l.fd, nullptr, nullptr);
    if (c < 0) return;
    read_head(c);
    const std::string body = R"({"code":413,"message":"request too large"})";
    const std::string answer = "HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\nContent-Length: " +
                               std::to_string(body.size()) + "\r\n\r\n" + body;
    (void)::send(c, answer.data(), answer.size(), MSG_NOSIGNAL);
    for (int i = 0; i < 1000 && !finished; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ::close(c);
  });

  zic::http_request req;
  req.scheme = "http";
  req.host = "127.0.0.1";
  req.port = l.port;
  req.target = "/v2/vectordb/jobs/import/create";
  req.body.assign(64u << 20, 'x');  // far more than the socket buffers hold
  req.timeout = std::chrono::seconds(8);
  zic::curl_transport t;
  auto answer = t.send(req);
  finished = true;
  server.join();
  REQUIRE_MESSAGE(answer, answer.error().message);
  CHECK(answer->status == 413);
  CHECK(answer->body.find("request too large") != std::string::npos);
}

TEST_CASE_TEMPLATE("TLS: ALPN offers what the transport speaks: HTTP/1.1 on Beast, h2 too on libcurl", T, ZIC_TRANSPORTS) {
  // Beast speaks HTTP/1.1 only, so a server must never be let choose h2 there; libcurl speaks
  // both and takes h2 when the server prefers it.
  constexpr bool speaks_h2 = std::is_same_v<T, zic::curl_transport>;
  namespace asio = boost::asio;
  using tcp = asio::ip::tcp;
  asio::io_context io;
  asio::ssl::context ctx(asio::ssl::context::tls_server);
  ctx.use_certificate_chain_file(tls_files::get().cert.string());
  ctx.use_private_key_file(tls_files::get().key.string(), asio::ssl::context::pem);
  SSL_CTX_set_alpn_select_cb(
      ctx.native_handle(),
      [](SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned inlen, void*) {
        for (unsigned i = 0; i < inlen; i += 1u + in[i])  // h2 when offered, else the first offered
          if (in[i] == 2 && std::memcmp(in + i + 1, "h2", 2) == 0) {
            *out = in + i + 1;
            *outlen = 2;
            return SSL_TLSEXT_ERR_OK;
          }
        if (inlen == 0) return SSL_TLSEXT_ERR_NOACK;
        *out = in + 1;
        *outlen = in[0];
        return SSL_TLSEXT_ERR_OK;
      },
      nullptr);
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::string selected = "(none)";
  std::string request_line;
  std::thread server([&] {
    try {
      asio::ssl::stream<tcp::socket> s(io, ctx);
      acceptor.accept(s.next_layer());
      s.handshake(asio::ssl::stream_base::server);
      const unsigned char* alpn = nullptr;
      unsigned len = 0;
      SSL_get0_alpn_selected(s.native_handle(), &alpn, &len);
      if (alpn) selected.assign(reinterpret_cast<const char*>(alpn), len);
      std::string in;
      char buf[4096];
      while (in.find("\r\n\r\n") == std::string::npos) {
        boost::system::error_code ec;
        const std::size_t n = s.read_some(asio::buffer(buf), ec);
        if (ec) break;
        in.append(buf, n);
      }
      request_line = in.substr(0, in.find("\r\n"));
      const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
      boost::system::error_code ec;
      asio::write(s, asio::buffer(answer), ec);
      s.shutdown(ec);
    } catch (const std::exception&) {
    }
  });

  zic::http_request req;
  req.scheme = "https";
  req.host = "localhost";
  req.port = acceptor.local_endpoint().port();
  req.target = "/v2/vectordb/jobs/import/list";
  req.body = "{}";
  req.timeout = std::chrono::seconds(5);
  T t(trusting_test_ca());
  auto answer = t.send(req);
  server.join();
  if constexpr (speaks_h2) {
    CHECK(selected == "h2");
    CHECK(request_line == "PRI * HTTP/2.0");  // the HTTP/2 connection preface
    CHECK_FALSE(answer);                      // this server then answers in HTTP/1.1
  } else {
    REQUIRE_MESSAGE(answer, answer.error().message);
    CHECK(answer->status == 200);
    CHECK(selected != "h2");
    CHECK(request_line == "POST /v2/vectordb/jobs/import/list HTTP/1.1");
  }
}

TEST_CASE_TEMPLATE("header cap: an answer whose headers exceed max_header_bytes is too_large", T, ZIC_TRANSPORTS) {
  data_dir d;
  emulator_process e(emulator_args("milvus", d));
  auto o = options_for(e, zic::api_flavor::milvus);
  o.retry.max_attempts = 1;
  zic::transport_options tiny;
  tiny.max_header_bytes = 40;  // the emulator's status line and Server header alone exceed it
  zic::basic_client<T> c(o, T(tiny));
  auto r = c.list_import_jobs();
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::too_large);
  CHECK_MESSAGE(r.error().message.find("headers") != std::string::npos, r.error().message);
}

TEST_CASE_TEMPLATE("send deadline: a server that never reads ends a large request in a timeout", T, ZIC_TRANSPORTS) {
  // A listener that accepts into its backlog and never reads: the request fills the kernel's
  // buffers and the write itself must give up at the deadline.
  loopback_listener l(1);

  zic::http_request req;
  req.scheme = "http";
  req.host = "127.0.0.1";
  req.port = l.port;
  req.target = "/v2/vectordb/jobs/import/create";
  req.body.assign(std::size_t(64) << 20, 'x');  // beyond what loopback buffers absorb
  req.timeout = std::chrono::milliseconds(300);
  T t;
  auto r = t.send(req);
  REQUIRE_FALSE(r);
  CHECK_MESSAGE(r.error().code == errc::timeout, r.error().message);
  CHECK(r.error().request_sent);
  CHECK_MESSAGE(r.error().message.find("sending the request timed out") != std::string::npos, r.error().message);
}

TEST_CASE_TEMPLATE("redirects: never followed; the error names the redirect", T, ZIC_TRANSPORTS) {
  // A one-request server that answers with a redirect to another port, and counts requests.
  loopback_listener l(4);
  std::atomic<int> requests{0};
  std::thread server([&] {
    int c = ::accept(l.fd, nullptr, nullptr);
    if (c < 0) return;
    std::string in;
    char buf[4096];
    while (in.find("\r\n\r\n") == std::string::npos) {
      auto n = ::read(c, buf, sizeof buf);
      if (n <= 0) break;
      in.append(buf, std::size_t(n));
    }
    ++requests;
    const std::string answer = "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/elsewhere\r\n"
                               "Content-Length: 0\r\nConnection: close\r\n\r\n";
    (void)!::write(c, answer.data(), answer.size());
    ::close(c);
  });
  zic::client_options o;
  o.endpoint = "http://127.0.0.1:" + std::to_string(l.port);
  o.api_key = "redirect-test-key";
  o.retry.max_attempts = 1;
  zic::basic_client<T> client(o);
  auto r = client.describe_import("1");
  server.join();
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::http_status);
  CHECK(r.error().http_status == 302);
  CHECK_MESSAGE(r.error().message.find("a redirect to http://127.0.0.1:9/elsewhere, which zic does not follow") !=
                    std::string::npos,
                r.error().message);
  CHECK(requests == 1);
}

TEST_CASE_TEMPLATE("messages: a transport failure names the request once", T, ZIC_TRANSPORTS) {
  loopback_listener l(1);
  const std::uint16_t port = l.port;
  ::close(l.fd);  // nothing listens there any more: the connection is refused
  l.fd = -1;
  zic::client_options o;
  o.endpoint = "http://127.0.0.1:" + std::to_string(port);
  o.retry.max_attempts = 1;
  zic::basic_client<T> client(o);
  auto r = client.list_import_jobs();
  REQUIRE_FALSE(r);
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/v2/vectordb/jobs/import/list";
  const auto first = r.error().message.find(url);
  REQUIRE_MESSAGE(first != std::string::npos, r.error().message);
  CHECK_MESSAGE(r.error().message.find(url, first + 1) == std::string::npos, r.error().message);
}

TEST_CASE_TEMPLATE("stop: a blocking call is stopped in the middle of an exchange", T, ZIC_TRANSPORTS) {
  for (bool tls : {false, true}) {
    CAPTURE(tls);
    data_dir d;
    emulator_process e(emulator_args("milvus", d, tls, {"--fault", "delay:ms=3000,on=describe"}));
    auto o = options_for(e, zic::api_flavor::milvus);
    zic::basic_client<T> c(o, tls ? T(trusting_test_ca()) : T());
    REQUIRE(c.list_import_jobs());  // connected: the stop lands in the exchange itself
    std::stop_source stop;
    zic::call_options call;
    call.stop = stop.get_token();
    std::thread stopper([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      stop.request_stop();
    });
    const auto started = std::chrono::steady_clock::now();
    auto r = c.describe_import("1", call);
    const auto took = std::chrono::steady_clock::now() - started;
    stopper.join();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::cancelled);
    CHECK(r.error().message.find("import job 1 was cancelled") != std::string::npos);
    // Well before the answer would have come (3 s): the stop ended the wait on the socket.
    CHECK(took < std::chrono::milliseconds(2000));
    // The client goes on, on a new connection.
    CHECK(c.list_import_jobs());
  }
}

TEST_CASE_TEMPLATE("TLS: a private CA added to the trusted ones, from a file or from memory", T, ZIC_TRANSPORTS) {
  data_dir d;
  emulator_process e(emulator_args("milvus", d, true));
  const auto& tls = tls_files::get();
  std::ifstream in(tls.ca);
  const std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string system_bundle = "/etc/ssl/certs/ca-certificates.crt";
  auto list_with = [&](zic::transport_options t) {
    zic::basic_client<T> c(options_for(e, zic::api_flavor::milvus), T(std::move(t)));
    return c.list_import_jobs();
  };
  zic::transport_options system_only;
  auto refused = list_with(system_only);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == errc::tls);

  zic::transport_options extra;  // the system store and the test CA
  extra.extra_ca_file = tls.ca.string();
  auto by_file = list_with(extra);
  CHECK_MESSAGE(by_file, (by_file ? std::string() : by_file.error().message));

  zic::transport_options in_memory;
  in_memory.ca_pem = pem;
  auto by_pem = list_with(in_memory);
  CHECK_MESSAGE(by_pem, (by_pem ? std::string() : by_pem.error().message));

  if (std::filesystem::exists(system_bundle)) {
    zic::transport_options replaced;  // ca_file replaces the store: the system's bundle alone
    replaced.ca_file = system_bundle;
    CHECK(list_with(replaced).error().code == errc::tls);
    replaced.ca_pem = pem;  // ... and adds to it
    auto both = list_with(replaced);
    CHECK_MESSAGE(both, (both ? std::string() : both.error().message));
  }

  zic::transport_options missing;
  missing.extra_ca_file = (d.path / "no-such-ca.pem").string();
  auto no_file = list_with(missing);
  REQUIRE_FALSE(no_file);
  CHECK(no_file.error().code == errc::tls);
  CHECK(no_file.error().message.find("no-such-ca.pem") != std::string::npos);
}
