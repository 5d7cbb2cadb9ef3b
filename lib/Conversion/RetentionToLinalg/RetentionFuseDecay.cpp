//===- RetentionFuseDecay.cpp - decay-fused lowering of retention ---------===//
//
// The optimised lowering of the chunkwise and recurrent forms. Compared with
// the reference lowering:
//  * the decay of the intra-chunk score block is applied in place in the
//    elementwise epilogue of Q K^T (exp of a product of indices and
//    log(gamma)); no decay tensor exists;
//  * gamma^(a+1) and gamma^(L-1-c) are folded into the rows of Q and K once
//    per chunk instead of being recomputed inside the contractions;
//  * q, k, v are converted to f32 once per chunk;
//  * every contraction iterates its reduction in the middle and a contiguous
//    output dimension innermost, so its inner loop is an axpy that LLVM
//    vectorises.
//
//===----------------------------------------------------------------------===//

#include "RetentionEmitter.h"
#include "retnet/Conversion/RetentionToLinalg/RetentionToLinalg.h"
#include "retnet/Support/VectorizeMarker.h"

#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace retnet {
#define GEN_PASS_DEF_RETENTIONFUSEDECAYPASS
#include "retnet/Conversion/Passes.h.inc"
} // namespace retnet

using namespace mlir;
using namespace retnet::retention;
using namespace retnet::detail;

namespace {
class FusedEmitter : public RetentionEmitter {
public:
  using RetentionEmitter::RetentionEmitter;

protected:
  std::pair<Value, Value> chunk(Value out, Value state,
                                const ChunkRows &slice) override;

private:
  /// A contraction over cache-resident chunk tiles, marked for the
  /// register-blocked vector kernels of retnet-vectorize-contractions.
  Value blockedContract(Value lhs, Value rhs, Value init,
                        ArrayRef<unsigned> lhsDims) {
    Value result = contract(lhs, lhsDims, rhs, {0, 1, 3, 4}, init, {0, 1, 2, 4},
                            kInnerParallel, arith::FastMathFlags::contract);
    result.getDefiningOp()->setAttr(retnet::kVectorizeAttrName,
                                    b.getUnitAttr());
    return result;
  }
  /// x[b,h,r,c] (as f32), times gamma^(exponent(r)) when `exponent` is set,
  /// into a fresh f32 tensor; `transpose` swaps the last two dims.
  Value scaledRows(Value x,
                   function_ref<Value(OpBuilder &, Location, Value)> exponent,
                   bool transpose);
};

Value FusedEmitter::scaledRows(
    Value x, function_ref<Value(OpBuilder &, Location, Value)> exponent,
    bool transpose) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape(type.getShape());
  if (transpose)
    std::swap(shape[2], shape[3]);
  // Loops run over the output: (b, h, i, j) reads x[b, h, j, i] if transposed.
  return generic(
      {x, logDecay}, emptyTensor(shape, b.getF32Type()),
      {transpose ? dims({0, 1, 3, 2}) : dims({0, 1, 2, 3}), dims({1}),
       dims({0, 1, 2, 3})},
      {kPar, kPar, kPar, kPar},
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        Value xf = toF32(nb, nloc, args[0]);
        if (!exponent)
          return xf;
        Value row = linalg::IndexOp::create(nb, nloc, transpose ? 3 : 2);
        return arith::MulFOp::create(
            nb, nloc, xf, decayPow(nb, nloc, exponent(nb, nloc, row), args[1]));
      });
}

std::pair<Value, Value> FusedEmitter::chunk(Value out, Value state,
                                            const ChunkRows &slice) {
  Value qc = slice.q, kc = slice.k, vc = slice.v, offset = slice.offset,
        base = slice.base;
  int64_t length = slice.length;
  auto plusOne = [](OpBuilder &nb, Location nloc, Value a) -> Value {
    return arith::AddIOp::create(nb, nloc, a,
                                 arith::ConstantIndexOp::create(nb, nloc, 1));
  };
  auto fromEnd = [length](OpBuilder &nb, Location nloc, Value c) -> Value {
    return arith::SubIOp::create(
        nb, nloc, arith::ConstantIndexOp::create(nb, nloc, length - 1), c);
  };

  Value qf = scaledRows(qc, nullptr, /*transpose=*/false);
  Value kT = scaledRows(kc, nullptr, /*transpose=*/true);
  Value vf =
      outElemType.isF32() ? vc : scaledRows(vc, nullptr, /*transpose=*/false);

  // Scores with the decay applied in place: P = (Q K^T) * Gamma.
  Value scores = blockedContract(qf, kT, zeros({batch, heads, length, length}),
                                 {0, 1, 2, 3});
  Value weights = applyCausalDecay(scores, Value());

  // acc = (Q * xi) S + P V, then the row factors.
  Value qxi = scaledRows(qc, plusOne, /*transpose=*/false);
  Value acc = blockedContract(
      qxi, state, zeros({batch, heads, length, valueDim}), {0, 1, 2, 3});
  acc = blockedContract(weights, vf, acc, {0, 1, 2, 3});
  Value oc = scaleRows(acc, rowFactors(length, base));
  out = insertRows(oc, out, offset);

  // S = gamma^L S + (K * zeta)^T V, in place on the carried state.
  Value decayed = decayState(state, length);
  Value kzeta = scaledRows(kc, fromEnd, /*transpose=*/false);
  Value next = blockedContract(kzeta, vf, decayed, {0, 1, 3, 2});
  return {out, next};
}

struct LoopForms {
  bool operator()(Operation *op) const {
    return isa<ChunkwiseOp, RecurrentOp>(op);
  }
};
struct FusedLowering {
  SmallVector<Value> operator()(OpBuilder &b, Operation *op) const {
    return FusedEmitter(b, op).lowerLoopForm(op);
  }
};

struct RetentionFuseDecayPass
    : retnet::impl::RetentionFuseDecayPassBase<RetentionFuseDecayPass> {
  void runOnOperation() override {
    if (failed(checkStaticShapes(getOperation(), LoopForms())))
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    retnet::populateRetentionFuseDecayPatterns(patterns);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};
} // namespace

void retnet::populateRetentionFuseDecayPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerRetentionPattern<FusedLowering, LoopForms>>(
      patterns.getContext());
}

LogicalResult retnet::lowerRetentionFuseDecay(RewriterBase &rewriter,
                                              Operation *op) {
  return lowerOne<FusedLowering, LoopForms>(rewriter, op);
}
