//===- VectorizeContractions.cpp - register-blocked contraction kernels ---===//

#include "retnet/Codegen/CPU/Passes.h"
#include "retnet/Support/VectorizeMarker.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

namespace retnet::cpu {
#define GEN_PASS_DEF_VECTORIZECONTRACTIONSPASS
#include "retnet/Codegen/CPU/Passes.h.inc"
} // namespace retnet::cpu

using namespace mlir;

namespace {
using retnet::cpu::largestDivisorUpTo;

/// acc + (a * b) -> vector.fma(a, b, acc) when the multiply allows
/// contraction (`fastmath<contract>`), looking through the shape_cast that
/// vectorisation leaves between the two.
struct FuseMultiplyAdd : OpRewritePattern<arith::AddFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::AddFOp add,
                                PatternRewriter &rewriter) const override {
    auto type = dyn_cast<VectorType>(add.getType());
    if (!type)
      return failure();
    for (unsigned i = 0; i < 2; ++i) {
      Value product = add->getOperand(i), acc = add->getOperand(1 - i);
      if (auto cast = product.getDefiningOp<vector::ShapeCastOp>())
        product = cast.getSource();
      auto mul = product.getDefiningOp<arith::MulFOp>();
      if (!mul || !bitEnumContainsAll(mul.getFastmath(),
                                      arith::FastMathFlags::contract))
        continue;
      auto reshape = [&](Value v) -> Value {
        if (v.getType() == type)
          return v;
        return vector::ShapeCastOp::create(rewriter, add.getLoc(), type, v);
      };
      rewriter.replaceOpWithNewOp<vector::FMAOp>(add, reshape(mul.getLhs()),
                                                 reshape(mul.getRhs()), acc);
      return success();
    }
    return failure();
  }
};

/// extf(broadcast(x)) -> broadcast(extf(x)): a widened operand (16-bit
/// weights) is widened once per row it reads, then broadcast to the register
/// block, rather than widened once per row of the block. (Upstream's
/// populateSinkVectorOpsPatterns keeps the element type, so it declines.)
struct WidenBeforeBroadcast : OpRewritePattern<arith::ExtFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::ExtFOp ext,
                                PatternRewriter &rewriter) const override {
    auto broadcast = ext.getIn().getDefiningOp<vector::BroadcastOp>();
    if (!broadcast)
      return failure();
    Type wideElement = getElementTypeOrSelf(ext.getType());
    Type sourceType = broadcast.getSourceType();
    Type wideSource = wideElement;
    if (auto vec = dyn_cast<VectorType>(sourceType))
      wideSource = vec.clone(wideElement);
    Value wide =
        arith::ExtFOp::create(rewriter, ext.getLoc(), wideSource,
                              broadcast.getSource(), ext.getFastmathAttr());
    rewriter.replaceOpWithNewOp<vector::BroadcastOp>(ext, ext.getType(), wide);
    return success();
  }
};

/// The broadcast that defines `v`, when it broadcasts a vector of fixed
/// size (not a scalar) to another; null otherwise.
vector::BroadcastOp fixedVectorBroadcast(Value v) {
  auto broadcast = v.getDefiningOp<vector::BroadcastOp>();
  if (!broadcast)
    return nullptr;
  auto sourceType = dyn_cast<VectorType>(broadcast.getSourceType());
  if (!sourceType || sourceType.isScalable() ||
      broadcast.getResultVectorType().isScalable())
    return nullptr;
  return broadcast;
}

/// Replaces `op` (of a vector result) by broadcast(shape_cast(x)), x the
/// source of `broadcast` cast to `shape`.
void replaceByBroadcastOfCast(PatternRewriter &rewriter, Operation *op,
                              vector::BroadcastOp broadcast,
                              ArrayRef<int64_t> shape) {
  Type element = getElementTypeOrSelf(broadcast.getSourceType());
  Value cast = vector::ShapeCastOp::create(rewriter, op->getLoc(),
                                           VectorType::get(shape, element),
                                           broadcast.getSource());
  rewriter.replaceOpWithNewOp<vector::BroadcastOp>(op, op->getResultTypes(),
                                                   cast);
}

