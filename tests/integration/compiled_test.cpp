// Compiled mode (zic::compiled): this program sees only `extern template` declarations of the
// client over the shipped transports, and links the calls from the library. Every call of each
// client runs against the emulator; a missing instantiation fails the link, a wrong one the test.

#include "common.hpp"

#include <zic/transport/curl.hpp>

#if !defined(ZIC_SEPARATE_COMPILATION)
#error "compiled_test.cpp is built against zic::compiled"
#endif

#include <doctest/doctest.h>

using namespace zic_test;

namespace {

template <class Client> void every_call(Client& c) {
  zic::create_import_request r;
  r.collection_name = "compiled";
  r.files = {{"rows.json"}};
  r.options = {{"auto_commit", "false"}};
  auto id = c.create_import(r);
  REQUIRE(id);
  auto uncommitted = c.wait_for_import(*id, quick_wait(true));
  REQUIRE(uncommitted);
  CHECK(uncommitted->state == zic::job_state::uncommitted);
  CHECK(uncommitted->total_rows == 1234);
  REQUIRE(c.commit_import(*id));
  auto done = c.wait_for_import(*id, quick_wait());
  REQUIRE(done);
  CHECK(done->state == zic::job_state::completed);
  zic::import_progress p;
  REQUIRE(c.describe_import(*id, p));
  CHECK(p.imported_rows == 1234);
  auto v = c.describe_import_view(*id);
  REQUIRE(v);
  CHECK(v->job_id == *id);
  auto page = c.list_import_jobs();
  REQUIRE(page);
  CHECK_FALSE(page->records.empty());
  int seen = 0;
  REQUIRE(c.for_each_import_job([&](const zic::import_job_summary&) { ++seen; }));
  CHECK(seen == static_cast<int>(page->records.size()));
  auto second = c.create_import(r);
  REQUIRE(second);
  REQUIRE(c.abort_import(*second));
  CHECK(c.describe_import(*second)->state == zic::job_state::failed);
}

} // namespace

TEST_CASE("compiled mode: the client over Beast, curl and the erased transport") {
  data_dir d;
  emulator_process e(emulator_args("milvus", d));
  auto o = options_for(e, zic::api_flavor::milvus);
  zic::basic_client<zic::beast_transport> beast(o);
  every_call(beast);
  zic::basic_client<zic::curl_transport> curl(o);
  every_call(curl);
  zic::client erased(o, zic::curl_transport{});
  every_call(erased);
}
