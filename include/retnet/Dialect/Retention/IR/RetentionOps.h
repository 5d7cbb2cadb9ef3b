//===- RetentionOps.h - retention operations --------------------*- C++ -*-===//
#ifndef RETNET_DIALECT_RETENTION_IR_RETENTIONOPS_H
#define RETNET_DIALECT_RETENTION_IR_RETENTIONOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "retnet/Dialect/Retention/IR/RetentionDialect.h"

#include "retnet/Dialect/Retention/IR/RetentionEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "retnet/Dialect/Retention/IR/RetentionAttrs.h.inc"

#include "retnet/Dialect/Retention/IR/RetentionInterfaces.h.inc"

#define GET_OP_CLASSES
#include "retnet/Dialect/Retention/IR/RetentionOps.h.inc"

#endif // RETNET_DIALECT_RETENTION_IR_RETENTIONOPS_H
