//===- PackMatmuls.cpp - products over panel-packed weights ---------------===//

#include "retnet/Codegen/CPU/Passes.h"
#include "retnet/Support/VectorizeMarker.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/RegionUtils.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace retnet::cpu {
#define GEN_PASS_DEF_PACKMATMULSPASS
#include "retnet/Codegen/CPU/Passes.h.inc"
} // namespace retnet::cpu

using namespace mlir;
using namespace retnet::cpu;

namespace {
/// The largest power of two up to `cap` that divides `n`.
int64_t panelFor(int64_t n, int64_t cap) {
  int64_t p = 1;
  while (p * 2 <= cap && n % (p * 2) == 0)
    p *= 2;
  return p;
}

/// The outer permutation and inner dimensions of `source` [..., K, N] (or
/// [..., N, K] when `transposed`) packed into [..., N / P, K, P], or with
/// `pairs` into [..., N / P, K / 2, P, 2].
struct PanelLayout {
  SmallVector<int64_t> outerPerm, innerDims;
};
PanelLayout panelLayout(int64_t rank, bool transposed, bool pairs) {
  int64_t nDim = transposed ? rank - 2 : rank - 1;
  int64_t kDim = transposed ? rank - 1 : rank - 2;
  PanelLayout layout;
  layout.outerPerm = llvm::to_vector(llvm::seq<int64_t>(rank));
  if (!transposed)
    std::swap(layout.outerPerm[rank - 2], layout.outerPerm[rank - 1]);
  layout.innerDims = {nDim};
  if (pairs)
    layout.innerDims.push_back(kDim);
  return layout;
}

/// `source` packed into panels of P lanes (panelLayout), or with `pairs`
/// into panels of K pairs (the layout of AVX512-BF16 dot products: two
/// consecutive K of a lane side by side).
Value packPanels(OpBuilder &b, Location loc, Value source, bool transposed,
                 int64_t P, bool pairs) {
  PanelLayout layout = panelLayout(
      cast<RankedTensorType>(source.getType()).getRank(), transposed, pairs);
  SmallVector<OpFoldResult> tiles = {b.getIndexAttr(P)};
  if (pairs)
    tiles.push_back(b.getIndexAttr(2));
  Value dest = linalg::PackOp::createDestinationTensor(
      b, loc, source, tiles, layout.innerDims, layout.outerPerm);
  return linalg::PackOp::create(b, loc, source, dest, layout.innerDims, tiles,
                                std::nullopt, layout.outerPerm)
      .getResult();
}

/// The function argument that `b` is, or whose unit-stride slice keeping
/// its two trailing dimensions whole (a layer of stacked weights) `b` is:
/// what a product packs once at function entry. Null for any other B.
BlockArgument entryPackable(Value b) {
  Value source = b;
  auto slice = b.getDefiningOp<tensor::ExtractSliceOp>();
  if (slice)
    source = slice.getSource();
  auto arg = dyn_cast<BlockArgument>(source);
  if (!arg || !isa<func::FuncOp>(arg.getOwner()->getParentOp()))
    return {};
  if (!slice)
    return arg;
  auto srcType = slice.getSourceType();
  int64_t rank = srcType.getRank();
  bool wholeTrailing =
      rank >= 2 && slice.getResultType().getRank() == 2 &&
      slice.hasUnitStride() &&
      llvm::all_of(slice.getStaticSizes().drop_back(2),
                   [](int64_t s) { return s == 1; }) &&
      slice.getStaticSizes().take_back(2) == srcType.getShape().take_back(2) &&
      llvm::all_of(ArrayRef(slice.getMixedOffsets()).take_back(2),
                   [](OpFoldResult o) { return isZeroInteger(o); });
  return wholeTrailing ? arg : BlockArgument();
}

/// The pack of `arg` into panels (with `pairs`, of K pairs) at function
/// entry that an earlier product made (packPanels' layout into a
/// tensor.empty, static tiles, no padding), or null.
linalg::PackOp entryPack(BlockArgument arg, bool transposed, bool pairs) {
  PanelLayout layout = panelLayout(
      cast<RankedTensorType>(arg.getType()).getRank(), transposed, pairs);
  for (Operation *user : arg.getUsers()) {
    auto pack = dyn_cast<linalg::PackOp>(user);
    if (!pack || pack.getSource() != arg ||
        pack->getBlock() != arg.getOwner() || pack.getPaddingValue() ||
        !pack.getDest().getDefiningOp<tensor::EmptyOp>() ||
        ArrayRef(pack.getOuterDimsPerm()) != ArrayRef(layout.outerPerm) ||
        ArrayRef(pack.getInnerDimsPos()) != ArrayRef(layout.innerDims))
      continue;
    ArrayRef<int64_t> tiles = pack.getStaticInnerTiles();
    if (ShapedType::isDynamic(tiles.front()) || (pairs && tiles.back() != 2))
      continue;
    return pack;
  }
  return {};
}

/// B of a product as a panel-packed [N / P, K, P] (or [N / P, K / 2, P, 2])
/// value. A function argument (or a layer of one: `arg`, entryPackable) is
/// packed once at function entry, or taken from `shared`, the pack an
/// earlier product made of it, and sliced; any other B is packed where it
/// is.
Value packedOperand(RewriterBase &rewriter, Location loc, Value b,
                    BlockArgument arg, linalg::PackOp shared, bool transposed,
                    int64_t P, bool pairs) {
  OpBuilder::InsertionGuard guard(rewriter);
  if (!arg) {
    rewriter.setInsertionPointAfterValue(b);
    return packPanels(rewriter, loc, b, transposed, P, pairs);
  }
  Value packed;
  if (shared) {
    packed = shared.getResult();
  } else {
    rewriter.setInsertionPointToStart(arg.getOwner());
    packed = packPanels(rewriter, loc, arg, transposed, P, pairs);
  }
  auto slice = b.getDefiningOp<tensor::ExtractSliceOp>();
  if (!slice)
    return packed;
  // The same slice of the packed tensor: the leading offsets, then whole.
  auto packedType = cast<RankedTensorType>(packed.getType());
  int64_t rank = packedType.getRank(), whole = pairs ? 4 : 3;
  SmallVector<OpFoldResult> offsets(
      ArrayRef(slice.getMixedOffsets()).drop_back(2));
  SmallVector<OpFoldResult> sizes(rank - whole, rewriter.getIndexAttr(1));
  offsets.append(whole, rewriter.getIndexAttr(0));
  for (int64_t s : packedType.getShape().take_back(whole))
    sizes.push_back(rewriter.getIndexAttr(s));
  SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
  rewriter.setInsertionPoint(slice);
  auto resultType = RankedTensorType::get(
      packedType.getShape().take_back(whole), packedType.getElementType());
  return tensor::ExtractSliceOp::create(rewriter, loc, resultType, packed,
                                        offsets, sizes, strides);
}

/// A [M, K] f32 rounded to bf16 (to nearest, ties to even) and seen as
/// [M, K / 2, 2]: the pairs of K a dot product multiplies.
Value roundedPairs(OpBuilder &b, Location loc, Value a) {
  auto type = cast<RankedTensorType>(a.getType());
  int64_t M = type.getDimSize(0), K = type.getDimSize(1);
  Type bf16 = b.getBF16Type();
  Value empty = tensor::EmptyOp::create(b, loc, type.getShape(), bf16);
  MLIRContext *ctx = b.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(2, ctx);
  Value rounded =
      linalg::GenericOp::create(
          b, loc, empty.getType(), a, empty,
          ArrayRef<AffineMap>{identity, identity},
          SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location l, ValueRange args) {
            linalg::YieldOp::create(
                nb, l, arith::TruncFOp::create(nb, l, bf16, args[0]).getOut());
          })
          .getResult(0);
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({M, K / 2, 2}, bf16), rounded,
      ArrayRef<ReassociationIndices>{{0}, {1, 2}});
}

