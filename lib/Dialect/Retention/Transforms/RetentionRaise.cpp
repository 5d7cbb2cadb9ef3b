//===- RetentionRaise.cpp - retention out of linalg on tensors ------------===//
//
// Finds the parallel form of retention as exporters from PyTorch write it in
// linalg on tensors (torch-mlir's output for the reference implementation's
// MultiScaleRetention):
//
//   S = expand(batch_matmul(collapse(q), collapse(transpose(k))))  [B,H,T,T]
//   W = S * mask                      mask [H,T,T], broadcast over the batch
//   P = W / clamp(rowsum(W))          optional: the reference's row divisor
//   o = expand(batch_matmul(collapse(P), collapse(v)))             [B,H,T,Dv]
//
// and replaces o by a retention.parallel op when the mask, evaluated at
// compile time from the constants it is computed from, is the decay mask
// gamma_h^(n-m) (divided by sqrt(sum_{i<=n} gamma_h^i) or not) for one
// constant gamma per head. Near-misses get a remark saying why.
//
// Also the recurrent form as a loop over the positions:
//
//   scf.for t = 0 to T iter_args(S, O):
//     S' = S * gamma[h] + k[t]^T v[t]     (one elementwise generic)
//     o  = q[t] S'                        (a contraction over the key dim)
//     yield S', insert_slice(o, O, row t)
//
// becomes a retention.recurrent op (no row normalisation) from S's initial
// value at position 0.
//
//===----------------------------------------------------------------------===//

#include "ConstantEvaluator.h"
#include "retnet/Dialect/Retention/IR/RetentionOps.h"
#include "retnet/Dialect/Retention/Transforms/Passes.h"
#include "retnet/Dialect/Retention/Transforms/Transforms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

#include <cmath>
#include <limits>

namespace retnet::retention {
#define GEN_PASS_DEF_RETENTIONRAISEPASS
#include "retnet/Dialect/Retention/Transforms/Passes.h.inc"
} // namespace retnet::retention

using namespace mlir;
using namespace retnet::retention;
using namespace retnet::retention::detail;

namespace {
/// The 4-D source of a collapse_shape [[0, 1], [2], [3]] (batch and heads
/// folded into one batch dimension).
Value uncollapsed(Value v) {
  auto collapse = v.getDefiningOp<tensor::CollapseShapeOp>();
  if (!collapse || collapse.getSrcType().getRank() != 4 ||
      collapse.getReassociationIndices() !=
          SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}})
    return {};
  return collapse.getSrc();
}

bool isZeroFill(Value v) {
  auto fill = v.getDefiningOp<linalg::FillOp>();
  return fill && matchPattern(fill.value(), m_AnyZeroFloat());
}

/// The batch_matmul of `expanded` = expand_shape(batch_matmul(...)) back to
/// [B, H, ., .], accumulating into zeros.
linalg::BatchMatmulOp expandedProduct(Value expanded) {
  auto expand = expanded.getDefiningOp<tensor::ExpandShapeOp>();
  if (!expand || expand.getResultType().getRank() != 4 ||
      expand.getReassociationIndices() !=
          SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}})
    return {};
  auto product = expand.getSrc().getDefiningOp<linalg::BatchMatmulOp>();
  if (!product || product.hasUserDefinedMaps() ||
      !isZeroFill(product.getDpsInits()[0]))
    return {};
  return product;
}

bool allParallel(linalg::GenericOp op) {
  return llvm::all_of(op.getIteratorTypesArray(), [](utils::IteratorType t) {
    return t == utils::IteratorType::parallel;
  });
}

/// The only op of `op`'s body when the body is that op and the yield of its
/// result.
template <typename OpTy> OpTy soleBodyOp(linalg::GenericOp op) {
  Block *body = op.getBlock();
  if (body->getOperations().size() != 2)
    return {};
  auto inner = dyn_cast<OpTy>(body->front());
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  if (!inner || yield.getNumOperands() != 1 ||
      yield.getOperand(0) != inner->getResult(0))
    return {};
  return inner;
}

AffineMap identity(MLIRContext *ctx) {
  return AffineMap::getMultiDimIdentityMap(4, ctx);
}
/// (d0, d1, d2, d3) -> (d0, d1, d2, 0): one value per row.
AffineMap perRow(MLIRContext *ctx) {
  return AffineMap::get(4, 0,
                        {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx),
                         getAffineDimExpr(2, ctx),
                         getAffineConstantExpr(0, ctx)},
                        ctx);
}

