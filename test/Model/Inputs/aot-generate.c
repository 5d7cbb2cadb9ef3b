/* A C program that links an artifact of `retnet-compile build` and, like
 * `retnet-compile generate`, prefills a prompt and decodes greedily:
 *
 *   aot-generate MODEL.weights ID,ID,... N   prints "tokens: T1 ... TN"
 *
 * With a fourth argument it prints the prompt's last logits instead, one
 * per line. The environment variable THREADS, when set, is given to
 * retnet_model_set_threads first. Errors of the C API are printed and exit
 * with status 1. After generating it resets the model and checks that the
 * prompt gives the same first token. */
#include "argmax.h"
#include "retnet_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s MODEL.weights ID,ID,... N [logits]\n", argv[0]);
    return 2;
  }
  const char *threads = getenv("THREADS");
  if (threads && retnet_model_set_threads(atoi(threads)) != 0) {
    fprintf(stderr, "aot-generate: retnet_model_set_threads(%s) failed\n",
            threads);
    return 1;
  }
  char err[256];
  retnet_model *m = retnet_model_load(argv[1], err, sizeof err);
  if (!m) {
    fprintf(stderr, "aot-generate: %s\n", err);
    return 1;
  }
  int64_t prompt[1024], count = 0;
  for (char *p = strtok(argv[2], ","); p && count < 1024; p = strtok(NULL, ","))
    prompt[count++] = strtoll(p, NULL, 10);
  int64_t steps = strtoll(argv[3], NULL, 10);
  int64_t vocab = retnet_model_vocab_size(m);
  float *logits = malloc(sizeof(float) * vocab);
  int status = 0;
  int64_t first = -1;
  if (retnet_model_prefill(m, prompt, count, logits) != 0) {
    fprintf(stderr, "aot-generate: %s\n", retnet_model_error(m));
    status = 1;
  } else if (argc > 4) {
    for (int64_t i = 0; i < vocab; ++i)
      printf("%.9g\n", logits[i]);
  } else {
    int64_t next = first = argmax(logits, vocab);
    printf("tokens: %lld", (long long)next);
    for (int64_t i = 1; i < steps && status == 0; ++i) {
      if (retnet_model_decode(m, next, logits) != 0) {
        fprintf(stderr, "aot-generate: %s\n", retnet_model_error(m));
        status = 1;
        break;
      }
      next = argmax(logits, vocab);
      printf(" %lld", (long long)next);
    }
    printf("\n");
  }
  /* After a reset the prompt gives the same first token again. */
  if (status == 0 && argc == 4) {
    int64_t position = retnet_model_position(m);
    retnet_model_reset(m);
    if (position != count + steps - 1 || retnet_model_position(m) != 0 ||
        retnet_model_prefill(m, prompt, count, logits) != 0 ||
        argmax(logits, vocab) != first) {
      fprintf(stderr, "aot-generate: reset did not restart the sequence\n");
      status = 1;
    }
  }
  /* The pool has started: its size is fixed now. */
  if (status == 0 && retnet_model_set_threads(1) != -1) {
    fprintf(stderr, "aot-generate: retnet_model_set_threads after a call "
                    "did not fail\n");
    status = 1;
  }
  free(logits);
  retnet_model_free(m);
  return status;
}
