//===- Transforms.h - retention rewrites shared by passes -------*- C++ -*-===//
#ifndef RETNET_DIALECT_RETENTION_TRANSFORMS_TRANSFORMS_H
#define RETNET_DIALECT_RETENTION_TRANSFORMS_TRANSFORMS_H

#include "retnet/Dialect/Retention/IR/RetentionOps.h"

#include "mlir/IR/PatternMatch.h"

namespace retnet::retention {
/// Replaces `op` by a chunkwise op with no initial state and the given chunk
/// size (the same function) and returns it; its final state is unused.
ChunkwiseOp convertParallelToChunkwise(mlir::RewriterBase &rewriter,
                                       ParallelOp op, int64_t chunkSize);
} // namespace retnet::retention

#endif // RETNET_DIALECT_RETENTION_TRANSFORMS_TRANSFORMS_H
