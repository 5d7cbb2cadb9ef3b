//===- RetentionToGPU.h - retention to GPU kernels --------------*- C++ -*-===//
#ifndef RETNET_CONVERSION_RETENTIONTOGPU_RETENTIONTOGPU_H
#define RETNET_CONVERSION_RETENTIONTOGPU_RETENTIONTOGPU_H

#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"

namespace retnet {

/// Retention ops with static shapes on tensors -> device buffers, copies and
/// a `gpu.launch` of a kernel: f16 chunkwise and parallel ops in m16n8k16
/// tiles the tensor-core kernels, recurrent ops the recurrent kernel
/// (convert-retention-to-gpu first turns the other forms into those).
/// The kernel patterns. With `operandsOnDevice`, the host code's buffers
/// are device memory: kernels read the operands' own buffers and write new
/// ones (no copies between host and device, synchronous launches).
void populateRetentionToGPUPatterns(mlir::RewritePatternSet &patterns,
                                    bool operandsOnDevice = false);

#define GEN_PASS_DECL_CONVERTRETENTIONTOGPUPASS
#include "retnet/Conversion/Passes.h.inc"
} // namespace retnet

#endif // RETNET_CONVERSION_RETENTIONTOGPU_RETENTIONTOGPU_H
