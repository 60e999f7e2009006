#include "engine/text/chat_template.hpp"

#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "wharf/cpp/error.hpp"

namespace wharf::engine {
namespace {

std::string render(const std::string& src, const std::string& messages = "[]", bool gen = false) {
  return ChatTemplate(src).render(Json::parse(messages), gen, "<s>", "</s>");
}

// Every rendering jinja2 (configured like transformers' apply_chat_template) produced for the
// fixture templates, including raise_exception() errors.
TEST(ChatTemplate, MatchesJinja2OnEveryFixture) {
  Json fx = test::loadFixture("chat_templates.json");
  size_t matched = 0, total = 0;
  for (const Json& r : fx["renderings"]) {
    const std::string& name = r["template"].get<std::string>();
    ChatTemplate t(fx["templates"][name].get<std::string>());
    const Json& conv = fx["conversations"][static_cast<size_t>(r["conversation"].get<int64_t>())];
    bool gen = r["add_generation_prompt"].get<bool>();
    ++total;
    if (const Json* err = jsonMember(r, "error")) {
      try {
        t.render(conv, gen, fx["bos_token"].get<std::string>(), fx["eos_token"].get<std::string>());
        ADD_FAILURE() << name << " conversation " << r["conversation"].get<int64_t>()
                      << " should fail";
      } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(err->get<std::string>()), std::string::npos)
            << e.what();
        ++matched;
      }
      continue;
    }
    std::string got =
        t.render(conv, gen, fx["bos_token"].get<std::string>(), fx["eos_token"].get<std::string>());
    EXPECT_EQ(got, r["text"].get<std::string>())
        << name << " conversation " << r["conversation"].get<int64_t>() << " gen " << gen;
    matched += got == r["text"].get<std::string>();
  }
  std::cout << "chat templates: " << matched << "/" << total << " renderings identical to jinja2\n";
}

TEST(Jinja, WhitespaceControlAndBlocks) {
  EXPECT_EQ(render("a  {%- if true -%}  b  {%- endif -%}  c"), "abc");
  EXPECT_EQ(render("{% if true %}\nx\n{% endif %}\ny"), "x\ny");        // trim_blocks
  EXPECT_EQ(render("line\n    {% if true %}x{% endif %}"), "line\nx");  // lstrip_blocks
  EXPECT_EQ(render("{# comment #}a{{ 'b' }}"), "ab");
  EXPECT_EQ(render("{{ '%}' }}"), "%}");
}

TEST(Jinja, LoopsSetAndNamespaces) {
  EXPECT_EQ(
      render("{% for x in [1,2,3] if x != 2 %}{{ loop.index }}{{ x }}{% else %}none{% endfor %}"),
      "1123");
  EXPECT_EQ(render("{% for x in [] %}y{% else %}none{% endfor %}"), "none");
  EXPECT_EQ(render("{% set ns = namespace(n=0) %}{% for i in range(4) %}{% set ns.n = ns.n + i %}"
                   "{% endfor %}{{ ns.n }}"),
            "6");
  EXPECT_EQ(render("{% set x = 1 %}{% for i in [5] %}{% set x = 2 %}{% endfor %}{{ x }}"), "1");
  EXPECT_EQ(render("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}"),
            "a=1;b=2;");
  EXPECT_EQ(
      render("{% for i in range(5) %}{% if i == 3 %}{% break %}{% endif %}{{ i }}{% endfor %}"),
      "012");
  EXPECT_EQ(render("{% set b %}in{{ 1 + 1 }}{% endset %}[{{ b }}]"), "[in2]");
}

TEST(Jinja, ExpressionsFiltersAndTests) {
  EXPECT_EQ(
      render("{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ 2 ** 3 }} {{ 1 / 2 }} {{ 'ab' * 2 }}"),
      "3 -4 1 8 0.5 abab");
  EXPECT_EQ(render("{{ [1, 2, 3][1:] }} {{ 'hello'[::-1] }} {{ [1,2,3][-1] }}"), "[2, 3] olleh 3");
  EXPECT_EQ(render("{{ none is none }} {{ x is defined }} {{ 3 is odd }} {{ 'a' is string }}"),
            "True False True True");
  EXPECT_EQ(render("{{ {'a': [1, 'x']} | tojson }}"), "{\"a\": [1, \"x\"]}");
  EXPECT_EQ(render("{{ x | default('d') }} {{ '  t ' | trim }} {{ 'A-b' | lower }}"), "d t a-b");
  EXPECT_EQ(render("{{ 'a,b'.split(',') }} {{ 'x'.startswith('x') }} {{ 'Hi'.upper() }}"),
            "['a', 'b'] True HI");
  EXPECT_EQ(render("{{ messages | selectattr('role', 'equalto', 'user') | list | length }}",
                   R"([{"role":"user"},{"role":"system"},{"role":"user"}])"),
            "2");
  EXPECT_EQ(render("{{ messages | map(attribute='role') | join('+') }}",
                   R"([{"role":"user"},{"role":"system"}])"),
            "user+system");
}

TEST(Jinja, ErrorsAreReported) {
  EXPECT_THROW(ChatTemplate("{% if %}"), Error);
  EXPECT_THROW(ChatTemplate("{% for x in y %}"), Error);
  EXPECT_THROW(ChatTemplate("{{ 'unterminated }}"), Error);
  EXPECT_THROW(render("{{ raise_exception('nope') }}"), Error);
  EXPECT_THROW(render("{{ 1 + 'a' }}"), Error);
}

// Python's json.dumps keeps 1.0 a float: a tool call's arguments render as transformers' do.
TEST(ChatTemplate, ToJsonKeepsFloatsAndIntegersApart) {
  const std::string messages =
      R"([{"role": "assistant", "args": {"a": 1.0, "b": 1, "c": 2.5, "d": 1e3, "e": -0.0,)"
      R"( "f": 0.0001, "g": 0.00001, "h": 1e16, "i": 123456789012, "j": 0.1}}])";
  EXPECT_EQ(render("{{ messages[0].args | tojson }}", messages),
            R"({"a": 1.0, "b": 1, "c": 2.5, "d": 1000.0, "e": -0.0, "f": 0.0001, "g": 1e-05,)"
            R"( "h": 1e+16, "i": 123456789012, "j": 0.1})");
  EXPECT_EQ(render("{{ messages[0].args.a }} {{ messages[0].args.b }}", messages), "1.0 1");
}

TEST(Json, NumbersKeepTheirTypeAndMembersTheirOrder) {
  Json j = parseJson<Json>(R"({"i": 3, "f": 3.0, "e": 3e0, "big": 9007199254740993, "neg": -7})");
  EXPECT_TRUE(j["i"].is_number_integer());
  EXPECT_FALSE(j["f"].is_number_integer());
  EXPECT_FALSE(j["e"].is_number_integer());
  EXPECT_EQ(j["big"].get<int64_t>(), 9007199254740993);  // beyond a double's 53 bits
  EXPECT_EQ(j["neg"].get<int64_t>(), -7);
  EXPECT_EQ(toJsonText(j), R"({"i":3,"f":3.0,"e":3.0,"big":9007199254740993,"neg":-7})");
  EXPECT_EQ(pythonFloatRepr(1.5e-7), "1.5e-07");
  EXPECT_EQ(pythonFloatRepr(123.456), "123.456");
  EXPECT_EQ(pythonFloatRepr(1e15), "1000000000000000.0");
}

}  // namespace
}  // namespace wharf::engine
