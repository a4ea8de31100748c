// S3, GCS and Azure request builders, object URLs, and the stores' XML answers read by pugixml.
#include <zic/storage/location.hpp>

#include <doctest/doctest.h>

namespace zs = zic::storage;

TEST_CASE("s3: path-style and virtual-hosted addressing, keys encoded once") {
  auto local = zs::s3_endpoint::at("http://127.0.0.1:4568").value();
  auto req = zs::make_put_object(local, {"zic", "dir/a b+€.parquet"}, "hello");
  CHECK(req.method == "PUT");
  CHECK(req.host == "127.0.0.1");
  CHECK(req.port == 4568);
  CHECK(req.target == "/zic/dir/a%20b%2B%E2%82%AC.parquet");
  CHECK(req.header("Content-MD5") == "XUFAKrxLKna5cZ2REBfFkg=="); // base64(md5("hello"))
  CHECK(req.body == "hello");

  auto aws = zs::s3_endpoint::aws("eu-west-1");
  auto v = zs::make_get_object(aws, {"bucket", "k"});
  CHECK(v.host == "bucket.s3.eu-west-1.amazonaws.com");
  CHECK(v.target == "/k");
  CHECK(v.is_tls());

  auto gcs = zs::make_get_object(zs::s3_endpoint::gcs(), {"b", "x/y"});
  CHECK(gcs.host == "storage.googleapis.com");
  CHECK(gcs.target == "/b/x/y");
  CHECK(zs::s3_endpoint::gcs().region == "auto");
  CHECK(!zs::s3_endpoint::at("ftp://x"));
  CHECK(!zs::s3_endpoint::at("http://h/path"));
}

TEST_CASE("s3: multipart requests") {
  auto ep = zs::s3_endpoint::at("http://127.0.0.1:9000").value();
  zs::s3_object obj{"b", "k.bin"};
  CHECK(zs::make_create_multipart(ep, obj).target == "/b/k.bin?uploads");
  CHECK(zs::make_create_multipart(ep, obj).method == "POST");
  auto part = zs::make_upload_part(ep, obj, "id/with+chars", 7, "abc");
  CHECK(part.target == "/b/k.bin?partNumber=7&uploadId=id%2Fwith%2Bchars");
  CHECK(part.header("Content-MD5") == "kAFQmDzST7DWlj99KOF/cg==");
  auto done = zs::make_complete_multipart(ep, obj, "U", {{1, "\"e1\""}, {2, "\"e&2\""}});
  CHECK(done.method == "POST");
  CHECK(done.target == "/b/k.bin?uploadId=U");
  CHECK(
      done.body ==
      "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;e1&quot;</ETag></Part>"
      "<Part><PartNumber>2</PartNumber><ETag>&quot;e&amp;2&quot;</ETag></Part></"
      "CompleteMultipartUpload>");
  auto abort = zs::make_abort_multipart(ep, obj, "U");
  CHECK(abort.method == "DELETE");
  CHECK(abort.target == "/b/k.bin?uploadId=U");
  CHECK(zs::make_list_multipart_uploads(ep, "b").target == "/b?uploads");
  CHECK(zs::make_list_multipart_uploads(ep, "b", "dir/").target == "/b?uploads&prefix=dir%2F");
}

TEST_CASE("s3: answers read with pugixml") {
  zic::http_response r;
  r.status = 200;
  r.body = R"(<?xml version="1.0" encoding="UTF-8"?>
<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Bucket>b</Bucket><Key>k</Key><UploadId>VXBsb2FkIElE</UploadId>
</InitiateMultipartUploadResult>)";
  CHECK(zs::parse_upload_id(r).value() == "VXBsb2FkIElE");
  r.body = "<InitiateMultipartUploadResult/>";
  CHECK(!zs::parse_upload_id(r));
  r.body = "not xml <";
  CHECK(!zs::parse_upload_id(r));

  zic::http_response part;
  part.status = 200;
  part.headers.push_back({"ETag", "\"5D41402ABC4B2A76B9719D911017C592\""});
  CHECK(zs::part_etag(part).value() == "\"5D41402ABC4B2A76B9719D911017C592\"");
  CHECK(zs::etag_md5_hex("\"5D41402ABC4B2A76B9719D911017C592\"") ==
        "5d41402abc4b2a76b9719d911017c592");
  CHECK(zs::etag_md5_hex("\"3858f62230ac3c915f300c664312c11f-9\"").empty());
  part.headers.clear();
  CHECK(!zs::part_etag(part));

  zic::http_response list;
  list.status = 200;
  list.body =
      R"(<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>b</Bucket>
    <Upload><Key>a</Key><UploadId>1</UploadId></Upload><Upload><Key>b/c</Key><UploadId>2</UploadId></Upload>
    </ListMultipartUploadsResult>)";
  auto uploads = zs::parse_multipart_uploads(list).value();
  REQUIRE(uploads.size() == 2);
  CHECK(uploads[1].key == "b/c");
  CHECK(uploads[1].upload_id == "2");
  list.body = "<ListMultipartUploadsResult><Bucket>b</Bucket></ListMultipartUploadsResult>";
  CHECK(zs::parse_multipart_uploads(list).value().empty());
}

