#include "jinja_parser.hpp"

#include <algorithm>

#include "jinja_lexer.hpp"

namespace wharf::engine::jinja {

namespace {

using T = Token::Type;

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  Body document() {
    Body body = block({});
    if (peek().type != T::End) fail("unexpected '" + peek().value + "'");
    return body;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw TemplateError("template syntax error at byte " + std::to_string(peek().pos) + ": " +
                        what);
  }
  const Token& peek(size_t k = 0) const { return t_[std::min(i_ + k, t_.size() - 1)]; }
  const Token& next() { return t_[std::min(i_++, t_.size() - 1)]; }
  bool isOp(const char* op, size_t k = 0) const {
    return peek(k).type == T::Op && peek(k).value == op;
  }
  bool isName(const char* n, size_t k = 0) const {
    return peek(k).type == T::Name && peek(k).value == n;
  }
  void expectOp(const char* op) {
    if (!isOp(op)) fail(std::string("expected '") + op + "'");
    ++i_;
  }
  void expect(T type, const char* what) {
    if (peek().type != type) fail(std::string("expected ") + what);
    ++i_;
  }
  std::string name() {
    if (peek().type != T::Name) fail("expected a name");
    return next().value;
  }

  // Statements until one of `ends` (a block keyword) is next; that keyword is not consumed.
  Body block(const std::vector<std::string>& ends) {
    Body body;
    for (;;) {
      const Token& tok = peek();
      if (tok.type == T::End) {
        if (!ends.empty()) fail("missing {% " + ends.front() + " %}");
        return body;
      }
      if (tok.type == T::Text) {
        auto s = std::make_unique<Stmt>();
        s->kind = Stmt::Kind::Text;
        s->text = next().value;
        body.push_back(std::move(s));
        continue;
      }
      if (tok.type == T::VarBegin) {
        auto s = std::make_unique<Stmt>();
        s->kind = Stmt::Kind::Output;
        s->pos = next().pos;
        s->expr = expression();
        expect(T::VarEnd, "'}}'");
        body.push_back(std::move(s));
        continue;
      }
      if (tok.type != T::BlockBegin) fail("unexpected token");
      const Token& kw = peek(1);
      if (kw.type != T::Name) fail("expected a statement keyword");
      if (std::find(ends.begin(), ends.end(), kw.value) != ends.end()) return body;
      ++i_;  // {%
      std::string k = next().value;
      if (k == "if") {
        body.push_back(ifStatement());
      } else if (k == "for") {
        body.push_back(forStatement());
      } else if (k == "set") {
        body.push_back(setStatement());
      } else if (k == "break" || k == "continue") {
        auto s = std::make_unique<Stmt>();
        s->kind = k == "break" ? Stmt::Kind::Break : Stmt::Kind::Continue;
        expect(T::BlockEnd, "'%}'");
        body.push_back(std::move(s));
      } else if (k == "generation") {  // HF assistant-mask marker: renders its body as is
        expect(T::BlockEnd, "'%}'");
        Body inner = block({"endgeneration"});
        closeBlock("endgeneration");
        for (auto& s : inner) body.push_back(std::move(s));
      } else {
        fail("unsupported statement '" + k + "'");
      }
    }
  }

  void closeBlock(const char* keyword) {
    expect(T::BlockBegin, "'{%'");
    if (!isName(keyword)) fail(std::string("expected ") + keyword);
    ++i_;
    expect(T::BlockEnd, "'%}'");
  }

  std::unique_ptr<Stmt> ifStatement() {
    auto s = std::make_unique<Stmt>();
    s->kind = Stmt::Kind::If;
    ExprPtr cond = expression();
    expect(T::BlockEnd, "'%}'");
    for (;;) {
      Body body = block({"elif", "else", "endif"});
      s->branches.emplace_back(std::move(cond), std::move(body));
      expect(T::BlockBegin, "'{%'");
      std::string k = name();
      if (k == "elif") {
        cond = expression();
        expect(T::BlockEnd, "'%}'");
        continue;
      }
      if (k == "else") {
        expect(T::BlockEnd, "'%}'");
        s->else_body = block({"endif"});
        closeBlock("endif");
      } else {
        expect(T::BlockEnd, "'%}'");
      }
      return s;
    }
  }

