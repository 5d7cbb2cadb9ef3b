//===- GpuRuntime.cpp - mgpu* functions on CUDA or the CPU emulator -------===//

#include "retnet/Runtime/GpuRuntime.h"
#include "retnet/Support/EmulatorBinary.h"
#include "retnet/Support/Memory.h"

#define CL_TARGET_OPENCL_VERSION 300
#include <CL/cl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace {
/// A failure inside compiled code, which has no way to receive an error:
/// reported like the tools' errors, then the process ends with status 1.
[[noreturn]] void fatal(const std::string &msg) {
  std::fprintf(stderr, "error: %s\n", msg.c_str());
  std::fflush(stderr);
  // Possibly during exit, or with other threads inside compiled code: leave
  // without running destructors (as Support/Memory.cpp does).
  std::_Exit(1);
}

/// The operations of a back end, as the mgpu* functions need them.
class Backend {
public:
  virtual ~Backend() = default;
  virtual void *moduleLoad(const void *data, size_t size) = 0;
  virtual void moduleUnload(void *module) = 0;
  virtual void *moduleGetFunction(void *module, const char *name) = 0;
  virtual void launch(void *function, const intptr_t grid[3],
                      const intptr_t block[3], int32_t smem, void *stream,
                      void **params, size_t paramsCount) = 0;
  virtual void *streamCreate() = 0;
  virtual void streamSynchronize(void *stream) = 0;
  virtual void streamDestroy(void *stream) = 0;
  virtual void *memAlloc(uint64_t bytes, void *stream, bool hostShared) = 0;
  virtual void memFree(void *ptr, void *stream) = 0;
  virtual void memcpy(void *dst, void *src, size_t bytes, void *stream) = 0;
  virtual void memset32(void *dst, uint32_t value, size_t count,
                        void *stream) = 0;
  /// Kernel timing (retnetGpuSetTiming, retnetGpuKernelMilliseconds).
  void setTiming(bool enabled) { timing = enabled; }
  virtual double kernelMilliseconds() = 0;

protected:
  bool timing = false;
};

template <typename F> bool resolve(void *lib, const char *name, F &fn) {
  fn = reinterpret_cast<F>(dlsym(lib, name));
  return fn != nullptr;
}

//===----------------------------------------------------------------------===//
// CUDA: the driver API through dlopen.
//===----------------------------------------------------------------------===//

using CUresult = int;
using CUdeviceptr = unsigned long long;
constexpr int kMaxDynamicSharedSizeBytes = 8; // CU_FUNC_ATTRIBUTE_...

class CudaBackend final : public Backend {
public:
  /// The back end, or null and `error` says why it is unavailable.
  static std::unique_ptr<Backend> open(std::string &error);

