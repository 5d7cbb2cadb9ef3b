//===- Pipelines.h - named retnet pass pipelines ----------------*- C++ -*-===//
#ifndef RETNET_PIPELINES_PIPELINES_H
#define RETNET_PIPELINES_PIPELINES_H

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace retnet {
#define GEN_PASS_DECL
#include "retnet/Pipelines/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "retnet/Pipelines/Passes.h.inc"

/// The attribute that RecordEntrySignaturesPass attaches to entry functions.
inline constexpr llvm::StringLiteral kSignatureAttrName = "retnet.signature";

/// Retention (or linalg-on-tensors) IR to the LLVM dialect for the host CPU:
/// the reference lowering, bufferization, loops and the LLVM conversion.
void buildRetentionToLLVMPipeline(mlir::OpPassManager &pm);

/// The optimised CPU pipeline: retention-tile and retention-fuse-decay, then
/// the same bufferization and LLVM conversion.
void buildRetentionFusedToLLVMPipeline(mlir::OpPassManager &pm);

/// Registers the passes of this folder and the named pipelines
/// (`retention-to-llvm`, `retention-fused-to-llvm`).
void registerRetnetPipelines();
} // namespace retnet

#endif // RETNET_PIPELINES_PIPELINES_H
