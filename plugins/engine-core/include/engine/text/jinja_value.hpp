// Values of the Jinja2-subset template language: Python-like undefined, none, bool, int, float,
// string, list, dict (insertion-ordered, shared so namespaces can be assigned through) and native
// functions, with Python's truthiness, equality, ordering and str() formatting.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "engine/json.hpp"

namespace wharf::engine::jinja {

// A template error (syntax, evaluation, or raise_exception()).
class TemplateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Value;
using List = std::vector<Value>;
using Dict = std::vector<std::pair<std::string, Value>>;
struct CallArgs;
using Function = std::function<Value(CallArgs&)>;

struct Value {
  enum class Kind { Undefined, None, Bool, Int, Float, String, List, Dict, Function };
  Kind kind = Kind::Undefined;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;
  std::shared_ptr<List> list;
  std::shared_ptr<Dict> dict;
  std::shared_ptr<Function> fn;

  Value() = default;
  static Value none() {
    Value v;
    v.kind = Kind::None;
    return v;
  }
  static Value boolean(bool x) {
    Value v;
    v.kind = Kind::Bool;
    v.b = x;
    return v;
  }
  static Value integer(int64_t x) {
    Value v;
    v.kind = Kind::Int;
    v.i = x;
    return v;
  }
  static Value number(double x) {
    Value v;
    v.kind = Kind::Float;
    v.f = x;
    return v;
  }
  static Value string(std::string x) {
    Value v;
    v.kind = Kind::String;
    v.s = std::move(x);
    return v;
  }
  static Value makeList(List x = {}) {
    Value v;
    v.kind = Kind::List;
    v.list = std::make_shared<List>(std::move(x));
    return v;
  }
  static Value makeDict(Dict x = {}) {
    Value v;
    v.kind = Kind::Dict;
    v.dict = std::make_shared<Dict>(std::move(x));
    return v;
  }
  static Value function(Function f) {
    Value v;
    v.kind = Kind::Function;
    v.fn = std::make_shared<Function>(std::move(f));
    return v;
  }
  static Value fromJson(const Json& j);

  bool isUndefined() const { return kind == Kind::Undefined; }
  bool isNone() const { return kind == Kind::None; }
  bool isString() const { return kind == Kind::String; }
  bool isNumber() const { return kind == Kind::Int || kind == Kind::Float; }
  bool isList() const { return kind == Kind::List; }
  bool isDict() const { return kind == Kind::Dict; }
  double asDouble() const { return kind == Kind::Float ? f : static_cast<double>(i); }

  bool truthy() const;
  std::string str() const;                                   // Python str()
  std::string repr() const;                                  // Python repr()
  std::string toJson(int indent = -1, int depth = 0) const;  // json.dumps(ensure_ascii=False)
  const Value* member(const std::string& key) const;         // dict member or nullptr
  const char* typeName() const;
};

bool equals(const Value& a, const Value& b);
// -1, 0, 1; throws for values Python cannot order.
int compare(const Value& a, const Value& b);

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> named;
  const Value* get(size_t index, const std::string& name) const {
    for (const auto& [k, v] : named) {
      if (k == name) return &v;
    }
    return index < positional.size() ? &positional[index] : nullptr;
  }
};

}  // namespace wharf::engine::jinja
