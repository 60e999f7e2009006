#include "engine/text/hf_tokenizer_writer.hpp"

#include <vector>

#include "engine/json.hpp"
#include "engine/model/gguf.hpp"
#include "engine/model/json_file.hpp"
#include "engine/text/pretokenizer.hpp"
#include "engine/text/tokenizer.hpp"
#include "wharf/cpp/error.hpp"

namespace wharf::engine {

namespace {

// The regular expressions of tokenizer.json's Split steps that Tokenizer::fromHfDirectory maps
// back onto PreTokenizer::Llama3 and ::Qwen2 (as Meta's and Qwen's own tokenizer.json write them).
constexpr const char* kLlama3Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kQwen2Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

JsonDocument byteLevel(bool use_regex) {
  return {{"type", "ByteLevel"},
          {"add_prefix_space", false},
          {"trim_offsets", true},
          {"use_regex", use_regex}};
}

JsonDocument preTokenizerJson(PreTokenizer pre) {
  auto split = [](const char* regex) {
    return JsonDocument{{"type", "Split"},
                        {"pattern", {{"Regex", regex}}},
                        {"behavior", "Isolated"},
                        {"invert", false}};
  };
  switch (pre) {
    case PreTokenizer::Gpt2:
      return byteLevel(true);
    case PreTokenizer::DigitsThenGpt2:
      return {{"type", "Sequence"},
              {"pretokenizers",
               {JsonDocument{{"type", "Digits"}, {"individual_digits", true}}, byteLevel(true)}}};
    case PreTokenizer::Llama3:
      return {{"type", "Sequence"}, {"pretokenizers", {split(kLlama3Regex), byteLevel(false)}}};
    case PreTokenizer::Qwen2:
      return {{"type", "Sequence"}, {"pretokenizers", {split(kQwen2Regex), byteLevel(false)}}};
  }
  throw Error(WHARF_ERR_INTERNAL, "unknown pre-tokenizer");
}

[[noreturn]] void invalidVocab(const GgufFile& g, const std::string& what) {
  throw Error(WHARF_ERR_DATA, "tokenizer in '" + g.name() + "': " + what);
}

std::string dump(const GgufFile& g, const JsonDocument& j) {
  try {
    return j.dump(2) + "\n";
  } catch (const nlohmann::json::exception&) {
    invalidVocab(g, "a token is not valid UTF-8");
  }
}

}  // namespace

void writeHfTokenizerFiles(const GgufFile& g, const std::string& dir) {
  const std::string model = g.stringValue("tokenizer.ggml.model").value_or("");
  if (model != "gpt2")
    throw Error(WHARF_ERR_UNSUPPORTED,
                "'" + g.name() + "': tokenizer model '" + model +
                    "' cannot be written as tokenizer.json (byte-level BPE 'gpt2' can)");
  // Validates the vocabulary and reads its special ids as the engine serves them.
  const std::unique_ptr<Tokenizer> tokenizer = Tokenizer::fromGguf(g);
  const PreTokenizer pre =
      preTokenizerFromName(g.stringValue("tokenizer.ggml.pre").value_or("default"));
  const std::vector<std::string_view> tokens = g.stringArray("tokenizer.ggml.tokens");
  const GgufValue* types = g.find("tokenizer.ggml.token_type");
  if (types && types->elements.size() != tokens.size())
    invalidVocab(g, "tokenizer.ggml.token_type does not match the token list");

  JsonDocument vocab = JsonDocument::object(), added = JsonDocument::array();
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string text(tokens[i]);
    const auto type = static_cast<TokenType>(types ? types->elements[i].asInt() : 1);
    vocab[text] = static_cast<int64_t>(i);
    if (type == TokenType::Control || type == TokenType::UserDefined) {
      added.push_back({{"id", static_cast<int64_t>(i)},
                       {"content", text},
                       {"single_word", false},
                       {"lstrip", false},
                       {"rstrip", false},
                       {"normalized", false},
                       {"special", type == TokenType::Control}});
    }
  }
  JsonDocument merges = JsonDocument::array();
  for (std::string_view m : g.stringArray("tokenizer.ggml.merges"))
    merges.push_back(std::string(m));

  const JsonDocument tokenizer_json = {{"version", "1.0"},
                                       {"truncation", nullptr},
                                       {"padding", nullptr},
                                       {"added_tokens", added},
                                       {"normalizer", nullptr},
                                       {"pre_tokenizer", preTokenizerJson(pre)},
                                       {"post_processor", nullptr},
                                       {"decoder", byteLevel(true)},
                                       {"model",
                                        {{"type", "BPE"},
                                         {"dropout", nullptr},
                                         {"unk_token", nullptr},
                                         {"continuing_subword_prefix", nullptr},
                                         {"end_of_word_suffix", nullptr},
                                         {"fuse_unk", false},
                                         {"byte_fallback", false},
                                         {"ignore_merges", pre == PreTokenizer::Llama3},
                                         {"vocab", vocab},
                                         {"merges", merges}}}};
  writeTextFile(dir + "/tokenizer.json", dump(g, tokenizer_json));

  JsonDocument config = {{"tokenizer_class", "PreTrainedTokenizerFast"},
                         {"add_bos_token", tokenizer->addBos()},
                         {"add_eos_token", false},
                         {"clean_up_tokenization_spaces", false}};
  if (tokenizer->bosId() >= 0) config["bos_token"] = tokenizer->tokenText(tokenizer->bosId());
  if (tokenizer->eosId() >= 0) config["eos_token"] = tokenizer->tokenText(tokenizer->eosId());
  if (auto t = g.stringValue("tokenizer.chat_template")) config["chat_template"] = *t;
  writeTextFile(dir + "/tokenizer_config.json", dump(g, config));

  JsonDocument generation = {{"eos_token_id", tokenizer->endOfGenerationIds()}};
  if (tokenizer->bosId() >= 0) generation["bos_token_id"] = tokenizer->bosId();
  writeTextFile(dir + "/generation_config.json", dump(g, generation));
}

}  // namespace wharf::engine
