//===- MemrefAllocator.cpp - allocations of JIT-compiled code -------------===//
//
// The CPU pipelines lower memref allocations with
// `finalize-memref-to-llvm{use-generic-functions=true}`, so compiled code
// allocates through these three functions instead of calling malloc and
// dereferencing a null result: a failed allocation is reported with its
// size and ends the process with status 1.
//
//===----------------------------------------------------------------------===//

#include "retnet/Runtime/MemrefAllocator.h"
#include "retnet/Support/Memory.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"

#include <cstdlib>

extern "C" {
static void *retnetMemrefAlloc(uint64_t bytes) {
  return retnet::allocateOrExit(bytes, alignof(std::max_align_t));
}
static void *retnetMemrefAlignedAlloc(uint64_t alignment, uint64_t bytes) {
  return retnet::allocateOrExit(bytes, alignment);
}
static void retnetMemrefFree(void *ptr) { std::free(ptr); }
}

void retnet::runtime::registerMemrefAllocator(mlir::ExecutionEngine &engine) {
  engine.registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbols;
    auto add = [&](llvm::StringRef name, auto *fn) {
      symbols[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(fn),
                                 llvm::JITSymbolFlags::Exported};
    };
    add("_mlir_memref_to_llvm_alloc", &retnetMemrefAlloc);
    add("_mlir_memref_to_llvm_aligned_alloc", &retnetMemrefAlignedAlloc);
    add("_mlir_memref_to_llvm_free", &retnetMemrefFree);
    return symbols;
  });
}
