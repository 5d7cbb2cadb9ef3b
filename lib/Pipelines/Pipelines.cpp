//===- Pipelines.cpp - the retnet pass pipelines --------------------------===//
//
// Each stage is a C++ builder of upstream and retnet passes (no pipeline
// text), shared by retnet-opt (registered by name), retnet-run,
// retnet-compile (`emit --stage`) and the tests.
//
//===----------------------------------------------------------------------===//

#include "retnet/Pipelines/Pipelines.h"
#include "retnet/Codegen/CPU/Passes.h"
#include "retnet/Codegen/GPU/Passes.h"
#include "retnet/Conversion/Passes.h"
#include "retnet/Dialect/Retention/IR/RetentionDialect.h"
#include "retnet/Dialect/Retention/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/TosaToLinalg/TosaToLinalg.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
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
/// Without `deallocate`, buffers are not freed: for host code whose only
/// allocations are the results it returns (the GPU pipeline's, where the
/// deallocation analysis cannot see through `gpu.launch`).
void addBufferization(OpPassManager &pm, bool deallocate = true) {
  pm.addPass(createConvertElementwiseToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.allowReturnAllocsFromLoops = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // A tile of a state updated where it is is read and written through two
  // identical subviews: CSE makes them one value, and the copy between them
  // becomes a self-copy that canonicalization erases; a loop carrying the
  // state buffer folds to the buffer it is given.
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(retnet::createDropDonatedResultsPass());
  if (deallocate)
    bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createConvertBufferizationToMemRefPass());
}

/// Independent tiles (scf.forall) run as OpenMP parallel loops: the calling
/// thread forks a team and joins it before the call returns, so no worker
/// runs compiled code after the entry point has returned.
void addParallelTiles(OpPassManager &pm) {
  pm.addPass(createForallToParallelLoopPass());
  pm.addPass(createConvertSCFToOpenMPPass());
  // Inline the memref.alloca_scope around each loop body (it holds no
  // alloca), which could not hold the body's blocks after scf-to-cf.
  pm.addPass(createCanonicalizerPass());
}

/// Loops and the conversion to the LLVM dialect, then the output contract.
/// Allocations call the runtime's `_mlir_memref_to_llvm_*` functions (see
/// Runtime/MemrefAllocator.h), which report a failed allocation instead of
/// returning null to code that would dereference it. `kernels`, when given,
/// compiles the outlined GPU kernels once their control flow is lowered.
void addLoweringToLLVM(OpPassManager &pm,
                       llvm::function_ref<void(OpPassManager &)> kernels = {}) {
  pm.addPass(createForallToForLoopPass());
  pm.addPass(createConvertLinalgToLoopsPass());
  VectorTransferToSCFOptions transfers;
  transfers.enableFullUnroll();
  pm.addPass(createConvertVectorToSCFPass(transfers));
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  if (kernels)
    kernels(pm);
  ConvertVectorToLLVMPassOptions vectors;
  vectors.x86Vector = true;
  pm.addPass(createConvertVectorToLLVMPass(vectors));
  FinalizeMemRefToLLVMConversionPassOptions memrefs;
  memrefs.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefs));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(retnet::createCheckLLVMContractPass());
}

/// Host CPU code generation on tensors: products over packed weights in
/// tasks, the packing of arguments moved into a function run once, the
/// other large ops in tasks too, the register-blocked vector kernels and
/// exp and erf as vectorisable polynomials.
void addCpuCodegen(OpPassManager &pm, int64_t registerRows,
                   int64_t registerCols, retnet::Bf16Products bf16) {
  retnet::cpu::RegisterBlock host = retnet::cpu::hostRegisterBlock();
  retnet::cpu::VectorizeContractionsPassOptions blocks;
  blocks.blockRows = registerRows != 0 ? registerRows : host.rows;
  blocks.blockCols = registerCols != 0 ? registerCols : host.cols;
  retnet::cpu::PackMatmulsPassOptions packing;
  packing.panelWidth = blocks.blockCols;
  packing.bf16Dot =
      retnet::resolveBf16Products(bf16, retnet::cpu::hostHasBF16Dot()) ==
      retnet::Bf16Products::Dot;
  pm.addNestedPass<func::FuncOp>(retnet::cpu::createPackMatmulsPass(packing));
  pm.addPass(createCSEPass());
  pm.addPass(retnet::cpu::createPrepareWeightsPass());
  pm.addPass(retnet::cpu::createLowerPacksPass());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(retnet::cpu::createTileIntoTasksPass());
  pm.addPass(retnet::cpu::createVectorizeContractionsPass(blocks));
  pm.addPass(retnet::cpu::createApproximateMathPass());
}
} // namespace

