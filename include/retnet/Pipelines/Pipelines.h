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

/// The optimised CPU pipeline: retention-tile and retention-fuse-decay, then
/// the same bufferization and LLVM conversion.
void buildRetentionFusedToLLVMPipeline(mlir::OpPassManager &pm);

/// The lowering of retention ops on the host CPU.
enum class CpuLowering { Reference, Fused };

/// Lowers `module` in place to the LLVM dialect for the host CPU with
/// retention-to-llvm (Reference) or retention-fused-to-llvm (Fused). On
/// failure the diagnostics have been emitted (e.g. the op that violates the
/// output contract).
mlir::LogicalResult lowerForHostCPU(mlir::ModuleOp module,
                                    CpuLowering lowering);

/// What parsing and lowering through the CPU pipelines needs: every
/// upstream dialect and extension, and the retention dialect.
void registerPipelineDialects(mlir::DialectRegistry &registry);

/// Registers the passes of this folder and the named pipelines
/// (`retention-to-llvm`, `retention-fused-to-llvm`).
void registerRetnetPipelines();
} // namespace retnet

#endif // RETNET_PIPELINES_PIPELINES_H
