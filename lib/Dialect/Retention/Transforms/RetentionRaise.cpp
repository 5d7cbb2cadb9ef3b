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
//===----------------------------------------------------------------------===//

#include "ConstantEvaluator.h"
#include "retnet/Dialect/Retention/IR/RetentionOps.h"
#include "retnet/Dialect/Retention/Transforms/Passes.h"
#include "retnet/Dialect/Retention/Transforms/Transforms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
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

/// The op yielded by the body of `op` when it is the only op there, with
/// the block arguments it reads.
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

/// An elementwise generic with one input whose body is one `OpTy`.
template <typename OpTy> Value unaryInput(Value v) {
  auto op = v.getDefiningOp<linalg::GenericOp>();
  if (!op || op.getNumDpsInputs() != 1 || !allParallel(op) ||
      !soleBodyOp<OpTy>(op))
    return {};
  return op.getDpsInputs()[0];
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
    if (!add || body.getOperations().size() != 2)
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
  if (!add || maps[0] != identity(ctx) || maps[1] != perRow(ctx))
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
  if (!op || op.getNumDpsInputs() != 1 || !allParallel(op))
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
  if (maps[0] != identity(ctx) || maps[1] != perRow(ctx))
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
  if (!clamp || clamp.getNumDpsInputs() != 1 || !allParallel(clamp))
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
  DecayMask result;
  // Row 0 holds 1 either way; row 1 tells 1 / sqrt(1 + gamma) from 1.
  result.normalized = seq == 1 || at(0, 1, 1) != 1.0;
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
      while (n > 1 && !(at(h, n, 0) > 1e-30))
        --n;
      gamma = std::pow(at(h, n, 0) / at(h, n, n), 1.0 / double(n));
      // Each row geometric along m: gamma^(n-m) times one factor.
      for (int64_t r = 2; r < seq; ++r)
        for (int64_t m = 0; m + 1 < r; ++m) {
          double step = at(h, r, m) / at(h, r, m + 1);
          double last = at(h, r, r - 1) / at(h, r, r);
          if (std::isfinite(step) && std::isfinite(last) &&
              std::fabs(step - last) > 1e-4 * last) {
            why = "the mask is not gamma^(n-m) times a row factor: in row " +
                  std::to_string(r) + " of head " + std::to_string(h) +
                  ", entry " + std::to_string(m) + " is " +
                  std::to_string(step) + " times the next, the diagonal " +
                  std::to_string(last) + " times its neighbour";
            return failure();
          }
        }
      // One gamma for every position: each row's first step agrees.
      double first = at(h, 1, 0) / at(h, 1, 1);
      for (int64_t r = 2; r < seq; ++r) {
        double step = at(h, r, r - 1) / at(h, r, r);
        if (std::isfinite(step) && std::fabs(step - first) > 1e-4 * first) {
          why = "the decay varies across positions: gamma is " +
                std::to_string(first) + " at row 1 and " +
                std::to_string(step) + " at row " + std::to_string(r);
          return failure();
        }
      }
    }
    double rowSum = 0.0;
    for (int64_t n = 0; n < seq; ++n) {
      rowSum += std::pow(gamma, double(n));
      double norm = result.normalized ? 1.0 / std::sqrt(rowSum) : 1.0;
      for (int64_t m = 0; m <= n; ++m) {
        double expected = std::pow(gamma, double(n - m)) * norm;
        double got = at(h, n, m);
        if (!(std::fabs(got - expected) <= 1e-3 * expected + 1e-30)) {
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
}
