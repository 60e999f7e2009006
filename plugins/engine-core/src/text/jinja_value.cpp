#include "engine/text/jinja_value.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace wharf::engine::jinja {

Value Value::fromJson(const Json& j) {
  using T = Json::value_t;
  switch (j.type()) {
    case T::boolean:
      return boolean(j.get<bool>());
    case T::number_integer:
      return integer(j.get<int64_t>());
    case T::number_unsigned:  // beyond int64: Python keeps the integer, a double comes closest
      return j.get<uint64_t>() <= uint64_t{INT64_MAX} ? integer(j.get<int64_t>())
                                                      : number(j.get<double>());
    case T::number_float:
      return number(j.get<double>());
    case T::string:
      return string(j.get<std::string>());
    case T::array: {
      List l;
      for (const Json& e : j) l.push_back(fromJson(e));
      return makeList(std::move(l));
    }
    case T::object: {
      Dict d;
      for (const auto& [k, v] : j.items()) d.emplace_back(k, fromJson(v));
      return makeDict(std::move(d));
    }
    default:
      return none();
  }
}

bool Value::truthy() const {
  switch (kind) {
    case Kind::Undefined:
    case Kind::None:
      return false;
    case Kind::Bool:
      return b;
    case Kind::Int:
      return i != 0;
    case Kind::Float:
      return f != 0;
    case Kind::String:
      return !s.empty();
    case Kind::List:
      return !list->empty();
    case Kind::Dict:
      return !dict->empty();
    case Kind::Function:
      return true;
  }
  return false;
}

namespace {

std::string formatFloat(double d) { return pythonFloatRepr(d); }

std::string quote(const std::string& s) {
  char q = (s.find('\'') != std::string::npos && s.find('"') == std::string::npos) ? '"' : '\'';
  std::string out(1, q);
  for (char c : s) {
    if (c == q || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
  out += q;
  return out;
}

}  // namespace

std::string Value::str() const {
  switch (kind) {
    case Kind::Undefined:
      return "";
    case Kind::String:
      return s;
    default:
      return repr();
  }
}

std::string Value::repr() const {
  switch (kind) {
    case Kind::Undefined:
      return "";
    case Kind::None:
      return "None";
    case Kind::Bool:
      return b ? "True" : "False";
    case Kind::Int:
      return std::to_string(i);
    case Kind::Float:
      return formatFloat(f);
    case Kind::String:
      return quote(s);
    case Kind::List: {
      std::string out = "[";
      for (size_t k = 0; k < list->size(); ++k) out += (k ? ", " : "") + (*list)[k].repr();
      return out + "]";
    }
    case Kind::Dict: {
      std::string out = "{";
      for (size_t k = 0; k < dict->size(); ++k) {
        out += (k ? ", " : "") + quote((*dict)[k].first) + ": " + (*dict)[k].second.repr();
      }
      return out + "}";
    }
    case Kind::Function:
      return "<function>";
  }
  return "";
}

std::string Value::toJson(int indent, int depth) const {
  auto newline = [&](int d) {
    return indent < 0 ? std::string() : "\n" + std::string(static_cast<size_t>(indent * d), ' ');
  };
  const char* item_sep = indent < 0 ? ", " : ",";
  switch (kind) {
    case Kind::Undefined:
    case Kind::None:
      return "null";
    case Kind::Bool:
      return b ? "true" : "false";
    case Kind::Int:
      return std::to_string(i);
    case Kind::Float:
      return formatFloat(f);
    case Kind::String: {
      std::string out;
      appendJsonString(out, s);
      return out;
    }
    case Kind::List: {
      if (list->empty()) return "[]";
      std::string out = "[";
      for (size_t k = 0; k < list->size(); ++k) {
        out += (k ? item_sep : "") + newline(depth + 1) + (*list)[k].toJson(indent, depth + 1);
      }
      return out + newline(depth) + "]";
    }
    case Kind::Dict: {
      if (dict->empty()) return "{}";
      std::string out = "{";
      for (size_t k = 0; k < dict->size(); ++k) {
        std::string key;
        appendJsonString(key, (*dict)[k].first);
        out += (k ? item_sep : "") + newline(depth + 1) + key + ": " +
               (*dict)[k].second.toJson(indent, depth + 1);
      }
      return out + newline(depth) + "}";
    }
    case Kind::Function:
      return "null";
  }
  return "null";
}

const Value* Value::member(const std::string& key) const {
  if (kind != Kind::Dict) return nullptr;
  for (const auto& [k, v] : *dict) {
    if (k == key) return &v;
  }
  return nullptr;
}

const char* Value::typeName() const {
  switch (kind) {
    case Kind::Undefined:
      return "undefined";
    case Kind::None:
      return "none";
    case Kind::Bool:
      return "bool";
    case Kind::Int:
      return "int";
    case Kind::Float:
      return "float";
    case Kind::String:
      return "string";
    case Kind::List:
      return "list";
    case Kind::Dict:
      return "dict";
    case Kind::Function:
      return "function";
  }
  return "?";
}

bool equals(const Value& a, const Value& b) {
  using K = Value::Kind;
  bool an = a.isNumber() || a.kind == K::Bool, bn = b.isNumber() || b.kind == K::Bool;
  if (an && bn) {
    double x = a.kind == K::Bool ? a.b : a.asDouble();
    double y = b.kind == K::Bool ? b.b : b.asDouble();
    return x == y;
  }
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case K::Undefined:
    case K::None:
      return true;
    case K::String:
      return a.s == b.s;
    case K::List:
      if (a.list->size() != b.list->size()) return false;
      for (size_t k = 0; k < a.list->size(); ++k) {
        if (!equals((*a.list)[k], (*b.list)[k])) return false;
      }
      return true;
    case K::Dict:
      if (a.dict->size() != b.dict->size()) return false;
      for (const auto& [k, v] : *a.dict) {
        const Value* o = b.member(k);
        if (!o || !equals(v, *o)) return false;
      }
      return true;
    case K::Function:
      return a.fn == b.fn;
    default:
      return false;
  }
}

int compare(const Value& a, const Value& b) {
  if ((a.isNumber() || a.kind == Value::Kind::Bool) &&
      (b.isNumber() || b.kind == Value::Kind::Bool)) {
    double x = a.kind == Value::Kind::Bool ? a.b : a.asDouble();
    double y = b.kind == Value::Kind::Bool ? b.b : b.asDouble();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.isString() && b.isString()) return a.s < b.s ? -1 : a.s > b.s ? 1 : 0;
  if (a.isList() && b.isList()) {
    for (size_t k = 0; k < a.list->size() && k < b.list->size(); ++k) {
      int c = compare((*a.list)[k], (*b.list)[k]);
      if (c) return c;
    }
    return a.list->size() < b.list->size() ? -1 : a.list->size() > b.list->size() ? 1 : 0;
  }
  throw TemplateError(std::string("cannot compare ") + a.typeName() + " and " + b.typeName());
}

}  // namespace wharf::engine::jinja