  void *moduleLoad(const void *data, size_t) override {
    makeCurrent();
    void *module = nullptr;
    check(cuModuleLoadData(&module, data), "loading a kernel module");
    return module;
  }
  void moduleUnload(void *module) override {
    // Ahead-of-time code unloads from static destructors, which may run
    // after the driver has shut down (CUDA_ERROR_DEINITIALIZED): nothing is
    // left to release then, and the process is exiting anyway.
    if (cuCtxSetCurrent(context) == 0)
      cuModuleUnload(module);
  }
  void *moduleGetFunction(void *module, const char *name) override {
    makeCurrent();
    void *fn = nullptr;
    check(cuModuleGetFunction(&fn, module, name),
          std::string("finding kernel '") + name + "'");
    return fn;
  }
  void launch(void *fn, const intptr_t g[3], const intptr_t b[3], int32_t smem,
              void *stream, void **params, size_t) override {
    makeCurrent();
    if (smem > 48 * 1024)
      check(cuFuncSetAttribute(fn, kMaxDynamicSharedSizeBytes, smem),
            "enabling dynamic shared memory above 48 KiB");
    void *events[2] = {nullptr, nullptr};
    if (timing) {
      for (void *&e : events)
        check(cuEventCreate(&e, 0), "creating an event");
      check(cuEventRecord(events[0], stream), "recording an event");
    }
    check(cuLaunchKernel(fn, g[0], g[1], g[2], b[0], b[1], b[2], smem, stream,
                         params, nullptr),
          "launching a kernel");
    if (timing) {
      check(cuEventRecord(events[1], stream), "recording an event");
      timed.push_back({events[0], events[1]});
    }
  }
  double kernelMilliseconds() override {
    makeCurrent();
    double total = 0;
    for (auto [start, stop] : timed) {
      float ms = 0;
      check(cuEventSynchronize(stop), "waiting for an event");
      check(cuEventElapsedTime(&ms, start, stop), "timing a kernel");
      check(cuEventDestroy(start), "destroying an event");
      check(cuEventDestroy(stop), "destroying an event");
      total += ms;
    }
    timed.clear();
    return total;
  }
  void *streamCreate() override {
    makeCurrent();
    void *stream = nullptr;
    check(cuStreamCreate(&stream, 1 /*non-blocking*/), "creating a stream");
    return stream;
  }
  void streamSynchronize(void *stream) override {
    makeCurrent();
    check(cuStreamSynchronize(stream), "synchronising a stream");
  }
  void streamDestroy(void *stream) override {
    makeCurrent();
    check(cuStreamDestroy(stream), "destroying a stream");
  }
  void *memAlloc(uint64_t bytes, void *, bool hostShared) override {
    makeCurrent();
    CUdeviceptr ptr = 0;
    if (hostShared)
      check(cuMemAllocManaged(&ptr, bytes, 1 /*global*/),
            "allocating managed memory");
    else
      check(cuMemAlloc(&ptr, bytes), "allocating device memory");
    return reinterpret_cast<void *>(ptr);
  }
  void memFree(void *ptr, void *stream) override {
    makeCurrent();
    if (stream)
      streamSynchronize(stream);
    check(cuMemFree(reinterpret_cast<CUdeviceptr>(ptr)),
          "freeing device memory");
  }
  void memcpy(void *dst, void *src, size_t bytes, void *stream) override {
    makeCurrent();
    check(cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                        reinterpret_cast<CUdeviceptr>(src), bytes, stream),
          "copying memory");
  }
  void memset32(void *dst, uint32_t value, size_t count,
                void *stream) override {
    makeCurrent();
    check(cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(dst), value, count,
                           stream),
          "setting memory");
  }

private:
  /// The driver's current context is per thread: every call makes ours
  /// current, so that compiled code may run on any thread.
  void makeCurrent() {
    check(cuCtxSetCurrent(context), "making the GPU context current");
  }
  void check(CUresult r, const std::string &what) {
    if (r == 0)
      return;
    const char *msg = nullptr;
    if (cuGetErrorString)
      cuGetErrorString(r, &msg);
    fatal("CUDA: " + what + " failed: " + (msg ? msg : "unknown error") + " (" +
          std::to_string(r) + ")");
  }

  CUresult (*cuInit)(unsigned);
  CUresult (*cuDeviceGet)(int *, int);
  CUresult (*cuDevicePrimaryCtxRetain)(void **, int);
  CUresult (*cuCtxSetCurrent)(void *);
  CUresult (*cuModuleLoadData)(void **, const void *);
  CUresult (*cuModuleUnload)(void *);
  CUresult (*cuModuleGetFunction)(void **, void *, const char *);
  CUresult (*cuFuncSetAttribute)(void *, int, int);
  CUresult (*cuLaunchKernel)(void *, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, void *, void **,
                             void **);
  CUresult (*cuStreamCreate)(void **, unsigned);
  CUresult (*cuStreamSynchronize)(void *);
  CUresult (*cuStreamDestroy)(void *);
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
  CUresult (*cuMemAllocManaged)(CUdeviceptr *, size_t, unsigned);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemcpyAsync)(CUdeviceptr, CUdeviceptr, size_t, void *);
  CUresult (*cuMemsetD32Async)(CUdeviceptr, unsigned, size_t, void *);
  CUresult (*cuEventCreate)(void **, unsigned);
  CUresult (*cuEventRecord)(void *, void *);
  CUresult (*cuEventSynchronize)(void *);
  CUresult (*cuEventElapsedTime)(float *, void *, void *);
  CUresult (*cuEventDestroy)(void *);
  CUresult (*cuGetErrorString)(CUresult, const char **) = nullptr;
  std::vector<std::pair<void *, void *>> timed;
  void *context = nullptr;
};

