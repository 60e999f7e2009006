#include "engine/cpu/quantize/model_quantizer.hpp"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "engine/cpu/cpu_llama_runner.hpp"
#include "engine/cpu/quantize/activation_stats.hpp"
#include "engine/cpu/quantize/awq_scale_search.hpp"
#include "engine/cpu/quantize/progress.hpp"
#include "engine/json.hpp"
#include "engine/model/gguf.hpp"
#include "engine/model/gguf_to_hf.hpp"
#include "engine/model/json_file.hpp"
#include "engine/model/quant_blocks.hpp"
#include "engine/model/safetensors_writer.hpp"
#include "wharf/cpp/error.hpp"
#include "wharf/cpp/tensor.hpp"

namespace wharf::engine {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void badOption(const std::string& what) {
  throw Error(WHARF_ERR_INVALID_ARGUMENT, "quantize: " + what);
}

int64_t positiveInt(const std::string& option, const std::string& value) {
  size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != value.size() || v <= 0)
    badOption(option + " needs a positive integer, not '" + value + "'");
  return v;
}

// A tensor of the source checkpoint by name, with the file it is in.
struct SourceTensor {
  const SafetensorsTensor* tensor = nullptr;
  const SafetensorsFile* file = nullptr;
};

SourceTensor findSource(const HfCheckpoint& c, const std::string& name) {
  for (const SafetensorsFile& f : c.shards)
    if (const SafetensorsTensor* t = f.find(name)) return {t, &f};
  return {};
}

std::vector<float> floatsOf(const SourceTensor& s) {
  std::vector<float> out(s.tensor->elements());
  dequantizeRow(s.tensor->ggmlType(s.file->name()), s.tensor->data, out.data(), out.size());
  return out;
}

const char* safetensorsDtype(wharf_dtype d) {
  return d == WHARF_DTYPE_F32    ? "F32"
         : d == WHARF_DTYPE_F16  ? "F16"
         : d == WHARF_DTYPE_BF16 ? "BF16"
         : d == WHARF_DTYPE_I32  ? "I32"
         : d == WHARF_DTYPE_I16  ? "I16"
         : d == WHARF_DTYPE_I8   ? "I8"
                                 : "U8";
}

// One linear layer being quantized: its f32 weight, rows x cols.
struct Linear {
  std::string name;  // model.layers.N.self_attn.q_proj
  std::vector<float> w;
  int64_t rows = 0, cols = 0;
};

class Quantizer {
 public:
  Quantizer(std::shared_ptr<const HfCheckpoint> src, const Tokenizer& tokenizer,
            const QuantClient& backend, const QuantizeOptions& o, int threads,
            const std::function<bool()>& stopping,
            const std::function<void(const std::string&)>& out)
      : src_(std::move(src)),
        tokenizer_(tokenizer),
        backend_(backend),
        o_(o),
        threads_(threads),
        stopping_(stopping),
        out_(out) {}

  void run(const std::string& dir) {
    if (o_.calibrated()) calibrate();
    SafetensorsWriter writer(dir + "/model.safetensors");
    const ModelConfig& c = src_->config;
    Progress progress("quantize", static_cast<size_t>(c.block_count), out_);
    for (int64_t i = 0; i < c.block_count; ++i) {
      checkStopping();
      quantizeLayer(static_cast<size_t>(i), writer);
      progress.update(static_cast<size_t>(i + 1), "layer " + std::to_string(i));
    }
    // Everything else (embeddings, final norm, lm_head, biases, ...) as it was.
    for (const SafetensorsFile& f : src_->shards)
      for (const auto& [name, t] : f.tensors())
        if (!consumed_.count(name) && !writer.has(name))
          writer.add(name, t.dtype, shapeOf(t), t.data, t.bytes);
    writer.finish({{"format", "pt"}, {"quantized_by", "wharfd quantize"}});
    writeConfigs(dir);
  }

 private:
  static std::vector<int64_t> shapeOf(const SafetensorsTensor& t) {
    return std::vector<int64_t>(t.shape.begin(), t.shape.end());
  }

