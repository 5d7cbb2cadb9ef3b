//===- RetentionToRecurrent.cpp - parallel/chunkwise -> recurrent ---------===//

#include "retnet/Dialect/Retention/IR/RetentionOps.h"
#include "retnet/Dialect/Retention/Transforms/Passes.h"
#include "retnet/Dialect/Retention/Transforms/Transforms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace retnet::retention {
#define GEN_PASS_DEF_RETENTIONTORECURRENTPASS
#include "retnet/Dialect/Retention/Transforms/Passes.h.inc"
} // namespace retnet::retention

using namespace mlir;
using namespace retnet::retention;

FailureOr<RecurrentOp>
retnet::retention::convertToRecurrent(RewriterBase &rewriter,
                                      RetentionOpInterface op) {
  if (isa<RecurrentOp>(op))
    return failure();
  if (auto parallel = dyn_cast<ParallelOp>(op.getOperation());
      parallel && whyOnlyParallel(parallel))
    return failure();
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(op);
  Location loc = op->getLoc();
  OpOperand *stateIn = op.getStateInOperand();
  Value state = stateIn ? stateIn->get() : Value();
  if (!state) {
    auto qType = cast<RankedTensorType>(op.getQ().getType());
    auto vType = cast<RankedTensorType>(op.getV().getType());
    auto stateType =
        RankedTensorType::get({qType.getDimSize(0), qType.getDimSize(1),
                               qType.getDimSize(3), vType.getDimSize(3)},
                              rewriter.getF32Type());
    state = arith::ConstantOp::create(rewriter, loc,
                                      DenseElementsAttr::get(stateType, 0.0f));
  }
  Value position = op.getPosition();
  if (!position)
    position = arith::ConstantIndexOp::create(rewriter, loc, 0);
  FloatAttr scale;
  if (std::optional<APFloat> s = op.getScale())
    scale = rewriter.getF32FloatAttr(s->convertToFloat());
  auto rec = RecurrentOp::create(
      rewriter, loc, op.getO().getType(), state.getType(), op.getQ(), op.getK(),
      op.getV(), op.getLogDecay(),
      NormalizationAttr::get(rewriter.getContext(), op.getNormalization()),
      scale, state, position);
  // A parallel op's replacement leaves the state result unused.
  rewriter.replaceOp(op, rec->getResults().take_front(op->getNumResults()));
  return rec;
}

namespace {
struct ToRecurrent : OpInterfaceRewritePattern<RetentionOpInterface> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;
  LogicalResult matchAndRewrite(RetentionOpInterface op,
                                PatternRewriter &rewriter) const override {
    if (isa<RecurrentOp>(op))
      return rewriter.notifyMatchFailure(op, "already recurrent");
    if (auto parallel = dyn_cast<ParallelOp>(op.getOperation()))
      if (const char *why = whyOnlyParallel(parallel))
        return rewriter.notifyMatchFailure(op, why);
    return convertToRecurrent(rewriter, op);
  }
};

struct RetentionToRecurrentPass
    : retnet::retention::impl::RetentionToRecurrentPassBase<
          RetentionToRecurrentPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateToRecurrentPatterns(patterns);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
    getOperation()->walk([](ParallelOp op) {
      op.emitRemark() << "not converted to the recurrent form: "
                      << whyOnlyParallel(op);
    });
  }
};
} // namespace

void retnet::retention::populateToRecurrentPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ToRecurrent>(patterns.getContext());
}
