//===- RetentionToGPU.cpp - retention kernels for NVIDIA GPUs -------------===//

#include "retnet/Conversion/RetentionToGPU/RetentionToGPU.h"
#include "retnet/Codegen/GPU/MmaSync.h"
#include "retnet/Dialect/Retention/IR/RetentionOps.h"
#include "retnet/Dialect/Retention/Transforms/Transforms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

#include <array>
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

/// Host side of one kernel launch. With operands on the host: device copies
/// of the inputs, device outputs copied back to host buffers, the async
/// token chain. With operands on the device (`onDevice`: every buffer of the
/// host code is device memory, see retnet-gpu-device-buffers): the inputs'
/// own buffers, outputs in new buffers, a synchronous launch.
class DeviceBuffers {
public:
  DeviceBuffers(OpBuilder &b, Location loc, bool onDevice)
      : b(b), loc(loc), onDevice(onDevice) {
    if (!onDevice)
      token = mlir::gpu::WaitOp::create(b, loc, tokenType(), ValueRange{})
                  .getAsyncToken();
  }
  Type tokenType() { return mlir::gpu::AsyncTokenType::get(b.getContext()); }

  /// A device buffer of `type`.
  Value alloc(MemRefType type) {
    if (onDevice)
      return memref::AllocOp::create(b, loc, type);
    auto op = mlir::gpu::AllocOp::create(b, loc, type, tokenType(), token,
                                         ValueRange{}, ValueRange{});
    token = op.getAsyncToken();
    device.push_back(op.getMemref());
    return op.getMemref();
  }
  void copy(Value dst, Value src) {
    token = mlir::gpu::MemcpyOp::create(b, loc, tokenType(), token, dst, src)
                .getAsyncToken();
  }
  /// Tensor `t` in device memory, for the kernel to read.
  Value upload(Value t) {
    auto type = cast<RankedTensorType>(t.getType());
    auto memType = MemRefType::get(type.getShape(), type.getElementType());
    Value host = bufferization::ToBufferOp::create(b, loc, memType, t,
                                                   /*read_only=*/true);
    if (onDevice)
      return host;
    Value dev = alloc(memType);
    copy(dev, host);
    return dev;
  }
  /// A device copy of tensor `t`, for the kernel to update.
  Value uploadForUpdate(Value t) {
    if (!onDevice)
      return upload(t);
    Value src = upload(t);
    Value dev = alloc(cast<MemRefType>(src.getType()));
    memref::CopyOp::create(b, loc, src, dev);
    return dev;
  }
  /// `dev` as a host buffer (on the device: `dev` itself).
  Value download(Value dev) {
    if (onDevice)
      return dev;
    auto memType = cast<MemRefType>(dev.getType());
    Value host = memref::AllocOp::create(b, loc, memType);
    copy(host, dev);
    return host;
  }
  /// A gpu.launch of `gridX` x `gridY` blocks of one warp after the copies,
  /// its body built by `body` (which may leave the insertion point anywhere).
  void launch(int64_t gridX, int64_t gridY,
              llvm::function_ref<void(mlir::gpu::LaunchOp)> body,
              TypeRange workgroup = {}) {
    auto index = [&](int64_t x) {
      return arith::ConstantIndexOp::create(b, loc, x).getResult();
    };
    Value one = index(1);
    auto op = mlir::gpu::LaunchOp::create(
        b, loc, index(gridX), index(gridY), one, index(kWarp), one, one,
        /*dynamicSharedMemorySize=*/nullptr, onDevice ? Type() : tokenType(),
        onDevice ? ValueRange{} : ValueRange{token}, workgroup);
    if (!onDevice)
      token = op.getAsyncToken();
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&op.getBody().front());
    body(op);
    b.setInsertionPointToEnd(&op.getBody().front());
    mlir::gpu::TerminatorOp::create(b, loc);
  }
  /// The buffer `host` (a download) as the tensor of `type` that replaces a
  /// result.
  Value toTensor(Value host, Type type) {
    return bufferization::ToTensorOp::create(
        b, loc, type, host, /*restrict=*/true, /*writable=*/true);
  }
  /// Frees the device buffers and waits for everything.
  void finish() {
    if (onDevice)
      return;
    for (Value dev : device)
      token = mlir::gpu::DeallocOp::create(b, loc, tokenType(), token, dev)
                  .getAsyncToken();
    mlir::gpu::WaitOp::create(b, loc, Type(), token);
  }

  OpBuilder &b;
  Location loc;
  bool onDevice;
  Value token;
  SmallVector<Value> device;
};