TEST_CASE("s3: the store's errors keep its code and message") {
  zic::http_response r;
  r.status = 404;
  r.headers.push_back({"x-amz-request-id", "REQ123"});
  r.body = R"(<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchBucket</Code>
<Message>The specified bucket does not exist</Message><BucketName>nope</BucketName></Error>)";
  auto e = zs::check_answer(r, "PutObject").error();
  CHECK(e.code == zic::errc::http_status);
  CHECK(e.http_status == 404);
  CHECK(
      e.message ==
      "PutObject: NoSuchBucket: The specified bucket does not exist (the store answered HTTP 404)");
  CHECK(e.request_id == "REQ123");
  CHECK(!e.retryable());

  r.status = 503;
  r.body =
      "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>";
  CHECK(zs::check_answer(r, "UploadPart").error().retryable());

  // A 200 CompleteMultipartUpload that carries an error is a (retryable) failure.
  zic::http_response c;
  c.status = 200;
  c.body = "<Error><Code>InternalError</Code><Message>We encountered an internal "
           "error.</Message></Error>";
  auto ce = zs::check_complete(c).error();
  CHECK(ce.message.find("InternalError") != std::string::npos);
  CHECK(ce.retryable());
  c.body = "<CompleteMultipartUploadResult><ETag>\"x-2\"</ETag></CompleteMultipartUploadResult>";
  CHECK(zs::check_complete(c));

  // Azure: the code in the body, or only in a header (HEAD).
  zic::http_response az;
  az.status = 403;
  az.body = "\xEF\xBB\xBF<?xml version=\"1.0\" "
            "encoding=\"utf-8\"?><Error><Code>AuthenticationFailed</Code>"
            "<Message>Server failed to authenticate the request.</Message></Error>";
  CHECK(zs::check_answer(az, "Put Blob")
            .error()
            .message.find("AuthenticationFailed: Server failed") != std::string::npos);
  az.body.clear();
  az.headers.push_back({"x-ms-error-code", "ContainerNotFound"});
  CHECK(zs::check_answer(az, "Put Blob").error().message.find("ContainerNotFound") !=
        std::string::npos);
  az.headers.clear();
  CHECK(zs::check_answer(az, "Put Blob").error().message ==
        "Put Blob: the store answered HTTP 403");
}

TEST_CASE("azure: Put Blob, Put Block, Put Block List") {
  auto ep = zs::azure_endpoint::at("http://127.0.0.1:10000/devstoreaccount1").value();
  CHECK(ep.account == "devstoreaccount1");
  CHECK(ep.base == "/devstoreaccount1");
  auto put = zs::make_put_blob(ep, {"c", "dir/x y"}, "hello");
  CHECK(put.target == "/devstoreaccount1/c/dir/x%20y");
  CHECK(put.header("x-ms-blob-type") == "BlockBlob");
  CHECK(put.header("Content-MD5") == "XUFAKrxLKna5cZ2REBfFkg==");
  CHECK(zs::azure_block_id(1).size() == zs::azure_block_id(4000000000u).size());
  CHECK(zs::base64_decode(zs::azure_block_id(42)).value() == "zic-0000000042");
  auto block = zs::make_put_block(ep, {"c", "b"}, zs::azure_block_id(1), "abc");
  CHECK(block.target == "/devstoreaccount1/c/b?comp=block&blockid=emljLTAwMDAwMDAwMDE%3D");
  auto list =
      zs::make_put_block_list(ep, {"c", "b"}, {zs::azure_block_id(1), zs::azure_block_id(2)});
  CHECK(list.target == "/devstoreaccount1/c/b?comp=blocklist");
  CHECK(list.body.find("<BlockList><Latest>emljLTAwMDAwMDAwMDE=</Latest><Latest>") !=
        std::string::npos);

  auto cloud = zs::azure_endpoint::at("https://acct.blob.core.windows.net").value();
  CHECK(cloud.account == "acct");
  CHECK(cloud.base.empty());
  CHECK(zs::make_put_blob(cloud, {"c", "b"}, "").target == "/c/b");
  CHECK(!zs::azure_endpoint::at("http://h/a/b"));

  // SAS authorizes without signing; the Shared Key signs.
  zs::azure_store sas_store{ep, {}, zic::secret("sv=1&sig=S")};
  auto r1 = zs::make_put_blob(ep, {"c", "b"}, "x");
  REQUIRE(zs::azure_authorize(r1, sas_store, std::chrono::system_clock::now()));
  CHECK(r1.target == "/devstoreaccount1/c/b?sv=1&sig=S");
  CHECK(r1.header("Authorization").empty());
  zs::azure_store key_store{ep, zic::secret("a2V5"), {}};
  auto r2 = zs::make_put_blob(ep, {"c", "b"}, "x");
  REQUIRE(zs::azure_authorize(r2, key_store, std::chrono::system_clock::now()));
  CHECK(r2.header("Authorization").starts_with("SharedKey devstoreaccount1:"));
}

