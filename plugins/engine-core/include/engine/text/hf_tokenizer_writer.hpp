// A GGUF file's byte-level BPE vocabulary (tokenizer.ggml.model "gpt2": SmolLM2, Llama 3, Qwen2)
// written as a Hugging Face tokenizer: tokenizer.json (the vocabulary, the merges in rank order,
// the control and user-defined tokens as added tokens, the pre-tokenizer that
// tokenizer.ggml.pre names), tokenizer_config.json (bos/eos tokens, add_bos_token, the chat
// template) and generation_config.json (bos/eos ids). Tokenizer::fromHfDirectory on the result
// encodes every text as Tokenizer::fromGguf does on the GGUF, and so does Hugging Face's
// `tokenizers`.
#pragma once

#include <string>

namespace wharf::engine {

class GgufFile;

// Writes the three files into the existing directory `dir`. Throws wharf::Error: UNSUPPORTED for a
// SentencePiece vocabulary (tokenizer.ggml.model "llama") or a pre-tokenizer Wharf does not know,
// DATA for a malformed vocabulary, IO when a file cannot be written.
void writeHfTokenizerFiles(const GgufFile& gguf, const std::string& dir);

}  // namespace wharf::engine
