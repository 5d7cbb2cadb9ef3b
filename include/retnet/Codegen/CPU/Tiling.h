//===- Tiling.h - the host CPU's tile and block sizes -----------*- C++ -*-===//
//
// The one definition of each size the CPU code generation uses by default;
// the passes of Codegen/CPU take them as options.
//
//===----------------------------------------------------------------------===//
#ifndef RETNET_CODEGEN_CPU_TILING_H
#define RETNET_CODEGEN_CPU_TILING_H

#include <cstdint>

namespace retnet::cpu {
/// Register block of a vectorised contraction: rows (accumulators) and f32
/// lanes per row (two AVX2 or one AVX-512 register). A packed weight's panel
/// width is the register block's width, so that one panel row is one load.
inline constexpr int64_t kRegisterRows = 8;
inline constexpr int64_t kRegisterCols = 16;
/// Independent tasks a matrix product is split into for the worker threads.
inline constexpr int64_t kTasks = 16;

/// The largest divisor of `n` that is at most `cap` (at least 1).
inline int64_t largestDivisorUpTo(int64_t n, int64_t cap) {
  for (int64_t t = n < cap ? n : cap; t > 1; --t)
    if (n % t == 0)
      return t;
  return 1;
}
} // namespace retnet::cpu

#endif // RETNET_CODEGEN_CPU_TILING_H
