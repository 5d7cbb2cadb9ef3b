//===- Pipelines.h - named retnet pass pipelines ----------------*- C++ -*-===//
#ifndef RETNET_PIPELINES_PIPELINES_H
#define RETNET_PIPELINES_PIPELINES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace retnet {
#define GEN_PASS_DECL
#include "retnet/Pipelines/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "retnet/Pipelines/Passes.h.inc"

/// Retention (or linalg-on-tensors) IR to the LLVM dialect for the host CPU:
/// the reference lowering, bufferization, loops and the LLVM conversion.
void buildRetentionToLLVMPipeline(mlir::OpPassManager &pm);

/// How products by bf16 weights multiply: widening the weights to f32 in
/// registers (f32 activations: linalg.matmul's semantics, the pipelines'
/// default), or as AVX512-BF16 dot products of bf16 pairs (activations
/// rounded to bf16, a numerical choice; twice the multiply-adds per
/// instruction); Host picks Dot where the host CPU has AVX512-BF16.
enum class Bf16Products { Host, Widen, Dot };

/// `choice` made concrete (Widen or Dot): Host is Dot where `dotCapable`,
/// i.e. where every CPU that runs or prepares the code has AVX512-BF16.
Bf16Products resolveBf16Products(Bf16Products choice, bool dotCapable);

/// Options of the fused pipelines; the tiling passes own their defaults.
struct FusedPipelineOptions
    : public mlir::PassPipelineOptions<FusedPipelineOptions> {
  ListOption<int64_t> tileSizes{
      *this, "tile-sizes",
      llvm::cl::desc("retention-tile: tile sizes of batch, heads, value dim "
                     "(default 1,1,0)")};
  Option<int64_t> chunkSize{
      *this, "chunk-size",
      llvm::cl::desc("retention-tile: rows per chunk (0: min(T, 64))"),
      llvm::cl::init(0)};
  Option<int64_t> registerRows{
      *this, "register-rows",
      llvm::cl::desc("retnet-vectorize-contractions: rows of a register block "
                     "(0: the host's, 8)"),
      llvm::cl::init(0)};
  Option<int64_t> registerCols{
      *this, "register-cols",
      llvm::cl::desc("retnet-vectorize-contractions and "
                     "retnet-cpu-pack-matmuls: f32 lanes of a register block "
                     "and of a weight panel (0: the host's, 32 with AVX-512, "
                     "else 16)"),
      llvm::cl::init(0)};
  Option<Bf16Products> bf16Products{
      *this, "bf16-products",
      llvm::cl::desc("retnet-cpu-pack-matmuls: products by bf16 weights"),
      llvm::cl::init(Bf16Products::Widen),
      llvm::cl::values(
          clEnumValN(Bf16Products::Host, "host",
                     "dot where the host CPU has AVX512-BF16, else widen"),
          clEnumValN(Bf16Products::Widen, "widen",
                     "weights widened to f32 in registers, f32 activations"),
          clEnumValN(Bf16Products::Dot, "dot",
                     "AVX512-BF16 dot products, activations rounded to "
                     "bf16"))};
  Option<bool> parallel{
      *this, "parallel",
      llvm::cl::desc("retention-fused-to-llvm: independent tiles as OpenMP "
                     "parallel loops (false: sequential loops, and code that "
                     "calls no OpenMP runtime)"),
      llvm::cl::init(true)};
};

/// The fused retention kernels and the host CPU code generation on tensors:
/// retention-tile, retention-fuse-decay, then Codegen/CPU (matrix products
/// over packed weights in tasks, the packing moved into `@<f>_prepare`, the
/// register-blocked vector contractions).
void buildRetentionFusedToLinalgPipeline(mlir::OpPassManager &pm,
                                         const FusedPipelineOptions &options);

/// The optimised CPU pipeline: the fused kernels, then the same
/// bufferization and LLVM conversion, with tiles as OpenMP parallel loops
/// (sequential loops with `parallel` false).
void buildRetentionFusedToLLVMPipeline(mlir::OpPassManager &pm,
                                       const FusedPipelineOptions &options);

