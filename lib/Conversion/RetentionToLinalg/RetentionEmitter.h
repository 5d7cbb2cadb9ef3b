//===- RetentionEmitter.h - building retention in linalg --------*- C++ -*-===//
//
// Shared by the reference lowering (convert-retention-to-linalg) and the
// decay-fused lowering (retention-fuse-decay): the linalg/tensor building
// blocks, the row normalisers, and the chunk and step loops. Subclasses say
// what one chunk and one step compute.
//
//===----------------------------------------------------------------------===//
#ifndef RETNET_LIB_CONVERSION_RETENTIONTOLINALG_RETENTIONEMITTER_H
#define RETNET_LIB_CONVERSION_RETENTIONTOLINALG_RETENTIONEMITTER_H

#include "retnet/Dialect/Retention/IR/RetentionOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <optional>

namespace retnet::detail {
// A private header of this folder: the lowering code reads better unqualified.
using namespace ::mlir;
using namespace ::retnet::retention;
using utils::IteratorType;
constexpr IteratorType kPar = IteratorType::parallel;
constexpr IteratorType kRed = IteratorType::reduction;
/// Loop order of a contraction (b, h, i, reduction, j): j innermost, so the
/// inner loop is a contiguous axpy that vectorises.
constexpr IteratorType kInnerParallel[] = {kPar, kPar, kPar, kRed, kPar};

using BodyFn = llvm::function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// Emits the computation of one retention op on tensors. All shapes are
/// static; `batch`, `heads`, `keyDim` and `valueDim` are shared by every
/// piece, sequence lengths vary (whole sequence, chunk, step).
class RetentionEmitter {
public:
  /// Reads q, k, v, the decay and the attributes of a retention op.
  RetentionEmitter(OpBuilder &b, mlir::Operation *op);
  virtual ~RetentionEmitter() = default;

  /// Returns {o, final state}: a loop over the full chunks, then a static
  /// tail chunk when `chunkSize` does not divide the sequence.
  std::pair<Value, Value> chunkwise(int64_t chunkSize, Value initialState,
                                    Value position);
  /// Returns {o, final state}: a loop over the steps.
  std::pair<Value, Value> recurrent(Value state, Value position);
  /// The replacement values of a chunkwise or recurrent op.
  SmallVector<Value> lowerLoopForm(Operation *op);

protected:
  /// The rows of one chunk: q, k, v sliced to [offset, offset + length),
  /// and the op's position (null for 0): row `offset` is at absolute
  /// position `position + offset`.
  struct ChunkRows {
    Value q, k, v, offset;
    int64_t length;
    Value position;
  };
  ChunkRows chunkRows(Value offset, int64_t length, Value position);
  /// One chunk: writes its outputs into `out` and returns {out, next state}.
  virtual std::pair<Value, Value> chunk(Value out, Value state,
                                        const ChunkRows &slice) = 0;
  /// One recurrent step at row `t`: S = gamma S + k_t^T v_t, then
  /// o_t = q_t S (times the row factor); returns {out, next state}.
  std::pair<Value, Value> step(Value out, Value state, Value t, Value position);

