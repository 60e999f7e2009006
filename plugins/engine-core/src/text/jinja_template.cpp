#include "engine/text/jinja_template.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "engine/text/unicode.hpp"
#include "jinja_ast.hpp"
#include "jinja_parser.hpp"

namespace wharf::engine::jinja {

namespace {

[[noreturn]] void error(size_t pos, const std::string& what) {
  throw TemplateError("template error at byte " + std::to_string(pos) + ": " + what);
}

std::string strip(const std::string& s, const std::string& chars, bool left, bool right) {
  size_t b = left ? s.find_first_not_of(chars) : 0;
  if (b == std::string::npos) return "";
  size_t e = right ? s.find_last_not_of(chars) : s.size() - 1;
  return s.substr(b, e - b + 1);
}

std::string lower(const std::string& s) { return lowerUtf8(s); }
std::string upper(const std::string& s) { return upperUtf8(s); }

std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
  if (from.empty()) return s;
  size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
  return s;
}

int64_t length(const Value& v, size_t pos) {
  switch (v.kind) {
    case Value::Kind::String: {
      int64_t n = 0;  // code points, as Python's len()
      for (unsigned char c : v.s) n += (c & 0xC0) != 0x80;
      return n;
    }
    case Value::Kind::List:
      return static_cast<int64_t>(v.list->size());
    case Value::Kind::Dict:
      return static_cast<int64_t>(v.dict->size());
    case Value::Kind::Undefined:
      return 0;
    default:
      error(pos, std::string("object of type ") + v.typeName() + " has no length");
  }
}

// Items to iterate: list elements, dict keys, string characters.
List iterate(const Value& v, size_t pos) {
  switch (v.kind) {
    case Value::Kind::List:
      return *v.list;
    case Value::Kind::Dict: {
      List keys;
      for (const auto& [k, _] : *v.dict) keys.push_back(Value::string(k));
      return keys;
    }
    case Value::Kind::String: {
      List chars;
      for (size_t i = 0; i < v.s.size();) {
        size_t n = 1;
        while (i + n < v.s.size() && (static_cast<unsigned char>(v.s[i + n]) & 0xC0) == 0x80) ++n;
        chars.push_back(Value::string(v.s.substr(i, n)));
        i += n;
      }
      return chars;
    }
    case Value::Kind::Undefined:
    case Value::Kind::None:
      return {};
    default:
      error(pos, std::string("cannot iterate over ") + v.typeName());
  }
}

bool contains(const Value& container, const Value& item, size_t pos) {
  switch (container.kind) {
    case Value::Kind::String:
      if (!item.isString()) error(pos, "'in <string>' needs a string");
      return container.s.find(item.s) != std::string::npos;
    case Value::Kind::List:
      return std::any_of(container.list->begin(), container.list->end(),
                         [&](const Value& v) { return equals(v, item); });
    case Value::Kind::Dict:
      return item.isString() && container.member(item.s) != nullptr;
    case Value::Kind::Undefined:
      return false;
    default:
      error(pos, std::string("'in' is not supported for ") + container.typeName());
  }
}

struct LoopControl {
  enum class Kind { None, Break, Continue } kind = Kind::None;
};

class Renderer {
 public:
  explicit Renderer(const std::map<std::string, Value>& globals) {
    scopes_.emplace_back();
    for (const auto& [k, v] : globals) scopes_.front()[k] = v;
  }

  void run(const Body& body, std::string& out) {
    LoopControl ctl;
    exec(body, out, ctl);
  }

 private:
  using Scope = std::unordered_map<std::string, Value>;

  const Value* lookup(const std::string& n) const {
    for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
      auto f = it->find(n);
      if (f != it->end()) return &f->second;
    }
    return nullptr;
  }

  void exec(const Body& body, std::string& out, LoopControl& ctl) {
    for (const auto& s : body) {
      if (ctl.kind != LoopControl::Kind::None) return;
      switch (s->kind) {
        case Stmt::Kind::Text:
          out += s->text;
          break;
        case Stmt::Kind::Output:
          out += eval(*s->expr).str();
          break;
        case Stmt::Kind::If: {
          bool done = false;
          for (const auto& [cond, branch] : s->branches) {
            if (eval(*cond).truthy()) {
              exec(branch, out, ctl);
              done = true;
              break;
            }
          }
          if (!done) exec(s->else_body, out, ctl);
          break;
        }
        case Stmt::Kind::For:
          forLoop(*s, out, ctl);
          break;
        case Stmt::Kind::Set:
          assign(*s, eval(*s->expr));
          break;
        case Stmt::Kind::SetBlock: {
          std::string captured;
          LoopControl inner;
          exec(s->body, captured, inner);
          assign(*s, Value::string(captured));
          break;
        }
        case Stmt::Kind::Break:
          ctl.kind = LoopControl::Kind::Break;
          return;
        case Stmt::Kind::Continue:
          ctl.kind = LoopControl::Kind::Continue;
          return;
      }
    }
  }