  void checkStopping() const {
    if (stopping_ && stopping_()) throw Error(WHARF_ERR_CANCELLED, "quantize: interrupted");
  }

  void calibrate() {
    std::ifstream in(o_.calib, std::ios::binary);
    if (!in) badOption("cannot read the calibration text '" + o_.calib + "'");
    std::stringstream text;
    text << in.rdbuf();
    const std::vector<int32_t> tokens = tokenizer_.encode(text.str(), false);
    const int64_t len = std::min<int64_t>(o_.seq_len, src_->config.context_length);
    const int64_t windows = std::min<int64_t>(
        o_.samples, static_cast<int64_t>(tokens.size()) / std::max<int64_t>(len, 1));
    if (windows < 1)
      badOption("the calibration text '" + o_.calib + "' has " + std::to_string(tokens.size()) +
                " tokens; at least " + std::to_string(len) + " (--seq-len) are needed");
    const size_t total = static_cast<size_t>(windows * len);
    stats_ = std::make_unique<ActivationStats>(
        std::max<size_t>(1, total / static_cast<size_t>(o_.search_rows)),
        static_cast<size_t>(o_.search_rows));
    CpuLlamaRunner runner(src_, threads_);
    const size_t blocks = (static_cast<size_t>(len) + kKvBlockSize - 1) / kKvBlockSize;
    runner.allocateKvCache(blocks);
    std::vector<int32_t> table(blocks);
    for (size_t b = 0; b < blocks; ++b) table[b] = static_cast<int32_t>(b);
    runner.observeActivations(
        [this](size_t layer, LinearInput input, const float* x, size_t rows, size_t cols) {
          stats_->observe(layer, input, x, rows, cols);
        });
    Progress progress("calibrate", static_cast<size_t>(windows), out_);
    std::vector<float> logits;
    for (int64_t wi = 0; wi < windows; ++wi) {
      checkStopping();
      ForwardBatch batch;
      batch.block_tables.push_back(&table);
      // Windows are spread over the whole text.
      const int64_t start = static_cast<int64_t>(tokens.size() - static_cast<size_t>(len)) * wi /
                            std::max<int64_t>(windows - 1, 1);
      for (int64_t p = 0; p < len; ++p)
        batch.add(tokens[static_cast<size_t>(start + p)], static_cast<int32_t>(p), 0, false);
      runner.forward(batch, logits);
      progress.update(static_cast<size_t>(wi + 1), "window " + std::to_string(wi + 1) + " of " +
                                                       std::to_string(len) + " tokens");
    }
    calibration_tokens_ = total;
  }

  Linear load(const std::string& name) {
    const SourceTensor s = findSource(*src_, name + ".weight");
    if (!s.tensor)
      throw Error(WHARF_ERR_NOT_FOUND, "model '" + src_->dir + "': tensor '" + name +
                                           ".weight' is in no safetensors file");
    if (s.tensor->shape.size() != 2)
      throw Error(WHARF_ERR_DATA,
                  "model '" + src_->dir + "': tensor '" + name + ".weight' is not a matrix");
    Linear l;
    l.name = name;
    l.rows = static_cast<int64_t>(s.tensor->shape[0]);
    l.cols = static_cast<int64_t>(s.tensor->shape[1]);
    l.w = floatsOf(s);
    consumed_.insert(name + ".weight");
    return l;
  }

  std::vector<float> vector(const std::string& name) {
    const SourceTensor s = findSource(*src_, name);
    if (!s.tensor)
      throw Error(WHARF_ERR_NOT_FOUND,
                  "model '" + src_->dir + "': tensor '" + name + "' is in no safetensors file");
    return floatsOf(s);
  }

