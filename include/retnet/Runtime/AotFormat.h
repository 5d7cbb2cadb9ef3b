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
 * comma-separated names (LLVM's spelling) of every x86 feature CPUID tells
 * that its code was compiled for (RETNET_AOT_X86_FEATURES and
 * RETNET_AOT_X86_VERSIONED_FEATURES below); the runtime refuses to load on
 * a CPU that lacks one.
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

/* Every x86 feature that CPUID tells (LLVM's getHostCPUFeatures: the code of
 * an artifact may use any of those its target has), as
 * X(name, CPUID leaf, subleaf, register 0-3 = EAX-EDX, bit, state) where
 * state is the register state the OS must enable (XCR0): 0 none, 1 AVX
 * (YMM), 2 AVX-512 (also ZMM and the mask registers), 3 AMX (tile
 * configuration and data), 4 APX (the extended general registers). The
 * conditions are LLVM's (fma, xsave, vaes... also need the AVX state),
 * APX's state added. The writer refuses a target feature CPUID tells that
 * neither table holds, so that the runtime checks everything the code was
 * compiled for. */
#define RETNET_AOT_X86_FEATURES(X)                                             \
  X("cx8", 1, 0, 3, 8, 0)                                                      \
  X("cmov", 1, 0, 3, 15, 0)                                                    \
  X("mmx", 1, 0, 3, 23, 0)                                                     \
  X("fxsr", 1, 0, 3, 24, 0)                                                    \
  X("sse", 1, 0, 3, 25, 0)                                                     \
  X("sse2", 1, 0, 3, 26, 0)                                                    \
  X("sse3", 1, 0, 2, 0, 0)                                                     \
  X("pclmul", 1, 0, 2, 1, 0)                                                   \
  X("ssse3", 1, 0, 2, 9, 0)                                                    \
  X("fma", 1, 0, 2, 12, 1)                                                     \
  X("cx16", 1, 0, 2, 13, 0)                                                    \
  X("sse4.1", 1, 0, 2, 19, 0)                                                  \
  X("sse4.2", 1, 0, 2, 20, 0)                                                  \
  X("crc32", 1, 0, 2, 20, 0)                                                   \
  X("movbe", 1, 0, 2, 22, 0)                                                   \
  X("popcnt", 1, 0, 2, 23, 0)                                                  \
  X("aes", 1, 0, 2, 25, 0)                                                     \
  X("xsave", 1, 0, 2, 26, 1)                                                   \
  X("avx", 1, 0, 2, 28, 1)                                                     \
  X("f16c", 1, 0, 2, 29, 1)                                                    \
  X("rdrnd", 1, 0, 2, 30, 0)                                                   \
  X("fsgsbase", 7, 0, 1, 0, 0)                                                 \
  X("sgx", 7, 0, 1, 2, 0)                                                      \
  X("bmi", 7, 0, 1, 3, 0)                                                      \
  X("avx2", 7, 0, 1, 5, 1)                                                     \
  X("bmi2", 7, 0, 1, 8, 0)                                                     \
  X("invpcid", 7, 0, 1, 10, 0)                                                 \
  X("rtm", 7, 0, 1, 11, 0)                                                     \
  X("avx512f", 7, 0, 1, 16, 2)                                                 \
  X("avx512dq", 7, 0, 1, 17, 2)                                                \
  X("rdseed", 7, 0, 1, 18, 0)                                                  \
  X("adx", 7, 0, 1, 19, 0)                                                     \
  X("avx512ifma", 7, 0, 1, 21, 2)                                              \
  X("clflushopt", 7, 0, 1, 23, 0)                                              \
  X("clwb", 7, 0, 1, 24, 0)                                                    \
  X("avx512cd", 7, 0, 1, 28, 2)                                                \
  X("sha", 7, 0, 1, 29, 0)                                                     \
  X("avx512bw", 7, 0, 1, 30, 2)                                                \
  X("avx512vl", 7, 0, 1, 31, 2)                                                \
  X("avx512vbmi", 7, 0, 2, 1, 2)                                               \
  X("pku", 7, 0, 2, 4, 0)                                                      \
  X("waitpkg", 7, 0, 2, 5, 0)                                                  \
  X("avx512vbmi2", 7, 0, 2, 6, 2)                                              \
  X("shstk", 7, 0, 2, 7, 0)                                                    \
  X("gfni", 7, 0, 2, 8, 0)                                                     \
  X("vaes", 7, 0, 2, 9, 1)                                                     \
  X("vpclmulqdq", 7, 0, 2, 10, 1)                                              \
  X("avx512vnni", 7, 0, 2, 11, 2)                                              \
  X("avx512bitalg", 7, 0, 2, 12, 2)                                            \
  X("avx512vpopcntdq", 7, 0, 2, 14, 2)                                         \
  X("rdpid", 7, 0, 2, 22, 0)                                                   \
  X("kl", 7, 0, 2, 23, 0)                                                      \
  X("cldemote", 7, 0, 2, 25, 0)                                                \
  X("movdiri", 7, 0, 2, 27, 0)                                                 \
  X("movdir64b", 7, 0, 2, 28, 0)                                               \
  X("enqcmd", 7, 0, 2, 29, 0)                                                  \
  X("uintr", 7, 0, 3, 5, 0)                                                    \
  X("avx512vp2intersect", 7, 0, 3, 8, 2)                                       \
  X("serialize", 7, 0, 3, 14, 0)                                               \
  X("tsxldtrk", 7, 0, 3, 16, 0)                                                \
  X("pconfig", 7, 0, 3, 18, 0)                                                 \
  X("amx-bf16", 7, 0, 3, 22, 3)                                                \
  X("avx512fp16", 7, 0, 3, 23, 2)                                              \
  X("amx-tile", 7, 0, 3, 24, 3)                                                \
  X("amx-int8", 7, 0, 3, 25, 3)                                                \
  X("sha512", 7, 1, 0, 0, 0)                                                   \
  X("sm3", 7, 1, 0, 1, 0)                                                      \
  X("sm4", 7, 1, 0, 2, 0)                                                      \
  X("raoint", 7, 1, 0, 3, 0)                                                   \
  X("avxvnni", 7, 1, 0, 4, 1)                                                  \
  X("avx512bf16", 7, 1, 0, 5, 2)                                               \
  X("cmpccxadd", 7, 1, 0, 7, 0)                                                \
  X("amx-fp16", 7, 1, 0, 21, 3)                                                \
  X("hreset", 7, 1, 0, 22, 0)                                                  \
  X("avxifma", 7, 1, 0, 23, 1)                                                 \
  X("movrs", 7, 1, 0, 31, 0)                                                   \
  X("avxvnniint8", 7, 1, 3, 4, 1)                                              \
  X("avxneconvert", 7, 1, 3, 5, 1)                                             \
  X("amx-complex", 7, 1, 3, 8, 3)                                              \
  X("avxvnniint16", 7, 1, 3, 10, 1)                                            \
  X("prefetchi", 7, 1, 3, 14, 0)                                               \
  X("usermsr", 7, 1, 3, 15, 0)                                                 \
  X("egpr", 7, 1, 3, 21, 4)                                                    \
  X("push2pop2", 7, 1, 3, 21, 4)                                               \
  X("ppx", 7, 1, 3, 21, 4)                                                     \
  X("ndd", 7, 1, 3, 21, 4)                                                     \
  X("ccmp", 7, 1, 3, 21, 4)                                                    \
  X("nf", 7, 1, 3, 21, 4)                                                      \
  X("cf", 7, 1, 3, 21, 4)                                                      \
  X("zu", 7, 1, 3, 21, 4)                                                      \
  X("xsaveopt", 13, 1, 0, 0, 1)                                                \
  X("xsavec", 13, 1, 0, 1, 1)                                                  \
  X("xsaves", 13, 1, 0, 3, 1)                                                  \
  X("ptwrite", 0x14, 0, 1, 4, 0)                                               \
  X("widekl", 0x19, 0, 1, 2, 0)                                                \
  X("amx-fp8", 0x1e, 1, 0, 4, 3)                                               \
  X("amx-transpose", 0x1e, 1, 0, 5, 3)                                         \
  X("amx-tf32", 0x1e, 1, 0, 6, 3)                                              \
  X("amx-avx512", 0x1e, 1, 0, 7, 3)                                            \
  X("amx-movrs", 0x1e, 1, 0, 8, 3)                                             \
  X("sahf", 0x80000001, 0, 2, 0, 0)                                            \
  X("lzcnt", 0x80000001, 0, 2, 5, 0)                                           \
  X("sse4a", 0x80000001, 0, 2, 6, 0)                                           \
  X("prfchw", 0x80000001, 0, 2, 8, 0)                                          \
  X("xop", 0x80000001, 0, 2, 11, 1)                                            \
  X("lwp", 0x80000001, 0, 2, 15, 0)                                            \
  X("fma4", 0x80000001, 0, 2, 16, 1)                                           \
  X("tbm", 0x80000001, 0, 2, 21, 0)                                            \
  X("mwaitx", 0x80000001, 0, 2, 29, 0)                                         \
  X("64bit", 0x80000001, 0, 3, 29, 0)                                          \
  X("clzero", 0x80000008, 0, 1, 0, 0)                                          \
  X("rdpru", 0x80000008, 0, 1, 4, 0)                                           \
  X("wbnoinvd", 0x80000008, 0, 1, 9, 0)

/* Features CPUID tells by a version number: X(name, version), AVX10 of at
 * least that version (CPUID 7.1 EDX bit 19 and leaf 0x24 EBX[7:0]), with the
 * AVX-512 state. */
#define RETNET_AOT_X86_VERSIONED_FEATURES(X)                                   \
  X("avx10.1", 1)                                                              \
  X("avx10.2", 2)

#endif /* RETNET_RUNTIME_AOTFORMAT_H */