/// 1 / sqrt(c) in f32 for the row at absolute position n = position + row,
/// where c = sum_{i=0..n} gamma^i = expm1((n+1) log g) / expm1(log g), or
/// n + 1 for gamma = 1, evaluated in f64 from `logDecay64`. The position is
/// unsigned and n + 1 is formed in f64 from it and row + 1, so no index
/// arithmetic on the position wraps around.
Value invSqrtRowSum(OpBuilder &b, Location loc, Value logDecay64,
                    Value position, Value row) {
  Type f64 = b.getF64Type();
  auto f64Const = [&](double x) -> Value {
    return arith::ConstantOp::create(b, loc, b.getF64FloatAttr(x));
  };
  auto unsignedToF64 = [&](Value index) -> Value {
    return arith::UIToFPOp::create(
        b, loc, f64,
        arith::IndexCastUIOp::create(b, loc, b.getI64Type(), index));
  };
  Value n1f = arith::AddFOp::create(
      b, loc, unsignedToF64(position),
      unsignedToF64(arith::AddIOp::create(
          b, loc, row, arith::ConstantIndexOp::create(b, loc, 1))));
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

/// Whether every operand and result of `op` has a static shape (what device
/// buffers need).
bool allStatic(Operation *op) {
  auto isStatic = [](Type t) {
    auto shaped = dyn_cast<ShapedType>(t);
    return !shaped || shaped.hasStaticShape();
  };
  return llvm::all_of(op->getOperandTypes(), isStatic) &&
         llvm::all_of(op->getResultTypes(), isStatic);
}

/// A kernel pattern, which knows where the host code's buffers live.
template <typename OpTy> struct KernelPattern : OpRewritePattern<OpTy> {
  KernelPattern(MLIRContext *ctx, bool onDevice, PatternBenefit benefit = 1)
      : OpRewritePattern<OpTy>(ctx, benefit), onDevice(onDevice) {}
  bool onDevice;
};

/// Builds the kernel of a parallel op in `launch` from the device buffers
/// of q, k, v, the decay and o, and the shape (H, T, Dk, Dv).
using ParallelKernelBuilder = void (*)(OpBuilder &, Location, ParallelOp,
                                       mlir::gpu::LaunchOp, Value, Value, Value,
                                       Value, Value, ArrayRef<int64_t>);

/// The host side of a parallel op's kernel: q, k, v and the decay uploaded,
/// o allocated, B * H x `gridY` blocks launched with the body `kernel`
/// builds, o downloaded as the op's result.
void launchParallelOp(PatternRewriter &rewriter, ParallelOp op, bool onDevice,
                      int64_t gridY, ParallelKernelBuilder kernel) {
  auto qType = op.getQ().getType(), oType = op.getO().getType();
  int64_t B = qType.getDimSize(0), H = qType.getDimSize(1),
          T = qType.getDimSize(2), Dk = qType.getDimSize(3),
          Dv = oType.getDimSize(3);
  Location loc = op.getLoc();
  DeviceBuffers dev(rewriter, loc, onDevice);
  Value q = dev.upload(op.getQ()), k = dev.upload(op.getK()),
        v = dev.upload(op.getV()), ld = dev.upload(op.getLogDecay());
  Value out =
      dev.alloc(MemRefType::get(oType.getShape(), oType.getElementType()));
  dev.launch(B * H, gridY, [&](mlir::gpu::LaunchOp launch) {
    kernel(rewriter, loc, op, launch, q, k, v, ld, out, {H, T, Dk, Dv});
  });
  Value oHost = dev.download(out);
  dev.finish();
  rewriter.replaceOp(op, dev.toTensor(oHost, oType));
}

struct RecurrentToGPU : KernelPattern<RecurrentOp> {
  using KernelPattern::KernelPattern;

  LogicalResult matchAndRewrite(RecurrentOp op,
                                PatternRewriter &rewriter) const override {
    auto qType = op.getQ().getType(), vType = op.getV().getType();
    auto oType = op.getO().getType();
    if (!allStatic(op))
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    int64_t B = qType.getDimSize(0), H = qType.getDimSize(1),
            T = qType.getDimSize(2), Dk = qType.getDimSize(3),
            Dv = vType.getDimSize(3);
    Location loc = op.getLoc();
    DeviceBuffers dev(rewriter, loc, onDevice);
    Value q = dev.upload(op.getQ()), k = dev.upload(op.getK()),
          v = dev.upload(op.getV()), ld = dev.upload(op.getLogDecay()),
          state = dev.uploadForUpdate(op.getState());
    Value out =
        dev.alloc(MemRefType::get(oType.getShape(), oType.getElementType()));

    dev.launch(B * H, (Dv + kWarp - 1) / kWarp,
               [&](mlir::gpu::LaunchOp launch) {
                 buildKernel(rewriter, loc, op, launch, q, k, v, ld, state, out,
                             {B, H, T, Dk, Dv});
               });

    Value oHost = dev.download(out), sHost = dev.download(state);
    dev.finish();
    rewriter.replaceOp(op, {dev.toTensor(oHost, oType),
                            dev.toTensor(sHost, op.getNewState().getType())});
    return success();
  }

  /// The body of one thread: column j of the state of (b, h).
  static void buildKernel(OpBuilder &b, Location loc, RecurrentOp op,
                          mlir::gpu::LaunchOp launch, Value q, Value k, Value v,
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
      o = arith::MulFOp::create(b, loc, o,
                                invSqrtRowSum(b, loc, logDecay64, position, t));
    }
    Type outElem = cast<MemRefType>(out.getType()).getElementType();
    if (outElem != f32)
      o = arith::TruncFOp::create(b, loc, outElem, o);
    memref::StoreOp::create(b, loc, o, out, ValueRange{batch, head, t, j});
  }
};

/// A parallel op with a row divisor (the reference implementation's, kept
/// by retention-raise), which needs every weight of a row: one thread per
/// (batch, head, value column) walks the rows n and, for each, the keys
/// m <= n, recomputing the score q_n . k_m, accumulating w v_m[j] and the
/// row's sum of |w| (or of w), and divides once per row. A plain SIMT kernel
/// for correctness, not speed (the scores are computed once per column).
struct ParallelRowDivisorToGPU : KernelPattern<ParallelOp> {
  using KernelPattern::KernelPattern;

