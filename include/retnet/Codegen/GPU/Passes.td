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

def GpuTileParallelLoopsPass
    : Pass<"retnet-gpu-tile-parallel-loops", "::mlir::func::FuncOp"> {
  let summary = "Tile host code's parallel loops into GPU blocks of threads";
  let description = [{
    Tiles every outermost `scf.parallel` outside GPU kernels into an outer
    loop of blocks and an inner loop of at most `threads` threads, which
    `gpu-map-parallel-loops{mapping-policy=innermost-first}` maps to the
    grid and the block. The block takes the innermost dimension first (all
    of it, up to `threads`), then the next ones with what is left, so that
    threads follow the contiguous dimension (coalesced accesses) and a
    block has as many threads as work: a [1, N] loop (a decode step's
    product or elementwise op) gets blocks of 1 x min(N, threads), a
    [1, 2, 8, 24] one blocks of 1 x 1 x 8 x 24. Only the three innermost
    dimensions (x, y, z: the others stay loops in the kernel) are tiled,
    z by at most 64 (CUDA's limit). Inner loops have fixed bounds and a
    guard (upstream `tileParallelLoop`, `noMinMaxBounds`). Extents that are
    not constant take all the threads left.
  }];
  let options = [
    Option<"threads", "threads", "int64_t", /*default=*/"256",
           "Threads per block at most">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::affine::AffineDialect"];
}

def GpuMatmulToTensorCoresPass : Pass<"retnet-gpu-matmul-to-tensor-cores"> {
  let summary = "Products by 16-bit weights as mma.sync kernels";
  let description = [{
    For the whole model on the GPU (bufferized host code whose buffers are
    in device memory, as after `retnet-gpu-device-buffers`): every static
    `linalg.matmul` on buffers that computes C[m, n] += A[m, k] W[n, k]
    (W as torch.nn.Linear stores it) with f16 or bf16 W, f32 C and f32 A
    (or A of W's type) becomes a synchronous `gpu.launch` that updates C
    where it is: one warp
    per 16 x 8 tile of C, walking K in steps of 16 on mma.sync m16n8k16
    with f32 accumulators, A rounded to W's type in registers (a
    numerical change: the product of 16-bit weights by f32 activations
    becomes one of 16-bit operands; for f16, each row of a step of A is
    first scaled by the power of two that keeps it below 2^15, and the
    accumulator by the same factor around the product, so no activation
    becomes infinite), fragments loaded from global memory per the PTX ISA
    tables; rows, columns and steps past M, N and K read as zero and are
    not stored. Other products are left to the SIMT path.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::gpu::GPUDialect",
    "::mlir::LLVM::LLVMDialect", "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::NVVM::NVVMDialect", "::mlir::nvgpu::NVGPUDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect"
  ];
}

def GpuFuseElementwisePass : Pass<"retnet-gpu-fuse-elementwise"> {
  let summary = "Fuse elementwise producers into the generics that use them";
  let description = [{
    The patterns of upstream's `linalg-fuse-elementwise-ops` (elementwise
    fusion, reshapes propagated by expansion, their canonicalisations), on
    tensors, for a producer with one use, except where the producer or the
    consumer is a `linalg.matmul`: upstream's pass generalises products to
    fold reshapes into them, which hides them from
    `retnet-gpu-matmul-to-tensor-cores`, and fuses normalisations into
    them, which a SIMT product then recomputes for every output column.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::affine::AffineDialect"];
}

#endif // RETNET_CODEGEN_GPU_PASSES_TD
