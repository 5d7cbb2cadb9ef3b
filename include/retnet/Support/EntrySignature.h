//===- EntrySignature.h - the tensor signature of entry points --*- C++ -*-===//
//
// The contract between the compiler and the runtime: the CPU pipelines
// record each public function's tensor-level type in this attribute before
// bufferization, and the runtime reads it from the LLVM-dialect function to
// call `_mlir_ciface_<name>` with memref descriptors of the right types.
//
//===----------------------------------------------------------------------===//
#ifndef RETNET_SUPPORT_ENTRYSIGNATURE_H
#define RETNET_SUPPORT_ENTRYSIGNATURE_H

#include "llvm/ADT/StringRef.h"

namespace retnet {
/// A `TypeAttr` holding the entry's `FunctionType` on tensors.
inline constexpr llvm::StringLiteral kSignatureAttrName = "retnet.signature";

/// Arguments computed once: a function with these attributes takes some
/// arguments in a prepared form (e.g. weights packed for the CPU kernels).
/// `retnet.preparer` (a FlatSymbolRefAttr) names a public function that
/// takes the caller's arrays for those arguments, in order, and returns the
/// prepared ones; `retnet.prepared_args` (a DenseI64ArrayAttr) lists the
/// positions of the arguments its results replace.
inline constexpr llvm::StringLiteral kPreparerAttrName = "retnet.preparer";
inline constexpr llvm::StringLiteral kPreparedArgsAttrName =
    "retnet.prepared_args";
} // namespace retnet

#endif // RETNET_SUPPORT_ENTRYSIGNATURE_H
