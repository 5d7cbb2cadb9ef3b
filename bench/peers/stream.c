/* What this machine can do with every core: the memory bandwidth that is the
 * floor under a decode step streaming its weights once, and the f32 FMA peak
 * that bounds a prefill's matrix products. Prints JSON:
 *   read_gbs    bytes read per second, summing a 1 GiB float buffer
 *   copy_gbs    STREAM's copy convention: bytes read plus bytes written per
 *               second, copying 512 MiB into another 512 MiB
 *   fma_gflops  f32 FLOP per second (an FMA is 2) of independent register
 *               FMA chains on the widest vectors -march=native gives
 * Best of 10 passes each; the buffers are touched first so no page fault is
 * timed, and are advised for transparent huge pages as retnet-compile's
 * decode weights are (on the AMD EPYC VM of docs/performance.md, 4 KiB pages
 * copied about 10% slower in paired runs). Built by run.sh:
 * cc -O3 -march=native -ffast-math -fopenmp stream.c. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

enum { Reps = 10, Chains = 16 };

#if defined(__AVX512F__)
enum { Lanes = 16 };
#elif defined(__AVX__)
enum { Lanes = 8 };
#else
enum { Lanes = 4 };
#endif
typedef float vec __attribute__((vector_size(Lanes * sizeof(float))));

/* Chains independent FMA chains, `steps` steps each: enough chains to cover
 * the FMA latency times the FMA ports. Returns a value so nothing is elided. */
static float fmaChains(long steps, float seed) {
  vec acc[Chains];
  vec x = {0}, y = {0};
  x += 0.999999f;
  y += seed * 1e-7f;
  for (int c = 0; c < Chains; ++c)
    acc[c] = x * (float)c;
  for (long s = 0; s < steps; ++s)
    for (int c = 0; c < Chains; ++c)
      acc[c] = acc[c] * x + y;
  float total = 0;
  for (int c = 0; c < Chains; ++c)
    for (int l = 0; l < Lanes; ++l)
      total += acc[c][l];
  return total;
}

static double now(void) { return omp_get_wtime(); }

int main(void) {
  size_t n = (size_t)1 << 28; /* floats: 1 GiB */
  float *a = aligned_alloc(2 << 20, n * sizeof(float));
  if (!a) {
    fprintf(stderr, "stream: cannot allocate 1 GiB\n");
    return 1;
  }
#ifdef MADV_HUGEPAGE
  (void)madvise(a, n * sizeof(float), MADV_HUGEPAGE);
#endif
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < n; ++i)
    a[i] = (float)(i & 1023);

  double best = 1e30;
  volatile float sink = 0;
  for (int r = 0; r < Reps; ++r) {
    double t0 = now();
    float total = 0;
#pragma omp parallel for schedule(static) reduction(+ : total)
    for (size_t i = 0; i < n; ++i)
      total += a[i];
    double t = now() - t0;
    sink += total;
    if (t < best)
      best = t;
  }
  double read = n * sizeof(float) / best / 1e9;

  size_t half = n / 2;
  float *src = a, *dst = a + half;
  best = 1e30;
  for (int r = 0; r < Reps; ++r) {
    double t0 = now();
#pragma omp parallel
    {
      int t = omp_get_thread_num(), nt = omp_get_num_threads();
      size_t lo = half * t / nt, hi = half * (t + 1) / nt;
      memcpy(dst + lo, src + lo, (hi - lo) * sizeof(float));
    }
    double t = now() - t0;
    if (t < best)
      best = t;
  }
  double copy = 2.0 * half * sizeof(float) / best / 1e9;

  long steps = 20000000;
  best = 1e30;
  for (int r = 0; r < Reps; ++r) {
    double t0 = now();
    float total = 0;
#pragma omp parallel reduction(+ : total)
    total += fmaChains(steps, (float)omp_get_thread_num());
    double t = now() - t0;
    sink += total;
    if (t < best)
      best = t;
  }
  double gflops =
      2.0 * Lanes * Chains * steps * omp_get_max_threads() / best / 1e9;
  printf("{\"read_gbs\": %.2f, \"copy_gbs\": %.2f, \"fma_gflops\": %.1f, "
         "\"threads\": %d}\n",
         read, copy, gflops, omp_get_max_threads());
  free(a);
  return 0;
}