struct PackMatmul : OpRewritePattern<linalg::MatmulOp> {
  PackMatmul(MLIRContext *ctx, const PackMatmulsPassOptions &options)
      : OpRewritePattern(ctx), options(options) {}

  LogicalResult matchAndRewrite(linalg::MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() || op.hasDynamicShape())
      return rewriter.notifyMatchFailure(op, "not a static product on tensors");
    Value a = op.getDpsInputOperand(0)->get(),
          b = op.getDpsInputOperand(1)->get(),
          c = op.getDpsInitOperand(0)->get();
    auto cType = cast<RankedTensorType>(c.getType());
    Type elementType = cType.getElementType();
    // B may be narrower (16-bit weights): the product widens each element
    // it reads, as linalg.matmul's cast does.
    auto bElementType = dyn_cast<FloatType>(getElementTypeOrSelf(b.getType()));
    if (!isa<FloatType>(elementType) ||
        getElementTypeOrSelf(a.getType()) != elementType || !bElementType ||
        (bElementType != elementType &&
         bElementType.getWidth() >= elementType.getIntOrFloatBitWidth()))
      return rewriter.notifyMatchFailure(
          op, "not float A and C of one type with B of it or narrower");
    MLIRContext *ctx = op.getContext();
    AffineExpr m, n, k;
    bindDims(ctx, m, n, k);
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    auto map = [&](ArrayRef<AffineExpr> results) {
      return AffineMap::get(3, 0, results, ctx);
    };
    if (maps[0] != map({m, k}) || maps[2] != map({m, n}))
      return rewriter.notifyMatchFailure(op, "A or C is transposed");
    bool transposed = maps[1] == map({n, k});
    if (!transposed && maps[1] != map({k, n}))
      return rewriter.notifyMatchFailure(op, "unsupported B indexing");