  void assign(const Stmt& s, Value v) {
    if (s.attr.empty()) {
      scopes_.back()[s.targets[0]] = std::move(v);
      return;
    }
    const Value* ns = lookup(s.targets[0]);
    if (!ns || !ns->isDict()) error(s.pos, "cannot set an attribute of '" + s.targets[0] + "'");
    for (auto& [k, val] : *ns->dict) {
      if (k == s.attr) {
        val = std::move(v);
        return;
      }
    }
    ns->dict->emplace_back(s.attr, std::move(v));
  }

  void bindTargets(const Stmt& s, Scope& scope, const Value& item) {
    if (s.targets.size() == 1) {
      scope[s.targets[0]] = item;
      return;
    }
    List parts = iterate(item, s.pos);
    if (parts.size() != s.targets.size()) error(s.pos, "cannot unpack loop item");
    for (size_t k = 0; k < parts.size(); ++k) scope[s.targets[k]] = parts[k];
  }

  void forLoop(const Stmt& s, std::string& out, LoopControl& outer) {
    Value seq = eval(*s.expr);
    List items;
    if (seq.isDict() && s.targets.size() == 1) {
      items = iterate(seq, s.pos);
    } else {
      items = iterate(seq, s.pos);
    }
    if (s.condition) {  // the inline filter runs before loop.* is computed
      List kept;
      for (const Value& item : items) {
        scopes_.emplace_back();
        bindTargets(s, scopes_.back(), item);
        bool keep = eval(*s.condition).truthy();
        scopes_.pop_back();
        if (keep) kept.push_back(item);
      }
      items = std::move(kept);
    }
    if (items.empty()) {
      exec(s.else_body, out, outer);
      return;
    }
    const int64_t n = static_cast<int64_t>(items.size());
    for (int64_t i = 0; i < n; ++i) {
      scopes_.emplace_back();
      Scope& scope = scopes_.back();
      bindTargets(s, scope, items[static_cast<size_t>(i)]);
      Dict loop{{"index", Value::integer(i + 1)},
                {"index0", Value::integer(i)},
                {"revindex", Value::integer(n - i)},
                {"revindex0", Value::integer(n - i - 1)},
                {"first", Value::boolean(i == 0)},
                {"last", Value::boolean(i == n - 1)},
                {"length", Value::integer(n)},
                {"previtem", i > 0 ? items[static_cast<size_t>(i - 1)] : Value()},
                {"nextitem", i + 1 < n ? items[static_cast<size_t>(i + 1)] : Value()}};
      scope["loop"] = Value::makeDict(std::move(loop));
      LoopControl ctl;
      exec(s.body, out, ctl);
      scopes_.pop_back();
      if (ctl.kind == LoopControl::Kind::Break) break;
    }
  }

