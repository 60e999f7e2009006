// The safetensors reader on small files written by the test: good files read back, corrupt headers
// and offsets rejected with a message naming the file.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "engine/model/safetensors.hpp"
#include "wharf/cpp/error.hpp"

namespace wharf::engine {
namespace {

std::vector<uint8_t> file(const std::string& header, size_t data_bytes, uint64_t len_override = 0) {
  uint64_t len = len_override ? len_override : header.size();
  std::vector<uint8_t> out(8 + header.size() + data_bytes, 0);
  std::memcpy(out.data(), &len, 8);
  std::memcpy(out.data() + 8, header.data(), header.size());
  return out;
}

std::string errorOf(std::vector<uint8_t> bytes) {
  try {
    SafetensorsFile::parse(MappedFile::fromBytes(std::move(bytes), "bad.safetensors"));
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), WHARF_ERR_DATA) << e.what();
    return e.what();
  }
  return "";
}

TEST(HfModelSafetensors, ReadsTensors) {
  std::string h =
      R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},)"
      R"("b":{"dtype":"BF16","shape":[3],"data_offsets":[16,22]}})";
  auto bytes = file(h, 22);
  float one = 1.0f;
  std::memcpy(bytes.data() + 8 + h.size() + 4, &one, 4);
  auto st = SafetensorsFile::parse(MappedFile::fromBytes(std::move(bytes), "ok.safetensors"));
  ASSERT_EQ(st.tensors().size(), 2u);
  const SafetensorsTensor* a = st.find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->shape, (std::vector<uint64_t>{2, 2}));
  EXPECT_EQ(a->ggmlType(st.name()), GgmlType::F32);
  float v;
  std::memcpy(&v, a->data + 4, 4);
  EXPECT_EQ(v, 1.0f);
  EXPECT_EQ(st.find("b")->ggmlType(st.name()), GgmlType::BF16);
  EXPECT_EQ(st.find("c"), nullptr);
}

TEST(HfModelSafetensors, RejectsCorruptHeaders) {
  EXPECT_NE(errorOf({1, 2, 3}).find("bad.safetensors"), std::string::npos);
  EXPECT_NE(errorOf(file("{}", 0, 1000)).find("past the end"), std::string::npos);
  EXPECT_NE(errorOf(file("{}", 0, uint64_t{1} << 62)).find("too large"), std::string::npos);
  EXPECT_NE(errorOf(file("{\"a\":", 0)).find("not valid JSON"), std::string::npos);
  EXPECT_NE(errorOf(file("[1]", 0)).find("not a JSON object"), std::string::npos);
  EXPECT_NE(errorOf(file(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8))
                .find("outside"),
            std::string::npos);
  EXPECT_NE(errorOf(file(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[8,4]}})", 16))
                .find("outside"),
            std::string::npos);
  EXPECT_NE(errorOf(file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})", 16))
                .find("does not match"),
            std::string::npos);
  EXPECT_NE(errorOf(file(R"({"a":{"dtype":"X9","shape":[4],"data_offsets":[0,16]}})", 16))
                .find("unknown dtype"),
            std::string::npos);
  EXPECT_NE(errorOf(file(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,16]}})", 16))
                .find("non-negative"),
            std::string::npos);
  EXPECT_NE(
      errorOf(
          file(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,16]}})",
               16))
          .find("overflows"),
      std::string::npos);
  EXPECT_NE(errorOf(file(R"({"a":{"dtype":"F32","shape":[4]}})", 16)).find("data_offsets"),
            std::string::npos);
}

TEST(HfModelSafetensors, UnsupportedDtypeNamed) {
  auto st = SafetensorsFile::parse(MappedFile::fromBytes(
      file(R"({"w":{"dtype":"I8","shape":[4],"data_offsets":[0,4]}})", 4), "i8.safetensors"));
  try {
    (void)st.find("w")->ggmlType(st.name());
    FAIL() << "I8 accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), WHARF_ERR_UNSUPPORTED);
    EXPECT_NE(std::string(e.what()).find("'w' has dtype I8"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace wharf::engine
