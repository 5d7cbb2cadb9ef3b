/*===- AotFormat.h - an ahead-of-time artifact's entries and weights -*- C
 *-*-===//
 *
 * Shared by the writer (retnet-compile build) and the reader (the C runtime
 * linked into the artifact, lib/Runtime/Aot).
 *
 * The library defines `retnet_model_id` (int64), `retnet_model_entry_count`
 * (int64, E) and `retnet_model_entries`, E pairs {int64 tokens, entry
 * function}: the chunkwise prefills, longest first, then the decode step
 * (1 token). An entry function is the C interface of a compiled @forward:
 * (logits descriptor out, tokens [1, tokens] i64, the weight arguments, the
 * state [L, 1, H, Dk, Dv] updated in place, position).
 *
 * It also defines `retnet_model_cpu_features`, a NUL-terminated string: the
 * comma-separated names (LLVM's spelling) of the x86 features of
 * RETNET_AOT_X86_FEATURES that its code was compiled for; the runtime
 * refuses to load on a CPU that lacks one.
 *
 * The weights file is little-endian int64 words, then the buffers' bytes:
 *
 *   words 0-4    magic, version, model id (the library's), vocab size V,
 *                entry count E (the library's)
 *   words 5-9    state shape [L, 1, H, Dk, Dv], f32
 *   word 10      buffer count N
 *   E records    of RETNET_AOT_ENTRY_WORDS words: the entry's tokens per
 *                call (the library's), then the buffer of each of its
 *                weight arguments
 *   N records    of RETNET_AOT_BUFFER_WORDS words: element bytes, rank,
 *                shape[RETNET_AOT_MAX_RANK], byte offset, byte size
 *   data         each buffer at its offset, a multiple of 64
 *
 *===----------------------------------------------------------------------===*/
#ifndef RETNET_RUNTIME_AOTFORMAT_H
#define RETNET_RUNTIME_AOTFORMAT_H

/* "RNTAOT01" read as a little-endian int64. */
#define RETNET_AOT_MAGIC 0x3130544f41544e52LL
#define RETNET_AOT_VERSION 1
#define RETNET_AOT_WEIGHT_ARGS 16
#define RETNET_AOT_STATE_RANK 5
#define RETNET_AOT_FIXED_WORDS 11
#define RETNET_AOT_ENTRY_WORDS (1 + RETNET_AOT_WEIGHT_ARGS)
#define RETNET_AOT_MAX_ENTRIES 16
#define RETNET_AOT_MAX_RANK 8
#define RETNET_AOT_BUFFER_WORDS (4 + RETNET_AOT_MAX_RANK)
#define RETNET_AOT_ALIGNMENT 64
/* Bounds far above any RetNet (a 7B model's state is 2^26 floats) that keep
 * a corrupt header from asking for absurd allocations. */
#define RETNET_AOT_MAX_STATE_ELEMENTS (1LL << 28)
#define RETNET_AOT_MAX_PREFILL_TOKENS (1LL << 20)

/* The x86 features that LLVM's code generation may use on its own (vector
 * and bit-manipulation extensions), as X(name, CPUID leaf, subleaf,
 * register 0-3 = EAX-EDX, bit, state) where state is the register state
 * the OS must enable (XCR0): 0 none, 1 AVX (YMM), 2 AVX-512 (also ZMM and
 * the mask registers). */
#define RETNET_AOT_X86_FEATURES(X)                                            \
  X("sse3", 1, 0, 2, 0, 0)                                                    \
  X("ssse3", 1, 0, 2, 9, 0)                                                   \
  X("fma", 1, 0, 2, 12, 1)                                                    \
  X("sse4.1", 1, 0, 2, 19, 0)                                                 \
  X("sse4.2", 1, 0, 2, 20, 0)                                                 \
  X("movbe", 1, 0, 2, 22, 0)                                                  \
  X("popcnt", 1, 0, 2, 23, 0)                                                 \
  X("avx", 1, 0, 2, 28, 1)                                                    \
  X("f16c", 1, 0, 2, 29, 1)                                                   \
  X("bmi", 7, 0, 1, 3, 0)                                                     \
  X("avx2", 7, 0, 1, 5, 1)                                                    \
  X("bmi2", 7, 0, 1, 8, 0)                                                    \
  X("avx512f", 7, 0, 1, 16, 2)                                                \
  X("avx512dq", 7, 0, 1, 17, 2)                                               \
  X("avx512ifma", 7, 0, 1, 21, 2)                                             \
  X("avx512cd", 7, 0, 1, 28, 2)                                               \
  X("avx512bw", 7, 0, 1, 30, 2)                                               \
  X("avx512vl", 7, 0, 1, 31, 2)                                               \
  X("avx512vbmi", 7, 0, 2, 1, 2)                                              \
  X("avx512vbmi2", 7, 0, 2, 6, 2)                                             \
  X("gfni", 7, 0, 2, 8, 0)                                                    \
  X("vpclmulqdq", 7, 0, 2, 10, 1)                                             \
  X("avx512vnni", 7, 0, 2, 11, 2)                                             \
  X("avx512bitalg", 7, 0, 2, 12, 2)                                           \
  X("avx512vpopcntdq", 7, 0, 2, 14, 2)                                        \
  X("avx512fp16", 7, 0, 3, 23, 2)                                             \
  X("avxvnni", 7, 1, 0, 4, 1)                                                 \
  X("avx512bf16", 7, 1, 0, 5, 2)                                              \
  X("lzcnt", 0x80000001, 0, 2, 5, 0)                                          \
  X("sse4a", 0x80000001, 0, 2, 6, 0)

#endif /* RETNET_RUNTIME_AOTFORMAT_H */
