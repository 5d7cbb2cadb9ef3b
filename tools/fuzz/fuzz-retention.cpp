//===- fuzz-retention.cpp - retention ops generated from bytes ------------===//
//
// Decodes the input into one retention op (form, shapes including empty and
// dynamic dims, element type, attributes, aliased operands, constant decays
// including -inf and NaN, mistyped results) built with builders in a
// function, then: verifies it; prints it and parses it back through the
// dialect's parser (optionally after overwriting bytes of the text with
// input bytes, for malformed IR); and runs one of the lowerings or form
// conversions. Every failure must be a diagnostic.
//
//===----------------------------------------------------------------------===//

#include "retnet/Conversion/Passes.h"
#include "retnet/Dialect/Retention/IR/RetentionDialect.h"
#include "retnet/Dialect/Retention/IR/RetentionOps.h"
#include "retnet/Dialect/Retention/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <limits>

using namespace mlir;
using namespace retnet;
using namespace retnet::retention;

namespace {
const DialectRegistry &registry() {
  static DialectRegistry *r = [] {
    auto *reg = new DialectRegistry();
    reg->insert<RetentionDialect, arith::ArithDialect, func::FuncDialect,
                linalg::LinalgDialect, math::MathDialect, scf::SCFDialect,
                tensor::TensorDialect>();
    return reg;
  }();
  return *r;
}

int64_t dim(FuzzedDataProvider &in) {
  uint8_t d = in.ConsumeIntegralInRange<uint8_t>(0, 31);
  if (d == 0)
    return 0; // empty: the verifier rejects it
  if (d == 1)
    return ShapedType::kDynamic; // the lowerings reject it
  return 1 + d % 6;
}

float decayValue(FuzzedDataProvider &in) {
  switch (in.ConsumeIntegralInRange<uint8_t>(0, 7)) {
  case 0:
    return -std::numeric_limits<float>::infinity(); // gamma = 0
  case 1:
    return 0.0f; // gamma = 1
  case 2:
    return std::numeric_limits<float>::quiet_NaN();
  case 3:
    return in.ConsumeFloatingPoint<float>();
  default:
    return -in.ConsumeFloatingPointInRange<float>(0.0f, 4.0f);
  }
}

/// Builds @f holding one retention op decoded from `in`.
OwningOpRef<ModuleOp> buildModule(MLIRContext &ctx, FuzzedDataProvider &in) {
  OpBuilder b(&ctx);
  Location loc = b.getUnknownLoc();
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);

  int form = in.ConsumeIntegralInRange<int>(0, 2);
  int64_t B = dim(in), H = dim(in), T = dim(in), Dk = dim(in), Dv = dim(in);
  Type elems[] = {b.getF32Type(), b.getF16Type(), b.getBF16Type()};
  Type elem = elems[in.ConsumeIntegralInRange<int>(0, 2)];
  bool aliasQKV = in.ConsumeBool();
  bool aliasState = in.ConsumeBool();
  bool constantDecay = in.ConsumeBool();
  bool withState = in.ConsumeBool();
  bool withPosition = in.ConsumeBool();
  bool badResult = in.ConsumeIntegralInRange<uint8_t>(0, 15) == 0;
  int64_t chunk = in.ConsumeIntegralInRange<int64_t>(-2, 12);
  auto norm =
      in.ConsumeBool() ? Normalization::SqrtRowSum : Normalization::None;
  FloatAttr scale;
  if (in.ConsumeBool())
    scale = b.getF32FloatAttr(
        in.ConsumeBool() ? in.ConsumeFloatingPoint<float>()
                         : in.ConsumeFloatingPointInRange<float>(0.125f, 4.0f));

  auto qType = RankedTensorType::get({B, H, T, Dk}, elem);
  auto vType = RankedTensorType::get({B, H, T, aliasQKV ? Dk : Dv}, elem);
  auto sType =
      RankedTensorType::get({B, H, Dk, vType.getDimSize(3)}, b.getF32Type());
  auto ldType = RankedTensorType::get({H}, b.getF32Type());
  auto oType =
      badResult ? RankedTensorType::get({B, H, T + 1, Dv}, elem)
                : RankedTensorType::get({B, H, T, vType.getDimSize(3)}, elem);

  SmallVector<Type> args = {qType};
  if (!aliasQKV)
    args.append({qType, vType});
  if (!constantDecay)
    args.push_back(ldType);
  bool needsState = form == 2 || withState;
  bool stateFromQ = needsState && aliasState && qType == sType;
  if (needsState && !stateFromQ)
    args.push_back(sType);
  args.push_back(b.getIndexType());