/// Whether `map` reads a mask broadcast over the batch: (d1, d2, d3) of an
/// [H, T, T] mask, or (0 or d0, d1, d2, d3) of a [1, H, T, T] one.
bool isPerHead(AffineMap map, Value mask) {
  MLIRContext *ctx = map.getContext();
  SmallVector<AffineExpr> tail = {getAffineDimExpr(1, ctx),
                                  getAffineDimExpr(2, ctx),
                                  getAffineDimExpr(3, ctx)};
  ArrayRef<AffineExpr> results = map.getResults();
  if (results.size() == 3)
    return results == ArrayRef<AffineExpr>(tail);
  auto type = cast<RankedTensorType>(mask.getType());
  return results.size() == 4 && type.getDimSize(0) == 1 &&
         results.drop_front() == ArrayRef<AffineExpr>(tail) &&
         (results[0] == getAffineConstantExpr(0, ctx) ||
          results[0] == getAffineDimExpr(0, ctx));
}

/// W = S * mask, S = q k^T: returns {S, mask}.
std::optional<std::pair<Value, Value>> matchMaskProduct(Value w) {
  auto op = w.getDefiningOp<linalg::GenericOp>();
  if (!op || op.getNumDpsInputs() != 2 || op.getNumLoops() != 4 ||
      !allParallel(op))
    return std::nullopt;
  auto mul = soleBodyOp<arith::MulFOp>(op);
  Block *body = op.getBlock();
  if (!mul || mul.getLhs() == mul.getRhs() ||
      !llvm::is_contained(body->getArguments().take_front(2), mul.getLhs()) ||
      !llvm::is_contained(body->getArguments().take_front(2), mul.getRhs()))
    return std::nullopt;
  MLIRContext *ctx = op.getContext();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  for (unsigned s = 0; s < 2; ++s) {
    Value scores = op.getDpsInputs()[s], mask = op.getDpsInputs()[1 - s];
    if (expandedProduct(scores) && maps[s] == identity(ctx) &&
        maps[2] == identity(ctx) && isPerHead(maps[1 - s], mask))
      return std::make_pair(scores, mask);
  }
  return std::nullopt;
}

/// Whether every indexing map of `op` is the identity: an elementwise op on
/// tensors of one shape.
bool allIdentity(linalg::GenericOp op) {
  return llvm::all_of(op.getIndexingMapsArray(),
                      [](AffineMap m) { return m.isIdentity(); });
}

/// An elementwise generic with one input whose body is one `OpTy` of that
/// input.
template <typename OpTy> Value unaryInput(Value v) {
  auto op = v.getDefiningOp<linalg::GenericOp>();
  if (!op || op.getNumDpsInputs() != 1 || !allParallel(op) || !allIdentity(op))
    return {};
  OpTy inner = soleBodyOp<OpTy>(op);
  if (!inner || inner->getNumOperands() != 1 ||
      inner->getOperand(0) != op.getBlock()->getArgument(0))
    return {};
  return op.getDpsInputs()[0];
}

/// Whether `add` adds a body's first two arguments: the element and the
/// accumulator of a reduction.
bool addsInputToAccumulator(arith::AddFOp add, Block &body) {
  Value in = body.getArgument(0), acc = body.getArgument(1);
  return (add.getLhs() == in && add.getRhs() == acc) ||
         (add.getLhs() == acc && add.getRhs() == in);
}

/// rowsum(x)[b,h,n,0] = sum_m x[b,h,n,m] into zeros, as a generic or as an
/// expand_shape of a linalg.reduce: returns x.
Value rowSumInput(Value v) {
  if (auto expand = v.getDefiningOp<tensor::ExpandShapeOp>()) {
    auto reduce = expand.getSrc().getDefiningOp<linalg::ReduceOp>();
    if (!reduce || reduce.getDimensions() != ArrayRef<int64_t>{3} ||
        reduce.getNumDpsInputs() != 1 ||
        expand.getReassociationIndices() !=
            SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}} ||
        !isZeroFill(reduce.getDpsInits()[0]))
      return {};
    Block &body = reduce.getRegion().front();
    auto add = dyn_cast<arith::AddFOp>(body.front());
    auto yield = dyn_cast<linalg::YieldOp>(body.getTerminator());
    if (!add || body.getOperations().size() != 2 ||
        !addsInputToAccumulator(add, body) || !yield ||
        yield.getNumOperands() != 1 || yield.getOperand(0) != add.getResult())
      return {};
    return reduce.getInputs()[0];
  }
  auto op = v.getDefiningOp<linalg::GenericOp>();
  if (!op || op.getNumDpsInputs() != 1 || op.getNumLoops() != 4 ||
      op.getIteratorTypesArray().back() != utils::IteratorType::reduction ||
      !isZeroFill(op.getDpsInits()[0]))
    return {};
  MLIRContext *ctx = op.getContext();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  auto add = soleBodyOp<arith::AddFOp>(op);
  if (!add || !addsInputToAccumulator(add, *op.getBlock()) ||
      maps[0] != identity(ctx) || maps[1] != perRow(ctx))
    return {};
  return op.getDpsInputs()[0];
}

