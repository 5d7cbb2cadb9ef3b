//===- MemrefAllocator.h - allocations of JIT-compiled code -----*- C++ -*-===//
#ifndef RETNET_RUNTIME_MEMREFALLOCATOR_H
#define RETNET_RUNTIME_MEMREFALLOCATOR_H

namespace mlir {
class ExecutionEngine;
} // namespace mlir

namespace retnet::runtime {

/// Defines the allocation functions that code lowered with
/// `finalize-memref-to-llvm{use-generic-functions=true}` calls
/// (`_mlir_memref_to_llvm_{alloc,aligned_alloc,free}`) in `engine`. An
/// allocation that fails prints "error: out of memory allocating N bytes"
/// and exits with status 1. Buffers are released with std::free.
void registerMemrefAllocator(mlir::ExecutionEngine &engine);

} // namespace retnet::runtime

#endif // RETNET_RUNTIME_MEMREFALLOCATOR_H
