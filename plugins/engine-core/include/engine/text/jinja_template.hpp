// A Jinja2-subset template engine for chat templates: {{ }}, {% %}, {# #} with '-' whitespace
// control and HF's trim_blocks / lstrip_blocks; for (with loop.*, else, inline if filter,
// break/continue), if/elif/else, set (including namespace attributes and block set); expressions
// with literals, lists, dicts, attribute/index/slice access, calls, filters, tests, arithmetic,
// ~ and + concatenation, comparisons, in / not in, and/or/not, conditional expressions.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/text/jinja_value.hpp"

namespace wharf::engine::jinja {

struct Stmt;
using Body = std::vector<std::unique_ptr<Stmt>>;

class Template {
 public:
  // Throws TemplateError with the byte offset of a syntax error.
  explicit Template(std::string_view source);
  ~Template();
  Template(Template&&) noexcept;
  Template& operator=(Template&&) noexcept;

  // Renders with the given global variables (functions such as raise_exception included).
  std::string render(const std::map<std::string, Value>& globals) const;

 private:
  std::unique_ptr<Body> root_;
};

}  // namespace wharf::engine::jinja
