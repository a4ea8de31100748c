// HTTP/1.1 framing without an HTTP library (the curl transport's own exchange): every framing
// an answer can use, fed whole and a byte at a time, and each malformed or oversized answer
// refused with its reason.

#include <zic/detail/http1.hpp>

#include <doctest/doctest.h>

#include <string>
#include <string_view>

namespace {

using zic::detail::http1::answer_reader;
using fault = answer_reader::fault;

// Feeds `wire` in pieces of `piece` bytes, keeping what the reader leaves unused, as a
// transport's receive buffer does. Returns the bytes left over once the reader stops.
std::string feed(answer_reader& r, std::string_view wire, std::size_t piece) {
  std::string pending;
  for (std::size_t at = 0; at < wire.size() && !r.done() && r.failed() == fault::none; at += piece) {
    pending.append(wire.substr(at, piece));
    pending.erase(0, r.feed(pending));
  }
  if (!r.done() && r.failed() == fault::none) pending.erase(0, r.feed(pending));
  return pending;
}

struct answer {
  zic::http_response out;
  answer_reader reader;
  explicit answer(std::size_t max_body = 1 << 20, std::size_t max_header = 1 << 12, bool head = false)
      : reader(out, max_body, max_header, head) {}
};

constexpr std::size_t pieces[] = {1, 2, 7, 4096};

} // namespace

TEST_CASE("http1: a request is written with the transport's own Host and Content-Length") {
  zic::http_request req;
  req.scheme = "http";
  req.host = "::1";
  req.port = 8080;
  req.target = "/v2/vectordb/jobs/import/list";
  req.headers = {{"Authorization", "Bearer k"}, {"host", "spoofed"}, {"Content-Length", "99"}};
  req.body = "{}";
  std::string wire = "stale";
  zic::detail::http1::write_request(req, wire);
  CHECK(wire == "POST /v2/vectordb/jobs/import/list HTTP/1.1\r\nHost: [::1]:8080\r\nAuthorization: Bearer k\r\n"
                "Content-Length: 2\r\n\r\n{}");
  req.target.clear();
  zic::detail::http1::write_request(req, wire);
  CHECK(wire.rfind("POST / HTTP/1.1\r\n", 0) == 0);
}

