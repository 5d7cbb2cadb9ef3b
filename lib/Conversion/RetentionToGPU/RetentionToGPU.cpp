//===- RetentionToGPU.cpp - the recurrent retention kernel ----------------===//

#include "retnet/Conversion/RetentionToGPU/RetentionToGPU.h"
#include "retnet/Dialect/Retention/IR/RetentionOps.h"
#include "retnet/Dialect/Retention/Transforms/Transforms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
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

    auto index = [&](int64_t x) {
      return arith::ConstantIndexOp::create(rewriter, loc, x).getResult();
    };
    Value one = index(1);
    auto launch = gpu::LaunchOp::create(
        rewriter, loc, index(B * H), index((Dv + kWarp - 1) / kWarp), one,
        index(kWarp), one, one, /*dynamicSharedMemorySize=*/nullptr,
        dev.tokenType(), ValueRange{dev.token});
    dev.token = launch.getAsyncToken();
    {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(&launch.getBody().front());
      buildKernel(rewriter, loc, op, launch, q, k, v, ld, state, out,
                  {B, H, T, Dk, Dv});
      rewriter.setInsertionPointToEnd(&launch.getBody().front());
      gpu::TerminatorOp::create(rewriter, loc);
    }

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
    auto f64Const = [&](double x) {
      return arith::ConstantOp::create(b, loc, b.getF64FloatAttr(x))
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
      // c = sum_{i=0..n} gamma^i = expm1((n+1) log g) / expm1(log g), or
      // n + 1 for gamma = 1, in f64; n = position + t.
      Value n1 = arith::AddIOp::create(
          b, loc, arith::AddIOp::create(b, loc, position, t), index(1));
      Value n1f = arith::UIToFPOp::create(
          b, loc, f64,
          arith::IndexCastUIOp::create(b, loc, b.getI64Type(), n1));
      Value ratio = arith::DivFOp::create(
          b, loc,
          math::ExpM1Op::create(b, loc,
                                arith::MulFOp::create(b, loc, n1f, logDecay64)),
          math::ExpM1Op::create(b, loc, logDecay64));
      Value isOne = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                          logDecay64, f64Const(0.0));
      Value c = arith::SelectOp::create(b, loc, isOne, n1f, ratio);
      Value inv = arith::TruncFOp::create(
          b, loc, f32,
          arith::DivFOp::create(b, loc, f64Const(1.0),
                                math::SqrtOp::create(b, loc, c)));
      o = arith::MulFOp::create(b, loc, o, inv);
    }
    Type outElem = cast<MemRefType>(out.getType()).getElementType();
    if (outElem != f32)
      o = arith::TruncFOp::create(b, loc, outElem, o);
    memref::StoreOp::create(b, loc, o, out, ValueRange{batch, head, t, j});
  }
};

struct ConvertRetentionToGPUPass
    : retnet::impl::ConvertRetentionToGPUPassBase<ConvertRetentionToGPUPass> {
  void runOnOperation() override {
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
  patterns.add<RecurrentToGPU>(patterns.getContext());
}
