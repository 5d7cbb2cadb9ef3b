//===- RetentionToGPU.cpp - the recurrent retention kernel ----------------===//

#include "retnet/Conversion/RetentionToGPU/RetentionToGPU.h"
#include "retnet/Dialect/Retention/IR/RetentionOps.h"
#include "retnet/Dialect/Retention/Transforms/Transforms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

#include <limits>

namespace retnet {
#define GEN_PASS_DEF_CONVERTRETENTIONTOGPUPASS
#include "retnet/Conversion/Passes.h.inc"
} // namespace retnet

using namespace mlir;
using namespace retnet;
using namespace retnet::retention;

namespace {
/// Threads per block: one warp, one state column each.
constexpr int64_t kWarp = 32;

/// Host side of one kernel launch: device copies of the inputs, device
/// outputs, the async token chain.
class DeviceBuffers {
public:
  DeviceBuffers(OpBuilder &b, Location loc) : b(b), loc(loc) {
    token =
        gpu::WaitOp::create(b, loc, tokenType(), ValueRange{}).getAsyncToken();
  }
  Type tokenType() { return gpu::AsyncTokenType::get(b.getContext()); }

  /// A device buffer of `type`.
  Value alloc(MemRefType type) {
    auto op = gpu::AllocOp::create(b, loc, type, tokenType(), token,
                                   ValueRange{}, ValueRange{});
    token = op.getAsyncToken();
    device.push_back(op.getMemref());
    return op.getMemref();
  }
  void copy(Value dst, Value src) {
    token = gpu::MemcpyOp::create(b, loc, tokenType(), token, dst, src)
                .getAsyncToken();
  }
  /// A device copy of tensor `t`.
  Value upload(Value t) {
    auto type = cast<RankedTensorType>(t.getType());
    auto memType = MemRefType::get(type.getShape(), type.getElementType());
    Value host = bufferization::ToBufferOp::create(b, loc, memType, t,
                                                   /*read_only=*/true);
    Value dev = alloc(memType);
    copy(dev, host);
    return dev;
  }
  /// `dev` copied into a new host tensor.
  Value download(Value dev) {
    auto memType = cast<MemRefType>(dev.getType());
    Value host = memref::AllocOp::create(b, loc, memType);
    copy(host, dev);
    return host;
  }
  /// A gpu.launch of `gridX` x `gridY` blocks of one warp after the copies,
  /// its body built by `body` (which may leave the insertion point anywhere).
  void launch(int64_t gridX, int64_t gridY,
              llvm::function_ref<void(gpu::LaunchOp)> body) {
    auto index = [&](int64_t x) {
      return arith::ConstantIndexOp::create(b, loc, x).getResult();
    };
    Value one = index(1);
    auto op = gpu::LaunchOp::create(
        b, loc, index(gridX), index(gridY), one, index(kWarp), one, one,
        /*dynamicSharedMemorySize=*/nullptr, tokenType(), ValueRange{token});
    token = op.getAsyncToken();
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&op.getBody().front());
    body(op);
    b.setInsertionPointToEnd(&op.getBody().front());
    gpu::TerminatorOp::create(b, loc);
  }
  /// Frees the device buffers and waits for everything.
  void finish() {
    for (Value dev : device)
      token = gpu::DeallocOp::create(b, loc, tokenType(), token, dev)
                  .getAsyncToken();
    gpu::WaitOp::create(b, loc, Type(), token);
  }

  OpBuilder &b;
  Location loc;
  Value token;
  SmallVector<Value> device;
};

/// 1 / sqrt(c) in f32 for the row at absolute position n, where
/// c = sum_{i=0..n} gamma^i = expm1((n+1) log g) / expm1(log g), or n + 1 for
/// gamma = 1, evaluated in f64 from `logDecay64` and the index `n1` = n + 1.
Value invSqrtRowSum(OpBuilder &b, Location loc, Value logDecay64, Value n1) {
  Type f64 = b.getF64Type();
  auto f64Const = [&](double x) -> Value {
    return arith::ConstantOp::create(b, loc, b.getF64FloatAttr(x));
  };
  Value n1f = arith::UIToFPOp::create(
      b, loc, f64, arith::IndexCastUIOp::create(b, loc, b.getI64Type(), n1));
  Value ratio = arith::DivFOp::create(
      b, loc,
      math::ExpM1Op::create(b, loc,
                            arith::MulFOp::create(b, loc, n1f, logDecay64)),
      math::ExpM1Op::create(b, loc, logDecay64));
  Value isOne = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                      logDecay64, f64Const(0.0));
  Value c = arith::SelectOp::create(b, loc, isOne, n1f, ratio);
  return arith::TruncFOp::create(
      b, loc, b.getF32Type(),
      arith::DivFOp::create(b, loc, f64Const(1.0),
                            math::SqrtOp::create(b, loc, c)));
}

