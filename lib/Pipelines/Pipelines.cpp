//===- Pipelines.cpp - the retnet pass pipelines --------------------------===//
//
// Each stage is a C++ builder of upstream and retnet passes (no pipeline
// text), shared by retnet-opt (registered by name), retnet-run,
// retnet-compile (`emit --stage`) and the tests.
//
//===----------------------------------------------------------------------===//

#include "retnet/Pipelines/Pipelines.h"
#include "retnet/Conversion/Passes.h"
#include "retnet/Dialect/Retention/IR/RetentionDialect.h"
#include "retnet/Dialect/Retention/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Async/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace {
/// Bufferization of the lowered tensor code (entry arguments read-only).
void addBufferization(OpPassManager &pm) {
  pm.addPass(createConvertElementwiseToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.allowReturnAllocsFromLoops = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createConvertBufferizationToMemRefPass());
}

/// Independent tiles (scf.forall) run on the async runtime's thread pool.
void addParallelTiles(OpPassManager &pm) {
  pm.addPass(createForallToParallelLoopPass());
  AsyncParallelForPassOptions parallelFor;
  parallelFor.asyncDispatch = true;
  parallelFor.minTaskSize = 1;
  pm.addPass(createAsyncParallelForPass(parallelFor));
  pm.addPass(createAsyncToAsyncRuntimePass());
  pm.addPass(createAsyncRuntimeRefCountingPass());
  pm.addPass(createAsyncRuntimeRefCountingOptPass());
}

/// Loops and the conversion to the LLVM dialect, then the output contract.
/// Allocations call the runtime's `_mlir_memref_to_llvm_*` functions (see
/// Runtime/MemrefAllocator.h), which report a failed allocation instead of
/// returning null to code that would dereference it.
void addLoweringToLLVM(OpPassManager &pm) {
  pm.addPass(createForallToForLoopPass());
  pm.addPass(createConvertLinalgToLoopsPass());
  VectorTransferToSCFOptions transfers;
  transfers.enableFullUnroll();
  pm.addPass(createConvertVectorToSCFPass(transfers));
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createConvertVectorToLLVMPass());
  FinalizeMemRefToLLVMConversionPassOptions memrefs;
  memrefs.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefs));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createConvertAsyncToLLVMPass());
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(retnet::createCheckLLVMContractPass());
}
} // namespace

void retnet::buildRetentionToLLVMPipeline(OpPassManager &pm) {
  pm.addPass(createRecordEntrySignaturesPass());
  pm.addPass(createConvertRetentionToLinalgPass());
  addBufferization(pm);
  addLoweringToLLVM(pm);
}

void retnet::buildRetentionFusedToLinalgPipeline(
    OpPassManager &pm, const FusedPipelineOptions &options) {
  retention::RetentionTilePassOptions tile;
  tile.tileSizes.assign(options.tileSizes.begin(), options.tileSizes.end());
  tile.chunkSize = options.chunkSize;
  pm.addPass(retention::createRetentionTilePass(tile));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createRetentionFuseDecayPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createVectorizeContractionsPass());
}

void retnet::buildRetentionFusedToLLVMPipeline(
    OpPassManager &pm, const FusedPipelineOptions &options) {
  pm.addPass(createRecordEntrySignaturesPass());
  buildRetentionFusedToLinalgPipeline(pm, options);
  addBufferization(pm);
  addParallelTiles(pm);
  addLoweringToLLVM(pm);
}

LogicalResult retnet::lowerForHostCPU(ModuleOp module, CpuLowering lowering) {
  PassManager pm(module.getContext());
  if (lowering == CpuLowering::Fused)
    buildRetentionFusedToLLVMPipeline(pm, FusedPipelineOptions());
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
  PassPipelineRegistration<FusedPipelineOptions>(
      "retention-fused-to-linalg",
      "retention-tile, retention-fuse-decay and the register-blocked vector "
      "contractions: the fused retention kernels on tensors",
      buildRetentionFusedToLinalgPipeline);
  PassPipelineRegistration<FusedPipelineOptions>(
      "retention-fused-to-llvm",
      "Optimised lowering to the LLVM dialect for the host CPU: "
      "retention-fused-to-linalg, bufferization, tiles in parallel on the "
      "MLIR async runtime",
      buildRetentionFusedToLLVMPipeline);
}
