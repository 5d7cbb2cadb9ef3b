//===- fuzz-npy.cpp - the .npy reader on arbitrary bytes ------------------===//
//
// Every input parses or is an error; a parsed array's storage holds exactly
// its shape's elements (the write below touches every byte, so ASan sees a
// short buffer).
//
//===----------------------------------------------------------------------===//

#include "retnet/Support/Npy.h"

#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  llvm::Expected<retnet::npy::Array> array =
      retnet::npy::parse(bytes, "fuzz.npy");
  if (!array) {
    llvm::consumeError(array.takeError());
    return 0;
  }
  if (size_t n = array->numBytes())
    std::memset(array->data.get(), 0xab, n);
  return 0;
}
