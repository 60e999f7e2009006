// Syntax tree of a parsed Jinja template.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/text/jinja_template.hpp"
#include "engine/text/jinja_value.hpp"

namespace wharf::engine::jinja {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum class Kind {
    Literal,  // literal
    Name,     // name
    ListLit,  // args
    DictLit,  // kwargs with keys as exprs in args (pairs: args[2k], args[2k+1])
    Attr,     // a.name
    Index,    // a[b]
    Slice,    // a[b:c:d] (null parts allowed)
    Call,     // a(args, kwargs)
    Filter,   // a | name(args, kwargs)
    Test,     // a is [not] name(args)
    Unary,    // name = "-" / "+" / "not", a
    Binary,   // name = op, a, b
    Cond,     // b if a else c
  };
  Kind kind;
  size_t pos = 0;
  Value literal;
  std::string name;
  ExprPtr a, b, c, d;
  std::vector<ExprPtr> args;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  bool negate = false;
};

struct Stmt {
  enum class Kind { Text, Output, If, For, Set, SetBlock, Break, Continue };
  Kind kind;
  size_t pos = 0;
  std::string text;                                // Text
  ExprPtr expr;                                    // Output, Set value, For iterable
  std::vector<std::pair<ExprPtr, Body>> branches;  // If (condition, body)
  Body else_body;                                  // If / For else
  std::vector<std::string> targets;                // For variables; Set name
  std::string attr;                                // Set name.attr
  ExprPtr condition;                               // For ... if condition
  Body body;                                       // For, SetBlock
};

}  // namespace wharf::engine::jinja
