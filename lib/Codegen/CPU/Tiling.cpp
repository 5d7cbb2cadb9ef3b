//===- Tiling.cpp - the host CPU's tile and block sizes -------------------===//

#include "retnet/Codegen/CPU/Tiling.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"

retnet::cpu::RegisterBlock retnet::cpu::hostRegisterBlock() {
  return registerBlockFor(llvm::sys::getHostCPUFeatures().lookup("avx512f"));
}

bool retnet::cpu::hostHasBF16Dot() {
  return llvm::sys::getHostCPUFeatures().lookup("avx512bf16");
}
