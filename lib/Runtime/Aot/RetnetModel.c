/*===- RetnetModel.c - the C runtime of ahead-of-time artifacts -----------===//
 *
 * Implements retnet_model.h over the two entries that `retnet-compile build`
 * compiles into the same library (AotFormat.h), and the memref allocation
 * functions that compiled code calls. Only libc: the artifact must load
 * where no LLVM, MLIR or C++ runtime is installed. Every field of the
 * weights file is checked before it is used.
 *
 * Built twice: for CPU artifacts, and with RETNET_AOT_CUDA for artifacts of
 * the model on the GPU, whose compiled code takes device buffers: the
 * weights are uploaded once at load, the state lives on the device, each
 * call uploads its token ids and gets the logits back in a host buffer.
 * Those call the GPU runtime (GpuRuntime.h, libretnet_runtime.so), whose
 * failures end the process.
 *
 *===----------------------------------------------------------------------===*/

#include "retnet/Runtime/AotFormat.h"
#include "retnet/Runtime/retnet_model.h"
#ifdef RETNET_AOT_CUDA
#include "retnet/Runtime/GpuRuntime.h"
#endif

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#define HIDDEN __attribute__((visibility("hidden")))

/* The C interface of a compiled @forward (AotFormat.h). */
typedef void (*entry_fn)(void *logits, void *tokens, void *w0, void *w1,
                         void *w2, void *w3, void *w4, void *w5, void *w6,
                         void *w7, void *w8, void *w9, void *w10, void *w11,
                         void *w12, void *w13, void *w14, void *w15,
                         void *state, int64_t position);

/* Defined by the compiled code of the same build (AotFormat.h). */
extern const int64_t retnet_model_id;
extern const int64_t retnet_model_entry_count;
extern const char retnet_model_cpu_features[];
/* Vocab size, state shape, then for each entry and weight argument the
 * element bytes, rank and shape[RETNET_AOT_MAX_RANK] it was compiled for. */
extern const int64_t retnet_model_layout[];
#define LAYOUT_WORDS (2 + RETNET_AOT_MAX_RANK)
extern const struct {
  int64_t tokens;
  entry_fn fn;
} retnet_model_entries[];

/* Threads.c: the first call fixes the thread count. */
HIDDEN void retnet_threads_freeze(void);

/* Compiled code cannot handle a null allocation: like the JIT's runtime,
 * report and stop. */
static void out_of_memory(uint64_t bytes) {
  fprintf(stderr, "retnet_model: out of memory allocating %llu bytes\n",
          (unsigned long long)bytes);
  abort();
}

HIDDEN void *_mlir_memref_to_llvm_alloc(uint64_t bytes) {
  void *p = malloc(bytes ? bytes : 1);
  if (!p)
    out_of_memory(bytes);
  return p;
}

HIDDEN void *_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment,
                                                uint64_t bytes) {
  if (alignment < sizeof(void *))
    alignment = sizeof(void *);
  uint64_t rounded = (bytes + alignment - 1) / alignment * alignment;
  void *p = aligned_alloc(alignment, rounded ? rounded : alignment);
  if (!p)
    out_of_memory(bytes);
  return p;
}

HIDDEN void _mlir_memref_to_llvm_free(void *p) { free(p); }

/* A memref descriptor as int64 words: allocated and aligned pointers,
 * offset, sizes, strides. */
typedef struct {
  int64_t words[3 + 2 * RETNET_AOT_MAX_RANK];
} descriptor;

static void describe(descriptor *d, void *data, int64_t rank,
                     const int64_t *shape) {
  d->words[0] = d->words[1] = (int64_t)(intptr_t)data;
  d->words[2] = 0;
  int64_t stride = 1;
  for (int64_t i = rank - 1; i >= 0; --i) {
    d->words[3 + i] = shape[i];
    d->words[3 + rank + i] = stride;
    stride *= shape[i];
  }
}

struct retnet_model {
  char *file; /* the whole weights file, 64-byte aligned */
  int64_t vocab, entry_count, max_tokens, position;
  int64_t state_shape[RETNET_AOT_STATE_RANK];
  float *state;
  size_t state_bytes;
  int64_t *tokens; /* [max_tokens] */
  /* Where the buffers' data starts in the file. */
  int64_t data_start, buffer_count;
#ifdef RETNET_AOT_CUDA
  char *device_weights;   /* the file's data section on the device */
  int64_t *device_tokens; /* [max_tokens] */
#endif
  descriptor *buffers;
  descriptor state_desc;
  /* The weight arguments of each entry of retnet_model_entries. */
  void *args[RETNET_AOT_MAX_ENTRIES][RETNET_AOT_WEIGHT_ARGS];
  char error[256];
};

