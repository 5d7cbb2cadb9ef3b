//===- Passes.h - retention transformation passes ---------------*- C++ -*-===//
#ifndef RETNET_DIALECT_RETENTION_TRANSFORMS_PASSES_H
#define RETNET_DIALECT_RETENTION_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace retnet::retention {
#define GEN_PASS_DECL
#include "retnet/Dialect/Retention/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "retnet/Dialect/Retention/Transforms/Passes.h.inc"
} // namespace retnet::retention

#endif // RETNET_DIALECT_RETENTION_TRANSFORMS_PASSES_H
