//===- LowerPacks.cpp - linalg.pack as pad, reshape and transpose ---------===//

#include "retnet/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace retnet::cpu {
#define GEN_PASS_DEF_LOWERPACKSPASS
#include "retnet/Codegen/CPU/Passes.h.inc"
} // namespace retnet::cpu

using namespace mlir;

namespace {
struct LowerPack : OpRewritePattern<linalg::PackOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::PackOp op,
                                PatternRewriter &rewriter) const override {
    return linalg::lowerPack(rewriter, op);
  }
};

struct LowerPacksPass : retnet::cpu::impl::LowerPacksPassBase<LowerPacksPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    retnet::cpu::populateLowerPacksPatterns(patterns);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};
} // namespace

void retnet::cpu::populateLowerPacksPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerPack>(patterns.getContext());
}