/// The bounds of a clamp written as an elementwise generic of cmpf/select
/// (or min/max) against constants; checked by evaluating the body at every
/// constant it compares with, just above and below, and around the bounds.
std::optional<std::pair<float, float>> clampBounds(linalg::GenericOp op) {
  SmallVector<double> probes = {0.0, 1e-30, 1e30,
                                std::numeric_limits<float>::max()};
  for (Operation &inner : op.getBlock()->without_terminator()) {
    if (!isa<arith::CmpFOp, arith::SelectOp, arith::MaximumFOp,
             arith::MinimumFOp, arith::MaxNumFOp, arith::MinNumFOp,
             arith::ConstantOp>(inner))
      return std::nullopt;
  }
  op.getBlock()->walk([&](Operation *inner) {
    for (Value operand : inner->getOperands()) {
      FloatAttr c;
      if (matchPattern(operand, m_Constant(&c))) {
        float f = float(c.getValueAsDouble());
        probes.append(
            {f, std::nextafter(f, -INFINITY), std::nextafter(f, INFINITY)});
      }
    }
  });
  FailureOr<double> lo = evaluateUnaryBody(op, 0.0);
  double largest = std::numeric_limits<float>::max();
  FailureOr<double> hi = evaluateUnaryBody(op, largest);
  if (failed(lo) || failed(hi) || !(*lo > 0.0))
    return std::nullopt;
  double upper = *hi == largest ? INFINITY : *hi;
  for (double probe : probes) {
    // The input is a finite f32 and an absolute value (a clamp at the
    // largest float is no bound for it).
    double x = double(float(probe));
    if (x < 0.0 || !std::isfinite(x))
      continue;
    FailureOr<double> y = evaluateUnaryBody(op, x);
    if (failed(y) || *y != std::min(std::max(x, *lo), upper))
      return std::nullopt;
  }
  return std::make_pair(float(*lo), float(upper));
}

/// 1 / x as an elementwise generic: returns x.
Value reciprocalInput(Value v) {
  auto op = v.getDefiningOp<linalg::GenericOp>();
  if (!op || op.getNumDpsInputs() != 1 || !allParallel(op) || !allIdentity(op))
    return {};
  auto div = soleBodyOp<arith::DivFOp>(op);
  if (!div || div.getRhs() != op.getBlock()->getArgument(0) ||
      !matchPattern(div.getLhs(), m_OneFloat()))
    return {};
  return op.getDpsInputs()[0];
}

/// P = W / clamp(rowsum |W|) or W / clamp(|rowsum W|) (a division, or a
/// product with the reciprocal): returns W and the divisor.
std::optional<std::pair<Value, RowDivisorAttr>> matchRowDivision(Value p) {
  auto op = p.getDefiningOp<linalg::GenericOp>();
  if (!op || op.getNumDpsInputs() != 2 || op.getNumLoops() != 4 ||
      !allParallel(op))
    return std::nullopt;
  MLIRContext *ctx = op.getContext();
  Block *body = op.getBlock();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (maps[0] != identity(ctx) || maps[1] != perRow(ctx) ||
      maps[2] != identity(ctx))
    return std::nullopt;
  Value w = op.getDpsInputs()[0], divisor;
  if (auto div = soleBodyOp<arith::DivFOp>(op);
      div && div.getLhs() == body->getArgument(0) &&
      div.getRhs() == body->getArgument(1))
    divisor = op.getDpsInputs()[1];
  else if (auto mul = soleBodyOp<arith::MulFOp>(op);
           mul && mul.getLhs() == body->getArgument(0) &&
           mul.getRhs() == body->getArgument(1))
    divisor = reciprocalInput(op.getDpsInputs()[1]);
  if (!divisor)
    return std::nullopt;
  auto clamp = divisor.getDefiningOp<linalg::GenericOp>();
  if (!clamp || clamp.getNumDpsInputs() != 1 || !allParallel(clamp) ||
      !allIdentity(clamp))
    return std::nullopt;
  std::optional<std::pair<float, float>> bounds = clampBounds(clamp);
  if (!bounds)
    return std::nullopt;
  Value summed = clamp.getDpsInputs()[0];
  std::optional<RowDivisorKind> kind;
  if (Value sum = unaryInput<math::AbsFOp>(summed);
      sum && rowSumInput(sum) == w)
    kind = RowDivisorKind::AbsOfSum;
  else if (Value abs = rowSumInput(summed);
           abs && unaryInput<math::AbsFOp>(abs) == w)
    kind = RowDivisorKind::SumOfAbs;
  if (!kind)
    return std::nullopt;
  return std::make_pair(w,
                        RowDivisorAttr::get(ctx, *kind, APFloat(bounds->first),
                                            APFloat(bounds->second)));
}

