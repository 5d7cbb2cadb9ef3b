/*===- MemrefAllocator.h - allocations of compiled code -----------*- C -*-===*\
|*                                                                            *|
|* Code lowered with `finalize-memref-to-llvm{use-generic-functions=true}`    *|
|* (every pipeline here) allocates through these three functions. A failed    *|
|* allocation prints "error: out of memory allocating N bytes" and exits with *|
|* status 1 instead of handing compiled code a null pointer. Buffers are      *|
|* released with free. Part of libretnet_runtime.so (no LLVM or MLIR).        *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
#ifndef RETNET_RUNTIME_MEMREFALLOCATOR_H
#define RETNET_RUNTIME_MEMREFALLOCATOR_H

#include <stdint.h>

#define RETNET_RUNTIME_EXPORT __attribute__((visibility("default")))

#ifdef __cplusplus
extern "C" {
#endif

RETNET_RUNTIME_EXPORT void *_mlir_memref_to_llvm_alloc(uint64_t bytes);
RETNET_RUNTIME_EXPORT void *
_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment, uint64_t bytes);
RETNET_RUNTIME_EXPORT void _mlir_memref_to_llvm_free(void *ptr);

/* Between a begin and its end (they nest, and hold for the whole process:
 * every thread's allocations), blocks of 2 MiB and more that compiled code
 * allocates are advised for transparent huge pages: around code whose
 * results are kept and read by every later call, such as a preparer packing
 * weights. */
RETNET_RUNTIME_EXPORT void retnet_runtime_huge_pages_begin(void);
RETNET_RUNTIME_EXPORT void retnet_runtime_huge_pages_end(void);

#ifdef __cplusplus
}
#endif

#endif /* RETNET_RUNTIME_MEMREFALLOCATOR_H */