  LogicalResult matchAndRewrite(ParallelOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getRowDivisor())
      return rewriter.notifyMatchFailure(op, "no row divisor");
    if (!allStatic(op))
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    int64_t Dv = op.getO().getType().getDimSize(3);
    launchParallelOp(rewriter, op, onDevice, (Dv + kWarp - 1) / kWarp,
                     buildKernel);
    return success();
  }

  static void buildKernel(OpBuilder &b, Location loc, ParallelOp op,
                          mlir::gpu::LaunchOp launch, Value q, Value k, Value v,
                          Value ld, Value out, ArrayRef<int64_t> dims) {
    int64_t H = dims[0], T = dims[1], Dk = dims[2], Dv = dims[3];
    Type f32 = b.getF32Type(), f64 = b.getF64Type();
    auto index = [&](int64_t x) {
      return arith::ConstantIndexOp::create(b, loc, x).getResult();
    };
    auto f32Const = [&](double x) {
      return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(float(x)))
          .getResult();
    };
    auto toF32 = [&](Value x) -> Value {
      return x.getType() == f32 ? x : arith::ExtFOp::create(b, loc, f32, x);
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

    Value logDecay = arith::MaximumFOp::create(
        b, loc, memref::LoadOp::create(b, loc, ld, ValueRange{head}),
        f32Const(std::numeric_limits<float>::lowest()));
    Value logDecay64 = arith::ExtFOp::create(b, loc, f64, logDecay);
    bool normalize = op.getNormalization() == Normalization::SqrtRowSum;
    RowDivisorAttr divisor = op.getRowDivisorAttr();
    bool sumOfAbs = divisor.getKind() == RowDivisorKind::SumOfAbs;

    auto rows = scf::ForOp::create(b, loc, index(0), index(T), index(1));
    b.setInsertionPointToStart(rows.getBody());
    Value n = rows.getInductionVar();
    Value factor = f32Const(op.getScaleOrOne());
    if (normalize)
      factor = arith::MulFOp::create(
          b, loc, factor,
          invSqrtRowSum(b, loc, logDecay64, /*position=*/index(0), n));
    Value zero = f32Const(0.0);
    auto keys = scf::ForOp::create(b, loc, index(0),
                                   arith::AddIOp::create(b, loc, n, index(1)),
                                   index(1), ValueRange{zero, zero});
    {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(keys.getBody());
      Value m = keys.getInductionVar();
      auto dot = scf::ForOp::create(b, loc, index(0), index(Dk), index(1),
                                    ValueRange{zero});
      {
        OpBuilder::InsertionGuard g2(b);
        b.setInsertionPointToStart(dot.getBody());
        Value i = dot.getInductionVar();
        Value qi = toF32(
            memref::LoadOp::create(b, loc, q, ValueRange{batch, head, n, i}));
        Value ki = toF32(
            memref::LoadOp::create(b, loc, k, ValueRange{batch, head, m, i}));
        scf::YieldOp::create(
            b, loc,
            math::FmaOp::create(b, loc, qi, ki, dot.getRegionIterArgs()[0])
                .getResult());
      }
      Value distance = arith::UIToFPOp::create(
          b, loc, f32,
          arith::IndexCastUIOp::create(b, loc, b.getI64Type(),
                                       arith::SubIOp::create(b, loc, n, m)));
      Value decay = math::ExpOp::create(
          b, loc, arith::MulFOp::create(b, loc, distance, logDecay));
      Value w = arith::MulFOp::create(
          b, loc, arith::MulFOp::create(b, loc, dot.getResult(0), decay),
          factor);
      Value vj = toF32(
          memref::LoadOp::create(b, loc, v, ValueRange{batch, head, m, j}));
      Value acc =
          math::FmaOp::create(b, loc, w, vj, keys.getRegionIterArgs()[0]);
      Value sum = arith::AddFOp::create(
          b, loc, keys.getRegionIterArgs()[1],
          sumOfAbs ? math::AbsFOp::create(b, loc, w).getResult() : w);
      scf::YieldOp::create(b, loc, ValueRange{acc, sum});
    }
    Value total = keys.getResult(1);
    if (!sumOfAbs)
      total = math::AbsFOp::create(b, loc, total);
    Value clamped = arith::MinimumFOp::create(
        b, loc,
        arith::MaximumFOp::create(b, loc, total,
                                  f32Const(divisor.getMin().convertToDouble())),
        f32Const(divisor.getMax().convertToDouble()));
    Value o = arith::DivFOp::create(b, loc, keys.getResult(0), clamped);
    Type outElem = cast<MemRefType>(out.getType()).getElementType();
    if (outElem != f32)
      o = arith::TruncFOp::create(b, loc, outElem, o);
    memref::StoreOp::create(b, loc, o, out, ValueRange{batch, head, n, j});
  }
};

/// What the retention tensor-core kernels share beyond MmaSync: one warp per
/// block over [B, H, rows, cols] buffers, the head's log-decay, and loads
/// and products of 16-row tiles.
class WarpMma : public retnet::gpu::MmaSync {
public:
  WarpMma(OpBuilder &b, Location loc, mlir::gpu::LaunchOp launch, int64_t H,
          Type elem)
      : MmaSync(b, loc, launch.getThreadIds().x, elem) {
    Value bh = launch.getBlockIds().x;
    batch = arith::DivUIOp::create(b, loc, bh, index(H));
    head = arith::RemUIOp::create(b, loc, bh, index(H));
  }

  /// The log-decay of the head, clamped to the lowest finite f32 so that
  /// exp(d * log_decay) is exactly 0 for gamma = 0 and d > 0 and 1 for d = 0.
  void loadLogDecay(Value ld) {
    logDecay = arith::MaximumFOp::create(
        b, loc, memref::LoadOp::create(b, loc, ld, ValueRange{head}),
        f32(std::numeric_limits<float>::lowest()));
  }
  /// gamma^d for an index d.
  Value decay(Value d) {
    Value df = arith::UIToFPOp::create(
        b, loc, b.getF32Type(),
        arith::IndexCastUIOp::create(b, loc, b.getI64Type(), d));
    return math::ExpOp::create(b, loc,
                               arith::MulFOp::create(b, loc, df, logDecay));
  }

