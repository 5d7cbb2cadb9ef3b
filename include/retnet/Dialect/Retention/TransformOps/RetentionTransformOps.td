//===- RetentionTransformOps.td - transform ops on retention -*- tablegen -*-===//
#ifndef RETNET_DIALECT_RETENTION_TRANSFORMOPS_TD
#define RETNET_DIALECT_RETENTION_TRANSFORMOPS_TD

include "mlir/Dialect/Transform/IR/TransformDialect.td"
include "mlir/Dialect/Transform/Interfaces/TransformInterfaces.td"
include "mlir/Dialect/Transform/IR/TransformTypes.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/OpBase.td"

class RetentionTransformOp<string mnemonic, list<Trait> traits = []>
    : Op<Transform_Dialect, "retention." # mnemonic,
         !listconcat([FunctionalStyleTransformOpTrait, MemoryEffectsOpInterface,
                      TransformEachOpTrait, TransformOpInterface,
                      ReportTrackingListenerFailuresOpTrait], traits)> {
  let cppNamespace = "::retnet::retention::transform";
}

def ConvertToChunkwiseOp : RetentionTransformOp<"convert_to_chunkwise"> {
  let summary = "Rewrite retention.parallel ops as retention.chunkwise";
  let description = [{
    Replaces each `retention.parallel` op of `target` by a
    `retention.chunkwise` op with `chunk_size` rows per chunk, no initial
    state and an unused final state (the same function). Returns the new
    ops. Fails definitely on a payload op that is not `retention.parallel`
    or a chunk size below 1.
  }];
  let arguments = (ins TransformHandleTypeInterface:$target,
                       I64Attr:$chunk_size);
  let results = (outs TransformHandleTypeInterface:$transformed);
  let assemblyFormat = [{
    $target `chunk_size` `=` $chunk_size attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::DiagnosedSilenceableFailure applyToOne(
        ::mlir::transform::TransformRewriter &rewriter,
        ::retnet::retention::ParallelOp target,
        ::mlir::transform::ApplyToEachResultList &results,
        ::mlir::transform::TransformState &state);
  }];
}

def ConvertToRecurrentOp : RetentionTransformOp<"convert_to_recurrent"> {
  let summary = "Rewrite parallel and chunkwise retention as recurrent";
  let description = [{
    Replaces each parallel or chunkwise retention op of `target` by the
    recurrent op over its rows, from its initial state (zero if none) at
    its position (0 if none). Returns the new ops. A payload op that is
    not a parallel or chunkwise retention op is a silenceable failure.
  }];
  let arguments = (ins TransformHandleTypeInterface:$target);
  let results = (outs TransformHandleTypeInterface:$transformed);
  let assemblyFormat = "$target attr-dict `:` functional-type(operands, results)";
  let extraClassDeclaration = [{
    ::mlir::DiagnosedSilenceableFailure applyToOne(
        ::mlir::transform::TransformRewriter &rewriter,
        ::mlir::Operation *target,
        ::mlir::transform::ApplyToEachResultList &results,
        ::mlir::transform::TransformState &state);
  }];
}

def ConvertToParallelOp : RetentionTransformOp<"convert_to_parallel"> {
  let summary = "Rewrite retention.chunkwise ops as retention.parallel";
  let description = [{
    Replaces each `retention.chunkwise` op of `target` that is the parallel
    function (no non-zero initial state, position 0, unused final state) by
    a `retention.parallel` op and returns the new ops. An op that is not the
    parallel function is a silenceable failure that says why.
  }];
  let arguments = (ins TransformHandleTypeInterface:$target);
  let results = (outs TransformHandleTypeInterface:$transformed);
  let assemblyFormat = "$target attr-dict `:` functional-type(operands, results)";
  let extraClassDeclaration = [{
    ::mlir::DiagnosedSilenceableFailure applyToOne(
        ::mlir::transform::TransformRewriter &rewriter,
        ::retnet::retention::ChunkwiseOp target,
        ::mlir::transform::ApplyToEachResultList &results,
        ::mlir::transform::TransformState &state);
  }];
}

def FuseDecayOp : RetentionTransformOp<"fuse_decay"> {
  let summary = "Lower chunkwise and recurrent retention with the decay fused";
  let description = [{
    Replaces each chunkwise or recurrent retention op of `target` (static
    shapes) by the decay-fused lowering of `retention-fuse-decay`: linalg on
    tensors in which no decay tensor exists. Consumes the handle. A payload
    op of another kind or with dynamic shapes is a silenceable failure.
  }];
  let arguments = (ins TransformHandleTypeInterface:$target);
  let results = (outs);
  let assemblyFormat = "$target attr-dict `:` type($target)";
  let extraClassDeclaration = [{
    ::mlir::DiagnosedSilenceableFailure applyToOne(
        ::mlir::transform::TransformRewriter &rewriter,
        ::mlir::Operation *target,
        ::mlir::transform::ApplyToEachResultList &results,
        ::mlir::transform::TransformState &state);
  }];
}

#endif // RETNET_DIALECT_RETENTION_TRANSFORMOPS_TD
