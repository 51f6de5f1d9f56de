// The X12 separators and element helpers both X12 writers use (the 834 and
// the 837P). Internal to adapters/writers/.
#ifndef HUB_ADAPTERS_WRITERS_X12_SYNTAX_H_
#define HUB_ADAPTERS_WRITERS_X12_SYNTAX_H_

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace hub::adapters::x12_syntax {

inline constexpr char kElement = '*';
inline constexpr char kComponent = ':';
inline constexpr char kRepetition = '^';
inline constexpr char kTerminator = '~';

// True if `value` holds a separator (or a line break) and so cannot be
// written as one element.
inline bool HasSeparator(std::string_view value) {
  return value.find_first_of(std::string{kElement, kComponent, kRepetition, kTerminator, '\r',
                                         '\n'}) != std::string_view::npos;
}

// One segment's elements joined by kElement, trailing empty elements
// dropped, as X12 requires.
inline std::string Join(std::initializer_list<std::string_view> elements) {
  std::vector<std::string_view> v(elements);
  while (v.size() > 1 && v.back().empty()) v.pop_back();
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out.push_back(kElement);
    out.append(v[i]);
  }
  return out;
}

// `value` cut or space-padded to `width` (the ISA's fixed-width elements).
inline std::string Pad(std::string_view value, size_t width) {
  std::string out(value.substr(0, width));
  out.resize(width, ' ');
  return out;
}

}  // namespace hub::adapters::x12_syntax

#endif  // HUB_ADAPTERS_WRITERS_X12_SYNTAX_H_
