//===- RetnetPlugin.cpp - the retention dialect and passes as a plugin ----===//
//
// A shared library that Debian's stock mlir-opt loads:
//
//   mlir-opt --load-dialect-plugin=RetnetPlugin.so \
//            --load-pass-plugin=RetnetPlugin.so ...
//
// It carries the retention dialect, its passes (form conversions, tiling,
// lowerings) and the named pipelines, and links the MLIR dylib that mlir-opt
// itself uses: a private copy of the static MLIR libraries would duplicate
// MLIR's TypeIDs and break.
//
//===----------------------------------------------------------------------===//

#include "retnet/Conversion/Passes.h"
#include "retnet/Dialect/Retention/IR/RetentionDialect.h"
#include "retnet/Dialect/Retention/TransformOps/RetentionTransformOps.h"
#include "retnet/Dialect/Retention/Transforms/Passes.h"
#include "retnet/Pipelines/Pipelines.h"

#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"

using namespace mlir;

extern "C" LLVM_ATTRIBUTE_WEAK DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "Retention", LLVM_VERSION_STRING,
          [](DialectRegistry *registry) {
            registry->insert<retnet::retention::RetentionDialect>();
            retnet::retention::registerTransformDialectExtension(*registry);
          }};
}

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "RetnetPasses", LLVM_VERSION_STRING, []() {
            retnet::retention::registerRetentionPasses();
            retnet::registerRetnetConversionPasses();
            retnet::registerRetnetPipelines();
          }};
}