  Value eval(const Expr& e) {
    switch (e.kind) {
      case Expr::Kind::Literal:
        return e.literal;
      case Expr::Kind::Name: {
        const Value* v = lookup(e.name);
        return v ? *v : Value();
      }
      case Expr::Kind::ListLit: {
        List l;
        for (const auto& a : e.args) l.push_back(eval(*a));
        return Value::makeList(std::move(l));
      }
      case Expr::Kind::DictLit: {
        Dict d;
        for (size_t k = 0; k + 1 < e.args.size(); k += 2) {
          Value key = eval(*e.args[k]);
          d.emplace_back(key.str(), eval(*e.args[k + 1]));
        }
        return Value::makeDict(std::move(d));
      }
      case Expr::Kind::Attr: {
        Value obj = eval(*e.a);
        if (const Value* m = obj.member(e.name)) return *m;
        return method(obj, e.name, e.pos);  // a bound method, or undefined
      }
      case Expr::Kind::Index:
        return index(eval(*e.a), eval(*e.b), e.pos);
      case Expr::Kind::Slice:
        return slice(e);
      case Expr::Kind::Call: {
        Value f = eval(*e.a);
        if (f.kind != Value::Kind::Function) error(e.pos, "not callable");
        CallArgs args = arguments(e);
        return (*f.fn)(args);
      }
      case Expr::Kind::Filter:
        return filter(e);
      case Expr::Kind::Test: {
        bool r = test(e);
        return Value::boolean(e.negate ? !r : r);
      }
      case Expr::Kind::Unary: {
        Value v = eval(*e.a);
        if (e.name == "not") return Value::boolean(!v.truthy());
        if (v.kind == Value::Kind::Int) return Value::integer(e.name == "-" ? -v.i : v.i);
        if (v.kind == Value::Kind::Float) return Value::number(e.name == "-" ? -v.f : v.f);
        error(e.pos, "bad operand for unary " + e.name);
      }
      case Expr::Kind::Binary:
        return binary(e);
      case Expr::Kind::Cond:
        if (eval(*e.a).truthy()) return eval(*e.b);
        return e.c ? eval(*e.c) : Value();
    }
    return Value();
  }

  CallArgs arguments(const Expr& e) {
    CallArgs a;
    for (const auto& x : e.args) a.positional.push_back(eval(*x));
    for (const auto& [k, x] : e.kwargs) a.named.emplace_back(k, eval(*x));
    return a;
  }

  static Value index(const Value& obj, const Value& key, size_t pos) {
    if (obj.isDict()) {
      const Value* m = obj.member(key.str());
      return m ? *m : Value();
    }
    if (obj.isList() || obj.isString()) {
      if (key.kind != Value::Kind::Int) error(pos, "indices must be integers");
      List items = obj.isList() ? *obj.list : iterate(obj, pos);
      int64_t n = static_cast<int64_t>(items.size()), i = key.i < 0 ? key.i + n : key.i;
      if (i < 0 || i >= n) return Value();
      return items[static_cast<size_t>(i)];
    }
    return Value();
  }

