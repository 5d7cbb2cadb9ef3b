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

def RetentionTilePass : Pass<"retention-tile"> {
  let summary = "Tile retention ops over (batch, heads, value_dim) and the "
                "sequence";
  let description = [{
    Turns every `retention.parallel` into a `retention.chunkwise` (the
    sequence is tiled by its chunk loop, which carries the state), then
    tiles every retention op with `scf.forall` over independent
    (batch, head, value-column) tiles through `TilingInterface`. For an op
    with an initial state, the loop's destination for the final state is the
    initial state itself and each tile reads its state tile from the
    destination: the tiles are disjoint and each reads exactly the tile it
    writes, so bufferization can update the state where it is.

    Defaults (a heuristic from the shapes): one (batch, head) per tile with
    the whole value dim, so that each chunk's `Q K^T` block is computed once;
    chunk size `min(T, 64)`, which keeps a 64 x 64 f32 score block (16 KiB)
    in L1. An explicit `chunk-size` also re-chunks existing chunkwise ops.
  }];
  let dependentDialects = ["::retnet::retention::RetentionDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::affine::AffineDialect"];
  let options = [
    ListOption<"tileSizes", "tile-sizes", "int64_t",
               "Tile sizes for (batch, heads, value_dim); 0 keeps a "
               "dimension whole (default 1,1,0)">,
    Option<"chunkSize", "chunk-size", "int64_t", /*default=*/"0",
           "Rows per chunk; 0 picks min(T, 64)">
  ];
}

def RetentionRaisePass : Pass<"retention-raise"> {
  let summary = "Rewrite retention written in linalg on tensors (as "
                "exported from PyTorch) into retention ops";
  let description = [{
    Finds the parallel form of retention as torch-mlir exports the
    reference implementation's `MultiScaleRetention`
    (`export_and_import(..., output_type="linalg-on-tensors")`): the
    scores `q k^T` (`linalg.batch_matmul` of q and the transposed k, batch
    and heads collapsed), their product with a `[H, T, T]` mask, optionally
    the row divisor `clamp(rowsum |W|)` or `clamp(|rowsum W|)`, and the
    product with v; replaces the result by a `retention.parallel` op (with
    a `row_divisor` where the export has one).

    The mask must be computed from constants only (torch-mlir writes the
    reference's iota, compare, `exp`, `nan_to_num`, row sum and `sqrt` ops
    over the constant decay): it is evaluated at compile time and raised
    when it is `gamma_h^(n-m)`, divided by `sqrt(sum_{i<=n} gamma_h^i)` or
    not, for one constant `gamma_h` per head; its log then becomes the
    op's constant decay. The evaluation follows MLIR's semantics exactly
    where MLIR defines them (integers wrap at their width, `sitofp` of an
    `i1` true is -1, every float op rounds to its own type, bodies read
    their `outs` operands) and refuses what MLIR leaves undefined (poison,
    the contents of `tensor.empty`, fastmath flags). The mask must match
    within what computing it in its own element type may err (a few units
    of that type's rounding, scaled by the exponent `|log gamma| (n - m)`
    and, for the normalised mask, the row's length), not a fixed
    tolerance. Candidates that have the structure but not such a mask (not
    causal, a decay varying across positions, values of another form, a
    mask read from an argument or larger than `max-mask-elements`) or
    operands that split the batch into [batch, heads] differently are left
    alone with a remark saying why. The mask computation left dead is
    removed by the next canonicalisation.

    Also raises the recurrent form written as an `scf.for` over the
    positions `0..T` carrying the state and the outputs: one elementwise
    `linalg.generic` `S' = S * gamma[h] + k_t[i] v_t[j]` on the rows
    `k_t`, `v_t` sliced at the induction variable, the contraction
    `o_t = q_t S'` into zeros, and `o_t` inserted at row t. It becomes a
    `retention.recurrent` op without row normalisation from the loop's
    initial state at position 0; gamma must be a constant defined outside
    the loop (a decay computed inside it varies across positions: a
    remark says so).
  }];
  let dependentDialects = ["::retnet::retention::RetentionDialect",
                           "::mlir::arith::ArithDialect"];
  let options = [
    Option<"maxMaskElements", "max-mask-elements", "int64_t",
           /*default=*/"1 << 24",
           "Largest tensor the mask's compile-time evaluation may build">
  ];
}

#endif // RETNET_DIALECT_RETENTION_TRANSFORMS_PASSES_TD
