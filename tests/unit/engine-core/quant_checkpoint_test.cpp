// A quantized checkpoint's config is found where AutoAWQ and transformers put it, and the quant
// backend is chosen by quant_method, else by recognizes(); every refusal names the method.
#include "engine/model/quant_checkpoint.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "wharf/cpp/error.hpp"

namespace wharf::engine {
namespace {

class TempModelDir {
 public:
  TempModelDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("wharf-quant-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(path_);
  }
  ~TempModelDir() { std::filesystem::remove_all(path_); }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
  }
  std::string str() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

// A backend that only answers method() and recognizes().
class NamedBackend : public QuantBackend {
 public:
  NamedBackend(const char* method, std::string recognized)
      : method_(method), recognized_(std::move(recognized)) {}
  const char* method() const override { return method_; }
  bool recognizes(const std::string& json) override {
    return !recognized_.empty() && json.find(recognized_) != std::string::npos;
  }
  const char* const* tensorSuffixes(const std::string&) override { return nullptr; }
  std::unique_ptr<QuantLayer> loadLinear(const std::string&, const std::vector<wharf_tensor>&,
                                         wharf_device_type, int32_t, wharf_linear_info&) override {
    throw Error(WHARF_ERR_UNSUPPORTED, "not in this test");
  }
  void forward(QuantLayer&, const wharf_tensor&, wharf_tensor&, void*) override {}

 private:
  const char* method_;
  std::string recognized_;
};

std::string errorOf(const std::vector<QuantClient>& backends, const QuantizationConfig& c) {
  try {
    selectQuantBackend(backends, c, "quantization");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), WHARF_ERR_UNSUPPORTED);
    return e.what();
  }
  return "";
}

}  // namespace

TEST(QuantCheckpoint, ConfigFromConfigJsonThenQuantConfigThenQuantizeConfig) {
  TempModelDir dir;
  EXPECT_FALSE(readQuantizationConfig(dir.str()));
  dir.write("config.json", R"({"architectures": ["LlamaForCausalLM"]})");
  EXPECT_FALSE(readQuantizationConfig(dir.str()));
  dir.write("quantize_config.json", R"({"quant_method": "squeezellm", "wbits": 4})");
  EXPECT_EQ(readQuantizationConfig(dir.str())->method, "squeezellm");
  dir.write("quant_config.json", R"({"zero_point": true, "q_group_size": 128, "w_bit": 4})");
  auto awq_file = readQuantizationConfig(dir.str());
  EXPECT_EQ(awq_file->method, "");  // AutoAWQ's own file names no method
  EXPECT_NE(awq_file->json.find("q_group_size"), std::string::npos);
  dir.write("config.json", R"({"quantization_config": {"quant_method": "awq", "bits": 4,)"
                           R"( "group_size": 128, "version": "gemm"}})");
  auto awq = readQuantizationConfig(dir.str());
  EXPECT_EQ(awq->method, "awq");
  EXPECT_NE(awq->source.find("config.json"), std::string::npos);
  EXPECT_NE(awq->json.find("\"group_size\":128"), std::string::npos) << awq->json;
}

TEST(QuantCheckpoint, AConfigThatIsNotAnObjectNamesTheFile) {
  TempModelDir dir;
  dir.write("quant_config.json", "[4]");
  try {
    readQuantizationConfig(dir.str());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), WHARF_ERR_DATA);
    EXPECT_NE(std::string(e.what()).find("quant_config.json"), std::string::npos) << e.what();
  }
}

TEST(QuantCheckpoint, TheBackendIsChosenByMethodThenByRecognizes) {
  NamedBackend squeeze("squeezellm", ""), awq("awq", "q_group_size");
  QuantClient s(QuantBackend::table(), &squeeze), a(QuantBackend::table(), &awq);
  QuantizationConfig by_method{"awq", R"({"quant_method":"awq"})", "config.json"};
  EXPECT_EQ(selectQuantBackend({s, a}, by_method, "quantization").instance(), &awq);
  QuantizationConfig unnamed{"", R"({"q_group_size":128})", "quant_config.json"};
  EXPECT_EQ(selectQuantBackend({s, a}, unnamed, "quantization").instance(), &awq);
}

TEST(QuantCheckpoint, RefusalsNameTheMethodAndTheKey) {
  NamedBackend squeeze("squeezellm", "");
  QuantClient s(QuantBackend::table(), &squeeze);
  QuantizationConfig gptq{"gptq", R"({"quant_method":"gptq"})", "config.json"};
  std::string none = errorOf({}, gptq);
  EXPECT_NE(none.find("quant_method 'gptq'"), std::string::npos) << none;
  EXPECT_NE(none.find("'quantization'"), std::string::npos) << none;
  std::string unmatched = errorOf({s}, gptq);
  EXPECT_NE(unmatched.find("tried squeezellm"), std::string::npos) << unmatched;
}

}  // namespace wharf::engine
