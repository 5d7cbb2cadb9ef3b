//===- Passes.h - host CPU code generation ----------------------*- C++ -*-===//
//
// Code generation for the host CPU, on tensors: the layout of weights
// (panel packing, moved out of the entry into a function run once), tasks
// for the worker threads and register-blocked vector kernels. Takes
// target-neutral linalg (the model graph, lowered retention) and leaves
// tensors for the bufferization of the CPU pipelines.
//
//===----------------------------------------------------------------------===//
#ifndef RETNET_CODEGEN_CPU_PASSES_H
#define RETNET_CODEGEN_CPU_PASSES_H

#include "retnet/Codegen/CPU/Tiling.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"

namespace mlir::func {
class FuncOp;
} // namespace mlir::func

namespace retnet::cpu {
#define GEN_PASS_DECL
#include "retnet/Codegen/CPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "retnet/Codegen/CPU/Passes.h.inc"

/// The pattern of retnet-cpu-pack-matmuls.
void populatePackMatmulsPatterns(mlir::RewritePatternSet &patterns,
                                 const PackMatmulsPassOptions &options);

/// The pattern of retnet-cpu-tile-into-tasks.
void populateTileIntoTasksPatterns(mlir::RewritePatternSet &patterns,
                                   const TileIntoTasksPassOptions &options);

/// The patterns of retnet-cpu-approximate-math.
void populateApproximateMathPatterns(mlir::RewritePatternSet &patterns);

/// The pattern of retnet-cpu-lower-packs.
void populateLowerPacksPatterns(mlir::RewritePatternSet &patterns);
} // namespace retnet::cpu

#endif // RETNET_CODEGEN_CPU_PASSES_H
