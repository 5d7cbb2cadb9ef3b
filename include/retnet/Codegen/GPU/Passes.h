//===- Passes.h - NVIDIA GPU code generation --------------------*- C++ -*-===//
//
// Code generation for NVIDIA GPUs beyond the upstream NVVM path: host code
// whose buffers live on the device, and the compilation of NVVM-level
// kernels for the CPU emulator that checks them in CI (no machine of this
// project has a GPU).
//
//===----------------------------------------------------------------------===//
#ifndef RETNET_CODEGEN_GPU_PASSES_H
#define RETNET_CODEGEN_GPU_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"

namespace retnet::gpu {
/// The shim bitcode of the build tree (RETNET_EMULATOR_SHIM at build time).
extern const char *const kDefaultShimPath;
/// LLVM's llc that the build found (RETNET_LLC at build time).
extern const char *const kDefaultLlcPath;

/// The products by 16-bit weights as mma.sync kernels on buffers in device
/// memory (retnet-gpu-matmul-to-tensor-cores).
void populateMatmulToTensorCoresPatterns(mlir::RewritePatternSet &patterns);

#define GEN_PASS_DECL
#include "retnet/Codegen/GPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "retnet/Codegen/GPU/Passes.h.inc"
} // namespace retnet::gpu

#endif // RETNET_CODEGEN_GPU_PASSES_H
