//===- Pipelines.cpp - named retnet pass pipelines ------------------------===//

#include "retnet/Pipelines/Pipelines.h"
#include "retnet/Conversion/Passes.h"

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
    "convert-linalg-to-loops,lower-affine,convert-scf-to-cf,"
    "expand-strided-metadata,lower-affine,finalize-memref-to-llvm,"
    "convert-to-llvm,reconcile-unrealized-casts,canonicalize";
} // namespace

void retnet::buildRetentionToLLVMPipeline(OpPassManager &pm) {
  pm.addPass(createRecordEntrySignaturesPass());
  pm.addPass(createConvertRetentionToLinalgPass());
  if (failed(parsePassPipeline(kCpuTail, pm, llvm::errs())))
    llvm::report_fatal_error("retention-to-llvm: malformed built-in pipeline");
}

void retnet::registerRetnetPipelines() {
  registerRetnetPipelinesPasses();
  PassPipelineRegistration<>(
      "retention-to-llvm",
      "Lower retention IR (or linalg on tensors) to the LLVM dialect for the "
      "host CPU, recording entry signatures for retnet-run",
      buildRetentionToLLVMPipeline);
}