/// transpose(broadcast(x)) -> broadcast(shape_cast(x)) when the transpose
/// keeps x's non-unit dimensions in their order and moves only dimensions
/// the broadcast added or stretched: the column of A that a register block
/// multiplies comes out of vectorisation so, and unrolling the transpose
/// would shuffle the broadcast lanes instead of broadcasting each row.
struct BroadcastBeforeTranspose : OpRewritePattern<vector::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::TransposeOp transpose,
                                PatternRewriter &rewriter) const override {
    vector::BroadcastOp broadcast = fixedVectorBroadcast(transpose.getVector());
    if (!broadcast)
      return failure();
    auto sourceType = cast<VectorType>(broadcast.getSourceType());
    VectorType wide = broadcast.getResultVectorType();
    int64_t lead = wide.getRank() - sourceType.getRank();
    ArrayRef<int64_t> perm = transpose.getPermutation();
    SmallVector<int64_t> shape;
    int64_t last = -1;
    for (int64_t d : perm) {
      int64_t s = d - lead;
      bool fromSource = s >= 0 && sourceType.getDimSize(s) != 1;
      if (fromSource && d <= last)
        return failure();
      if (fromSource)
        last = d;
      shape.push_back(fromSource ? wide.getDimSize(d) : 1);
    }
    replaceByBroadcastOfCast(rewriter, transpose, broadcast, shape);
    return success();
  }
};

/// shape_cast(broadcast(x)) -> broadcast(shape_cast(x)) when the cast only
/// drops or inserts unit dimensions (the non-unit dimensions stay in their
/// order): x is cast to the dimensions of the cast's shape that it is read
/// against, each non-unit one keeping the broadcast dimension it came
/// from. LLVM 22's canonicalization folds the first form to broadcast(x)
/// whenever x's shape happens to be broadcastable to the cast's, which can
/// read x against other dimensions (llvm-project#190614): x = vector<5x1x8>
/// broadcast to vector<5x5x1x8> (5 rows by 5 panels of 8 lanes, a register
/// block of a packed product) and cast to vector<5x5x8> would become a
/// broadcast that repeats x's panels down the rows instead of across them.
/// The second form is left as it is. A cast that merges or splits non-unit
/// dimensions is no broadcast of x and is not rewritten.
struct CastBeforeBroadcast : OpRewritePattern<vector::ShapeCastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::ShapeCastOp cast,
                                PatternRewriter &rewriter) const override {
    vector::BroadcastOp broadcast = fixedVectorBroadcast(cast.getSource());
    if (!broadcast || cast.getResultVectorType().isScalable())
      return failure();
    auto sourceType = llvm::cast<VectorType>(broadcast.getSourceType());
    VectorType wide = broadcast.getResultVectorType();
    // The broadcast's non-unit dimensions: `prepended` of them it prepends
    // to x, then those read against x's dimensions (x's size there, or 1
    // where the broadcast stretches it).
    int64_t lead = wide.getRank() - sourceType.getRank();
    SmallVector<int64_t> wideNonUnit, sourceSizes;
    size_t prepended = 0;
    for (int64_t i = 0, e = wide.getRank(); i < e; ++i) {
      if (wide.getDimSize(i) == 1)
        continue;
      wideNonUnit.push_back(wide.getDimSize(i));
      if (i < lead)
        ++prepended;
      else
        sourceSizes.push_back(sourceType.getDimSize(i - lead));
    }
    // The cast keeps them in order; x is read against the cast's dimensions
    // from the one after the last prepended non-unit dimension.
    ArrayRef<int64_t> target = cast.getResultVectorType().getShape();
    SmallVector<int64_t> nonUnit;
    int64_t start = 0;
    for (int64_t i = 0, e = target.size(); i < e; ++i) {
      if (target[i] == 1)
        continue;
      nonUnit.push_back(target[i]);
      if (nonUnit.size() == prepended)
        start = i + 1;
    }
    if (nonUnit != wideNonUnit)
      return failure();
    SmallVector<int64_t> shape;
    size_t j = 0;
    for (int64_t size : target.drop_front(start))
      shape.push_back(size == 1 ? 1 : sourceSizes[j++]);
    // Nothing to cast (then x is read against the same dimensions either
    // way), or nothing of x left (all of it one element).
    if (shape.empty() || ArrayRef<int64_t>(shape) == sourceType.getShape())
      return failure();
    replaceByBroadcastOfCast(rewriter, cast, broadcast, shape);
    return success();
  }
};

