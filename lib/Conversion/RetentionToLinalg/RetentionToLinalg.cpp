//===- RetentionToLinalg.cpp - reference lowering of retention ops --------===//
//
// Lowers the three retention forms to linalg.generic contractions and
// elementwise ops on tensors, with scf.for loops for the chunk and step
// recurrences. This is the executable definition of the dialect: simple,
// f32-accumulating, and checked against an independent numpy reference.
//
//===----------------------------------------------------------------------===//

#include "retnet/Conversion/RetentionToLinalg/RetentionToLinalg.h"
#include "retnet/Dialect/Retention/IR/RetentionOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>

namespace retnet {
#define GEN_PASS_DEF_CONVERTRETENTIONTOLINALGPASS
#include "retnet/Conversion/Passes.h.inc"
} // namespace retnet

using namespace mlir;
using namespace retnet::retention;
using utils::IteratorType;

namespace {
constexpr IteratorType kPar = IteratorType::parallel;
constexpr IteratorType kRed = IteratorType::reduction;

using BodyFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// Emits the reference computation of one retention op. All shapes are
/// static; `batch`, `heads`, `keyDim` and `valueDim` are shared by every
/// piece, sequence lengths vary (whole sequence, chunk, step).
class RetentionEmitter {
public:
  RetentionEmitter(OpBuilder &b, Location loc, Value q, Value k, Value v,
                   Value logDecay, Normalization normalization,
                   std::optional<APFloat> scale, Type outElemType)
      : b(b), loc(loc), q(q), k(k), v(v), logDecay(logDecay),
        normalization(normalization),
        scale(scale ? scale->convertToDouble() : 1.0),
        outElemType(outElemType) {
    auto qType = cast<RankedTensorType>(q.getType());
    batch = qType.getDimSize(0);
    heads = qType.getDimSize(1);
    seq = qType.getDimSize(2);
    keyDim = qType.getDimSize(3);
    valueDim = cast<RankedTensorType>(v.getType()).getDimSize(3);
    DenseFPElementsAttr constant;
    if (matchPattern(logDecay, m_Constant(&constant)))
      constantLogDecay = llvm::to_vector(llvm::map_range(
          constant.getValues<APFloat>(),
          [](const APFloat &f) { return f.convertToDouble(); }));
  }

  Value parallel();
  /// Returns {o, final state}.
  std::pair<Value, Value> chunkwise(int64_t chunkSize, Value initialState,
                                    Value position);
  std::pair<Value, Value> recurrent(Value state, Value position);

private:
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
    return generic({lhs, rhs}, init,
                   {dims(lhsDims), dims(rhsDims), dims({0, 1, 2, 3})},
                   {kPar, kPar, kPar, kPar, kRed},
                   [](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
                     Value prod = arith::MulFOp::create(
                         nb, nloc, toF32(nb, nloc, args[0]),
                         toF32(nb, nloc, args[1]));
                     return arith::AddFOp::create(nb, nloc, args[2], prod);
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
    return math::ExpOp::create(
        nb, nloc, arith::MulFOp::create(nb, nloc, df, logDecay));
  }
  /// expm1(x) for f64 x <= 0, accurate also for |x| near zero, where
  /// exp(x) - 1 would cancel.
  static Value expm1(OpBuilder &nb, Location nloc, Value x) {
    Type f64 = nb.getF64Type();
    auto cst = [&](double c) {
      return arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(f64, c));
    };
    Value big = arith::SubFOp::create(nb, nloc, math::ExpOp::create(nb, nloc, x),
                                      cst(1.0));
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

  /// R[h, a] = scale / sqrt(sum_{i=0..base+a} gamma_h^i), an [H, length] f32
  /// tensor, from the closed form (1 - gamma^(n+1)) / (1 - gamma) in f64.
  Value rowFactors(int64_t length, Value base) {
    if (std::optional<int64_t> first = getConstantIntValue(base);
        first && constantLogDecay)
      return constantRowFactors(length, *first);
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
            Value a = linalg::IndexOp::create(nb, nloc, 1);
            Value n = arith::AddIOp::create(nb, nloc, base, a);
            Value n64 = arith::IndexCastOp::create(nb, nloc, nb.getI64Type(), n);
            Value one =
                arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(f64, 1.0));
            Value count = arith::AddFOp::create(
                nb, nloc, arith::SIToFPOp::create(nb, nloc, f64, n64), one);
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

  /// rowFactors() folded at compile time, for a constant decay and base.
  Value constantRowFactors(int64_t length, int64_t base) {
    SmallVector<float> values;
    for (double ld : *constantLogDecay) {
      for (int64_t a = 0; a < length; ++a) {
        double count = double(base + a + 1);
        double sum = ld == 0.0 ? count : std::expm1(count * ld) / std::expm1(ld);
        values.push_back(normalization == Normalization::SqrtRowSum
                             ? float(scale / std::sqrt(sum))
                             : float(scale));
      }
    }
    auto type = RankedTensorType::get({heads, length}, b.getF32Type());
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, ArrayRef<float>(values)));
  }

