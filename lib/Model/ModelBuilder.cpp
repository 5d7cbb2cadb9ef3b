//===- ModelBuilder.cpp - the RetNet decoder as MLIR ----------------------===//
//
// Builds the decoder with OpBuilder: linalg, tensor, scf, arith, math and
// retention ops on tensors in one func.func @forward.
//
// The graph is target neutral: matrix products are linalg.matmul on the
// weights as torch stores them ([out, in], stacked over layers), with no
// tiling, layout or target attributes; code generation (Codegen/CPU, next
// Codegen/GPU) decides those.
//
//===----------------------------------------------------------------------===//

#include "retnet/Model/ModelBuilder.h"
#include "retnet/Dialect/Retention/IR/RetentionOps.h"
#include "retnet/Support/EntrySignature.h"
#include "retnet/Support/Extents.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace llvm;
using namespace mlir;
using namespace retnet;
using namespace retnet::model;
using utils::IteratorType;

namespace {
/// Generation's prefill (lastLogitsOnly) builds the last layer on its own
/// for prompts of at least this many positions. Its second layer body adds
/// 0.4-0.7 s to compiling the base shape's 2048-token prefill and about 1 s
/// to an 8-token one (measured 2026-12-06), while it saves five products
/// over T - 1 rows: only long prompts are worth it.
constexpr int64_t kLastLayerAloneMinRows = 512;

constexpr IteratorType kPar = IteratorType::parallel;
constexpr IteratorType kRed = IteratorType::reduction;

using BodyFn = llvm::function_ref<Value(OpBuilder &, ValueRange)>;

/// One input or output of a linalg.generic: the value and the results of its
/// indexing map (over the generic's loops).
struct Operand {
  Value value;
  SmallVector<AffineExpr> map;
};

class GraphBuilder {
public:
  GraphBuilder(MLIRContext &ctx, const Config &c, const ForwardShape &s)
      : b(&ctx), loc(b.getUnknownLoc()), c(c), s(s), M(s.batch * s.seq) {}
  OwningOpRef<ModuleOp> build();

private:
  RankedTensorType type(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, b.getF32Type());
  }
  Value empty(ArrayRef<int64_t> shape) {
    return tensor::EmptyOp::create(b, loc, shape, b.getF32Type());
  }
  Value zeros(ArrayRef<int64_t> shape) {
    return linalg::FillOp::create(b, loc, cst0, empty(shape)).getResult(0);
  }
  /// d_i for each i of `dims`.
  SmallVector<AffineExpr> dims(ArrayRef<unsigned> positions) {
    return llvm::map_to_vector(
        positions, [&](unsigned p) { return b.getAffineDimExpr(p); });
  }
  /// A linalg.generic with one result; `body` receives the block arguments
  /// (inputs, then the init) and returns the yielded value.
  Value generic(ArrayRef<Operand> ins, const Operand &init,
                ArrayRef<IteratorType> iters, BodyFn body) {
    SmallVector<Value> inputs;
    SmallVector<AffineMap> maps;
    for (const Operand &o : ins) {
      inputs.push_back(o.value);
      maps.push_back(AffineMap::get(iters.size(), 0, o.map, b.getContext()));
    }
    maps.push_back(AffineMap::get(iters.size(), 0, init.map, b.getContext()));
    auto op = linalg::GenericOp::create(
        b, loc, init.value.getType(), inputs, init.value, maps, iters,
        [&](OpBuilder &nb, Location, ValueRange args) {
          linalg::YieldOp::create(nb, loc, body(nb, args));
        });
    return op.getResult(0);
  }
  static Value fconst(OpBuilder &nb, Location l, double x) {
    return arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(float(x)));
  }

  /// x [M, K] times the weight w [N, K] (transposed).
  Value matmul(Value x, Value w, int64_t N);
  /// The type of a K -> N Linear weight [N, K] stacked over the layers.
  RankedTensorType stacked(int64_t K, int64_t N) {
    return RankedTensorType::get({c.layers, N, K}, weightElementType());
  }
  Type weightElementType() {
    switch (s.weightType) {
    case WeightType::F32:
      return b.getF32Type();
    case WeightType::BF16:
      return b.getBF16Type();
    case WeightType::F16:
      return b.getF16Type();
    }
    llvm_unreachable("unknown weight type");
  }
  Value rmsNorm(Value x, int64_t n, Value w, SmallVector<AffineExpr> wMap);
  Value sliceLayer(Value stackedWeight, ArrayRef<int64_t> perLayer);
  Value swish(OpBuilder &nb, Value a);
  Value residual(Value res, Value add);
  Value rotary(Value t);
  /// Row T - 1 of each sequence of a [B * T, n] value: [B, n].
  Value lastRows(Value t);
  /// One layer on x [B * T, d]; with `lastRowsOnly`, the output holds each
  /// sequence's last row only ([B, d]): the state still takes every row,
  /// everything after the retention op only the last ones.
  Value layer(Value x, Value &state, bool lastRowsOnly);

  OpBuilder b;
  Location loc;
  const Config &c;
  const ForwardShape &s;
  int64_t M;
  // Values of @forward used across the layer body.
  Value cst0, cst1, eps, alpha, c0, pos, layerIdx, logDecay, rotCos, rotSin;
  Value wq, wk, wv, wg, wo, normRet, normFfn, w1, wgate, w2;
};

