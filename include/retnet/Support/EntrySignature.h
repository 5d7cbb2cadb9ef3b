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

/// Donated arguments: the argument attribute `retnet.donated` (a UnitAttr on
/// a public function's tensor argument) says that the caller hands that
/// buffer over: the function may write into it (e.g. update a state in
/// place) and return it as a result. `retnet-record-entry-signatures` makes
/// such arguments writable for bufferization and lists their positions in
/// `retnet.donated_args` (a DenseI64ArrayAttr on the function), which the
/// runtime reads: it passes a buffer that its caller gives up, or a copy.
inline constexpr llvm::StringLiteral kDonatedArgAttrName = "retnet.donated";
inline constexpr llvm::StringLiteral kDonatedArgsAttrName =
    "retnet.donated_args";
/// Results that are a donated argument's buffer itself, left out of the
/// compiled function's results (`retnet-drop-donated-results`): a
/// DenseI64ArrayAttr of pairs (result position, argument position) in the
/// recorded signature's numbering.
inline constexpr llvm::StringLiteral kDonatedResultsAttrName =
    "retnet.donated_results";
} // namespace retnet

#endif // RETNET_SUPPORT_ENTRYSIGNATURE_H
