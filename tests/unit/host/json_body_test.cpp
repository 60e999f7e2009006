// The host's JSON bodies: member order kept, integers and floats apart, and a client's invalid
// UTF-8 (a raw path in the access log) replaced rather than thrown.
#include "json/json_body.hpp"

#include <gtest/gtest.h>

using namespace wharf::host;

TEST(JsonBody, OrderTypesAndInvalidUtf8) {
  EXPECT_EQ(toJsonText({{"z", 1}, {"a", 1.0}, {"m", "x\"y"}}), R"({"z":1,"a":1.0,"m":"x\"y"})");
  EXPECT_EQ(toJsonText({{"path", std::string("/v2/\xff\xfe")}}),
            "{\"path\":\"/v2/\xEF\xBF\xBD\xEF\xBF\xBD\"}");
}

TEST(JsonBody, HostErrors) {
  Json e = Json::parse(hostErrorJson(413, "payload_too_large", "body of 5 bytes"));
  EXPECT_EQ(e["error"]["message"], "body of 5 bytes");
  EXPECT_EQ(e["error"]["type"], "payload_too_large");
  EXPECT_EQ(e["error"]["code"], 413);
}