static void set_error(char *buf, size_t size, const char *fmt, ...) {
  if (!buf || size == 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, size, fmt, ap);
  va_end(ap);
}

/* a * b, or -1 when either is negative or the product exceeds 2^62. */
static int64_t checked_mul(int64_t a, int64_t b) {
  if (a < 0 || b < 0)
    return -1;
  if (a != 0 && b > ((int64_t)1 << 62) / a)
    return -1;
  return a * b;
}

static char *read_file(const char *path, int64_t *size, char *err,
                       size_t err_size) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    set_error(err, err_size, "cannot open '%s'", path);
    return NULL;
  }
  long n = -1;
  if (fseek(f, 0, SEEK_END) == 0)
    n = ftell(f);
  if (n < 0 || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    set_error(err, err_size, "cannot read '%s'", path);
    return NULL;
  }
  /* On the CPU every call reads the weights from here (a decode step
   * streams all of them): a file of a huge page or more is read into whole
   * huge pages, advised for transparent huge pages. (The GPU artifact
   * uploads them and frees this copy.) */
  size_t huge = (size_t)2 << 20;
  size_t alignment = RETNET_AOT_ALIGNMENT;
  size_t rounded = ((size_t)n + alignment) / alignment * alignment;
#ifndef RETNET_AOT_CUDA
  if ((size_t)n >= huge) {
    alignment = huge;
    rounded = ((size_t)n + huge - 1) / huge * huge;
  }
#endif
  char *data = aligned_alloc(alignment, rounded);
  if (!data) {
    fclose(f);
    set_error(err, err_size, "'%s': cannot allocate %ld bytes", path, n);
    return NULL;
  }
#if defined(MADV_HUGEPAGE)
  if (alignment == huge)
    (void)madvise(data, rounded, MADV_HUGEPAGE);
#endif
  if (fread(data, 1, (size_t)n, f) != (size_t)n) {
    fclose(f);
    free(data);
    set_error(err, err_size, "cannot read '%s'", path);
    return NULL;
  }
  fclose(f);
  *size = n;
  return data;
}

/* Checks the header and buffer records of a file of `size` bytes and
 * builds the descriptors; returns 0 or -1 with `err` set. */