/// Whether `op` is a product of bf16 pairs by AVX512-BF16 dot products
/// (retnet-cpu-pack-matmuls{bf16-dot}): loops (m, g, k / 2, p, 2) over A
/// [M, K / 2, 2] and B [G, K / 2, P, 2] of bf16 into an f32 C [M, G, P],
/// with panels P of 4, 8 or 16 lanes (one vdpbf16ps register). Its pair
/// loop is dimension 4.
bool isBF16PairProduct(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      op.getNumLoops() != 5)
    return false;
  MLIRContext *ctx = op.getContext();
  AffineExpr m, g, kk, p, j;
  bindDims(ctx, m, g, kk, p, j);
  auto map = [&](ArrayRef<AffineExpr> results) {
    return AffineMap::get(5, 0, results, ctx);
  };
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  Type a = getElementTypeOrSelf(op.getDpsInputOperand(0)->get().getType()),
       b = getElementTypeOrSelf(op.getDpsInputOperand(1)->get().getType()),
       c = getElementTypeOrSelf(op.getDpsInitOperand(0)->get().getType());
  return a.isBF16() && b.isBF16() && c.isF32() && ranges[4] == 2 &&
         llvm::is_contained({4, 8, 16}, ranges[3]) &&
         op.getIndexingMapsArray() == SmallVector<AffineMap>{map({m, kk, j}),
                                                             map({g, kk, p, j}),
                                                             map({m, g, p})};
}

