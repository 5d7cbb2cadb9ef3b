//===- Weights.h - RetNet weights in the compiled graph's layout -*- C++
//-*-===//
//
// Checkpoint tensors (torchscale RetNetDecoder state_dict names) checked
// against the config and passed to the forward function as f32 in torch's
// layout (Linear weights [out, in]), the per-layer weights stacked along a
// leading layer dimension. How the compiled code lays them out is a code
// generation decision (e.g. Codegen/CPU packs them once, through the
// forward's preparer).
//
//===----------------------------------------------------------------------===//
#ifndef RETNET_MODEL_WEIGHTS_H
#define RETNET_MODEL_WEIGHTS_H

#include "retnet/Model/Config.h"
#include "retnet/Model/Safetensors.h"

namespace retnet::model {

/// How the matrix products' weights are held: f32, or 16 bits (converted
/// once, rounding to nearest even) that the products widen to f32 as they
/// read them. The embedding table and the norm gains stay f32.
enum class WeightType { F32, BF16, F16 };

struct Weights {
  npy::Array embed;     // [V, d]
  npy::Array logDecay;  // [H]
  npy::Array angle;     // [dk]
  npy::Array embedNorm; // [d] (ones unless layernorm_embedding)
  npy::Array wq, wk;    // [L, d, d]
  npy::Array wv, wg;    // [L, vd, d]
  npy::Array wo;        // [L, d, vd]
  npy::Array normRet;   // [L, d]  retention_layer_norm
  npy::Array normFfn;   // [L, d]  final_layer_norm
  npy::Array w1, wgate; // [L, f, d]
  npy::Array w2;        // [L, d, f]
  npy::Array finalNorm; // [d]
  npy::Array wout;      // [V, d]

  /// The forward function's weight arguments, in order.
  std::vector<const npy::Array *> arguments() const;

  /// The weights of the matrix products (wq ... w2, wout), in order.
  std::vector<npy::Array *> products();

  /// Converts the matrix products' weights to `type` (f32 weights stay as
  /// they are). A tied output projection gets its own copy; the embedding
  /// table stays f32. Fails, naming the tensor and the value, where a finite
  /// weight is beyond the 16-bit type's range.
  llvm::Error convertProducts(WeightType type);

  /// Reads and checks every tensor the config needs from `ckpt`.
  static llvm::Expected<Weights> load(const Config &config,
                                      const Safetensors &ckpt);
};

/// The element type of `type`'s arrays (npy::DType::U16 holds bf16 bits).
npy::DType dtypeOf(WeightType type);

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
