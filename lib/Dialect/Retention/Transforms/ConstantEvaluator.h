//===- ConstantEvaluator.h - evaluating constant tensor subgraphs -*- C++
//-*-===//
//
// Computes, at compile time, the values of a statically shaped tensor that a
// program derives from constants only (a decay mask built from iota, exp and
// a constant decay, as exporters from PyTorch write it), so that a raising
// pattern can check what the tensor holds instead of how it was written.
// A private header of retention-raise.
//
// The evaluator follows the semantics of the ops it knows exactly where MLIR
// defines them (the arith folders' semantics): integers wrap at their width
// and convert as arith says (sitofp of an i1 true is -1), every float op is
// rounded to its own type, values are read from `outs` where a body reads
// them. Where MLIR leaves the result undefined (poison from overflow flags
// or out-of-range conversions, the contents of tensor.empty, the sign of
// maxnumf/minnumf of +0 and -0) or lets the compiler change it (fastmath
// flags, rounding modes) it refuses, saying why. Transcendental functions
// (exp, log, pow) have no exact result in MLIR: they are evaluated in f64
// and rounded to their type.
//
//===----------------------------------------------------------------------===//
#ifndef RETNET_LIB_DIALECT_RETENTION_TRANSFORMS_CONSTANTEVALUATOR_H
#define RETNET_LIB_DIALECT_RETENTION_TRANSFORMS_CONSTANTEVALUATOR_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Value.h"

#include <string>
#include <vector>

namespace retnet::retention::detail {

/// A float tensor's values (row-major) and its element type.
struct ConstantTensor {
  llvm::SmallVector<int64_t> shape;
  mlir::Type elementType;
  std::vector<double> values;
};

/// Evaluates `value`, a tensor of f16, bf16, f32 or f64, if it is computed
/// from constants only by arith.constant (dense or dense_resource),
/// tensor.empty, linalg.fill, linalg.transpose, tensor.expand_shape /
/// collapse_shape, linalg.reduce and linalg.generic ops whose bodies hold
/// arith and math ops on those float types, signless integers up to 64 bits
/// and index. Fails, saying why in `why`, on anything else, on dynamic
/// shapes, on results MLIR leaves undefined, and when a tensor of the
/// computation has more than `maxElements` elements or a linalg.generic
/// more than that many iterations. Scalar inputs of a linalg.generic must
/// be constants.
llvm::FailureOr<ConstantTensor> evaluateConstantTensor(mlir::Value value,
                                                       int64_t maxElements,
                                                       std::string &why);

/// The scalar body of an elementwise `op` with one float input and one float
/// result, evaluated at `x` (rounded to the input's type); fails when the
/// body holds an op the evaluator does not know, reads its `outs` operand or
/// a value defined outside it that is not a constant, or has an undefined
/// result at `x`.
llvm::FailureOr<double> evaluateUnaryBody(mlir::linalg::GenericOp op, double x);

} // namespace retnet::retention::detail

#endif // RETNET_LIB_DIALECT_RETENTION_TRANSFORMS_CONSTANTEVALUATOR_H
