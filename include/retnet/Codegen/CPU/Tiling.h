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
/// width is the register block's width, so that one panel row is one or two
/// loads (but at most kVectorLanes for a product of a single row, which
/// streams many narrow panels side by side faster).
/// 8 rows fill AVX2's 16 vector registers; see registerBlockFor().
inline constexpr int64_t kRegisterRows = 8;
inline constexpr int64_t kRegisterCols = 16;
/// f32 lanes of one AVX-512 (two AVX2) register: a register block's width
/// is a multiple of it, or at most it.
inline constexpr int64_t kVectorLanes = 16;
/// f32 lanes of an AVX512-BF16 dot product (`vdpbf16ps` on one AVX-512
/// register: 16 lanes, each the sum of two bf16 products): the panel width
/// of bf16 weights packed in pairs of K.
inline constexpr int64_t kDotLanes = 16;
/// Most K iterations of a product's K block: a 256 x 32 f32 slice of a
/// packed panel (32 KiB) and the 8 rows of A a register block streams
/// through it (8 KiB) fit in a 48 KiB L1 together.
inline constexpr int64_t kBlockK = 256;
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

struct RegisterBlock {
  int64_t rows, cols;
};
/// The register block for a CPU with (or without) AVX-512: with its 32
/// vector registers, 8 rows of two registers (16 accumulators keep both FMA
/// ports busy through their latency, and each broadcast element of A feeds
/// two FMAs: 10 loads per 16 FMAs instead of 17 with 16 rows of one
/// register, which this machine's load ports cannot sustain); otherwise
/// kRegisterRows x kRegisterCols.
inline RegisterBlock registerBlockFor(bool avx512) {
  return avx512 ? RegisterBlock{8, 32}
                : RegisterBlock{kRegisterRows, kRegisterCols};
}
/// registerBlockFor() the host CPU.
RegisterBlock hostRegisterBlock();
/// Whether the host CPU has AVX512-BF16 dot products (`vdpbf16ps`).
bool hostHasBF16Dot();
/// The register block for code whose products over many rows and over a
/// single row must share their packed weights (an artifact's prefill and
/// decode entries, which share one weights file): one register wide, so
/// that both pack panels of kVectorLanes; 16 rows with AVX-512.
inline RegisterBlock sharedPanelRegisterBlockFor(bool avx512) {
  return avx512 ? RegisterBlock{16, kVectorLanes}
                : RegisterBlock{kRegisterRows, kVectorLanes};
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