  Value slice(const Expr& e) {
    Value obj = eval(*e.a);
    List items = iterate(obj, e.pos);
    int64_t n = static_cast<int64_t>(items.size());
    int64_t step = e.d ? eval(*e.d).i : 1;
    if (step == 0) error(e.pos, "slice step cannot be zero");
    auto bound = [&](const ExprPtr& x, int64_t fallback) {
      if (!x) return fallback;
      int64_t v = eval(*x).i;
      if (v < 0) v += n;
      return step > 0 ? std::clamp<int64_t>(v, 0, n) : std::clamp<int64_t>(v, -1, n - 1);
    };
    int64_t start = bound(e.b, step > 0 ? 0 : n - 1), stop = bound(e.c, step > 0 ? n : -1);
    List out;
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
      out.push_back(items[static_cast<size_t>(i)]);
    }
    if (obj.isString()) {
      std::string s;
      for (const Value& c : out) s += c.s;
      return Value::string(s);
    }
    return Value::makeList(std::move(out));
  }

  Value binary(const Expr& e) {
    const std::string& op = e.name;
    if (op == "and") {
      Value a = eval(*e.a);
      return a.truthy() ? eval(*e.b) : a;
    }
    if (op == "or") {
      Value a = eval(*e.a);
      return a.truthy() ? a : eval(*e.b);
    }
    Value a = eval(*e.a), b = eval(*e.b);
    if (op == "==") return Value::boolean(equals(a, b));
    if (op == "!=") return Value::boolean(!equals(a, b));
    if (op == "<") return Value::boolean(compare(a, b) < 0);
    if (op == ">") return Value::boolean(compare(a, b) > 0);
    if (op == "<=") return Value::boolean(compare(a, b) <= 0);
    if (op == ">=") return Value::boolean(compare(a, b) >= 0);
    if (op == "in") return Value::boolean(contains(b, a, e.pos));
    if (op == "not in") return Value::boolean(!contains(b, a, e.pos));
    if (op == "~") return Value::string(a.str() + b.str());
    if (op == "+") {
      if (a.isString() && b.isString()) return Value::string(a.s + b.s);
      if (a.isList() && b.isList()) {
        List l = *a.list;
        l.insert(l.end(), b.list->begin(), b.list->end());
        return Value::makeList(std::move(l));
      }
    }
    if (op == "*" && a.isString() && b.kind == Value::Kind::Int) {
      std::string s;
      for (int64_t k = 0; k < b.i; ++k) s += a.s;
      return Value::string(s);
    }
    if (!a.isNumber() || !b.isNumber()) {
      error(e.pos,
            "unsupported operand types for " + op + ": " + a.typeName() + " and " + b.typeName());
    }
    bool ints = a.kind == Value::Kind::Int && b.kind == Value::Kind::Int;
    if (op == "+")
      return ints ? Value::integer(a.i + b.i) : Value::number(a.asDouble() + b.asDouble());
    if (op == "-")
      return ints ? Value::integer(a.i - b.i) : Value::number(a.asDouble() - b.asDouble());
    if (op == "*")
      return ints ? Value::integer(a.i * b.i) : Value::number(a.asDouble() * b.asDouble());
    if (op == "/") {
      if (b.asDouble() == 0) error(e.pos, "division by zero");
      return Value::number(a.asDouble() / b.asDouble());
    }
    if (op == "//" || op == "%") {
      if (b.asDouble() == 0) error(e.pos, "division by zero");
      if (ints) {
        int64_t q = a.i / b.i;
        if ((a.i % b.i != 0) && ((a.i < 0) != (b.i < 0))) --q;  // floor division
        return op == "//" ? Value::integer(q) : Value::integer(a.i - q * b.i);
      }
      double q = std::floor(a.asDouble() / b.asDouble());
      return op == "//" ? Value::number(q) : Value::number(a.asDouble() - q * b.asDouble());
    }
    if (op == "**") {
      if (ints && b.i >= 0) {
        int64_t r = 1;
        for (int64_t k = 0; k < b.i; ++k) r *= a.i;
        return Value::integer(r);
      }
      return Value::number(std::pow(a.asDouble(), b.asDouble()));
    }
    error(e.pos, "unknown operator " + op);
  }

  // String / dict / list methods, returned as bound functions.
  Value method(const Value& obj, const std::string& name, size_t pos) {
    auto str_arg = [pos](CallArgs& a, size_t i, const std::string& fallback) {
      const Value* v = a.get(i, "");
      if (!v || v->isNone() || v->isUndefined()) return fallback;
      if (!v->isString()) error(pos, "expected a string argument");
      return v->s;
    };
    if (obj.isString()) {
      const std::string s = obj.s;
      if (name == "strip" || name == "lstrip" || name == "rstrip") {
        return Value::function([=](CallArgs& a) {
          std::string chars = str_arg(a, 0, " \t\n\r\f\v");
          return Value::string(strip(s, chars, name != "rstrip", name != "lstrip"));
        });
      }
      if (name == "lower")
        return Value::function([=](CallArgs&) { return Value::string(lower(s)); });
      if (name == "upper")
        return Value::function([=](CallArgs&) { return Value::string(upper(s)); });
      if (name == "title" || name == "capitalize") {
        return Value::function([=](CallArgs&) {
          std::string r = name == "title" ? titleCase(s) : capitalize(s);
          return Value::string(r);
        });
      }
      if (name == "startswith" || name == "endswith") {
        return Value::function([=](CallArgs& a) {
          std::string x = str_arg(a, 0, "");
          bool r = name == "startswith"
                       ? s.compare(0, x.size(), x) == 0
                       : s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0;
          return Value::boolean(r);
        });
      }
      if (name == "replace") {
        return Value::function([=](CallArgs& a) {
          return Value::string(replaceAll(s, str_arg(a, 0, ""), str_arg(a, 1, "")));
        });
      }
      if (name == "split") {
        return Value::function([=](CallArgs& a) {
          const Value* sep = a.get(0, "sep");
          List parts;
          if (!sep || sep->isNone()) {
            size_t i = 0;
            while (i < s.size()) {
              size_t b = s.find_first_not_of(" \t\n\r\f\v", i);
              if (b == std::string::npos) break;
              size_t e = s.find_first_of(" \t\n\r\f\v", b);
              if (e == std::string::npos) e = s.size();
              parts.push_back(Value::string(s.substr(b, e - b)));
              i = e;
            }
          } else {
            size_t i = 0;
            for (;;) {
              size_t e = sep->s.empty() ? std::string::npos : s.find(sep->s, i);
              if (e == std::string::npos) {
                parts.push_back(Value::string(s.substr(i)));
                break;
              }
              parts.push_back(Value::string(s.substr(i, e - i)));
              i = e + sep->s.size();
            }
          }
          return Value::makeList(std::move(parts));
        });
      }
      if (name == "format") {
        return Value::function([=](CallArgs& a) {
          std::string r;
          size_t next = 0;
          for (size_t i = 0; i < s.size(); ++i) {
            if (s[i] == '%' && i + 1 < s.size() && s[i + 1] == 's') {
              r += next < a.positional.size() ? a.positional[next++].str() : "";
              ++i;
            } else {
              r += s[i];
            }
          }
          return Value::string(r);
        });
      }
    }
    if (obj.isDict()) {
      auto d = obj.dict;
      if (name == "items" || name == "keys" || name == "values") {
        return Value::function([=](CallArgs&) {
          List l;
          for (const auto& [k, v] : *d) {
            if (name == "items")
              l.push_back(Value::makeList({Value::string(k), v}));
            else if (name == "keys")
              l.push_back(Value::string(k));
            else
              l.push_back(v);
          }
          return Value::makeList(std::move(l));
        });
      }
      if (name == "get") {
        return Value::function([=](CallArgs& a) {
          const Value* key = a.get(0, "key");
          for (const auto& [k, v] : *d) {
            if (key && k == key->str()) return v;
          }
          const Value* fallback = a.get(1, "default");
          return fallback ? *fallback : Value::none();
        });
      }
    }
    return Value();
  }

  static std::string capitalize(const std::string& s) {
    std::string r = lower(s);
    if (!r.empty() && r[0] >= 'a' && r[0] <= 'z') r[0] = static_cast<char>(r[0] - 32);
    return r;
  }
  static std::string titleCase(const std::string& s) {
    std::string r = s;
    bool start = true;
    for (char& c : r) {
      bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      if (alpha) c = start ? upper(std::string(1, c))[0] : lower(std::string(1, c))[0];
      start = !alpha;
    }
    return r;
  }

  Value filter(const Expr& e) {
    Value v = eval(*e.a);
    CallArgs a = arguments(e);
    const std::string& f = e.name;
    if (f == "trim") return Value::string(strip(v.str(), " \t\n\r\f\v", true, true));
    if (f == "length" || f == "count") return Value::integer(length(v, e.pos));
    if (f == "upper") return Value::string(upper(v.str()));
    if (f == "lower") return Value::string(lower(v.str()));
    if (f == "capitalize") return Value::string(capitalize(v.str()));
    if (f == "title") return Value::string(titleCase(v.str()));
    if (f == "string") return Value::string(v.str());
    if (f == "safe" || f == "e" || f == "escape") return v;
    if (f == "tojson") {
      const Value* indent = a.get(0, "indent");
      return Value::string(
          v.toJson(indent && indent->kind == Value::Kind::Int ? static_cast<int>(indent->i) : -1));
    }
    if (f == "default" || f == "d") {
      const Value* fallback = a.get(0, "default_value");
      const Value* boolean = a.get(1, "boolean");
      bool use = v.isUndefined() || (boolean && boolean->truthy() && !v.truthy());
      return use ? (fallback ? *fallback : Value::string("")) : v;
    }
    if (f == "join") {
      const Value* sep = a.get(0, "d");
      std::string r;
      bool first = true;
      for (const Value& item : iterate(v, e.pos)) {
        if (!first) r += sep ? sep->str() : "";
        first = false;
        r += item.str();
      }
      return Value::string(r);
    }
    if (f == "first" || f == "last") {
      List items = iterate(v, e.pos);
      if (items.empty()) return Value();
      return f == "first" ? items.front() : items.back();
    }
    if (f == "list") return Value::makeList(iterate(v, e.pos));
    if (f == "reverse") {
      List items = iterate(v, e.pos);
      std::reverse(items.begin(), items.end());
      if (v.isString()) {
        std::string s;
        for (const Value& c : items) s += c.s;
        return Value::string(s);
      }
      return Value::makeList(std::move(items));
    }
    if (f == "replace") {
      const Value* from = a.get(0, "old");
      const Value* to = a.get(1, "new");
      return Value::string(replaceAll(v.str(), from ? from->str() : "", to ? to->str() : ""));
    }
    if (f == "int") {
      if (v.kind == Value::Kind::Int) return v;
      if (v.kind == Value::Kind::Float) return Value::integer(static_cast<int64_t>(v.f));
      if (v.kind == Value::Kind::Bool) return Value::integer(v.b);
      return Value::integer(std::strtoll(v.str().c_str(), nullptr, 10));
    }
    if (f == "float") {
      if (v.isNumber()) return Value::number(v.asDouble());
      return Value::number(std::strtod(v.str().c_str(), nullptr));
    }
    if (f == "items") {
      List l;
      if (v.isDict()) {
        for (const auto& [k, x] : *v.dict) l.push_back(Value::makeList({Value::string(k), x}));
      }
      return Value::makeList(std::move(l));
    }
    if (f == "select" || f == "reject") {
      List out;
      for (const Value& item : iterate(v, e.pos)) {
        bool ok = a.positional.empty()
                      ? item.truthy()
                      : namedTest(a.positional[0].str(), item,
                                  std::vector<Value>(a.positional.begin() + 1, a.positional.end()),
                                  e.pos);
        if (ok == (f == "select")) out.push_back(item);
      }
      return Value::makeList(std::move(out));
    }
    if (f == "selectattr" || f == "rejectattr") {
      const Value* attr = a.get(0, "");
      List out;
      for (const Value& item : iterate(v, e.pos)) {
        const Value* m = attr ? item.member(attr->str()) : nullptr;
        bool ok;
        if (a.positional.size() >= 2) {
          Value subject = m ? *m : Value();
          ok = namedTest(a.positional[1].str(), subject,
                         std::vector<Value>(a.positional.begin() + 2, a.positional.end()), e.pos);
        } else {
          ok = m && m->truthy();
        }
        if (ok == (f == "selectattr")) out.push_back(item);
      }
      return Value::makeList(std::move(out));
    }
    if (f == "map") {
      const Value* attr = a.get(99, "attribute");
      List out;
      for (const Value& item : iterate(v, e.pos)) {
        if (attr) {
          const Value* m = item.member(attr->str());
          out.push_back(m ? *m : Value());
        } else if (!a.positional.empty() && a.positional[0].str() == "string") {
          out.push_back(Value::string(item.str()));
        } else {
          out.push_back(item);
        }
      }
      return Value::makeList(std::move(out));
    }
    error(e.pos, "unknown filter '" + f + "'");
  }

  bool test(const Expr& e) {
    if (e.name == "defined") return !eval(*e.a).isUndefined();
    if (e.name == "undefined") return eval(*e.a).isUndefined();
    Value v = eval(*e.a);
    std::vector<Value> args;
    for (const auto& x : e.args) args.push_back(eval(*x));
    return namedTest(e.name, v, args, e.pos);
  }

  static bool namedTest(const std::string& t, const Value& v, const std::vector<Value>& args,
                        size_t pos) {
    using K = Value::Kind;
    if (t == "defined") return !v.isUndefined();
    if (t == "undefined") return v.isUndefined();
    if (t == "none") return v.isNone();
    if (t == "string") return v.isString();
    if (t == "number") return v.isNumber();
    if (t == "integer") return v.kind == K::Int;
    if (t == "float") return v.kind == K::Float;
    if (t == "boolean") return v.kind == K::Bool;
    if (t == "true") return v.kind == K::Bool && v.b;
    if (t == "false") return v.kind == K::Bool && !v.b;
    if (t == "mapping") return v.isDict();
    if (t == "sequence") return v.isList() || v.isString();
    if (t == "iterable") return v.isList() || v.isString() || v.isDict();
    if (t == "callable") return v.kind == K::Function;
    if (t == "even" || t == "odd") {
      if (v.kind != K::Int) error(pos, "'" + t + "' needs an integer");
      return (v.i % 2 == 0) == (t == "even");
    }
    if (t == "equalto" || t == "eq" || t == "==" || t == "sameas") {
      return !args.empty() && equals(v, args[0]);
    }
    if (t == "ne" || t == "!=") return !args.empty() && !equals(v, args[0]);
    if (t == "in") return !args.empty() && contains(args[0], v, pos);
    error(pos, "unknown test '" + t + "'");
  }

  std::vector<Scope> scopes_;
};

}  // namespace

Template::Template(std::string_view source)
    : root_(std::make_unique<Body>(parseTemplate(source))) {}
Template::~Template() = default;
Template::Template(Template&&) noexcept = default;
Template& Template::operator=(Template&&) noexcept = default;

std::string Template::render(const std::map<std::string, Value>& globals) const {
  std::string out;
  Renderer r(globals);
  r.run(*root_, out);
  return out;
}

}  // namespace wharf::engine::jinja
