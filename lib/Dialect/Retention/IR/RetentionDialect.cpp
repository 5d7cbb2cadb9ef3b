//===- RetentionDialect.cpp - retention dialect ---------------------------===//

#include "retnet/Dialect/Retention/IR/RetentionDialect.h"
#include "retnet/Dialect/Retention/IR/RetentionOps.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace retnet::retention;

#include "retnet/Dialect/Retention/IR/RetentionOpsDialect.cpp.inc"

#include "retnet/Dialect/Retention/IR/RetentionEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "retnet/Dialect/Retention/IR/RetentionAttrs.cpp.inc"

#include "retnet/Dialect/Retention/IR/RetentionInterfaces.cpp.inc"

void RetentionDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "retnet/Dialect/Retention/IR/RetentionAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "retnet/Dialect/Retention/IR/RetentionOps.cpp.inc"
      >();
}
