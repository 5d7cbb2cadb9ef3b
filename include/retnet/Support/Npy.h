//===- Npy.h - reading and writing NumPy .npy files -------------*- C++ -*-===//
//
// The subset of the .npy format (versions 1-3) that the runners exchange:
// C-order little-endian arrays of f32, f16, raw 16-bit (bf16), i32 and i64.
// Every malformed file is an llvm::Error naming the file and the problem.
//
//===----------------------------------------------------------------------===//
#ifndef RETNET_SUPPORT_NPY_H
#define RETNET_SUPPORT_NPY_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace retnet::npy {

/// U16 and I16 are raw 16-bit words: bf16 bits where a bf16 tensor is
/// wanted (numpy has no bf16; either word type carries its bits).
enum class DType { F32, F16, U16, I16, I32, I64 };

/// The .npy descriptor of `dtype`, e.g. "<f4".
llvm::StringRef descr(DType dtype);
/// Size in bytes of one element.
size_t itemSize(DType dtype);

struct Array {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  /// 64-byte aligned element storage, numElements() * itemSize(dtype) bytes.
  std::shared_ptr<char> data;

  int64_t numElements() const;
  size_t numBytes() const { return numElements() * itemSize(dtype); }
  /// Allocates zero-initialised aligned storage for `shape`.
  static Array allocate(DType dtype, llvm::ArrayRef<int64_t> shape);
};

/// Reads `path` ("-" is not allowed: inputs are files).
llvm::Expected<Array> read(llvm::StringRef path);
/// Parses the contents of an .npy file; `path` names it in errors.
llvm::Expected<Array> parse(llvm::StringRef contents, llvm::StringRef path);
/// Writes `array` to `path` in format version 1.0.
llvm::Error write(llvm::StringRef path, const Array &array);

/// The float value of IEEE half or bfloat16 bits.
float f16ToFloat(uint16_t bits);
float bf16ToFloat(uint16_t bits);
/// Round-to-nearest-even conversions from float.
uint16_t floatToF16(float x);
uint16_t floatToBF16(float x);

/// "[2, 3]" for diagnostics.
std::string shapeString(llvm::ArrayRef<int64_t> shape);

} // namespace retnet::npy

#endif // RETNET_SUPPORT_NPY_H
