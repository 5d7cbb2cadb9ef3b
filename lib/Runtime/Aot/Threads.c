/*===- Threads.c - parallel tiles of ahead-of-time artifacts --------------===//
 *
 * The part of the OpenMP runtime interface (libomp's __kmpc_* entry points)
 * that MLIR's OpenMP translation emits for the parallel tiles of the CPU
 * pipeline, on a pool of POSIX threads: a fork runs the outlined region on
 * every thread of the team and joins it, a worksharing loop gets libomp's
 * balanced static schedule, barriers are team-wide. libomp is part of LLVM
 * and an artifact must load with libc alone (pthreads are part of glibc).
 *
 * Workers spin for a while after a region (like libomp's KMP_BLOCKTIME), so
 * that the many short regions of a decode step do not pay a wake-up each,
 * then sleep. A region started inside a region, or while another thread of
 * the process has the pool, runs on its calling thread alone.
 *
 *===----------------------------------------------------------------------===*/

#include "retnet/Runtime/retnet_model.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define HIDDEN __attribute__((visibility("hidden")))
#define MAX_THREADS 256
#define MAX_ARGS 8
/* Pause loops a worker spins before it sleeps: a few milliseconds. */
#define SPINS 50000
/* libomp's kmp_sch_static: one balanced block per thread. */
#define SCHEDULE_STATIC 34

typedef void (*microtask)(int32_t *gtid, int32_t *btid, ...);

static struct {
  pthread_once_t once;
  pthread_mutex_t fork_lock; /* held by the thread whose region runs */
  pthread_mutex_t lock;      /* with `wake`, for sleeping workers */
  pthread_cond_t wake;
  int threads; /* team size, the forking thread included */
  int requested;
  _Atomic int started;
  _Atomic uint64_t generation; /* one more per region */
  _Atomic int running;         /* workers still in the current region */
  microtask task;
  int32_t argc;
  void *args[MAX_ARGS];
  _Atomic int barrier_count;
  _Atomic uint64_t barrier_phase;
} pool = {.once = PTHREAD_ONCE_INIT,
          .fork_lock = PTHREAD_MUTEX_INITIALIZER,
          .lock = PTHREAD_MUTEX_INITIALIZER,
          .wake = PTHREAD_COND_INITIALIZER};

/* The calling thread: its OpenMP global id (0 for every thread that is not
 * a worker), and the team of the innermost region it runs. Initial-exec:
 * a few bytes of glibc's static TLS, no __tls_get_addr from the dynamic
 * loader. */
#define THREAD_LOCAL _Thread_local __attribute__((tls_model("initial-exec")))
static THREAD_LOCAL int32_t gtid_of_thread;
static THREAD_LOCAL int team_size = 1, team_index, in_region;

static void relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

