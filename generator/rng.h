// Deterministic pseudo-random streams for the county generator.
//
// Everything the generator makes is a pure function of (seed, keys): a
// stream is seeded by hashing the county seed with the keys that identify
// what is being generated (member index, purpose, plan, row number), so any
// member, row or error decision can be recomputed alone, in any order, on any
// machine. SplitMix64 (Steele, Lea, Flood 2014) is small, fast and passes
// BigCrush; it is not cryptographic, and need not be.
//
// Header-only; value types; not thread-safe per object (use one per thread).
#ifndef HUB_GENERATOR_RNG_H_
#define HUB_GENERATOR_RNG_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace hub::generator {

// The SplitMix64 finalizer: a bijective 64-bit mix.
constexpr uint64_t Mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Combines a hash with one more key.
constexpr uint64_t HashCombine(uint64_t h, uint64_t key) { return Mix64(h ^ Mix64(key)); }

// FNV-1a of a string, mixed: a stable key for plan ids and the like.
constexpr uint64_t HashString(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return Mix64(h);
}

class Rng {
 public:
  explicit constexpr Rng(uint64_t state) : state_(state) {}
  // A stream for (seed, a, b): independent of every other (a, b).
  static constexpr Rng For(uint64_t seed, uint64_t a, uint64_t b = 0) {
    return Rng(HashCombine(HashCombine(Mix64(seed), a), b));
  }

  uint64_t Next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); 0 when n == 0.
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  // Uniform in [lo, hi] (inclusive); lo when hi < lo.
  int64_t Between(int64_t lo, int64_t hi) {
    if (hi <= lo) return lo;
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo) + 1));
  }
  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // True with probability p.
  bool Chance(double p) { return Uniform() < p; }
  // An index drawn with the given non-negative weights; weights.size() - 1 if
  // they sum to 0 (callers never pass an empty span).
  size_t Weighted(std::span<const double> weights) {
    double total = 0;
    for (double w : weights) total += w;
    double x = Uniform() * total;
    for (size_t i = 0; i < weights.size(); ++i) {
      if (x < weights[i]) return i;
      x -= weights[i];
    }
    return weights.size() - 1;
  }
  // A uniformly chosen element. Precondition: !items.empty().
  template <typename T>
  const T& Pick(std::span<const T> items) {
    return items[Below(items.size())];
  }

 private:
  uint64_t state_;
};

}  // namespace hub::generator

#endif  // HUB_GENERATOR_RNG_H_