/// What the decay mask holds: log(gamma) per head and whether rows are
/// divided by sqrt of their sums; or why it is not a decay mask.
struct DecayMask {
  SmallVector<float> logDecay;
  bool normalized = true;
};

FailureOr<DecayMask> readDecayMask(const ConstantTensor &mask,
                                   std::string &why) {
  int64_t heads = mask.shape[0], seq = mask.shape[1];
  auto at = [&](int64_t h, int64_t n, int64_t m) {
    return mask.values[(h * seq + n) * seq + m];
  };
  auto where = [](int64_t h, int64_t n, int64_t m) {
    return "[" + std::to_string(h) + ", " + std::to_string(n) + ", " +
           std::to_string(m) + "]";
  };
  // The tolerances are what computing the mask in its own element type may
  // err, with u its unit roundoff. An entry exp(ld (n - m)) errs by
  // |ld| (n - m) u from the rounded exponent and a few u from the ops
  // (kOps u: exp or pow, a product, the division by the normaliser and its
  // sqrt); the normaliser of row n by (n + 1) u more (the sum of n + 1
  // terms), amplified by 1 + |ld| through the decay estimated from the
  // mask. A ratio of two entries adds both entries' errors; a value
  // compared with the expected one adds the estimated decay's error, of
  // the same size as the entry's. Entries below the smallest normal value
  // have lost precision to underflow: ratios skip them, and values are
  // compared with a few subnormal units of absolute slack.
  const llvm::fltSemantics &sem =
      cast<FloatType>(mask.elementType).getFloatSemantics();
  const double u = std::ldexp(1.0, -int(APFloat::semanticsPrecision(sem)));
  const double tiny = APFloat::getSmallestNormalized(sem).convertToDouble();
  const double slack = 4.0 * APFloat::getSmallest(sem).convertToDouble();
  constexpr double kOps = 4.0;
  DecayMask result;
  // Row 0 holds 1 either way; row 1 tells 1 / sqrt(1 + gamma) from 1.
  result.normalized = seq > 1 && std::fabs(at(0, 1, 1) - 1.0) > kOps * u;
  for (int64_t h = 0; h < heads; ++h) {
    for (int64_t n = 0; n < seq; ++n)
      for (int64_t m = n + 1; m < seq; ++m)
        if (at(h, n, m) != 0.0) {
          why = "the mask is not causal: entry " + where(h, n, m) + " is " +
                std::to_string(at(h, n, m));
          return failure();
        }
    // gamma from the longest row whose first entry has not underflowed.
    double gamma = 1.0;
    if (seq > 1) {
      int64_t n = seq - 1;
      while (n > 1 && !(at(h, n, 0) >= tiny))
        --n;
      gamma = std::pow(at(h, n, 0) / at(h, n, n), 1.0 / double(n));
    }
    // |log gamma|, 0 for gamma = 0: entries off the diagonal are then 0
    // (within the absolute slack) and the normaliser is 1.
    double ld = std::fabs(std::log(gamma));
    if (!std::isfinite(ld))
      ld = 0.0;
    // |ld| d u for a distance d.
    auto exponentError = [&](int64_t d) { return ld * double(d) * u; };
    auto normal = [&](double x) { return x >= tiny; };
    if (seq > 1) {
      // Each row geometric along m: gamma^(n-m) times one factor.
      for (int64_t r = 2; r < seq; ++r)
        for (int64_t m = 0; m + 1 < r; ++m) {
          if (!normal(at(h, r, m)) || !normal(at(h, r, m + 1)) ||
              !normal(at(h, r, r - 1)) || !normal(at(h, r, r)))
            continue;
          double step = at(h, r, m) / at(h, r, m + 1);
          double last = at(h, r, r - 1) / at(h, r, r);
          double tol = 2.0 * exponentError(r - m) + 4.0 * kOps * u;
          if (!(std::fabs(step - last) <= tol * last)) {
            why = "the mask is not gamma^(n-m) times a row factor: in row " +
                  std::to_string(r) + " of head " + std::to_string(h) +
                  ", entry " + std::to_string(m) + " is " +
                  std::to_string(step) + " times the next, the diagonal " +
                  std::to_string(last) + " times its neighbour";
            return failure();
          }
        }
      // One gamma for every position: each row's first step agrees.
      if (normal(at(h, 1, 0)) && normal(at(h, 1, 1))) {
        double first = at(h, 1, 0) / at(h, 1, 1);
        for (int64_t r = 2; r < seq; ++r) {
          if (!normal(at(h, r, r - 1)) || !normal(at(h, r, r)))
            continue;
          double step = at(h, r, r - 1) / at(h, r, r);
          double tol = 2.0 * exponentError(1) + 4.0 * kOps * u;
          if (!(std::fabs(step - first) <= tol * first)) {
            why = "the decay varies across positions: gamma is " +
                  std::to_string(first) + " at row 1 and " +
                  std::to_string(step) + " at row " + std::to_string(r);
            return failure();
          }
        }
      }
    }
    double rowSum = 0.0;
    for (int64_t n = 0; n < seq; ++n) {
      rowSum += std::pow(gamma, double(n));
      double norm = result.normalized ? 1.0 / std::sqrt(rowSum) : 1.0;
      double normError =
          result.normalized ? double(n + 1) * (1.0 + ld) * u : 0.0;
      for (int64_t m = 0; m <= n; ++m) {
        double expected = std::pow(gamma, double(n - m)) * norm;
        double tol = 2.0 * (exponentError(n - m) + kOps * u) + normError;
        double got = at(h, n, m);
        if (!(std::fabs(got - expected) <= tol * expected + slack)) {
          why = "the mask is not gamma^(n-m)" +
                std::string(result.normalized ? " / sqrt(row sum)" : "") +
                " for one gamma per head: entry " + where(h, n, m) + " is " +
                std::to_string(got) + ", expected " + std::to_string(expected) +
                " for gamma = " + std::to_string(gamma);
          return failure();
        }
      }
    }
    result.logDecay.push_back(float(std::log(gamma)));
  }
  return result;
}

