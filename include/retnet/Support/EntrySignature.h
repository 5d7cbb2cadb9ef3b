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
} // namespace retnet

#endif // RETNET_SUPPORT_ENTRYSIGNATURE_H