    Location loc = op.getLoc();
    int64_t M = cType.getDimSize(0), N = cType.getDimSize(1);
    int64_t K = cast<RankedTensorType>(a.getType()).getDimSize(1);
    // bf16 weights by an f32 A as AVX512-BF16 dot products: A rounded to
    // bf16, both in pairs of K, a panel of one register of 16 lanes (or of
    // 8 or 4 where N needs it).
    int64_t dotLanes = panelFor(N, kDotLanes);
    bool pairs = options.bf16Dot && bElementType.isBF16() &&
                 elementType.isF32() && K % 2 == 0 && dotLanes >= 4;
    // A single row (decoding one token) streams B once: panels of one
    // register each, many of them side by side in a block, stream faster
    // than the wider panels that let a block of rows load less per FMA.
    int64_t P = pairs ? dotLanes
                      : panelFor(N, M == 1 ? std::min(options.panelWidth,
                                                      options.rowPanelWidth)
                                           : options.panelWidth);
    // A weight is packed one way per function: a product of a weight that
    // an earlier product (in walk order) packed takes that layout rather
    // than a second copy (generation's last layer multiplies single rows by
    // the weights its other layers multiply by many).
    BlockArgument arg = entryPackable(b);
    linalg::PackOp shared = arg ? entryPack(arg, transposed, pairs) : nullptr;
    if (shared)
      P = shared.getStaticInnerTiles().front();
    int64_t G = N / P;
    Value packed =
        packedOperand(rewriter, loc, b, arg, shared, transposed, P, pairs);
    if (pairs)
      a = roundedPairs(rewriter, loc, a);

    // C [M, N] seen as [M, G, P]; loops (m, g, k, p). A C filled with a
    // constant is filled per task instead (fused below), in the task's cache
    // and without a copy of a shared zero tensor.
    auto outType = RankedTensorType::get({M, G, P}, elementType);
    SmallVector<ReassociationIndices> split = {{0}, {1, 2}};
    Value init;
    if (auto fill = c.getDefiningOp<linalg::FillOp>()) {
      Value empty = tensor::EmptyOp::create(rewriter, loc, outType.getShape(),
                                            elementType);
      init = linalg::FillOp::create(rewriter, loc, fill.value(), empty)
                 .getResult(0);
    } else {
      init = tensor::ExpandShapeOp::create(rewriter, loc, outType, c, split);
    }
    // Loops (m, g, k, p), and with pairs (m, g, k / 2, p, 2).
    AffineExpr g, kk, p, mm, j;
    bindDims(ctx, mm, g, kk, p, j);
    unsigned loops = pairs ? 5 : 4;
    auto mapOf = [&](SmallVector<AffineExpr> results, bool paired) {
      if (paired)
        results.push_back(j);
      return AffineMap::get(loops, 0, results, ctx);
    };
    using utils::IteratorType;
    SmallVector<IteratorType> iterators = {
        IteratorType::parallel, IteratorType::parallel, IteratorType::reduction,
        IteratorType::parallel};
    if (pairs)
      iterators.push_back(IteratorType::reduction);
    auto product = linalg::GenericOp::create(
        rewriter, loc, outType, ValueRange{a, packed}, ValueRange{init},
        ArrayRef<AffineMap>{mapOf({mm, kk}, pairs), mapOf({g, kk, p}, pairs),
                            mapOf({mm, g, p}, false)},
        iterators, [&](OpBuilder &nb, Location l, ValueRange args) {
          auto contract = arith::FastMathFlags::contract;
          auto widen = [&](Value v) -> Value {
            if (v.getType() == elementType)
              return v;
            return arith::ExtFOp::create(nb, l, elementType, v);
          };
          Value mul = arith::MulFOp::create(nb, l, widen(args[0]),
                                            widen(args[1]), contract);
          Value sum = arith::AddFOp::create(nb, l, args[2], mul, contract);
          linalg::YieldOp::create(nb, l, sum);
        });
    product->setAttr(retnet::kVectorizeAttrName, rewriter.getUnitAttr());