/// TOSA (as torch-mlir exports it) to linalg on tensors with the upstream
/// conversions, then retention-raise: the TOSA form of the reference
/// implementation's retention becomes retention ops (`tosa-to-retention`).
void buildTosaToRetentionPipeline(mlir::OpPassManager &pm);

/// The NVIDIA GPU generation and the kind of kernel object.
enum class CudaChip { sm_80, sm_90 };
enum class CudaFormat { Isa, Bin, Fatbin, Emulator };

struct CudaPipelineOptions
    : public mlir::PassPipelineOptions<CudaPipelineOptions> {
  Option<CudaChip> chip{
      *this, "chip", llvm::cl::desc("GPU generation"),
      llvm::cl::init(CudaChip::sm_80),
      llvm::cl::values(clEnumValN(CudaChip::sm_80, "sm_80", "Ampere"),
                       clEnumValN(CudaChip::sm_90, "sm_90", "Hopper"))};
  Option<CudaFormat> format{
      *this, "format", llvm::cl::desc("Kernel object"),
      llvm::cl::init(CudaFormat::Fatbin),
      llvm::cl::values(
          clEnumValN(CudaFormat::Isa, "isa", "PTX"),
          clEnumValN(CudaFormat::Bin, "bin", "cubin (ptxas)"),
          clEnumValN(CudaFormat::Fatbin, "fatbin", "fatbin (ptxas, fatbinary)"),
          clEnumValN(CudaFormat::Emulator, "emulator",
                     "SPIR-V for the CPU emulator of the retnet runtime"))};
  Option<std::string> emulatorShim{
      *this, "emulator-shim",
      llvm::cl::desc("format=emulator: the NVVM shim bitcode (default: the "
                     "build's)")};
};

/// Retention IR to GPU kernels and host code in the LLVM dialect
/// (`retention-to-cuda{chip format}`): convert-retention-to-gpu, the CPU
/// pipelines' bufferization, kernel outlining, NVVM for `chip`, the kernel
/// objects, host code calling the mgpu* functions of Runtime/GpuRuntime.h.
void buildRetentionToCUDAPipeline(mlir::OpPassManager &pm,
                                  const CudaPipelineOptions &options);

/// A whole graph on the GPU (`retention-graph-to-cuda{chip format}`): the
/// retention ops' kernels on buffers that stay on the device, elementwise
/// chains fused, bufferization with deallocation, every buffer in device
/// memory (retnet-gpu-device-buffers), products by f16/bf16 weights on
/// mma.sync, every other linalg op a SIMT kernel (one thread per element of
/// its parallel dimensions, in blocks along the innermost ones), launches
/// ordered on a stream. Public functions take device buffers and return
/// host buffers.
void buildGraphToCUDAPipeline(mlir::OpPassManager &pm,
                              const CudaPipelineOptions &options);

/// The lowering of retention ops on the host CPU.
enum class CpuLowering { Reference, Fused };

/// Lowers `module` in place to the LLVM dialect for the host CPU with
/// retention-to-llvm (Reference) or retention-fused-to-llvm (Fused). On
/// failure the diagnostics have been emitted (e.g. the op that violates the
/// output contract). `registerRows` and `registerCols` set the fused
/// pipeline's register blocks for another CPU than the host (0: the
/// host's), `bf16` its products by bf16 weights.
mlir::LogicalResult lowerForHostCPU(mlir::ModuleOp module, CpuLowering lowering,
                                    int64_t registerRows = 0,
                                    int64_t registerCols = 0,
                                    Bf16Products bf16 = Bf16Products::Widen);

/// What parsing and lowering through the CPU pipelines needs: every
/// upstream dialect and extension, and the retention dialect.
void registerPipelineDialects(mlir::DialectRegistry &registry);

/// Registers the passes of this folder and the named pipelines
/// (`retention-to-llvm`, `retention-fused-to-llvm`).
void registerRetnetPipelines();
} // namespace retnet

#endif // RETNET_PIPELINES_PIPELINES_H
