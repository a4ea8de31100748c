// AWS Signature V4 against the examples AWS publishes in "Signature Calculations for the
// Authorization Header: Transferring Payload in a Single Chunk" (Amazon S3 API reference):
// bucket examplebucket, key AKIAIOSFODNN7EXAMPLE, 2013-05-24T00:00:00Z, us-east-1.
#include <zic/storage/sigv4.hpp>

#include <doctest/doctest.h>

#include <sstream>

using namespace std::chrono;
namespace zs = zic::storage;

namespace {
const zs::aws_credentials example_keys{
    "AKIAIOSFODNN7EXAMPLE", zic::secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), {}};
const system_clock::time_point example_time = sys_days{year{2013} / 5 / 24};
constexpr std::string_view empty_sha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

zic::http_request example(std::string method, std::string target) {
  zic::http_request r;
  r.method = std::move(method);
  r.host = "examplebucket.s3.amazonaws.com";
  r.target = std::move(target);
  return r;
}
} // namespace

TEST_CASE("sigv4: amz_date is ISO 8601 basic in UTC") {
  CHECK(zs::amz_date(example_time) == "20130524T000000Z");
  CHECK(zs::amz_date(sys_days{year{2026} / 12 / 3} + hours(8) + minutes(5) + seconds(9) +
                     milliseconds(999)) == "20261203T080509Z");
}

TEST_CASE("sigv4: AWS example GET Object with a Range") {
  auto req = example("GET", "/test.txt");
  req.headers.push_back({"Range", "bytes=0-9"});
  auto sig = zs::sigv4_sign(req, example_keys, "us-east-1", "s3", example_time);
  CHECK(sig.canonical_request ==
        "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
        "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
        "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sig.string_to_sign ==
        "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
        "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  CHECK(sig.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  CHECK(req.header("Authorization") ==
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  CHECK(req.header("x-amz-content-sha256") == empty_sha256);
  CHECK(req.header("x-amz-date") == "20130524T000000Z");
}

TEST_CASE("sigv4: AWS example PUT Object, a key with '$', signed payload") {
  // Written unencoded here: the canonical URI encodes '$' once (test%24file.text).
  for (std::string target : {"/test$file.text", "/test%24file.text"}) {
    CAPTURE(target);
    auto req = example("PUT", target);
    req.headers.push_back({"Date", "Fri, 24 May 2013 00:00:00 GMT"});
    req.headers.push_back({"x-amz-storage-class", "REDUCED_REDUNDANCY"});
    req.body = "Welcome to Amazon S3.";
    auto sig = zs::sigv4_sign(req, example_keys, "us-east-1", "s3", example_time);
    CHECK(sig.canonical_request.substr(0, 23) == "PUT\n/test%24file.text\n\n");
    CHECK(req.header("x-amz-content-sha256") ==
          "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
    CHECK(sig.signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
    CHECK(sig.authorization.find(
              "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,") !=
          std::string::npos);
  }
}

TEST_CASE("sigv4: AWS example GET Bucket lifecycle (a bare query name)") {
  auto req = example("GET", "/?lifecycle");
  auto sig = zs::sigv4_sign(req, example_keys, "us-east-1", "s3", example_time);
  CHECK(sig.canonical_request.substr(0, 18) == "GET\n/\nlifecycle=\nh");
  CHECK(sig.signature == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST_CASE("sigv4: AWS example GET Bucket (list objects), query sorted") {
  // Given out of order: the canonical query sorts it.
  auto req = example("GET", "/?prefix=J&max-keys=2");
  auto sig = zs::sigv4_sign(req, example_keys, "us-east-1", "s3", example_time);
  CHECK(sig.canonical_request.substr(0, 26) == "GET\n/\nmax-keys=2&prefix=J\n");
  CHECK(sig.signature == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST_CASE("sigv4: session token, unsigned payload, ports, re-signing") {
  zs::aws_credentials keys = example_keys;
  keys.session_token = zic::secret("TOKEN-VALUE");
  auto req = example("PUT", "/a%20b/c");
  req.scheme = "http";
  req.host = "127.0.0.1";
  req.port = 4568;
  req.body = "x";
  auto sig = zs::sigv4_sign(req, keys, "us-east-1", "s3", example_time, zs::unsigned_payload);
  CHECK(req.header("x-amz-security-token") == "TOKEN-VALUE");
  CHECK(req.header("x-amz-content-sha256") == "UNSIGNED-PAYLOAD");
  CHECK(sig.canonical_request.find("host:127.0.0.1:4568\n") != std::string::npos);
  CHECK(sig.canonical_request.find("\n/a%20b/c\n") != std::string::npos);
  CHECK(sig.authorization.find(";x-amz-security-token,") != std::string::npos);
  CHECK(sig.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
  // Signing again (a retry, later) replaces the headers instead of adding a second set.
  zs::sigv4_sign(req, keys, "us-east-1", "s3", example_time + minutes(1), zs::unsigned_payload);
  int auth = 0, dates = 0;
  for (const auto &h : req.headers) {
    auth += h.name == "Authorization";
    dates += h.name == "x-amz-date";
  }
  CHECK(auth == 1);
  CHECK(dates == 1);
  CHECK(req.header("x-amz-date") == "20130524T000100Z");
  // The credentials print without their secrets.
  std::ostringstream os;
  os << keys.secret_access_key << keys.session_token;
  CHECK(os.str() == "******");
}

TEST_CASE("sigv4: URI encoding follows S3 (segments once, no double encoding)") {
  namespace d = zic::storage::detail;
  CHECK(d::canonical_uri("/bucket/dir/a b+c~d") == "/bucket/dir/a%20b%2Bc~d");
  CHECK(d::canonical_uri("/bucket/dir/a%20b") == "/bucket/dir/a%20b");
  CHECK(d::canonical_uri("/k/%E2%82%AC") == "/k/%E2%82%AC");
  CHECK(d::canonical_uri("/k/\xE2\x82\xAC") == "/k/%E2%82%AC");
  CHECK(d::canonical_uri("") == "/");
  CHECK(d::canonical_query("uploadId=a/b=c&partNumber=2") == "partNumber=2&uploadId=a%2Fb%3Dc");
  CHECK(d::canonical_query("uploads") == "uploads=");
}
