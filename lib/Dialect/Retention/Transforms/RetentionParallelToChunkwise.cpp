//===- RetentionParallelToChunkwise.cpp - parallel -> chunkwise -----------===//

#include "retnet/Dialect/Retention/IR/RetentionOps.h"
#include "retnet/Dialect/Retention/Transforms/Passes.h"
#include "retnet/Dialect/Retention/Transforms/Transforms.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace retnet::retention {
#define GEN_PASS_DEF_RETENTIONPARALLELTOCHUNKWISEPASS
#include "retnet/Dialect/Retention/Transforms/Passes.h.inc"
} // namespace retnet::retention

using namespace mlir;
using namespace retnet::retention;

const char *retnet::retention::whyOnlyParallel(ParallelOp op) {
  if (op.getRowDivisor())
    return "its row_divisor divides each row by a sum over all of the row's "
           "scores, which only the parallel form computes";
  return nullptr;
}

FailureOr<ChunkwiseOp> retnet::retention::convertParallelToChunkwise(
    RewriterBase &rewriter, ParallelOp op, int64_t chunkSize) {
  if (whyOnlyParallel(op))
    return failure();
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(op);
  auto q = op.getQ().getType();
  auto v = op.getV().getType();
  auto stateType = RankedTensorType::get(
      {q.getDimSize(0), q.getDimSize(1), q.getDimSize(3), v.getDimSize(3)},
      rewriter.getF32Type());
  auto chunkwise = ChunkwiseOp::create(
      rewriter, op.getLoc(), op.getO().getType(), stateType, op.getQ(),
      op.getK(), op.getV(), op.getLogDecay(), op.getNormalization(),
      op.getScaleAttr(), /*initial_state=*/Value(), /*position=*/Value(),
      chunkSize);
  rewriter.replaceAllUsesWith(op.getO(), chunkwise.getO());
  rewriter.eraseOp(op);
  return chunkwise;
}

namespace {
struct ParallelToChunkwise : OpRewritePattern<ParallelOp> {
  ParallelToChunkwise(MLIRContext *context, int64_t chunkSize)
      : OpRewritePattern(context), chunkSize(chunkSize) {}
  LogicalResult matchAndRewrite(ParallelOp op,
                                PatternRewriter &rewriter) const override {
    if (const char *why = whyOnlyParallel(op))
      return rewriter.notifyMatchFailure(op, why);
    return convertParallelToChunkwise(rewriter, op, chunkSize);
  }
  int64_t chunkSize;
};

struct RetentionParallelToChunkwisePass
    : retnet::retention::impl::RetentionParallelToChunkwisePassBase<
          RetentionParallelToChunkwisePass> {
  using Base::Base;
  void runOnOperation() override {
    if (chunkSize < 1) {
      getOperation()->emitError() << "retention-parallel-to-chunkwise: "
                                     "chunk-size must be positive, got "
                                  << static_cast<int64_t>(chunkSize);
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    populateParallelToChunkwisePatterns(patterns, chunkSize);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
    // Say why the ops that remain were left alone.
    getOperation()->walk([](ParallelOp op) {
      op.emitRemark() << "not converted to the chunkwise form: "
                      << whyOnlyParallel(op);
    });
  }
};
} // namespace

void retnet::retention::populateParallelToChunkwisePatterns(
    RewritePatternSet &patterns, int64_t chunkSize) {
  patterns.add<ParallelToChunkwise>(patterns.getContext(), chunkSize);
}