TEST_CASE("http1: every framing, whole and in pieces") {
  struct shape {
    const char* name;
    std::string wire;
    bool closes;  // the body runs until the connection ends
    bool keep_alive;
  };
  const shape shapes[] = {
      {"Content-Length", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"code\":0}\n", false, true},
      {"chunked, with extensions and trailers",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\n{\"co\r\n7\r\nde\":0}\n\r\n0\r\nX-Trailer: t\r\n\r\n", false, true},
      {"until the connection closes", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"code\":0}\n", true, false},
      {"after an interim 100", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"code\":0}\n", false, true},
      {"bare LF line ends", "HTTP/1.1 200 OK\nContent-Length: 11\n\n{\"code\":0}\n", false, true},
      {"HTTP/1.0 asking for keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 11\r\n\r\n{\"code\":0}\n", false, true},
      {"HTTP/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 11\r\n\r\n{\"code\":0}\n", false, false},
      {"Connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 11\r\n\r\n{\"code\":0}\n", false, false},
  };
  for (const auto& s : shapes) {
    for (std::size_t piece : pieces) {
      const std::string name = s.name;
      CAPTURE(name);
      CAPTURE(piece);
      answer a;
      a.out.headers.resize(5);  // entries of an earlier answer must not survive
      CHECK(feed(a.reader, s.wire, piece).empty());
      CHECK_MESSAGE(a.reader.failed() == fault::none, a.reader.why());
      CHECK(a.reader.done() == !s.closes);
      if (s.closes) a.reader.on_close();
      REQUIRE(a.reader.done());
      CHECK(a.out.status == 200);
      CHECK(a.out.body == "{\"code\":0}\n");
      CHECK(a.out.padded());
      CHECK(a.reader.keep_alive() == s.keep_alive);
      CHECK(a.out.headers.size() < 3);
    }
  }
}

TEST_CASE("http1: header fields as sent, trimmed, reusing the answer's entries") {
  answer a;
  a.out.headers.resize(4);
  feed(a.reader, "HTTP/1.1 429 Too Many Requests\r\nRetry-After:  7 \r\nX-Empty:\r\nContent-Length: 0\r\n\r\n", 4096);
  REQUIRE(a.reader.done());
  CHECK(a.out.status == 429);
  REQUIRE(a.out.headers.size() == 3);
  CHECK(a.out.header("retry-after") == "7");
  CHECK(a.out.header("X-Empty").empty());
  CHECK(a.out.body.empty());
}

TEST_CASE("http1: answers without a body") {
  for (const char* wire : {"HTTP/1.1 204 No Content\r\n\r\n", "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"}) {
    answer a;
    CHECK(feed(a.reader, wire, 3).empty());
    CHECK(a.reader.done());
    CHECK(a.out.body.empty());
  }
  answer head(1 << 20, 1 << 12, true);
  CHECK(feed(head.reader, "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n", 5).empty());
  CHECK(head.reader.done());
  CHECK(head.reader.keep_alive());
}

TEST_CASE("http1: bytes after a finished answer are left unused") {
  answer a;
  CHECK(feed(a.reader, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}HTTP/1.1 200", 4096) == "HTTP/1.1 200");
  CHECK(a.reader.done());
  CHECK(a.out.body == "{}");
}

TEST_CASE("http1: malformed answers are refused with their reason") {
  struct bad {
    const char* wire;
    const char* why;
  };
  const bad cases[] = {
      {"HTTP/2 200 OK\r\n\r\n", "the status line is not HTTP/1.x"},
      {"HTTP/1.1 20 OK\r\n\r\n", "the status line is not HTTP/1.x"},
      {"HTTP/1.1 2000 OK\r\n\r\n", "the status line is not HTTP/1.x"},
      {"ICY 200 OK\r\n\r\n", "the status line is not HTTP/1.x"},
      {"HTTP/1.1 099 Odd\r\n\r\n", "the status code is below 100"},
      {"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", "the server switched protocols"},
      {"HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n", "a header field is folded"},
      {"HTTP/1.1 200 OK\r\nno colon\r\n\r\n", "a header field has no name"},
      {"HTTP/1.1 200 OK\r\n: empty\r\n\r\n", "a header field has no name"},
      {"HTTP/1.1 200 OK\r\nBad Name: 1\r\n\r\n", "a header field's name is not a token"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", "Content-Length is not a number"},
      {"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "Content-Length is not a number"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", "Content-Length is not a number"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n", "Content-Length is given twice, differently"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "the answer uses a transfer coding other than chunked"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "the answer uses a transfer coding other than chunked"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "a chunk size is not hexadecimal"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", "a chunk size is not hexadecimal"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n", "a chunk is longer than its size"},
  };
  for (const auto& c : cases) {
    for (std::size_t piece : pieces) {
      const std::string wire = c.wire;
      CAPTURE(wire);
      CAPTURE(piece);
      answer a;
      feed(a.reader, c.wire, piece);
      CHECK(a.reader.failed() == fault::malformed);
      CHECK(a.reader.why() == std::string_view(c.why));
      CHECK_FALSE(a.reader.done());
    }
  }
  // The same length twice is one length.
  answer twice;
  feed(twice.reader, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\n{}", 1);
  CHECK(twice.reader.done());
  // A size line that never ends is not read forever.
  answer endless;
  feed(endless.reader, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + std::string(5000, 'x'), 4096);
  CHECK(endless.reader.failed() == fault::malformed);
}

TEST_CASE("http1: limits on headers and body, before the body is read") {
  answer headers(1 << 20, 64);
  feed(headers.reader, "HTTP/1.1 200 OK\r\nX-Long: " + std::string(100, 'v') + "\r\n\r\n", 1);
  CHECK(headers.reader.failed() == fault::header_too_large);
  answer unending(1 << 20, 64);  // a header line that never ends
  feed(unending.reader, "HTTP/1.1 200 OK\r\nX-Long: " + std::string(100, 'v'), 4096);
  CHECK(unending.reader.failed() == fault::header_too_large);

  answer declared(10);
  const std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"code\":0}\n";
  CHECK(declared.reader.feed(wire) == wire.size() - 11);  // refused at the header's end
  CHECK(declared.reader.failed() == fault::body_too_large);
  CHECK(declared.out.body.empty());

  answer chunks(10);
  feed(chunks.reader, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n", 3);
  CHECK(chunks.reader.failed() == fault::body_too_large);
  CHECK(chunks.out.body.size() <= 10);

  answer until_close(10);
  feed(until_close.reader, "HTTP/1.1 200 OK\r\n\r\n" + std::string(50, 'b'), 7);
  CHECK(until_close.reader.failed() == fault::body_too_large);
  CHECK(until_close.out.body.size() <= 10);
}

TEST_CASE("http1: an answer cut short is never done") {
  const std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"code\":0}\n";
  for (std::size_t cut = 0; cut < wire.size(); ++cut) {
    CAPTURE(cut);
    answer a;
    feed(a.reader, std::string_view(wire).substr(0, cut), 4096);
    a.reader.on_close();
    CHECK_FALSE(a.reader.done());
    CHECK(a.reader.got_some() == (cut > 0));
    CHECK(a.reader.header_done() == (cut >= wire.size() - 11));
  }
  answer chunked;
  feed(chunked.reader, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"co\r\n", 4096);
  chunked.reader.on_close();
  CHECK_FALSE(chunked.reader.done());
}
