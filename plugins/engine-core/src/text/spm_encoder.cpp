#include "spm_encoder.hpp"

#include <cstdio>
#include <queue>

#include "engine/text/unicode.hpp"

namespace wharf::engine {

namespace {

struct Symbol {
  size_t offset;
  size_t length;  // 0 once merged into its left neighbour
  int prev, next;
};

struct Candidate {
  int left, right;
  double score;   // higher merges first
  size_t length;  // of the merged text when the candidate was made
};

struct Lower {
  bool operator()(const Candidate& a, const Candidate& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

}  // namespace

std::string spmByteToken(uint8_t b) {
  char hex[8];
  std::snprintf(hex, sizeof hex, "<0x%02X>", b);
  return hex;
}

void spmEncode(std::string_view text, const SpmVocabulary& v, std::vector<int32_t>& out) {
  std::vector<Symbol> syms;
  for (const Utf8Char& c : decodeUtf8(text)) {
    int index = static_cast<int>(syms.size());
    syms.push_back({c.offset, c.length, index - 1, index + 1});
  }
  if (syms.empty()) return;
  syms.back().next = -1;

  std::priority_queue<Candidate, std::vector<Candidate>, Lower> queue;
  auto lookup = [&](size_t offset, size_t length) -> int32_t {
    auto it = v.ids.find(std::string(text.substr(offset, length)));
    return it == v.ids.end() ? -1 : it->second;
  };
  auto consider = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    const Symbol& l = syms[static_cast<size_t>(left)];
    const Symbol& r = syms[static_cast<size_t>(right)];
    const size_t length = l.length + r.length;
    if (v.merges) {
      int32_t a = lookup(l.offset, l.length), b = a < 0 ? -1 : lookup(r.offset, r.length);
      if (b < 0) return;
      auto it = v.merges->find((static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) |
                               static_cast<uint32_t>(b));
      if (it == v.merges->end()) return;
      queue.push({left, right, -static_cast<double>(it->second >> 32), length});
      return;
    }
    int32_t id = lookup(l.offset, length);
    if (id < 0 || static_cast<size_t>(id) >= v.scores.size()) return;
    queue.push({left, right, v.scores[static_cast<size_t>(id)], length});
  };
  for (size_t i = 1; i < syms.size(); ++i) consider(static_cast<int>(i) - 1, static_cast<int>(i));

  while (!queue.empty()) {
    Candidate c = queue.top();
    queue.pop();
    Symbol& l = syms[static_cast<size_t>(c.left)];
    Symbol& r = syms[static_cast<size_t>(c.right)];
    if (l.length == 0 || r.length == 0 || l.length + r.length != c.length) continue;  // stale
    l.length += r.length;
    r.length = 0;
    l.next = r.next;
    if (r.next >= 0) syms[static_cast<size_t>(r.next)].prev = c.left;
    consider(l.prev, c.left);
    consider(c.left, l.next);
  }

  bool previous_unknown = false;
  for (int i = 0; i != -1; i = syms[static_cast<size_t>(i)].next) {
    const Symbol& s = syms[static_cast<size_t>(i)];
    int32_t id = lookup(s.offset, s.length);
    if (id >= 0) {
      out.push_back(id);
      previous_unknown = false;
      continue;
    }
    // Not a token: an unmerged character. Its bytes, or one unknown token.
    bool bytes = true;
    for (size_t k = 0; k < s.length; ++k)
      bytes = bytes && v.byte_tokens[static_cast<uint8_t>(text[s.offset + k])] >= 0;
    if (bytes) {
      for (size_t k = 0; k < s.length; ++k)
        out.push_back(v.byte_tokens[static_cast<uint8_t>(text[s.offset + k])]);
      previous_unknown = false;
    } else if (v.unknown >= 0 && !(previous_unknown && v.fuse_unknown)) {
      out.push_back(v.unknown);
      previous_unknown = true;
    }
  }
}

}  // namespace wharf::engine
