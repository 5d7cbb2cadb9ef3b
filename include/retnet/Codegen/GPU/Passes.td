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
    * the module is linked with the shim and optimised, in process, then
      compiled to SPIR-V by LLVM's SPIR-V back end in an `llc` process of
      its own (LLVM 22's back end keeps per-module state in a static,
      llvm/llvm-project#160613: a module compiled after others in the same
      process can get invalid SPIR-V).

    The object is the SPIR-V with a table of each kernel's argument sizes,
    which the runtime needs to set OpenCL kernel arguments.
  }];
  let options = [
    Option<"shimPath", "shim", "std::string", "::retnet::gpu::kDefaultShimPath",
           "The shim library's LLVM bitcode">,
    Option<"llcPath", "llc", "std::string", "::retnet::gpu::kDefaultLlcPath",
           "LLVM's llc, with the SPIR-V back end">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::NVVM::NVVMDialect"];
}

def GpuDeviceBuffersPass
    : Pass<"retnet-gpu-device-buffers", "::mlir::func::FuncOp"> {
  let summary = "Put the buffers of bufferized host code in device memory";
  let description = [{
    For a public function whose computations all run on the GPU (the whole
    model): after bufferization and deallocation, before its linalg ops
    become kernels. Its memref arguments are device buffers (the caller
    uploads them), every buffer it allocates is one, and what it returns
    comes back to the host:

    * `memref.alloc` / `memref.dealloc` become `gpu.alloc` / `gpu.dealloc`,
      except the host-side scratch of the deallocation protocol (buffers
      only read and written by host code, cast, passed to calls, freed);
    * `memref.copy` becomes `linalg.copy` (a kernel, whatever the layouts);
    * each returned buffer is copied into a new host buffer, which is
      returned instead, and freed on the device.

    Host code that reads or writes device memory, and a linalg op without a
    parallel dimension (which would run on the host), are errors.
    Operations are synchronous: `gpu-async-region` orders them on a stream.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect"];
}

#endif // RETNET_CODEGEN_GPU_PASSES_TD
