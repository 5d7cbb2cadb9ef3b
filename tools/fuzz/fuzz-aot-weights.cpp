//===- fuzz-aot-weights.cpp - an artifact's weights loader on any bytes ---===//
//
// The C runtime of ahead-of-time artifacts (lib/Runtime/Aot) loads every
// input or reports why not; a loaded model's buffers lie inside the file and
// its state has the size the header claims (reset writes all of it). The
// compiled entries are stand-ins that are never called: a bad token is
// refused before any call.
//
//===----------------------------------------------------------------------===//

#include "retnet/Runtime/AotFormat.h"
#include "retnet/Runtime/retnet_model.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

// The library of tools/fuzz/make-seeds.py's weights files: its id, a
// prefill of 2 tokens and the decode step.
namespace {
void neverCalled() { std::abort(); }
} // namespace
struct Entry {
  int64_t tokens;
  void (*fn)();
};
extern "C" const int64_t retnet_model_id = 0x5eed;
extern "C" const int64_t retnet_model_entry_count = 2;
// Code that needs no CPU feature: loads fail only on the weights file.
extern "C" const char retnet_model_cpu_features[] = "";
extern "C" const Entry retnet_model_entries[] = {{2, neverCalled},
                                                 {1, neverCalled}};
// Vocab 4, state [1, 1, 2, 2, 2]; entry e's argument i is buffer (e + i) % 2:
// f32 [2, 3] or 16-bit [4] (the element bytes, rank and shape of a record).
constexpr int kLayoutWords = 2 + RETNET_AOT_MAX_RANK;
extern "C" {
int64_t retnet_model_layout[1 + RETNET_AOT_STATE_RANK +
                            2 * RETNET_AOT_WEIGHT_ARGS * kLayoutWords];
}

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  const int64_t head[] = {4, 1, 1, 2, 2, 2};
  const int64_t buffers[2][kLayoutWords] = {{4, 2, 2, 3}, {2, 1, 4}};
  std::memcpy(retnet_model_layout, head, sizeof head);
  for (int e = 0; e < 2; ++e)
    for (int i = 0; i < RETNET_AOT_WEIGHT_ARGS; ++i)
      std::memcpy(retnet_model_layout + 6 +
                      (e * RETNET_AOT_WEIGHT_ARGS + i) * kLayoutWords,
                  buffers[(e + i) % 2], sizeof buffers[0]);
  return 0;
}

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
