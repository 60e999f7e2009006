// GPT-2's reversible byte <-> printable-character mapping used by byte-level BPE vocabularies.
#pragma once

#include <cstdint>

namespace wharf::engine {

// The code point that stands for byte b in vocabulary strings.
uint32_t byteToCodepoint(uint8_t b);
// The byte a vocabulary code point stands for, or -1 when it stands for none.
int byteFromCodepoint(uint32_t cp);

}  // namespace wharf::engine
