// Keys that cannot collide, bodies that are always JSON, every HTTP date, scrubbing that never
// mangles a message, and debug checks on results.

#include "../support/fake_transport.hpp"

#include <zic/zic.hpp>

#include <doctest/doctest.h>

#include <simdjson.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <set>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

using namespace std::chrono;
using zic::errc;

namespace {

std::string key_from_child() {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    auto key = zic::detail::random_idempotency_key();
    (void)!write(fds[1], key.data(), key.size());
    _exit(0);
  }
  close(fds[1]);
  char buf[128];
  auto n = read(fds[0], buf, sizeof buf);
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  return std::string(buf, n > 0 ? std::size_t(n) : 0);
}

// Whether `f` aborts (a debug assertion), run in a child process.
template <class F> bool aborts(F f) {
  pid_t pid = fork();
  if (pid == 0) {
    std::signal(SIGABRT, SIG_DFL);  // the test runner's crash handler stays in the parent
    std::freopen("/dev/null", "w", stderr);
    f();
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

zic::request_context milvus() { return zic::make_request_context(zic_test::milvus_options()).value(); }

} // namespace

TEST_CASE("idempotency keys: 128 bits of OS entropy each, the same in no two processes") {
  // Every bit of the entropy reaches the key: the key is no function of a smaller seed.
  std::array<unsigned char, 16> base{};
  std::set<std::string> keys{zic::detail::idempotency_key_from(base)};
  for (std::size_t bit = 0; bit < 128; ++bit) {
    auto e = base;
    e[bit / 8] = static_cast<unsigned char>(e[bit / 8] ^ (1u << (bit % 8)));
    keys.insert(zic::detail::idempotency_key_from(e));
  }
  CHECK(keys.size() == 129);
  CHECK(zic::detail::idempotency_key_from(base) == "zic-00000000000000000000000000000000");
  // Drawn anew each time, in this process and in fresh ones (which once all took a 32-bit
  // seed's first key).
  auto a = zic::detail::random_idempotency_key(), b = zic::detail::random_idempotency_key();
  CHECK(a != b);
  CHECK(a.size() == 36);
  auto c1 = key_from_child(), c2 = key_from_child();
  CHECK(c1.size() == 36);
  CHECK(c1 != c2);
  CHECK(c1 != a);
}

TEST_CASE("UTF-8: the validator follows RFC 3629") {
  using zic::detail::is_utf8;
  CHECK(is_utf8(""));
  CHECK(is_utf8("plain ascii"));
  CHECK(is_utf8("caf\xC3\xA9 \xE4\xB8\xAD \xF0\x9F\x98\x80"));
  CHECK_FALSE(is_utf8("\xC3"));              // truncated
  CHECK_FALSE(is_utf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(is_utf8("\xE0\x80\xAF"));      // overlong
  CHECK_FALSE(is_utf8("\xED\xA0\x80"));      // a surrogate
  CHECK_FALSE(is_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(is_utf8("\xFF"));
  CHECK_FALSE(is_utf8("a\x80z"));  // a lone continuation byte
}

TEST_CASE("UTF-8: a field that is not is refused before any I/O, by name") {
  const std::string bad = "bad\xFF";
  auto ctx = milvus();
  auto base = [] {
    zic::create_import_request r;
    r.collection_name = "c";
    r.files = {{"a.json"}};
    return r;
  };
  auto refused = [&](const zic::create_import_request& r, const char* field) {
    auto req = zic::make_create_request(ctx, r);
    REQUIRE_FALSE(req);
    CHECK(req.error().code == errc::invalid_argument);
    CHECK(req.error().message.find(field) != std::string::npos);
    CHECK(req.error().message.find("UTF-8") != std::string::npos);
  };
  auto r = base();
  r.collection_name = bad;
  refused(r, "collection_name");
  r = base();
  r.partition_name = bad;
  refused(r, "partition_name");
  r = base();
  r.db_name = bad;
  refused(r, "db_name");
  r = base();
  r.files = {{"a.json"}, {"b.json", bad}};
  refused(r, "files[1][1]");
  r = base();
  r.options = {{"auto_commit", bad}};
  refused(r, "options[\"auto_commit\"]");
  r = base();
  r.options = {{bad, "x"}};
  refused(r, "options key");

  auto cloud = zic::make_request_context(zic_test::cloud_options()).value();
  zic::create_import_request c;
  c.collection_name = "c";
  c.object_urls = {{"s3://b/" + bad}};
  auto req = zic::make_create_request(cloud, c);
  REQUIRE_FALSE(req);
  CHECK(req.error().message.find("object_urls[0][0]") != std::string::npos);
  c.object_urls = {{"s3://b/a.parquet"}};
  c.access_key = "AK";
  c.secret_key = "S\xFF";
  req = zic::make_create_request(cloud, c);
  REQUIRE_FALSE(req);
  CHECK(req.error().message.find("secret_key") != std::string::npos);
  CHECK(req.error().message.find("S\xFF") == std::string::npos);  // the value is never shown

  CHECK(zic::make_describe_request(ctx, "id\xC3").error().message.find("job id") != std::string::npos);
  zic::list_import_jobs_request l;
  l.collection_name = bad;
  CHECK(zic::make_list_request(ctx, l).error().code == errc::invalid_argument);
  auto o = zic_test::cloud_options();
  o.cluster_id = bad;
  CHECK(zic::make_request_context(o).error().message.find("cluster_id") != std::string::npos);
  // Valid UTF-8 beyond ASCII goes through, as valid JSON.
  r = base();
  r.collection_name = "caf\xC3\xA9";
  auto ok = zic::make_create_request(ctx, r);
  REQUIRE(ok);
  simdjson::dom::parser p;
  CHECK(p.parse(ok->body).error() == simdjson::SUCCESS);
}

TEST_CASE("Retry-After: the three HTTP-date forms of RFC 9110") {
  const auto now = system_clock::time_point(seconds(784111777));  // Sun, 06 Nov 1994 08:49:37 GMT
  const auto later = system_clock::time_point(seconds(784111777 - 60));
  for (const char* date : {"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
                           "Sun Nov  6 08:49:37 1994"}) {
    CAPTURE(date);
    CHECK(zic::parse_retry_after(date, now) == milliseconds(0));
    CHECK(zic::parse_retry_after(date, later) == milliseconds(60'000));
  }
  CHECK(zic::parse_retry_after("Sun Nov 16 08:49:37 1994", later) == milliseconds((10 * 86400 + 60) * 1000LL));
  // A two-digit year is the nearest one not more than 50 years ahead.
  const auto in_2026 = system_clock::time_point(seconds(1795000000));
  CHECK(zic::parse_retry_after("Monday, 01-Jan-80 00:00:00 GMT", in_2026) == milliseconds(0));  // 1980, not 2080
  CHECK(zic::parse_retry_after("Monday, 01-Jan-74 00:00:00 GMT", in_2026)->count() > 0);        // 2074
  for (const char* bad : {"Sun, 06-Nov-94 08:49:37 GMT", "Sunday, 06 Nov 1994 08:49:37 GMT",
                          "Sun Nov 6 08:49:37 1994", "Sun Nov  6 08:49:37 94", "Sun Nov  6 08:49:37 1994 GMT",
                          "Sunday, 06-Nov-94 08:49:37", "Funday, 06-Nov-94 08:49:37 GMT", "Sun Foo  6 08:49:37 1994",
                          "Sun Nov 32 08:49:37 1994"})
    CHECK_FALSE(zic::parse_retry_after(bad, now).has_value());
}

TEST_CASE("scrubbing: every form of a user:password key a server could echo is masked") {
  const std::string key = "root:Sup3rSecretPw";
  for (const std::string echoed : {"user root password Sup3rSecretPw rejected", "bad credential root%3ASup3rSecretPw",
                                   "BAD CREDENTIAL ROOT:SUP3RSECRETPW", "password=sup3rsecretpw",
                                   "token root%3aSup3rSecretPw", "Sup3rSecretPw"}) {
    CAPTURE(echoed);
    std::string m = echoed;
    zic::detail::redact_credential(m, key);
    CHECK(zic::detail::ifind(m, "Sup3rSecretPw", 0) == std::string::npos);
    CHECK(m.find("***") != std::string::npos);
  }
  // The user name is not a secret, and the password inside a longer word is another word.
  std::string m = "user root: Sup3rSecretPwX is not the password";
  zic::detail::redact_credential(m, key);
  CHECK(m == "user root: Sup3rSecretPwX is not the password");
  // Through the client: a Milvus server's message echoing the password alone.
  zic_test::fake_transport t;
  auto o = zic_test::milvus_options();
  o.api_key = key;
  o.retry.max_attempts = 1;
  zic::basic_client<zic_test::fake_transport> c(o, t);
  t.reply(R"({"code":1800,"message":"user root password Sup3rSecretPw (root%3ASup3rSecretPw) rejected"})");
  auto r = c.describe_import("1");
  REQUIRE_FALSE(r);
  CHECK(zic::detail::ifind(r.error().message, "Sup3rSecretPw", 0) == std::string::npos);
  CHECK(r.error().message.find("user root password *** (***) rejected") != std::string::npos);
}

TEST_CASE("scrubbing: whole tokens only, so a short key cannot mangle a message") {
  std::string m = "import job does not exist";
  zic::detail::redact(m, "x");
  CHECK(m == "import job does not exist");
  m = "auth failed for key x, Bearer x; key=x";
  zic::detail::redact(m, "x");
  CHECK(m == "auth failed for key ***, Bearer ***; key=***");
  m = "token sk-abc123 and sk-abc1234";
  zic::detail::redact(m, "sk-abc123");
  CHECK(m == "token *** and sk-abc1234");  // a longer token is another token
  m = "Authorization: Bearer root:Milvus.";
  zic::detail::redact(m, "root:Milvus");
  CHECK(m == "Authorization: Bearer ***.");
  // A one-letter key on the client: every message keeps its words.
  {
    zic_test::fake_transport t;
    auto o = zic_test::milvus_options();
    o.api_key = "e";
    o.retry.max_attempts = 1;
    zic::basic_client<zic_test::fake_transport> c(o, t);
    t.reply(R"({"code":2100,"message":"import job does not exist, key e"})");
    auto r = c.describe_import("1");
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("import job does not exist, key ***") != std::string::npos);
  }
}

TEST_CASE("result: reading the wrong side stops a debug build") {
#ifdef NDEBUG
  MESSAGE("NDEBUG build: the checks are compiled out");
#else
  CHECK(aborts([] {
    zic::result<int> r = zic::error(errc::timeout, "t");
    volatile int v = *r;
    (void)v;
  }));
  CHECK(aborts([] {
    zic::result<int> r = 1;
    (void)r.error();
  }));
  CHECK(aborts([] {
    zic::result<void> r;
    (void)r.error();
  }));
  CHECK_FALSE(aborts([] {
    zic::result<int> r = 1;
    (void)*r;
  }));
#endif
}

TEST_CASE("terminal safety: C1 controls and bidirectional overrides never reach a message") {
  using zic::detail::printable;
  CHECK(printable("a\x1b[31mred\x07", 100) == "a [31mred ");            // ESC and BEL
  CHECK(printable("csi\xC2\x9B" "2J", 100) == "csi 2J");                  // U+009B, a one-byte CSI
  CHECK(printable("evil\xE2\x80\xAEtxt.exe", 100) == "evil txt.exe");    // U+202E right-to-left override
  CHECK(printable("iso\xE2\x81\xA6late\xE2\x81\xA9", 100) == "iso late ");  // U+2066, U+2069
  CHECK(printable("caf\xC3\xA9 \xE2\x80\x94 ok", 100) == "caf\xC3\xA9 \xE2\x80\x94 ok");  // é and an em dash stay
}

TEST_CASE("messages: the file limit says what to change, in words a CLI user can act on") {
  auto ctx = zic::make_request_context(zic_test::milvus_options()).value();
  zic::create_import_request r;
  r.collection_name = "c";
  r.files.assign(1025, {"a.json"});
  auto req = zic::make_create_request(ctx, r);
  REQUIRE_FALSE(req);
  CHECK(req.error().message.find("split it into several imports") != std::string::npos);
  CHECK(req.error().message.find("client_options") == std::string::npos);
}
