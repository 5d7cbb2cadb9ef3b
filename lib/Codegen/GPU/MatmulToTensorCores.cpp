//===- MatmulToTensorCores.cpp - products on mma.sync ---------------------===//
//
// The whole model on the GPU: a product of activations by 16-bit weights,
// C[m, n] += A[m, k] W[n, k] (the weights as torch.nn.Linear stores them), as
// a kernel of one warp per 16 x 8 tile of C on mma.sync m16n8k16.
//
//===----------------------------------------------------------------------===//

#include "retnet/Codegen/GPU/MmaSync.h"
#include "retnet/Codegen/GPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace retnet::gpu {
#define GEN_PASS_DEF_GPUMATMULTOTENSORCORESPASS
#include "retnet/Codegen/GPU/Passes.h.inc"
} // namespace retnet::gpu

using namespace mlir;

namespace {
/// Whether `op` is C[m, n] += A[m, k] W[n, k] on static buffers, f32 A and C
/// (or A of W's type) and f16 or bf16 W.
LogicalResult matchProduct(linalg::MatmulOp op, PatternRewriter &rewriter) {
  if (!op.hasPureBufferSemantics())
    return rewriter.notifyMatchFailure(op, "not on buffers");
  MLIRContext *ctx = op.getContext();
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  SmallVector<AffineMap> maps = {AffineMap::get(3, 0, {m, k}, ctx),
                                 AffineMap::get(3, 0, {n, k}, ctx),
                                 AffineMap::get(3, 0, {m, n}, ctx)};
  if (op.getIndexingMapsArray() != ArrayRef<AffineMap>(maps))
    return rewriter.notifyMatchFailure(op, "not A W^T");
  auto a = dyn_cast<MemRefType>(op.getInputs()[0].getType());
  auto w = dyn_cast<MemRefType>(op.getInputs()[1].getType());
  auto c = dyn_cast<MemRefType>(op.getOutputs()[0].getType());
  if (!a || !w || !c || !a.hasStaticShape() || !w.hasStaticShape() ||
      !c.hasStaticShape())
    return rewriter.notifyMatchFailure(op, "dynamic shapes");
  Type elem = w.getElementType();
  if (!elem.isF16() && !elem.isBF16())
    return rewriter.notifyMatchFailure(op, "weights not f16 or bf16");
  if ((!a.getElementType().isF32() && a.getElementType() != elem) ||
      !c.getElementType().isF32())
    return rewriter.notifyMatchFailure(op, "not f32 activations and result");
  return success();
}

struct MatmulToTensorCores : OpRewritePattern<linalg::MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(matchProduct(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    auto cType = cast<MemRefType>(op.getOutputs()[0].getType());
    int64_t M = cType.getDimSize(0), N = cType.getDimSize(1),
            K = cast<MemRefType>(op.getInputs()[0].getType()).getDimSize(1);
    auto index = [&](int64_t x) {
      return arith::ConstantIndexOp::create(rewriter, loc, x).getResult();
    };
    Value one = index(1);
    auto launch = mlir::gpu::LaunchOp::create(rewriter, loc, index((N + 7) / 8),
                                              index((M + 15) / 16), one,
                                              index(32), one, one);
    {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(&launch.getBody().front());
      buildKernel(rewriter, loc, launch, op.getInputs()[0], op.getInputs()[1],
                  op.getOutputs()[0], M, N, K);
      mlir::gpu::TerminatorOp::create(rewriter, loc);
    }
    rewriter.eraseOp(op);
    return success();
  }

  /// The warp of block (x, y) adds to C[16 y : +16, 8 x : +8] the tile of
  /// A W^T, over K in steps of 16, A rounded to W's type; rows, columns and
  /// steps past M, N, K read as zero and are not stored.
  static void buildKernel(OpBuilder &b, Location loc,
                          mlir::gpu::LaunchOp launch, Value a, Value w, Value c,
                          int64_t M, int64_t N, int64_t K) {
    Type elem = cast<MemRefType>(w.getType()).getElementType();
    retnet::gpu::MmaSync mma(b, loc, launch.getThreadIds().x, elem);
    Value m0 = mma.mulc(launch.getBlockIds().y, 16);
    Value n0 = mma.mulc(launch.getBlockIds().x, 8);
    // Whether (i, j) lies in [0, I) x [0, J).
    auto inside = [&](Value i, Value j, int64_t I, int64_t J) -> Value {
      auto below = [&](Value v, int64_t bound) {
        return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, v,
                                     mma.index(bound));
      };
      return arith::AndIOp::create(b, loc, below(i, I), below(j, J));
    };
    // x[i, j] as f32, or 0 outside [I, J] (indices clamped: no access
    // outside; the select in f32: the emulator has no bf16 select).
    auto load = [&](Value x, Value i, Value j, int64_t I, int64_t J) {
      Value v = memref::LoadOp::create(
          b, loc, x,
          ValueRange{arith::MinUIOp::create(b, loc, i, mma.index(I - 1)),
                     arith::MinUIOp::create(b, loc, j, mma.index(J - 1))});
      if (!v.getType().isF32())
        v = mma.toF32(v);
      return arith::SelectOp::create(b, loc, inside(i, j, I, J), v, mma.zero)
          .getResult();
    };
    // Accumulator element (r, e): row g + 8r, column t2 + e of the tile.
    auto row = [&](int64_t r) { return mma.add(m0, mma.addc(mma.g, 8 * r)); };
    auto col = [&](int64_t e) { return mma.add(n0, mma.addc(mma.t2, e)); };
    SmallVector<Value> acc;
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t e = 0; e < 2; ++e)
        acc.push_back(load(c, row(r), col(e), M, N));
    auto loop = scf::ForOp::create(
        b, loc, mma.index(0), mma.index(K), mma.index(16), acc,
        [&](OpBuilder &nb, Location, Value k0, ValueRange carried) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
          // The fragments in W's type: W's values round-trip exactly, A's
          // are rounded. A (16 x 16, row-major): registers {row g, g + 8} x
          // columns {t2, t2 + 8}, two values each: element 4 kc + 2 r + e.
          SmallVector<Value> aValues;
          for (int64_t kc : {0, 8})
            for (int64_t r = 0; r < 2; ++r)
              for (int64_t e = 0; e < 2; ++e)
                aValues.push_back(load(
                    a, row(r), mma.add(k0, mma.addc(mma.t2, kc + e)), M, K));
          // For f16, each row of this step's A is scaled by the 2^-e_r that
          // brings its largest value below 2^15 (agreed by the row's quad)
          // and the accumulator by the same factor around the product, so
          // that no activation f32 holds becomes infinite.
          std::array<Value, 2> down, up;
          if (mma.narrowRange()) {
            for (int64_t r = 0; r < 2; ++r) {
              Value largest = mma.zero;
              for (int64_t kc = 0; kc < 2; ++kc)
                for (int64_t e = 0; e < 2; ++e)
                  largest = arith::MaximumFOp::create(
                      b, loc, largest,
                      math::AbsFOp::create(b, loc,
                                           aValues[4 * kc + 2 * r + e]));
              auto [scaleDown, scaleUp] =
                  mma.rangeScales(mma.rangeExponent(mma.laneMax(largest, 3)));
              down[r] = scaleDown;
              up[r] = scaleUp;
              for (int64_t kc = 0; kc < 2; ++kc)
                for (int64_t e = 0; e < 2; ++e) {
                  Value &x = aValues[4 * kc + 2 * r + e];
                  x = arith::MulFOp::create(b, loc, x, down[r]);
                }
            }
          }
          SmallVector<Value> aElems;
          for (Value x : aValues)
            aElems.push_back(mma.toElem(x));
          // W^T (16 x 8, column-major: W's rows): column g, rows t2, t2 + 1
          // and t2 + 8, t2 + 9.
          SmallVector<Value> wElems;
          for (int64_t kc : {0, 8})
            for (int64_t e = 0; e < 2; ++e)
              wElems.push_back(mma.toElem(
                  load(w, mma.add(n0, mma.g),
                       mma.add(k0, mma.addc(mma.t2, kc + e)), N, K)));
          Value acc = mma.pack(carried);
          if (down[0])
            acc = mma.scaleRows(acc, down);
          Value d =
              mma.mma(mma.fragment(aElems, 4), mma.fragment(wElems, 2), acc);
          if (up[0])
            d = mma.scaleRows(d, up);
          SmallVector<Value> next;
          mma.unpack(d, next);
          scf::YieldOp::create(b, loc, next);
        });
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t e = 0; e < 2; ++e) {
        Value i = row(r), j = col(e);
        auto ifOp = scf::IfOp::create(b, loc, inside(i, j, M, N));
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(&ifOp.getThenRegion().front());
        memref::StoreOp::create(b, loc, loop.getResult(2 * r + e), c,
                                ValueRange{i, j});
      }
  }
};

struct GpuMatmulToTensorCoresPass
    : retnet::gpu::impl::GpuMatmulToTensorCoresPassBase<
          GpuMatmulToTensorCoresPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    retnet::gpu::populateMatmulToTensorCoresPatterns(patterns);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};
} // namespace

void retnet::gpu::populateMatmulToTensorCoresPatterns(
    RewritePatternSet &patterns) {
  patterns.add<MatmulToTensorCores>(patterns.getContext());
}
