// Errors in the OpenAI format, with the type names the openai SDK maps statuses to.
#include "api_error.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace wharf::inference {

TEST(ApiError, OpenAiFormat) {
  nlohmann::json j =
      nlohmann::json::parse(badRequest("'n' must be between 1 and 128.", "n").json());
  EXPECT_EQ(j["error"]["message"], "'n' must be between 1 and 128.");
  EXPECT_EQ(j["error"]["type"], "BadRequestError");
  EXPECT_EQ(j["error"]["param"], "n");
  EXPECT_EQ(j["error"]["code"], 400);
  j = nlohmann::json::parse(ApiError(503, "The server is \"draining\".").json());
  EXPECT_EQ(j["error"]["type"], "ServiceUnavailableError");
  EXPECT_TRUE(j["error"]["param"].is_null());
  EXPECT_EQ(j["error"]["message"], "The server is \"draining\".");
  EXPECT_EQ(ApiError(404, "x").type(), "NotFoundError");
  EXPECT_EQ(ApiError(500, "x").type(), "InternalServerError");
}

}  // namespace wharf::inference
