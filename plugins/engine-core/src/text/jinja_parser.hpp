// Builds the syntax tree from the token stream.
#pragma once

#include <string_view>

#include "jinja_ast.hpp"

namespace wharf::engine::jinja {

Body parseTemplate(std::string_view source);

}  // namespace wharf::engine::jinja
