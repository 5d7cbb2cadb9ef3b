//===- Transforms.h - retention rewrite patterns ----------------*- C++ -*-===//
//
// The form conversions as pattern sets, for passes here and for other
// compilers' pattern drivers. Each pattern replaces one op by an op of
// another form computing the same function.
//
//===----------------------------------------------------------------------===//
#ifndef RETNET_DIALECT_RETENTION_TRANSFORMS_TRANSFORMS_H
#define RETNET_DIALECT_RETENTION_TRANSFORMS_TRANSFORMS_H

#include "retnet/Dialect/Retention/IR/RetentionOps.h"

#include "mlir/IR/PatternMatch.h"

namespace retnet::retention {

/// Replaces `op` by a chunkwise op with no initial state and the given chunk
/// size (the same function) and returns it; its final state is unused. Fails
/// without rewriting where whyOnlyParallel(op) says why.
mlir::FailureOr<ChunkwiseOp>
convertParallelToChunkwise(mlir::RewriterBase &rewriter, ParallelOp op,
                           int64_t chunkSize);

/// Replaces a parallel or chunkwise `op` by the recurrent op over its rows,
/// starting from its initial state (zero if none) at its position (0 if
/// none), and returns it; fails without rewriting on a recurrent op and on a
/// parallel op that only the parallel form computes (whyOnlyParallel).
mlir::FailureOr<RecurrentOp> convertToRecurrent(mlir::RewriterBase &rewriter,
                                                RetentionOpInterface op);

/// Replaces `op` by the parallel op computing the same function and returns
/// it; fails without rewriting where whyNotParallel(op) says why.
mlir::FailureOr<ParallelOp>
convertChunkwiseToParallel(mlir::RewriterBase &rewriter, ChunkwiseOp op);

/// parallel -> chunkwise with `chunkSize` (positive) rows per chunk.
void populateParallelToChunkwisePatterns(mlir::RewritePatternSet &patterns,
                                         int64_t chunkSize);

/// parallel and chunkwise -> recurrent (from a zero state at position 0
/// where the op has none).
void populateToRecurrentPatterns(mlir::RewritePatternSet &patterns);

/// chunkwise -> parallel, where the chunkwise op is the parallel function
/// (see whyNotParallel).
void populateChunkwiseToParallelPatterns(mlir::RewritePatternSet &patterns);

/// Retention written in linalg on tensors -> retention ops (see
/// retention-raise): the parallel form as torch-mlir exports the reference
/// implementation (masks evaluated at compile time up to `maxMaskElements`
/// per tensor), and the recurrence as an scf.for over the positions.
void populateRaiseRetentionPatterns(mlir::RewritePatternSet &patterns,
                                    int64_t maxMaskElements);

/// Why only the parallel form computes `op` (its `row_divisor` needs every
/// score of a row), or null when the loop forms compute it too.
const char *whyOnlyParallel(ParallelOp op);

/// Why `op` is not the parallel function (a non-zero initial state, a first
/// row not at position 0, a used final state), or null when it is.
const char *whyNotParallel(ChunkwiseOp op);

} // namespace retnet::retention

#endif // RETNET_DIALECT_RETENTION_TRANSFORMS_TRANSFORMS_H