std::unique_ptr<Backend> CudaBackend::open(std::string &error) {
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_GLOBAL);
  if (!lib)
    return error = std::string("no NVIDIA GPU driver (cannot open "
                               "libcuda.so.1: ") +
                   dlerror() + "); run with --emulate to use the CPU emulator",
           nullptr;
  auto b = std::make_unique<CudaBackend>();
  bool ok =
      resolve(lib, "cuInit", b->cuInit) &&
      resolve(lib, "cuDeviceGet", b->cuDeviceGet) &&
      resolve(lib, "cuDevicePrimaryCtxRetain", b->cuDevicePrimaryCtxRetain) &&
      resolve(lib, "cuCtxSetCurrent", b->cuCtxSetCurrent) &&
      resolve(lib, "cuModuleLoadData", b->cuModuleLoadData) &&
      resolve(lib, "cuModuleUnload", b->cuModuleUnload) &&
      resolve(lib, "cuModuleGetFunction", b->cuModuleGetFunction) &&
      resolve(lib, "cuFuncSetAttribute", b->cuFuncSetAttribute) &&
      resolve(lib, "cuLaunchKernel", b->cuLaunchKernel) &&
      resolve(lib, "cuStreamCreate", b->cuStreamCreate) &&
      resolve(lib, "cuStreamSynchronize", b->cuStreamSynchronize) &&
      resolve(lib, "cuStreamDestroy_v2", b->cuStreamDestroy) &&
      resolve(lib, "cuMemAlloc_v2", b->cuMemAlloc) &&
      resolve(lib, "cuMemAllocManaged", b->cuMemAllocManaged) &&
      resolve(lib, "cuMemFree_v2", b->cuMemFree) &&
      resolve(lib, "cuMemcpyAsync", b->cuMemcpyAsync) &&
      resolve(lib, "cuMemsetD32Async", b->cuMemsetD32Async) &&
      resolve(lib, "cuEventCreate", b->cuEventCreate) &&
      resolve(lib, "cuEventRecord", b->cuEventRecord) &&
      resolve(lib, "cuEventSynchronize", b->cuEventSynchronize) &&
      resolve(lib, "cuEventElapsedTime", b->cuEventElapsedTime) &&
      resolve(lib, "cuEventDestroy_v2", b->cuEventDestroy);
  resolve(lib, "cuGetErrorString", b->cuGetErrorString);
  if (!ok)
    return error = "libcuda.so.1 lacks a driver API function this runtime "
                   "needs (driver too old?)",
           nullptr;
  int device = 0;
  if (CUresult r = b->cuInit(0))
    return error = "no usable NVIDIA GPU (cuInit failed with " +
                   std::to_string(r) +
                   "); run with --emulate to use the CPU emulator",
           nullptr;
  if (b->cuDeviceGet(&device, 0) ||
      b->cuDevicePrimaryCtxRetain(&b->context, device) ||
      b->cuCtxSetCurrent(b->context))
    return error = "cannot create a context on GPU 0", nullptr;
  return std::unique_ptr<Backend>(std::move(b));
}

//===----------------------------------------------------------------------===//
// Emulator: SPIR-V kernels on an OpenCL CPU device.
//===----------------------------------------------------------------------===//

class EmulatorBackend final : public Backend {
public:
  /// The back end, or null and `error` says why it is unavailable.
  static std::unique_ptr<Backend> open(std::string &error);