  /// W[b,h,a,c] = scores[b,h,a,c] * gamma^(a-c) (* rowFactor[h,a]) for
  /// c <= a, else 0: the causal decay mask applied to a square score block.
  Value applyCausalDecay(Value scores, Value rowFactor) {
    auto type = cast<RankedTensorType>(scores.getType());
    SmallVector<Value> inputs = {scores, logDecay};
    SmallVector<SmallVector<AffineExpr>> maps = {dims({0, 1, 2, 3}),
                                                 dims({1})};
    if (rowFactor) {
      inputs.push_back(rowFactor);
      maps.push_back(dims({1, 2}));
    }
    maps.push_back(dims({0, 1, 2, 3}));
    return generic(
        inputs, emptyTensor(type.getShape(), b.getF32Type()), maps,
        {kPar, kPar, kPar, kPar},
        [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
          Value row = linalg::IndexOp::create(nb, nloc, 2);
          Value col = linalg::IndexOp::create(nb, nloc, 3);
          Value causal = arith::CmpIOp::create(
              nb, nloc, arith::CmpIPredicate::uge, row, col);
          Value zeroIdx = arith::ConstantIndexOp::create(nb, nloc, 0);
          Value dist = arith::SelectOp::create(
              nb, nloc, causal, arith::SubIOp::create(nb, nloc, row, col),
              zeroIdx);
          Value w = arith::MulFOp::create(nb, nloc, args[0],
                                          decayPow(nb, nloc, dist, args[1]));
          if (rowFactor)
            w = arith::MulFOp::create(nb, nloc, w, args[2]);
          Value zero =
              arith::ConstantOp::create(nb, nloc, nb.getF32FloatAttr(0.0f));
          return arith::SelectOp::create(nb, nloc, causal, w, zero);
        });
  }

  /// One chunk of `length` rows at `offset`: writes its outputs into `out`
  /// and returns {out, next state}.
  std::pair<Value, Value> chunk(Value out, Value state, Value offset,
                                int64_t length, Value position);
  std::pair<Value, Value> step(Value out, Value state, Value t,
                               Value position);

  OpBuilder &b;
  Location loc;
  Value q, k, v, logDecay;
  Normalization normalization;
  double scale;
  Type outElemType;
  int64_t batch, heads, seq, keyDim, valueDim;
  /// log(gamma) per head when the decay operand is a constant.
  std::optional<SmallVector<double>> constantLogDecay;
};

Value RetentionEmitter::parallel() {
  // scores[b,h,n,m] = q[b,h,n,:] . k[b,h,m,:]
  Value scores =
      contract(q, {0, 1, 2, 4}, k, {0, 1, 3, 4}, zeros({batch, heads, seq, seq}));
  Value zeroIdx = arith::ConstantIndexOp::create(b, loc, 0);
  Value weights = applyCausalDecay(scores, rowFactors(seq, zeroIdx));
  // o[b,h,n,e] = sum_m weights[b,h,n,m] v[b,h,m,e]
  Value o = contract(weights, {0, 1, 2, 4}, v, {0, 1, 4, 3},
                     zeros({batch, heads, seq, valueDim}));
  if (outElemType.isF32())
    return o;
  return generic({o}, emptyTensor({batch, heads, seq, valueDim}, outElemType),
                 {dims({0, 1, 2, 3}), dims({0, 1, 2, 3})},
                 {kPar, kPar, kPar, kPar},
                 [&](OpBuilder &nb, Location nloc, ValueRange args) {
                   return castOut(nb, nloc, args[0]);
                 });
}

