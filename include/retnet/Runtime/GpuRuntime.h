/*===- GpuRuntime.h - the mgpu* functions of GPU host code --------*- C -*-===*\
|*                                                                            *|
|* Host code lowered by `gpu-to-llvm` calls the `mgpu*` C functions (module   *|
|* loading, kernel launches, streams, device memory). This runtime, a shared  *|
|* library that needs neither LLVM nor MLIR (libretnet_gpu_runtime.so), gives *|
|* them two back ends, chosen once per process:                               *|
|*                                                                            *|
|* - CUDA: the driver API, opened with dlopen("libcuda.so.1") so that the     *|
|*   tools build and start on machines without CUDA;                          *|
|* - Emulator: kernels compiled by retnet-gpu-module-to-emulator-binary run   *|
|*   as OpenCL kernels on a CPU device (Intel's OpenCL CPU runtime, which the *|
|*   set-up installs into the build folder); device memory is host memory.    *|
|*                                                                            *|
|* The JIT tools select the back end explicitly; ahead-of-time compiled host  *|
|* code (which loads its kernels when it is loaded) gets the one named by the *|
|* environment variable RETNET_GPU_BACKEND (`cuda`, the default, or           *|
|* `emulator`). Failures inside compiled code print "error: ..." and end the  *|
|* process with status 1: the code has no way to receive an error.           *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
#ifndef RETNET_RUNTIME_GPURUNTIME_H
#define RETNET_RUNTIME_GPURUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RETNET_GPU_EXPORT __attribute__((visibility("default")))

#ifdef __cplusplus
extern "C" {
#endif

enum RetnetGpuBackend { RETNET_GPU_CUDA = 0, RETNET_GPU_EMULATOR = 1 };

/* Opens `backend` for this process: NULL on success, else why it is
 * unavailable (no driver or device, the emulator's runtime not installed).
 * Selecting the open back end again succeeds; another one fails. */
RETNET_GPU_EXPORT const char *retnetGpuSelectBackend(int backend);

/* Kernel timing for benchmarks: while enabled, every launch is timed on the
 * device (CUDA events; the emulator: wall clock around a finished launch).
 * retnetGpuKernelMilliseconds waits for the timed launches and returns
 * their summed time since the previous call. */
RETNET_GPU_EXPORT void retnetGpuSetTiming(bool enabled);
RETNET_GPU_EXPORT double retnetGpuKernelMilliseconds(void);

/* The functions gpu-to-llvm host code calls. */
RETNET_GPU_EXPORT void *mgpuModuleLoad(void *data, size_t size);
RETNET_GPU_EXPORT void mgpuModuleUnload(void *module);
RETNET_GPU_EXPORT void *mgpuModuleGetFunction(void *module, const char *name);
RETNET_GPU_EXPORT void mgpuLaunchKernel(void *function, intptr_t gridX,
                                        intptr_t gridY, intptr_t gridZ,
                                        intptr_t blockX, intptr_t blockY,
                                        intptr_t blockZ, int32_t smem,
                                        void *stream, void **params,
                                        void **extra, size_t paramsCount);
RETNET_GPU_EXPORT void *mgpuStreamCreate(void);
RETNET_GPU_EXPORT void mgpuStreamSynchronize(void *stream);
RETNET_GPU_EXPORT void mgpuStreamDestroy(void *stream);
RETNET_GPU_EXPORT void *mgpuMemAlloc(uint64_t bytes, void *stream,
                                     bool hostShared);
RETNET_GPU_EXPORT void mgpuMemFree(void *ptr, void *stream);
RETNET_GPU_EXPORT void mgpuMemcpy(void *dst, void *src, size_t bytes,
                                  void *stream);
RETNET_GPU_EXPORT void mgpuMemset32(void *dst, uint32_t value, size_t count,
                                    void *stream);

#ifdef __cplusplus
}
#endif

#endif /* RETNET_RUNTIME_GPURUNTIME_H */
