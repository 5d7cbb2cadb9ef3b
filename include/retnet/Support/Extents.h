//===- Extents.h - overflow-checked tensor sizes ----------------*- C++ -*-===//
//
// Shapes come from files and command lines: their products are computed with
// overflow checks and bounded before anything is allocated or indexed.
//
//===----------------------------------------------------------------------===//
#ifndef RETNET_SUPPORT_EXTENTS_H
#define RETNET_SUPPORT_EXTENTS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/MathExtras.h"

#include <cstdint>
#include <optional>

namespace retnet {

/// The largest number of elements of any tensor the tools accept (2^40): far
/// above this machine's memory, far below where byte counts overflow.
inline constexpr int64_t kMaxElements = int64_t(1) << 40;

/// The product of `factors` when every factor is non-negative and the
/// product (and each partial product) is at most `limit`; none otherwise.
inline std::optional<int64_t> boundedProduct(llvm::ArrayRef<int64_t> factors,
                                             int64_t limit = kMaxElements) {
  int64_t product = 1;
  for (int64_t f : factors) {
    if (f < 0 || llvm::MulOverflow(product, f, product) || product > limit)
      return std::nullopt;
  }
  return product;
}

} // namespace retnet

#endif // RETNET_SUPPORT_EXTENTS_H
