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
/// 8 rows fill AVX2's 16 vector registers; see hostRegisterRows().
inline constexpr int64_t kRegisterRows = 8;
inline constexpr int64_t kRegisterCols = 16;
/// Most rows of A a task of a matrix product covers: the task reuses each
/// packed weight panel (K x 16 f32: 32-55 KiB at the model's K) from L1/L2
/// for all of its row blocks, instead of streaming the whole weight from L3
/// once per register block of rows.
inline constexpr int64_t kTaskRows = 64;
/// Most rows of A a task covers when its B (over kCachedWeightBytes) comes
/// from memory: B is read once per row tile, and 256 rows of A (512 KiB at
/// K = 512) still stay in L2 while the task's panels go by.
inline constexpr int64_t kStreamedTaskRows = 256;
inline constexpr int64_t kCachedWeightBytes = int64_t(16) << 20;
/// Independent tasks a matrix product is split into for the worker threads.
inline constexpr int64_t kTasks = 16;

/// Fewest loop iterations a task of an op outside the products may hold: a
/// fork and join of the worker threads costs a few microseconds.
inline constexpr int64_t kMinTaskWork = 16384;

/// Register block rows for the host CPU: 16 where it has AVX-512's 32
/// vector registers (16 accumulators then keep its two FMA ports busy
/// through their latency), kRegisterRows otherwise.
int64_t hostRegisterRows();
/// Register block rows for a CPU with (or without) AVX-512.
inline int64_t registerRowsFor(bool avx512) {
  return avx512 ? 16 : kRegisterRows;
}

/// The largest divisor of `n` that is at most `cap` (at least 1).
inline int64_t largestDivisorUpTo(int64_t n, int64_t cap) {
  for (int64_t t = n < cap ? n : cap; t > 1; --t)
    if (n % t == 0)
      return t;
  return 1;
}
} // namespace retnet::cpu

#endif // RETNET_CODEGEN_CPU_TILING_H