  struct Function {
    cl_kernel kernel;
    std::vector<retnet::emulator::KernelArgument> arguments;
    std::string name;
  };
  /// A program and the kernels created from it, once each: host code looks
  /// a kernel up before every launch.
  struct Module {
    cl_program program;
    retnet::emulator::Binary binary;
    std::vector<std::unique_ptr<Function>> functions;
  };

  void *moduleLoad(const void *data, size_t size) override {
    std::string error;
    auto binary = retnet::emulator::decode(
        std::string_view(static_cast<const char *>(data), size), error);
    if (!binary)
      fatal("GPU emulator: " + error);
    cl_int err;
    cl_program program = clCreateProgramWithIL(context, binary->spirv.data(),
                                               binary->spirv.size(), &err);
    check(err, "loading SPIR-V");
    if (cl_int r = clBuildProgram(program, 1, &device, "", nullptr, nullptr)) {
      size_t n = 0;
      clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, 0, nullptr,
                            &n);
      std::string log(n, '\0');
      clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, n,
                            log.data(), nullptr);
      fatal("GPU emulator: building the kernels failed (" + std::to_string(r) +
            "): " + log);
    }
    return new Module{program, std::move(*binary), {}};
  }
  void moduleUnload(void *module) override {
    auto *m = static_cast<Module *>(module);
    clFinish(queue);
    for (const std::unique_ptr<Function> &f : m->functions)
      clReleaseKernel(f->kernel);
    clReleaseProgram(m->program);
    delete m;
  }
  void *moduleGetFunction(void *module, const char *name) override {
    auto *m = static_cast<Module *>(module);
    for (const std::unique_ptr<Function> &f : m->functions)
      if (f->name == name)
        return f.get();
    for (const retnet::emulator::Kernel &k : m->binary.kernels) {
      if (k.name != name)
        continue;
      cl_int err;
      cl_kernel kernel = clCreateKernel(m->program, name, &err);
      check(err, std::string("creating kernel '") + name + "'");
      m->functions.push_back(
          std::make_unique<Function>(Function{kernel, k.arguments, name}));
      return m->functions.back().get();
    }
    fatal(std::string("GPU emulator: no kernel '") + name + "' in the module");
  }
  void launch(void *function, const intptr_t g[3], const intptr_t b[3],
              int32_t smem, void *, void **params,
              size_t paramsCount) override {
    auto *f = static_cast<Function *>(function);
    if (smem != 0)
      fatal("GPU emulator: kernel '" + f->name +
            "' uses dynamic shared memory, which the emulator does not "
            "provide");
    if (paramsCount != f->arguments.size())
      fatal("GPU emulator: kernel '" + f->name + "' takes " +
            std::to_string(f->arguments.size()) + " arguments, launched with " +
            std::to_string(paramsCount));
    for (size_t i = 0; i < paramsCount; ++i) {
      const retnet::emulator::KernelArgument &a = f->arguments[i];
      cl_int err =
          a.pointer ? clSetKernelArgSVMPointer(f->kernel, i,
                                               *static_cast<void **>(params[i]))
                    : clSetKernelArg(f->kernel, i, a.size, params[i]);
      check(err,
            "setting argument " + std::to_string(i) + " of '" + f->name + "'");
    }
    size_t global[3], local[3];
    for (int d = 0; d < 3; ++d) {
      local[d] = size_t(b[d]);
      global[d] = size_t(g[d]) * size_t(b[d]);
    }
    if (timing)
      check(clFinish(queue), "waiting");
    auto start = std::chrono::steady_clock::now();
    check(clEnqueueNDRangeKernel(queue, f->kernel, 3, nullptr, global, local, 0,
                                 nullptr, nullptr),
          "launching '" + f->name + "'");
    if (timing) {
      check(clFinish(queue), "waiting");
      timedMs += std::chrono::duration<double, std::milli>(
                     std::chrono::steady_clock::now() - start)
                     .count();
    }
  }
  double kernelMilliseconds() override {
    check(clFinish(queue), "waiting");
    return std::exchange(timedMs, 0.0);
  }
  void *streamCreate() override { return queue; }
  void streamSynchronize(void *) override { check(clFinish(queue), "waiting"); }
  void streamDestroy(void *) override {}
  void *memAlloc(uint64_t bytes, void *, bool) override {
    return retnet::allocateOrExit(bytes, 128);
  }
  void memFree(void *ptr, void *) override {
    check(clFinish(queue), "waiting");
    std::free(ptr);
  }
  void memcpy(void *dst, void *src, size_t bytes, void *) override {
    check(clFinish(queue), "waiting");
    std::memcpy(dst, src, bytes);
  }
  void memset32(void *dst, uint32_t value, size_t count, void *) override {
    check(clFinish(queue), "waiting");
    auto *p = static_cast<uint32_t *>(dst);
    std::fill(p, p + count, value);
  }

