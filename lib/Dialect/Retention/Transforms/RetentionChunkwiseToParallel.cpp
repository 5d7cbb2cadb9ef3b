//===- RetentionChunkwiseToParallel.cpp - chunkwise -> parallel -----------===//

#include "retnet/Dialect/Retention/IR/RetentionOps.h"
#include "retnet/Dialect/Retention/Transforms/Passes.h"
#include "retnet/Dialect/Retention/Transforms/Transforms.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace retnet::retention {
#define GEN_PASS_DEF_RETENTIONCHUNKWISETOPARALLELPASS
#include "retnet/Dialect/Retention/Transforms/Passes.h.inc"
} // namespace retnet::retention

using namespace mlir;
using namespace retnet::retention;

const char *retnet::retention::whyNotParallel(ChunkwiseOp op) {
  if (op.getInitialState() &&
      !matchPattern(op.getInitialState(), m_AnyZeroFloat()))
    return "it starts from a non-zero initial state";
  if (op.getPosition() && !matchPattern(op.getPosition(), m_Zero()))
    return "its first row is not at position 0";
  if (!op.getFinalState().use_empty())
    return "its final state is used";
  return nullptr;
}

FailureOr<ParallelOp>
retnet::retention::convertChunkwiseToParallel(RewriterBase &rewriter,
                                              ChunkwiseOp op) {
  if (whyNotParallel(op))
    return failure();
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(op);
  auto parallel = ParallelOp::create(
      rewriter, op.getLoc(), op.getO().getType(), op.getQ(), op.getK(),
      op.getV(), op.getLogDecay(), op.getNormalization(), op.getScaleAttr(),
      /*row_divisor=*/nullptr);
  rewriter.replaceAllUsesWith(op.getO(), parallel.getO());
  rewriter.eraseOp(op);
  return parallel;
}

namespace {
struct ChunkwiseToParallel : OpRewritePattern<ChunkwiseOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ChunkwiseOp op,
                                PatternRewriter &rewriter) const override {
    if (const char *why = whyNotParallel(op))
      return rewriter.notifyMatchFailure(op, why);
    return convertChunkwiseToParallel(rewriter, op);
  }
};

struct RetentionChunkwiseToParallelPass
    : retnet::retention::impl::RetentionChunkwiseToParallelPassBase<
          RetentionChunkwiseToParallelPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateChunkwiseToParallelPatterns(patterns);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
    // Say why the ops that remain were left alone.
    getOperation()->walk([](ChunkwiseOp op) {
      op.emitRemark() << "not converted to the parallel form: "
                      << whyNotParallel(op);
    });
  }
};
} // namespace

void retnet::retention::populateChunkwiseToParallelPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ChunkwiseToParallel>(patterns.getContext());
}