    // Tasks: row tiles of up to row-tile rows x groups of panels, about
    // `tasks` of them.
    int64_t bBytes = N * K * bElementType.getWidth() / 8;
    int64_t mt = largestDivisorUpTo(M, bBytes > options.cachedWeightBytes
                                           ? options.streamedRowTile
                                           : options.rowTile);
    int64_t rowTiles = M / mt;
    int64_t groups =
        std::max<int64_t>(1, (options.tasks + rowTiles - 1) / rowTiles);
    int64_t gt = largestDivisorUpTo(G, (G + groups - 1) / groups);
    scf::SCFTileAndFuseOptions tiling;
    tiling.tilingOptions.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp)
        .setTileSizes(getAsIndexOpFoldResult(
            ctx, pairs ? ArrayRef<int64_t>{mt, gt, 0, 0, 0}
                       : ArrayRef<int64_t>{mt, gt, 0, 0}));
    tiling.setFusionControlFn(
        [](tensor::ExtractSliceOp, OpResult producer,
           bool) -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
          if (isa<linalg::FillOp>(producer.getOwner()))
            return scf::SCFTileAndFuseOptions::ControlFnResult{};
          return std::nullopt;
        });
    FailureOr<scf::SCFTileAndFuseResult> tiled =
        scf::tileConsumerAndFuseProducersUsingSCF(
            rewriter, cast<TilingInterface>(product.getOperation()), tiling);
    if (failed(tiled))
      return rewriter.notifyMatchFailure(op, "tiling into tasks failed");
    Value result = tiled->replacements.lookup(product.getResult(0));
    rewriter.replaceOp(product, result);
    rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(op, cType, result,
                                                         split);
    // Drop what the rewrite left unused: B's slice, the fills of C.
    for (Value v : {b, init, c}) {
      Operation *def = v.getDefiningOp();
      while (def && isOpTriviallyDead(def)) {
        Operation *next = isa<linalg::FillOp>(def)
                              ? def->getOperand(1).getDefiningOp()
                              : nullptr;
        rewriter.eraseOp(def);
        def = next;
      }
    }
    return success();
  }

  PackMatmulsPassOptions options;
};

struct PackMatmulsPass
    : retnet::cpu::impl::PackMatmulsPassBase<PackMatmulsPass> {
  using PackMatmulsPassBase::PackMatmulsPassBase;
  void runOnOperation() override {
    if (panelWidth < 1 || rowPanelWidth < 1 || rowTile < 1 ||
        streamedRowTile < 1 || tasks < 1 || cachedWeightBytes < 0) {
      getOperation().emitError(
          "retnet-cpu-pack-matmuls: panel-width, row-panel-width, row-tile, "
          "streamed-row-tile and tasks must be at least 1, "
          "cached-weight-bytes at least 0");
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    populatePackMatmulsPatterns(patterns, {panelWidth, rowPanelWidth, rowTile,
                                           streamedRowTile, cachedWeightBytes,
                                           tasks, bf16Dot});
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};
} // namespace

void retnet::cpu::populatePackMatmulsPatterns(
    RewritePatternSet &patterns, const PackMatmulsPassOptions &options) {
  patterns.add<PackMatmul>(patterns.getContext(), options);
}