Value GraphBuilder::matmul(Value x, Value w, int64_t N) {
  // x [rows, K] times the torch Linear weight w [N, K], transposed.
  int64_t rows = cast<RankedTensorType>(x.getType()).getDimSize(0);
  MLIRContext *ctx = b.getContext();
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  auto map = [&](ArrayRef<AffineExpr> results) -> Attribute {
    return AffineMapAttr::get(AffineMap::get(3, 0, results, ctx));
  };
  NamedAttribute maps(b.getStringAttr("indexing_maps"),
                      b.getArrayAttr({map({m, k}), map({n, k}), map({m, n})}));
  return linalg::MatmulOp::create(
             b, loc, TypeRange{type({rows, N})}, ValueRange{x, w},
             ValueRange{zeros({rows, N})}, ArrayRef<NamedAttribute>{maps})
      .getResult(0);
}

Value GraphBuilder::rmsNorm(Value x, int64_t n, Value w,
                            SmallVector<AffineExpr> wMap) {
  int64_t rows = cast<RankedTensorType>(x.getType()).getDimSize(0);
  Value sumsq = generic({{x, dims({0, 1})}}, {zeros({rows}), dims({0})},
                        {kPar, kRed}, [&](OpBuilder &nb, ValueRange a) {
                          Value sq = arith::MulFOp::create(nb, loc, a[0], a[0]);
                          return arith::AddFOp::create(nb, loc, a[1], sq);
                        });
  return generic({{x, dims({0, 1})}, {sumsq, dims({0})}, {w, wMap}},
                 {empty({rows, n}), dims({0, 1})}, {kPar, kPar},
                 [&](OpBuilder &nb, ValueRange a) -> Value {
                   Value mean = arith::MulFOp::create(
                       nb, loc, a[1], fconst(nb, loc, 1.0 / double(n)));
                   Value ms = arith::AddFOp::create(nb, loc, mean, eps);
                   Value rs = math::RsqrtOp::create(nb, loc, ms);
                   Value y = arith::MulFOp::create(nb, loc, a[0], rs);
                   return arith::MulFOp::create(nb, loc, y, a[2]);
                 });
}

Value GraphBuilder::sliceLayer(Value stackedWeight,
                               ArrayRef<int64_t> perLayer) {
  SmallVector<OpFoldResult> offsets = {layerIdx}, sizes = {b.getIndexAttr(1)},
                            strides = {b.getIndexAttr(1)};
  for (int64_t d : perLayer) {
    offsets.push_back(b.getIndexAttr(0));
    sizes.push_back(b.getIndexAttr(d));
    strides.push_back(b.getIndexAttr(1));
  }
  auto sliceType = RankedTensorType::get(
      perLayer, getElementTypeOrSelf(stackedWeight.getType()));
  return tensor::ExtractSliceOp::create(b, loc, sliceType, stackedWeight,
                                        offsets, sizes, strides);
}

