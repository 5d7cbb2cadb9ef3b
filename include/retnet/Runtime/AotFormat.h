/*===- AotFormat.h - the weights file of an ahead-of-time artifact -*- C
 *-*-===//
 *
 * Shared by the writer (retnet-compile build) and the reader (the C runtime
 * linked into the artifact, lib/Runtime/Aot). The file is little-endian
 * int64 words, then the buffers' bytes:
 *
 *   words 0-4    magic, version, model id (the library's retnet_model_id),
 *                vocab size V, prefill tokens P (tokens per call of the
 *                prefill entry)
 *   words 5-9    state shape [L, 1, H, Dk, Dv], f32
 *   word 10      buffer count N
 *   words 11-26  the buffer of each weight argument of the prefill entry
 *   words 27-42  the same for the decode entry
 *   N records    of RETNET_AOT_BUFFER_WORDS words: element bytes, rank,
 *                shape[RETNET_AOT_MAX_RANK], byte offset, byte size
 *   data         each buffer at its offset, a multiple of 64
 *
 * The entries are _mlir_ciface_retnet_prefill and _mlir_ciface_retnet_decode:
 * (logits descriptor out, tokens [1, P or 1] i64, the weight arguments, the
 * state [L, 1, H, Dk, Dv] updated in place, position).
 *
 *===----------------------------------------------------------------------===*/
#ifndef RETNET_RUNTIME_AOTFORMAT_H
#define RETNET_RUNTIME_AOTFORMAT_H

/* "RNTAOT01" read as a little-endian int64. */
#define RETNET_AOT_MAGIC 0x3130544f41544e52LL
#define RETNET_AOT_VERSION 1
#define RETNET_AOT_WEIGHT_ARGS 16
#define RETNET_AOT_STATE_RANK 5
#define RETNET_AOT_HEADER_WORDS (11 + 2 * RETNET_AOT_WEIGHT_ARGS)
#define RETNET_AOT_MAX_RANK 8
#define RETNET_AOT_BUFFER_WORDS (4 + RETNET_AOT_MAX_RANK)
#define RETNET_AOT_ALIGNMENT 64
/* Bounds far above any RetNet (a 7B model's state is 2^26 floats) that keep
 * a corrupt header from asking for absurd allocations. */
#define RETNET_AOT_MAX_STATE_ELEMENTS (1LL << 28)
#define RETNET_AOT_MAX_PREFILL_TOKENS (1LL << 20)

#endif /* RETNET_RUNTIME_AOTFORMAT_H */