/// Anchored on the expand_shape that gives o its [B, H, T, Dv] shape: the op
/// the pattern replaces.
struct RaiseParallel : OpRewritePattern<tensor::ExpandShapeOp> {
  RaiseParallel(MLIRContext *ctx, int64_t maxMaskElements)
      : OpRewritePattern(ctx), maxMaskElements(maxMaskElements) {}

  LogicalResult matchAndRewrite(tensor::ExpandShapeOp expand,
                                PatternRewriter &rewriter) const override {
    linalg::BatchMatmulOp pv = expandedProduct(expand.getResult());
    if (!pv)
      return failure();
    Value p = uncollapsed(pv.getDpsInputs()[0]);
    Value v = uncollapsed(pv.getDpsInputs()[1]);
    if (!p || !v)
      return rewriter.notifyMatchFailure(expand,
                                         "operands are not [B, H, ...]");
    RowDivisorAttr divisor;
    Value w = p;
    if (auto division = matchRowDivision(p))
      std::tie(w, divisor) = *division;
    std::optional<std::pair<Value, Value>> masked = matchMaskProduct(w);
    if (!masked)
      return rewriter.notifyMatchFailure(expand, "no scores times a mask");
    auto [scores, mask] = *masked;
    linalg::BatchMatmulOp qk = expandedProduct(scores);
    if (!qk)
      return rewriter.notifyMatchFailure(expand, "scores are not q k^T");
    Value q = uncollapsed(qk.getDpsInputs()[0]);
    Value kT = uncollapsed(qk.getDpsInputs()[1]);
    auto transpose = kT ? kT.getDefiningOp<linalg::TransposeOp>() : nullptr;
    if (!q || !transpose ||
        transpose.getPermutation() != ArrayRef<int64_t>{0, 1, 3, 2})
      return rewriter.notifyMatchFailure(expand, "scores are not q k^T");
    Value k = transpose.getInput();

    // The structure of retention: from here on a mismatch is a near-miss
    // worth saying why.
    auto fail = [&](const Twine &why) {
      expand.emitRemark() << "not raised to retention.parallel: " << why;
      return failure();
    };
    auto qType = cast<RankedTensorType>(q.getType());
    auto vType = cast<RankedTensorType>(v.getType());
    Type elem = qType.getElementType();
    if (!elem.isF32() && !elem.isF16() && !elem.isBF16())
      return fail("q, k and v are not f32, f16 or bf16");
    if (k.getType() != qType || vType.getElementType() != elem ||
        expand.getResultType().getElementType() != elem)
      return fail("q, k, v and the result do not share one element type");
    // One split of the batch into [batch, heads] for q, k, v, the scores
    // (whose heads the mask follows) and the result.
    auto scoresType = cast<RankedTensorType>(scores.getType());
    RankedTensorType outType = expand.getResultType();
    ArrayRef<int64_t> qShape = qType.getShape();
    if (!qType.hasStaticShape() || !vType.hasStaticShape() ||
        !outType.hasStaticShape() || !scoresType.hasStaticShape())
      return fail("the shapes are not static");
    if (scoresType.getShape().take_front(2) != qShape.take_front(2) ||
        vType.getShape().take_front(3) != qShape.take_front(3) ||
        outType.getShape() != ArrayRef<int64_t>{qShape[0], qShape[1], qShape[2],
                                                vType.getDimSize(3)})
      return fail("q, k, v, the scores and the result do not split the "
                  "batch into the same [batch, heads]");
    std::string why;
    FailureOr<ConstantTensor> values =
        evaluateConstantTensor(mask, maxMaskElements, why);
    if (failed(values))
      return fail("the mask is not computed from constants: " + why);
    if (values->shape.size() == 4) // [1, H, T, T]
      values->shape.erase(values->shape.begin());
    FailureOr<DecayMask> decay = readDecayMask(*values, why);
    if (failed(decay))
      return fail(why);

    Location loc = expand.getLoc();
    auto ldType = RankedTensorType::get({int64_t(decay->logDecay.size())},
                                        rewriter.getF32Type());
    Value logDecay = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(ldType, ArrayRef<float>(decay->logDecay)));
    auto raised = ParallelOp::create(
        rewriter, loc, expand.getResultType(), q, k, v, logDecay,
        decay->normalized ? Normalization::SqrtRowSum : Normalization::None,
        /*scale=*/nullptr, divisor);
    rewriter.replaceOp(expand, raised.getO());
    return success();
  }

  int64_t maxMaskElements;
};

