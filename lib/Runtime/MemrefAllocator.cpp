//===- MemrefAllocator.cpp - allocations of compiled code -----------------===//

#include "retnet/Runtime/MemrefAllocator.h"
#include "retnet/Support/Memory.h"

#include <cstddef>
#include <cstdlib>

void *_mlir_memref_to_llvm_alloc(uint64_t bytes) {
  return retnet::allocateOrExit(bytes, alignof(std::max_align_t));
}
void *_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment, uint64_t bytes) {
  return retnet::allocateOrExit(bytes, alignment);
}
void _mlir_memref_to_llvm_free(void *ptr) { std::free(ptr); }