Value GraphBuilder::swish(OpBuilder &nb, Value a) {
  Value neg = arith::NegFOp::create(nb, loc, a);
  Value e = math::ExpOp::create(nb, loc, neg);
  Value den = arith::AddFOp::create(nb, loc, e, cst1);
  return arith::DivFOp::create(nb, loc, a, den);
}

Value GraphBuilder::residual(Value res, Value add) {
  ArrayRef<int64_t> shape = cast<RankedTensorType>(res.getType()).getShape();
  return generic({{res, dims({0, 1})}, {add, dims({0, 1})}},
                 {empty(shape), dims({0, 1})}, {kPar, kPar},
                 [&](OpBuilder &nb, ValueRange a) -> Value {
                   Value scaled = arith::MulFOp::create(nb, loc, a[0], alpha);
                   return arith::AddFOp::create(nb, loc, scaled, a[1]);
                 });
}

/// Heads split and theta shift: [M, d] -> [B, H, T, dk], rotating pairs.
Value GraphBuilder::rotary(Value t) {
  int64_t B = s.batch, T = s.seq, H = c.heads, dk = c.keyHeadDim();
  Value split = tensor::ExpandShapeOp::create(
      b, loc, type({B, T, H, dk / 2, 2}), t,
      {ReassociationIndices{0, 1}, ReassociationIndices{2, 3, 4}});
  AffineExpr zero = b.getAffineConstantExpr(0),
             one = b.getAffineConstantExpr(1);
  SmallVector<AffineExpr> x0 = dims({0, 2, 1, 3}), x1 = x0;
  x0.push_back(zero);
  x1.push_back(one);
  Value rotated =
      generic({{split, x0},
               {split, x1},
               {rotCos, dims({2, 3})},
               {rotSin, dims({2, 3})}},
              {empty({B, H, T, dk / 2, 2}), dims({0, 1, 2, 3, 4})},
              {kPar, kPar, kPar, kPar, kPar},
              [&](OpBuilder &nb, ValueRange a) -> Value {
                Value pair = linalg::IndexOp::create(nb, loc, 4);
                Value first = arith::CmpIOp::create(
                    nb, loc, arith::CmpIPredicate::eq, pair, c0);
                Value x0c = arith::MulFOp::create(nb, loc, a[0], a[2]);
                Value x1s = arith::MulFOp::create(nb, loc, a[1], a[3]);
                Value x1c = arith::MulFOp::create(nb, loc, a[1], a[2]);
                Value x0s = arith::MulFOp::create(nb, loc, a[0], a[3]);
                Value r0 = arith::SubFOp::create(nb, loc, x0c, x1s);
                Value r1 = arith::AddFOp::create(nb, loc, x1c, x0s);
                return arith::SelectOp::create(nb, loc, first, r0, r1);
              });
  return tensor::CollapseShapeOp::create(
      b, loc, type({B, H, T, dk}), rotated,
      {ReassociationIndices{0}, ReassociationIndices{1},
       ReassociationIndices{2}, ReassociationIndices{3, 4}});
}

Value GraphBuilder::lastRows(Value t) {
  int64_t B = s.batch, T = s.seq,
          n = cast<RankedTensorType>(t.getType()).getDimSize(1);
  Value seqs = tensor::ExpandShapeOp::create(
      b, loc, type({B, T, n}), t,
      {ReassociationIndices{0, 1}, ReassociationIndices{2}});
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(T - 1),
                                       b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(B), b.getIndexAttr(1),
                                     b.getIndexAttr(n)};
  SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, type({B, n}), seqs, offsets,
                                        sizes, strides);
}

