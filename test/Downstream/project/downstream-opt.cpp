//===- downstream-opt.cpp - a compiler built on the installed package -----===//
//
// downstream-opt FILE: parses FILE, rewrites parallel retention into the
// chunkwise form (chunks of 8) with the exported pattern set, lowers it with
// the exported pass, and prints the result.
//
//===----------------------------------------------------------------------===//

#include "retnet/Conversion/Passes.h"
#include "retnet/Dialect/Retention/IR/RetentionDialect.h"
#include "retnet/Dialect/Retention/Transforms/Transforms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

#include "llvm/Support/raw_ostream.h"

int main(int argc, char **argv) {
  if (argc != 2) {
    llvm::errs() << "usage: downstream-opt FILE\n";
    return 2;
  }
  mlir::DialectRegistry registry;
  registry.insert<retnet::retention::RetentionDialect,
                  mlir::arith::ArithDialect, mlir::func::FuncDialect,
                  mlir::linalg::LinalgDialect, mlir::math::MathDialect,
                  mlir::scf::SCFDialect, mlir::tensor::TensorDialect>();
  mlir::MLIRContext context(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(argv[1], &context);
  if (!module)
    return 1;

  mlir::RewritePatternSet patterns(&context);
  retnet::retention::populateParallelToChunkwisePatterns(patterns, 8);
  mlir::walkAndApplyPatterns(*module, std::move(patterns));
  module->print(llvm::outs());
  llvm::outs() << "// -----\n";

  mlir::PassManager pm(&context);
  pm.addPass(retnet::createConvertRetentionToLinalgPass());
  if (mlir::failed(pm.run(*module)))
    return 1;
  module->print(llvm::outs());
  return 0;
}
