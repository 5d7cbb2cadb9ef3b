//===- retnet-opt.cpp - the retnet-mlir optimizer driver ------------------===//
//
// mlir-opt with the retention dialect, its passes and pipelines, and every
// upstream dialect, pass and extension.
//
//===----------------------------------------------------------------------===//

#include "retnet/Conversion/Passes.h"
#include "retnet/Dialect/Retention/IR/RetentionDialect.h"
#include "retnet/Dialect/Retention/TransformOps/RetentionTransformOps.h"
#include "retnet/Dialect/Retention/Transforms/Passes.h"
#include "retnet/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  retnet::retention::registerRetentionPasses();
  retnet::registerRetnetConversionPasses();
  retnet::registerRetnetPipelines();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary and friends translate nested modules to LLVM IR.
  mlir::registerAllToLLVMIRTranslations(registry);
  registry.insert<retnet::retention::RetentionDialect>();
  retnet::retention::registerTransformDialectExtension(registry);

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "retnet-mlir optimizer driver\n", registry));
}
