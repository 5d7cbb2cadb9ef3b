//===- Passes.td - NVIDIA GPU code generation passes -------*- tablegen -*-===//
#ifndef RETNET_CODEGEN_GPU_PASSES_TD
#define RETNET_CODEGEN_GPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def GpuModuleToEmulatorBinaryPass
    : Pass<"retnet-gpu-module-to-emulator-binary", "::mlir::ModuleOp"> {
  let summary = "Compile NVVM-level gpu.modules for the CPU emulator";
  let description = [{
    Takes every `gpu.module` after `convert-gpu-to-nvvm` (LLVM dialect and
    NVVM ops, the IR `gpu-module-to-binary` turns into PTX) and replaces it
    by a `gpu.binary` that the emulator back end of the retnet GPU runtime
    runs on an OpenCL CPU device:

    * generic pointers (address space 0) become SPIR's generic space 4,
      kernel pointer arguments global (1); shared memory (3) stays;
    * kernels become `spir_kernel`s that require a sub-group of 32 work
      items (a warp), and every NVVM intrinsic and libdevice call becomes a
      call into the OpenCL C shim library (`lib/Codegen/GPU/NVVMShim.cl`):
      one without a shim is an error naming it;
    * the module is linked with the shim, optimised and compiled to SPIR-V
      by LLVM's SPIR-V back end, in process.

    The object is the SPIR-V with a table of each kernel's argument sizes,
    which the runtime needs to set OpenCL kernel arguments.
  }];
  let options = [
    Option<"shimPath", "shim", "std::string", "::retnet::gpu::kDefaultShimPath",
           "The shim library's LLVM bitcode">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::NVVM::NVVMDialect"];
}

#endif // RETNET_CODEGEN_GPU_PASSES_TD
