/*===- retnet-capi-test.c - the C API from C ------------------------------===*\
|*                                                                            *|
|* Registers the retention dialect and passes through the C API, parses a    *|
|* module, runs a pass created by its generated C constructor and a pipeline *|
|* parsed from text, and prints the results (checked by retnet-capi.test).   *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "retnet-c/Retention.h"

#include "mlir-c/Dialect/Func.h"
#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"

#include <stdio.h>

static void print(MlirStringRef s, void *user) {
  (void)user;
  fwrite(s.data, 1, s.length, stdout);
}

static const char *kModule =
    "func.func @f(%q: tensor<1x2x40x8xf32>, %v: tensor<1x2x40x4xf32>,\n"
    "             %ld: tensor<2xf32>) -> tensor<1x2x40x4xf32> {\n"
    "  %o = retention.parallel %q, %q, %v decay(%ld)\n"
    "      : tensor<1x2x40x8xf32>, tensor<1x2x40x8xf32>,\n"
    "        tensor<1x2x40x4xf32>, tensor<2xf32> -> tensor<1x2x40x4xf32>\n"
    "  return %o : tensor<1x2x40x4xf32>\n"
    "}\n";

/* The module with an empty head dimension: the verifier rejects it. */
static const char *kInvalid =
    "func.func @g(%q: tensor<1x0x4x8xf32>, %ld: tensor<0xf32>) {\n"
    "  %o = retention.parallel %q, %q, %q decay(%ld)\n"
    "      : tensor<1x0x4x8xf32>, tensor<1x0x4x8xf32>, tensor<1x0x4x8xf32>,\n"
    "        tensor<0xf32> -> tensor<1x0x4x8xf32>\n"
    "  return\n"
    "}\n";

static int run(MlirContext ctx, MlirPassManager pm, const char *what) {
  MlirModule module =
      mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(kModule));
  if (mlirModuleIsNull(module)) {
    fprintf(stderr, "error: cannot parse the module\n");
    return 1;
  }
  MlirLogicalResult result =
      mlirPassManagerRunOnOp(pm, mlirModuleGetOperation(module));
  printf("// %s: %s\n", what,
         mlirLogicalResultIsSuccess(result) ? "success" : "failure");
  mlirOperationPrint(mlirModuleGetOperation(module), print, NULL);
  mlirModuleDestroy(module);
  return mlirLogicalResultIsSuccess(result) ? 0 : 1;
}

int main(void) {
  MlirContext ctx = mlirContextCreate();
  MlirDialectRegistry registry = mlirDialectRegistryCreate();
  mlirDialectHandleInsertDialect(mlirGetDialectHandle__retention__(), registry);
  mlirDialectHandleInsertDialect(mlirGetDialectHandle__func__(), registry);
  mlirContextAppendDialectRegistry(ctx, registry);
  mlirDialectRegistryDestroy(registry);
  mlirContextLoadAllAvailableDialects(ctx);
  mlirRegisterRetentionPasses();
  mlirRegisterRetnetConversionPasses();
  mlirRegisterRetnetPipelines();

  int status = 0;

  /* A pass from its generated C constructor (default chunk size 64). */
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  MlirOpPassManager opm = mlirPassManagerGetAsOpPassManager(pm);
  mlirOpPassManagerAddOwnedPass(
      opm, mlirCreateRetentionRetentionParallelToChunkwisePass());
  status |= run(ctx, pm, "created pass");
  mlirPassManagerDestroy(pm);

  /* A pipeline parsed from text, with options. */
  pm = mlirPassManagerCreate(ctx);
  opm = mlirPassManagerGetAsOpPassManager(pm);
  MlirLogicalResult parsed = mlirParsePassPipeline(
      opm,
      mlirStringRefCreateFromCString(
          "builtin.module(retention-parallel-to-chunkwise{chunk-size=16},"
          "convert-retention-to-linalg)"),
      print, NULL);
  if (mlirLogicalResultIsFailure(parsed)) {
    fprintf(stderr, "error: cannot parse the pipeline\n");
    return 1;
  }
  status |= run(ctx, pm, "parsed pipeline");
  mlirPassManagerDestroy(pm);

  /* Invalid IR is rejected by the verifier, not accepted. */
  MlirModule invalid =
      mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(kInvalid));
  printf("// invalid module: %s\n",
         mlirModuleIsNull(invalid) ? "rejected" : "accepted");
  if (!mlirModuleIsNull(invalid)) {
    mlirModuleDestroy(invalid);
    status = 1;
  }

  mlirContextDestroy(ctx);
  return status;
}
