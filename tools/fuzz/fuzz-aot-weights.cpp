//===- fuzz-aot-weights.cpp - an artifact's weights loader on any bytes ---===//
//
// The C runtime of ahead-of-time artifacts (lib/Runtime/Aot) loads every
// input or reports why not; a loaded model's buffers lie inside the file and
// its state has the size the header claims (reset writes all of it). The
// compiled entries are stand-ins that are never called: a bad token is
// refused before any call.
//
//===----------------------------------------------------------------------===//

#include "retnet/Runtime/retnet_model.h"

#include <cstdio>
#include <cstdlib>

// The id that tools/fuzz/make-seeds.py writes into its weights files.
extern "C" const int64_t retnet_model_id = 0x5eed;
extern "C" void _mlir_ciface_retnet_prefill() { std::abort(); }
extern "C" void _mlir_ciface_retnet_decode() { std::abort(); }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = "fuzz-aot-weights.input";
  FILE *f = std::fopen(path, "wb");
  if (!f || std::fwrite(data, 1, size, f) != size)
    std::abort();
  std::fclose(f);
  char err[256];
  retnet_model *m = retnet_model_load(path, err, sizeof err);
  if (!m)
    return 0;
  retnet_model_reset(m);
  int64_t bad = retnet_model_vocab_size(m);
  float logit;
  if (retnet_model_decode(m, bad, &logit) == 0)
    std::abort();
  retnet_model_free(m);
  return 0;
}
