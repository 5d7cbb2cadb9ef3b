//===- Retention.cpp - C API of retnet-mlir -------------------------------===//

#include "retnet-c/Retention.h"
#include "retnet/Conversion/Passes.h"
#include "retnet/Dialect/Retention/IR/RetentionDialect.h"
#include "retnet/Dialect/Retention/Transforms/Passes.h"
#include "retnet/Pipelines/Pipelines.h"

#include "mlir/CAPI/Pass.h"
#include "mlir/CAPI/Registration.h"

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(Retention, retention,
                                      retnet::retention::RetentionDialect)

void mlirRegisterRetnetPipelines(void) { retnet::registerRetnetPipelines(); }

// The generated definitions call the passes' C++ functions unqualified.
using namespace retnet;
using namespace retnet::retention;
#include "retnet/Conversion/Passes.capi.cpp.inc"
#include "retnet/Dialect/Retention/Transforms/Passes.capi.cpp.inc"