struct RecurrentToGPU : OpRewritePattern<RecurrentOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RecurrentOp op,
                                PatternRewriter &rewriter) const override {
    auto qType = op.getQ().getType(), vType = op.getV().getType();
    auto oType = op.getO().getType();
    if (!qType.hasStaticShape() || !vType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    int64_t B = qType.getDimSize(0), H = qType.getDimSize(1),
            T = qType.getDimSize(2), Dk = qType.getDimSize(3),
            Dv = vType.getDimSize(3);
    Location loc = op.getLoc();
    DeviceBuffers dev(rewriter, loc);
    Value q = dev.upload(op.getQ()), k = dev.upload(op.getK()),
          v = dev.upload(op.getV()), ld = dev.upload(op.getLogDecay()),
          state = dev.upload(op.getState());
    Value out =
        dev.alloc(MemRefType::get(oType.getShape(), oType.getElementType()));

    dev.launch(B * H, (Dv + kWarp - 1) / kWarp, [&](gpu::LaunchOp launch) {
      buildKernel(rewriter, loc, op, launch, q, k, v, ld, state, out,
                  {B, H, T, Dk, Dv});
    });

    Value oHost = dev.download(out), sHost = dev.download(state);
    dev.finish();
    auto toTensor = [&](Value host, Type type) {
      return bufferization::ToTensorOp::create(
          rewriter, loc, type, host, /*restrict=*/true, /*writable=*/true);
    };
    rewriter.replaceOp(op, {toTensor(oHost, oType),
                            toTensor(sHost, op.getNewState().getType())});
    return success();
  }

  /// The body of one thread: column j of the state of (b, h).
  static void buildKernel(OpBuilder &b, Location loc, RecurrentOp op,
                          gpu::LaunchOp launch, Value q, Value k, Value v,
                          Value ld, Value state, Value out,
                          ArrayRef<int64_t> dims) {
    int64_t H = dims[1], T = dims[2], Dk = dims[3], Dv = dims[4];
    Type f32 = b.getF32Type(), f64 = b.getF64Type();
    auto index = [&](int64_t x) {
      return arith::ConstantIndexOp::create(b, loc, x).getResult();
    };
    Value bh = launch.getBlockIds().x, tile = launch.getBlockIds().y,
          lane = launch.getThreadIds().x;
    Value batch = arith::DivUIOp::create(b, loc, bh, index(H));
    Value head = arith::RemUIOp::create(b, loc, bh, index(H));
    Value j = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, tile, index(kWarp)), lane);
    Value inRange =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, j, index(Dv));
    auto guard = scf::IfOp::create(b, loc, inRange, /*withElse=*/false);
    b.setInsertionPointToStart(&guard.getThenRegion().front());

    auto f32Const = [&](double x) {
      return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(float(x)))
          .getResult();
    };
    auto toF32 = [&](Value x) -> Value {
      return x.getType() == f32 ? x : arith::ExtFOp::create(b, loc, f32, x);
    };
    // gamma = exp(max(log_decay, lowest)): exactly 0 for gamma = 0.
    Value logDecay = arith::MaximumFOp::create(
        b, loc, memref::LoadOp::create(b, loc, ld, ValueRange{head}),
        f32Const(std::numeric_limits<float>::lowest()));
    Value gamma = math::ExpOp::create(b, loc, logDecay);
    Value logDecay64 = arith::ExtFOp::create(b, loc, f64, logDecay);
    Value position = op.getPosition();
    bool normalize = op.getNormalization() == Normalization::SqrtRowSum;
    double scale = op.getScaleOrOne();

    auto steps = scf::ForOp::create(b, loc, index(0), index(T), index(1));
    b.setInsertionPointToStart(steps.getBody());
    Value t = steps.getInductionVar();
    auto rows = scf::ForOp::create(b, loc, index(0), index(Dk), index(1),
                                   ValueRange{f32Const(0.0)});
    {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(rows.getBody());
      Value i = rows.getInductionVar(), acc = rows.getRegionIterArgs()[0];
      Value sIdx[] = {batch, head, i, j};
      Value s = memref::LoadOp::create(b, loc, state, sIdx);
      Value kv = arith::MulFOp::create(
          b, loc,
          toF32(
              memref::LoadOp::create(b, loc, k, ValueRange{batch, head, t, i})),
          toF32(memref::LoadOp::create(b, loc, v,
                                       ValueRange{batch, head, t, j})));
      Value s2 = math::FmaOp::create(b, loc, gamma, s, kv);
      memref::StoreOp::create(b, loc, s2, state, sIdx);
      Value qi = toF32(
          memref::LoadOp::create(b, loc, q, ValueRange{batch, head, t, i}));
      Value sum = math::FmaOp::create(b, loc, qi, s2, acc);
      scf::YieldOp::create(b, loc, sum);
    }
    Value o = rows.getResult(0);
    if (scale != 1.0)
      o = arith::MulFOp::create(b, loc, o, f32Const(scale));
    if (normalize) {
      // n + 1 with n = position + t.
      Value n1 = arith::AddIOp::create(
          b, loc, arith::AddIOp::create(b, loc, position, t), index(1));
      o = arith::MulFOp::create(b, loc, o,
                                invSqrtRowSum(b, loc, logDecay64, n1));
    }
    Type outElem = cast<MemRefType>(out.getType()).getElementType();
    if (outElem != f32)
      o = arith::TruncFOp::create(b, loc, outElem, o);
    memref::StoreOp::create(b, loc, o, out, ValueRange{batch, head, t, j});
  }
};

