//===- JitModule.h - JIT-compile and call LLVM-dialect IR -------*- C++ -*-===//
//
// Takes a module already lowered to the LLVM dialect (by the CPU pipelines of
// retnet/Pipelines), JIT-compiles it with MLIR's ExecutionEngine and calls
// its public functions by their recorded tensor signatures
// (`retnet.signature`, Support/EntrySignature.h), exchanging host arrays.
// The runtime knows no pass or pipeline.
//
//===----------------------------------------------------------------------===//
#ifndef RETNET_RUNTIME_JITMODULE_H
#define RETNET_RUNTIME_JITMODULE_H

#include "retnet/Support/Npy.h"

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

/// The LLVM dialect and the translations to LLVM IR that load() needs.
void registerJitTranslations(mlir::DialectRegistry &registry);

/// The host array dtype for a tensor element type (f32, f16, bf16 as raw
/// 16-bit, i32, i64), or none.
std::optional<npy::DType> dtypeFor(mlir::Type elementType);

/// Empty if `array` can be passed for an argument of type `type`, otherwise
/// why not ("has dtype <i4, expected <f4 for tensor<2x3xf32>").
std::string checkArgument(mlir::Type type, const npy::Array &array);

class JitModule {
public:
  struct Options {
    unsigned optLevel = 3;
    /// When set, the JIT object code is written there.
    std::string objectFile;
  };

  /// JIT-compiles `module`, which holds only LLVM dialect ops.
  static llvm::Expected<std::unique_ptr<JitModule>>
  load(mlir::ModuleOp module, const Options &options);
  ~JitModule();

  /// Threads of the OpenMP team that runs parallel tiles.
  static int64_t workerThreads();
  /// The most worker threads a tool accepts: kWorkerThreadsPerProcessor per
  /// processor. More gain nothing, and far more make libomp abort when the
  /// system cannot create them.
  static int64_t maxWorkerThreads();
  static constexpr int64_t kWorkerThreadsPerProcessor = 16;
  /// Runs parallel tiles on `n` (1 to maxWorkerThreads()) threads from now on.
  static void setWorkerThreads(int64_t n);

  /// The tensor signature recorded for public function `name`.
  llvm::Expected<mlir::FunctionType> signature(llvm::StringRef name) const;

  /// Arguments that a function takes prepared (`retnet.preparer`,
  /// Support/EntrySignature.h): their positions and prepared arrays.
  struct Prepared {
    std::vector<int64_t> positions;
    std::vector<npy::Array> arrays;
  };

  /// Runs the preparer of `name` on the caller's arrays at its prepared
  /// positions of `args` (the others are not read); empty when `name` takes
  /// nothing prepared. Keep the result to call `name` many times. With
  /// `hugePages`, the blocks of 2 MiB and more that the preparer allocates
  /// while it runs (its results, which the arrays keep as they are) are
  /// advised for transparent huge pages (MemrefAllocator.h; so are other
  /// threads' meanwhile): for a function that streams them all in every
  /// call, such as a decode step's matrix-vector products, where each 4 KiB
  /// page would cost a TLB miss. Faulting huge pages in can cost more (on a
  /// VM, guest memory touched for the first time).
  llvm::Expected<Prepared> prepare(llvm::StringRef name,
                                   llvm::ArrayRef<const npy::Array *> args,
                                   bool hugePages = false);

  /// Calls `name` with the caller's arrays, checked against its signature.
  /// An argument that `name` takes donated (`retnet.donated_args`) gets the
  /// caller's buffer when the caller gives it up by listing its array in
  /// `givenUp` (the call may then overwrite it), and a copy otherwise; a
  /// result returned in a donated buffer shares it instead of being copied.
  /// Scalar (index, i32, i64) arguments take a one-element integer array.
  /// Arguments that `name` takes prepared come from `prepared` (the arrays
  /// at those positions of `args` are then not read), or, without it, from
  /// running its preparer first.
  llvm::Expected<std::vector<npy::Array>>
  call(llvm::StringRef name, llvm::ArrayRef<const npy::Array *> args,
       const Prepared *prepared = nullptr,
       llvm::ArrayRef<npy::Array *> givenUp = {});

private:
  JitModule() = default;
  /// Calls `name` with exactly the arrays its compiled code takes.
  llvm::Expected<std::vector<npy::Array>>
  invoke(llvm::StringRef name, llvm::ArrayRef<const npy::Array *> args,
         llvm::ArrayRef<npy::Array *> givenUp = {});
  std::unique_ptr<mlir::ExecutionEngine> engine;
  llvm::StringMap<mlir::FunctionType> signatures;
  struct Preparation {
    std::string preparer;
    std::vector<int64_t> positions;
  };
  llvm::StringMap<Preparation> preparations;
  llvm::StringMap<std::vector<int64_t>> donations;
  /// (result, donated argument) pairs of results left out of the compiled
  /// function: the argument's array is the result.
  llvm::StringMap<std::vector<std::pair<int64_t, int64_t>>> donatedResults;
};

} // namespace retnet::runtime

#endif // RETNET_RUNTIME_JITMODULE_H
