// A small JSON value with a strict parser and a serializer: enough for chat messages, fixtures,
// model info and stats (the core must not depend on Poco). Numbers keep whether they are integers
// ("1", an int64_t) or floats ("1.0", "1e3", a double), as Python's json module does, so that a
// chat template's `tojson` writes them back as transformers would.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wharf::engine {

class Json {
 public:
  enum class Type { Null, Bool, Number, String, Array, Object };
  using Array = std::vector<Json>;
  using Object = std::vector<std::pair<std::string, Json>>;  // insertion order kept

  Json() = default;
  Json(std::nullptr_t) {}
  Json(bool b) : type_(Type::Bool), bool_(b) {}
  Json(double n) : type_(Type::Number), number_(n) {}
  Json(int n) : type_(Type::Number), number_(n), integer_(true) {}
  Json(int64_t n) : type_(Type::Number), number_(static_cast<double>(n)), int_(n), integer_(true) {}
  Json(uint64_t n) : Json(static_cast<int64_t>(n)) {}
  Json(std::string s) : type_(Type::String), string_(std::move(s)) {}
  Json(const char* s) : type_(Type::String), string_(s) {}
  Json(Array a) : type_(Type::Array), array_(std::move(a)) {}
  Json(Object o) : type_(Type::Object), object_(std::move(o)) {}

  // Throws wharf::Error(INVALID_ARGUMENT) with the byte offset of the problem.
  static Json parse(std::string_view text);

  Type type() const { return type_; }
  bool isNull() const { return type_ == Type::Null; }
  bool isBool() const { return type_ == Type::Bool; }
  bool isNumber() const { return type_ == Type::Number; }
  // An integer literal (no fraction, no exponent) or an integral constructor argument.
  bool isInteger() const { return type_ == Type::Number && integer_; }
  bool isString() const { return type_ == Type::String; }
  bool isArray() const { return type_ == Type::Array; }
  bool isObject() const { return type_ == Type::Object; }

  bool asBool() const { return bool_; }
  double asNumber() const { return number_; }
  int64_t asInt() const { return integer_ ? int_ : static_cast<int64_t>(number_); }
  const std::string& asString() const { return string_; }
  const Array& asArray() const { return array_; }
  Array& asArray() { return array_; }
  const Object& asObject() const { return object_; }
  Object& asObject() { return object_; }

  // Object member or nullptr.
  const Json* find(std::string_view key) const;
  // Object member or a shared null value.
  const Json& operator[](std::string_view key) const;
  const Json& operator[](size_t index) const { return array_.at(index); }
  size_t size() const { return isArray() ? array_.size() : isObject() ? object_.size() : 0; }
  void set(std::string key, Json value);
  void push(Json value) { array_.push_back(std::move(value)); }

  std::string dump() const;

 private:
  Type type_ = Type::Null;
  bool bool_ = false;
  double number_ = 0;
  int64_t int_ = 0;
  bool integer_ = false;
  std::string string_;
  Array array_;
  Object object_;
};

// Python's repr() of a float: the shortest digits that read back as `d`, in fixed notation for
// decimal exponents -4..15 ("1.0", "0.0001", "1000.0") and scientific otherwise ("1e-05",
// "1e+16"); "nan", "inf", "-inf". Json::dump writes floats so (non-finite ones as null).
std::string pythonFloatRepr(double d);

// Appends s as a JSON string literal (quotes included).
void appendJsonString(std::string& out, std::string_view s);

}  // namespace wharf::engine
