//===- CheckLLVMContract.cpp - the CPU pipelines' output contract ---------===//

#include "retnet/Pipelines/Pipelines.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"

namespace retnet {
#define GEN_PASS_DEF_CHECKLLVMCONTRACTPASS
#include "retnet/Pipelines/Passes.h.inc"
} // namespace retnet

using namespace mlir;

namespace {
struct CheckLLVMContractPass
    : retnet::impl::CheckLLVMContractPassBase<CheckLLVMContractPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    WalkResult result = module.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (op == module.getOperation() ||
          isa<LLVM::LLVMDialect, omp::OpenMPDialect>(op->getDialect()) ||
          isa<gpu::BinaryOp, gpu::LaunchFuncOp>(op))
        return WalkResult::advance();
      op->emitOpError("survived the lowering to the LLVM dialect: the CPU "
                      "pipeline cannot translate it");
      return WalkResult::interrupt();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
