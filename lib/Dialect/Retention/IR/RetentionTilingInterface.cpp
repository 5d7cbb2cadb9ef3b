//===- RetentionTilingInterface.cpp - tiling the retention ops ------------===//
//
// The iteration domain of every retention op is (batch, heads, value_dim),
// all parallel. A tile [ob, oh, oe] x [sb, sh, se] reads
//   q, k          [ob, oh, 0, 0]  x [sb, sh, T, Dk]
//   v             [ob, oh, 0, oe] x [sb, sh, T, se]
//   log_decay     [oh] x [sh]
//   state         [ob, oh, 0, oe] x [sb, sh, Dk, se]
// and writes o [ob, oh, 0, oe] x [sb, sh, T, se] and the state tile like the
// state operand. The sequence is tiled by the chunkwise form itself.
//
// Each operand is sliced by its role, read from the op's accessors through
// RetentionOpInterface: one SSA value may stand for q, k and v at once, and a
// state may have q's type, so neither identity nor type tells the role.
//
//===----------------------------------------------------------------------===//

#include "retnet/Dialect/Retention/IR/RetentionOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"

using namespace mlir;
using namespace retnet::retention;

namespace {
enum class Role { QK, V, Decay, State, Scalar };

struct Tile {
  OpFoldResult ob, oh, oe, sb, sh, se;
};

OpFoldResult dimOf(OpBuilder &b, Location loc, Value v, int64_t d) {
  return tensor::getMixedSize(b, loc, v, d);
}

/// Offsets and sizes of the tile of a [B, H, X, E]-shaped value whose third
/// dimension (seq or key_dim) is taken whole and whose fourth is tiled.
std::pair<SmallVector<OpFoldResult>, SmallVector<OpFoldResult>>
rowTile(OpBuilder &b, const Tile &t, OpFoldResult whole, OpFoldResult lastOff,
        OpFoldResult lastSize) {
  OpFoldResult zero = b.getIndexAttr(0);
  return {{t.ob, t.oh, zero, lastOff}, {t.sb, t.sh, whole, lastSize}};
}

Role roleOf(RetentionOpInterface op, OpOperand &operand) {
  if (&operand == &op.getQMutable() || &operand == &op.getKMutable())
    return Role::QK;
  if (&operand == &op.getVMutable())
    return Role::V;
  if (&operand == &op.getLogDecayMutable())
    return Role::Decay;
  if (&operand == op.getStateInOperand())
    return Role::State;
  return Role::Scalar;
}

Value slice(OpBuilder &b, Location loc, Value src, Role role, const Tile &t,
            OpFoldResult seq, OpFoldResult keyDim) {
  SmallVector<OpFoldResult> offsets, sizes;
  switch (role) {
  case Role::Scalar:
    return src;
  case Role::Decay:
    offsets = {t.oh};
    sizes = {t.sh};
    break;
  case Role::QK:
    std::tie(offsets, sizes) =
        rowTile(b, t, seq, b.getIndexAttr(0), dimOf(b, loc, src, 3));
    break;
  case Role::V:
    std::tie(offsets, sizes) = rowTile(b, t, seq, t.oe, t.se);
    break;
  case Role::State:
    std::tie(offsets, sizes) = rowTile(b, t, keyDim, t.oe, t.se);
    break;
  }
  SmallVector<OpFoldResult> strides(offsets.size(), b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, src, offsets, sizes, strides);
}

Type tileType(ArrayRef<OpFoldResult> sizes, Type elem) {
  SmallVector<int64_t> shape;
  for (OpFoldResult s : sizes)
    shape.push_back(getConstantIntValue(s).value_or(ShapedType::kDynamic));
  return RankedTensorType::get(shape, elem);
}

/// Result `i` of a retention op is o (i == 0) or a state (i == 1).
LogicalResult resultTile(OpBuilder &b, RetentionOpInterface op, unsigned i,
                         ArrayRef<OpFoldResult> offsets,
                         ArrayRef<OpFoldResult> sizes,
                         SmallVector<OpFoldResult> &resultOffsets,
                         SmallVector<OpFoldResult> &resultSizes) {
  Tile t{offsets[0], offsets[1], offsets[2], sizes[0], sizes[1], sizes[2]};
  OpFoldResult whole = dimOf(b, op->getLoc(), op.getQ(), i == 0 ? 2 : 3);
  std::tie(resultOffsets, resultSizes) = rowTile(b, t, whole, t.oe, t.se);
  return success();
}

FailureOr<TilingResult> tiledImplementation(OpBuilder &b,
                                            RetentionOpInterface op,
                                            ArrayRef<OpFoldResult> offsets,
                                            ArrayRef<OpFoldResult> sizes) {
  Location loc = op->getLoc();
  Value q = op.getQ();
  OpFoldResult seq = dimOf(b, loc, q, 2), keyDim = dimOf(b, loc, q, 3);
  Tile t{offsets[0], offsets[1], offsets[2], sizes[0], sizes[1], sizes[2]};

  SmallVector<Value> operands;
  SmallVector<Operation *> slices;
  for (OpOperand &operand : op->getOpOperands()) {
    Value s = slice(b, loc, operand.get(), roleOf(op, operand), t, seq, keyDim);
    operands.push_back(s);
    if (s != operand.get())
      slices.push_back(s.getDefiningOp());
  }
  SmallVector<Type> resultTypes;
  for (auto [i, result] : llvm::enumerate(op->getResults())) {
    SmallVector<OpFoldResult> resOffsets, resSizes;
    (void)resultTile(b, op, i, offsets, sizes, resOffsets, resSizes);
    resultTypes.push_back(tileType(
        resSizes, cast<RankedTensorType>(result.getType()).getElementType()));
  }
  Operation *tiled = mlir::clone(b, op, resultTypes, operands);
  return TilingResult{{tiled}, SmallVector<Value>(tiled->getResults()), slices};
}

SmallVector<Range> iterationDomain(OpBuilder &b, RetentionOpInterface op) {
  Location loc = op->getLoc();
  Value q = op.getQ(), v = op.getV();
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  return {Range{zero, dimOf(b, loc, q, 0), one},
          Range{zero, dimOf(b, loc, q, 1), one},
          Range{zero, dimOf(b, loc, v, 3), one}};
}

LogicalResult reifyShapes(OpBuilder &b, RetentionOpInterface op,
                          ReifiedRankedShapedTypeDims &shapes) {
  Location loc = op->getLoc();
  Value q = op.getQ(), v = op.getV();
  for (unsigned i = 0; i < op->getNumResults(); ++i)
    shapes.push_back({dimOf(b, loc, q, 0), dimOf(b, loc, q, 1),
                      dimOf(b, loc, q, i == 0 ? 2 : 3), dimOf(b, loc, v, 3)});
  return success();
}
} // namespace
#define RETENTION_TILING_INTERFACE(OP)                                         \
  SmallVector<utils::IteratorType> OP::getLoopIteratorTypes() {                \
    return SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel); \
  }                                                                            \
  SmallVector<Range> OP::getIterationDomain(OpBuilder &b) {                    \
    return iterationDomain(b, *this);                                          \
  }                                                                            \
  FailureOr<TilingResult> OP::getTiledImplementation(                          \
      OpBuilder &b, ArrayRef<OpFoldResult> offsets,                            \
      ArrayRef<OpFoldResult> sizes) {                                          \
    return tiledImplementation(b, *this, offsets, sizes);                      \
  }                                                                            \
  LogicalResult OP::getResultTilePosition(                                     \
      OpBuilder &b, unsigned resultNumber, ArrayRef<OpFoldResult> offsets,     \
      ArrayRef<OpFoldResult> sizes, SmallVector<OpFoldResult> &resultOffsets,  \
      SmallVector<OpFoldResult> &resultSizes) {                                \
    return resultTile(b, *this, resultNumber, offsets, sizes, resultOffsets,   \
                      resultSizes);                                            \
  }                                                                            \
  LogicalResult OP::reifyResultShapes(                                         \
      OpBuilder &b, ReifiedRankedShapedTypeDims &reifiedReturnShapes) {        \
    return reifyShapes(b, *this, reifiedReturnShapes);                         \
  }

RETENTION_TILING_INTERFACE(ParallelOp)
RETENTION_TILING_INTERFACE(ChunkwiseOp)
RETENTION_TILING_INTERFACE(RecurrentOp)