/// x[:, :, t, :] of a loop-invariant [B, H, T, D] tensor, rank-reduced to
/// [B, H, D]: returns x.
Value rowOf(Value slice, Value t, int64_t seq) {
  auto extract = slice.getDefiningOp<tensor::ExtractSliceOp>();
  if (!extract || extract.getSourceType().getRank() != 4 ||
      extract.getSourceType().getDimSize(2) != seq ||
      extract.getType().getRank() != 3 || !extract.hasUnitStride())
    return {};
  SmallVector<OpFoldResult> offsets = extract.getMixedOffsets();
  SmallVector<OpFoldResult> sizes = extract.getMixedSizes();
  ArrayRef<int64_t> shape = extract.getSourceType().getShape();
  if (!isConstantIntValue(offsets[0], 0) ||
      !isConstantIntValue(offsets[1], 0) ||
      !isConstantIntValue(offsets[3], 0) ||
      dyn_cast_if_present<Value>(offsets[2]) != t ||
      !isConstantIntValue(sizes[0], shape[0]) ||
      !isConstantIntValue(sizes[1], shape[1]) ||
      !isConstantIntValue(sizes[2], 1) ||
      !isConstantIntValue(sizes[3], shape[3]))
    return {};
  return extract.getSource();
}

/// S' = S * gamma[h] + k[b,h,i] v[b,h,j] as one elementwise generic over
/// (b, h, i, j): returns {S, k row, v row, gamma}.
struct StateUpdate {
  Value state, k, v, gamma;
};
std::optional<StateUpdate> matchStateUpdate(Value next) {
  auto op = next.getDefiningOp<linalg::GenericOp>();
  if (!op || op.getNumLoops() != 4 || !allParallel(op) ||
      op.getNumDpsInputs() != 4)
    return std::nullopt;
  MLIRContext *ctx = op.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  auto yield = cast<linalg::YieldOp>(op.getBlock()->getTerminator());
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return std::nullopt;
  auto lhs = add.getLhs().getDefiningOp<arith::MulFOp>();
  auto rhs = add.getRhs().getDefiningOp<arith::MulFOp>();
  if (!lhs || !rhs)
    return std::nullopt;
  // Which input each block argument reads, by its indexing map.
  StateUpdate u;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  auto role = [&](Value arg) -> Value * {
    auto blockArg = dyn_cast<BlockArgument>(arg);
    if (!blockArg || blockArg.getOwner() != op.getBlock() ||
        blockArg.getArgNumber() >= 4)
      return nullptr;
    AffineMap m = maps[blockArg.getArgNumber()];
    ArrayRef<AffineExpr> r = m.getResults();
    if (r == ArrayRef<AffineExpr>{d(0), d(1), d(2), d(3)})
      return &u.state;
    if (r == ArrayRef<AffineExpr>{d(0), d(1), d(2)})
      return &u.k;
    if (r == ArrayRef<AffineExpr>{d(0), d(1), d(3)})
      return &u.v;
    if (r == ArrayRef<AffineExpr>{d(1)})
      return &u.gamma;
    return nullptr;
  };
  // One product is the decayed state, the other the outer product.
  auto pair = [](Value *a, Value *b) {
    return a < b ? std::make_pair(a, b) : std::make_pair(b, a);
  };
  auto roles = [&](arith::MulFOp mul) {
    return pair(role(mul.getLhs()), role(mul.getRhs()));
  };
  std::pair<Value *, Value *> decayed = pair(&u.state, &u.gamma),
                              outer = pair(&u.k, &u.v);
  auto [l, r] = std::make_pair(roles(lhs), roles(rhs));
  if (!((l == decayed && r == outer) || (l == outer && r == decayed)) ||
      maps[4] != identity(ctx))
    return std::nullopt;
  for (arith::MulFOp mul : {lhs, rhs})
    for (Value operand : {mul.getLhs(), mul.getRhs()})
      *role(operand) =
          op.getDpsInputs()[cast<BlockArgument>(operand).getArgNumber()];
  return u;
}