  std::unique_ptr<Stmt> forStatement() {
    auto s = std::make_unique<Stmt>();
    s->kind = Stmt::Kind::For;
    s->targets.push_back(name());
    while (isOp(",")) {
      ++i_;
      s->targets.push_back(name());
    }
    if (!isName("in")) fail("expected 'in'");
    ++i_;
    s->expr = orExpr();  // no inline-if here: "if" filters the loop
    if (isName("if")) {
      ++i_;
      s->condition = expression();
    }
    if (isName("recursive")) fail("recursive loops are not supported");
    expect(T::BlockEnd, "'%}'");
    s->body = block({"else", "endfor"});
    expect(T::BlockBegin, "'{%'");
    if (name() == "else") {
      expect(T::BlockEnd, "'%}'");
      s->else_body = block({"endfor"});
      closeBlock("endfor");
    } else {
      expect(T::BlockEnd, "'%}'");
    }
    return s;
  }

  std::unique_ptr<Stmt> setStatement() {
    auto s = std::make_unique<Stmt>();
    s->targets.push_back(name());
    if (isOp(".")) {
      ++i_;
      s->attr = name();
    }
    if (isOp("=")) {
      ++i_;
      s->kind = Stmt::Kind::Set;
      s->expr = expression();
      expect(T::BlockEnd, "'%}'");
      return s;
    }
    s->kind = Stmt::Kind::SetBlock;
    expect(T::BlockEnd, "'%}'");
    s->body = block({"endset"});
    closeBlock("endset");
    return s;
  }

  ExprPtr make(Expr::Kind k) {
    auto e = std::make_unique<Expr>();
    e->kind = k;
    e->pos = peek().pos;
    return e;
  }

  ExprPtr expression() {
    ExprPtr e = orExpr();
    if (isName("if")) {
      ++i_;
      auto c = make(Expr::Kind::Cond);
      c->b = std::move(e);
      c->a = orExpr();
      if (isName("else")) {
        ++i_;
        c->c = expression();
      }
      return c;
    }
    return e;
  }

  ExprPtr binary(ExprPtr left, const std::string& op, ExprPtr right) {
    auto e = make(Expr::Kind::Binary);
    e->name = op;
    e->a = std::move(left);
    e->b = std::move(right);
    return e;
  }

  ExprPtr orExpr() {
    ExprPtr e = andExpr();
    while (isName("or")) {
      ++i_;
      e = binary(std::move(e), "or", andExpr());
    }
    return e;
  }
  ExprPtr andExpr() {
    ExprPtr e = notExpr();
    while (isName("and")) {
      ++i_;
      e = binary(std::move(e), "and", notExpr());
    }
    return e;
  }
  ExprPtr notExpr() {
    if (isName("not")) {
      ++i_;
      auto e = make(Expr::Kind::Unary);
      e->name = "not";
      e->a = notExpr();
      return e;
    }
    return compare();
  }
  ExprPtr compare() {
    ExprPtr e = math1();
    for (;;) {
      if (peek().type == T::Op &&
          (isOp("==") || isOp("!=") || isOp("<") || isOp(">") || isOp("<=") || isOp(">="))) {
        std::string op = next().value;
        e = binary(std::move(e), op, math1());
      } else if (isName("in")) {
        ++i_;
        e = binary(std::move(e), "in", math1());
      } else if (isName("not") && isName("in", 1)) {
        i_ += 2;
        e = binary(std::move(e), "not in", math1());
      } else {
        return e;
      }
    }
  }
  ExprPtr math1() {
    ExprPtr e = concat();
    while (isOp("+") || isOp("-")) {
      std::string op = next().value;
      e = binary(std::move(e), op, concat());
    }
    return e;
  }
  ExprPtr concat() {
    ExprPtr e = math2();
    while (isOp("~")) {
      ++i_;
      e = binary(std::move(e), "~", math2());
    }
    return e;
  }
  ExprPtr math2() {
    ExprPtr e = power();
    while (isOp("*") || isOp("/") || isOp("//") || isOp("%")) {
      std::string op = next().value;
      e = binary(std::move(e), op, power());
    }
    return e;
  }
  ExprPtr power() {
    ExprPtr e = unary();
    while (isOp("**")) {
      ++i_;
      e = binary(std::move(e), "**", unary());
    }
    return e;
  }
  ExprPtr unary() {
    if (isOp("-") || isOp("+")) {
      auto e = make(Expr::Kind::Unary);
      e->name = next().value;
      e->a = unary();
      return e;
    }
    return filters(postfix(primary()));
  }

  void callArguments(Expr& e) {
    expectOp("(");
    while (!isOp(")")) {
      if (peek().type == T::Name && isOp("=", 1)) {
        std::string key = next().value;
        ++i_;
        e.kwargs.emplace_back(key, expression());
      } else {
        e.args.push_back(expression());
      }
      if (!isOp(",")) break;
      ++i_;
    }
    expectOp(")");
  }

