//===- Weights.h - RetNet weights in the compiled graph's layout -*- C++
//-*-===//
//
// Checkpoint tensors (torchscale RetNetDecoder state_dict names) checked
// against the config and arranged for the compiled forward function, all
// f32: every Linear weight [out, in] packed into column panels
// [out / P, in, P] (P = panelWidth(out)), so that a register-blocked product
// reads each panel contiguously, and the per-layer weights stacked along a
// leading layer dimension.
//
//===----------------------------------------------------------------------===//
#ifndef RETNET_MODEL_WEIGHTS_H
#define RETNET_MODEL_WEIGHTS_H

#include "retnet/Model/Config.h"
#include "retnet/Model/Safetensors.h"

namespace retnet::model {

struct Weights {
  npy::Array embed;     // [V, d]
  npy::Array logDecay;  // [H]
  npy::Array angle;     // [dk]
  npy::Array embedNorm; // [d] (ones unless layernorm_embedding)
  npy::Array wq, wk;    // [L, d, d]
  npy::Array wv, wg;    // [L, d, vd]
  npy::Array wo;        // [L, vd, d]
  npy::Array normRet;   // [L, d]  retention_layer_norm
  npy::Array normFfn;   // [L, d]  final_layer_norm
  npy::Array w1, wgate; // [L, d, f]
  npy::Array w2;        // [L, f, d]
  npy::Array finalNorm; // [d]
  npy::Array wout;      // [d, V]

  /// The forward function's weight arguments, in order.
  std::vector<const npy::Array *> arguments() const;

  /// Reads and checks every tensor the config needs from `ckpt`.
  static llvm::Expected<Weights> load(const Config &config,
                                      const Safetensors &ckpt);
};

/// The panel width of a product with `out` output columns: the largest
/// power of two up to 16 that divides it.
int64_t panelWidth(int64_t out);

/// RetNet's decay schedule log(1 - 2^(-5-h)) and rotary angles
/// 1 / 10000^linspace(0, 1, dk/2), each repeated twice.
npy::Array defaultLogDecay(const Config &config);
npy::Array defaultAngle(const Config &config);

/// Random weights in the reference's initialisation, as torchscale
/// state_dict tensors (including the two buffers).
std::vector<std::pair<std::string, npy::Array>>
initWeights(const Config &config, uint64_t seed);

} // namespace retnet::model

#endif // RETNET_MODEL_WEIGHTS_H
