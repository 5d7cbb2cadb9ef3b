//===- Memory.h - allocation failures ---------------------------*- C++ -*-===//
//
// Running out of memory is a user error here (a huge shape, a long sequence
// through the O(T^2) form), not a crash: the tools and the code they compile
// report it and exit with status 1.
//
//===----------------------------------------------------------------------===//
#ifndef RETNET_SUPPORT_MEMORY_H
#define RETNET_SUPPORT_MEMORY_H

#include <cstddef>
#include <cstdint>

namespace retnet {

/// Prints "error: out of memory allocating N bytes" and exits with status 1.
/// (A double: the size that failed may not fit in 64 bits.)
[[noreturn]] void reportOutOfMemory(double bytes);

/// Storage for `bytes` (at least one byte) aligned to `alignment` (a power
/// of two; 64 otherwise), or reportOutOfMemory. Released with std::free.
/// With `hugePages`, a block of 2 MiB or more covers whole huge pages and
/// is advised to the kernel for transparent huge pages (memory not yet
/// touched then faults in as huge pages): for data written once and
/// read many times (weights that a decode step streams, where every 4 KiB
/// page would cost a TLB miss), not for short-lived blocks, whose first
/// touch costs more on huge pages (the kernel may compact memory for them).
void *allocateOrExit(uint64_t bytes, uint64_t alignment = 64,
                     bool hugePages = false);

/// Asks the C library to keep freed memory for reuse: with glibc, the main
/// thread's blocks (where the tools and the compiled code's serial parts
/// allocate) come from the heap instead of their own mappings, blocks of 32
/// MiB and more such as `run`'s logits too, and the heap is not given back
/// to the system. Compiled code allocates and frees the same activations in
/// every layer and call; without this each of them is mapped and faulted
/// in again. A process-wide choice, for the tools' main functions, never
/// for a library.
void retainFreedMemory();

} // namespace retnet

#endif // RETNET_SUPPORT_MEMORY_H
