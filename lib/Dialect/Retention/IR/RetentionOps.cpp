//===- RetentionOps.cpp - retention operation verifiers -------------------===//
//
// Shape, element-type and attribute rules shared by the three forms. Each rule
// has exactly one diagnostic, tested in test/Dialect/Retention/invalid.mlir.
//
//===----------------------------------------------------------------------===//

#include "retnet/Dialect/Retention/IR/RetentionOps.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;
using namespace retnet::retention;

#define GET_OP_CLASSES
#include "retnet/Dialect/Retention/IR/RetentionOps.cpp.inc"

namespace {
/// The dimension names of the [batch, heads, seq, dim] layout.
constexpr const char *kDimNames[] = {"batch", "heads", "seq", "dim"};

std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s = "[";
  llvm::raw_string_ostream os(s);
  llvm::interleave(
      shape, os,
      [&](int64_t d) {
        if (ShapedType::isDynamic(d))
          os << "?";
        else
          os << d;
      },
      ", ");
  os << "]";
  return s;
}

bool dimsCompatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

bool shapesCompatible(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  if (a.size() != b.size())
    return false;
  for (auto [x, y] : llvm::zip_equal(a, b))
    if (!dimsCompatible(x, y))
      return false;
  return true;
}

/// The sizes every form agrees on, read from q, k and v.
struct RetentionShape {
  int64_t batch, heads, seq, keyDim, valueDim;
  SmallVector<int64_t> stateShape() const {
    return {batch, heads, keyDim, valueDim};
  }
  SmallVector<int64_t> outputShape() const {
    return {batch, heads, seq, valueDim};
  }
};

/// Verifies q, k, v, log_decay, the output type and the scale; returns the
/// shape on success.
FailureOr<RetentionShape> verifyCommon(Operation *op, Value q, Value k, Value v,
                                       Value logDecay, Type outType,
                                       std::optional<APFloat> scale) {
  auto qType = cast<RankedTensorType>(q.getType());
  auto kType = cast<RankedTensorType>(k.getType());
  auto vType = cast<RankedTensorType>(v.getType());
  for (auto [name, type] : {std::pair<StringRef, RankedTensorType>{"q", qType},
                            {"k", kType},
                            {"v", vType}}) {
    if (type.getRank() != 4)
      return op->emitOpError() << "expects '" << name
                               << "' to have rank 4 ([batch, heads, seq, "
                                  "dim]), got rank "
                               << type.getRank();
  }
  if (qType.getElementType() != kType.getElementType() ||
      qType.getElementType() != vType.getElementType())
    return op->emitOpError()
           << "expects q, k and v to have the same element type, got "
           << qType.getElementType() << ", " << kType.getElementType()
           << " and " << vType.getElementType();

  // k agrees with q on every dimension; v on batch, heads and seq.
  for (unsigned d = 0; d < 4; ++d) {
    if (!dimsCompatible(qType.getDimSize(d), kType.getDimSize(d)))
      return op->emitOpError()
             << "expects 'k' to match 'q' in dimension " << d << " ("
             << kDimNames[d] << "): " << shapeStr(kType.getShape()) << " vs "
             << shapeStr(qType.getShape());
    if (d < 3 && !dimsCompatible(qType.getDimSize(d), vType.getDimSize(d)))
      return op->emitOpError()
             << "expects 'v' to match 'q' in dimension " << d << " ("
             << kDimNames[d] << "): " << shapeStr(vType.getShape()) << " vs "
             << shapeStr(qType.getShape());
  }

  RetentionShape shape{qType.getDimSize(0), qType.getDimSize(1),
                       qType.getDimSize(2), qType.getDimSize(3),
                       vType.getDimSize(3)};
  // Empty dimensions would make every lowering special-case empty loops and
  // slices; they are rejected here instead.
  for (auto [name, size] :
       {std::pair<StringRef, int64_t>{"batch size", shape.batch},
        {"number of heads", shape.heads},
        {"sequence length", shape.seq},
        {"key dim", shape.keyDim},
        {"value dim", shape.valueDim}})
    if (!ShapedType::isDynamic(size) && size < 1)
      return op->emitOpError()
             << "expects a " << name << " of at least 1, got " << size;

  auto ldType = cast<RankedTensorType>(logDecay.getType());
  if (ldType.getRank() != 1 ||
      !dimsCompatible(ldType.getDimSize(0), shape.heads))
    return op->emitOpError() << "expects 'log_decay' to have shape [heads] = "
                             << shapeStr({shape.heads}) << ", got "
                             << shapeStr(ldType.getShape());

  auto oType = cast<RankedTensorType>(outType);
  if (oType.getElementType() != vType.getElementType() ||
      !shapesCompatible(oType.getShape(), shape.outputShape()))
    return op->emitOpError()
           << "expects result 'o' of shape [batch, heads, seq, value_dim] = "
           << shapeStr(shape.outputShape()) << " with element type "
           << vType.getElementType() << ", got " << oType;

  if (scale) {
    double s = scale->convertToDouble();
    if (!std::isfinite(s) || s == 0.0)
      return op->emitOpError()
             << "expects 'scale' to be finite and non-zero, got " << s;
  }
  return shape;
}

LogicalResult verifyState(Operation *op, StringRef name, Type type,
                          const RetentionShape &shape) {
  auto stateType = cast<RankedTensorType>(type);
  if (!shapesCompatible(stateType.getShape(), shape.stateShape()))
    return op->emitOpError()
           << "expects '" << name
           << "' of shape [batch, heads, key_dim, value_dim] = "
           << shapeStr(shape.stateShape()) << ", got "
           << shapeStr(stateType.getShape());
  return success();
}
} // namespace

LogicalResult ParallelOp::verify() {
  return verifyCommon(*this, getQ(), getK(), getV(), getLogDecay(),
                      getO().getType(), getScale());
}

LogicalResult ChunkwiseOp::verify() {
  FailureOr<RetentionShape> shape =
      verifyCommon(*this, getQ(), getK(), getV(), getLogDecay(),
                   getO().getType(), getScale());
  if (failed(shape))
    return failure();
  int64_t chunk = getChunkSizeAttr().getInt();
  if (chunk < 1)
    return emitOpError() << "expects a positive 'chunk_size', got " << chunk;
  if (getInitialState() &&
      failed(verifyState(*this, "initial_state", getInitialState().getType(),
                         *shape)))
    return failure();
  return verifyState(*this, "final_state", getFinalState().getType(), *shape);
}

LogicalResult RecurrentOp::verify() {
  FailureOr<RetentionShape> shape =
      verifyCommon(*this, getQ(), getK(), getV(), getLogDecay(),
                   getO().getType(), getScale());
  if (failed(shape))
    return failure();
  return verifyState(*this, "state", getState().getType(), *shape);
}
