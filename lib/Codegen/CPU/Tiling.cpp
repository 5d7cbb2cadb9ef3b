//===- Tiling.cpp - the host CPU's tile and block sizes -------------------===//

#include "retnet/Codegen/CPU/Tiling.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"

int64_t retnet::cpu::hostRegisterRows() {
  return registerRowsFor(llvm::sys::getHostCPUFeatures().lookup("avx512f"));
}
