//===- EmulatorBinary.cpp - kernels for the GPU emulator ------------------===//

#include "retnet/Support/EmulatorBinary.h"

#include <cstring>

using namespace retnet::emulator;

namespace {
constexpr char kMagic[8] = {'R', 'N', 'E', 'M', 'U', '0', '0', '1'};

void put32(std::string &out, uint32_t v) {
  out.append(reinterpret_cast<const char *>(&v), sizeof(v));
}

class Reader {
public:
  explicit Reader(std::string_view bytes) : rest(bytes) {}
  bool get32(uint32_t &v) {
    if (rest.size() < sizeof(v))
      return false;
    std::memcpy(&v, rest.data(), sizeof(v));
    rest.remove_prefix(sizeof(v));
    return true;
  }
  bool getBytes(uint32_t n, std::string &out) {
    if (rest.size() < n)
      return false;
    out = std::string(rest.substr(0, n));
    rest.remove_prefix(n);
    return true;
  }
  std::string_view rest;
};
} // namespace

std::string retnet::emulator::encode(const Binary &binary) {
  std::string out(kMagic, sizeof(kMagic));
  put32(out, binary.kernels.size());
  for (const Kernel &k : binary.kernels) {
    put32(out, k.name.size());
    out += k.name;
    put32(out, k.arguments.size());
    for (const KernelArgument &a : k.arguments)
      put32(out, a.size | (a.pointer ? 0x80000000u : 0u));
  }
  put32(out, binary.spirv.size());
  out += binary.spirv;
  return out;
}

std::optional<Binary> retnet::emulator::decode(std::string_view bytes,
                                               std::string &error) {
  auto bad = [&](const char *what) -> std::optional<Binary> {
    error = std::string("not a kernel object for the GPU emulator: ") + what;
    return std::nullopt;
  };
  std::string_view magic(kMagic, sizeof(kMagic));
  if (bytes.substr(0, magic.size()) != magic)
    return bad("wrong magic (compiled for a real GPU?)");
  Reader r(bytes.substr(magic.size()));
  Binary binary;
  uint32_t kernels;
  if (!r.get32(kernels) || kernels > r.rest.size())
    return bad("truncated kernel table");
  for (uint32_t i = 0; i < kernels; ++i) {
    Kernel k;
    uint32_t nameSize, args;
    if (!r.get32(nameSize) || !r.getBytes(nameSize, k.name) || !r.get32(args) ||
        args > r.rest.size())
      return bad("truncated kernel table");
    for (uint32_t a = 0; a < args; ++a) {
      uint32_t word;
      if (!r.get32(word))
        return bad("truncated kernel table");
      k.arguments.push_back({word & 0x7fffffffu, (word & 0x80000000u) != 0});
    }
    binary.kernels.push_back(std::move(k));
  }
  uint32_t spirvSize;
  if (!r.get32(spirvSize) || !r.getBytes(spirvSize, binary.spirv) ||
      !r.rest.empty())
    return bad("truncated or trailing SPIR-V");
  return binary;
}