/// The tensor-core kernel of an f16 parallel op whose T and Dk are
/// multiples of 16 and Dv a multiple of 8: one warp per (batch * head,
/// 16 query rows). For each causal block of 16 keys it computes the score
/// tile Q K^T with mma.sync m16n8k16 (f32 accumulators), applies the scale
/// and the decay gamma^(a-c) (zero above the diagonal) to the accumulator
/// fragments in registers, repacks them as the f16 A operand of P V (the
/// accumulator layout of two 16x8 tiles is the A layout of a 16x16 tile),
/// and accumulates the 16 x Dv output with mma.sync; the row normaliser
/// scales it at the end. No decay tensor exists anywhere. Fragments are
/// loaded per lane as the PTX ISA tables place them (g = lane / 4,
/// t = lane % 4).
struct ParallelToTensorCores : OpRewritePattern<ParallelOp> {
  ParallelToTensorCores(MLIRContext *ctx)
      : OpRewritePattern(ctx, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(ParallelOp op,
                                PatternRewriter &rewriter) const override {
    auto qType = op.getQ().getType(), vType = op.getV().getType();
    if (!qType.hasStaticShape() || !vType.hasStaticShape() ||
        !qType.getElementType().isF16() || !vType.getElementType().isF16() ||
        op.getK().getType().getElementType() != qType.getElementType())
      return rewriter.notifyMatchFailure(op, "not static f16");
    int64_t B = qType.getDimSize(0), H = qType.getDimSize(1),
            T = qType.getDimSize(2), Dk = qType.getDimSize(3),
            Dv = vType.getDimSize(3);
    if (T % 16 || Dk % 16 || Dv % 8)
      return rewriter.notifyMatchFailure(op, "not in m16n8k16 tiles");
    Location loc = op.getLoc();
    DeviceBuffers dev(rewriter, loc);
    Value q = dev.upload(op.getQ()), k = dev.upload(op.getK()),
          v = dev.upload(op.getV()), ld = dev.upload(op.getLogDecay());
    auto oType = op.getO().getType();
    Value out =
        dev.alloc(MemRefType::get(oType.getShape(), oType.getElementType()));
    dev.launch(B * H, T / 16, [&](gpu::LaunchOp launch) {
      buildKernel(rewriter, loc, op, launch, q, k, v, ld, out, H, Dk, Dv);
    });
    Value oHost = dev.download(out);
    dev.finish();
    rewriter.replaceOpWithNewOp<bufferization::ToTensorOp>(
        op, oType, oHost, /*restrict=*/true, /*writable=*/true);
    return success();
  }

  static void buildKernel(OpBuilder &b, Location loc, ParallelOp op,
                          gpu::LaunchOp launch, Value q, Value k, Value v,
                          Value ld, Value out, int64_t H, int64_t Dk,
                          int64_t Dv) {
    Type f16 = b.getF16Type(), f32 = b.getF32Type(), f64 = b.getF64Type();
    auto index = [&](int64_t x) {
      return arith::ConstantIndexOp::create(b, loc, x).getResult();
    };
    auto add = [&](Value x, Value y) -> Value {
      return arith::AddIOp::create(b, loc, x, y);
    };
    auto addc = [&](Value x, int64_t c) { return add(x, index(c)); };
    auto f32Const = [&](double x) -> Value {
      return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(float(x)));
    };
    Value bh = launch.getBlockIds().x, qb = launch.getBlockIds().y,
          lane = launch.getThreadIds().x;
    Value batch = arith::DivUIOp::create(b, loc, bh, index(H));
    Value head = arith::RemUIOp::create(b, loc, bh, index(H));
    Value g = arith::DivUIOp::create(b, loc, lane, index(4));
    Value t2 = arith::MulIOp::create(
        b, loc, arith::RemUIOp::create(b, loc, lane, index(4)), index(2));
    Value q0 = arith::MulIOp::create(b, loc, qb, index(16));
    Value logDecay = arith::MaximumFOp::create(
        b, loc, memref::LoadOp::create(b, loc, ld, ValueRange{head}),
        f32Const(std::numeric_limits<float>::lowest()));
    double scale = op.getScaleOrOne();

    auto load = [&](Value m, Value row, Value col) -> Value {
      return memref::LoadOp::create(b, loc, m,
                                    ValueRange{batch, head, row, col});
    };
    auto fragment = [&](ArrayRef<Value> elems, int64_t regs, Type elem) {
      return vector::FromElementsOp::create(
          b, loc, VectorType::get({regs, 2}, elem), elems);
    };
    auto mma = [&](Value a, Value bFrag, Value c) -> Value {
      return nvgpu::MmaSyncOp::create(b, loc, a, bFrag, c,
                                      ArrayRef<int64_t>{16, 8, 16});
    };
    auto accType = VectorType::get({2, 2}, f32);
    // Built from scalars: the emulator mishandles constant arrays of
    // vectors (what a dense vector<2x2xf32> constant becomes).
    Value zero = f32Const(0.0);
    Value zeroAcc = vector::FromElementsOp::create(
        b, loc, accType, ValueRange{zero, zero, zero, zero});
    // O accumulators, one 16 x 8 tile per 8 value columns, carried by the
    // loop over the causal key blocks 0 .. qb as their four f32 values per
    // lane (LLVM's SPIR-V back end takes no loop-carried arrays of vectors).
    SmallVector<Value> init(4 * (Dv / 8), f32Const(0.0));
    auto unpack = [&](Value acc, SmallVectorImpl<Value> &out) {
      for (int64_t r = 0; r < 2; ++r)
        for (int64_t e = 0; e < 2; ++e)
          out.push_back(
              vector::ExtractOp::create(b, loc, acc, ArrayRef<int64_t>{r, e}));
    };
    auto keys =
        scf::ForOp::create(b, loc, index(0), addc(qb, 1), index(1), init);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(keys.getBody());
      Value k0 =
          arith::MulIOp::create(b, loc, keys.getInductionVar(), index(16));
      // S = Q[q0:+16, :] K[k0:+16, :]^T as two 16 x 8 tiles.
      Value s[2] = {zeroAcc, zeroAcc};
      for (int64_t kk = 0; kk < Dk; kk += 16) {
        Value c0 = addc(t2, kk), c1 = addc(t2, kk + 1), c8 = addc(t2, kk + 8),
              c9 = addc(t2, kk + 9), r0 = add(q0, g), r8 = addc(r0, 8);
        Value a = fragment({load(q, r0, c0), load(q, r0, c1), load(q, r8, c0),
                            load(q, r8, c1), load(q, r0, c8), load(q, r0, c9),
                            load(q, r8, c8), load(q, r8, c9)},
                           4, f16);
        for (int64_t j = 0; j < 2; ++j) {
          Value key = add(addc(k0, 8 * j), g);
          Value bFrag = fragment({load(k, key, c0), load(k, key, c1),
                                  load(k, key, c8), load(k, key, c9)},
                                 2, f16);
          s[j] = mma(a, bFrag, s[j]);
        }
      }
      // Scale and decay in registers: element (r, e) of tile j is row
      // q0 + g + 8r, key k0 + 8j + t2 + e.
      SmallVector<Value> p;
      for (int64_t j = 0; j < 2; ++j)
        for (int64_t r = 0; r < 2; ++r)
          for (int64_t e = 0; e < 2; ++e) {
            Value row = addc(add(q0, g), 8 * r);
            Value col = addc(add(k0, t2), 8 * j + e);
            Value causal = arith::CmpIOp::create(
                b, loc, arith::CmpIPredicate::uge, row, col);
            Value dist = arith::UIToFPOp::create(
                b, loc, f32,
                arith::IndexCastUIOp::create(
                    b, loc, b.getI64Type(),
                    arith::SelectOp::create(
                        b, loc, causal, arith::SubIOp::create(b, loc, row, col),
                        index(0))));
            Value decay = math::ExpOp::create(
                b, loc, arith::MulFOp::create(b, loc, dist, logDecay));
            Value x = vector::ExtractOp::create(b, loc, s[j],
                                                ArrayRef<int64_t>{r, e});
            Value y = arith::MulFOp::create(b, loc, x, decay);
            if (scale != 1.0)
              y = arith::MulFOp::create(b, loc, y, f32Const(scale));
            y = arith::SelectOp::create(b, loc, causal, y, f32Const(0.0));
            p.push_back(arith::TruncFOp::create(b, loc, f16, y));
          }
      // Accumulator tiles 0 and 1 are the A fragment of the 16 x 16 block:
      // a0 = tile 0 row g, a1 = tile 0 row g + 8, a2, a3 = tile 1.
      Value pFrag = fragment(p, 4, f16);
      SmallVector<Value> next;
      Value v0 = add(k0, t2), v1 = addc(v0, 1), v8 = addc(v0, 8),
            v9 = addc(v0, 9);
      for (int64_t jv = 0; jv < Dv / 8; ++jv) {
        Value col = addc(g, 8 * jv);
        Value bFrag = fragment({load(v, v0, col), load(v, v1, col),
                                load(v, v8, col), load(v, v9, col)},
                               2, f16);
        Value acc = vector::FromElementsOp::create(
            b, loc, accType, keys.getRegionIterArgs().slice(4 * jv, 4));
        unpack(mma(pFrag, bFrag, acc), next);
      }
      scf::YieldOp::create(b, loc, next);
    }

