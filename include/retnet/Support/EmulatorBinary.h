//===- EmulatorBinary.h - kernels for the GPU emulator ----------*- C++ -*-===//
//
// The object of a `gpu.binary` compiled for the CPU emulator (written by
// Codegen/GPU, read by the GPU runtime's emulator back end): SPIR-V and,
// for each kernel, the byte size of each argument and whether it is a
// pointer, which OpenCL needs to set kernel arguments.
//
//===----------------------------------------------------------------------===//
#ifndef RETNET_SUPPORT_EMULATORBINARY_H
#define RETNET_SUPPORT_EMULATORBINARY_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace retnet::emulator {

struct KernelArgument {
  uint32_t size;
  bool pointer;
};

struct Kernel {
  std::string name;
  std::vector<KernelArgument> arguments;
};

struct Binary {
  std::vector<Kernel> kernels;
  std::string spirv;
};

/// The object's bytes: a magic, the kernel table, the SPIR-V.
std::string encode(const Binary &binary);

/// Reads an object written by encode(); for anything else, nothing and
/// `error` says why. (No LLVM types: the GPU runtime needs no LLVM.)
std::optional<Binary> decode(std::string_view bytes, std::string &error);

} // namespace retnet::emulator

#endif // RETNET_SUPPORT_EMULATORBINARY_H
