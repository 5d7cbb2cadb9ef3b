//===- fuzz-safetensors.cpp - checkpoints with the weight checks ----------===//
//
// Arbitrary bytes as a safetensors file, validated, then loaded as the
// weights of a small fixed model (every shape, dtype and name check of
// Weights::load on the way).
//
//===----------------------------------------------------------------------===//

#include "retnet/Model/Config.h"
#include "retnet/Model/Safetensors.h"
#include "retnet/Model/Weights.h"

#include "llvm/Support/MemoryBuffer.h"

#include <cstdlib>

using namespace retnet::model;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const Config config = [] {
    llvm::Expected<Config> c = Config::parse(
        R"({"decoder_embed_dim": 8, "decoder_value_embed_dim": 8,
            "decoder_retention_heads": 2, "decoder_ffn_embed_dim": 8,
            "decoder_layers": 1, "vocab_size": 4})",
        "fuzz config");
    if (!c)
      std::abort();
    return *c;
  }();
  auto buffer = llvm::MemoryBuffer::getMemBufferCopy(
      llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz");
  llvm::Expected<Safetensors> ckpt =
      Safetensors::parse(std::move(buffer), "fuzz.safetensors");
  if (!ckpt) {
    llvm::consumeError(ckpt.takeError());
    return 0;
  }
  llvm::Expected<Weights> weights = Weights::load(config, *ckpt);
  if (!weights)
    llvm::consumeError(weights.takeError());
  return 0;
}
