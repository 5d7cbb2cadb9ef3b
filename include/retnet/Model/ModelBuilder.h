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

#include <string>

namespace retnet::model {

enum class Form { Parallel, Chunkwise, Recurrent };

struct ForwardShape {
  Form form = Form::Chunkwise;
  int64_t batch = 1;
  int64_t seq = 1;
  /// Rows per chunk of the chunkwise form.
  int64_t chunk = 512;
};

/// The source of a module holding
///
///   func.func @forward(%tokens: tensor<BxTxi64>, <weights in the order of
///       Weights::arguments()>[, %state: tensor<LxBxHxDkxDvxf32>,
///       %position: index]) -> (tensor<BxTxVxf32>[, new state])
///
/// The state and position arguments and the state result exist for the
/// chunkwise and recurrent forms.
std::string buildForward(const Config &config, const ForwardShape &shape);

} // namespace retnet::model

#endif // RETNET_MODEL_MODELBUILDER_H
