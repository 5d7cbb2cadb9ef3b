//===- RetentionChunkwiseToParallel.cpp - chunkwise -> parallel -----------===//

#include "retnet/Dialect/Retention/IR/RetentionOps.h"
#include "retnet/Dialect/Retention/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

namespace retnet::retention {
#define GEN_PASS_DEF_RETENTIONCHUNKWISETOPARALLELPASS
#include "retnet/Dialect/Retention/Transforms/Passes.h.inc"
} // namespace retnet::retention

using namespace mlir;
using namespace retnet::retention;

namespace {
/// Why `op` cannot be expressed in the parallel form, or null if it can.
const char *whyNotParallel(ChunkwiseOp op) {
  if (op.getInitialState() &&
      !matchPattern(op.getInitialState(), m_AnyZeroFloat()))
    return "it starts from a non-zero initial state";
  if (op.getPosition() && !matchPattern(op.getPosition(), m_Zero()))
    return "its first row is not at position 0";
  if (!op.getFinalState().use_empty())
    return "its final state is used";
  return nullptr;
}

struct RetentionChunkwiseToParallelPass
    : retnet::retention::impl::RetentionChunkwiseToParallelPassBase<
          RetentionChunkwiseToParallelPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    getOperation()->walk([&](ChunkwiseOp op) {
      if (const char *why = whyNotParallel(op)) {
        op.emitRemark() << "not converted to the parallel form: " << why;
        return;
      }
      rewriter.setInsertionPoint(op);
      auto parallel =
          ParallelOp::create(rewriter, op.getLoc(), op.getO().getType(),
                             op.getQ(), op.getK(), op.getV(), op.getLogDecay(),
                             op.getNormalization(), op.getScaleAttr());
      rewriter.replaceAllUsesWith(op.getO(), parallel.getO());
      rewriter.eraseOp(op);
    });
  }
};
} // namespace