static int parse(retnet_model *m, int64_t size, const char *path, char *err,
                 size_t err_size) {
  const int64_t *w = (const int64_t *)m->file;
  if (size < RETNET_AOT_FIXED_WORDS * 8 || w[0] != RETNET_AOT_MAGIC) {
    set_error(err, err_size, "'%s' is not a retnet-compile weights file", path);
    return -1;
  }
  if (w[1] != RETNET_AOT_VERSION) {
    set_error(err, err_size, "'%s' has format version %lld, expected %d", path,
              (long long)w[1], RETNET_AOT_VERSION);
    return -1;
  }
  if (w[2] != retnet_model_id) {
    set_error(err, err_size,
              "'%s' was written for another build of the model (id %llx, "
              "this library is %llx): use the weights file built with it",
              path, (unsigned long long)w[2],
              (unsigned long long)retnet_model_id);
    return -1;
  }
  m->vocab = w[3];
  m->entry_count = w[4];
  if (m->entry_count != retnet_model_entry_count || m->entry_count < 1 ||
      m->entry_count > RETNET_AOT_MAX_ENTRIES) {
    set_error(err, err_size, "'%s': corrupt header", path);
    return -1;
  }
  int64_t state_elems = 1;
  int same = m->vocab == retnet_model_layout[0];
  for (int i = 0; i < RETNET_AOT_STATE_RANK; ++i) {
    m->state_shape[i] = w[5 + i];
    same &= w[5 + i] == retnet_model_layout[1 + i];
    state_elems = w[5 + i] < 1 ? -1 : checked_mul(state_elems, w[5 + i]);
  }
  if (!same) {
    set_error(err, err_size,
              "'%s' holds a model of another vocabulary or state than this "
              "library's: use the weights file built with it",
              path);
    return -1;
  }
  int64_t n = w[10];
  /* The library's entry count is at most RETNET_AOT_MAX_ENTRIES. */
  int64_t header =
      (RETNET_AOT_FIXED_WORDS + m->entry_count * RETNET_AOT_ENTRY_WORDS) * 8;
  int64_t record_bytes = RETNET_AOT_BUFFER_WORDS * 8;
  if (m->vocab < 1 || state_elems < 0 ||
      state_elems > RETNET_AOT_MAX_STATE_ELEMENTS || n < 1 || size < header ||
      n > (size - header) / record_bytes) {
    set_error(err, err_size, "'%s': corrupt header", path);
    return -1;
  }
  m->buffers = calloc((size_t)n, sizeof(descriptor));
  if (!m->buffers) {
    set_error(err, err_size, "out of memory");
    return -1;
  }
  int64_t data_start = header + n * record_bytes;
  m->data_start = data_start;
  m->buffer_count = n;
  for (int64_t b = 0; b < n; ++b) {
    const int64_t *r = w + header / 8 + b * RETNET_AOT_BUFFER_WORDS;
    int64_t elem = r[0], rank = r[1];
    int64_t offset = r[2 + RETNET_AOT_MAX_RANK];
    int64_t bytes = r[3 + RETNET_AOT_MAX_RANK];
    int64_t count = (elem == 2 || elem == 4) ? elem : -1;
    if (rank < 0 || rank > RETNET_AOT_MAX_RANK)
      count = -1;
    for (int64_t i = 0; count >= 0 && i < rank; ++i)
      count = r[2 + i] < 1 ? -1 : checked_mul(count, r[2 + i]);
    if (count < 0 || count != bytes || offset < data_start ||
        offset % RETNET_AOT_ALIGNMENT != 0 || bytes > size - offset) {
      set_error(err, err_size, "'%s': corrupt record of buffer %lld", path,
                (long long)b);
      return -1;
    }
    describe(&m->buffers[b], m->file + offset, rank, r + 2);
  }
  for (int64_t e = 0; e < m->entry_count; ++e) {
    const int64_t *r = w + RETNET_AOT_FIXED_WORDS + e * RETNET_AOT_ENTRY_WORDS;
    if (r[0] != retnet_model_entries[e].tokens) {
      set_error(err, err_size, "'%s': corrupt entry table", path);
      return -1;
    }
    for (int a = 0; a < RETNET_AOT_WEIGHT_ARGS; ++a) {
      int64_t b = r[1 + a];
      if (b < 0 || b >= n) {
        set_error(err, err_size, "'%s': corrupt argument table", path);
        return -1;
      }
      /* The buffer must be what the code was compiled for. */
      const int64_t *have = w + header / 8 + b * RETNET_AOT_BUFFER_WORDS;
      const int64_t *want = retnet_model_layout + 1 + RETNET_AOT_STATE_RANK +
                            (e * RETNET_AOT_WEIGHT_ARGS + a) * LAYOUT_WORDS;
      if (memcmp(have, want, LAYOUT_WORDS * sizeof(int64_t)) != 0) {
        set_error(err, err_size,
                  "'%s': buffer %lld does not have the type and shape that "
                  "entry %lld takes as weight argument %d",
                  path, (long long)b, (long long)e, a);
        return -1;
      }
      m->args[e][a] = &m->buffers[b];
    }
    if (r[0] > m->max_tokens)
      m->max_tokens = r[0];
  }
  m->state_bytes = (size_t)state_elems * 4;
  return 0;
}

#if defined(__x86_64__) || defined(__i386__)
/* The register state the OS saves (XCR0), 0 without XGETBV. */
static unsigned os_register_state(void) {
  unsigned xcr0 = 0, hi, regs[4];
  if (__get_cpuid(1, &regs[0], &regs[1], &regs[2], &regs[3]) &&
      (regs[2] & (1u << 27))) /* OSXSAVE: XGETBV is available */
    __asm__ volatile("xgetbv" : "=a"(xcr0), "=d"(hi) : "c"(0));
  return xcr0;
}

/* Bit `bit` of register `reg` (0-3: EAX-EDX) of CPUID leaf `leaf`, subleaf
 * `sub`; 0 where the CPU has no such leaf (or, for leaf 7, no such subleaf:
 * some CPUs return stale values past the largest, which subleaf 0's EAX
 * reports). */
static int cpuid_bit(unsigned leaf, unsigned sub, int reg, int bit) {
  unsigned regs[4];
  if (leaf == 7 && sub > 0 &&
      (!__get_cpuid_count(7, 0, &regs[0], &regs[1], &regs[2], &regs[3]) ||
       regs[0] < sub))
    return 0;
  return __get_cpuid_count(leaf, sub, &regs[0], &regs[1], &regs[2], &regs[3]) &&
         (regs[reg] >> bit & 1);
}

/* The AVX10 version (0 without AVX10). */
static unsigned avx10_version(void) {
  unsigned regs[4];
  if (!cpuid_bit(7, 1, 3, 19) ||
      !__get_cpuid_count(0x24, 0, &regs[0], &regs[1], &regs[2], &regs[3]))
    return 0;
  return regs[1] & 0xff;
}