    // Row normalisers 1 / sqrt(c[n]) of rows q0 + g and q0 + g + 8.
    Value logDecay64 = arith::ExtFOp::create(b, loc, f64, logDecay);
    auto invNorm = [&](Value row) -> Value {
      if (op.getNormalization() != Normalization::SqrtRowSum)
        return f32Const(1.0);
      return invSqrtRowSum(b, loc, logDecay64, addc(row, 1));
    };
    Value rows[2] = {add(q0, g), addc(add(q0, g), 8)};
    Value inv[2] = {invNorm(rows[0]), invNorm(rows[1])};
    Type outElem = cast<MemRefType>(out.getType()).getElementType();
    for (int64_t jv = 0; jv < Dv / 8; ++jv)
      for (int64_t r = 0; r < 2; ++r)
        for (int64_t e = 0; e < 2; ++e) {
          Value x = keys.getResult(4 * jv + 2 * r + e);
          Value y = arith::MulFOp::create(b, loc, x, inv[r]);
          if (outElem != f32)
            y = arith::TruncFOp::create(b, loc, outElem, y);
          memref::StoreOp::create(
              b, loc, y, out,
              ValueRange{batch, head, rows[r], addc(t2, 8 * jv + e)});
        }
  }
};

struct ConvertRetentionToGPUPass
    : retnet::impl::ConvertRetentionToGPUPassBase<ConvertRetentionToGPUPass> {
  void runOnOperation() override {
    // Chunkwise ops that are the parallel function (no initial state, first
    // row at position 0, final state unused) become parallel ones; parallel
    // ops the tensor-core kernel takes first; the rest become recurrent ops
    // for the recurrent kernel.
    RewritePatternSet parallel(&getContext());
    populateChunkwiseToParallelPatterns(parallel);
    walkAndApplyPatterns(getOperation(), std::move(parallel));
    RewritePatternSet tensorCores(&getContext());
    tensorCores.add<ParallelToTensorCores>(&getContext());
    walkAndApplyPatterns(getOperation(), std::move(tensorCores));
    RewritePatternSet forms(&getContext());
    populateToRecurrentPatterns(forms);
    walkAndApplyPatterns(getOperation(), std::move(forms));
    RewritePatternSet kernels(&getContext());
    populateRetentionToGPUPatterns(kernels);
    walkAndApplyPatterns(getOperation(), std::move(kernels));
    WalkResult left = getOperation()->walk([](RetentionOpInterface op) {
      op->emitOpError("cannot be lowered to a GPU kernel: its shapes must be "
                      "static");
      return WalkResult::interrupt();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace

void retnet::populateRetentionToGPUPatterns(RewritePatternSet &patterns) {
  patterns.add<ParallelToTensorCores, RecurrentToGPU>(patterns.getContext());
}