TEST_CASE("object URLs") {
  auto s3 = zs::parse_object_url("s3://bucket/dir/file.parquet").value();
  CHECK(s3.kind == zs::store_kind::s3);
  CHECK(s3.bucket == "bucket");
  CHECK(s3.key == "dir/file.parquet");
  CHECK(!s3.s3);
  CHECK(!s3.is_folder());
  CHECK(zs::parse_object_url("s3://bucket/dir/").value().is_folder());
  CHECK(zs::parse_object_url("s3://bucket").value().is_folder());

  auto gs = zs::parse_object_url("gs://b/k").value();
  CHECK(gs.kind == zs::store_kind::gcs);
  CHECK(gs.s3->host == "storage.googleapis.com");

  auto vh = zs::parse_object_url("https://bucket.s3.eu-west-1.amazonaws.com/dir/a%20b").value();
  CHECK(vh.bucket == "bucket");
  CHECK(vh.key == "dir/a b");
  CHECK(vh.s3->region == "eu-west-1");
  CHECK(vh.s3->addressing == zs::s3_addressing::virtual_hosted);
  CHECK(zs::make_get_object(*vh.s3, {vh.bucket, vh.key}).host ==
        "bucket.s3.eu-west-1.amazonaws.com");

  auto legacy = zs::parse_object_url("https://my.bucket.s3.amazonaws.com/k").value();
  CHECK(legacy.bucket == "my.bucket");
  CHECK(legacy.s3->region == "us-east-1");

  auto ps = zs::parse_object_url("https://s3.us-west-2.amazonaws.com/bucket/k").value();
  CHECK(ps.bucket == "bucket");
  CHECK(ps.key == "k");
  CHECK(ps.s3->region == "us-west-2");
  CHECK(ps.s3->addressing == zs::s3_addressing::path);
  CHECK(zs::make_get_object(*ps.s3, {ps.bucket, ps.key}).target == "/bucket/k");

  auto dash = zs::parse_object_url("https://b.s3-ap-south-1.amazonaws.com/k").value();
  CHECK(dash.s3->region == "ap-south-1");

  auto g1 = zs::parse_object_url("https://storage.googleapis.com/b/x").value();
  CHECK(g1.kind == zs::store_kind::gcs);
  CHECK(g1.bucket == "b");
  auto g2 = zs::parse_object_url("https://b.storage.googleapis.com/x").value();
  CHECK(g2.bucket == "b");
  CHECK(g2.key == "x");

  auto az =
      zs::parse_object_url("https://acct.blob.core.windows.net/container/dir/blob.json").value();
  CHECK(az.kind == zs::store_kind::azure);
  CHECK(az.bucket == "container");
  CHECK(az.key == "dir/blob.json");
  CHECK(az.azure->account == "acct");

  CHECK(!zs::parse_object_url("ftp://x/y"));
  CHECK(!zs::parse_object_url("https://example.com/b/k"));
  CHECK(!zs::parse_object_url("s3:///k"));
  auto sas = zs::parse_object_url("https://a.blob.core.windows.net/c/b?sig=SECRET");
  REQUIRE(!sas);
  CHECK(sas.error().message.find("SECRET") == std::string::npos);
}
