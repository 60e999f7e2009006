#include "inference_service.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <unordered_map>

#include "api_error.hpp"
#include "generation.hpp"
#include "wharf/cpp/json.hpp"
#include "wharf/cpp/secret_file.hpp"

namespace wharf::inference {

namespace {

constexpr const char* kVersion = "0.1.0";

std::string randomId(const char* prefix) {
  unsigned char bytes[12];
  RAND_bytes(bytes, sizeof bytes);
  static const char* hex = "0123456789abcdef";
  std::string out = prefix;
  for (unsigned char b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

int64_t unixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// No key file: the API is open. An empty or unusable one stops the instance from starting.
std::string readKey(const std::string& file) {
  if (file.empty()) return "";
  try {
    return readSecretFile(file);
  } catch (const std::invalid_argument& e) {
    throw Error(WHARF_ERR_INVALID_ARGUMENT, std::string("api_key_file: ") + e.what());
  }
}

ApiError engineError(const Error& e) {
  switch (e.code()) {
    case WHARF_ERR_UNAVAILABLE:
      return ApiError(503, std::string("The server is overloaded: ") + e.what());
    case WHARF_ERR_INVALID_ARGUMENT:
      return badRequest(e.what());
    default:
      return ApiError(500, e.what());
  }
}

}  // namespace

InferenceService::InferenceService(const Config& config, const Host& host)
    : HttpService(host),
      host_(host),
      engine_(EngineClient::lookup(host, config.required("engine"))),
      max_request_bytes_(static_cast<size_t>(config.integer("max_request_bytes"))),
      api_key_(readKey(config.str("api_key_file"))),
      admin_routes_(config.has("admin_listener")) {
  const auto info = nlohmann::json::parse(engine_.modelInfo());
  engine_model_ = info.value("id", std::string("model"));
  max_model_len_ = info.value("max_model_len", int64_t{2048});
  if (const auto q = info.find("quantization"); q != info.end() && q->is_string())
    quantization_ = q->get<std::string>();
  if (const auto s = info.find("prompt_scoring"); s != info.end() && s->is_boolean())
    prompt_scoring_ = s->get<bool>();
  served_name_ = config.str("served_model_name");
  if (served_name_.empty()) served_name_ = engine_model_;
  metrics_ = std::make_unique<ApiMetrics>(host_, served_name_);
  metrics_->refresh(engine_.stats());
  stats_thread_ = std::thread([this] {
    std::unique_lock lock(stats_mutex_);
    while (!stats_cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; })) {
      lock.unlock();
      try {
        metrics_->refresh(engine_.stats());
      } catch (const std::exception& e) {
        host_.warning(std::string("engine stats: ") + e.what());
      }
      lock.lock();
    }
  });
  host_.info("serving model '" + served_name_ + "' (context " + std::to_string(max_model_len_) +
             " tokens)");
}

InferenceService::~InferenceService() {
  {
    std::lock_guard lock(stats_mutex_);
    stopping_ = true;
  }
  stats_cv_.notify_all();
  if (stats_thread_.joinable()) stats_thread_.join();
}

std::vector<std::string> InferenceService::routes() {
  std::vector<std::string> r = {"/v1/", "/tokenize", "/detokenize", "/version"};
  if (admin_routes_) r.push_back("admin_listener:/admin/engine");
  return r;
}

void InferenceService::handleException(Exchange& ex, const std::exception& e) {
  if (ex.started()) return;
  // An engine error raised outside an explicit mapping (a prompt token id the vocabulary does
  // not have, say) keeps its meaning: INVALID_ARGUMENT is the client's 400, not a 500.
  const auto* api = dynamic_cast<const ApiError*>(&e);
  const auto* engine = dynamic_cast<const Error*>(&e);
  ApiError err = api ? *api : engine ? engineError(*engine) : ApiError(500, e.what());
  ex.respond(err.status(), "application/json", err.json());
}

void InferenceService::handle(Exchange& ex) {
  const std::string path = ex.path();
  const std::string method = ex.method();
  auto only = [&](const char* m) {
    if (method != m)
      throw ApiError(405, "Method " + method + " is not allowed on " + path + "; use " + m + ".");
  };
  if (path == "/admin/engine") {
    only("GET");
    return engineStats(ex);
  }
  if (path == "/version") {
    only("GET");
    ex.respond(200, "application/json", toJsonText(Json{{"version", kVersion}}));
    return;
  }
  checkApiKey(ex);
  if (path == "/v1/models") {
    only("GET");
    ex.setRoute("/v1/models");
    models(ex);
  } else if (path == "/v1/completions") {
    only("POST");
    ex.setRoute("/v1/completions");
    generate(ex, false);
  } else if (path == "/v1/chat/completions") {
    only("POST");
    ex.setRoute("/v1/chat/completions");
    generate(ex, true);
  } else if (path == "/tokenize") {
    only("POST");
    tokenize(ex);
  } else if (path == "/detokenize") {
    only("POST");
    detokenize(ex);
  } else {
    ex.setRoute("/v1/unknown");
    throw ApiError(404, "Unknown endpoint " + path + ".");
  }
}

void InferenceService::checkApiKey(Exchange& ex) const {
  if (api_key_.empty()) return;
  std::string expected = "Bearer " + api_key_;
  auto got = ex.header("Authorization").value_or("");
  if (got.size() != expected.size() || CRYPTO_memcmp(got.data(), expected.data(), got.size()) != 0)
    throw ApiError(401, "Invalid or missing API key.");
}

std::string InferenceService::readBody(Exchange& ex) {
  auto body = ex.readAll(max_request_bytes_);
  if (!body)
    throw ApiError(
        413, "The request body is larger than " + std::to_string(max_request_bytes_) + " bytes.");
  return *body;
}

void InferenceService::checkModel(const std::string& model) const {
  if (model != served_name_ && model != engine_model_)
    throw ApiError(404, "The model `" + model + "` does not exist.", "model");
}

void InferenceService::models(Exchange& ex) {
  const Json model = {
      {"id", served_name_},
      {"object", "model"},
      {"created", unixNow()},
      {"owned_by", "wharf"},
      {"root", engine_model_},
      {"parent", nullptr},
      {"max_model_len", max_model_len_},
      {"quantization", quantization_.empty() ? Json(nullptr) : Json(quantization_)}};
  ex.respond(200, "application/json",
             toJsonText(Json{{"object", "list"}, {"data", Json::array({model})}}));
}

std::string InferenceService::tokenText(int32_t token) const {
  return engine_.detokenize({token}, false);
}

std::vector<std::vector<int32_t>> InferenceService::preparePrompts(
    GenerationRequest& req, std::vector<std::string>& echo_texts, int& max_tokens) {
  std::vector<std::vector<int32_t>> prompts;
  if (req.chat) {
    std::string text = engine_.applyChatTemplate(req.messages_json, req.add_generation_prompt);
    prompts.push_back(engine_.tokenize(text, req.add_special_tokens));
    echo_texts.push_back(text);
  } else {
    for (auto& p : req.prompts) {
      if (p.text) {
        prompts.push_back(engine_.tokenize(*p.text, req.add_special_tokens));
        echo_texts.push_back(*p.text);
      } else {
        prompts.push_back(p.tokens);
        try {
          echo_texts.push_back(engine_.detokenize(p.tokens, false));
        } catch (const Error& e) {
          if (e.code() != WHARF_ERR_INVALID_ARGUMENT) throw;
          throw badRequest("The prompt holds a token id the model's vocabulary does not have.",
                           "prompt");
        }
      }
    }
  }
  size_t longest = 0;
  for (auto& p : prompts) {
    if (p.empty()) throw badRequest("The prompt is empty.", req.chat ? "messages" : "prompt");
    longest = std::max(longest, p.size());
  }
  const int64_t ctx = max_model_len_;
  // A prompt that is only scored (echo, max_tokens 0) may fill the context.
  const bool generates = req.max_tokens.value_or(1) > 0;
  if (static_cast<int64_t>(longest) > ctx || (generates && static_cast<int64_t>(longest) == ctx))
    throw badRequest("This model's maximum context length is " + std::to_string(ctx) +
                         " tokens. However, your request has " + std::to_string(longest) +
                         " input tokens. Please reduce the length of the input.",
                     req.chat ? "messages" : "prompt");
  max_tokens = req.max_tokens.value_or(static_cast<int>(ctx - static_cast<int64_t>(longest)));
  if (static_cast<int64_t>(longest) + max_tokens > ctx)
    throw badRequest(
        "This model's maximum context length is " + std::to_string(ctx) +
            " tokens. However, you requested " +
            std::to_string(longest + static_cast<size_t>(max_tokens)) + " tokens (" +
            std::to_string(longest) + " in the prompt, " + std::to_string(max_tokens) +
            " in the completion). Please reduce the length of the prompt or completion.",
        "max_tokens");
  return prompts;
}

void InferenceService::generate(Exchange& ex, bool chat) {
  std::string body = readBody(ex);
  GenerationRequest req = chat ? parseChatRequest(body) : parseCompletionRequest(body);
  checkModel(req.model);
  if (host_.draining()) throw ApiError(503, "The server is draining.");
  std::vector<std::string> echo_texts;
  int max_tokens = 0;
  auto prompts = preparePrompts(req, echo_texts, max_tokens);
  if ((req.promptScoring() >= 0 || max_tokens == 0) && !prompt_scoring_)
    throw badRequest(
        "This engine cannot score prompts ('echo' with 'logprobs', 'prompt_logprobs', "
        "'max_tokens' 0).",
        req.prompt_logprobs >= 0 ? "prompt_logprobs" : "echo");

  Generation gen(engine_);
  try {
    for (auto& p : prompts) {
      for (int j = 0; j < req.n; ++j) {
        wharf_sampling_params sp = req.sampling(max_tokens, j);
        gen.submit(p, sp, req.logprobs >= 0);
      }
    }
  } catch (const Error& e) {
    throw engineError(e);
  }
  // Token texts for logprobs, once per id (a scored prompt names many ids, often the same).
  auto texts = std::make_shared<std::unordered_map<int32_t, std::string>>();
  ResponseWriter out(chat, randomId(chat ? "chatcmpl-" : "cmpl-"), unixNow(), served_name_,
                     [this, texts](int32_t t) {
                       auto it = texts->find(t);
                       if (it == texts->end()) it = texts->emplace(t, tokenText(t)).first;
                       return it->second;
                     });
  if (req.stream)
    respondStream(ex, req, gen, out, echo_texts, prompts);
  else
    respondWhole(ex, req, gen, out, echo_texts, prompts);
}

namespace {

// Collects deltas until every choice finished, polling the client so that a client that went
// away cancels its generations. Calls `on_delta` for each; returns false when the client left.
// Once the host is stopping (the drain deadline passed), every choice is cancelled and its last
// event ("abort") still goes to `on_delta`, so that the response ends cleanly.
template <class OnDelta>
bool drive(const Host& host, Exchange& ex, Generation& gen, OnDelta&& on_delta) {
  bool aborted = false;
  while (!gen.allFinished()) {
    if (!aborted && host.stopping()) {
      aborted = true;
      gen.cancelAll();
    }
    auto d = gen.next(100);
    if (!d) {
      // In this order: the host sets stopping before it shuts the connections' read side.
      if (!aborted && !ex.clientConnected() && !host.stopping()) {
        gen.cancelAll();
        return false;
      }
      continue;
    }
    if (!on_delta(*d)) {
      gen.cancelAll();
      return false;
    }
  }
  return true;
}

}  // namespace

namespace {

// One choice's prompt scores as the engine sends them: every prompt token after the first, once,
// in order.
class PromptScores {
 public:
  void add(Delta& d) {
    if (d.prompt_scores.empty()) return;
    if (d.prompt_start != scores_.size() + 1) in_order_ = false;
    for (auto& lp : d.prompt_scores) scores_.push_back(std::move(lp));
  }
  bool complete(const std::vector<int32_t>& prompt) const {
    return in_order_ && scores_.size() + 1 == prompt.size();
  }
  const std::vector<TokenLogprob>& scores() const { return scores_; }

