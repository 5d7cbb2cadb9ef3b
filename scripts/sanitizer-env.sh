# Sourced by scripts/sanitize.sh and scripts/fuzz.sh: the sanitizer runtime
# options of the ASan + UBSan build.
#
# allow_user_poisoning=0: Debian's LLVM is not instrumented, but its headers
# poison memory (SmallVector, BumpPtrAllocator) when included by instrumented
# code; the library's own code then touches that memory without unpoisoning
# it, which ASan would report. allocator_may_return_null=1: an allocation
# that cannot be had returns null to the caller, as without ASan, so the
# tools' own "out of memory" errors are what the tests see.
export ASAN_OPTIONS=allow_user_poisoning=0:allocator_may_return_null=1:detect_leaks=1:abort_on_error=0:symbolize=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-22/bin/llvm-symbolizer
