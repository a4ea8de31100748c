// Every --fault kind of zic-emulator × both transports × the calls it applies to, with the
// client's default retry policy: the documented outcome, within the call's deadline, and exactly
// one job per logical create however many attempts were made.

#include "common.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

using namespace zic_test;
using zic::errc;

namespace {

struct fault_case {
  const char* rule;         // the --fault rule, without on=
  std::optional<errc> end;  // nullopt: succeeds after a retry
};

const fault_case fault_cases[] = {
    {"delay:ms=900,count=1", std::nullopt},  // longer than the 400 ms attempt timeout
    {"429:retry_after=1,count=1", std::nullopt},
    {"503:count=2", std::nullopt},
    {"1807:count=2", std::nullopt},
    {"close-before:count=1", std::nullopt},
    {"close-mid-headers:count=1", std::nullopt},
    {"close-mid-body:count=1", std::nullopt},
    {"truncated:count=1", errc::json_parse},
    {"malformed:count=1", errc::json_parse},
    {"oversized:bytes=3000000,count=1", errc::too_large},
};

const std::string access_key = "AKIA-MATRIX-ACCESS-1111";
const std::string secret_key = "MATRIX-SECRET-KEY-2222";
const std::string session_token = "MATRIX-SESSION-TOKEN-3333";

// Every text the matrix produced, for the secrets check at the end.
std::vector<std::string>& texts() {
  static std::vector<std::string> all;
  return all;
}

template <class T> struct matrix_client {
  zic::basic_client<T> client;
  int attempts = 0;

  static zic::client_options options(const emulator_process& e, zic::api_flavor f, int& attempts) {
    auto o = options_for(e, f);
    o.timeout = std::chrono::milliseconds(400);
    o.deadline = std::chrono::seconds(10);
    o.observer = [&attempts](const zic::attempt_event& ev) {
      ++attempts;
      texts().push_back(zic::to_string(ev));
    };
    return o;
  }
  static zic::transport_options transport() {
    zic::transport_options t;
    t.max_body_bytes = 1 << 20;
    return t;
  }
  matrix_client(const emulator_process& e, zic::api_flavor f)
      : client(options(e, f, attempts), T(transport())) {}
};

zic::create_import_request create_request(bool cloud, bool two_phase) {
  zic::create_import_request r;
  r.collection_name = "matrix";
  if (cloud) {
    r.object_urls = {{"s3://bucket/a.json"}};  // --data-dir/bucket/a.json
    r.access_key = access_key;
    r.secret_key = secret_key;
    r.token = session_token;
  } else {
    r.files = {{"rows.json"}};
    if (two_phase) r.options = {{"auto_commit", "false"}};
  }
  return r;
}

template <class R> void record(const R& r) {
  if (r) return;
  texts().push_back(r.error().message);
  try {
    (void)r.value();
  } catch (const zic::exception& e) {
    texts().push_back(e.what());
  }
}

template <class T> void run_case(const fault_case& fc, const char* flavor, const std::string& op) {
  CAPTURE(std::string(fc.rule));
  CAPTURE(std::string(flavor));
  CAPTURE(op);
  const bool cloud = std::string(flavor) == "cloud";
  data_dir d(50);
  emulator_process e(emulator_args(flavor, d, false, {"--fault", std::string(fc.rule) + ",on=" + op}));
  matrix_client<T> m(e, cloud ? zic::api_flavor::cloud : zic::api_flavor::milvus);
  auto& c = m.client;

  // Set the stage without touching the faulty call.
  std::string job;
  if (op != "create" && op != "list") {
    auto id = c.create_import(create_request(cloud, op == "commit" || op == "abort"));
    REQUIRE_MESSAGE(id, id.error().message);
    job = *id;
    if (op == "commit") REQUIRE(c.wait_for_import(job, quick_wait(true))->state == zic::job_state::uncommitted);
  }

  const auto start = std::chrono::steady_clock::now();
  zic::result<void> outcome;
  if (op == "create") {
    auto r = c.create_import(create_request(cloud, false));
    record(r);
    if (!r) outcome = r.error();
  } else if (op == "describe") {
    auto r = c.describe_import(job);
    record(r);
    if (!r) outcome = r.error();
  } else if (op == "list") {
    auto r = c.list_import_jobs();
    record(r);
    if (!r) outcome = r.error();
  } else if (op == "commit") {
    outcome = c.commit_import(job);
    record(outcome);
  } else {
    outcome = c.abort_import(job);
    record(outcome);
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(elapsed < std::chrono::seconds(10) + std::chrono::seconds(1));

  // A create's unreadable answer is asked again under the same Idempotency-Key, which brings
  // back the job the first attempt made: it succeeds, still with one job.
  const bool rereads = op == "create" && fc.end && (*fc.end == errc::json_parse || *fc.end == errc::too_large);
  if (fc.end && !rereads) {
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error().code == *fc.end);
  } else {
    CHECK_MESSAGE(outcome, (outcome ? std::string() : outcome.error().message));
    CHECK(m.attempts >= 2);  // the fault was met, then retried past
  }
  CHECK(e.stats().faults >= 1);

  // Exactly one job per logical create, whatever happened on the wire.
  const std::size_t creates = op == "list" ? 0 : 1;
  auto list = c.list_import_jobs();
  REQUIRE(list);
  CHECK(list->records.size() == creates);
  CHECK(e.stats().jobs == std::int64_t(creates));
}

template <class T> void run_matrix() {
  for (const auto& fc : fault_cases) {
    for (const char* op : {"create", "describe", "list", "commit", "abort"}) run_case<T>(fc, "milvus", op);
    for (const char* op : {"create", "describe", "list"}) run_case<T>(fc, "cloud", op);
  }
}

} // namespace

TEST_CASE_TEMPLATE("fault matrix", T, zic::beast_transport, zic::curl_transport) {
  run_matrix<T>();
}

TEST_CASE("fault matrix: no secret in any message, exception or observer line") {
  REQUIRE(texts().size() > 100);  // the matrix ran first and produced its texts
  for (const auto& t : texts()) {
    CHECK(t.find(api_key) == std::string::npos);
    CHECK(t.find(access_key) == std::string::npos);
    CHECK(t.find(secret_key) == std::string::npos);
    CHECK(t.find(session_token) == std::string::npos);
  }
}