std::pair<Value, Value> RetentionEmitter::chunk(Value out, Value state,
                                                Value offset, int64_t length,
                                                Value position) {
  Value qc = rows(q, offset, length);
  Value kc = rows(k, offset, length);
  Value vc = rows(v, offset, length);
  Value base = arith::AddIOp::create(b, loc, position, offset);

  // inner = (Q K^T * Gamma) V within the chunk.
  Value scores = contract(qc, {0, 1, 2, 4}, kc, {0, 1, 3, 4},
                          zeros({batch, heads, length, length}));
  Value inner = contract(applyCausalDecay(scores, Value()), {0, 1, 2, 4}, vc,
                         {0, 1, 4, 3}, zeros({batch, heads, length, valueDim}));
  // cross = Q S_{j-1}, scaled below by xi[a] = gamma^(a+1).
  Value cross = contract(qc, {0, 1, 2, 4}, state, {0, 1, 4, 3},
                         zeros({batch, heads, length, valueDim}));
  Value oc = generic(
      {inner, cross, logDecay, rowFactors(length, base)},
      emptyTensor({batch, heads, length, valueDim}, outElemType),
      {dims({0, 1, 2, 3}), dims({0, 1, 2, 3}), dims({1}), dims({1, 2}),
       dims({0, 1, 2, 3})},
      {kPar, kPar, kPar, kPar},
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value a = linalg::IndexOp::create(nb, nloc, 2);
        Value a1 = arith::AddIOp::create(
            nb, nloc, a, arith::ConstantIndexOp::create(nb, nloc, 1));
        Value xcross = arith::MulFOp::create(nb, nloc, args[1],
                                             decayPow(nb, nloc, a1, args[2]));
        Value sum = arith::AddFOp::create(nb, nloc, args[0], xcross);
        return castOut(nb, nloc, arith::MulFOp::create(nb, nloc, sum, args[3]));
      });
  out = insertRows(oc, out, offset);

  // S_j = gamma^L S_{j-1} + sum_c gamma^(L-1-c) k_c^T v_c.
  Value lengthIdx = arith::ConstantIndexOp::create(b, loc, length);
  // Updated in place, so that the loop-carried state bufferizes to one buffer.
  Value decayed = generic(
      {logDecay}, state, {dims({1}), dims({0, 1, 2, 3})},
      {kPar, kPar, kPar, kPar},
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        return arith::MulFOp::create(nb, nloc, args[1],
                                     decayPow(nb, nloc, lengthIdx, args[0]));
      });
  Value next = generic(
      {kc, vc, logDecay}, decayed,
      {dims({0, 1, 4, 2}), dims({0, 1, 4, 3}), dims({1}), dims({0, 1, 2, 3})},
      {kPar, kPar, kPar, kPar, kRed},
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        Value c = linalg::IndexOp::create(nb, nloc, 4);
        Value last = arith::ConstantIndexOp::create(nb, nloc, length - 1);
        Value zeta =
            decayPow(nb, nloc, arith::SubIOp::create(nb, nloc, last, c), args[2]);
        Value kv = arith::MulFOp::create(nb, nloc, toF32(nb, nloc, args[0]),
                                         toF32(nb, nloc, args[1]));
        return arith::AddFOp::create(
            nb, nloc, args[3], arith::MulFOp::create(nb, nloc, kv, zeta));
      });
  return {out, next};
}

std::pair<Value, Value> RetentionEmitter::chunkwise(int64_t chunkSize,
                                                    Value initialState,
                                                    Value position) {
  Value out = emptyTensor({batch, heads, seq, valueDim}, outElemType);
  Value state = initialState ? initialState
                             : zeros({batch, heads, keyDim, valueDim});
  if (!position)
    position = arith::ConstantIndexOp::create(b, loc, 0);
  chunkSize = std::min(chunkSize, seq);
  int64_t fullEnd = seq / chunkSize * chunkSize;
  auto loop = scf::ForOp::create(
      b, loc, arith::ConstantIndexOp::create(b, loc, 0),
      arith::ConstantIndexOp::create(b, loc, fullEnd),
      arith::ConstantIndexOp::create(b, loc, chunkSize),
      ValueRange{out, state},
      [&](OpBuilder &nb, Location nloc, Value offset, ValueRange iterArgs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        auto [o, s] =
            chunk(iterArgs[0], iterArgs[1], offset, chunkSize, position);
        scf::YieldOp::create(b, nloc, ValueRange{o, s});
      });
  out = loop.getResult(0);
  state = loop.getResult(1);
  if (fullEnd < seq)
    std::tie(out, state) =
        chunk(out, state, arith::ConstantIndexOp::create(b, loc, fullEnd),
              seq - fullEnd, position);
  return {out, state};
}

