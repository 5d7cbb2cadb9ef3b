//===- RetentionTransformOps.cpp - transform ops on retention -------------===//

#include "retnet/Dialect/Retention/TransformOps/RetentionTransformOps.h"
#include "retnet/Conversion/RetentionToLinalg/RetentionToLinalg.h"
#include "retnet/Dialect/Retention/IR/RetentionDialect.h"
#include "retnet/Dialect/Retention/Transforms/Transforms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace retnet::retention;
using namespace retnet::retention::transform;

//===----------------------------------------------------------------------===//
// ConvertToChunkwiseOp
//===----------------------------------------------------------------------===//

LogicalResult ConvertToChunkwiseOp::verify() {
  if (getChunkSize() < 1)
    return emitOpError() << "expects a positive chunk_size, got "
                         << getChunkSize();
  return success();
}

DiagnosedSilenceableFailure ConvertToChunkwiseOp::applyToOne(
    mlir::transform::TransformRewriter &rewriter, ParallelOp target,
    mlir::transform::ApplyToEachResultList &results,
    mlir::transform::TransformState &) {
  FailureOr<ChunkwiseOp> chunkwise =
      convertParallelToChunkwise(rewriter, target, getChunkSize());
  if (failed(chunkwise)) {
    DiagnosedSilenceableFailure diag =
        emitSilenceableError()
        << "cannot convert to the chunkwise form: " << whyOnlyParallel(target);
    diag.attachNote(target->getLoc()) << "when applied to this op";
    return diag;
  }
  results.push_back(*chunkwise);
  return DiagnosedSilenceableFailure::success();
}

//===----------------------------------------------------------------------===//
// ConvertToRecurrentOp
//===----------------------------------------------------------------------===//

DiagnosedSilenceableFailure ConvertToRecurrentOp::applyToOne(
    mlir::transform::TransformRewriter &rewriter, Operation *target,
    mlir::transform::ApplyToEachResultList &results,
    mlir::transform::TransformState &) {
  auto op = dyn_cast<RetentionOpInterface>(target);
  if (auto parallel = dyn_cast<ParallelOp>(target))
    if (const char *why = whyOnlyParallel(parallel)) {
      DiagnosedSilenceableFailure diag =
          emitSilenceableError()
          << "cannot convert to the recurrent form: " << why;
      diag.attachNote(target->getLoc()) << "when applied to this op";
      return diag;
    }
  FailureOr<RecurrentOp> rec =
      op ? convertToRecurrent(rewriter, op) : FailureOr<RecurrentOp>();
  if (failed(rec)) {
    DiagnosedSilenceableFailure diag =
        emitSilenceableError()
        << "expects a retention.parallel or retention.chunkwise op, got "
        << target->getName();
    diag.attachNote(target->getLoc()) << "when applied to this op";
    return diag;
  }
  results.push_back(*rec);
  return DiagnosedSilenceableFailure::success();
}

//===----------------------------------------------------------------------===//
// ConvertToParallelOp
//===----------------------------------------------------------------------===//

DiagnosedSilenceableFailure
ConvertToParallelOp::applyToOne(mlir::transform::TransformRewriter &rewriter,
                                ChunkwiseOp target,
                                mlir::transform::ApplyToEachResultList &results,
                                mlir::transform::TransformState &) {
  if (const char *why = whyNotParallel(target)) {
    DiagnosedSilenceableFailure diag = emitSilenceableError()
                                       << "cannot convert to the parallel "
                                          "form: "
                                       << why;
    diag.attachNote(target.getLoc()) << "the chunkwise op";
    return diag;
  }
  results.push_back(*convertChunkwiseToParallel(rewriter, target));
  return DiagnosedSilenceableFailure::success();
}

//===----------------------------------------------------------------------===//
// FuseDecayOp
//===----------------------------------------------------------------------===//

DiagnosedSilenceableFailure
FuseDecayOp::applyToOne(mlir::transform::TransformRewriter &rewriter,
                        Operation *target,
                        mlir::transform::ApplyToEachResultList &,
                        mlir::transform::TransformState &) {
  if (failed(retnet::lowerRetentionFuseDecay(rewriter, target))) {
    DiagnosedSilenceableFailure diag =
        emitSilenceableError() << "expects a retention.chunkwise or "
                                  "retention.recurrent op with static shapes, "
                                  "got "
                               << target->getName();
    diag.attachNote(target->getLoc()) << "when applied to this op";
    return diag;
  }
  return DiagnosedSilenceableFailure::success();
}

//===----------------------------------------------------------------------===//
// Registration
//===----------------------------------------------------------------------===//

#define GET_OP_CLASSES
#include "retnet/Dialect/Retention/TransformOps/RetentionTransformOps.cpp.inc"

namespace {
class RetentionTransformDialectExtension
    : public mlir::transform::TransformDialectExtension<
          RetentionTransformDialectExtension> {
public:
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(
      RetentionTransformDialectExtension)

  using Base::Base;

  void init() {
    declareDependentDialect<RetentionDialect>();
    declareGeneratedDialect<arith::ArithDialect>();
    declareGeneratedDialect<linalg::LinalgDialect>();
    declareGeneratedDialect<math::MathDialect>();
    declareGeneratedDialect<scf::SCFDialect>();
    declareGeneratedDialect<tensor::TensorDialect>();
    registerTransformOps<
#define GET_OP_LIST
#include "retnet/Dialect/Retention/TransformOps/RetentionTransformOps.cpp.inc"
        >();
  }
};
} // namespace

void retnet::retention::registerTransformDialectExtension(
    DialectRegistry &registry) {
  registry.addExtensions<RetentionTransformDialectExtension>();
}