  // --- Building blocks ---------------------------------------------------
  Value emptyTensor(ArrayRef<int64_t> shape, Type elemType) {
    return tensor::EmptyOp::create(b, loc, shape, elemType);
  }
  Value zeros(ArrayRef<int64_t> shape) {
    Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
    return linalg::FillOp::create(b, loc, zero,
                                  emptyTensor(shape, b.getF32Type()))
        .getResult(0);
  }
  /// A linalg.generic with one result over `iters.size()` loops; `maps` are
  /// the indexing expressions of the inputs then the init.
  Value generic(ValueRange inputs, Value init,
                ArrayRef<SmallVector<AffineExpr>> maps,
                ArrayRef<IteratorType> iters, BodyFn body) {
    SmallVector<AffineMap> affineMaps;
    for (const SmallVector<AffineExpr> &exprs : maps)
      affineMaps.push_back(
          AffineMap::get(iters.size(), 0, exprs, b.getContext()));
    auto op = linalg::GenericOp::create(
        b, loc, init.getType(), inputs, init, affineMaps, iters,
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          linalg::YieldOp::create(nb, nloc, body(nb, nloc, args));
        });
    return op.getResult(0);
  }
  SmallVector<AffineExpr> dims(ArrayRef<unsigned> positions) {
    SmallVector<AffineExpr> exprs;
    for (unsigned p : positions)
      exprs.push_back(b.getAffineDimExpr(p));
    return exprs;
  }
  /// `init[outMap] += lhs[lhsMap] * rhs[rhsMap]` over five loops, the last a
  /// reduction, accumulating in f32.
  Value contract(Value lhs, ArrayRef<unsigned> lhsDims, Value rhs,
                 ArrayRef<unsigned> rhsDims, Value init) {
    return contract(lhs, lhsDims, rhs, rhsDims, init, {0, 1, 2, 3},
                    {kPar, kPar, kPar, kPar, kRed});
  }
  /// The same with the loop order chosen by the caller: `iters` gives the
  /// iterator type of each loop, `outDims` the loops indexing `init`.
  /// `fastmath` applies to the multiply-add (`contract` lets LLVM fuse it
  /// into an FMA).
  Value contract(Value lhs, ArrayRef<unsigned> lhsDims, Value rhs,
                 ArrayRef<unsigned> rhsDims, Value init,
                 ArrayRef<unsigned> outDims, ArrayRef<IteratorType> iters,
                 arith::FastMathFlags fastmath = arith::FastMathFlags::none) {
    return generic(
        {lhs, rhs}, init, {dims(lhsDims), dims(rhsDims), dims(outDims)}, iters,
        [fastmath](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
          Value prod =
              arith::MulFOp::create(nb, nloc, toF32(nb, nloc, args[0]),
                                    toF32(nb, nloc, args[1]), fastmath);
          return arith::AddFOp::create(nb, nloc, args[2], prod, fastmath);
        });
  }
  /// Rows [offset, offset + length) along the sequence of a [B,H,T,D] tensor.
  Value rows(Value t, Value offset, int64_t length) {
    auto type = cast<RankedTensorType>(t.getType());
    SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(0),
                                         offset, b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {
        b.getIndexAttr(batch), b.getIndexAttr(heads), b.getIndexAttr(length),
        b.getIndexAttr(type.getDimSize(3))};
    SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
    return tensor::ExtractSliceOp::create(b, loc, t, offsets, sizes, strides);
  }
  Value insertRows(Value part, Value into, Value offset) {
    auto type = cast<RankedTensorType>(part.getType());
    SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(0),
                                         offset, b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes;
    for (int64_t d : type.getShape())
      sizes.push_back(b.getIndexAttr(d));
    SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
    return tensor::InsertSliceOp::create(b, loc, part, into, offsets, sizes,
                                         strides);
  }

