//===- JitModule.h - JIT-compile lowered modules and call them --*- C++ -*-===//
//
// Lowers a module (retention, linalg or already-lowered IR) for the host CPU,
// JIT-compiles it with MLIR's ExecutionEngine and calls its public functions
// by their recorded tensor signatures (`retnet.signature`), exchanging
// host arrays. Used by retnet-run and retnet-compile.
//
//===----------------------------------------------------------------------===//
#ifndef RETNET_RUNTIME_JITMODULE_H
#define RETNET_RUNTIME_JITMODULE_H

#include "retnet/Runtime/Npy.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <memory>

namespace mlir {
class ExecutionEngine;
class DialectRegistry;
} // namespace mlir

namespace retnet::runtime {

/// The CPU lowering to use for retention ops.
enum class Pipeline { Reference, Fused };

/// Dialects, extensions and LLVM translations the JIT needs.
void registerJitDialects(mlir::DialectRegistry &registry);

/// The host array dtype for a tensor element type (f32, f16, bf16 as raw
/// 16-bit, i32, i64), or none.
std::optional<npy::DType> dtypeFor(mlir::Type elementType);

/// Empty if `array` can be passed for an argument of type `type`, otherwise
/// why not ("has dtype <i4, expected <f4 for tensor<2x3xf32>").
std::string checkArgument(mlir::Type type, const npy::Array &array);

class JitModule {
public:
  struct Options {
    Pipeline pipeline = Pipeline::Fused;
    unsigned optLevel = 3;
    /// When set, the JIT object code is written there.
    std::string objectFile;
  };

  /// Lowers `module` (modified in place) and compiles it.
  static llvm::Expected<std::unique_ptr<JitModule>>
  compile(mlir::ModuleOp module, const Options &options);
  ~JitModule();

  /// Worker threads of the async runtime that runs parallel tiles.
  static int64_t workerThreads();

  /// The tensor signature recorded for public function `name`.
  llvm::Expected<mlir::FunctionType> signature(llvm::StringRef name) const;

  /// Calls `name`; arguments are checked against its signature. Scalar
  /// (index, i32, i64) arguments take a one-element integer array.
  llvm::Expected<std::vector<npy::Array>>
  call(llvm::StringRef name, llvm::ArrayRef<const npy::Array *> args);

private:
  JitModule() = default;
  std::unique_ptr<mlir::ExecutionEngine> engine;
  llvm::StringMap<mlir::FunctionType> signatures;
};

} // namespace retnet::runtime

#endif // RETNET_RUNTIME_JITMODULE_H
