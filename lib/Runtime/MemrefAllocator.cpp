//===- MemrefAllocator.cpp - allocations of compiled code -----------------===//

#include "retnet/Runtime/MemrefAllocator.h"
#include "retnet/Support/Memory.h"

#include <atomic>
#include <cstddef>
#include <cstdlib>

/// Huge-page sections open (retnet_runtime_huge_pages_begin), in the whole
/// process.
static std::atomic<int> hugePageSections{0};

void *_mlir_memref_to_llvm_alloc(uint64_t bytes) {
  return retnet::allocateOrExit(bytes, alignof(std::max_align_t),
                                hugePageSections.load() > 0);
}
void *_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment, uint64_t bytes) {
  return retnet::allocateOrExit(bytes, alignment, hugePageSections.load() > 0);
}
void _mlir_memref_to_llvm_free(void *ptr) { std::free(ptr); }
void retnet_runtime_huge_pages_begin(void) { ++hugePageSections; }
void retnet_runtime_huge_pages_end(void) { --hugePageSections; }
