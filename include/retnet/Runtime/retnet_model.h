/*===- retnet_model.h - C API of an ahead-of-time RetNet artifact -*- C -*-===//
 *
 * `retnet-compile build --model DIR --target cpu -o OUT` writes
 * OUT/libretnet_model.so (the model's prefill and decode step compiled for
 * the build machine's CPU, and this API), OUT/model.weights (the weights as
 * that code takes them) and this header. The library needs only libc and
 * libm at run time. With `--target cuda` the model runs on the GPU: the
 * library opens libcuda itself (the variable RETNET_GPU_BACKEND=emulator
 * runs it on the CPU emulator's OpenCL runtime instead); its
 * kernels load when the library is loaded, and without the GPU back end
 * (no driver, no device) the process ends there with an error message. A
 * model holds one sequence (batch 1): its recurrent state and position
 * advance with every token given to it.
 *
 *   char err[256];
 *   retnet_model *m = retnet_model_load("OUT/model.weights", err, sizeof err);
 *   float *logits = malloc(sizeof(float) * retnet_model_vocab_size(m));
 *   retnet_model_prefill(m, prompt, prompt_len, logits);
 *   retnet_model_decode(m, next_token, logits);
 *   retnet_model_free(m);
 *
 * A model is used by one thread at a time; different models may run on
 * different threads at once (a call that finds the thread pool busy runs on
 * its own thread).
 *
 * Functions returning int return 0 on success and -1 on a bad argument, with
 * the reason in retnet_model_error(); the model is then unchanged. Running
 * out of memory inside the compiled code aborts the process.
 *
 *===----------------------------------------------------------------------===*/
#ifndef RETNET_MODEL_H
#define RETNET_MODEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct retnet_model retnet_model;

/* Loads the weights file written with this library by the same build. On
 * failure returns NULL and writes why into `err` (`err_size` bytes, always
 * terminated when err_size > 0). */
retnet_model *retnet_model_load(const char *weights_path, char *err,
                                size_t err_size);

/* The number of logits of a position. */
int64_t retnet_model_vocab_size(const retnet_model *model);

/* Tokens given to the model so far (the position of the next one). */
int64_t retnet_model_position(const retnet_model *model);

/* Runs `count` (at least 1) token ids in [0, vocab size) from the current
 * position and writes the logits of the last one into `logits`. */
int retnet_model_prefill(retnet_model *model, const int64_t *tokens,
                         int64_t count, float *logits);

/* Runs one token: retnet_model_prefill(model, &token, 1, logits). */
int retnet_model_decode(retnet_model *model, int64_t token, float *logits);

/* Threads that run the model's parallel tiles, for every model of the
 * process; before the first prefill or decode only (-1 after it, or for
 * threads < 1). Default: the environment variable RETNET_NUM_THREADS, else
 * the online CPUs. */
int retnet_model_set_threads(int threads);

/* Forgets every token: zero state, position 0. */
void retnet_model_reset(retnet_model *model);

/* Why the last call on `model` failed ("" when none did). */
const char *retnet_model_error(const retnet_model *model);

void retnet_model_free(retnet_model *model);

#ifdef __cplusplus
}
#endif

#endif /* RETNET_MODEL_H */
