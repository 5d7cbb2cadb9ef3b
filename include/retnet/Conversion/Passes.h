//===- Passes.h - retnet conversion passes ----------------------*- C++ -*-===//
#ifndef RETNET_CONVERSION_PASSES_H
#define RETNET_CONVERSION_PASSES_H

#include "retnet/Conversion/RetentionToGPU/RetentionToGPU.h"
#include "retnet/Conversion/RetentionToLinalg/RetentionToLinalg.h"

namespace retnet {
#define GEN_PASS_REGISTRATION
#include "retnet/Conversion/Passes.h.inc"
} // namespace retnet

#endif // RETNET_CONVERSION_PASSES_H
