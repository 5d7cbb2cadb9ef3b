//===- RetentionToRecurrent.cpp - parallel/chunkwise -> recurrent ---------===//

#include "retnet/Dialect/Retention/IR/RetentionOps.h"
#include "retnet/Dialect/Retention/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace retnet::retention {
#define GEN_PASS_DEF_RETENTIONTORECURRENTPASS
#include "retnet/Dialect/Retention/Transforms/Passes.h.inc"
} // namespace retnet::retention

using namespace mlir;
using namespace retnet::retention;

namespace {
/// Builds the recurrent op for q, k, v starting from `state` (zero if null) at
/// `position` (0 if null).
RecurrentOp buildRecurrent(IRRewriter &rewriter, Operation *op, Value q,
                           Value k, Value v, Value logDecay,
                           NormalizationAttr normalization, FloatAttr scale,
                           Value state, Value position, Type outType) {
  Location loc = op->getLoc();
  if (!state) {
    auto qType = cast<RankedTensorType>(q.getType());
    auto vType = cast<RankedTensorType>(v.getType());
    auto stateType =
        RankedTensorType::get({qType.getDimSize(0), qType.getDimSize(1),
                               qType.getDimSize(3), vType.getDimSize(3)},
                              rewriter.getF32Type());
    state = arith::ConstantOp::create(rewriter, loc,
                                      DenseElementsAttr::get(stateType, 0.0f));
  }
  if (!position)
    position = arith::ConstantIndexOp::create(rewriter, loc, 0);
  return RecurrentOp::create(rewriter, loc, outType, state.getType(), q, k, v,
                             logDecay, normalization, scale, state, position);
}

struct RetentionToRecurrentPass
    : retnet::retention::impl::RetentionToRecurrentPassBase<
          RetentionToRecurrentPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    getOperation()->walk([&](Operation *op) {
      rewriter.setInsertionPoint(op);
      if (auto parallel = dyn_cast<ParallelOp>(op)) {
        RecurrentOp rec = buildRecurrent(
            rewriter, op, parallel.getQ(), parallel.getK(), parallel.getV(),
            parallel.getLogDecay(), parallel.getNormalizationAttr(),
            parallel.getScaleAttr(), Value(), Value(),
            parallel.getO().getType());
        rewriter.replaceOp(op, rec.getO());
      } else if (auto chunk = dyn_cast<ChunkwiseOp>(op)) {
        RecurrentOp rec = buildRecurrent(
            rewriter, op, chunk.getQ(), chunk.getK(), chunk.getV(),
            chunk.getLogDecay(), chunk.getNormalizationAttr(),
            chunk.getScaleAttr(), chunk.getInitialState(), chunk.getPosition(),
            chunk.getO().getType());
        rewriter.replaceOp(op, rec.getResults());
      }
    });
  }
};
} // namespace