  /// m[batch, head, row, col].
  Value load(Value m, Value row, Value col) {
    return memref::LoadOp::create(b, loc, m, ValueRange{batch, head, row, col});
  }
  /// m[batch, head, row, col], or 0 for rows at or past `rows`.
  Value loadRow(Value m, Value row, Value col, int64_t rows) {
    Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row,
                                         index(rows));
    Value clamped = arith::MinUIOp::create(b, loc, row, index(rows - 1));
    Value x = load(m, clamped, col);
    Value none = arith::ConstantOp::create(b, loc, b.getZeroAttr(x.getType()));
    return arith::SelectOp::create(b, loc, inside, x, none);
  }

  /// Synchronises the warp, which is the whole block, and orders its
  /// shared-memory accesses (__syncwarp: on the emulator a sub-group
  /// barrier, much cheaper there than a work-group barrier).
  void syncWarp() {
    NVVM::SyncWarpOp::create(
        b, loc, arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(-1)));
  }
  /// The four 8 x 8 matrices ldmatrix.x4 (.trans) reads from `tiles` at
  /// this lane's row address `indices`, as 8 elements in register order.
  SmallVector<Value> ldmatrix(Value tiles, ValueRange indices, bool transpose) {
    Value regs = nvgpu::LdMatrixOp::create(
        b, loc, VectorType::get({4, 2}, elem), tiles, indices,
        b.getBoolAttr(transpose), b.getI32IntegerAttr(4));
    SmallVector<Value> out;
    for (int64_t r = 0; r < 4; ++r)
      for (int64_t e = 0; e < 2; ++e)
        out.push_back(
            vector::ExtractOp::create(b, loc, regs, ArrayRef<int64_t>{r, e}));
    return out;
  }
  /// The score tile S = Q[q0:+16, :] K[k0:+16, :]^T as two 16 x 8
  /// accumulators, rows past `rows` read as zero. `perStep`, if given, is
  /// called with each A fragment's Q elements and its column offset.
  std::array<Value, 2>
  scores(Value q, Value k, Value q0, Value k0, int64_t Dk, int64_t rows,
         llvm::function_ref<void(ArrayRef<Value>, int64_t)> perStep = {}) {
    std::array<Value, 2> s = {zeroAcc, zeroAcc};
    Value r0 = add(q0, g), r8 = addc(r0, 8);
    for (int64_t kk = 0; kk < Dk; kk += 16) {
      Value c0 = addc(t2, kk), c1 = addc(t2, kk + 1), c8 = addc(t2, kk + 8),
            c9 = addc(t2, kk + 9);
      SmallVector<Value> qs = {
          loadRow(q, r0, c0, rows), loadRow(q, r0, c1, rows),
          loadRow(q, r8, c0, rows), loadRow(q, r8, c1, rows),
          loadRow(q, r0, c8, rows), loadRow(q, r0, c9, rows),
          loadRow(q, r8, c8, rows), loadRow(q, r8, c9, rows)};
      Value a = fragment(qs, 4);
      for (int64_t j = 0; j < 2; ++j) {
        Value key = add(addc(k0, 8 * j), g);
        s[j] =
            mma(a,
                fragment({loadRow(k, key, c0, rows), loadRow(k, key, c1, rows),
                          loadRow(k, key, c8, rows), loadRow(k, key, c9, rows)},
                         2),
                s[j]);
      }
      if (perStep)
        perStep(qs, kk);
    }
    return s;
  }

  /// The decayed, scaled scores as the A fragment of a product, and, for
  /// f16 operands, the power-of-two factors that keep them finite.
  struct Scores {
    Value fragment;
    /// Per row r (g and g + 8): 2^-e_r to apply to an accumulator before a
    /// product with `fragment` and 2^e_r after; null unless narrowRange().
    std::array<Value, 2> down, up;
    /// acc + P V for an accumulator of row-factor-free values.
    Value product(WarpMma &w, Value bFrag, Value acc) const {
      if (!down[0])
        return w.mma(fragment, bFrag, acc);
      return w.scaleRows(w.mma(fragment, bFrag, w.scaleRows(acc, down)), up);
    }
  };

  /// The A fragment of the decayed, scaled scores: element (r, e) of tile j
  /// is query row q0 + g + 8r against key k0 + 8j + t2 + e, multiplied by
  /// `scale` gamma^(row - key) and zero above the diagonal, rounded to the
  /// element type (the accumulator layout of two 16 x 8 tiles is the A
  /// layout of a 16 x 16 tile). For f16 each row is first multiplied by the
  /// 2^-e_r that brings its largest value below 2^15 (e_r = 0 unless it is
  /// larger), agreed by the row's four lanes, so that no score that f32
  /// holds becomes infinite.
  Scores decayedScores(std::array<Value, 2> s, Value q0, Value k0,
                       double scale) {
    SmallVector<Value> y;
    for (int64_t j = 0; j < 2; ++j)
      for (int64_t r = 0; r < 2; ++r)
        for (int64_t e = 0; e < 2; ++e) {
          Value row = addc(add(q0, g), 8 * r);
          Value col = addc(add(k0, t2), 8 * j + e);
          Value causal = arith::CmpIOp::create(
              b, loc, arith::CmpIPredicate::uge, row, col);
          Value dist = arith::SelectOp::create(
              b, loc, causal, arith::SubIOp::create(b, loc, row, col),
              index(0));
          Value x = arith::MulFOp::create(b, loc, at(s[j], r, e), decay(dist));
          if (scale != 1.0)
            x = arith::MulFOp::create(b, loc, x, f32(scale));
          y.push_back(arith::SelectOp::create(b, loc, causal, x, zero));
        }
    // y[4j + 2r + e] is row r.
    Scores out;
    if (narrowRange()) {
      for (int64_t r = 0; r < 2; ++r) {
        Value m = zero;
        for (int64_t j = 0; j < 2; ++j)
          for (int64_t e = 0; e < 2; ++e)
            m = arith::MaximumFOp::create(
                b, loc, m, math::AbsFOp::create(b, loc, y[4 * j + 2 * r + e]));
        auto [down, up] = rangeScales(rangeExponent(laneMax(m, 3)));
        out.down[r] = down;
        out.up[r] = up;
        for (int64_t j = 0; j < 2; ++j)
          for (int64_t e = 0; e < 2; ++e)
            y[4 * j + 2 * r + e] =
                arith::MulFOp::create(b, loc, y[4 * j + 2 * r + e], down);
      }
    }
    SmallVector<Value> p;
    for (Value x : y)
      p.push_back(toElem(x));
    out.fragment = fragment(p, 4);
    return out;
  }

  /// The B fragment of V[k0:+16, col] (rows past `rows` zero) for the 8
  /// value columns of which `col` is this lane's (col = first + g).
  Value valueFragment(Value v, Value k0, Value col, int64_t rows) {
    Value v0 = add(k0, t2);
    return fragment({loadRow(v, v0, col, rows),
                     loadRow(v, addc(v0, 1), col, rows),
                     loadRow(v, addc(v0, 8), col, rows),
                     loadRow(v, addc(v0, 9), col, rows)},
                    2);
  }

  Value batch, head, logDecay;
};