 private:
  std::vector<TokenLogprob> scores_;
  bool in_order_ = true;
};

}  // namespace

void InferenceService::respondWhole(Exchange& ex, const GenerationRequest& req, Generation& gen,
                                    const ResponseWriter& out,
                                    const std::vector<std::string>& echo_texts,
                                    const std::vector<std::vector<int32_t>>& prompts) {
  auto start = std::chrono::steady_clock::now();
  const size_t n = static_cast<size_t>(req.n);
  std::vector<ChoiceResult> results(gen.size());
  std::vector<PromptScores> scores(gen.size());
  std::vector<double> first_token(gen.size(), -1);
  std::string error;
  Usage usage;
  bool ok = drive(host_, ex, gen, [&](Delta& d) {
    ChoiceResult& r = results[d.choice];
    scores[d.choice].add(d);
    if (first_token[d.choice] < 0 && !d.tokens.empty())
      first_token[d.choice] =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.text += d.text;
    for (auto& lp : d.logprobs) r.logprobs.push_back(std::move(lp));
    if (d.finished) {
      r.finish_reason = d.finish_reason;
      r.stop_reason = d.stop_reason;
      r.completion_tokens = d.completion_tokens;
      usage.cached_tokens += d.cached_tokens;
      if (d.finish_reason == "error") error = d.error;
      double e2e = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      metrics_->finished(d.finish_reason, static_cast<uint32_t>(prompts[d.choice / n].size()),
                         d.completion_tokens, first_token[d.choice], e2e);
    }
    return true;
  });
  if (!ok) return;
  if (!error.empty()) throw ApiError(500, "generation failed: " + error);
  const bool scored = req.promptScoring() >= 0;
  for (size_t i = 0; i < results.size(); ++i) {
    ChoiceResult& r = results[i];
    const std::vector<int32_t>& prompt = prompts[i / n];
    usage.completion_tokens += r.completion_tokens;
    // An aborted choice (the server stopping) may end before its prompt was scored.
    if (scored && !scores[i].complete(prompt) && r.finish_reason != "abort")
      throw ApiError(500, "the engine did not score the prompt");
    if (req.echo) {
      r.text = echo_texts[i / n] + r.text;
      if (req.logprobs >= 0) {
        std::vector<TokenLogprob> lps = promptEntries(prompt, scores[i].scores(), req.logprobs);
        for (auto& lp : r.logprobs) lps.push_back(std::move(lp));
        r.logprobs = std::move(lps);
      }
    }
    if (req.prompt_logprobs >= 0)
      r.prompt_logprobs = promptEntries(prompt, scores[i].scores(), req.prompt_logprobs);
  }
  // Usage counts each prompt once, as OpenAI does, whatever n is.
  for (auto& p : prompts) usage.prompt_tokens += p.size();
  ex.respond(200, "application/json", out.full(results, usage));
}

void InferenceService::respondStream(Exchange& ex, const GenerationRequest& req, Generation& gen,
                                     const ResponseWriter& out,
                                     const std::vector<std::string>& echo_texts,
                                     const std::vector<std::vector<int32_t>>& prompts) {
  auto start = std::chrono::steady_clock::now();
  const size_t n = static_cast<size_t>(req.n);
  ex.status(200);
  ex.addHeader("Content-Type", "text/event-stream; charset=utf-8");
  ex.addHeader("Cache-Control", "no-cache");
  ex.addHeader("X-Accel-Buffering", "no");
  auto send = [&](const std::string& json) {
    return ex.write("data: " + json + "\n\n") && ex.flush();
  };
  std::vector<bool> opened(gen.size(), false);
  std::vector<size_t> offsets(gen.size(), 0);
  std::vector<double> first_token(gen.size(), -1);
  std::vector<PromptScores> scores(gen.size());
  // Echo with logprobs: a choice's first chunk holds the prompt with its scores, so it waits until
  // the prompt is scored (at the latest with the first token).
  const bool echo_scores = req.echo && req.logprobs >= 0;
  Usage usage;
  for (auto& p : prompts) usage.prompt_tokens += p.size();
  bool ok = drive(host_, ex, gen, [&](Delta& d) {
    const std::vector<int32_t>& prompt = prompts[d.choice / n];
    std::string text = d.text;
    std::vector<TokenLogprob> lps = std::move(d.logprobs);
    if (!opened[d.choice]) {
      if (echo_scores) {
        scores[d.choice].add(d);
        if (!scores[d.choice].complete(prompt) && d.tokens.empty() && !d.finished) return true;
      }
      opened[d.choice] = true;
      if (req.chat && !send(out.chunk(d.choice, "", {}, std::nullopt, std::nullopt, true)))
        return false;
      if (req.echo) {
        text = echo_texts[d.choice / n] + text;
        if (echo_scores) {
          std::vector<TokenLogprob> all =
              promptEntries(prompt, scores[d.choice].scores(), req.logprobs);
          for (auto& lp : lps) all.push_back(std::move(lp));
          lps = std::move(all);
        }
      }
    }
    if (first_token[d.choice] < 0 && !d.tokens.empty())
      first_token[d.choice] =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::optional<std::string> finish;
    if (d.finished) {
      finish = d.finish_reason;
      usage.completion_tokens += d.completion_tokens;
      usage.cached_tokens += d.cached_tokens;
      double e2e = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      metrics_->finished(d.finish_reason, static_cast<uint32_t>(prompt.size()), d.completion_tokens,
                         first_token[d.choice], e2e);
    }
    if (text.empty() && !finish && lps.empty()) return true;
    bool sent =
        send(out.chunk(d.choice, text, lps, finish, d.finished ? d.stop_reason : std::nullopt,
                       false, offsets[d.choice]));
    offsets[d.choice] += text.size();
    return sent;
  });
  if (!ok) return;
  if (req.include_usage && !send(out.usageChunk(usage))) return;
  send("[DONE]");
}

void InferenceService::tokenize(Exchange& ex) {
  TokenizeRequest req = parseTokenizeRequest(readBody(ex));
  if (req.model) checkModel(*req.model);
  std::vector<int32_t> tokens;
  try {
    std::string text =
        req.prompt ? *req.prompt
                   : engine_.applyChatTemplate(req.messages_json, req.add_generation_prompt);
    tokens = engine_.tokenize(text, req.add_special_tokens);
  } catch (const Error& e) {
    throw engineError(e);
  }
  ex.respond(200, "application/json",
             toJsonText(Json{{"count", static_cast<uint64_t>(tokens.size())},
                             {"max_model_len", max_model_len_},
                             {"tokens", tokens}}));
}

void InferenceService::detokenize(Exchange& ex) {
  DetokenizeRequest req = parseDetokenizeRequest(readBody(ex));
  if (req.model) checkModel(*req.model);
  const std::vector<int32_t>& tokens = req.tokens;
  std::string text;
  try {
    text = engine_.detokenize(tokens, false);
  } catch (const Error& e) {
    throw engineError(e);
  }
  ex.respond(200, "application/json", toJsonText(Json{{"prompt", text}}));
}

void InferenceService::engineStats(Exchange& ex) {
  ex.respond(200, "application/json", engine_.stats());
}

}  // namespace wharf::inference