  static Value toF32(OpBuilder &nb, Location nloc, Value x) {
    if (x.getType().isF32())
      return x;
    return arith::ExtFOp::create(nb, nloc, nb.getF32Type(), x);
  }
  Value castOut(OpBuilder &nb, Location nloc, Value x) const {
    if (outElemType.isF32())
      return x;
    return arith::TruncFOp::create(nb, nloc, outElemType, x);
  }
  /// gamma^d = exp(d * log_decay) for an index distance d >= 0.
  static Value decayPow(OpBuilder &nb, Location nloc, Value distance,
                        Value logDecay) {
    Value d = arith::IndexCastOp::create(nb, nloc, nb.getI64Type(), distance);
    Value df = arith::SIToFPOp::create(nb, nloc, nb.getF32Type(), d);
    return math::ExpOp::create(nb, nloc,
                               arith::MulFOp::create(nb, nloc, df, logDecay));
  }
  /// expm1(x) for f64 x <= 0, accurate also for |x| near zero, where
  /// exp(x) - 1 would cancel.
  static Value expm1(OpBuilder &nb, Location nloc, Value x) {
    Type f64 = nb.getF64Type();
    auto cst = [&](double c) {
      return arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(f64, c));
    };
    Value big = arith::SubFOp::create(
        nb, nloc, math::ExpOp::create(nb, nloc, x), cst(1.0));
    // x + x^2/2 + x^3/6: relative error below x^3/24 < 1e-15 for |x| < 1e-5.
    Value poly = arith::MulFOp::create(
        nb, nloc, x,
        arith::AddFOp::create(
            nb, nloc, cst(1.0),
            arith::MulFOp::create(
                nb, nloc, x,
                arith::AddFOp::create(
                    nb, nloc, cst(0.5),
                    arith::DivFOp::create(nb, nloc, x, cst(6.0))))));
    Value absX = math::AbsFOp::create(nb, nloc, x);
    Value small = arith::CmpFOp::create(nb, nloc, arith::CmpFPredicate::OLT,
                                        absX, cst(1e-5));
    return arith::SelectOp::create(nb, nloc, small, poly, big);
  }

  /// R[h, a] = scale / sqrt(sum_{i=0..n} gamma_h^i) for the row at absolute
  /// position n = position + offset + a (position null for 0), an
  /// [H, length] f32 tensor, from the closed form (1 - gamma^(n+1)) /
  /// (1 - gamma) in f64. The position is unsigned and n + 1 is formed in f64
  /// from it and offset + a + 1 (at most the sequence length): no index
  /// arithmetic on the position, which could wrap around.
  Value rowFactors(int64_t length, Value position, Value offset) {
    std::optional<int64_t> first =
        position ? getConstantIntValue(position) : std::optional<int64_t>(0);
    std::optional<int64_t> rowOffset = getConstantIntValue(offset);
    if (first && rowOffset && constantLogDecay &&
        heads * length <= kMaxFoldedRowFactors)
      return constantRowFactors(length, uint64_t(*first), *rowOffset);
    double s = scale;
    Normalization norm = normalization;
    return generic(
        {logDecay}, emptyTensor({heads, length}, b.getF32Type()),
        {dims({0}), dims({0, 1})}, {kPar, kPar},
        [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
          Type f64 = nb.getF64Type();
          Value scaleF64 =
              arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(f64, s));
          Value factor = scaleF64;
          if (norm == Normalization::SqrtRowSum) {
            auto unsignedToF64 = [&](Value index) -> Value {
              return arith::UIToFPOp::create(
                  nb, nloc, f64,
                  arith::IndexCastUIOp::create(nb, nloc, nb.getI64Type(),
                                               index));
            };
            // offset + a + 1, then the position added in f64.
            Value rows = arith::AddIOp::create(
                nb, nloc, offset,
                arith::AddIOp::create(
                    nb, nloc, linalg::IndexOp::create(nb, nloc, 1),
                    arith::ConstantIndexOp::create(nb, nloc, 1)));
            Value count = unsignedToF64(rows);
            if (position)
              count = arith::AddFOp::create(nb, nloc, unsignedToF64(position),
                                            count);
            Value ld = arith::ExtFOp::create(nb, nloc, f64, args[0]);
            // sum = expm1((n+1) ld) / expm1(ld); n + 1 when gamma == 1.
            Value ratio = arith::DivFOp::create(
                nb, nloc,
                expm1(nb, nloc, arith::MulFOp::create(nb, nloc, count, ld)),
                expm1(nb, nloc, ld));
            Value zero =
                arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(f64, 0.0));
            Value isOne = arith::CmpFOp::create(
                nb, nloc, arith::CmpFPredicate::OEQ, ld, zero);
            Value sum = arith::SelectOp::create(nb, nloc, isOne, count, ratio);
            factor = arith::DivFOp::create(nb, nloc, scaleF64,
                                           math::SqrtOp::create(nb, nloc, sum));
          }
          return arith::TruncFOp::create(nb, nloc, nb.getF32Type(), factor);
        });
  }

  /// Row factors are folded for a constant decay up to this many values
  /// (256 KiB): beyond it, folding would make compile time and memory grow
  /// with the sequence, so the closed form is evaluated in the generated code.
  static constexpr int64_t kMaxFoldedRowFactors = 1 << 16;

  /// rowFactors() folded at compile time, for a constant decay, position
  /// and offset.
  Value constantRowFactors(int64_t length, uint64_t position, int64_t offset) {
    SmallVector<float> values;
    for (double ld : *constantLogDecay) {
      for (int64_t a = 0; a < length; ++a) {
        double count = double(position) + double(offset + a + 1);
        double sum =
            ld == 0.0 ? count : std::expm1(count * ld) / std::expm1(ld);
        values.push_back(normalization == Normalization::SqrtRowSum
                             ? float(scale / std::sqrt(sum))
                             : float(scale));
      }
    }
    auto type = RankedTensorType::get({heads, length}, b.getF32Type());
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, ArrayRef<float>(values)));
  }

  /// scores[b,h,a,c] *= gamma^(n-m) (* rowFactor[h,a]) for m <= n, else 0,
  /// with n = rowOffset + a and m = colOffset + c (offsets default to 0):
  /// the causal decay mask applied in place on a block of scores, each decay
  /// power computed from the indices where it is used.
  Value applyCausalDecay(Value scores, Value rowFactor, Value rowOffset = {},
                         Value colOffset = {}) {
    SmallVector<Value> inputs = {logDecay};
    SmallVector<SmallVector<AffineExpr>> maps = {dims({1})};
    if (rowFactor) {
      inputs.push_back(rowFactor);
      maps.push_back(dims({1, 2}));
    }
    maps.push_back(dims({0, 1, 2, 3}));
    return generic(
        inputs, scores, maps, {kPar, kPar, kPar, kPar},
        [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
          Value row = linalg::IndexOp::create(nb, nloc, 2);
          Value col = linalg::IndexOp::create(nb, nloc, 3);
          if (rowOffset)
            row = arith::AddIOp::create(nb, nloc, rowOffset, row);
          if (colOffset)
            col = arith::AddIOp::create(nb, nloc, colOffset, col);
          Value causal = arith::CmpIOp::create(
              nb, nloc, arith::CmpIPredicate::uge, row, col);
          Value zeroIdx = arith::ConstantIndexOp::create(nb, nloc, 0);
          Value dist = arith::SelectOp::create(
              nb, nloc, causal, arith::SubIOp::create(nb, nloc, row, col),
              zeroIdx);
          Value w = arith::MulFOp::create(nb, nloc, args.back(),
                                          decayPow(nb, nloc, dist, args[0]));
          if (rowFactor)
            w = arith::MulFOp::create(nb, nloc, w, args[1]);
          Value zero =
              arith::ConstantOp::create(nb, nloc, nb.getF32FloatAttr(0.0f));
          return arith::SelectOp::create(nb, nloc, causal, w, zero);
        });
  }

  /// state *= gamma^length, in place, so that a loop-carried state
  /// bufferizes to one buffer.
  Value decayState(Value state, int64_t length) {
    Value lengthIdx = arith::ConstantIndexOp::create(b, loc, length);
    return generic({logDecay}, state, {dims({1}), dims({0, 1, 2, 3})},
                   {kPar, kPar, kPar, kPar},
                   [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
                     return arith::MulFOp::create(
                         nb, nloc, args[1],
                         decayPow(nb, nloc, lengthIdx, args[0]));
                   });
  }

  /// One recurrent state update S = gamma S + k_t^T v_t, in place, for the
  /// single-row slices kt, vt; the value dim is the innermost loop.
  Value stepState(Value state, Value kt, Value vt) {
    AffineExpr zero = b.getAffineConstantExpr(0);
    AffineExpr d0 = b.getAffineDimExpr(0), d1 = b.getAffineDimExpr(1);
    return generic({kt, vt, logDecay}, state,
                   {{d0, d1, zero, b.getAffineDimExpr(2)},
                    {d0, d1, zero, b.getAffineDimExpr(3)},
                    dims({1}),
                    dims({0, 1, 2, 3})},
                   {kPar, kPar, kPar, kPar},
                   [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
                     Value gamma = math::ExpOp::create(nb, nloc, args[2]);
                     Value kv = arith::MulFOp::create(nb, nloc,
                                                      toF32(nb, nloc, args[0]),
                                                      toF32(nb, nloc, args[1]));
                     return math::FmaOp::create(nb, nloc, args[3], gamma, kv);
                   });
  }

  /// out[b,h,a,e] = acc[b,h,a,e] * rowFactor[h,a], in the output type.
  Value scaleRows(Value acc, Value rowFactor) {
    auto type = cast<RankedTensorType>(acc.getType());
    return generic({acc, rowFactor}, emptyTensor(type.getShape(), outElemType),
                   {dims({0, 1, 2, 3}), dims({1, 2}), dims({0, 1, 2, 3})},
                   {kPar, kPar, kPar, kPar},
                   [&](OpBuilder &nb, Location nloc, ValueRange args) {
                     return castOut(
                         nb, nloc,
                         arith::MulFOp::create(nb, nloc, args[0], args[1]));
                   });
  }

  OpBuilder &b;
  Location loc;
  Value q, k, v, logDecay;
  Normalization normalization;
  double scale;
  Type outElemType;
  int64_t batch, heads, seq, keyDim, valueDim;
  /// log(gamma) per head when the decay operand is a constant.
  std::optional<SmallVector<double>> constantLogDecay;
  /// A parallel op's `row_divisor`, if it has one.
  RowDivisorAttr rowDivisor;

  /// out[b,h,a,e] = acc[b,h,a,e] / clamp(rowSum[b,h,a], min, max) (the
  /// absolute value of rowSum for abs_of_sum) with the bounds of
  /// `rowDivisor`, in the output type.
  Value divideByRowSum(Value acc, Value rowSum) {
    auto type = cast<RankedTensorType>(acc.getType());
    float lo = rowDivisor.getMin().convertToFloat();
    float hi = rowDivisor.getMax().convertToFloat();
    bool absOfSum = rowDivisor.getKind() == RowDivisorKind::AbsOfSum;
    return generic(
        {acc, rowSum}, emptyTensor(type.getShape(), outElemType),
        {dims({0, 1, 2, 3}), dims({0, 1, 2}), dims({0, 1, 2, 3})},
        {kPar, kPar, kPar, kPar},
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value loV =
              arith::ConstantOp::create(nb, nloc, nb.getF32FloatAttr(lo));
          Value hiV =
              arith::ConstantOp::create(nb, nloc, nb.getF32FloatAttr(hi));
          Value sum =
              absOfSum ? math::AbsFOp::create(nb, nloc, args[1]) : args[1];
          Value clamped = arith::MinimumFOp::create(
              nb, nloc, arith::MaximumFOp::create(nb, nloc, sum, loV), hiV);
          return castOut(nb, nloc,
                         arith::DivFOp::create(nb, nloc, args[0], clamped));
        });
  }
  /// rowSum[b,h,a] += sum_c |weights[b,h,a,c]| (sum_of_abs) or
  /// sum_c weights[b,h,a,c] (abs_of_sum).
  Value accumulateRowSum(Value weights, Value rowSum) {
    bool sumOfAbs = rowDivisor.getKind() == RowDivisorKind::SumOfAbs;
    return generic({weights}, rowSum, {dims({0, 1, 2, 3}), dims({0, 1, 2})},
                   {kPar, kPar, kPar, kRed},
                   [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
                     Value w = sumOfAbs
                                   ? math::AbsFOp::create(nb, nloc, args[0])
                                   : args[0];
                     return arith::AddFOp::create(nb, nloc, args[1], w);
                   });
  }
};

