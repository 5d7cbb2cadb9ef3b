//===- Config.h - RetNet model configuration --------------------*- C++ -*-===//
//
// The torchscale RetNetConfig keys this compiler honours, read from a
// config.json. Keys whose value the compiler cannot honour are errors;
// unknown keys that do not change the math are ignored.
//
//===----------------------------------------------------------------------===//
#ifndef RETNET_MODEL_CONFIG_H
#define RETNET_MODEL_CONFIG_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>

namespace retnet::model {

enum class Activation { Gelu, Swish };

struct Config {
  int64_t embedDim = 0;      // decoder_embed_dim (d)
  int64_t valueEmbedDim = 0; // decoder_value_embed_dim
  int64_t heads = 0;         // decoder_retention_heads
  int64_t ffnDim = 0;        // decoder_ffn_embed_dim
  int64_t layers = 0;        // decoder_layers
  int64_t vocabSize = 0;     // vocab_size
  Activation activation = Activation::Gelu;
  double layernormEps = 1e-6;
  bool noScaleEmbedding = true;
  bool layernormEmbedding = false;
  bool deepnorm = false;
  bool tiedEmbeddings = false; // share_decoder_input_output_embed
  int64_t chunkSize = 512;     // recurrent_chunk_size

  int64_t keyHeadDim() const { return embedDim / heads; }
  int64_t valueHeadDim() const { return valueEmbedDim / heads; }

  /// Parses and validates config.json text; `origin` names it in errors.
  static llvm::Expected<Config> parse(llvm::StringRef json,
                                      llvm::StringRef origin);
  static llvm::Expected<Config> load(llvm::StringRef path);
  /// The config as torchscale-convention JSON.
  std::string toJson() const;
};

} // namespace retnet::model

#endif // RETNET_MODEL_CONFIG_H
