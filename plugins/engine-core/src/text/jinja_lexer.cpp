#include "jinja_lexer.hpp"

#include <algorithm>
#include <cstdlib>

#include "engine/text/jinja_value.hpp"

namespace wharf::engine::jinja {

namespace {

[[noreturn]] void syntax(size_t pos, const std::string& what) {
  throw TemplateError("template syntax error at byte " + std::to_string(pos) + ": " + what);
}

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool isNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  std::vector<Token> run() {
    size_t text_start = 0;
    bool strip_next = false;    // a '-' closed the previous tag
    bool trim_newline = false;  // trim_blocks after %} and #}
    while (pos_ < s_.size()) {
      size_t open = s_.find('{', pos_);
      while (open != std::string_view::npos && open + 1 < s_.size() && s_[open + 1] != '{' &&
             s_[open + 1] != '%' && s_[open + 1] != '#') {
        open = s_.find('{', open + 1);
      }
      if (open == std::string_view::npos || open + 1 >= s_.size()) break;
      char kind = s_[open + 1];
      bool strip_left = open + 2 < s_.size() && s_[open + 2] == '-';
      bool keep_left = open + 2 < s_.size() && s_[open + 2] == '+';
      std::string text(s_.substr(text_start, open - text_start));
      applyLeading(text, strip_next, trim_newline);
      if (strip_left) {
        size_t e = text.find_last_not_of(" \t\r\n");
        text.erase(e == std::string::npos ? 0 : e + 1);
      } else if (kind != '{' && !keep_left) {
        lstrip(text, text_start, open);
      }
      if (!text.empty()) out_.push_back({Token::Type::Text, text, 0, 0, text_start});
      pos_ = open + 2 + (strip_left || keep_left ? 1 : 0);
      if (kind == '#') {
        size_t close = s_.find("#}", pos_);
        if (close == std::string_view::npos) syntax(open, "unterminated comment");
        strip_next = close > pos_ && s_[close - 1] == '-';
        trim_newline = !strip_next;
        pos_ = close + 2;
      } else {
        out_.push_back(
            {kind == '{' ? Token::Type::VarBegin : Token::Type::BlockBegin, "", 0, 0, open});
        char end = kind == '{' ? '}' : '%';
        tagTokens(end, strip_next);
        out_.push_back({kind == '{' ? Token::Type::VarEnd : Token::Type::BlockEnd, "", 0, 0, pos_});
        trim_newline = kind == '%' && !strip_next;
      }
      text_start = pos_;
    }
    std::string tail(s_.substr(text_start < s_.size() ? text_start : s_.size()));
    applyLeading(tail, strip_next, trim_newline);
    if (!tail.empty()) out_.push_back({Token::Type::Text, tail, 0, 0, text_start});
    out_.push_back({Token::Type::End, "", 0, 0, s_.size()});
    return std::move(out_);
  }

 private:
  static void applyLeading(std::string& text, bool strip, bool trim_newline) {
    if (strip) {
      size_t b = text.find_first_not_of(" \t\r\n");
      text.erase(0, b == std::string::npos ? text.size() : b);
    } else if (trim_newline) {
      if (text.rfind("\r\n", 0) == 0)
        text.erase(0, 2);
      else if (!text.empty() && text[0] == '\n')
        text.erase(0, 1);
    }
  }

  // lstrip_blocks: spaces and tabs between a line start and a block tag are dropped (judged on
  // the raw source, as Jinja does).
  void lstrip(std::string& text, size_t text_start, size_t open) const {
    size_t p = open;
    while (p > text_start && (s_[p - 1] == ' ' || s_[p - 1] == '\t')) --p;
    if (p == 0 || s_[p - 1] == '\n') text.erase(text.size() - std::min(text.size(), open - p));
  }

  void tagTokens(char end, bool& strip_next) {
    for (;;) {
      while (pos_ < s_.size() && isSpace(s_[pos_])) ++pos_;
      if (pos_ >= s_.size()) syntax(pos_, "unterminated tag");
      char c = s_[pos_];
      if ((c == '-' || c == '+') && pos_ + 2 < s_.size() && s_[pos_ + 1] == end &&
          s_[pos_ + 2] == '}') {
        strip_next = c == '-';
        pos_ += 3;
        return;
      }
      if (c == end && pos_ + 1 < s_.size() && s_[pos_ + 1] == '}') {
        strip_next = false;
        pos_ += 2;
        return;
      }
      size_t start = pos_;
      if (isNameStart(c)) {
        while (pos_ < s_.size() && (isNameStart(s_[pos_]) || isDigit(s_[pos_]))) ++pos_;
        out_.push_back(
            {Token::Type::Name, std::string(s_.substr(start, pos_ - start)), 0, 0, start});
      } else if (isDigit(c)) {
        while (pos_ < s_.size() && (isDigit(s_[pos_]) || s_[pos_] == '_')) ++pos_;
        bool is_float = false;
        if (pos_ + 1 < s_.size() && s_[pos_] == '.' && isDigit(s_[pos_ + 1])) {
          is_float = true;
          ++pos_;
          while (pos_ < s_.size() && isDigit(s_[pos_])) ++pos_;
        }
        std::string num(s_.substr(start, pos_ - start));
        Token t{is_float ? Token::Type::Float : Token::Type::Int, num, 0, 0, start};
        if (is_float)
          t.f = std::strtod(num.c_str(), nullptr);
        else
          t.i = std::strtoll(num.c_str(), nullptr, 10);
        out_.push_back(t);
      } else if (c == '\'' || c == '"') {
        out_.push_back({Token::Type::String, stringLiteral(c), 0, 0, start});
      } else {
        static const char* two[] = {"==", "!=", "<=", ">=", "//", "**"};
        std::string op(1, c);
        for (const char* t : two) {
          if (s_.substr(pos_, 2) == t) op = t;
        }
        if (std::string("+-*/%~|.,:()[]{}<>=!").find(c) == std::string::npos) {
          syntax(pos_, std::string("unexpected character '") + c + "'");
        }
        pos_ += op.size();
        out_.push_back({Token::Type::Op, op, 0, 0, start});
      }
    }
  }

  std::string stringLiteral(char quote) {
    size_t start = pos_++;
    std::string out;
    for (;;) {
      if (pos_ >= s_.size()) syntax(start, "unterminated string");
      char c = s_[pos_++];
      if (c == quote) return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) syntax(start, "unterminated string");
      char e = s_[pos_++];
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case '\\':
          out += '\\';
          break;
        case '\'':
          out += '\'';
          break;
        case '"':
          out += '"';
          break;
        default:
          out += '\\';
          out += e;
      }
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::vector<Token> out_;
};

}  // namespace

std::vector<Token> lex(std::string_view source) { return Lexer(source).run(); }

}  // namespace wharf::engine::jinja