/// True when every operand and result of `op` has a static shape.
bool hasStaticShapes(mlir::Operation *op);

/// Emits an error on every retention op under `root` accepted by `filter`
/// that has a dynamic shape; fails if there is one.
llvm::LogicalResult
checkStaticShapes(mlir::Operation *root,
                  llvm::function_ref<bool(mlir::Operation *)> filter);

/// Replaces `op` by the values `Lower` emits for it when it is a retention
/// op with static shapes accepted by `Filter`; fails without rewriting
/// otherwise.
template <typename Lower, typename Filter>
llvm::LogicalResult lowerOne(mlir::RewriterBase &rewriter,
                             mlir::Operation *op) {
  if (!isa<RetentionOpInterface>(op) || !Filter()(op) || !hasStaticShapes(op))
    return llvm::failure();
  mlir::OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(op);
  rewriter.replaceOp(op, Lower()(rewriter, op));
  return llvm::success();
}

/// The pattern form of lowerOne: the lowerings' pattern sets.
template <typename Lower, typename Filter>
struct LowerRetentionPattern
    : mlir::OpInterfaceRewritePattern<RetentionOpInterface> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;
  llvm::LogicalResult
  matchAndRewrite(RetentionOpInterface op,
                  mlir::PatternRewriter &rewriter) const override {
    return lowerOne<Lower, Filter>(rewriter, op);
  }
};

} // namespace retnet::detail

#endif // RETNET_LIB_CONVERSION_RETENTIONTOLINALG_RETENTIONEMITTER_H
