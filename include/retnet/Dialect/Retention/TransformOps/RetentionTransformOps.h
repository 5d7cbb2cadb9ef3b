//===- RetentionTransformOps.h - transform ops on retention -----*- C++ -*-===//
//
// Transform-dialect ops that convert retention forms and fuse the decay on a
// handle, so other compilers drive them from their own transform scripts
// (tiling uses upstream transform.structured.tile_using_* through the ops'
// TilingInterface).
//
//===----------------------------------------------------------------------===//
#ifndef RETNET_DIALECT_RETENTION_TRANSFORMOPS_RETENTIONTRANSFORMOPS_H
#define RETNET_DIALECT_RETENTION_TRANSFORMOPS_RETENTIONTRANSFORMOPS_H

#include "retnet/Dialect/Retention/IR/RetentionOps.h"

#include "mlir/Dialect/Transform/IR/TransformDialect.h"
#include "mlir/Dialect/Transform/IR/TransformTypes.h"
#include "mlir/Dialect/Transform/Interfaces/TransformInterfaces.h"
#include "mlir/IR/OpImplementation.h"

#define GET_OP_CLASSES
#include "retnet/Dialect/Retention/TransformOps/RetentionTransformOps.h.inc"

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace retnet::retention {
/// Adds the transform ops above to the transform dialect.
void registerTransformDialectExtension(mlir::DialectRegistry &registry);
} // namespace retnet::retention

#endif // RETNET_DIALECT_RETENTION_TRANSFORMOPS_RETENTIONTRANSFORMOPS_H