/// One K pair step of a product of bf16 pairs (isBF16PairProduct) tiled to
/// a register block: A [R, 1, 2], B [G, 1, P, 2] and C [R, G, P], as one
/// `vdpbf16ps` per row and panel: the row's pair broadcast as a 32-bit
/// word, the panel's row of P pairs, its P f32 accumulators. Returns the
/// new C.
Value emitDotStep(RewriterBase &rewriter, linalg::GenericOp step) {
  Location loc = step.getLoc();
  Value a = step.getDpsInputOperand(0)->get(),
        b = step.getDpsInputOperand(1)->get(),
        c = step.getDpsInitOperand(0)->get();
  auto aType = cast<RankedTensorType>(a.getType());
  auto bType = cast<RankedTensorType>(b.getType());
  auto cType = cast<RankedTensorType>(c.getType());
  int64_t R = aType.getDimSize(0), G = bType.getDimSize(0),
          P = bType.getDimSize(2);
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  auto read = [&](Value source) -> Value {
    auto type = cast<RankedTensorType>(source.getType());
    return vector::TransferReadOp::create(
        rewriter, loc, VectorType::get(type.getShape(), type.getElementType()),
        source, SmallVector<Value>(type.getRank(), zero), std::nullopt,
        SmallVector<bool>(type.getRank(), true));
  };
  // B's rows of P pairs as [G, 1, 2P]: one load each.
  Value rows = tensor::CollapseShapeOp::create(
      rewriter, loc, b, ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
  Value va = read(a), vb = read(rows), vc = read(c);
  Type i32 = rewriter.getI32Type();
  auto words = VectorType::get({P}, i32);
  auto pairs = VectorType::get({2 * P}, rewriter.getBF16Type());
  SmallVector<Value> panels;
  for (int64_t gi = 0; gi < G; ++gi)
    panels.push_back(
        vector::ExtractOp::create(rewriter, loc, vb, ArrayRef<int64_t>{gi, 0}));
  for (int64_t r = 0; r < R; ++r) {
    Value pair =
        vector::ExtractOp::create(rewriter, loc, va, ArrayRef<int64_t>{r, 0});
    Value word = vector::BitCastOp::create(rewriter, loc,
                                           VectorType::get({1}, i32), pair);
    Value scalar =
        vector::ExtractOp::create(rewriter, loc, word, ArrayRef<int64_t>{0});
    Value splat = vector::BroadcastOp::create(rewriter, loc, words, scalar);
    Value lhs = vector::BitCastOp::create(rewriter, loc, pairs, splat);
    for (int64_t gi = 0; gi < G; ++gi) {
      Value acc = vector::ExtractOp::create(rewriter, loc, vc,
                                            ArrayRef<int64_t>{r, gi});
      Value dot = x86vector::DotBF16Op::create(rewriter, loc, acc.getType(),
                                               acc, lhs, panels[gi]);
      vc = vector::InsertOp::create(rewriter, loc, dot, vc,
                                    ArrayRef<int64_t>{r, gi});
    }
  }
  return vector::TransferWriteOp::create(
             rewriter, loc, vc, c, SmallVector<Value>(cType.getRank(), zero),
             SmallVector<bool>(cType.getRank(), true))
      .getResult();
}

/// Tiles `op` with `sizes` (scf.for loops, nested in `order` when given);
/// returns the tiled op and loops.
FailureOr<scf::SCFTilingResult> tile(RewriterBase &rewriter, Operation *op,
                                     ArrayRef<int64_t> sizes,
                                     ArrayRef<int64_t> order = {}) {
  scf::SCFTilingOptions options;
  options.setTileSizes(getAsIndexOpFoldResult(op->getContext(), sizes));
  options.setInterchange(order);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> result =
      scf::tileUsingSCF(rewriter, cast<TilingInterface>(op), options);
  if (succeeded(result))
    rewriter.replaceOp(op, result->replacements);
  return result;
}

/// Tiles and vectorises one contraction; returns its K loop, or failure if
/// the op is not a plain static contraction.
FailureOr<LoopLikeOpInterface>
vectorizeContraction(RewriterBase &rewriter, linalg::GenericOp op,
                     int64_t blockRows, int64_t blockCols, int64_t blockK) {
  if (!op->hasAttr(retnet::kVectorizeAttrName) ||
      !op.hasPureTensorSemantics() || op.hasDynamicShape() ||
      !linalg::isaContractionOpInterface(op))
    return failure();
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.empty() || dims->n.empty())
    return failure();
  // A product of bf16 pairs keeps its pair dimension and its panels whole
  // in every tile: each step is one dot product per row and panel.
  std::optional<unsigned> pair;
  if (isBF16PairProduct(op))
    pair = 4;
  if (dims->k.size() != (pair ? 2u : 1u))
    return failure();
  // The register block spans the M and N dimensions that index the output
  // innermost (e.g. the panel lanes of a packed weight); every other output
  // dimension is stepped one at a time.
  AffineMap out = op.getIndexingMapsArray().back();
  auto innermost = [&](ArrayRef<unsigned> candidates) {
    for (AffineExpr e : llvm::reverse(out.getResults()))
      if (auto d = dyn_cast<AffineDimExpr>(e);
          d && llvm::is_contained(candidates, d.getPosition()))
        return d.getPosition();
    return candidates.back();
  };
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<int64_t> blocks(ranges.size(), 1), steps(ranges.size(), 0);
  unsigned m = innermost(dims->m), n = innermost(dims->n),
           k = pair && dims->k.front() == *pair ? dims->k.back()
                                                : dims->k.front();
  blocks[m] = largestDivisorUpTo(ranges[m], blockRows);
  // A width that is not a whole number of registers would leave a partial
  // register in every row of the block (e.g. 27 of 432 value columns).
  blocks[n] = largestDivisorUpTo(ranges[n], blockCols);
  if (blocks[n] > retnet::cpu::kVectorLanes &&
      blocks[n] % retnet::cpu::kVectorLanes != 0)
    blocks[n] = largestDivisorUpTo(ranges[n], retnet::cpu::kVectorLanes);
  // K blocks keep a slice of B in L1 for the row blocks that share it:
  // with a single row block (a matrix-vector product) nothing shares it.
  blocks[k] = blockK > 0 && ranges[k] > blockK && ranges[m] > blocks[m]
                  ? largestDivisorUpTo(ranges[k], blockK)
                  : 0;
  steps[k] = 1;
  if (pair) {
    blocks[*pair] = 0;
    blocks[n] = ranges[n];
  }
  // A block narrower or shorter than block-rows x block-cols (a panel of a
  // packed weight narrower than block-cols; a matrix-vector product, when
  // decoding one token) spans another N dimension too (e.g. several
  // panels), up to block-rows x block-cols: enough independent
  // accumulators for the FMAs' latency, and each element of A broadcast
  // once for the row's registers.
  if (blocks[m] * blocks[n] < blockRows * blockCols)
    for (unsigned d : llvm::reverse(dims->n))
      if (d != n) {
        blocks[d] = largestDivisorUpTo(ranges[d], blockRows * blockCols /
                                                      (blocks[m] * blocks[n]));
        break;
      }

  // Loop order: the N dimensions outside the register block (the panels of
  // a packed weight) outermost, then the K blocks, so that each B tile is
  // reused from cache by every block of rows before the next one is read.
  SmallVector<int64_t> order;
  for (unsigned d : dims->n)
    if (d != n)
      order.push_back(d);
  if (blocks[k] != 0)
    order.push_back(k);
  for (int64_t d = 0, e = ranges.size(); d < e; ++d)
    if (!llvm::is_contained(order, d))
      order.push_back(d);

  FailureOr<scf::SCFTilingResult> outer = tile(rewriter, op, blocks, order);
  if (failed(outer))
    return failure();
  FailureOr<scf::SCFTilingResult> inner =
      tile(rewriter, outer->tiledOps.front(), steps);
  if (failed(inner) || inner->loops.size() != 1)
    return failure();
  Operation *step = inner->tiledOps.front();
  rewriter.setInsertionPoint(step);
  if (pair) {
    rewriter.replaceOp(step,
                       emitDotStep(rewriter, cast<linalg::GenericOp>(step)));
    return cast<LoopLikeOpInterface>(inner->loops.front());
  }
  FailureOr<linalg::VectorizationResult> vectorized = linalg::vectorize(
      rewriter, step, /*inputVectorSizes=*/{}, /*inputScalableVecDims=*/{},
      /*vectorizeNDExtract=*/false, /*flatten1DDepthwiseConv=*/false,
      /*assumeDynamicDimsMatchVecSizes=*/false,
      /*createNamedContraction=*/true);
  if (failed(vectorized))
    return failure();
  rewriter.replaceOp(step, vectorized->replacements);
  return cast<LoopLikeOpInterface>(inner->loops.front());
}

