#include "engine/text/chat_template.hpp"

#include <ctime>

#include "wharf/cpp/error.hpp"

namespace wharf::engine {

namespace {

jinja::Template parseOrThrow(const std::string& source) {
  try {
    return jinja::Template(source);
  } catch (const jinja::TemplateError& e) {
    throw Error(WHARF_ERR_DATA, std::string("chat template: ") + e.what());
  }
}

jinja::Value raiseException() {
  return jinja::Value::function([](jinja::CallArgs& a) -> jinja::Value {
    const jinja::Value* m = a.get(0, "message");
    throw jinja::TemplateError(m ? m->str() : "raise_exception");
  });
}

jinja::Value namespaceFunction() {
  return jinja::Value::function([](jinja::CallArgs& a) {
    jinja::Dict d;
    for (const auto& [k, v] : a.named) d.emplace_back(k, v);
    return jinja::Value::makeDict(std::move(d));
  });
}

jinja::Value rangeFunction() {
  return jinja::Value::function([](jinja::CallArgs& a) {
    int64_t start = 0, stop = 0, step = 1;
    if (a.positional.size() == 1) {
      stop = a.positional[0].i;
    } else if (a.positional.size() >= 2) {
      start = a.positional[0].i;
      stop = a.positional[1].i;
      if (a.positional.size() >= 3) step = a.positional[2].i;
    }
    if (step == 0) throw jinja::TemplateError("range() step must not be zero");
    jinja::List l;
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
      l.push_back(jinja::Value::integer(i));
      if (l.size() > 100000) throw jinja::TemplateError("range() too large");
    }
    return jinja::Value::makeList(std::move(l));
  });
}

jinja::Value strftimeNow() {
  return jinja::Value::function([](jinja::CallArgs& a) {
    const jinja::Value* f = a.get(0, "format");
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[128];
    size_t n = std::strftime(buf, sizeof buf, f ? f->str().c_str() : "%Y-%m-%d", &tm);
    return jinja::Value::string(std::string(buf, n));
  });
}

}  // namespace

ChatTemplate::ChatTemplate(const std::string& source) : template_(parseOrThrow(source)) {}

std::string ChatTemplate::render(const Json& messages, bool add_generation_prompt,
                                 const std::string& bos_token, const std::string& eos_token,
                                 const Json& extra) const {
  std::map<std::string, jinja::Value> globals;
  globals["messages"] = jinja::Value::fromJson(messages);
  globals["add_generation_prompt"] = jinja::Value::boolean(add_generation_prompt);
  globals["bos_token"] = jinja::Value::string(bos_token);
  globals["eos_token"] = jinja::Value::string(eos_token);
  globals["raise_exception"] = raiseException();
  globals["namespace"] = namespaceFunction();
  globals["range"] = rangeFunction();
  globals["strftime_now"] = strftimeNow();
  if (extra.is_object()) {
    for (const auto& [k, v] : extra.items()) globals[k] = jinja::Value::fromJson(v);
  }
  try {
    return template_.render(globals);
  } catch (const jinja::TemplateError& e) {
    throw Error(WHARF_ERR_INVALID_ARGUMENT, std::string("chat template: ") + e.what());
  }
}

}  // namespace wharf::engine
