//===- ModelBuilder.h - the RetNet decoder as MLIR --------------*- C++ -*-===//
//
// Builds the whole decoder as one MLIR function, `@forward`: embedding, an
// scf.for over the layers (weights stacked along a leading layer dimension,
// so compile time does not grow with depth), each layer's multi-scale
// retention (rotary theta shift, a retention op in the requested form,
// per-head RMSNorm, swish gate, output projection) and GLU FFN with
// residuals, then the final norm and the output projection. Kernels are
// specialised to the batch and sequence length.
//
//===----------------------------------------------------------------------===//
#ifndef RETNET_MODEL_MODELBUILDER_H
#define RETNET_MODEL_MODELBUILDER_H

#include "retnet/Model/Config.h"
#include "retnet/Model/Weights.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/Error.h"

namespace retnet::model {

enum class Form { Parallel, Chunkwise, Recurrent };

struct ForwardShape {
  Form form = Form::Chunkwise;
  int64_t batch = 1;
  int64_t seq = 1;
  /// Rows per chunk of the chunkwise form.
  int64_t chunk = 512;
  /// Logits of each sequence's last position only ([B, 1, V]): what
  /// generation needs after the prefill; the output projection runs for the
  /// last position only. For sequences of 512 positions and more the last
  /// layer is also built outside the layer loop: past its retention op
  /// (whose state takes every position) it computes the last position only,
  /// so its gate, output and feed-forward products do not run for the
  /// others (a second layer body to compile, which shorter prompts do not
  /// repay).
  bool lastLogitsOnly = false;
  /// Element type of the matrix products' weight arguments (wq ... w2,
  /// wout); the products widen them to f32 (linalg.matmul's cast).
  WeightType weightType = WeightType::F32;
};

/// Checks a shape before anything is built for it: batch, sequence and chunk
/// at least 1, and every tensor of the forward pass (activations, logits, the
/// parallel form's [B, H, T, T] scores, the stacked state) at most 2^40
/// elements, so that no size computation can overflow. The error names the
/// tensor that is too large.
llvm::Error checkForwardShape(const Config &config, const ForwardShape &shape);

/// Builds, in `context`, a module holding
///
///   func.func @forward(%tokens: tensor<BxTxi64>, <weights in the order of
///       Weights::arguments()>[, %state: tensor<LxBxHxDkxDvxf32>,
///       %position: index]) -> (tensor<BxTxVxf32>[, new state])
///
/// (logits tensor<Bx1xVxf32> with lastLogitsOnly)
///
/// The state and position arguments and the state result exist for the
/// chunkwise and recurrent forms; the state argument is donated
/// (`retnet.donated`, Support/EntrySignature.h): the call may update it in
/// place and return it as the new state. The shape must have passed
/// checkForwardShape.
mlir::OwningOpRef<mlir::ModuleOp> buildForward(mlir::MLIRContext &context,
                                               const Config &config,
                                               const ForwardShape &shape);

} // namespace retnet::model

#endif // RETNET_MODEL_MODELBUILDER_H
