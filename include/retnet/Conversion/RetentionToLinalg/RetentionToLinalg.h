//===- RetentionToLinalg.h - retention to linalg lowering -------*- C++ -*-===//
#ifndef RETNET_CONVERSION_RETENTIONTOLINALG_RETENTIONTOLINALG_H
#define RETNET_CONVERSION_RETENTIONTOLINALG_RETENTIONTOLINALG_H

#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"

namespace retnet {

/// The reference lowering of all three forms with static shapes to linalg on
/// tensors (convert-retention-to-linalg).
void populateRetentionToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// The decay-fused lowering of chunkwise and recurrent ops with static shapes
/// (retention-fuse-decay).
void populateRetentionFuseDecayPatterns(mlir::RewritePatternSet &patterns);

/// Replaces one chunkwise or recurrent op with static shapes by its
/// decay-fused lowering; fails without rewriting otherwise.
llvm::LogicalResult lowerRetentionFuseDecay(mlir::RewriterBase &rewriter,
                                            mlir::Operation *op);

#define GEN_PASS_DECL_CONVERTRETENTIONTOLINALGPASS
#define GEN_PASS_DECL_RETENTIONFUSEDECAYPASS
#include "retnet/Conversion/Passes.h.inc"
} // namespace retnet

#endif // RETNET_CONVERSION_RETENTIONTOLINALG_RETENTIONTOLINALG_H