/// Stores output accumulators (tile jv, element (r, e) at acc[4 jv + 2r + e]:
/// row q0 + g + 8r, value column col0 + 8 jv + t2 + e) for the rows before
/// `rows`, times `scale` and the row normaliser 1 / sqrt(c[position + row]).
void storeOutputRows(WarpMma &w, Value out, Value q0, int64_t rows,
                     ValueRange acc, Value col0, Value position, bool normalize,
                     double scale) {
  OpBuilder &b = w.b;
  Location loc = w.loc;
  Value logDecay64 = arith::ExtFOp::create(b, loc, b.getF64Type(), w.logDecay);
  Type outElem = cast<MemRefType>(out.getType()).getElementType();
  for (int64_t r = 0; r < 2; ++r) {
    Value row = w.addc(w.add(q0, w.g), 8 * r);
    Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row,
                                         w.index(rows));
    auto guard = scf::IfOp::create(b, loc, inside, /*withElse=*/false);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(&guard.getThenRegion().front());
    Value factor = w.f32(scale);
    if (normalize)
      factor = arith::MulFOp::create(
          b, loc, factor, invSqrtRowSum(b, loc, logDecay64, position, row));
    for (int64_t jv = 0; 4 * jv < int64_t(acc.size()); ++jv)
      for (int64_t e = 0; e < 2; ++e) {
        Value y =
            arith::MulFOp::create(b, loc, acc[4 * jv + 2 * r + e], factor);
        if (outElem != y.getType())
          y = arith::TruncFOp::create(b, loc, outElem, y);
        memref::StoreOp::create(
            b, loc, y, out,
            ValueRange{w.batch, w.head, row,
                       w.add(col0, w.addc(w.t2, 8 * jv + e))});
      }
  }
}

/// The largest Dk of the tensor-core kernels (see matchTensorCoreShapes).
constexpr int64_t kMaxTensorCoreDk = 256;

/// Whether q, k and v are static f16 (or all bf16) tensors with Dk a
/// multiple of 16 and Dv of `dvMultiple`: what the tensor-core kernels take.
LogicalResult matchTensorCoreShapes(RetentionOpInterface op,
                                    PatternRewriter &rewriter,
                                    int64_t dvMultiple) {
  auto qType = cast<RankedTensorType>(op.getQ().getType());
  auto kType = cast<RankedTensorType>(op.getK().getType());
  auto vType = cast<RankedTensorType>(op.getV().getType());
  if (!allStatic(op))
    return rewriter.notifyMatchFailure(op, "dynamic shapes");
  Type elem = qType.getElementType();
  if (!(elem.isF16() || elem.isBF16()) || kType.getElementType() != elem ||
      vType.getElementType() != elem)
    return rewriter.notifyMatchFailure(op, "not all f16 or all bf16");
  if (qType.getDimSize(3) % 16 || vType.getDimSize(3) % dvMultiple)
    return rewriter.notifyMatchFailure(op, "not in m16n8k16 tiles");
  // The chunkwise kernel keeps Dk / 2 f32 of state per lane in registers
  // and 128 Dk + 1 KiB of staged tiles in static shared memory (48 KiB at
  // most): Dk = 256 takes 248 registers and 33 KiB.
  if (qType.getDimSize(3) > kMaxTensorCoreDk)
    return rewriter.notifyMatchFailure(op, "Dk too large for the registers");
  return success();
}

/// The tensor-core kernel of an f16 or bf16 parallel op with Dk a multiple of
/// 16 and Dv of 8: one warp per (batch * head, 16 query rows). For each causal
/// block of 16 keys it computes the score tile Q K^T with mma.sync m16n8k16
/// (f32 accumulators), applies the scale and the decay gamma^(a-c) (zero
/// above the diagonal) to the accumulator fragments in registers, repacks
/// them as the A operand of P V, and accumulates the 16 x Dv output with
/// mma.sync; the row normaliser scales it at the end. Rows past T read as
/// zero and are not stored. No decay tensor exists anywhere.
struct ParallelToTensorCores : KernelPattern<ParallelOp> {
  ParallelToTensorCores(MLIRContext *ctx, bool onDevice)
      : KernelPattern(ctx, onDevice, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(ParallelOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getRowDivisor())
      return rewriter.notifyMatchFailure(op, "has a row divisor");
    if (failed(matchTensorCoreShapes(op, rewriter, /*dvMultiple=*/8)))
      return failure();
    int64_t T = op.getQ().getType().getDimSize(2);
    launchParallelOp(rewriter, op, onDevice, (T + 15) / 16, buildKernel);
    return success();
  }