namespace {
/// The NVVM target of `options` on the gpu.modules.
void addNVVMTarget(OpPassManager &pm,
                   const retnet::CudaPipelineOptions &options) {
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip == retnet::CudaChip::sm_90 ? "sm_90" : "sm_80";
  target.features = "+ptx80";
  pm.addPass(createGpuNVVMAttachTarget(target));
}

/// The lowering to the LLVM dialect of host code that launches outlined
/// kernels, which become NVVM and then PTX/cubin/fatbin or the emulator's
/// SPIR-V.
void addCudaLoweringToLLVM(OpPassManager &pm,
                           const retnet::CudaPipelineOptions &options) {
  using retnet::CudaFormat;
  CudaFormat format = options.format;
  std::string shim = options.emulatorShim;
  addLoweringToLLVM(pm, [&](OpPassManager &pm) {
    pm.addPass(createConvertNVGPUToNVVMPass());
    OpPassManager &kernels = pm.nest<mlir::gpu::GPUModuleOp>();
    kernels.addPass(createConvertGpuOpsToNVVMOps());
    kernels.addPass(createCanonicalizerPass());
    kernels.addPass(createCSEPass());
    kernels.addPass(createReconcileUnrealizedCastsPass());
    pm.addPass(createGpuToLLVMConversionPass());
    if (format == CudaFormat::Emulator) {
      retnet::gpu::GpuModuleToEmulatorBinaryPassOptions emulator;
      if (!shim.empty())
        emulator.shimPath = shim;
      pm.addPass(retnet::gpu::createGpuModuleToEmulatorBinaryPass(emulator));
      return;
    }
    GpuModuleToBinaryPassOptions binary;
    binary.toolkitPath = RETNET_CUDA_TOOLKIT;
    binary.compilationTarget = format == CudaFormat::Isa   ? "isa"
                               : format == CudaFormat::Bin ? "bin"
                                                           : "fatbin";
    pm.addPass(createGpuModuleToBinaryPass(binary));
  });
}
} // namespace

void retnet::buildRetentionToCUDAPipeline(OpPassManager &pm,
                                          const CudaPipelineOptions &options) {
  pm.addPass(createConvertRetentionToGPUPass());
  // Outline the kernels before the host code is canonicalised, which would
  // hoist their constants out of the launches into kernel arguments.
  pm.addPass(createGpuKernelOutliningPass());
  addNVVMTarget(pm, options);
  pm.addPass(createRecordEntrySignaturesPass());
  addBufferization(pm, /*deallocate=*/false);
  addCudaLoweringToLLVM(pm, options);
}

void retnet::buildGraphToCUDAPipeline(OpPassManager &pm,
                                      const CudaPipelineOptions &options) {
  ConvertRetentionToGPUPassOptions retention;
  retention.operandsOnDevice = true;
  pm.addPass(createConvertRetentionToGPUPass(retention));
  // Elementwise producers into their consumers: fewer kernels, and fewer
  // activations written to device memory and read back.
  pm.addPass(retnet::gpu::createGpuFuseElementwisePass());
  pm.addPass(createRecordEntrySignaturesPass());
  // Deallocation sees through gpu.launch (not through launch_func): the
  // kernels are outlined after it.
  addBufferization(pm);
  pm.addNestedPass<func::FuncOp>(retnet::gpu::createGpuDeviceBuffersPass());
  // Products by 16-bit weights on tensor cores.
  pm.addPass(retnet::gpu::createGpuMatmulToTensorCoresPass());
  // Every other linalg op becomes a kernel: one thread per element of its
  // parallel dimensions (blocks of up to 256 threads along the innermost
  // ones, on threadIdx.x first), reductions in a loop of that thread.
  pm.addPass(createConvertLinalgToParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(retnet::gpu::createGpuTileParallelLoopsPass());
  GpuMapParallelLoopsPassOptions mapping;
  mapping.mappingPolicyStr = "innermost-first";
  pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass(mapping));
  pm.addPass(createConvertParallelLoopToGpuPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());
  addNVVMTarget(pm, options);
  addCudaLoweringToLLVM(pm, options);
}

