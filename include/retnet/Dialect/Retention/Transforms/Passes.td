//===- Passes.td - retention transformation passes ---------*- tablegen -*-===//
#ifndef RETNET_DIALECT_RETENTION_TRANSFORMS_PASSES_TD
#define RETNET_DIALECT_RETENTION_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def RetentionParallelToChunkwisePass : Pass<"retention-parallel-to-chunkwise"> {
  let summary = "Rewrite retention.parallel as retention.chunkwise";
  let description = [{
    Replaces every `retention.parallel` by a `retention.chunkwise` with no
    initial state and the given chunk size; the final state is left unused.
    The two compute the same function (the chunk size need not divide T).
  }];
  let dependentDialects = ["::retnet::retention::RetentionDialect"];
  let options = [
    Option<"chunkSize", "chunk-size", "int64_t", /*default=*/"64",
           "Rows per chunk (must be positive)">
  ];
}

def RetentionToRecurrentPass : Pass<"retention-to-recurrent"> {
  let summary = "Rewrite retention.parallel and retention.chunkwise as "
                "retention.recurrent";
  let description = [{
    Replaces every `retention.parallel` and `retention.chunkwise` by a
    `retention.recurrent` over all T steps. A missing initial state becomes a
    zero state and a missing position the constant 0.
  }];
  let dependentDialects = ["::retnet::retention::RetentionDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

def RetentionChunkwiseToParallelPass : Pass<"retention-chunkwise-to-parallel"> {
  let summary = "Rewrite retention.chunkwise as retention.parallel where "
                "they are the same function";
  let description = [{
    Replaces a `retention.chunkwise` by a `retention.parallel` when it starts
    from the zero state at position 0 and its final state is unused, the only
    case the parallel form can express. Other chunkwise ops stay as they are
    and each gets a remark saying why.
  }];
  let dependentDialects = ["::retnet::retention::RetentionDialect"];
}

#endif // RETNET_DIALECT_RETENTION_TRANSFORMS_PASSES_TD
