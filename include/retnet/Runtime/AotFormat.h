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

#endif /* RETNET_RUNTIME_AOTFORMAT_H */
