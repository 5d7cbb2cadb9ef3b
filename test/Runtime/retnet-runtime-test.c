/*===- retnet-runtime-test.c - the allocator of compiled code -------------===//
 *
 * Allocates through libretnet_runtime.so as compiled code does, inside and
 * outside a huge-page section, and prints for each block whether it starts
 * on a huge page boundary and whether its mapping carries the kernel's
 * huge-page advice (the `hg` flag of /proc/self/smaps).
 *
 *===----------------------------------------------------------------------===*/

#include "retnet/Runtime/MemrefAllocator.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum { HugePage = 2 << 20 };

/* Whether the mapping that holds `p` has the MADV_HUGEPAGE advice. */
static int advised(const void *p) {
  FILE *f = fopen("/proc/self/smaps", "r");
  if (!f)
    return -1;
  char line[512];
  int inside = 0, result = 0;
  uintptr_t at = (uintptr_t)p;
  while (fgets(line, sizeof line, f)) {
    unsigned long lo, hi;
    if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
      inside = at >= lo && at < hi;
      continue;
    }
    if (inside && strncmp(line, "VmFlags:", 8) == 0) {
      result = strstr(line, " hg") != NULL;
      break;
    }
  }
  fclose(f);
  return result;
}

static void report(const char *what, char *p, size_t bytes) {
  memset(p, 1, bytes);
  printf("%s: huge-page aligned %d, advised %d\n", what,
         (uintptr_t)p % HugePage == 0, advised(p));
}

int main(void) {
  size_t big = 3 << 20, small = 1 << 20;
  retnet_runtime_huge_pages_begin();
  char *inside = _mlir_memref_to_llvm_aligned_alloc(64, big);
  char *unaligned = _mlir_memref_to_llvm_alloc(big);
  char *below = _mlir_memref_to_llvm_aligned_alloc(64, small);
  retnet_runtime_huge_pages_end();
  char *outside = _mlir_memref_to_llvm_aligned_alloc(64, big);
  report("inside", inside, big);
  report("inside, no alignment asked", unaligned, big);
  report("inside, under a huge page", below, small);
  report("outside", outside, big);
  _mlir_memref_to_llvm_free(inside);
  _mlir_memref_to_llvm_free(unaligned);
  _mlir_memref_to_llvm_free(below);
  _mlir_memref_to_llvm_free(outside);
  return 0;
}