Value GraphBuilder::layer(Value x, Value &state, bool lastRowsOnly) {
  int64_t d = c.embedDim, vd = c.valueEmbedDim, f = c.ffnDim, H = c.heads,
          dk = c.keyHeadDim(), dv = c.valueHeadDim(), B = s.batch, T = s.seq;
  Value lq = sliceLayer(wq, {d, d}), lk = sliceLayer(wk, {d, d}),
        lv = sliceLayer(wv, {vd, d}), lg = sliceLayer(wg, {vd, d}),
        lo = sliceLayer(wo, {d, vd}), l1 = sliceLayer(w1, {f, d}),
        lgate = sliceLayer(wgate, {f, d}), l2 = sliceLayer(w2, {d, f}),
        ln1 = sliceLayer(normRet, {d}), ln2 = sliceLayer(normFfn, {d});

  // Multi-scale retention on RMSNorm(x).
  Value h = rmsNorm(x, d, ln1, dims({1}));
  Value q = matmul(h, lq, d), k = matmul(h, lk, d), v = matmul(h, lv, vd),
        g = matmul(lastRowsOnly ? lastRows(h) : h, lg, vd);
  Value qh = rotary(q), kh = rotary(k);
  Value vsplit = tensor::ExpandShapeOp::create(
      b, loc, type({B, T, H, dv}), v,
      {ReassociationIndices{0, 1}, ReassociationIndices{2, 3}});
  Value vh = generic({{vsplit, dims({0, 2, 1, 3})}},
                     {empty({B, H, T, dv}), dims({0, 1, 2, 3})},
                     {kPar, kPar, kPar, kPar},
                     [](OpBuilder &, ValueRange a) { return a[0]; });

  // Retention; k * dk^-0.5 is the op's score scale.
  auto norm = retention::NormalizationAttr::get(
      b.getContext(), retention::Normalization::SqrtRowSum);
  FloatAttr scale = b.getF32FloatAttr(float(1.0 / std::sqrt(double(dk))));
  Value r;
  if (s.form == Form::Parallel) {
    r = retention::ParallelOp::create(b, loc, type({B, H, T, dv}), qh, kh, vh,
                                      logDecay, norm, scale,
                                      /*row_divisor=*/nullptr);
  } else {
    OpFoldResult one = b.getIndexAttr(1), zero = b.getIndexAttr(0);
    SmallVector<OpFoldResult> offsets = {layerIdx, zero, zero, zero, zero};
    SmallVector<OpFoldResult> sizes = {one, b.getIndexAttr(B),
                                       b.getIndexAttr(H), b.getIndexAttr(dk),
                                       b.getIndexAttr(dv)};
    SmallVector<OpFoldResult> strides(5, one);
    RankedTensorType stateType = type({B, H, dk, dv});
    Value s0 = tensor::ExtractSliceOp::create(b, loc, stateType, state, offsets,
                                              sizes, strides);
    Operation *op;
    if (s.form == Form::Chunkwise)
      op = retention::ChunkwiseOp::create(
          b, loc, type({B, H, T, dv}), stateType, qh, kh, vh, logDecay, norm,
          scale, s0, pos, b.getI64IntegerAttr(std::min(s.chunk, T)));
    else
      op = retention::RecurrentOp::create(b, loc, type({B, H, T, dv}),
                                          stateType, qh, kh, vh, logDecay, norm,
                                          scale, s0, pos);
    r = op->getResult(0);
    state = tensor::InsertSliceOp::create(b, loc, op->getResult(1), state,
                                          offsets, sizes, strides);
  }

  // Past the retention op only the kept rows: each sequence's last with
  // lastRowsOnly.
  int64_t rows = T;
  if (lastRowsOnly) {
    rows = 1;
    SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(0),
                                         b.getIndexAttr(T - 1),
                                         b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(B), b.getIndexAttr(H),
                                       b.getIndexAttr(1), b.getIndexAttr(dv)};
    SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
    r = tensor::ExtractSliceOp::create(b, loc, type({B, H, 1, dv}), r, offsets,
                                       sizes, strides);
    x = lastRows(x);
  }

  // Per-head RMSNorm over dv (no affine), back to [B * rows, vd].
  Value ss =
      generic({{r, dims({0, 1, 2, 3})}}, {zeros({B, H, rows}), dims({0, 1, 2})},
              {kPar, kPar, kPar, kRed}, [&](OpBuilder &nb, ValueRange a) {
                Value sq = arith::MulFOp::create(nb, loc, a[0], a[0]);
                return arith::AddFOp::create(nb, loc, a[1], sq);
              });
  Value yh = generic({{r, dims({0, 2, 1, 3})}, {ss, dims({0, 2, 1})}},
                     {empty({B, rows, H, dv}), dims({0, 1, 2, 3})},
                     {kPar, kPar, kPar, kPar},
                     [&](OpBuilder &nb, ValueRange a) -> Value {
                       Value mean = arith::MulFOp::create(
                           nb, loc, a[1], fconst(nb, loc, 1.0 / double(dv)));
                       Value ms = arith::AddFOp::create(nb, loc, mean, eps);
                       Value rs = math::RsqrtOp::create(nb, loc, ms);
                       return arith::MulFOp::create(nb, loc, a[0], rs);
                     });
  Value y = tensor::CollapseShapeOp::create(
      b, loc, type({B * rows, vd}), yh,
      {ReassociationIndices{0, 1}, ReassociationIndices{2, 3}});

  // swish(g) * y, output projection, residual.
  Value gated =
      generic({{g, dims({0, 1})}, {y, dims({0, 1})}},
              {empty({B * rows, vd}), dims({0, 1})}, {kPar, kPar},
              [&](OpBuilder &nb, ValueRange a) -> Value {
                return arith::MulFOp::create(nb, loc, swish(nb, a[0]), a[1]);
              });
  Value x1 = residual(x, matmul(gated, lo, d));

  // GLU feed-forward on RMSNorm(x1).
  Value h2 = rmsNorm(x1, d, ln2, dims({1}));
  Value a1 = matmul(h2, l1, f), b1 = matmul(h2, lgate, f);
  Value act = generic(
      {{a1, dims({0, 1})}, {b1, dims({0, 1})}},
      {empty({B * rows, f}), dims({0, 1})}, {kPar, kPar},
      [&](OpBuilder &nb, ValueRange a) -> Value {
        Value activated;
        if (c.activation == Activation::Swish) {
          activated = swish(nb, a[0]);
        } else {
          // Exact GELU: x/2 * (1 + erf(x / sqrt(2))).
          Value xs =
              arith::MulFOp::create(nb, loc, a[0], fconst(nb, loc, M_SQRT1_2));
          Value erf = math::ErfOp::create(nb, loc, xs);
          Value onePlus = arith::AddFOp::create(nb, loc, erf, cst1);
          Value half =
              arith::MulFOp::create(nb, loc, a[0], fconst(nb, loc, 0.5));
          activated = arith::MulFOp::create(nb, loc, half, onePlus);
        }
        return arith::MulFOp::create(nb, loc, activated, a[1]);
      });
  return residual(x1, matmul(act, l2, d));
}

