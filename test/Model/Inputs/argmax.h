/* The greedy choice of the C programs that link artifacts: the index of the
 * largest logit (the first one on ties, as numpy's argmax). */
#ifndef RETNET_TEST_ARGMAX_H
#define RETNET_TEST_ARGMAX_H

#include <stdint.h>

static int64_t argmax(const float *row, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (row[i] > row[best])
      best = i;
  return best;
}

#endif /* RETNET_TEST_ARGMAX_H */