/* Whether this CPU, whose OS saves the register state `xcr0`, provides the
 * x86 feature `name` (of RETNET_AOT_X86_FEATURES or
 * RETNET_AOT_X86_VERSIONED_FEATURES); -1 when the tables do not know it. */
static int cpu_has(const char *name, size_t length, unsigned xcr0) {
  /* The XCR0 bits of each state: none, AVX, AVX-512, AMX, APX. */
  const unsigned states[5] = {0, 0x6, 0xe6, 0x60000, 0x80000};
#define RETNET_IS(NAME)                                                        \
  (length == sizeof(NAME) - 1 && strncmp(name, NAME, length) == 0)
#define RETNET_CHECK(NAME, LEAF, SUB, REG, BIT, STATE)                         \
  if (RETNET_IS(NAME))                                                         \
    return cpuid_bit(LEAF, SUB, REG, BIT) &&                                   \
           (xcr0 & states[STATE]) == states[STATE];
  RETNET_AOT_X86_FEATURES(RETNET_CHECK)
#undef RETNET_CHECK
#define RETNET_CHECK_VERSION(NAME, VERSION)                                    \
  if (RETNET_IS(NAME))                                                         \
    return avx10_version() >= VERSION && (xcr0 & states[2]) == states[2];
  RETNET_AOT_X86_VERSIONED_FEATURES(RETNET_CHECK_VERSION)
#undef RETNET_CHECK_VERSION
#undef RETNET_IS
  return -1;
}
#else
static unsigned os_register_state(void) { return 0; }

static int cpu_has(const char *name, size_t length, unsigned xcr0) {
  (void)name;
  (void)length;
  (void)xcr0;
  return -1;
}
#endif

/* 0 when this CPU has every feature the library's code was compiled for;
 * otherwise sets the error and returns -1. */
static int check_cpu(char *err, size_t err_size) {
  unsigned xcr0 = os_register_state();
  for (const char *p = retnet_model_cpu_features; *p;) {
    size_t length = strcspn(p, ",");
    int has = cpu_has(p, length, xcr0);
    if (has != 1) {
      set_error(err, err_size,
                has < 0 ? "the library needs the CPU feature '%.*s', which "
                          "this runtime cannot check"
                        : "the library's code needs the CPU feature '%.*s', "
                          "which this CPU lacks (build the model for this "
                          "CPU, or with --mcpu naming an older one)",
                (int)length, p);
      return -1;
    }
    p += length + (p[length] == ',');
  }
  return 0;
}

#ifdef RETNET_AOT_CUDA
/* Copies the data section of the file (`size` bytes) to the device once,
 * from the 64-byte boundary at or before it so that every buffer keeps the
 * file's alignment, points the buffers' descriptors there and frees the
 * host copy. */
static void upload(retnet_model *m, int64_t size) {
  int64_t start = m->data_start / RETNET_AOT_ALIGNMENT * RETNET_AOT_ALIGNMENT;
  size_t bytes = (size_t)(size - start);
  m->device_weights = mgpuMemAlloc(bytes ? bytes : 1, NULL, false);
  mgpuMemcpy(m->device_weights, m->file + start, bytes, NULL);
  mgpuStreamSynchronize(NULL);
  for (int64_t b = 0; b < m->buffer_count; ++b) {
    descriptor *d = &m->buffers[b];
    int64_t offset = (char *)(intptr_t)d->words[1] - m->file - start;
    d->words[0] = d->words[1] = (int64_t)(intptr_t)(m->device_weights + offset);
  }
  free(m->file);
  m->file = NULL;
}
#endif

retnet_model *retnet_model_load(const char *weights_path, char *err,
                                size_t err_size) {
  set_error(err, err_size, "%s", "");
  if (check_cpu(err, err_size) != 0)
    return NULL;
  if (!weights_path) {
    set_error(err, err_size, "no weights file given");
    return NULL;
  }
  retnet_model *m = calloc(1, sizeof(retnet_model));
  if (!m) {
    set_error(err, err_size, "out of memory");
    return NULL;
  }
  int64_t size = 0;
  m->file = read_file(weights_path, &size, err, err_size);
  if (!m->file || parse(m, size, weights_path, err, err_size) != 0) {
    retnet_model_free(m);
    return NULL;
  }
  m->tokens = calloc((size_t)m->max_tokens, sizeof(int64_t));
#ifdef RETNET_AOT_CUDA
  /* The GPU runtime ends the process when device memory runs out. */
  upload(m, size);
  m->state = mgpuMemAlloc(m->state_bytes, NULL, false);
  m->device_tokens =
      mgpuMemAlloc((size_t)m->max_tokens * sizeof(int64_t), NULL, false);
#else
  m->state = aligned_alloc(RETNET_AOT_ALIGNMENT,
                           (m->state_bytes + RETNET_AOT_ALIGNMENT - 1) /
                               RETNET_AOT_ALIGNMENT * RETNET_AOT_ALIGNMENT);
#endif
  if (!m->state || !m->tokens) {
    set_error(err, err_size, "out of memory");
    retnet_model_free(m);
    return NULL;
  }
  describe(&m->state_desc, m->state, RETNET_AOT_STATE_RANK, m->state_shape);
  retnet_model_reset(m);
  return m;
}

