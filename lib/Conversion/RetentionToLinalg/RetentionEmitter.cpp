//===- RetentionEmitter.cpp - building retention in linalg ----------------===//

#include "RetentionEmitter.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

#include <limits>

using namespace mlir;
using namespace retnet::retention;
using namespace retnet::detail;

RetentionEmitter::RetentionEmitter(OpBuilder &b, Operation *op)
    : b(b), loc(op->getLoc()) {
  auto retention = cast<RetentionOpInterface>(op);
  q = retention.getQ();
  k = retention.getK();
  v = retention.getV();
  logDecay = retention.getLogDecay();
  normalization = retention.getNormalization();
  scale = retention.getScaleOrOne();
  outElemType = retention.getO().getType().getElementType();
  auto qType = cast<RankedTensorType>(q.getType());
  batch = qType.getDimSize(0);
  heads = qType.getDimSize(1);
  seq = qType.getDimSize(2);
  keyDim = qType.getDimSize(3);
  valueDim = cast<RankedTensorType>(v.getType()).getDimSize(3);
  if (auto parallel = dyn_cast<ParallelOp>(op))
    rowDivisor = parallel.getRowDivisorAttr();
  DenseFPElementsAttr constant;
  if (matchPattern(logDecay, m_Constant(&constant)))
    constantLogDecay = llvm::to_vector(
        llvm::map_range(constant.getValues<APFloat>(),
                        [](const APFloat &f) { return f.convertToDouble(); }));
  // gamma = 0 is log(gamma) = -inf, and d * -inf is NaN at d = 0, where
  // gamma^0 = 1 is meant. Clamped once to the most negative finite float,
  // every gamma^d = exp(d * log(gamma)) below is 1 at d = 0 and 0 beyond.
  Value lowest = arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(std::numeric_limits<float>::lowest()));
  logDecay = generic(
      {logDecay}, emptyTensor({heads}, b.getF32Type()), {dims({0}), dims({0})},
      {kPar}, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        return arith::MaximumFOp::create(nb, nloc, args[0], lowest);
      });
}

std::pair<Value, Value> RetentionEmitter::chunkwise(int64_t chunkSize,
                                                    Value initialState,
                                                    Value position) {
  Value out = emptyTensor({batch, heads, seq, valueDim}, outElemType);
  Value state =
      initialState ? initialState : zeros({batch, heads, keyDim, valueDim});
  chunkSize = std::min(chunkSize, seq);
  int64_t fullEnd = seq / chunkSize * chunkSize;
  auto loop = scf::ForOp::create(
      b, loc, arith::ConstantIndexOp::create(b, loc, 0),
      arith::ConstantIndexOp::create(b, loc, fullEnd),
      arith::ConstantIndexOp::create(b, loc, chunkSize), ValueRange{out, state},
      [&](OpBuilder &nb, Location nloc, Value offset, ValueRange iterArgs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        auto [o, s] = chunk(iterArgs[0], iterArgs[1],
                            chunkRows(offset, chunkSize, position));
        scf::YieldOp::create(b, nloc, ValueRange{o, s});
      });
  out = loop.getResult(0);
  state = loop.getResult(1);
  if (fullEnd < seq)
    std::tie(out, state) =
        chunk(out, state,
              chunkRows(arith::ConstantIndexOp::create(b, loc, fullEnd),
                        seq - fullEnd, position));
  return {out, state};
}

RetentionEmitter::ChunkRows
RetentionEmitter::chunkRows(Value offset, int64_t length, Value position) {
  return {rows(q, offset, length),
          rows(k, offset, length),
          rows(v, offset, length),
          offset,
          length,
          position};
}

SmallVector<Value> RetentionEmitter::lowerLoopForm(Operation *op) {
  auto [o, s] = isa<ChunkwiseOp>(op)
                    ? chunkwise(cast<ChunkwiseOp>(op).getChunkSize(),
                                cast<ChunkwiseOp>(op).getInitialState(),
                                cast<ChunkwiseOp>(op).getPosition())
                    : recurrent(cast<RecurrentOp>(op).getState(),
                                cast<RecurrentOp>(op).getPosition());
  return {o, s};
}

std::pair<Value, Value> RetentionEmitter::step(Value out, Value state, Value t,
                                               Value position) {
  Value qt = rows(q, t, 1);
  Value next = stepState(state, rows(k, t, 1), rows(v, t, 1));
  Value qs = contract(qt, {0, 1, 2, 3}, next, {0, 1, 3, 4},
                      zeros({batch, heads, 1, valueDim}), {0, 1, 2, 4},
                      kInnerParallel);
  Value ot = scaleRows(qs, rowFactors(1, position, t));
  return {insertRows(ot, out, t), next};
}

std::pair<Value, Value> RetentionEmitter::recurrent(Value state,
                                                    Value position) {
  Value out = emptyTensor({batch, heads, seq, valueDim}, outElemType);
  auto loop = scf::ForOp::create(
      b, loc, arith::ConstantIndexOp::create(b, loc, 0),
      arith::ConstantIndexOp::create(b, loc, seq),
      arith::ConstantIndexOp::create(b, loc, 1), ValueRange{out, state},
      [&](OpBuilder &nb, Location nloc, Value t, ValueRange iterArgs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        auto [o, s] = step(iterArgs[0], iterArgs[1], t, position);
        scf::YieldOp::create(b, nloc, ValueRange{o, s});
      });
  return {loop.getResult(0), loop.getResult(1)};
}

bool retnet::detail::hasStaticShapes(Operation *op) {
  auto isStatic = [](Type t) {
    auto shaped = dyn_cast<ShapedType>(t);
    return !shaped || shaped.hasStaticShape();
  };
  return llvm::all_of(op->getOperandTypes(), isStatic) &&
         llvm::all_of(op->getResultTypes(), isStatic);
}

LogicalResult
retnet::detail::checkStaticShapes(Operation *root,
                                  function_ref<bool(Operation *)> filter) {
  bool ok = true;
  root->walk([&](RetentionOpInterface op) {
    if (filter(op) && !hasStaticShapes(op)) {
      op.emitOpError("lowering to linalg requires static shapes");
      ok = false;
    }
  });
  return success(ok);
}