  static void buildKernel(OpBuilder &b, Location loc, ParallelOp op,
                          mlir::gpu::LaunchOp launch, Value q, Value k, Value v,
                          Value ld, Value out, ArrayRef<int64_t> dims) {
    int64_t H = dims[0], T = dims[1], Dk = dims[2], Dv = dims[3];
    WarpMma w(b, loc, launch, H, op.getQ().getType().getElementType());
    Value qb = launch.getBlockIds().y, q0 = w.mulc(qb, 16);
    w.loadLogDecay(ld);
    // The O accumulators, one 16 x 8 tile per 8 value columns, carried by
    // the loop over the causal key blocks 0 .. qb.
    SmallVector<Value> init(4 * (Dv / 8), w.zero);
    auto keys =
        scf::ForOp::create(b, loc, w.index(0), w.addc(qb, 1), w.index(1), init);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(keys.getBody());
      Value k0 = w.mulc(keys.getInductionVar(), 16);
      WarpMma::Scores p = w.decayedScores(w.scores(q, k, q0, k0, Dk, T), q0, k0,
                                          op.getScaleOrOne());
      SmallVector<Value> next;
      for (int64_t jv = 0; jv < Dv / 8; ++jv) {
        Value acc = w.pack(keys.getRegionIterArgs().slice(4 * jv, 4));
        w.unpack(
            p.product(w, w.valueFragment(v, k0, w.addc(w.g, 8 * jv), T), acc),
            next);
      }
      scf::YieldOp::create(b, loc, next);
    }
    storeOutputRows(w, out, q0, T, keys.getResults(), w.index(0),
                    /*position=*/w.index(0),
                    op.getNormalization() == Normalization::SqrtRowSum,
                    /*scale=*/1.0);
  }
};

/// The tensor-core kernel of an f16 or bf16 chunkwise op with Dk and Dv
/// multiples of 16, the state on chip: one warp per (batch * head, 16 value
/// columns) walks the sequence in chunks of 16 rows (the mma tile; every chunk
/// size computes the same function) carrying its 16 x Dk slice of the state
/// transposed, S^T, as f32 mma accumulators. Per chunk, with L its length:
///   O = (Q K^T * D) V + (Q * xi) S   (xi[a] = gamma^(a+1))
///   S^T = gamma^L S^T + V^T (K * zeta) (zeta[b] = gamma^(L-1-b))
/// all four products on mma.sync m16n8k16. The accumulator layout of S^T
/// is the B-operand layout of S (lane g holds S^T[g][t2..], that is column g
/// of S), so the cross term reads the state from registers, rounded.
/// Decays are computed in registers from log(gamma) and the indices.
struct ChunkwiseToTensorCores : KernelPattern<ChunkwiseOp> {
  ChunkwiseToTensorCores(MLIRContext *ctx, bool onDevice)
      : KernelPattern(ctx, onDevice, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(ChunkwiseOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(matchTensorCoreShapes(op, rewriter, /*dvMultiple=*/16)))
      return failure();
    auto qType = op.getQ().getType(), oType = op.getO().getType();
    auto sType = op.getFinalState().getType();
    int64_t B = qType.getDimSize(0), H = qType.getDimSize(1),
            T = qType.getDimSize(2), Dk = qType.getDimSize(3),
            Dv = oType.getDimSize(3);
    Location loc = op.getLoc();
    DeviceBuffers dev(rewriter, loc, onDevice);
    Value q = dev.upload(op.getQ()), k = dev.upload(op.getK()),
          v = dev.upload(op.getV()), ld = dev.upload(op.getLogDecay());
    Value init =
        op.getInitialState() ? dev.upload(op.getInitialState()) : Value();
    Value out =
        dev.alloc(MemRefType::get(oType.getShape(), oType.getElementType()));
    Value state =
        dev.alloc(MemRefType::get(sType.getShape(), sType.getElementType()));
    // Two stages of the chunk's Q and K tiles and V columns in shared
    // memory.
    auto shared = mlir::gpu::AddressSpaceAttr::get(
        rewriter.getContext(), mlir::gpu::AddressSpace::Workgroup);
    Type elem = qType.getElementType();
    Type qkTiles = MemRefType::get({2, 16, Dk}, elem, nullptr, shared);
    Type vTiles = MemRefType::get({2, 16, 16}, elem, nullptr, shared);
    dev.launch(B * H, Dv / 16,
               [&](mlir::gpu::LaunchOp launch) {
                 buildKernel(rewriter, loc, op, launch,
                             {q, k, v, ld, init, out, state}, {H, T, Dk});
               },
               {qkTiles, qkTiles, vTiles});
    Value oHost = dev.download(out), sHost = dev.download(state);
    dev.finish();
    rewriter.replaceOp(
        op, {dev.toTensor(oHost, oType), dev.toTensor(sHost, sType)});
    return success();
  }