  // AWQ: scales for the layers sharing one input; multiplies their columns by them and returns
  // the scales (whose inverse the caller folds into the op before).
  std::vector<float> awqScale(std::vector<Linear*> group, size_t layer, LinearInput input,
                              const std::string& label) {
    const int64_t k = group[0]->cols;
    std::vector<float> cat;
    int64_t n = 0;
    for (const Linear* l : group) {
      cat.insert(cat.end(), l->w.begin(), l->w.end());
      n += l->rows;
    }
    ThreadPool& pool = searchPool();
    const ScaleSearch r = searchAwqScale(backend_, quantOptions(), cat, n, k,
                                         stats_->get(layer, input), pool, o_.grid);
    for (Linear* l : group)
      for (int64_t row = 0; row < l->rows; ++row)
        for (int64_t i = 0; i < k; ++i) l->w[row * k + i] *= r.scale[i];
    Json entry{{"layer", layer},
               {"input", label},
               {"alpha", r.alpha},
               {"rtn_mse", r.rtn_error},
               {"awq_mse", r.best_error}};
    report_.push_back(std::move(entry));
    return r.scale;
  }

  ThreadPool& searchPool() {
    if (!pool_) pool_ = std::make_unique<ThreadPool>(threads_);
    return *pool_;
  }

  std::string quantOptions(const std::vector<float>* sensitivity = nullptr) const {
    Json j{{"group_size", o_.group_size}, {"zero_point", true}};
    if (!o_.calibrated() && o_.method != "rtn") return "{}";  // another backend's own defaults
    if (o_.method == "squeezellm") {
      j = Json::object();
      if (o_.sparse > 0) j["sparse"] = o_.sparse;
      if (sensitivity) j["sensitivity"] = *sensitivity;
    }
    return toJsonText(j);
  }

  void emit(const Linear& l, SafetensorsWriter& writer, const std::vector<float>* sensitivity) {
    backend_.quantize(
        hostF32(l.w.data(), l.rows, l.cols), quantOptions(sensitivity), [&](const wharf_tensor& t) {
          std::vector<int64_t> shape(t.shape, t.shape + t.ndim);
          writer.add(l.name + "." + (t.name ? t.name : "?"), safetensorsDtype(t.dtype), shape,
                     t.data, static_cast<size_t>(tensorElements(t)) * dtypeBytes(t.dtype));
        });
  }

  void writeVector(SafetensorsWriter& writer, const std::string& name,
                   const std::vector<float>& v) {
    writer.add(name, "F32", {static_cast<int64_t>(v.size())}, v.data(), v.size() * sizeof(float));
    consumed_.insert(name);
  }