/// o[b,h,j] = sum_i q[b,h,i] S[b,h,i,j] into zeros: returns {q row, S}.
std::optional<std::pair<Value, Value>> matchRowTimesState(Value o) {
  auto op = o.getDefiningOp<linalg::GenericOp>();
  if (!op || op.getNumLoops() != 4 || op.getNumDpsInputs() != 2 ||
      !isZeroFill(op.getDpsInits()[0]))
    return std::nullopt;
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  if (llvm::count(iters, utils::IteratorType::reduction) != 1)
    return std::nullopt;
  MLIRContext *ctx = op.getContext();
  unsigned r =
      llvm::find(iters, utils::IteratorType::reduction) - iters.begin();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  ArrayRef<AffineExpr> out = maps[2].getResults();
  if (out.size() != 3 || out[0] != getAffineDimExpr(0, ctx) ||
      out[1] != getAffineDimExpr(1, ctx))
    return std::nullopt;
  AffineExpr j = out[2], red = getAffineDimExpr(r, ctx);
  SmallVector<AffineExpr> qMap = {out[0], out[1], red};
  SmallVector<AffineExpr> sMap = {out[0], out[1], red, j};
  Block *body = op.getBlock();
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add ||
      !llvm::is_contained({add.getLhs(), add.getRhs()}, body->getArgument(2)))
    return std::nullopt;
  auto mul =
      (add.getLhs() == body->getArgument(2) ? add.getRhs() : add.getLhs())
          .getDefiningOp<arith::MulFOp>();
  if (!mul ||
      !llvm::is_contained({mul.getLhs(), mul.getRhs()}, body->getArgument(0)) ||
      !llvm::is_contained({mul.getLhs(), mul.getRhs()}, body->getArgument(1)))
    return std::nullopt;
  for (unsigned s = 0; s < 2; ++s)
    if (maps[s].getResults() == ArrayRef<AffineExpr>(sMap) &&
        maps[1 - s].getResults() == ArrayRef<AffineExpr>(qMap))
      return std::make_pair(op.getDpsInputs()[1 - s], op.getDpsInputs()[s]);
  return std::nullopt;
}