  /// Copies chunk `chunk` (16 rows of q and k, and of v's 16 columns from
  /// `col0`) into stage `stage` of the shared tiles with cp.async, 16 bytes
  /// per copy, rows past `rows` zero-filled (their source clamped to a valid
  /// row, zero bytes read); returns the committed group.
  static Value copyChunk(WarpMma &w, Value q, Value k, Value v, Value qS,
                         Value kS, Value vS, Value chunk, Value stage,
                         Value col0, int64_t rows, int64_t Dk) {
    OpBuilder &b = w.b;
    Location loc = w.loc;
    SmallVector<Value> copies;
    auto copy = [&](Value src, Value tiles, Value row, Value srcCol,
                    Value dstCol) {
      Value global = w.add(w.mulc(chunk, 16), row);
      Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                           global, w.index(rows));
      Value clamped = arith::MinUIOp::create(b, loc, global, w.index(rows - 1));
      Value count =
          arith::SelectOp::create(b, loc, inside, w.index(8), w.index(0));
      copies.push_back(nvgpu::DeviceAsyncCopyOp::create(
          b, loc, tiles, ValueRange{stage, row, dstCol}, src,
          ValueRange{w.batch, w.head, clamped, srcCol}, b.getIndexAttr(8),
          count, /*bypassL1=*/nullptr));
    };
    // q and k: 16 rows of Dk / 8 copies, Dk / 16 per lane.
    for (int64_t n = 0; n < Dk / 16; ++n) {
      Value id = w.addc(w.lane, 32 * n);
      Value row = arith::DivUIOp::create(b, loc, id, w.index(Dk / 8));
      Value col =
          w.mulc(arith::RemUIOp::create(b, loc, id, w.index(Dk / 8)), 8);
      copy(q, qS, row, col, col);
      copy(k, kS, row, col, col);
    }
    // v: 16 rows of 2 copies, one per lane.
    Value row = arith::DivUIOp::create(b, loc, w.lane, w.index(2));
    Value col = w.mulc(arith::RemUIOp::create(b, loc, w.lane, w.index(2)), 8);
    copy(v, vS, row, w.add(col0, col), col);
    return nvgpu::DeviceAsyncCreateGroupOp::create(
        b, loc, nvgpu::DeviceAsyncTokenType::get(b.getContext()), copies);
  }

  /// `buffers`: q, k, v, log-decay, initial state (or null), out, state.
  static void buildKernel(OpBuilder &b, Location loc, ChunkwiseOp op,
                          mlir::gpu::LaunchOp launch, ArrayRef<Value> buffers,
                          ArrayRef<int64_t> dims) {
    Value q = buffers[0], k = buffers[1], v = buffers[2], init = buffers[4],
          out = buffers[5], state = buffers[6];
    int64_t H = dims[0], T = dims[1], Dk = dims[2];
    WarpMma w(b, loc, launch, H, op.getQ().getType().getElementType());
    w.loadLogDecay(buffers[3]);
    Value col0 = w.mulc(launch.getBlockIds().y, 16);
    // S^T tile j (Dk columns 8j .. 8j + 7), element (r, e): state row
    // 8j + t2 + e, column col0 + g + 8r; carried as tiles * 4 scalars.
    int64_t tiles = Dk / 8;
    auto stateRow = [&](int64_t j, int64_t e) {
      return w.addc(w.t2, 8 * j + e);
    };
    auto stateCol = [&](int64_t r) { return w.add(col0, w.addc(w.g, 8 * r)); };
    SmallVector<Value> initial;
    for (int64_t j = 0; j < tiles; ++j)
      for (int64_t r = 0; r < 2; ++r)
        for (int64_t e = 0; e < 2; ++e)
          initial.push_back(init ? w.load(init, stateRow(j, e), stateCol(r))
                                 : w.zero);
    Value qS = launch.getWorkgroupAttributions()[0],
          kS = launch.getWorkgroupAttributions()[1],
          vS = launch.getWorkgroupAttributions()[2];
    copyChunk(w, q, k, v, qS, kS, vS, w.index(0), w.index(0), col0, T, Dk);
    auto chunks = scf::ForOp::create(b, loc, w.index(0), w.index((T + 15) / 16),
                                     w.index(1), initial);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(chunks.getBody());
      ValueRange s = chunks.getRegionIterArgs();
      Value chunk = chunks.getInductionVar();
      Value n0 = w.mulc(chunk, 16);
      Value len = arith::MinUIOp::create(
          b, loc, arith::SubIOp::create(b, loc, w.index(T), n0), w.index(16));
      // Prefetch the next chunk into the other stage (past the end: zeros,
      // never read), wait for this chunk's copies (at most one group in
      // flight), make every lane's copies visible.
      Value stage = arith::RemUIOp::create(b, loc, chunk, w.index(2));
      Value group = copyChunk(w, q, k, v, qS, kS, vS, w.addc(chunk, 1),
                              arith::SubIOp::create(b, loc, w.index(1), stage),
                              col0, T, Dk);
      nvgpu::DeviceAsyncWaitOp::create(b, loc, group, b.getI32IntegerAttr(1));
      w.syncWarp();

      // Fragments by ldmatrix. Lane l gives the row address l % 8 of matrix
      // l / 8; matrices ordered (rows 0-7, 8-15) x (columns 0-7, 8-15)
      // row-major (A order) or column-major (B order).
      Value i = arith::DivUIOp::create(b, loc, w.lane, w.index(8));
      Value r8 = arith::RemUIOp::create(b, loc, w.lane, w.index(8));
      Value rowA = arith::RemUIOp::create(b, loc, w.lane, w.index(16));
      Value colA =
          w.mulc(arith::DivUIOp::create(b, loc, w.lane, w.index(16)), 8);
      Value rowB =
          w.add(w.mulc(arith::DivUIOp::create(b, loc, i, w.index(2)), 8), r8);
      Value colB = w.mulc(arith::RemUIOp::create(b, loc, i, w.index(2)), 8);
      auto load = [&](Value tiles, Value row, Value col, bool transpose) {
        return w.ldmatrix(tiles, {stage, row, col}, transpose);
      };

      // For f16, the state enters the cross term as S 2^-e (one e for the
      // warp: its largest |S| below 2^15), and the term is scaled by 2^e.
      std::array<Value, 2> stateScales;
      if (w.narrowRange()) {
        Value m = w.zero;
        for (Value x : s)
          m = arith::MaximumFOp::create(b, loc, m,
                                        math::AbsFOp::create(b, loc, x));
        stateScales = w.rangeScales(w.rangeExponent(w.laneMax(m, 31)));
      }
      // The scores Q K^T and the cross term (Q * xi) S, per k step.
      Value xi[2] = {w.decay(w.addc(w.g, 1)), w.decay(w.addc(w.g, 9))};
      std::array<Value, 2> o = {w.zeroAcc, w.zeroAcc}, scores = o;
      for (int64_t kk = 0; kk < Dk; kk += 16) {
        SmallVector<Value> qs = load(qS, rowA, w.addc(colA, kk), false);
        Value a = w.fragment(qs, 4);
        SmallVector<Value> ks = load(kS, rowB, w.addc(colB, kk), false);
        for (int64_t j = 0; j < 2; ++j)
          scores[j] = w.mma(
              a, w.fragment(ArrayRef<Value>(ks).slice(4 * j, 4), 2), scores[j]);
        // Q * xi: registers 0, 2 hold row g, 1, 3 row g + 8.
        SmallVector<Value> scaled;
        for (auto [n, x] : llvm::enumerate(qs))
          scaled.push_back(w.toElem(
              arith::MulFOp::create(b, loc, w.toF32(x), xi[(n / 2) % 2])));
        Value qxi = w.fragment(scaled, 4);
        int64_t j = kk / 8;
        for (int64_t jn = 0; jn < 2; ++jn) {
          auto st = [&](int64_t tile, int64_t e) {
            Value x = s[4 * tile + 2 * jn + e];
            if (stateScales[0])
              x = arith::MulFOp::create(b, loc, x, stateScales[0]);
            return w.toElem(x);
          };
          Value sFrag =
              w.fragment({st(j, 0), st(j, 1), st(j + 1, 0), st(j + 1, 1)}, 2);
          o[jn] = w.mma(qxi, sFrag, o[jn]);
        }
      }
      if (stateScales[1])
        for (Value &acc : o)
          acc = w.scaleRows(acc, {stateScales[1], stateScales[1]});
      // The inner term (Q K^T * D) V: V's B fragments by ldmatrix.trans.
      WarpMma::Scores p = w.decayedScores(scores, n0, n0, /*scale=*/1.0);
      SmallVector<Value> vs = load(vS, rowA, colA, true);
      SmallVector<Value> oValues;
      for (int64_t jn = 0; jn < 2; ++jn)
        w.unpack(p.product(w,
                           w.fragment(ArrayRef<Value>(vs).slice(4 * jn, 4), 2),
                           o[jn]),
                 oValues);
      storeOutputRows(w, out, n0, T, oValues, col0,
                      op.getPosition() ? op.getPosition() : w.index(0),
                      op.getNormalization() == Normalization::SqrtRowSum,
                      op.getScaleOrOne());

      // S^T = gamma^L S^T + V^T (K * zeta): A = V^T and B = K by
      // ldmatrix.trans; B's halves are keys t2, t2 + 1 (register 0) and
      // t2 + 8, t2 + 9 (register 1), scaled by zeta in registers.
      Value a = w.fragment(load(vS, rowB, colB, true), 4);
      Value keys[4] = {w.t2, w.addc(w.t2, 1), w.addc(w.t2, 8), w.addc(w.t2, 9)};
      Value zeta[4];
      for (int64_t n = 0; n < 4; ++n) {
        Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                             keys[n], len);
        Value dist = arith::SubIOp::create(
            b, loc, arith::SubIOp::create(b, loc, len, keys[n]), w.index(1));
        zeta[n] =
            w.decay(arith::SelectOp::create(b, loc, inside, dist, w.index(0)));
      }
      Value gammaL = w.decay(len);
      SmallVector<Value> next;
      for (int64_t j = 0; j < tiles; j += 2) {
        SmallVector<Value> ks = load(kS, rowA, w.addc(colA, 8 * j), true);
        for (int64_t jj = 0; jj < 2; ++jj) {
          SmallVector<Value> kz;
          for (int64_t n = 0; n < 4; ++n)
            kz.push_back(w.toElem(arith::MulFOp::create(
                b, loc, w.toF32(ks[4 * jj + n]), zeta[n])));
          SmallVector<Value> decayed;
          for (int64_t n = 0; n < 4; ++n)
            decayed.push_back(
                arith::MulFOp::create(b, loc, s[4 * (j + jj) + n], gammaL));
          w.unpack(w.mma(a, w.fragment(kz, 2), w.pack(decayed)), next);
        }
      }
      // Every lane has read this stage before the next chunk refills it.
      w.syncWarp();
      scf::YieldOp::create(b, loc, next);
    }
    for (int64_t j = 0; j < tiles; ++j)
      for (int64_t r = 0; r < 2; ++r)
        for (int64_t e = 0; e < 2; ++e)
          memref::StoreOp::create(
              b, loc, chunks.getResult(4 * j + 2 * r + e), state,
              ValueRange{w.batch, w.head, stateRow(j, e), stateCol(r)});
  }
};

