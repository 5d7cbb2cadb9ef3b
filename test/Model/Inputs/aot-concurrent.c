/* Two models of one artifact generating on two threads at once, as
 * retnet_model.h allows:
 *
 *   aot-concurrent MODEL.weights ID,ID,... ID,ID,... N ROUNDS
 *
 * First each prompt's N greedy tokens on one model, one after the other;
 * then, ROUNDS times, both prompts on two other models, each on its own
 * thread, started together. Every concurrent generation must give the
 * tokens of the sequential one (whichever thread gets the pool, the other
 * runs its tiles alone: same arithmetic, same tokens). Prints
 * "concurrent: ROUNDS rounds equal" or what differed, exit status 1. */
#include "argmax.h"
#include "retnet_model.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOKENS 256

struct job {
  retnet_model *model;
  int64_t prompt[MAX_TOKENS];
  int64_t count;
  int64_t steps;
  int64_t out[MAX_TOKENS];
  pthread_barrier_t *start;
  int failed;
};

/* Greedy generation of job->steps tokens from a reset model. */
static void *generate(void *arg) {
  struct job *job = arg;
  if (job->start)
    pthread_barrier_wait(job->start);
  int64_t vocab = retnet_model_vocab_size(job->model);
  float *logits = malloc(sizeof(float) * vocab);
  retnet_model_reset(job->model);
  job->failed = !logits || retnet_model_prefill(job->model, job->prompt,
                                                job->count, logits) != 0;
  for (int64_t i = 0; i < job->steps && !job->failed; ++i) {
    job->out[i] = argmax(logits, vocab);
    if (i + 1 < job->steps)
      job->failed = retnet_model_decode(job->model, job->out[i], logits) != 0;
  }
  free(logits);
  return NULL;
}

static int64_t parse(char *list, int64_t *out) {
  int64_t count = 0;
  for (char *p = strtok(list, ","); p && count < MAX_TOKENS;
       p = strtok(NULL, ","))
    out[count++] = strtoll(p, NULL, 10);
  return count;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: %s MODEL.weights PROMPT PROMPT N ROUNDS\n",
            argv[0]);
    return 2;
  }
  char err[256];
  retnet_model *models[3];
  for (int i = 0; i < 3; ++i)
    if (!(models[i] = retnet_model_load(argv[1], err, sizeof err))) {
      fprintf(stderr, "aot-concurrent: %s\n", err);
      return 1;
    }
  int64_t steps = strtoll(argv[4], NULL, 10);
  int rounds = atoi(argv[5]);
  if (steps < 1 || steps > MAX_TOKENS || rounds < 1) {
    fprintf(stderr, "aot-concurrent: bad N or ROUNDS\n");
    return 2;
  }

  static struct job expected[2], jobs[2];
  for (int j = 0; j < 2; ++j) {
    expected[j].count = parse(argv[2 + j], expected[j].prompt);
    expected[j].steps = steps;
    expected[j].model = models[0];
    generate(&expected[j]);
    if (expected[j].failed) {
      fprintf(stderr, "aot-concurrent: %s\n", retnet_model_error(models[0]));
      return 1;
    }
  }

  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, 2);
  int status = 0;
  for (int r = 0; r < rounds && status == 0; ++r) {
    pthread_t threads[2];
    for (int j = 0; j < 2; ++j) {
      jobs[j] = expected[j];
      jobs[j].model = models[1 + j];
      jobs[j].start = &start;
      memset(jobs[j].out, 0xff, sizeof jobs[j].out);
      pthread_create(&threads[j], NULL, generate, &jobs[j]);
    }
    for (int j = 0; j < 2; ++j)
      pthread_join(threads[j], NULL);
    for (int j = 0; j < 2; ++j)
      if (jobs[j].failed ||
          memcmp(jobs[j].out, expected[j].out, sizeof(int64_t) * steps)) {
        fprintf(stderr,
                "aot-concurrent: round %d, prompt %d: tokens differ from "
                "the sequential run\n",
                r, j);
        status = 1;
      }
  }
  pthread_barrier_destroy(&start);
  for (int i = 0; i < 3; ++i)
    retnet_model_free(models[i]);
  if (status == 0)
    printf("concurrent: %d rounds equal\n", rounds);
  return status;
}
