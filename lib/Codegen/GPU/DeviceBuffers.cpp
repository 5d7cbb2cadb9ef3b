//===- DeviceBuffers.cpp - host code whose buffers live on the device -----===//
//
// The whole model on the GPU: after bufferization, the host code of a
// public function only allocates, frees and launches; every buffer it
// computes with is device memory.
//
//===----------------------------------------------------------------------===//

#include "retnet/Codegen/GPU/Passes.h"

#include "mlir/IR/Builders.h"

namespace retnet::gpu {
#define GEN_PASS_DEF_GPUDEVICEBUFFERSPASS
#include "retnet/Codegen/GPU/Passes.h.inc"
} // namespace retnet::gpu

using namespace mlir;

namespace {
/// Whether `op` runs on the device: in a gpu.launch body or in the payload
/// of a linalg op (which becomes a kernel).
bool onDevice(Operation *op) {
  return op->getParentOfType<mlir::gpu::LaunchOp>() ||
         op->getParentOfType<linalg::LinalgOp>();
}

/// Whether `buffer` is host scratch: only read and written by host code,
/// cast, passed to calls and freed (the deallocation protocol's lists of
/// pointers and ownership flags).
bool isHostScratch(Value buffer) {
  for (Operation *user : buffer.getUsers()) {
    if (onDevice(user))
      return false;
    if (isa<memref::LoadOp, memref::StoreOp, memref::DeallocOp, func::CallOp>(
            user))
      continue;
    if (auto cast = dyn_cast<memref::CastOp>(user);
        cast && isHostScratch(cast.getResult()))
      continue;
    return false;
  }
  return true;
}

/// The allocation that `buffer` is (through casts), if any.
memref::AllocOp allocationOf(Value buffer) {
  while (auto cast = buffer.getDefiningOp<memref::CastOp>())
    buffer = cast.getSource();
  return buffer.getDefiningOp<memref::AllocOp>();
}

/// Whether `buffer` is host memory: host scratch.
bool isHostMemory(Value buffer) {
  memref::AllocOp alloc = allocationOf(buffer);
  return alloc && isHostScratch(alloc.getResult());
}

struct GpuDeviceBuffersPass
    : retnet::gpu::impl::GpuDeviceBuffersPassBase<GpuDeviceBuffersPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal() || !func.isPublic())
      return;
    if (failed(check(func)))
      return signalPassFailure();

    SmallVector<Operation *> host;
    func.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<mlir::gpu::LaunchOp, linalg::LinalgOp>(op)) {
        host.push_back(op);
        return WalkResult::skip();
      }
      host.push_back(op);
      return WalkResult::advance();
    });
    // Decide before rewriting: the rewrites change what uses a buffer.
    SmallVector<memref::AllocOp> allocs;
    SmallVector<memref::DeallocOp> deallocs;
    SmallVector<memref::CopyOp> copies;
    SmallVector<func::ReturnOp> returns;
    for (Operation *op : host) {
      if (auto copy = dyn_cast<memref::CopyOp>(op))
        copies.push_back(copy);
      if (auto ret = dyn_cast<func::ReturnOp>(op);
          ret && ret->getParentOp() == func)
        returns.push_back(ret);
      if (auto alloc = dyn_cast<memref::AllocOp>(op);
          alloc && !isHostScratch(alloc.getResult()))
        allocs.push_back(alloc);
      if (auto dealloc = dyn_cast<memref::DeallocOp>(op);
          dealloc && !isHostMemory(dealloc.getMemref()))
        deallocs.push_back(dealloc);
    }
    OpBuilder b(func.getContext());
    for (memref::AllocOp alloc : allocs) {
      b.setInsertionPoint(alloc);
      auto dev = mlir::gpu::AllocOp::create(
          b, alloc.getLoc(), alloc.getType(), /*asyncToken=*/Type(),
          /*asyncDependencies=*/ValueRange{}, alloc.getDynamicSizes(),
          alloc.getSymbolOperands());
      alloc.replaceAllUsesWith(dev.getMemref());
      alloc.erase();
    }
    for (memref::DeallocOp dealloc : deallocs) {
      b.setInsertionPoint(dealloc);
      mlir::gpu::DeallocOp::create(b, dealloc.getLoc(), /*asyncToken=*/Type(),
                                   ValueRange{}, dealloc.getMemref());
      dealloc.erase();
    }
    for (memref::CopyOp copy : copies) {
      b.setInsertionPoint(copy);
      linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      copy.erase();
    }
    for (func::ReturnOp ret : returns)
      returnOnHost(b, ret);
  }

  /// Host code that reads or writes device memory, and linalg ops that
  /// would run on the host, are errors.
  LogicalResult check(func::FuncOp func) {
    WalkResult result = func.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<mlir::gpu::LaunchOp>(op))
        return WalkResult::skip();
      if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
        if (linalgOp.getNumParallelLoops() > 0)
          return WalkResult::skip();
        op->emitOpError("has no parallel dimension: it would run on the "
                        "host, which cannot read device memory");
        return WalkResult::interrupt();
      }
      Value buffer;
      if (auto load = dyn_cast<memref::LoadOp>(op))
        buffer = load.getMemref();
      if (auto store = dyn_cast<memref::StoreOp>(op))
        buffer = store.getMemref();
      if (!buffer || isHostMemory(buffer))
        return WalkResult::advance();
      op->emitOpError("accesses device memory from host code: only kernels "
                      "may read or write the buffers of a function on the "
                      "GPU");
      return WalkResult::interrupt();
    });
    return failure(result.wasInterrupted());
  }

  /// Returns host copies of the returned buffers, which are freed on the
  /// device (the deallocation pipeline gives the caller returned buffers
  /// that it owns; an argument returned as it is stays the caller's).
  static void returnOnHost(OpBuilder &b, func::ReturnOp ret) {
    b.setInsertionPoint(ret);
    Location loc = ret.getLoc();
    SmallVector<Value> freed;
    for (OpOperand &operand : ret->getOpOperands()) {
      auto type = dyn_cast<MemRefType>(operand.get().getType());
      if (!type)
        continue;
      Value dev = operand.get();
      SmallVector<Value> sizes;
      for (int64_t i = 0; i < type.getRank(); ++i)
        if (type.isDynamicDim(i))
          sizes.push_back(memref::DimOp::create(b, loc, dev, i));
      Value copy = memref::AllocOp::create(b, loc, type, sizes);
      mlir::gpu::MemcpyOp::create(b, loc, /*asyncToken=*/Type(), ValueRange{},
                                  copy, dev);
      if (!isa<BlockArgument>(dev) && !llvm::is_contained(freed, dev)) {
        mlir::gpu::DeallocOp::create(b, loc, /*asyncToken=*/Type(),
                                     ValueRange{}, dev);
        freed.push_back(dev);
      }
      operand.set(copy);
    }
  }
};
} // namespace
