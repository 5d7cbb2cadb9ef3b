//===- RetentionToLinalg.h - retention to linalg lowering -------*- C++ -*-===//
#ifndef RETNET_CONVERSION_RETENTIONTOLINALG_RETENTIONTOLINALG_H
#define RETNET_CONVERSION_RETENTIONTOLINALG_RETENTIONTOLINALG_H

#include "mlir/Pass/Pass.h"

namespace retnet {
/// The unit attribute by which retention-fuse-decay opts its per-chunk
/// contractions (cache-resident tiles) into retnet-vectorize-contractions.
inline constexpr llvm::StringLiteral kVectorizeAttrName = "retnet.vectorize";

#define GEN_PASS_DECL_CONVERTRETENTIONTOLINALGPASS
#define GEN_PASS_DECL_RETENTIONFUSEDECAYPASS
#include "retnet/Conversion/Passes.h.inc"
} // namespace retnet

#endif // RETNET_CONVERSION_RETENTIONTOLINALG_RETENTIONTOLINALG_H