  b.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(b, loc, "f", b.getFunctionType(args, {}));
  Block *body = func.addEntryBlock();
  b.setInsertionPointToEnd(body);
  unsigned next = 0;
  Value q = body->getArgument(next++);
  Value k = aliasQKV ? q : body->getArgument(next++);
  Value v = aliasQKV ? q : body->getArgument(next++);
  Value ld;
  if (constantDecay) {
    SmallVector<float> values;
    for (int64_t h = 0, e = ShapedType::isDynamic(H) ? 1 : H; h < e; ++h)
      values.push_back(decayValue(in));
    auto type = RankedTensorType::get({int64_t(values.size())}, b.getF32Type());
    ld = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, ArrayRef<float>(values)));
    if (type != ldType)
      ld = tensor::CastOp::create(b, loc, ldType, ld);
  } else {
    ld = body->getArgument(next++);
  }
  Value state;
  if (needsState)
    state = stateFromQ ? q : body->getArgument(next++);
  Value position = body->getArgument(next++);
  if (!withPosition && form == 2)
    position = arith::ConstantIndexOp::create(b, loc, 0);

  auto normAttr = NormalizationAttr::get(&ctx, norm);
  if (form == 0) {
    // The reference implementation's divisors, or any bounds (bad ones are
    // rejected by the attribute's verifier: the op then has none).
    RowDivisorAttr rowDivisor;
    if (in.ConsumeBool()) {
      auto kind = in.ConsumeBool() ? RowDivisorKind::SumOfAbs
                                   : RowDivisorKind::AbsOfSum;
      float lo = 1.0f, hi = in.ConsumeBool()
                                ? 5e4f
                                : std::numeric_limits<float>::infinity();
      if (in.ConsumeBool()) {
        lo = in.ConsumeFloatingPoint<float>();
        hi = in.ConsumeFloatingPoint<float>();
      }
      rowDivisor =
          RowDivisorAttr::getChecked([&] { return mlir::emitError(loc); }, &ctx,
                                     kind, APFloat(lo), APFloat(hi));
    }
    ParallelOp::create(b, loc, oType, q, k, v, ld, normAttr, scale, rowDivisor);
  } else if (form == 1)
    ChunkwiseOp::create(b, loc, oType, sType, q, k, v, ld, normAttr, scale,
                        state, withPosition ? position : Value(),
                        b.getI64IntegerAttr(chunk));
  else
    RecurrentOp::create(b, loc, oType, sType, q, k, v, ld, normAttr, scale,
                        state, position);
  func::ReturnOp::create(b, loc);
  return module;
}

void lower(ModuleOp module, FuzzedDataProvider &in) {
  PassManager pm(module.getContext());
  switch (in.ConsumeIntegralInRange<int>(0, 4)) {
  case 0:
    pm.addPass(createConvertRetentionToLinalgPass());
    break;
  case 1:
    pm.addPass(createRetentionTilePass());
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createRetentionFuseDecayPass());
    break;
  case 2:
    pm.addPass(createRetentionParallelToChunkwisePass(
        {in.ConsumeIntegralInRange<int64_t>(-1, 10)}));
    pm.addPass(createConvertRetentionToLinalgPass());
    break;
  case 3:
    pm.addPass(createRetentionToRecurrentPass());
    pm.addPass(createRetentionFuseDecayPass());
    break;
  default:
    pm.addPass(createRetentionChunkwiseToParallelPass());
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createConvertRetentionToLinalgPass());
    break;
  }
  (void)pm.run(module);
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FuzzedDataProvider in(data, size);
  MLIRContext ctx(registry(), MLIRContext::Threading::DISABLED);
  ctx.loadAllAvailableDialects();
  ScopedDiagnosticHandler quiet(&ctx, [](Diagnostic &) { return success(); });

  OwningOpRef<ModuleOp> built = buildModule(ctx, in);
  if (failed(verify(*built)))
    return 0;
  std::string text;
  llvm::raw_string_ostream(text) << *built;
  // Malformed IR: overwrite a few bytes of the printed op.
  for (int i = 0, n = in.ConsumeIntegralInRange<int>(0, 3); i < n; ++i)
    text[in.ConsumeIntegralInRange<size_t>(0, text.size() - 1)] =
        in.ConsumeIntegral<char>();
  OwningOpRef<ModuleOp> parsed = parseSourceString<ModuleOp>(text, &ctx);
  if (!parsed)
    return 0;
  lower(*parsed, in);
  return 0;
}