struct ConvertRetentionToGPUPass
    : retnet::impl::ConvertRetentionToGPUPassBase<ConvertRetentionToGPUPass> {
  using ConvertRetentionToGPUPassBase::ConvertRetentionToGPUPassBase;

  void runOnOperation() override {
    // Device buffers need static shapes; every op with them gets a kernel.
    WalkResult dynamic = getOperation()->walk([](RetentionOpInterface op) {
      if (allStatic(op))
        return WalkResult::advance();
      op->emitOpError("cannot be lowered to a GPU kernel: its shapes must be "
                      "static");
      return WalkResult::interrupt();
    });
    if (dynamic.wasInterrupted())
      return signalPassFailure();
    // Chunkwise ops the chunkwise tensor-core kernel takes first; of the
    // rest, those that are the parallel function (no initial state, first
    // row at position 0, final state unused) become parallel ops; parallel
    // ops the parallel tensor-core kernel takes; the rest become recurrent
    // ops for the recurrent kernel, except parallel ops with a row divisor,
    // which have a kernel of their own.
    RewritePatternSet chunkwise(&getContext());
    chunkwise.add<ChunkwiseToTensorCores>(&getContext(), operandsOnDevice);
    walkAndApplyPatterns(getOperation(), std::move(chunkwise));
    RewritePatternSet parallel(&getContext());
    populateChunkwiseToParallelPatterns(parallel);
    walkAndApplyPatterns(getOperation(), std::move(parallel));
    RewritePatternSet tensorCores(&getContext());
    tensorCores.add<ParallelToTensorCores>(&getContext(), operandsOnDevice);
    walkAndApplyPatterns(getOperation(), std::move(tensorCores));
    RewritePatternSet forms(&getContext());
    populateToRecurrentPatterns(forms);
    walkAndApplyPatterns(getOperation(), std::move(forms));
    RewritePatternSet kernels(&getContext());
    populateRetentionToGPUPatterns(kernels, operandsOnDevice);
    walkAndApplyPatterns(getOperation(), std::move(kernels));
  }
};
} // namespace

void retnet::populateRetentionToGPUPatterns(RewritePatternSet &patterns,
                                            bool operandsOnDevice) {
  patterns.add<ChunkwiseToTensorCores, ParallelToTensorCores,
               ParallelRowDivisorToGPU, RecurrentToGPU>(patterns.getContext(),
                                                        operandsOnDevice);
}
