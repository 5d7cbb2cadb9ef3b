//===- fuzz-emulator-binary.cpp - the GPU emulator's object reader --------===//
//
// The runtime's emulator back end decodes kernel objects from gpu.binary
// ops: every input decodes or is an error, and a decoded object's kernel
// table and SPIR-V lie within the input.
//
//===----------------------------------------------------------------------===//

#include "retnet/Support/EmulatorBinary.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char *>(data), size);
  std::string error;
  std::optional<retnet::emulator::Binary> binary =
      retnet::emulator::decode(bytes, error);
  if (!binary)
    return 0;
  size_t total = binary->spirv.size();
  for (const retnet::emulator::Kernel &k : binary->kernels)
    total += k.name.size() + 4 * k.arguments.size();
  if (total > size)
    __builtin_trap();
  // A decoded object re-encodes to the same bytes.
  if (retnet::emulator::encode(*binary) != bytes)
    __builtin_trap();
  return 0;
}