int64_t retnet_model_vocab_size(const retnet_model *m) {
  return m ? m->vocab : 0;
}

int64_t retnet_model_position(const retnet_model *m) {
  return m ? m->position : 0;
}

/* Runs entry `e` on its number of tokens from m->tokens; copies the
 * logits into `logits` when it is not null. */
static void call(retnet_model *m, int64_t e, float *logits) {
  retnet_threads_freeze();
  entry_fn entry = retnet_model_entries[e].fn;
  int64_t count = retnet_model_entries[e].tokens;
  int64_t shape[2] = {1, count};
  descriptor tokens, result;
#ifdef RETNET_AOT_CUDA
  mgpuMemcpy(m->device_tokens, m->tokens, (size_t)count * sizeof(int64_t),
             NULL);
  mgpuStreamSynchronize(NULL);
  describe(&tokens, m->device_tokens, 2, shape);
#else
  describe(&tokens, m->tokens, 2, shape);
#endif
  void **w = m->args[e];
  entry(&result, &tokens, w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8],
        w[9], w[10], w[11], w[12], w[13], w[14], w[15], &m->state_desc,
        m->position);
  m->position += count;
  /* The logits [1, 1, V], in a buffer the compiled code allocated. */
  void *allocated = (void *)(intptr_t)result.words[0];
  const float *data =
      (const float *)(intptr_t)result.words[1] + result.words[2];
  if (logits)
    memcpy(logits, data, (size_t)m->vocab * sizeof(float));
  free(allocated);
}

int retnet_model_prefill(retnet_model *m, const int64_t *tokens, int64_t count,
                         float *logits) {
  if (!m)
    return -1;
  if (!tokens || !logits || count < 1) {
    set_error(m->error, sizeof m->error,
              "prefill needs at least one token and a logits buffer");
    return -1;
  }
  for (int64_t i = 0; i < count; ++i)
    if (tokens[i] < 0 || tokens[i] >= m->vocab) {
      set_error(m->error, sizeof m->error,
                "token id %lld at index %lld is out of range [0, %lld)",
                (long long)tokens[i], (long long)i, (long long)m->vocab);
      return -1;
    }
  set_error(m->error, sizeof m->error, "%s", "");
  /* Longest entries first: the one-token decode step takes what is left. */
  int64_t done = 0;
  while (done < count) {
    int64_t e = 0;
    while (retnet_model_entries[e].tokens > count - done)
      ++e;
    int64_t n = retnet_model_entries[e].tokens;
    memcpy(m->tokens, tokens + done, (size_t)n * sizeof(int64_t));
    done += n;
    call(m, e, done == count ? logits : NULL);
  }
  return 0;
}

int retnet_model_decode(retnet_model *m, int64_t token, float *logits) {
  return retnet_model_prefill(m, &token, 1, logits);
}

void retnet_model_reset(retnet_model *m) {
  if (!m)
    return;
#ifdef RETNET_AOT_CUDA
  mgpuMemset32(m->state, 0, m->state_bytes / 4, NULL);
  mgpuStreamSynchronize(NULL);
#else
  memset(m->state, 0, m->state_bytes);
#endif
  m->position = 0;
  m->error[0] = 0;
}

const char *retnet_model_error(const retnet_model *m) {
  return m ? m->error : "no model";
}

void retnet_model_free(retnet_model *m) {
  if (!m)
    return;
  free(m->file);
  free(m->buffers);
#ifdef RETNET_AOT_CUDA
  if (m->device_weights)
    mgpuMemFree(m->device_weights, NULL);
  if (m->device_tokens)
    mgpuMemFree(m->device_tokens, NULL);
  if (m->state)
    mgpuMemFree(m->state, NULL);
#else
  free(m->state);
#endif
  free(m->tokens);
  free(m);
}
