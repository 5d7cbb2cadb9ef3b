//===- RetentionFuseDecay.cpp - decay-fused lowering of retention ---------===//
//
// The optimised lowering of the three forms. Compared with the reference
// lowering:
//  * the decay of the intra-chunk score block is applied in place in the
//    elementwise epilogue of Q K^T (exp of a product of indices and
//    log(gamma)); no decay tensor exists;
//  * gamma^(a+1) and gamma^(L-1-c) are folded into the rows of Q and K once
//    per chunk instead of being recomputed inside the contractions;
//  * q, k, v are converted to f32 once per chunk;
//  * every contraction iterates its reduction in the middle and a contiguous
//    output dimension innermost, so its inner loop is an axpy that LLVM
//    vectorises;
//  * the parallel form (which retention-tile turns into the chunkwise form
//    unless it has a `row_divisor`) runs over blocks of query and key
//    rows, so that no T x T tensor exists.
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
  Value parallel();

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

  /// Rows of a parallel op's outputs and what every key block adds to them.
  struct QueryBlock {
    Value q, rowFactors, row0; // q [B,H,L,Dk] (f32), factors [H,L]
    int64_t length;
  };
  /// One key block of `length` rows at `key0`: acc += W V and, with
  /// row_divisor, rowSum += sum |W|, where W = (Q K^T) * gamma^(n-m) times
  /// the row factor for m <= n, else 0. Returns {acc, rowSum}.
  std::pair<Value, Value> keyBlock(const QueryBlock &rows, Value key0,
                                   int64_t length, Value acc, Value rowSum);
  /// The outputs of the rows of `rows`: the full key blocks [0, fullKeys)
  /// then, when `tailKeys` is set, the static tail block at `fullKeyEnd`.
  Value queryBlock(const QueryBlock &rows, Value fullKeys, int64_t tailKeys);

  /// Rows and columns of a parallel op's f32 operands and its block size.
  Value qf, kT, vf;
  int64_t block = 0, fullEnd = 0;
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
  Value qc = slice.q, kc = slice.k, vc = slice.v, offset = slice.offset;
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
  Value oc = scaleRows(acc, rowFactors(length, slice.position, offset));
  out = insertRows(oc, out, offset);

  // S = gamma^L S + (K * zeta)^T V, in place on the carried state.
  Value decayed = decayState(state, length);
  Value kzeta = scaledRows(kc, fromEnd, /*transpose=*/false);
  Value next = blockedContract(kzeta, vf, decayed, {0, 1, 3, 2});
  return {out, next};
}

std::pair<Value, Value> FusedEmitter::keyBlock(const QueryBlock &rows,
                                               Value key0, int64_t length,
                                               Value acc, Value rowSum) {
  auto kType = cast<RankedTensorType>(kT.getType());
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(0),
                                       b.getIndexAttr(0), key0};
  SmallVector<OpFoldResult> sizes = {
      b.getIndexAttr(batch), b.getIndexAttr(heads),
      b.getIndexAttr(kType.getDimSize(2)), b.getIndexAttr(length)};
  SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
  Value kTj =
      tensor::ExtractSliceOp::create(b, loc, kT, offsets, sizes, strides);
  Value vj = this->rows(vf, key0, length);

  Value scores = blockedContract(
      rows.q, kTj, zeros({batch, heads, rows.length, length}), {0, 1, 2, 3});
  // Decay in place from the absolute distance n - m of each entry.
  Value weights = applyCausalDecay(scores, rows.rowFactors, rows.row0, key0);
  if (rowDivisor)
    rowSum = accumulateRowSum(weights, rowSum);
  return {blockedContract(weights, vj, acc, {0, 1, 2, 3}), rowSum};
}

