//===- RetentionDialect.h - retention dialect -------------------*- C++ -*-===//
#ifndef RETNET_DIALECT_RETENTION_IR_RETENTIONDIALECT_H
#define RETNET_DIALECT_RETENTION_IR_RETENTIONDIALECT_H

#include "mlir/IR/Dialect.h"

#include "retnet/Dialect/Retention/IR/RetentionOpsDialect.h.inc"

#endif // RETNET_DIALECT_RETENTION_IR_RETENTIONDIALECT_H
