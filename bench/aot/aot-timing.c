/* Times an artifact of `retnet-compile build` through its C API, printing
 * what `retnet-compile generate` prints so that bench/aot/compare.py reads
 * both the same way:
 *
 *   aot-timing MODEL.weights ID,ID,... N
 *
 * prefills the prompt, then decodes N - 1 greedy tokens. */
#include "retnet_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int64_t argmax(const float *row, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (row[i] > row[best])
      best = i;
  return best;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s MODEL.weights ID,ID,... N\n", argv[0]);
    return 2;
  }
  char err[256];
  retnet_model *m = retnet_model_load(argv[1], err, sizeof err);
  if (!m) {
    fprintf(stderr, "aot-timing: %s\n", err);
    return 1;
  }
  int64_t count = 1;
  for (const char *p = argv[2]; *p; ++p)
    count += *p == ',';
  int64_t *prompt = malloc(sizeof(int64_t) * count), n = 0;
  for (char *p = strtok(argv[2], ","); p; p = strtok(NULL, ","))
    prompt[n++] = strtoll(p, NULL, 10);
  int64_t steps = strtoll(argv[3], NULL, 10);
  float *logits = malloc(sizeof(float) * retnet_model_vocab_size(m));
  double start = now();
  if (retnet_model_prefill(m, prompt, n, logits) != 0) {
    fprintf(stderr, "aot-timing: %s\n", retnet_model_error(m));
    return 1;
  }
  double prefill = now() - start;
  int64_t next = argmax(logits, retnet_model_vocab_size(m));
  printf("tokens: %lld", (long long)next);
  start = now();
  for (int64_t i = 1; i < steps; ++i) {
    retnet_model_decode(m, next, logits);
    next = argmax(logits, retnet_model_vocab_size(m));
    printf(" %lld", (long long)next);
  }
  double decode = now() - start;
  printf("\nprefill: %lld tokens in %.3f s (%.1f tokens/s)\n", (long long)n,
         prefill, n / prefill);
  if (steps > 1)
    printf("decode: %lld tokens in %.3f s (%.1f tokens/s, %.2f ms/token)\n",
           (long long)(steps - 1), decode, (steps - 1) / decode,
           1e3 * decode / (steps - 1));
  free(prompt);
  free(logits);
  retnet_model_free(m);
  return 0;
}
