// Part planning and the multipart step machine, driven directly (no I/O).
#include <zic/storage/multipart.hpp>

#include <doctest/doctest.h>

namespace zs = zic::storage;
using m = zs::multipart_machine;

namespace {
constexpr std::uint64_t mib = 1ull << 20;
zic::error failure(const char *what) {
  zic::error e(zic::errc::http_status, what);
  e.http_status = 500;
  return e;
}
} // namespace

TEST_CASE("plan: at least 5 MiB, at most 10,000 parts") {
  auto p = zs::plan_parts(64 * mib, 8 * mib).value();
  CHECK(p.part_size == 8 * mib);
  CHECK(p.count == 8);
  CHECK(p.length(8) == 8 * mib);

  p = zs::plan_parts(5 * mib + 1, 1).value(); // a tiny preference is raised to the minimum
  CHECK(p.part_size == 5 * mib);
  CHECK(p.count == 2);
  CHECK(p.length(2) == 1);
  CHECK(p.offset(2) == 5 * mib);

  p = zs::plan_parts(100'000 * mib, 5 * mib).value(); // would be 20,000 parts
  CHECK(p.count <= 10'000);
  CHECK(p.part_size == 10 * mib);
  CHECK(p.count == 10'000);

  p = zs::plan_parts((5ull << 40), 8 * mib).value(); // the largest object
  CHECK(p.count <= 10'000);
  CHECK(p.part_size * p.count >= (5ull << 40));
  CHECK(!zs::plan_parts((5ull << 40) + 1));

  p = zs::plan_parts(0).value();
  CHECK(p.count == 1);
  CHECK(p.length(1) == 0);

  auto az = zs::plan_parts(10 * mib, 4 * mib, zs::part_limits::azure()).value();
  CHECK(az.count == 3);
}

TEST_CASE("machine: create, parts in flight together, complete in order") {
  m machine(zs::plan_parts(12 * mib, 5 * mib).value());
  auto a = machine.next();
  REQUIRE(a.kind == m::create);
  CHECK(machine.next().kind == m::wait);
  machine.created(std::string("UPLOAD"));
  auto p1 = machine.next(), p2 = machine.next(), p3 = machine.next();
  CHECK(p1.kind == m::upload_part);
  CHECK(p2.part == 2);
  CHECK(p3.part == 3);
  CHECK(p3.offset == 10 * mib);
  CHECK(p3.length == 2 * mib);
  CHECK(machine.next().kind == m::wait);
  machine.part_done(3, std::string("\"c\""));
  machine.part_done(1, std::string("\"a\""));
  CHECK(machine.next().kind == m::wait);
  machine.part_done(2, std::string("\"b\""));
  CHECK(machine.bytes_done() == 12 * mib);
  REQUIRE(machine.next().kind == m::complete);
  REQUIRE(machine.parts().size() == 3);
  CHECK(machine.parts()[0].etag == "\"a\"");
  CHECK(machine.parts()[2].number == 3);
  CHECK(machine.upload_id() == "UPLOAD");
  machine.completed({});
  CHECK(machine.next().kind == m::done);
  CHECK(machine.outcome());
}

TEST_CASE("machine: a failed part aborts once the others are back; the first failure is reported") {
  m machine(zs::plan_parts(20 * mib, 5 * mib).value());
  machine.next();
  machine.created(std::string("U"));
  machine.next(); // part 1
  machine.next(); // part 2
  machine.part_done(1, failure("part 1 broke"));
  CHECK(machine.next().kind == m::wait); // part 2 still in flight: no abort yet, no new parts
  machine.part_done(2, failure("part 2 broke"));
  REQUIRE(machine.next().kind == m::abort);
  machine.aborted({});
  CHECK(machine.next().kind == m::done);
  REQUIRE(!machine.outcome());
  CHECK(machine.outcome().error().message == "part 1 broke");
}

TEST_CASE("machine: a failed create ends at once; a failed complete or abort is reported") {
  m a(zs::plan_parts(6 * mib).value());
  a.next();
  a.created(failure("no bucket"));
  CHECK(a.next().kind == m::done);
  CHECK(a.outcome().error().message == "no bucket");

  m b(zs::plan_parts(6 * mib, 5 * mib).value());
  b.next();
  b.created(std::string("U"));
  b.part_done(b.next().part, std::string("\"1\""));
  b.part_done(b.next().part, std::string("\"2\""));
  REQUIRE(b.next().kind == m::complete);
  b.completed(failure("complete broke"));
  REQUIRE(b.next().kind == m::abort);
  b.aborted(failure("abort broke"));
  CHECK(b.next().kind == m::done);
  CHECK(b.outcome().error().message ==
        "complete broke; aborting the upload failed too, parts may remain: abort broke");
}

TEST_CASE("machine: an ETag that is not the MD5 sent fails the upload; cancellation aborts") {
  m a(zs::plan_parts(1).value());
  a.next();
  a.created(std::string("U"));
  auto p = a.next();
  a.part_done(p.part, std::string("\"00000000000000000000000000000000\""),
              "5d41402abc4b2a76b9719d911017c592");
  REQUIRE(a.next().kind == m::abort);
  a.aborted({});
  CHECK(a.outcome().error().message.find("not the MD5") != std::string::npos);

  m ok(zs::plan_parts(1).value());
  ok.next();
  ok.created(std::string("U"));
  ok.part_done(ok.next().part, std::string("\"5D41402ABC4B2A76B9719D911017C592\""),
               "5d41402abc4b2a76b9719d911017c592");
  CHECK(ok.next().kind == m::complete);

  m c(zs::plan_parts(30 * mib, 5 * mib).value());
  c.next();
  c.created(std::string("U"));
  c.next();
  c.fail(zic::error(zic::errc::cancelled, "cancelled"));
  CHECK(c.next().kind == m::wait);
  c.part_done(1, std::string("\"x\""));
  CHECK(c.next().kind == m::abort);
}

TEST_CASE("machine: Azure blocks have nothing to create or abort") {
  m a(zs::plan_parts(10 * mib, 4 * mib, zs::part_limits::azure()).value(), false, false);
  auto p = a.next();
  CHECK(p.kind == m::upload_part);
  a.part_done(p.part, failure("block broke"));
  CHECK(a.next().kind == m::done);
  CHECK(!a.outcome());
}
