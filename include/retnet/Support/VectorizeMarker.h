//===- VectorizeMarker.h - the register-blocking opt-in marker --*- C++ -*-===//
//
// The unit attribute by which producers of cache-resident contractions (the
// decay-fused retention chunks, the model's pre-tiled matrix products) opt
// into the register-blocked vector kernels of retnet-vectorize-contractions.
//
//===----------------------------------------------------------------------===//
#ifndef RETNET_SUPPORT_VECTORIZEMARKER_H
#define RETNET_SUPPORT_VECTORIZEMARKER_H

#include "llvm/ADT/StringRef.h"

namespace retnet {
inline constexpr llvm::StringLiteral kVectorizeAttrName = "retnet.vectorize";
} // namespace retnet

#endif // RETNET_SUPPORT_VECTORIZEMARKER_H
