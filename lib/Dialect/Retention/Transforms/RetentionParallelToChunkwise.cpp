//===- RetentionParallelToChunkwise.cpp - parallel -> chunkwise -----------===//

#include "retnet/Dialect/Retention/IR/RetentionOps.h"
#include "retnet/Dialect/Retention/Transforms/Passes.h"
#include "retnet/Dialect/Retention/Transforms/Transforms.h"

#include "mlir/IR/PatternMatch.h"

namespace retnet::retention {
#define GEN_PASS_DEF_RETENTIONPARALLELTOCHUNKWISEPASS
#include "retnet/Dialect/Retention/Transforms/Passes.h.inc"
} // namespace retnet::retention

using namespace mlir;
using namespace retnet::retention;

ChunkwiseOp retnet::retention::convertParallelToChunkwise(
    RewriterBase &rewriter, ParallelOp op, int64_t chunkSize) {
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
    IRRewriter rewriter(&getContext());
    getOperation()->walk([&](ParallelOp op) {
      convertParallelToChunkwise(rewriter, op, chunkSize);
    });
  }
};
} // namespace
