//===- RetentionToGPU.h - retention to GPU kernels --------------*- C++ -*-===//
#ifndef RETNET_CONVERSION_RETENTIONTOGPU_RETENTIONTOGPU_H
#define RETNET_CONVERSION_RETENTIONTOGPU_RETENTIONTOGPU_H

#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"

namespace retnet {

/// Recurrent ops with static shapes on tensors -> device buffers, copies and
/// a `gpu.launch` of the recurrent kernel (convert-retention-to-gpu; the
/// pass first turns the other forms into recurrent ones).
void populateRetentionToGPUPatterns(mlir::RewritePatternSet &patterns);

#define GEN_PASS_DECL_CONVERTRETENTIONTOGPUPASS
#include "retnet/Conversion/Passes.h.inc"
} // namespace retnet

#endif // RETNET_CONVERSION_RETENTIONTOGPU_RETENTIONTOGPU_H
