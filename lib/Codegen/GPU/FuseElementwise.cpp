//===- FuseElementwise.cpp - elementwise chains into one kernel -----------===//

#include "retnet/Codegen/GPU/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace retnet::gpu {
#define GEN_PASS_DEF_GPUFUSEELEMENTWISEPASS
#include "retnet/Codegen/GPU/Passes.h.inc"
} // namespace retnet::gpu

using namespace mlir;

namespace {
struct GpuFuseElementwisePass
    : retnet::gpu::impl::GpuFuseElementwisePassBase<GpuFuseElementwisePass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    // A producer whose only use is the consumer (nothing is computed twice),
    // neither of them a product: products stay named.
    linalg::ControlFusionFn control = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      return producer && producer->hasOneUse() &&
             !isa<linalg::MatmulOp>(producer) &&
             !isa<linalg::MatmulOp>(fused->getOwner());
    };
    // What linalg-fuse-elementwise-ops applies, with that control.
    linalg::populateElementwiseOpsFusionPatterns(patterns, control);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, control);
    tensor::populateBubbleUpExpandShapePatterns(patterns);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, ctx);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, ctx);
    ctx->getLoadedDialect<linalg::LinalgDialect>()->getCanonicalizationPatterns(
        patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
