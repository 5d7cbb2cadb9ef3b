//===- Safetensors.h - memory-mapped safetensors checkpoints ----*- C++ -*-===//
//
// Reads a .safetensors file (8-byte little-endian header length, a JSON
// header naming each tensor's dtype, shape and byte range, then the data)
// without copying it, and writes F32 checkpoints. Every malformed file is an
// error naming the file, the tensor and the problem.
//
//===----------------------------------------------------------------------===//
#ifndef RETNET_MODEL_SAFETENSORS_H
#define RETNET_MODEL_SAFETENSORS_H

#include "retnet/Support/Npy.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>
#include <string>
#include <vector>

namespace retnet::model {

/// An error about the file `path`: "'path': msg".
llvm::Error fileError(llvm::StringRef path, const llvm::Twine &msg);

enum class TensorDType { F32, F16, BF16 };

struct TensorView {
  std::string name;
  TensorDType dtype;
  std::vector<int64_t> shape;
  const char *data; // inside the mapped file
  size_t bytes;

  int64_t numElements() const;
  /// The tensor converted to a dense f32 array.
  npy::Array toF32() const;
};

class Safetensors {
public:
  /// Maps `path` and validates its header and byte ranges.
  static llvm::Expected<Safetensors> open(llvm::StringRef path);
  /// Validates a checkpoint held in memory; `path` names it in errors.
  static llvm::Expected<Safetensors>
  parse(std::unique_ptr<llvm::MemoryBuffer> contents, llvm::StringRef path);

  const TensorView *find(llvm::StringRef name) const;
  const std::vector<TensorView> &tensors() const { return views; }
  llvm::StringRef path() const { return filePath; }

private:
  std::string filePath;
  std::shared_ptr<llvm::MemoryBuffer> buffer;
  std::vector<TensorView> views;
  llvm::StringMap<size_t> index;
};

/// Writes f32 tensors (in the given order) as a safetensors file.
llvm::Error
writeSafetensors(llvm::StringRef path,
                 llvm::ArrayRef<std::pair<std::string, npy::Array>> tensors);

} // namespace retnet::model

#endif // RETNET_MODEL_SAFETENSORS_H