private:
  void check(cl_int err, const std::string &what) {
    if (err != CL_SUCCESS)
      fatal("GPU emulator: " + what + " failed (OpenCL error " +
            std::to_string(err) + ")");
  }

  cl_context context = nullptr;
  cl_device_id device = nullptr;
  cl_command_queue queue = nullptr;
  double timedMs = 0;

#define RETNET_CL_FUNCTIONS(X)                                                 \
  X(clGetPlatformIDs)                                                          \
  X(clGetPlatformInfo)                                                         \
  X(clGetDeviceIDs)                                                            \
  X(clGetDeviceInfo)                                                           \
  X(clCreateContext)                                                           \
  X(clCreateCommandQueueWithProperties)                                        \
  X(clCreateProgramWithIL)                                                     \
  X(clBuildProgram)                                                            \
  X(clGetProgramBuildInfo)                                                     \
  X(clReleaseProgram)                                                          \
  X(clReleaseKernel)                                                           \
  X(clCreateKernel)                                                            \
  X(clSetKernelArg)                                                            \
  X(clSetKernelArgSVMPointer)                                                  \
  X(clEnqueueNDRangeKernel)                                                    \
  X(clFinish)
#define RETNET_CL_MEMBER(name) decltype(&::name) name = nullptr;
  RETNET_CL_FUNCTIONS(RETNET_CL_MEMBER)
};

std::unique_ptr<Backend> EmulatorBackend::open(std::string &error) {
  // The set-up writes an ICD file naming the Intel OpenCL CPU runtime it
  // installed into the build folder; a user's own OCL_ICD_VENDORS wins.
  setenv("OCL_ICD_VENDORS", RETNET_EMULATOR_ICD_DIR, /*overwrite=*/0);
  void *lib = dlopen("libOpenCL.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib)
    return error = std::string("the GPU emulator needs an OpenCL loader "
                               "(libOpenCL.so.1: ") +
                   dlerror() + "); run scripts/setup.sh",
           nullptr;
  auto b = std::make_unique<EmulatorBackend>();
  bool ok = true;
#define RETNET_CL_RESOLVE(name) ok = ok && resolve(lib, #name, b->name);
  RETNET_CL_FUNCTIONS(RETNET_CL_RESOLVE)
  if (!ok)
    return error = "the OpenCL loader lacks OpenCL 2.1 functions", nullptr;
  cl_uint count = 0;
  cl_platform_id platforms[16];
  if (b->clGetPlatformIDs(16, platforms, &count) != CL_SUCCESS || count == 0)
    return error = "no OpenCL platform: the GPU emulator's runtime is not "
                   "installed (expected an ICD file in " RETNET_EMULATOR_ICD_DIR
                   "); run scripts/setup.sh",
           nullptr;
  for (cl_uint i = 0; i < count && !b->device; ++i) {
    char name[256] = {0};
    b->clGetPlatformInfo(platforms[i], CL_PLATFORM_NAME, sizeof(name) - 1, name,
                         nullptr);
    if (!std::strstr(name, "Intel"))
      continue;
    if (b->clGetDeviceIDs(platforms[i], CL_DEVICE_TYPE_CPU, 1, &b->device,
                          nullptr) != CL_SUCCESS)
      b->device = nullptr;
  }
  if (!b->device)
    return error = "no Intel OpenCL CPU device: the GPU emulator needs "
                   "Intel's OpenCL CPU runtime; run scripts/setup.sh",
           nullptr;
  cl_int err;
  b->context =
      b->clCreateContext(nullptr, 1, &b->device, nullptr, nullptr, &err);
  if (err != CL_SUCCESS)
    return error = "cannot create an OpenCL context", nullptr;
  b->queue = b->clCreateCommandQueueWithProperties(b->context, b->device,
                                                   nullptr, &err);
  if (err != CL_SUCCESS)
    return error = "cannot create an OpenCL queue", nullptr;
  return std::unique_ptr<Backend>(std::move(b));
}

std::mutex selectMutex;
/// Never destroyed: ahead-of-time host code unloads its kernels from static
/// destructors, which may run after this library's own.
Backend *active = nullptr;
int activeKind;
std::string selectError;

/// The open back end; host code loaded before any was selected (ahead-of-
/// time artifacts load their kernels when loaded) gets RETNET_GPU_BACKEND's.
Backend &backend() {
  if (!active) {
    const char *name = std::getenv("RETNET_GPU_BACKEND");
    bool emulator = name && std::strcmp(name, "emulator") == 0;
    if (name && !emulator && std::strcmp(name, "cuda") != 0)
      fatal(std::string("RETNET_GPU_BACKEND is '") + name +
            "'; expected 'cuda' or 'emulator'");
    if (const char *why = retnetGpuSelectBackend(emulator ? RETNET_GPU_EMULATOR
                                                          : RETNET_GPU_CUDA))
      fatal(why);
  }
  return *active;
}
} // namespace

