//===- Artifact.h - ahead-of-time CPU artifacts of a model ------*- C++ -*-===//
//
// `retnet-compile build`: a model compiled ahead of time into a directory
// holding libretnet_model.so, retnet_model.h (its C API,
// Runtime/retnet_model.h) and model.weights (Runtime/AotFormat.h). The
// library needs only libc and libm at run time.
//
//===----------------------------------------------------------------------===//
#ifndef RETNET_TOOLS_RETNET_COMPILE_ARTIFACT_H
#define RETNET_TOOLS_RETNET_COMPILE_ARTIFACT_H

#include "retnet/Model/Config.h"
#include "retnet/Model/Weights.h"
#include "retnet/Pipelines/Pipelines.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <string>
#include <vector>

namespace retnet {

struct ArtifactOptions {
  std::string outDir;
  /// What the compiled code runs on: the CPU, or the GPU (the whole model
  /// as kernels; with `emulate`, the GPU runtime's CPU emulator) for `chip`.
  enum class Device { CPU, CUDA } device = Device::CPU;
  bool emulate = false;
  CudaChip chip = CudaChip::sm_80;
  /// Tokens per call of each compiled chunkwise prefill: a prompt runs in
  /// the longest calls that fit, its remainder in decode steps.
  std::vector<int64_t> prefillTokens = {512, 64, 8};
  /// Rows per chunk of the chunkwise form.
  int64_t chunk = 64;
  model::WeightType weightType = model::WeightType::F32;
  /// Products by bf16 weights on the CPU (Host: dot where the target CPU
  /// has AVX512-BF16).
  Bf16Products bf16Products = Bf16Products::Host;
  /// The CPU the code is compiled for (LLVM's name; empty: the build
  /// machine's) and features added or removed ("+avx2,-avx512f").
  std::string cpu;
  std::vector<std::string> features;
  /// The C compiler driver that links the shared library.
  std::string cc;
  /// The C runtime archive and the header of its API; for the GPU, the
  /// runtime archive built for it and the GPU runtime's archive, both
  /// linked into the artifact.
  std::string runtimeArchive, header, cudaRuntimeArchive, gpuRuntimeArchive;
};

/// Compiles the prefill and decode entries for the host CPU or the one
/// `options` names (parallel tiles
/// run on the artifact runtime's threads, lib/Runtime/Aot/Threads.c),
/// prepares the weights as they take them, and writes the artifact.
/// `progress` reports each step.
llvm::Error
writeArtifact(mlir::MLIRContext &context, const model::Config &config,
              const model::Weights &weights, const ArtifactOptions &options,
              const std::function<void(const llvm::Twine &)> &progress);

} // namespace retnet

#endif // RETNET_TOOLS_RETNET_COMPILE_ARTIFACT_H
