/*===- retnet-c/Retention.h - C API of retnet-mlir ----------------*- C -*-===*\
|*                                                                            *|
|* The entry points that MLIR's C API and its bindings expect: the dialect    *|
|* handle, and registration and construction of the passes (generated from    *|
|* the pass definitions) and of the named pipelines.                          *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
#ifndef RETNET_C_RETENTION_H
#define RETNET_C_RETENTION_H

#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"

#ifdef __cplusplus
extern "C" {
#endif

/* mlirGetDialectHandle__retention__(): the `retention` dialect. */
MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(Retention, retention);

/* Registers the named pipelines (retention-to-llvm,
 * retention-fused-to-linalg, retention-fused-to-llvm) and the passes they
 * use, for mlirParsePassPipeline. */
MLIR_CAPI_EXPORTED void mlirRegisterRetnetPipelines(void);

#ifdef __cplusplus
}
#endif

/* mlirRegisterRetentionPasses, mlirCreateRetentionRetention*Pass, ... */
#include "retnet/Dialect/Retention/Transforms/Passes.capi.h.inc"
/* mlirRegisterRetnetConversionPasses, mlirCreateRetnetConversion*Pass, ... */
#include "retnet/Conversion/Passes.capi.h.inc"

#endif /* RETNET_C_RETENTION_H */
