// Heap allocations of warm polling through the shipped transports, counted by a replaced global
// operator new against a real zic-emulator: once warm, a describe over a kept-alive connection
// allocates nothing in zic, from the request's bytes to the parsed answer.

#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "../integration/common.hpp"
#include "../support/counting_new.hpp"

#include <doctest/doctest.h>

using namespace zic_test;

TEST_CASE_TEMPLATE("warm polling through a shipped transport allocates nothing", T, zic::beast_transport,
                   zic::curl_transport) {
  data_dir d;
  emulator_process e(emulator_args("cloud", d));
  zic::basic_client<T> c(options_for(e, zic::api_flavor::cloud));
  zic::create_import_request r;
  r.collection_name = "c";
  r.object_urls = {{"s3://bucket/a.json"}};
  const std::string job = c.create_import(r).value();
  zic::import_progress p;
  // Warm: until the job's answer has its final shape (a Completed job gains a complete time and
  // file details, which a first poll of them stores), then a few more.
  for (int i = 0; i < 5000 && p.state != zic::job_state::completed; ++i) REQUIRE(c.describe_import(job, p));
  REQUIRE(p.state == zic::job_state::completed);
  for (int i = 0; i < 20; ++i) REQUIRE(c.describe_import(job, p));
  const long before = allocations.load();
  for (int i = 0; i < 200; ++i) REQUIRE(c.describe_import(job, p));
  CHECK(allocations.load() - before == 0);
  CHECK(c.transport().connections_opened() == 1);
}