namespace {

const wharf_config_key kKeys[] = {
    {"engine", WHARF_KEY_INSTANCE, WHARF_KEY_REQUIRED, WHARF_KIND_ENGINE, nullptr, nullptr,
     "the engine instance that runs the model"},
    {"served_model_name", WHARF_KEY_STRING, 0, static_cast<wharf_plugin_kind>(0), nullptr, nullptr,
     "the model name clients use (default: the engine's model id)"},
    {"admin_listener", WHARF_KEY_LISTENER, 0, static_cast<wharf_plugin_kind>(0), nullptr, nullptr,
     "listener for GET /admin/engine (usually the host's admin listener)"},
    {"api_key_file", WHARF_KEY_FILE, WHARF_KEY_SECRET, static_cast<wharf_plugin_kind>(0), nullptr,
     nullptr, "file holding an API key clients must send as 'Authorization: Bearer <key>'"},
    {"max_request_bytes", WHARF_KEY_SIZE, 0, static_cast<wharf_plugin_kind>(0), "16M", nullptr,
     "largest request body accepted"},
};

}  // namespace

WHARF_HTTP_SERVICE_PLUGIN(wharf::inference::InferenceService, "inference-api", "0.1.0",
                          "OpenAI-compatible API (vLLM routes and fields) over an engine instance",
                          kKeys)
