//===- Pipelines.cpp - named retnet pass pipelines ------------------------===//

#include "retnet/Pipelines/Pipelines.h"
#include "retnet/Conversion/Passes.h"
#include "retnet/Dialect/Retention/Transforms/Passes.h"

#include "mlir/Transforms/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/ErrorHandling.h"

using namespace mlir;

namespace {
/// The upstream part of the CPU pipeline: bufferization, loops, LLVM.
constexpr llvm::StringLiteral kCpuTail =
    "convert-elementwise-to-linalg,canonicalize,cse,"
    "one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map},"
    "buffer-deallocation-pipeline,convert-bufferization-to-memref,"
    "scf-forall-to-for,convert-linalg-to-loops,lower-affine,"
    "convert-scf-to-cf,expand-strided-metadata,lower-affine,"
    "finalize-memref-to-llvm,convert-to-llvm,reconcile-unrealized-casts,"
    "canonicalize";

void addCpuTail(OpPassManager &pm) {
  if (failed(parsePassPipeline(kCpuTail, pm, llvm::errs())))
    llvm::report_fatal_error("retnet: malformed built-in CPU pipeline");
}
} // namespace

void retnet::buildRetentionToLLVMPipeline(OpPassManager &pm) {
  pm.addPass(createRecordEntrySignaturesPass());
  pm.addPass(createConvertRetentionToLinalgPass());
  addCpuTail(pm);
}

void retnet::buildRetentionFusedToLLVMPipeline(OpPassManager &pm) {
  pm.addPass(createRecordEntrySignaturesPass());
  pm.addPass(retention::createRetentionTilePass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createRetentionFuseDecayPass());
  addCpuTail(pm);
}

void retnet::registerRetnetPipelines() {
  registerRetnetPipelinesPasses();
  PassPipelineRegistration<>(
      "retention-to-llvm",
      "Reference lowering of retention IR (or linalg on tensors) to the LLVM "
      "dialect for the host CPU, recording entry signatures for retnet-run",
      buildRetentionToLLVMPipeline);
  PassPipelineRegistration<>(
      "retention-fused-to-llvm",
      "Optimised lowering to the LLVM dialect for the host CPU: "
      "retention-tile, retention-fuse-decay, then the CPU tail of "
      "retention-to-llvm",
      buildRetentionFusedToLLVMPipeline);
}
