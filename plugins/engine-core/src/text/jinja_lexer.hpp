// Tokens of a Jinja template: text runs (whitespace control already applied) and the tokens
// inside {{ }} and {% %} tags. Comments are dropped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wharf::engine::jinja {

struct Token {
  enum class Type {
    Text,
    VarBegin,
    VarEnd,
    BlockBegin,
    BlockEnd,
    Name,
    String,
    Int,
    Float,
    Op,
    End
  };
  Type type;
  std::string value;  // text, name, string contents or operator
  int64_t i = 0;
  double f = 0;
  size_t pos = 0;
};

std::vector<Token> lex(std::string_view source);

}  // namespace wharf::engine::jinja