const char *retnetGpuSelectBackend(int kind) {
  std::lock_guard<std::mutex> lock(selectMutex);
  if (active)
    return kind == activeKind ? nullptr
                              : "a different GPU back end is already in use";
  if (kind != RETNET_GPU_CUDA && kind != RETNET_GPU_EMULATOR)
    return "no such GPU back end";
  active = (kind == RETNET_GPU_CUDA ? CudaBackend::open(selectError)
                                    : EmulatorBackend::open(selectError))
               .release();
  if (!active)
    return selectError.c_str();
  activeKind = kind;
  return nullptr;
}

void retnetGpuSetTiming(bool enabled) { backend().setTiming(enabled); }
double retnetGpuKernelMilliseconds() { return backend().kernelMilliseconds(); }

void *mgpuModuleLoad(void *data, size_t size) {
  return backend().moduleLoad(data, size);
}
void mgpuModuleUnload(void *module) { backend().moduleUnload(module); }
void *mgpuModuleGetFunction(void *module, const char *name) {
  return backend().moduleGetFunction(module, name);
}
void mgpuLaunchKernel(void *fn, intptr_t gx, intptr_t gy, intptr_t gz,
                      intptr_t bx, intptr_t by, intptr_t bz, int32_t smem,
                      void *stream, void **params, void **,
                      size_t paramsCount) {
  intptr_t grid[3] = {gx, gy, gz}, block[3] = {bx, by, bz};
  backend().launch(fn, grid, block, smem, stream, params, paramsCount);
}
void *mgpuStreamCreate() { return backend().streamCreate(); }
void mgpuStreamSynchronize(void *stream) {
  backend().streamSynchronize(stream);
}
void mgpuStreamDestroy(void *stream) { backend().streamDestroy(stream); }
void *mgpuMemAlloc(uint64_t bytes, void *stream, bool hostShared) {
  return backend().memAlloc(bytes, stream, hostShared);
}
void mgpuMemFree(void *ptr, void *stream) { backend().memFree(ptr, stream); }
void mgpuMemcpy(void *dst, void *src, size_t bytes, void *stream) {
  backend().memcpy(dst, src, bytes, stream);
}
void mgpuMemset32(void *dst, uint32_t value, size_t count, void *stream) {
  backend().memset32(dst, value, count, stream);
}
