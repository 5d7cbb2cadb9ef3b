//===- ApproximateMath.cpp - vectorisable f32 exp and erf -----------------===//

#include "retnet/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Approximation.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace retnet::cpu {
#define GEN_PASS_DEF_APPROXIMATEMATHPASS
#include "retnet/Codegen/CPU/Passes.h.inc"
} // namespace retnet::cpu

using namespace mlir;

void retnet::cpu::populateApproximateMathPatterns(RewritePatternSet &patterns) {
  populateMathPolynomialApproximationPatterns(patterns, [](StringRef name) {
    return name == math::ExpOp::getOperationName() ||
           name == math::ErfOp::getOperationName();
  });
}

namespace {
struct ApproximateMathPass
    : retnet::cpu::impl::ApproximateMathPassBase<ApproximateMathPass> {
  void runOnOperation() override {
    // Scalars only: the loops around them are what LLVM vectorises, and
    // upstream's rewrites of vector operands crash in this MLIR release.
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (isa<math::ExpOp, math::ErfOp>(op) &&
          op->getResultTypes().front().isF32())
        ops.push_back(op);
    });
    RewritePatternSet patterns(&getContext());
    retnet::cpu::populateApproximateMathPatterns(patterns);
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
    if (failed(applyOpPatternsGreedily(ops, std::move(patterns), config)))
      return signalPassFailure();
  }
};
} // namespace