void retnet::buildTosaToRetentionPipeline(OpPassManager &pm) {
  OpPassManager &funcs = pm.nest<func::FuncOp>();
  funcs.addPass(tosa::createTosaToLinalgNamed());
  funcs.addPass(tosa::createTosaToLinalg());
  funcs.addPass(createTosaToArithPass());
  funcs.addPass(createTosaToTensorPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(retention::createRetentionRaisePass());
}

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
  addCpuCodegen(pm, options.registerRows, options.registerCols,
                options.bf16Products);
}

void retnet::buildRetentionFusedToLLVMPipeline(
    OpPassManager &pm, const FusedPipelineOptions &options) {
  buildRetentionFusedToLinalgPipeline(pm, options);
  pm.addPass(createRecordEntrySignaturesPass());
  addBufferization(pm);
  if (options.parallel)
    addParallelTiles(pm);
  addLoweringToLLVM(pm);
}

retnet::Bf16Products retnet::resolveBf16Products(Bf16Products choice,
                                                 bool dotCapable) {
  if (choice != Bf16Products::Host)
    return choice;
  return dotCapable ? Bf16Products::Dot : Bf16Products::Widen;
}

LogicalResult retnet::lowerForHostCPU(ModuleOp module, CpuLowering lowering,
                                      int64_t registerRows,
                                      int64_t registerCols, Bf16Products bf16) {
  PassManager pm(module.getContext());
  if (lowering == CpuLowering::Fused) {
    FusedPipelineOptions options;
    options.registerRows = registerRows;
    options.registerCols = registerCols;
    options.bf16Products = bf16;
    buildRetentionFusedToLLVMPipeline(pm, options);
  } else
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
  cpu::registerRetnetCodegenCPUPasses();
  gpu::registerRetnetCodegenGPUPasses();
  PassPipelineRegistration<>(
      "retention-to-llvm",
      "Reference lowering of retention IR (or linalg on tensors) to the LLVM "
      "dialect for the host CPU, recording entry signatures for retnet-run",
      buildRetentionToLLVMPipeline);
  PassPipelineRegistration<CudaPipelineOptions>(
      "retention-to-cuda",
      "Retention to NVIDIA GPU kernels (NVVM; PTX, cubin or fatbin for "
      "sm_80 or sm_90, or SPIR-V for the CPU emulator) and host code in the "
      "LLVM dialect that launches them through the mgpu* runtime",
      buildRetentionToCUDAPipeline);
  PassPipelineRegistration<CudaPipelineOptions>(
      "retention-graph-to-cuda",
      "A whole graph (retention and linalg ops) on the GPU: every buffer in "
      "device memory, retention ops on their kernels, products by 16-bit "
      "weights on mma.sync, every other linalg op a SIMT kernel; public "
      "functions take device buffers and return host buffers",
      buildGraphToCUDAPipeline);
  PassPipelineRegistration<>(
      "tosa-to-retention",
      "TOSA to linalg on tensors (upstream conversions), then "
      "retention-raise: retention exported as TOSA becomes retention ops",
      buildTosaToRetentionPipeline);
  PassPipelineRegistration<FusedPipelineOptions>(
      "retention-fused-to-linalg",
      "retention-tile, retention-fuse-decay and the host CPU code generation "
      "(packed weights prepared once, tasks, register-blocked vector "
      "contractions), on tensors",
      buildRetentionFusedToLinalgPipeline);
  PassPipelineRegistration<FusedPipelineOptions>(
      "retention-fused-to-llvm",
      "Optimised lowering to the LLVM dialect for the host CPU: "
      "retention-fused-to-linalg, bufferization, tiles in parallel as OpenMP "
      "loops",
      buildRetentionFusedToLLVMPipeline);
}