  ExprPtr postfix(ExprPtr e) {
    for (;;) {
      if (isOp(".")) {
        ++i_;
        auto a = make(Expr::Kind::Attr);
        a->name = name();
        a->a = std::move(e);
        e = std::move(a);
      } else if (isOp("[")) {
        ++i_;
        ExprPtr parts[3];
        bool slice = false;
        for (int k = 0; k < 3; ++k) {
          if (!isOp(":") && !isOp("]")) parts[k] = expression();
          if (k < 2 && isOp(":")) {
            ++i_;
            slice = true;
          } else {
            break;
          }
        }
        expectOp("]");
        auto x = make(slice ? Expr::Kind::Slice : Expr::Kind::Index);
        x->a = std::move(e);
        x->b = std::move(parts[0]);
        x->c = std::move(parts[1]);
        x->d = std::move(parts[2]);
        if (!slice && !x->b) fail("empty subscript");
        e = std::move(x);
      } else if (isOp("(")) {
        auto c = make(Expr::Kind::Call);
        c->a = std::move(e);
        callArguments(*c);
        e = std::move(c);
      } else {
        return e;
      }
    }
  }

  ExprPtr filters(ExprPtr e) {
    for (;;) {
      if (isOp("|")) {
        ++i_;
        auto f = make(Expr::Kind::Filter);
        f->name = name();
        f->a = std::move(e);
        if (isOp("(")) callArguments(*f);
        e = std::move(f);
      } else if (isName("is")) {
        ++i_;
        auto t = make(Expr::Kind::Test);
        if (isName("not")) {
          ++i_;
          t->negate = true;
        }
        t->name = name();
        t->a = std::move(e);
        if (isOp("(")) {
          callArguments(*t);
        } else if (peek().type == T::String || peek().type == T::Int || peek().type == T::Float ||
                   isName("none") || isName("None") || isName("true") || isName("false")) {
          t->args.push_back(primary());
        }
        e = std::move(t);
      } else {
        return e;
      }
    }
  }

  ExprPtr primary() {
    const Token& tok = peek();
    auto lit = [&](Value v) {
      auto e = make(Expr::Kind::Literal);
      e->literal = std::move(v);
      ++i_;
      return e;
    };
    switch (tok.type) {
      case T::String: {
        std::string s = tok.value;
        ++i_;
        while (peek().type == T::String) s += next().value;  // adjacent literals concatenate
        auto e = make(Expr::Kind::Literal);
        e->literal = Value::string(std::move(s));
        return e;
      }
      case T::Int:
        return lit(Value::integer(tok.i));
      case T::Float:
        return lit(Value::number(tok.f));
      case T::Name: {
        const std::string& n = tok.value;
        if (n == "true" || n == "True") return lit(Value::boolean(true));
        if (n == "false" || n == "False") return lit(Value::boolean(false));
        if (n == "none" || n == "None") return lit(Value::none());
        auto e = make(Expr::Kind::Name);
        e->name = n;
        ++i_;
        return e;
      }
      case T::Op:
        if (tok.value == "(") {
          ++i_;
          ExprPtr first = expression();
          if (isOp(",")) {  // tuple: treated as a list
            auto l = make(Expr::Kind::ListLit);
            l->args.push_back(std::move(first));
            while (isOp(",")) {
              ++i_;
              if (isOp(")")) break;
              l->args.push_back(expression());
            }
            expectOp(")");
            return l;
          }
          expectOp(")");
          return first;
        }
        if (tok.value == "[") {
          ++i_;
          auto l = make(Expr::Kind::ListLit);
          while (!isOp("]")) {
            l->args.push_back(expression());
            if (!isOp(",")) break;
            ++i_;
          }
          expectOp("]");
          return l;
        }
        if (tok.value == "{") {
          ++i_;
          auto d = make(Expr::Kind::DictLit);
          while (!isOp("}")) {
            d->args.push_back(expression());
            expectOp(":");
            d->args.push_back(expression());
            if (!isOp(",")) break;
            ++i_;
          }
          expectOp("}");
          return d;
        }
        break;
      default:
        break;
    }
    fail("unexpected '" + tok.value + "' in an expression");
  }

  std::vector<Token> t_;
  size_t i_ = 0;
};

}  // namespace

Body parseTemplate(std::string_view source) { return Parser(lex(source)).document(); }

}  // namespace wharf::engine::jinja
