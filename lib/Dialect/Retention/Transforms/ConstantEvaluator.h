//===- ConstantEvaluator.h - evaluating constant tensor subgraphs -*- C++
//-*-===//
//
// Computes, at compile time, the values of a statically shaped tensor that a
// program derives from constants only (a decay mask built from iota, exp and
// a constant decay, as exporters from PyTorch write it), so that a raising
// pattern can check what the tensor holds instead of how it was written.
// A private header of retention-raise.
//
//===----------------------------------------------------------------------===//
#ifndef RETNET_LIB_DIALECT_RETENTION_TRANSFORMS_CONSTANTEVALUATOR_H
#define RETNET_LIB_DIALECT_RETENTION_TRANSFORMS_CONSTANTEVALUATOR_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Value.h"

#include <string>
#include <vector>

namespace retnet::retention::detail {

/// A tensor's values (row-major; integers and i1 as exact doubles).
struct ConstantTensor {
  llvm::SmallVector<int64_t> shape;
  std::vector<double> values;
};

/// Evaluates `value` if it is computed from constants only by arith.constant
/// (dense or dense_resource), tensor.empty, linalg.fill, linalg.transpose,
/// tensor.expand_shape / collapse_shape, linalg.reduce and linalg.generic
/// ops whose bodies
/// hold arith and math ops on f32, f64, integers and i1 (f32 results rounded
/// as f32 arithmetic rounds them). Fails, saying why in `why`, on anything
/// else, on dynamic shapes, and when a tensor of the computation has more
/// than `maxElements` elements.
llvm::FailureOr<ConstantTensor> evaluateConstantTensor(mlir::Value value,
                                                       int64_t maxElements,
                                                       std::string &why);

/// The scalar body of an elementwise `op` with one input and one result,
/// evaluated at `x`; fails when the body holds an op the evaluator does not
/// know or reads a value defined outside it that is not a constant.
llvm::FailureOr<double> evaluateUnaryBody(mlir::linalg::GenericOp op, double x);

} // namespace retnet::retention::detail

#endif // RETNET_LIB_DIALECT_RETENTION_TRANSFORMS_CONSTANTEVALUATOR_H
