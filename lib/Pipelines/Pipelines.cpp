//===- Pipelines.cpp - named retnet pass pipelines ------------------------===//

#include "retnet/Pipelines/Pipelines.h"
#include "retnet/Conversion/Passes.h"
#include "retnet/Dialect/Retention/IR/RetentionDialect.h"
#include "retnet/Dialect/Retention/Transforms/Passes.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"

#include "mlir/Transforms/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/ErrorHandling.h"

using namespace mlir;

namespace {
/// Bufferization of the lowered tensor code (entry arguments read-only).
constexpr llvm::StringLiteral kBufferize =
    "convert-elementwise-to-linalg,canonicalize,cse,"
    "one-shot-bufferize{bufferize-function-boundaries "
    "allow-return-allocs-from-loops "
    "function-boundary-type-conversion=identity-layout-map},"
    "buffer-deallocation-pipeline,convert-bufferization-to-memref";

/// Independent tiles (scf.forall) run on the async runtime's thread pool.
constexpr llvm::StringLiteral kParallelTiles =
    "scf-forall-to-parallel,async-parallel-for{async-dispatch=true "
    "min-task-size=1},"
    "async-to-async-runtime,async-runtime-ref-counting,"
    "async-runtime-ref-counting-opt";

/// Loops and the conversion to the LLVM dialect. Allocations call the
/// runtime's `_mlir_memref_to_llvm_*` functions (see
/// Runtime/MemrefAllocator.h), which report a failed allocation instead of
/// returning null to code that would dereference it.
constexpr llvm::StringLiteral kToLLVM =
    "scf-forall-to-for,convert-linalg-to-loops,"
    "convert-vector-to-scf{full-unroll},lower-affine,"
    "convert-scf-to-cf,expand-strided-metadata,lower-affine,"
    "convert-vector-to-llvm,finalize-memref-to-llvm{use-generic-functions=true}"
    ","
    "convert-math-to-llvm,"
    "convert-math-to-libm,"
    "convert-async-to-llvm,convert-to-llvm,"
    "reconcile-unrealized-casts,canonicalize";

void addPipeline(OpPassManager &pm, StringRef pipeline) {
  if (failed(parsePassPipeline(pipeline, pm, llvm::errs())))
    llvm::report_fatal_error("retnet: malformed built-in pipeline");
}
} // namespace

void retnet::buildRetentionToLLVMPipeline(OpPassManager &pm) {
  pm.addPass(createRecordEntrySignaturesPass());
  pm.addPass(createConvertRetentionToLinalgPass());
  addPipeline(pm, kBufferize);
  addPipeline(pm, kToLLVM);
  pm.addPass(createCheckLLVMContractPass());
}

void retnet::buildRetentionFusedToLLVMPipeline(OpPassManager &pm) {
  pm.addPass(createRecordEntrySignaturesPass());
  pm.addPass(retention::createRetentionTilePass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createRetentionFuseDecayPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createVectorizeContractionsPass());
  addPipeline(pm, kBufferize);
  addPipeline(pm, kParallelTiles);
  addPipeline(pm, kToLLVM);
  pm.addPass(createCheckLLVMContractPass());
}

LogicalResult retnet::lowerForHostCPU(ModuleOp module, CpuLowering lowering) {
  PassManager pm(module.getContext());
  if (lowering == CpuLowering::Fused)
    buildRetentionFusedToLLVMPipeline(pm);
  else
    buildRetentionToLLVMPipeline(pm);
  return pm.run(module);
}

void retnet::registerPipelineDialects(DialectRegistry &registry) {
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registry.insert<retention::RetentionDialect>();
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
      "retention-tile, retention-fuse-decay, register-blocked vector "
      "contractions, tiles run in parallel on the MLIR async runtime",
      buildRetentionFusedToLLVMPipeline);
}