OwningOpRef<ModuleOp> GraphBuilder::build() {
  int64_t d = c.embedDim, vd = c.valueEmbedDim, f = c.ffnDim, H = c.heads,
          dk = c.keyHeadDim(), dv = c.valueHeadDim(), B = s.batch, T = s.seq,
          L = c.layers, V = c.vocabSize;
  bool stateful = s.form != Form::Parallel;
  RankedTensorType statesType = type({L, B, H, dk, dv});
  SmallVector<Type> args = {RankedTensorType::get({B, T}, b.getI64Type()),
                            type({V, d}),
                            type({H}),
                            type({dk}),
                            type({d}),
                            stacked(d, d),
                            stacked(d, d),
                            stacked(d, vd),
                            stacked(d, vd),
                            stacked(vd, d),
                            type({L, d}),
                            type({L, d}),
                            stacked(d, f),
                            stacked(d, f),
                            stacked(f, d),
                            type({d}),
                            RankedTensorType::get({V, d}, weightElementType())};
  int64_t positions = s.lastLogitsOnly ? 1 : T;
  SmallVector<Type> results = {type({B, positions, V})};
  if (stateful) {
    args.append({statesType, b.getIndexType()});
    results.push_back(statesType);
  }

  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  b.setInsertionPointToEnd(module->getBody());
  auto func =
      func::FuncOp::create(b, loc, "forward", b.getFunctionType(args, results));
  // The caller gives its state buffer to the call: the layers update their
  // states where they are instead of copying the whole stack.
  if (stateful)
    func.setArgAttr(17, kDonatedArgAttrName, b.getUnitAttr());
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);
  Value tokens = entry->getArgument(0), embed = entry->getArgument(1);
  logDecay = entry->getArgument(2);
  Value angle = entry->getArgument(3), embedNorm = entry->getArgument(4);
  wq = entry->getArgument(5);
  wk = entry->getArgument(6);
  wv = entry->getArgument(7);
  wg = entry->getArgument(8);
  wo = entry->getArgument(9);
  normRet = entry->getArgument(10);
  normFfn = entry->getArgument(11);
  w1 = entry->getArgument(12);
  wgate = entry->getArgument(13);
  w2 = entry->getArgument(14);
  Value finalNorm = entry->getArgument(15), wout = entry->getArgument(16);

  cst0 = fconst(b, loc, 0.0);
  cst1 = fconst(b, loc, 1.0);
  eps = fconst(b, loc, c.layernormEps);
  alpha = fconst(b, loc, c.deepnorm ? std::pow(2.0 * double(L), 0.25) : 1.0);
  c0 = arith::ConstantIndexOp::create(b, loc, 0);
  pos = stateful ? entry->getArgument(18)
                 : arith::ConstantIndexOp::create(b, loc, 0).getResult();

  // Embedding (token ids were range-checked by the driver).
  Value tok = tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get({M}, b.getI64Type()), tokens,
      {ReassociationIndices{0, 1}});
  double embedScale = c.noScaleEmbedding ? 1.0 : std::sqrt(double(d));
  Value x = generic(
      {{tok, dims({0})}}, {empty({M, d}), dims({0, 1})}, {kPar, kPar},
      [&](OpBuilder &nb, ValueRange a) -> Value {
        Value id = arith::IndexCastOp::create(nb, loc, nb.getIndexType(), a[0]);
        Value j = linalg::IndexOp::create(nb, loc, 1);
        Value e = tensor::ExtractOp::create(nb, loc, embed, ValueRange{id, j});
        return arith::MulFOp::create(nb, loc, e, fconst(nb, loc, embedScale));
      });
  if (c.layernormEmbedding)
    x = rmsNorm(x, d, embedNorm, dims({1}));

  // Rotary tables at absolute positions pos + n, computed in f64 (the
  // position read unsigned and added there, as the retention ops do).
  auto table = [&](bool cosine) {
    return generic(
        {{angle, {b.getAffineDimExpr(1) * 2}}},
        {empty({T, dk / 2}), dims({0, 1})}, {kPar, kPar},
        [&](OpBuilder &nb, ValueRange a) -> Value {
          auto unsignedToF64 = [&](Value index) -> Value {
            return arith::UIToFPOp::create(
                nb, loc, nb.getF64Type(),
                arith::IndexCastUIOp::create(nb, loc, nb.getI64Type(), index));
          };
          Value pf = arith::AddFOp::create(
              nb, loc, unsignedToF64(pos),
              unsignedToF64(linalg::IndexOp::create(nb, loc, 0)));
          Value af = arith::ExtFOp::create(nb, loc, nb.getF64Type(), a[0]);
          Value th = arith::MulFOp::create(nb, loc, pf, af);
          Value tr = cosine ? math::CosOp::create(nb, loc, th).getResult()
                            : math::SinOp::create(nb, loc, th).getResult();
          return arith::TruncFOp::create(nb, loc, nb.getF32Type(), tr);
        });
  };
  rotCos = table(true);
  rotSin = table(false);

  // The layers: one loop body shared by all of them. With lastLogitsOnly
  // and a long prompt the last layer is built on its own: past its
  // retention op it computes each sequence's last row only.
  bool lastAlone = s.lastLogitsOnly && T >= kLastLayerAloneMinRows;
  int64_t looped = lastAlone ? L - 1 : L;
  SmallVector<Value> init = {x};
  if (stateful)
    init.push_back(entry->getArgument(17));
  auto loop = scf::ForOp::create(
      b, loc, c0, arith::ConstantIndexOp::create(b, loc, looped),
      arith::ConstantIndexOp::create(b, loc, 1), init);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    layerIdx = loop.getInductionVar();
    Value state = stateful ? loop.getRegionIterArg(1) : Value();
    Value next = layer(loop.getRegionIterArg(0), state, false);
    SmallVector<Value> yielded = {next};
    if (stateful)
      yielded.push_back(state);
    scf::YieldOp::create(b, loc, yielded);
  }
  Value hidden = loop.getResult(0);
  Value states = stateful ? loop.getResult(1) : Value();
  if (lastAlone) {
    // layer() slices the stacked weights and states at layerIdx.
    layerIdx = arith::ConstantIndexOp::create(b, loc, L - 1);
    hidden = layer(hidden, states, true);
  } else if (s.lastLogitsOnly) {
    hidden = lastRows(hidden);
  }

  Value xf = rmsNorm(hidden, d, finalNorm, dims({1}));
  Value logits = tensor::ExpandShapeOp::create(
      b, loc, type({B, positions, V}), matmul(xf, wout, V),
      {ReassociationIndices{0, 1}, ReassociationIndices{2}});
  SmallVector<Value> returned = {logits};
  if (stateful)
    returned.push_back(states);
  func::ReturnOp::create(b, loc, returned);
  return module;
}
} // namespace