struct RaiseRecurrent : OpRewritePattern<scf::ForOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(scf::ForOp loop,
                                PatternRewriter &rewriter) const override {
    std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
    std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
    std::optional<int64_t> step = getConstantIntValue(loop.getStep());
    if (!lb || *lb != 0 || !ub || !step || *step != 1 ||
        loop.getNumRegionIterArgs() != 2)
      return rewriter.notifyMatchFailure(loop, "not a loop over positions");
    Value t = loop.getInductionVar();
    auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
    // Which iter_arg is the state and which the outputs.
    for (unsigned si = 0; si < 2; ++si) {
      unsigned oi = 1 - si;
      auto insert = yield.getOperand(oi).getDefiningOp<tensor::InsertSliceOp>();
      std::optional<StateUpdate> update =
          matchStateUpdate(yield.getOperand(si));
      if (!insert || !update || update->state != loop.getRegionIterArgs()[si] ||
          insert.getDest() != loop.getRegionIterArgs()[oi])
        continue;
      std::optional<std::pair<Value, Value>> row =
          matchRowTimesState(insert.getSource());
      if (!row || row->second != yield.getOperand(si))
        continue;
      auto outType = cast<RankedTensorType>(insert.getDestType());
      int64_t seq = outType.getDimSize(2);
      SmallVector<OpFoldResult> offsets = insert.getMixedOffsets();
      if (outType.getRank() != 4 || seq != *ub ||
          dyn_cast_if_present<Value>(offsets[2]) != t ||
          !isConstantIntValue(offsets[0], 0) ||
          !isConstantIntValue(offsets[1], 0) ||
          !isConstantIntValue(offsets[3], 0))
        continue;
      Value q = rowOf(row->first, t, seq), k = rowOf(update->k, t, seq),
            v = rowOf(update->v, t, seq);
      if (!q || !k || !v)
        continue;
      // The structure of the recurrence: from here a mismatch is a
      // near-miss.
      auto fail = [&](const Twine &why) {
        loop.emitRemark() << "not raised to retention.recurrent: " << why;
        return failure();
      };
      if (!loop.isDefinedOutsideOfLoop(update->gamma))
        return fail("the decay varies across positions (it is computed "
                    "inside the loop)");
      auto qType = cast<RankedTensorType>(q.getType());
      if (!qType.getElementType().isF32() || k.getType() != qType ||
          cast<RankedTensorType>(v.getType()).getElementType() !=
              qType.getElementType() ||
          outType.getElementType() != qType.getElementType())
        return fail("q, k, v and the outputs are not all f32");
      auto vType = cast<RankedTensorType>(v.getType());
      Value state = loop.getInitArgs()[si];
      auto stateType = cast<RankedTensorType>(state.getType());
      ArrayRef<int64_t> qShape = qType.getShape();
      if (!qType.hasStaticShape() || !vType.hasStaticShape() ||
          !outType.hasStaticShape() || !stateType.hasStaticShape() ||
          !stateType.getElementType().isF32() ||
          vType.getShape().take_front(3) != qShape.take_front(3) ||
          outType.getShape() != ArrayRef<int64_t>{qShape[0], qShape[1],
                                                  qShape[2],
                                                  vType.getDimSize(3)} ||
          stateType.getShape() != ArrayRef<int64_t>{qShape[0], qShape[1],
                                                    qShape[3],
                                                    vType.getDimSize(3)})
        return fail("q, k, v, the state and the outputs do not have the "
                    "shapes of one retention");
      DenseFPElementsAttr gammas;
      if (!matchPattern(update->gamma, m_Constant(&gammas)))
        return fail("the decay is not a constant");
      if (gammas.getNumElements() != qShape[1])
        return fail("the decay does not have one value per head");
      SmallVector<float> logDecay;
      for (const APFloat &g : gammas.getValues<APFloat>()) {
        if (!(g.convertToDouble() >= 0.0))
          return fail("a decay is negative");
        logDecay.push_back(float(std::log(g.convertToDouble())));
      }
      Location loc = loop.getLoc();
      rewriter.setInsertionPoint(loop);
      auto ldType = RankedTensorType::get({int64_t(logDecay.size())},
                                          rewriter.getF32Type());
      Value ld = arith::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(ldType, ArrayRef<float>(logDecay)));
      Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
      auto rec = RecurrentOp::create(rewriter, loc, outType, state.getType(), q,
                                     k, v, ld, Normalization::None,
                                     /*scale=*/nullptr, state, zero);
      SmallVector<Value> results(2);
      results[si] = rec.getNewState();
      results[oi] = rec.getO();
      rewriter.replaceOp(loop, results);
      return success();
    }
    return rewriter.notifyMatchFailure(loop, "not a retention recurrence");
  }
};

struct RetentionRaisePass
    : retnet::retention::impl::RetentionRaisePassBase<RetentionRaisePass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateRaiseRetentionPatterns(patterns, maxMaskElements);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};
} // namespace

void retnet::retention::populateRaiseRetentionPatterns(
    RewritePatternSet &patterns, int64_t maxMaskElements) {
  patterns.add<RaiseParallel>(patterns.getContext(), maxMaskElements);
  patterns.add<RaiseRecurrent>(patterns.getContext());
}