Value FusedEmitter::queryBlock(const QueryBlock &rows, Value fullKeys,
                               int64_t tailKeys) {
  Value acc = zeros({batch, heads, rows.length, valueDim});
  Value rowSum = zeros({batch, heads, rows.length});
  auto loop = scf::ForOp::create(
      b, loc, arith::ConstantIndexOp::create(b, loc, 0), fullKeys,
      arith::ConstantIndexOp::create(b, loc, block), ValueRange{acc, rowSum},
      [&](OpBuilder &nb, Location nloc, Value key0, ValueRange iterArgs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        auto [a, s] = keyBlock(rows, key0, block, iterArgs[0], iterArgs[1]);
        scf::YieldOp::create(b, nloc, ValueRange{a, s});
      });
  acc = loop.getResult(0);
  rowSum = loop.getResult(1);
  if (tailKeys)
    std::tie(acc, rowSum) =
        keyBlock(rows, arith::ConstantIndexOp::create(b, loc, fullEnd),
                 tailKeys, acc, rowSum);
  if (rowDivisor)
    return divideByRowSum(acc, rowSum);
  return generic(
      {acc}, emptyTensor({batch, heads, rows.length, valueDim}, outElemType),
      {dims({0, 1, 2, 3}), dims({0, 1, 2, 3})}, {kPar, kPar, kPar, kPar},
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        return castOut(nb, nloc, args[0]);
      });
}

Value FusedEmitter::parallel() {
  // 64 x 64 f32 weights (16 KiB) stay in L1, as the chunkwise form's scores.
  block = std::min<int64_t>(seq, 64);
  fullEnd = seq / block * block;
  bool f32 = outElemType.isF32();
  qf = f32 ? q : scaledRows(q, nullptr, /*transpose=*/false);
  kT = scaledRows(k, nullptr, /*transpose=*/true);
  vf = f32 ? v : scaledRows(v, nullptr, /*transpose=*/false);
  Value factors = rowFactors(seq, /*position=*/nullptr,
                             arith::ConstantIndexOp::create(b, loc, 0));
  auto factorRows = [&](Value row0, int64_t length) -> Value {
    SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), row0};
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(heads),
                                       b.getIndexAttr(length)};
    SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
    return tensor::ExtractSliceOp::create(b, loc, factors, offsets, sizes,
                                          strides);
  };
  // Full query blocks see the full key blocks up to their own.
  Value out = emptyTensor({batch, heads, seq, valueDim}, outElemType);
  auto loop = scf::ForOp::create(
      b, loc, arith::ConstantIndexOp::create(b, loc, 0),
      arith::ConstantIndexOp::create(b, loc, fullEnd),
      arith::ConstantIndexOp::create(b, loc, block), ValueRange{out},
      [&](OpBuilder &nb, Location nloc, Value row0, ValueRange iterArgs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        Value keyEnd = arith::AddIOp::create(
            b, nloc, row0, arith::ConstantIndexOp::create(b, nloc, block));
        Value o = queryBlock(
            {rows(qf, row0, block), factorRows(row0, block), row0, block},
            keyEnd, /*tailKeys=*/0);
        scf::YieldOp::create(b, nloc, insertRows(o, iterArgs[0], row0));
      });
  out = loop.getResult(0);
  if (fullEnd == seq)
    return out;
  // The tail block sees every full key block and itself.
  Value row0 = arith::ConstantIndexOp::create(b, loc, fullEnd);
  int64_t tail = seq - fullEnd;
  Value o = queryBlock(
      {rows(qf, row0, tail), factorRows(row0, tail), row0, tail}, row0, tail);
  return insertRows(o, out, row0);
}

struct AnyForm {
  bool operator()(Operation *) const { return true; }
};
struct FusedLowering {
  SmallVector<Value> operator()(OpBuilder &b, Operation *op) const {
    FusedEmitter emitter(b, op);
    if (isa<ParallelOp>(op))
      return {emitter.parallel()};
    return emitter.lowerLoopForm(op);
  }
};

struct RetentionFuseDecayPass
    : retnet::impl::RetentionFuseDecayPassBase<RetentionFuseDecayPass> {
  void runOnOperation() override {
    if (failed(checkStaticShapes(getOperation(), AnyForm())))
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    retnet::populateRetentionFuseDecayPatterns(patterns);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};
} // namespace

void retnet::populateRetentionFuseDecayPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerRetentionPattern<FusedLowering, AnyForm>>(
      patterns.getContext());
}

LogicalResult retnet::lowerRetentionFuseDecay(RewriterBase &rewriter,
                                              Operation *op) {
  return lowerOne<FusedLowering, AnyForm>(rewriter, op);
}
