// The strict request-head parser and chunk-size parser (RFC 9112): what must be refused so that no
// request can hide inside another, and what must still be accepted.
#include "http/request_head.hpp"

#include <gtest/gtest.h>

#include <string>

#include "http/chunked.hpp"

namespace wharf::host {
namespace {

HeadParse parse(const std::string& head, HeadLimits limits = {}) {
  return parseRequestHead(head, limits);
}

int statusOf(const std::string& head) {
  HeadParse p = parse(head);
  if (p.state == HeadParse::State::Complete) return 0;
  if (p.state == HeadParse::State::Incomplete) return -1;
  return p.error.status;
}

TEST(RequestHead, ParsesAPlainRequest) {
  HeadParse p = parse("GET /v2/a?b=c HTTP/1.1\r\nHost: x\r\nX-A:  v  \t\r\n\r\nBODY");
  ASSERT_EQ(p.state, HeadParse::State::Complete);
  EXPECT_EQ(p.consumed,
            std::string("GET /v2/a?b=c HTTP/1.1\r\nHost: x\r\nX-A:  v  \t\r\n\r\n").size());
  EXPECT_EQ(p.head.method, "GET");
  EXPECT_EQ(p.head.target, "/v2/a?b=c");
  EXPECT_EQ(p.head.minor_version, 1);
  ASSERT_NE(p.head.field("x-a"), nullptr);
  EXPECT_EQ(*p.head.field("x-a"), "v");
  EXPECT_EQ(p.head.body, RequestHead::Body::None);
  EXPECT_TRUE(p.head.keep_alive);
}

TEST(RequestHead, BodyFraming) {
  HeadParse p = parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n");
  EXPECT_EQ(p.head.body, RequestHead::Body::Length);
  EXPECT_EQ(p.head.content_length, 12u);
  p = parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n");
  EXPECT_EQ(p.head.body, RequestHead::Body::Chunked);
  p = parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(p.head.body, RequestHead::Body::None);
}

TEST(RequestHead, RefusesEverySmugglingVector) {
  const char* base = "POST / HTTP/1.1\r\nHost: x\r\n";
  for (const char* fields : {
           "Content-Length: 5\r\nContent-Length: 40\r\n",
           "Content-Length: 5\r\nContent-Length: 5\r\n",
           "Content-Length: 5, 5\r\n",
           "Content-Length: -1\r\n",
           "Content-Length: +5\r\n",
           "Content-Length: 0x10\r\n",
           "Content-Length: 99999999999999999999\r\n",
           "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
           "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
           "Transfer-Encoding: xchunked\r\n",
           "Transfer-Encoding: chunked, identity\r\n",
           "Transfer-Encoding: gzip, chunked\r\n",
           "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
           "Transfer-Encoding:\r\n chunked\r\n",
           "Transfer-Encoding : chunked\r\n",
           "X-Nocolon\r\n",
           "X-A: b\r\n c\r\n",
           "Host: y\r\n",
       })
    EXPECT_EQ(statusOf(std::string(base) + fields + "\r\n"), 400) << fields;
  EXPECT_EQ(statusOf(std::string(base) + "X-A: a" + std::string(1, '\0') + "b\r\n\r\n"), 400);
  EXPECT_EQ(statusOf(std::string(base) + "X-A: a\rb\r\n\r\n"), 400);
  EXPECT_EQ(statusOf("GET / HTTP/1.1\r\n\r\n"), 400);  // no Host
  EXPECT_EQ(statusOf("GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
  EXPECT_EQ(statusOf("GET / HTTP/1.1\nHost: x\n\n"), 400);  // bare LF
}

TEST(RequestHead, RequestLine) {
  EXPECT_EQ(statusOf("GET / HTTP/1.0\r\n\r\n"), 0);                     // HTTP/1.0 needs no Host
  EXPECT_EQ(statusOf("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"), 0);  // leading empty lines
  for (const char* line : {"GET / HTTP/1", "GET / http/1.1", "GET  / HTTP/1.1", "GET /a b HTTP/1.1",
                           "GET / HTTP/1.1 ", "G(T / HTTP/1.1", "GET / HTTP/1.2x", "GET"})
    EXPECT_EQ(statusOf(std::string(line) + "\r\nHost: x\r\n\r\n"), 400) << line;
  EXPECT_EQ(statusOf("GET / HTTP/2.0\r\nHost: x\r\n\r\n"), 505);
  EXPECT_EQ(statusOf("GET / HTTP/9.9\r\nHost: x\r\n\r\n"), 505);
}

TEST(RequestHead, ConnectionPersistence) {
  EXPECT_FALSE(parse("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").head.keep_alive);
  EXPECT_FALSE(parse("GET / HTTP/1.0\r\n\r\n").head.keep_alive);
  EXPECT_TRUE(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").head.keep_alive);
  EXPECT_TRUE(
      parse("GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n").head.expect_continue);
}

TEST(RequestHead, LimitsAndIncompleteHeads) {
  EXPECT_EQ(statusOf("GET / HTTP/1.1\r\nHost: x\r\n"), -1);
  EXPECT_EQ(statusOf("GET / HTTP/1.1\r\nHost: x\r\n\r"), -1);
  HeadLimits small{2, 64};
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\n\r\n", small).error.status, 431);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: x\r\nA: " + std::string(100, 'a'), small).error.status,
            431);
  EXPECT_EQ(statusOf("GET / HTTP/1.1\r\nHost: x\r\nA: " + std::string(9000, 'a') + "\r\n\r\n"),
            431);
}

TEST(RequestHead, MayBeCompleteLooksOnlyAtNewBytes) {
  const std::string head = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  EXPECT_FALSE(headMayBeComplete(head.substr(0, 20), 0));
  EXPECT_TRUE(headMayBeComplete(head, 20));
  EXPECT_TRUE(headMayBeComplete(head, head.size() - 1));
  EXPECT_TRUE(headMayBeComplete("GET / HTTP/1.1\n", 0));  // a bare LF, to be refused
}

TEST(ChunkSize, StrictHexWithExtensions) {
  EXPECT_EQ(parseChunkSize("0"), 0u);
  EXPECT_EQ(parseChunkSize("00000000040"), 64u);  // leading zeros: 64, not 0
  EXPECT_EQ(parseChunkSize("A"), 10u);
  EXPECT_EQ(parseChunkSize("5;name=value"), 5u);
  EXPECT_EQ(parseChunkSize("5 ; name"), 5u);
  for (const char* bad : {"", "zz", " 5", "5 x", "-1", "0x10", "1000000000000000", "5;\x01"})
    EXPECT_FALSE(parseChunkSize(bad)) << bad;
  EXPECT_TRUE(validTrailerLine("X-Trailer: t"));
  EXPECT_FALSE(validTrailerLine(" folded"));
  EXPECT_FALSE(validTrailerLine("nocolon"));
}

}  // namespace
}  // namespace wharf::host
