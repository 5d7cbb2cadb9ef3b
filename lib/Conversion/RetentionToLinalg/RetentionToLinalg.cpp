//===- RetentionToLinalg.cpp - reference lowering of retention ops --------===//
//
// Lowers the three retention forms to linalg.generic contractions and
// elementwise ops on tensors, with scf.for loops for the chunk and step
// recurrences. This is the executable definition of the dialect: simple,
// f32-accumulating, and checked against an independent numpy reference.
//
//===----------------------------------------------------------------------===//

#include "retnet/Conversion/RetentionToLinalg/RetentionToLinalg.h"
#include "RetentionEmitter.h"

#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace retnet {
#define GEN_PASS_DEF_CONVERTRETENTIONTOLINALGPASS
#include "retnet/Conversion/Passes.h.inc"
} // namespace retnet

using namespace mlir;
using namespace retnet::retention;
using namespace retnet::detail;

namespace {
/// The reference computation: the parallel form materialises its T x T
/// weights; chunks apply every decay power where it is used.
class ReferenceEmitter : public RetentionEmitter {
public:
  using RetentionEmitter::RetentionEmitter;
  Value parallel();

protected:
  std::pair<Value, Value> chunk(Value out, Value state,
                                const ChunkRows &slice) override;
};
} // namespace

Value ReferenceEmitter::parallel() {
  // scores[b,h,n,m] = q[b,h,n,:] . k[b,h,m,:]
  Value scores = contract(q, {0, 1, 2, 4}, k, {0, 1, 3, 4},
                          zeros({batch, heads, seq, seq}));
  Value zeroIdx = arith::ConstantIndexOp::create(b, loc, 0);
  Value weights =
      applyCausalDecay(scores, rowFactors(seq, /*position=*/nullptr, zeroIdx));
  // o[b,h,n,e] = sum_m weights[b,h,n,m] v[b,h,m,e]
  Value o = contract(weights, {0, 1, 2, 4}, v, {0, 1, 4, 3},
                     zeros({batch, heads, seq, valueDim}));
  if (rowDivisor)
    return divideByRowSum(
        o, accumulateRowSum(weights, zeros({batch, heads, seq})));
  if (outElemType.isF32())
    return o;
  return generic({o}, emptyTensor({batch, heads, seq, valueDim}, outElemType),
                 {dims({0, 1, 2, 3}), dims({0, 1, 2, 3})},
                 {kPar, kPar, kPar, kPar},
                 [&](OpBuilder &nb, Location nloc, ValueRange args) {
                   return castOut(nb, nloc, args[0]);
                 });
}

std::pair<Value, Value> ReferenceEmitter::chunk(Value out, Value state,
                                                const ChunkRows &slice) {
  Value qc = slice.q, kc = slice.k, vc = slice.v, offset = slice.offset;
  int64_t length = slice.length;

  // inner = (Q K^T * Gamma) V within the chunk.
  Value scores = contract(qc, {0, 1, 2, 4}, kc, {0, 1, 3, 4},
                          zeros({batch, heads, length, length}));
  Value inner = contract(applyCausalDecay(scores, Value()), {0, 1, 2, 4}, vc,
                         {0, 1, 4, 3}, zeros({batch, heads, length, valueDim}));
  // cross = Q S_{j-1}, scaled below by xi[a] = gamma^(a+1).
  Value cross = contract(qc, {0, 1, 2, 4}, state, {0, 1, 4, 3},
                         zeros({batch, heads, length, valueDim}));
  Value oc = generic(
      {inner, cross, logDecay, rowFactors(length, slice.position, offset)},
      emptyTensor({batch, heads, length, valueDim}, outElemType),
      {dims({0, 1, 2, 3}), dims({0, 1, 2, 3}), dims({1}), dims({1, 2}),
       dims({0, 1, 2, 3})},
      {kPar, kPar, kPar, kPar},
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value a = linalg::IndexOp::create(nb, nloc, 2);
        Value a1 = arith::AddIOp::create(
            nb, nloc, a, arith::ConstantIndexOp::create(nb, nloc, 1));
        Value xcross = arith::MulFOp::create(nb, nloc, args[1],
                                             decayPow(nb, nloc, a1, args[2]));
        Value sum = arith::AddFOp::create(nb, nloc, args[0], xcross);
        return castOut(nb, nloc, arith::MulFOp::create(nb, nloc, sum, args[3]));
      });
  out = insertRows(oc, out, offset);

  // S_j = gamma^L S_{j-1} + sum_c gamma^(L-1-c) k_c^T v_c.
  Value decayed = decayState(state, length);
  Value next = generic(
      {kc, vc, logDecay}, decayed,
      {dims({0, 1, 4, 2}), dims({0, 1, 4, 3}), dims({1}), dims({0, 1, 2, 3})},
      {kPar, kPar, kPar, kPar, kRed},
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        Value c = linalg::IndexOp::create(nb, nloc, 4);
        Value last = arith::ConstantIndexOp::create(nb, nloc, length - 1);
        Value zeta = decayPow(
            nb, nloc, arith::SubIOp::create(nb, nloc, last, c), args[2]);
        Value kv = arith::MulFOp::create(nb, nloc, toF32(nb, nloc, args[0]),
                                         toF32(nb, nloc, args[1]));
        return arith::AddFOp::create(nb, nloc, args[3],
                                     arith::MulFOp::create(nb, nloc, kv, zeta));
      });
  return {out, next};
}

namespace {
struct AnyForm {
  bool operator()(Operation *) const { return true; }
};
struct ReferenceLowering {
  SmallVector<Value> operator()(OpBuilder &b, Operation *op) const {
    ReferenceEmitter emitter(b, op);
    if (isa<ParallelOp>(op))
      return {emitter.parallel()};
    return emitter.lowerLoopForm(op);
  }
};

struct ConvertRetentionToLinalgPass
    : retnet::impl::ConvertRetentionToLinalgPassBase<
          ConvertRetentionToLinalgPass> {
  void runOnOperation() override {
    if (failed(checkStaticShapes(getOperation(), AnyForm())))
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    retnet::populateRetentionToLinalgPatterns(patterns);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};
} // namespace

void retnet::populateRetentionToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerRetentionPattern<ReferenceLowering, AnyForm>>(
      patterns.getContext());
}
