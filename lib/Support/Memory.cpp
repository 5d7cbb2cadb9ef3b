//===- Memory.cpp - allocation failures -----------------------------------===//

#include "retnet/Support/Memory.h"

#include <climits>
#include <cstdio>
#include <cstdlib>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#if defined(__linux__)
#include <sys/mman.h>
#endif

/// The transparent huge page of x86-64 (and of most AArch64 kernels).
static constexpr uint64_t kHugePage = 2u << 20;

void retnet::reportOutOfMemory(double bytes) {
  std::fprintf(stderr, "error: out of memory allocating %.0f bytes\n", bytes);
  std::fflush(stderr);
  // Other threads may be inside compiled code: leave without running
  // destructors under them.
  std::_Exit(1);
}

void *retnet::allocateOrExit(uint64_t bytes, uint64_t alignment,
                             bool hugePages) {
  // aligned_alloc takes powers of two from the pointer size up.
  if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0)
    alignment = 64;
  // A block on huge pages covers whole ones.
  hugePages = hugePages && bytes >= kHugePage;
  if (hugePages && alignment < kHugePage)
    alignment = kHugePage;
  // aligned_alloc wants a size that is a multiple of the alignment; zero
  // bytes still get a distinct pointer.
  uint64_t rounded = bytes + alignment - 1;
  if (rounded < bytes)
    reportOutOfMemory(double(bytes));
  rounded = rounded / alignment * alignment;
  if (rounded == 0)
    rounded = alignment;
  void *mem = std::aligned_alloc(alignment, rounded);
  if (!mem)
    reportOutOfMemory(double(bytes));
#if defined(MADV_HUGEPAGE)
  // Where the kernel leaves transparent huge pages to madvise (Debian's
  // default). A hint: pages not yet touched fault in as huge pages where
  // the kernel has them; pages the heap reuses keep their small pages until
  // khugepaged merges them.
  if (hugePages)
    (void)madvise(mem, rounded, MADV_HUGEPAGE);
#endif
  return mem;
}

void retnet::retainFreedMemory() {
#if defined(__GLIBC__)
  // 32 MiB is glibc's largest mmap threshold (HEAP_MAX_SIZE / 2); larger
  // blocks are mapped whatever the threshold unless mapping is off. With it
  // off the main arena's heap grows with brk (and maps only where brk
  // fails); a thread arena still maps a block too large for its heaps.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, INT_MAX);
#endif
}