  void quantizeLayer(size_t i, SafetensorsWriter& writer) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    Linear q = load(p + "self_attn.q_proj"), k = load(p + "self_attn.k_proj"),
           v = load(p + "self_attn.v_proj"), o = load(p + "self_attn.o_proj"),
           gate = load(p + "mlp.gate_proj"), up = load(p + "mlp.up_proj"),
           down = load(p + "mlp.down_proj");
    if (o_.method == "awq") {
      std::vector<float> attn_norm = vector(p + "input_layernorm.weight");
      std::vector<float> ffn_norm = vector(p + "post_attention_layernorm.weight");
      const std::vector<float> s_attn = awqScale({&q, &k, &v}, i, LinearInput::Attention, "qkv");
      for (size_t c = 0; c < attn_norm.size(); ++c) attn_norm[c] /= s_attn[c];
      const std::vector<float> s_mlp = awqScale({&gate, &up}, i, LinearInput::Mlp, "gate_up");
      for (size_t c = 0; c < ffn_norm.size(); ++c) ffn_norm[c] /= s_mlp[c];
      const std::vector<float> s_down = awqScale({&down}, i, LinearInput::MlpDown, "down");
      for (int64_t r = 0; r < up.rows; ++r)
        for (int64_t c = 0; c < up.cols; ++c) up.w[r * up.cols + c] /= s_down[r];
      if (v.rows == o.cols) {  // no grouped-query attention: v's rows feed o's columns 1:1
        const std::vector<float> s_o = awqScale({&o}, i, LinearInput::AttentionOutput, "o");
        for (int64_t r = 0; r < v.rows; ++r)
          for (int64_t c = 0; c < v.cols; ++c) v.w[r * v.cols + c] /= s_o[r];
        const SourceTensor bias = findSource(*src_, p + "self_attn.v_proj.bias");
        if (bias.tensor) {
          std::vector<float> b = floatsOf(bias);
          for (size_t r = 0; r < b.size(); ++r) b[r] /= s_o[r];
          writeVector(writer, p + "self_attn.v_proj.bias", b);
        }
      }
      writeVector(writer, p + "input_layernorm.weight", attn_norm);
      writeVector(writer, p + "post_attention_layernorm.weight", ffn_norm);
    }
    std::vector<float> sens_attn, sens_out, sens_mlp, sens_down;
    if (o_.method == "squeezellm") {
      sens_attn = stats_->get(i, LinearInput::Attention).meanSquare();
      sens_out = stats_->get(i, LinearInput::AttentionOutput).meanSquare();
      sens_mlp = stats_->get(i, LinearInput::Mlp).meanSquare();
      sens_down = stats_->get(i, LinearInput::MlpDown).meanSquare();
    }
    const bool s = o_.method == "squeezellm";
    for (const Linear* l : {&q, &k, &v}) emit(*l, writer, s ? &sens_attn : nullptr);
    emit(o, writer, s ? &sens_out : nullptr);
    for (const Linear* l : {&gate, &up}) emit(*l, writer, s ? &sens_mlp : nullptr);
    emit(down, writer, s ? &sens_down : nullptr);
  }

  void writeConfigs(const std::string& dir) {
    const fs::path from(src_->dir), to(dir);
    for (const fs::directory_entry& e : fs::directory_iterator(from)) {
      const std::string name = e.path().filename().string();
      if (!e.is_regular_file() || name == "config.json" || name == "hf_reference_logits.json" ||
          name == "model.safetensors.index.json" || name == "quant_config.json" ||
          name == "quantize_config.json" || e.path().extension() == ".safetensors")
        continue;
      fs::copy_file(e.path(), to / name);
    }
    Json config = parseJson<Json>(readTextFile((from / "config.json").string()));
    Json q;
    if (o_.method == "squeezellm") {
      q = Json{{"quant_method", "squeezellm"}, {"wbits", 4}};
      if (o_.sparse > 0) q["sparse_fraction"] = o_.sparse;
      writeTextFile((to / "quant_config.json").string(), toJsonText(Json{{"wbits", 4}}) + "\n");
    } else if (o_.method != "awq" && o_.method != "rtn") {
      q = Json{{"quant_method", o_.method}};
    } else {
      q = Json{{"quant_method", "awq"}, {"bits", 4},         {"group_size", o_.group_size},
               {"zero_point", true},    {"version", "gemm"}, {"modules_to_not_convert", nullptr}};
    }
    config["quantization_config"] = q;
    if (config.contains("torch_dtype")) config["torch_dtype"] = "float16";
    writeTextFile((to / "config.json").string(), config.dump(2) + "\n");
    Json provenance{{"method", o_.method}, {"source", src_->dir}};
    if (o_.method == "awq" || o_.method == "rtn") provenance["group_size"] = o_.group_size;
    provenance.update(Json{{"calibration_text", o_.calibrated() ? o_.calib : ""},
                           {"calibration_tokens", calibration_tokens_},
                           {"layers", report_}});
    if (o_.method == "squeezellm") provenance["sparse"] = o_.sparse;
    writeTextFile((to / "wharf_quantize.json").string(), provenance.dump(2) + "\n");
  }

  static std::string readTextFile(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw Error(WHARF_ERR_NOT_FOUND, "cannot read '" + path + "'");
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  }

  std::shared_ptr<const HfCheckpoint> src_;
  const Tokenizer& tokenizer_;
  const QuantClient& backend_;
  const QuantizeOptions& o_;
  int threads_;
  const std::function<bool()>& stopping_;
  const std::function<void(const std::string&)>& out_;
  std::unique_ptr<ActivationStats> stats_;
  std::unique_ptr<ThreadPool> pool_;
  std::set<std::string> consumed_;  // source tensors replaced in the output
  Json report_ = Json::array();
  size_t calibration_tokens_ = 0;
};

}  // namespace