struct VectorizeContractionsPass
    : retnet::cpu::impl::VectorizeContractionsPassBase<
          VectorizeContractionsPass> {
  using VectorizeContractionsPassBase::VectorizeContractionsPassBase;
  void runOnOperation() override {
    if (blockRows < 1 || blockCols < 1 || blockK < 0) {
      getOperation()->emitError(
          "retnet-vectorize-contractions: block-rows and block-cols must be "
          "at least 1, block-k at least 0");
      return signalPassFailure();
    }
    MLIRContext *ctx = &getContext();
    SmallVector<linalg::GenericOp> candidates;
    getOperation()->walk(
        [&](linalg::GenericOp op) { candidates.push_back(op); });
    IRRewriter rewriter(ctx);
    SmallVector<LoopLikeOpInterface> kLoops;
    for (linalg::GenericOp op : candidates)
      if (FailureOr<LoopLikeOpInterface> loop =
              vectorizeContraction(rewriter, op, blockRows, blockCols, blockK);
          succeeded(loop))
        kLoops.push_back(*loop);

    // Fold the slices and unit dims around the vector step so that the
    // accumulator's read/write pair is loop invariant, then hoist it: the
    // accumulator becomes a vector carried by the K loop.
    {
      RewritePatternSet patterns(ctx);
      vector::populateCastAwayVectorLeadingOneDimPatterns(patterns);
      // Ahead of the canonicalization that would misfold the pair.
      patterns.add<CastBeforeBroadcast>(ctx, /*benefit=*/2);
      for (Dialect *dialect : ctx->getLoadedDialects())
        dialect->getCanonicalizationPatterns(patterns);
      for (RegisteredOperationName name : ctx->getRegisteredOperations())
        name.getCanonicalizationPatterns(patterns, ctx);
      if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
        return signalPassFailure();
    }
    getOperation()->walk([&](scf::ForOp loop) {
      hoistLoopInvariantSubsets(rewriter,
                                cast<LoopLikeOpInterface>(loop.getOperation()));
    });

    RewritePatternSet lowering(ctx);
    lowering.add<FuseMultiplyAdd, WidenBeforeBroadcast,
                 BroadcastBeforeTranspose, CastBeforeBroadcast>(ctx);
    vector::populateVectorContractLoweringPatterns(
        lowering, vector::VectorContractLowering::OuterProduct);
    vector::populateVectorOuterProductLoweringPatterns(lowering);
    vector::populateVectorTransferPermutationMapLoweringPatterns(lowering);
    vector::populateCastAwayVectorLeadingOneDimPatterns(lowering);
    if (failed(applyPatternsGreedily(getOperation(), std::move(lowering))))
      return signalPassFailure();
  }
};
} // namespace