llvm::Error retnet::model::checkForwardShape(const Config &c,
                                             const ForwardShape &shape) {
  auto fail = [](const Twine &msg) {
    return createStringError(inconvertibleErrorCode(), msg);
  };
  if (shape.batch < 1 || shape.seq < 1 || shape.chunk < 1)
    return fail(formatv("batch ({0}), sequence length ({1}) and chunk size "
                        "({2}) must be at least 1",
                        shape.batch, shape.seq, shape.chunk));
  int64_t B = shape.batch, T = shape.seq;
  int64_t widest = std::max({c.embedDim, c.valueEmbedDim, c.ffnDim});
  struct Tensor {
    const char *what;
    SmallVector<int64_t> dims;
  };
  SmallVector<Tensor> tensors = {
      {"the logits [batch, seq, vocab]", {B, T, c.vocabSize}},
      {"an activation [batch, seq, width]", {B, T, widest}},
      {"the state [layers, batch, heads, key dim, value dim]",
       {c.layers, B, c.heads, c.keyHeadDim(), c.valueHeadDim()}}};
  if (shape.form == Form::Parallel)
    tensors.push_back(
        {"the scores [batch, heads, seq, seq]", {B, c.heads, T, T}});
  for (const Tensor &t : tensors)
    if (!boundedProduct(t.dims))
      return fail(formatv("batch {0} with sequence length {1} is too large: "
                          "{2} would have more than 2^40 elements",
                          B, T, t.what));
  return Error::success();
}

OwningOpRef<ModuleOp> retnet::model::buildForward(MLIRContext &context,
                                                  const Config &config,
                                                  const ForwardShape &shape) {
  context.loadDialect<arith::ArithDialect, func::FuncDialect,
                      linalg::LinalgDialect, math::MathDialect,
                      retention::RetentionDialect, scf::SCFDialect,
                      tensor::TensorDialect>();
  return GraphBuilder(context, config, shape).build();
}