QuantizeOptions QuantizeOptions::parse(const std::vector<std::string>& args) {
  QuantizeOptions o;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i], value;
    const size_t eq = a.find('=');
    const bool inline_value = a.rfind("--", 0) == 0 && eq != std::string::npos;
    if (inline_value) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
    }
    auto next = [&]() -> std::string {
      if (inline_value) return value;
      if (i + 1 >= args.size()) badOption(a + " needs a value");
      return args[++i];
    };
    if (a == "--method") {
      o.method = next();
    } else if (a == "--model") {
      o.model = next();
    } else if (a == "--out") {
      o.out = next();
    } else if (a == "--calib") {
      o.calib = next();
    } else if (a == "--group-size") {
      o.group_size = positiveInt(a, next());
    } else if (a == "--samples") {
      o.samples = positiveInt(a, next());
    } else if (a == "--seq-len") {
      o.seq_len = positiveInt(a, next());
    } else if (a == "--search-rows") {
      o.search_rows = positiveInt(a, next());
    } else if (a == "--grid") {
      o.grid = static_cast<int>(positiveInt(a, next()));
    } else if (a == "--sparse") {
      const std::string v = next();
      char* end = nullptr;
      o.sparse = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end || !(o.sparse >= 0 && o.sparse < 0.5))
        badOption("--sparse needs a fraction in [0, 0.5), not '" + v + "'");
    } else if (a == "--threads") {
      next();  // the engine's own option, read by the caller
    } else {
      badOption("unknown option '" + a + "'");
    }
  }
  if (o.method.empty()) badOption("--method is required (awq, squeezellm, rtn, or a backend's)");
  if (o.out.empty()) badOption("--out DIR is required");
  if (o.calibrated() && o.calib.empty())
    badOption("--method " + o.method + " needs calibration text: --calib FILE");
  if (o.sparse > 0 && o.method != "squeezellm") badOption("--sparse is for --method squeezellm");
  return o;
}

void quantizeModel(std::shared_ptr<const HfCheckpoint> source, const Tokenizer& tokenizer,
                   const QuantClient& backend, const QuantizeOptions& options, int threads,
                   const std::function<bool()>& stopping,
                   const std::function<void(const std::string&)>& out) {
  if (!source->config.quantization.empty() || !source->quant_layers.empty())
    badOption("the model '" + source->dir + "' is already quantized");
  const fs::path target(options.out);
  std::error_code ec;
  if (fs::exists(target, ec)) badOption("'" + options.out + "' exists; choose a new --out");
  const fs::path partial = target.string() + ".partial-" + std::to_string(getpid());
  fs::create_directories(partial);
  try {
    Quantizer(std::move(source), tokenizer, backend, options, threads, stopping, out)
        .run(partial.string());
    fs::rename(partial, target);
  } catch (...) {
    fs::remove_all(partial, ec);
    throw;
  }
  out("wrote " + options.out);
}

void quantizeGgufModel(const GgufFile& gguf, const QuantClient& backend,
                       const QuantizeOptions& options, int threads,
                       const std::function<bool()>& stopping,
                       const std::function<void(const std::string&)>& out) {
  std::error_code ec;
  if (fs::exists(options.out, ec)) badOption("'" + options.out + "' exists; choose a new --out");
  const fs::path source = options.out + ".gguf-source-" + std::to_string(getpid());
  struct Remove {
    fs::path path;
    ~Remove() {
      std::error_code e;
      fs::remove_all(path, e);
    }
  } remove{source};
  fs::create_directories(source);
  out("converting " + gguf.name() + " to an F16 Hugging Face directory (" + source.string() + ")");
  try {
    writeHfDirectory(gguf, source.string(), stopping);
  } catch (const Error& e) {
    if (e.code() == WHARF_ERR_CANCELLED) throw Error(WHARF_ERR_CANCELLED, "quantize: interrupted");
    throw;
  }
  const std::unique_ptr<Tokenizer> tokenizer = Tokenizer::fromHfDirectory(source.string());
  quantizeModel(HfCheckpoint::open(source.string()), *tokenizer, backend, options, threads,
                stopping, out);
}

}  // namespace wharf::engine
