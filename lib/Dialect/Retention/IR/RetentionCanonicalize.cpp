//===- RetentionCanonicalize.cpp - retention canonicalizations ------------===//

#include "retnet/Dialect/Retention/IR/RetentionOps.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace retnet::retention;

namespace {
/// A chunk longer than the (static) sequence is the whole sequence: clamping
/// the chunk size keeps the per-chunk buffers no larger than needed.
struct ClampChunkSize : OpRewritePattern<ChunkwiseOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ChunkwiseOp op,
                                PatternRewriter &rewriter) const override {
    int64_t seq = op.getQ().getType().getDimSize(2);
    if (ShapedType::isDynamic(seq) || int64_t(op.getChunkSize()) <= seq)
      return failure();
    rewriter.modifyOpInPlace(op, [&] { op.setChunkSize(seq); });
    return success();
  }
};

/// A zero initial state is the default one.
struct DropZeroInitialState : OpRewritePattern<ChunkwiseOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ChunkwiseOp op,
                                PatternRewriter &rewriter) const override {
    Value init = op.getInitialState();
    if (!init || !matchPattern(init, m_AnyZeroFloat()))
      return failure();
    rewriter.modifyOpInPlace(op, [&] { op.getInitialStateMutable().clear(); });
    return success();
  }
};
} // namespace

void ChunkwiseOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<ClampChunkSize, DropZeroInitialState>(context);
}
