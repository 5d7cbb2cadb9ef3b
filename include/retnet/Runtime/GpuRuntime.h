//===- GpuRuntime.h - the mgpu* functions of GPU host code ------*- C++ -*-===//
//
// Host code lowered by `gpu-to-llvm` calls the `mgpu*` C functions (module
// loading, kernel launches, streams, device memory). This runtime provides
// them with two back ends, chosen once per process before a GPU module is
// loaded:
//
// * CUDA: the driver API, opened with dlopen("libcuda.so.1") so that the
//   tools build and start on machines without CUDA;
// * Emulator: kernels compiled by retnet-gpu-module-to-emulator-binary run
//   as OpenCL kernels on a CPU device (Intel's OpenCL CPU runtime, which
//   the set-up installs into the build folder); device memory is host memory
//   (fine-grained system SVM).
//
//===----------------------------------------------------------------------===//
#ifndef RETNET_RUNTIME_GPURUNTIME_H
#define RETNET_RUNTIME_GPURUNTIME_H

#include "llvm/Support/Error.h"

namespace mlir {
class ExecutionEngine;
} // namespace mlir

namespace retnet::runtime {

enum class GpuBackend { Cuda, Emulator };

/// Opens `backend` for this process; an error says why it is unavailable
/// (no driver or device, the emulator's runtime not installed). Selecting
/// again keeps the first choice if it is the same, and fails otherwise.
llvm::Error selectGpuBackend(GpuBackend backend);

/// Makes the mgpu* functions visible to JIT-compiled code.
void registerGpuRuntime(mlir::ExecutionEngine &engine);

} // namespace retnet::runtime

#endif // RETNET_RUNTIME_GPURUNTIME_H