static void invoke(microtask task, int32_t gtid, int32_t tid, int32_t argc,
                   void **a) {
  switch (argc) {
  case 0:
    task(&gtid, &tid);
    break;
  case 1:
    task(&gtid, &tid, a[0]);
    break;
  case 2:
    task(&gtid, &tid, a[0], a[1]);
    break;
  case 3:
    task(&gtid, &tid, a[0], a[1], a[2]);
    break;
  case 4:
    task(&gtid, &tid, a[0], a[1], a[2], a[3]);
    break;
  case 5:
    task(&gtid, &tid, a[0], a[1], a[2], a[3], a[4]);
    break;
  case 6:
    task(&gtid, &tid, a[0], a[1], a[2], a[3], a[4], a[5]);
    break;
  case 7:
    task(&gtid, &tid, a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
    break;
  default:
    task(&gtid, &tid, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
  }
}

static void *worker(void *arg) {
  int id = (int)(intptr_t)arg;
  gtid_of_thread = id;
  uint64_t seen = 0;
  for (;;) {
    uint64_t g;
    int spins = 0;
    while ((g = atomic_load_explicit(&pool.generation, memory_order_acquire)) ==
           seen) {
      if (++spins < SPINS) {
        relax();
        continue;
      }
      pthread_mutex_lock(&pool.lock);
      while (atomic_load_explicit(&pool.generation, memory_order_acquire) ==
             seen)
        pthread_cond_wait(&pool.wake, &pool.lock);
      pthread_mutex_unlock(&pool.lock);
    }
    seen = g;
    team_size = pool.threads;
    team_index = id;
    in_region = 1;
    invoke(pool.task, id, id, pool.argc, pool.args);
    in_region = 0;
    atomic_fetch_sub_explicit(&pool.running, 1, memory_order_release);
  }
  return NULL;
}

/* A child of fork() has no workers: its regions run on its one thread. */
static void after_fork_in_child(void) {
  pthread_mutex_init(&pool.fork_lock, NULL);
  pthread_mutex_init(&pool.lock, NULL);
  pthread_cond_init(&pool.wake, NULL);
  pool.threads = 1;
}

static void start_pool(void) {
  atomic_store(&pool.started, 1);
  pthread_atfork(NULL, NULL, after_fork_in_child);
  int n = pool.requested;
  const char *env = getenv("RETNET_NUM_THREADS");
  if (n < 1 && env)
    n = atoi(env);
  if (n < 1)
    n = (int)sysconf(_SC_NPROCESSORS_ONLN);
  if (n < 1)
    n = 1;
  if (n > MAX_THREADS)
    n = MAX_THREADS;
  pool.threads = 1;
  for (int i = 1; i < n; ++i) {
    pthread_t t;
    if (pthread_create(&t, NULL, worker, (void *)(intptr_t)i) != 0)
      break;
    pthread_detach(t);
    pool.threads = i + 1;
  }
}

/* The first prefill or decode fixes the thread count, whether or not its
 * code forks a team (the GPU's host code never does). */
HIDDEN void retnet_threads_freeze(void) { atomic_store(&pool.started, 1); }

int retnet_model_set_threads(int threads) {
  if (threads < 1 || atomic_load(&pool.started))
    return -1;
  pool.requested = threads;
  return 0;
}

HIDDEN int32_t __kmpc_global_thread_num(void *ident) {
  (void)ident;
  return gtid_of_thread;
}

HIDDEN void __kmpc_fork_call(void *ident, int32_t argc, microtask task, ...) {
  (void)ident;
  if (argc < 0 || argc > MAX_ARGS) {
    fprintf(stderr, "retnet_model: a parallel region with %d arguments\n",
            (int)argc);
    abort();
  }
  void *args[MAX_ARGS];
  va_list ap;
  va_start(ap, task);
  for (int32_t i = 0; i < argc; ++i)
    args[i] = va_arg(ap, void *);
  va_end(ap);
  pthread_once(&pool.once, start_pool);
  if (in_region || pool.threads == 1 ||
      pthread_mutex_trylock(&pool.fork_lock) != 0) {
    int size = team_size, index = team_index, region = in_region;
    team_size = 1;
    team_index = 0;
    in_region = 1;
    invoke(task, gtid_of_thread, 0, argc, args);
    team_size = size;
    team_index = index;
    in_region = region;
    return;
  }
  pool.task = task;
  pool.argc = argc;
  for (int32_t i = 0; i < argc; ++i)
    pool.args[i] = args[i];
  atomic_store_explicit(&pool.running, pool.threads - 1, memory_order_relaxed);
  pthread_mutex_lock(&pool.lock);
  atomic_fetch_add_explicit(&pool.generation, 1, memory_order_release);
  pthread_cond_broadcast(&pool.wake);
  pthread_mutex_unlock(&pool.lock);
  team_size = pool.threads;
  team_index = 0;
  in_region = 1;
  invoke(task, gtid_of_thread, 0, argc, args);
  in_region = 0;
  team_size = 1;
  while (atomic_load_explicit(&pool.running, memory_order_acquire) != 0)
    relax();
  pthread_mutex_unlock(&pool.fork_lock);
}

HIDDEN void __kmpc_barrier(void *ident, int32_t gtid) {
  (void)ident;
  (void)gtid;
  if (team_size == 1)
    return;
  uint64_t phase =
      atomic_load_explicit(&pool.barrier_phase, memory_order_acquire);
  if (atomic_fetch_add_explicit(&pool.barrier_count, 1, memory_order_acq_rel) +
          1 ==
      team_size) {
    atomic_store_explicit(&pool.barrier_count, 0, memory_order_relaxed);
    atomic_fetch_add_explicit(&pool.barrier_phase, 1, memory_order_release);
    return;
  }
  while (atomic_load_explicit(&pool.barrier_phase, memory_order_acquire) ==
         phase)
    relax();
}

HIDDEN void __kmpc_for_static_init_8u(void *ident, int32_t gtid,
                                      int32_t schedule, int32_t *last,
                                      uint64_t *lower, uint64_t *upper,
                                      int64_t *stride, int64_t increment,
                                      int64_t chunk) {
  (void)ident;
  (void)gtid;
  (void)chunk;
  if (schedule != SCHEDULE_STATIC || increment != 1) {
    fprintf(stderr,
            "retnet_model: unsupported worksharing loop (schedule %d, "
            "increment %lld)\n",
            (int)schedule, (long long)increment);
    abort();
  }
  uint64_t lo = *lower, hi = *upper;
  uint64_t count = hi >= lo ? hi - lo + 1 : 0;
  uint64_t n = (uint64_t)team_size, t = (uint64_t)team_index;
  uint64_t base = count / n, extra = count % n;
  uint64_t mine = base + (t < extra);
  uint64_t start = lo + t * base + (t < extra ? t : extra);
  *stride = (int64_t)count;
  if (mine == 0) {
    /* No iteration: an empty range, as libomp gives it. */
    *lower = hi + 1;
    *upper = hi;
    *last = 0;
    return;
  }
  *lower = start;
  *upper = start + mine - 1;
  *last = *upper == hi;
}

HIDDEN void __kmpc_for_static_fini(void *ident, int32_t gtid) {
  (void)ident;
  (void)gtid;
}