std::pair<Value, Value> RetentionEmitter::step(Value out, Value state, Value t,
                                               Value position) {
  Value qt = rows(q, t, 1);
  Value kt = rows(k, t, 1);
  Value vt = rows(v, t, 1);
  // S_t = gamma S_{t-1} + k_t^T v_t, in place.
  AffineExpr zero = b.getAffineConstantExpr(0);
  Value next = generic(
      {kt, vt, logDecay}, state,
      {{b.getAffineDimExpr(0), b.getAffineDimExpr(1), zero,
        b.getAffineDimExpr(2)},
       {b.getAffineDimExpr(0), b.getAffineDimExpr(1), zero,
        b.getAffineDimExpr(3)},
       dims({1}), dims({0, 1, 2, 3})},
      {kPar, kPar, kPar, kPar},
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        Value gamma = math::ExpOp::create(nb, nloc, args[2]);
        Value kv = arith::MulFOp::create(nb, nloc, toF32(nb, nloc, args[0]),
                                         toF32(nb, nloc, args[1]));
        return arith::AddFOp::create(
            nb, nloc, arith::MulFOp::create(nb, nloc, args[3], gamma), kv);
      });
  // o_t = q_t S_t * rowFactor.
  Value qs = contract(qt, {0, 1, 2, 4}, next, {0, 1, 4, 3},
                      zeros({batch, heads, 1, valueDim}));
  Value ot = generic(
      {qs, rowFactors(1, arith::AddIOp::create(b, loc, position, t))},
      emptyTensor({batch, heads, 1, valueDim}, outElemType),
      {dims({0, 1, 2, 3}), dims({1, 2}), dims({0, 1, 2, 3})},
      {kPar, kPar, kPar, kPar},
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        return castOut(nb, nloc,
                       arith::MulFOp::create(nb, nloc, args[0], args[1]));
      });
  return {insertRows(ot, out, t), next};
}

std::pair<Value, Value> RetentionEmitter::recurrent(Value state,
                                                    Value position) {
  Value out = emptyTensor({batch, heads, seq, valueDim}, outElemType);
  auto loop = scf::ForOp::create(
      b, loc, arith::ConstantIndexOp::create(b, loc, 0),
      arith::ConstantIndexOp::create(b, loc, seq),
      arith::ConstantIndexOp::create(b, loc, 1), ValueRange{out, state},
      [&](OpBuilder &nb, Location nloc, Value t, ValueRange iterArgs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        auto [o, s] = step(iterArgs[0], iterArgs[1], t, position);
        scf::YieldOp::create(b, nloc, ValueRange{o, s});
      });
  return {loop.getResult(0), loop.getResult(1)};
}

bool hasStaticShapes(Operation *op) {
  auto isStatic = [](Type t) {
    auto shaped = dyn_cast<ShapedType>(t);
    return !shaped || shaped.hasStaticShape();
  };
  return llvm::all_of(op->getOperandTypes(), isStatic) &&
         llvm::all_of(op->getResultTypes(), isStatic);
}

template <typename OpTy>
RetentionEmitter makeEmitter(OpBuilder &b, OpTy op) {
  return RetentionEmitter(b, op.getLoc(), op.getQ(), op.getK(), op.getV(),
                          op.getLogDecay(), op.getNormalization(),
                          op.getScale(), op.getO().getType().getElementType());
}

struct ConvertRetentionToLinalgPass
    : retnet::impl::ConvertRetentionToLinalgPassBase<
          ConvertRetentionToLinalgPass> {
  void runOnOperation() override {
    bool ok = true;
    getOperation()->walk([&](Operation *op) {
      if (isa<ParallelOp, ChunkwiseOp, RecurrentOp>(op) &&
          !hasStaticShapes(op)) {
        op->emitOpError("lowering to linalg requires static shapes");
        ok = false;
      }
    });
    if (!ok)
      return signalPassFailure();

    SmallVector<Operation *> retentionOps;
    getOperation()->walk([&](Operation *op) {
      if (isa<ParallelOp, ChunkwiseOp, RecurrentOp>(op))
        retentionOps.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (Operation *op : retentionOps) {
      rewriter.setInsertionPoint(op);
      if (auto par = dyn_cast<ParallelOp>(op)) {
        rewriter.replaceOp(op, makeEmitter(rewriter, par).parallel());
      } else if (auto cw = dyn_cast<ChunkwiseOp>(op)) {
        auto [o, s] = makeEmitter(rewriter, cw).chunkwise(
            cw.getChunkSize(), cw.getInitialState(), cw.getPosition());
        rewriter.replaceOp(op, {o, s});
      } else if (auto rec = dyn_cast<RecurrentOp>(op)) {
        auto [o, s] = makeEmitter(rewriter, rec).recurrent(rec.getState(),
                                                           rec.getPosition());
        rewriter.replaceOp(op, {o, s});
      }
    }
  }
};
} // namespace
