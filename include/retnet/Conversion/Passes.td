//===- Passes.td - retnet conversion passes ----------------*- tablegen -*-===//
#ifndef RETNET_CONVERSION_PASSES_TD
#define RETNET_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertRetentionToLinalgPass : Pass<"convert-retention-to-linalg"> {
  let summary = "Lower retention ops to linalg, tensor, scf, arith and math";
  let description = [{
    The reference lowering, the ground truth later optimisations are checked
    against. All shapes must be static.

    * `retention.parallel`: the score matrix `q k^T` per (batch, head) as a
      `linalg.generic` contraction, the causal decay mask and row normaliser
      applied elementwise, then the contraction with `v`.
    * `retention.chunkwise`: an `scf.for` over the full chunks carrying the
      output and the f32 state, then one static tail chunk when the chunk size
      does not divide T.
    * `retention.recurrent`: an `scf.for` over the steps carrying the state.

    Decay powers are formed as `exp(d * log_decay)` for a distance `d` of at
    most one chunk (or one sequence in the parallel form), never as
    `gamma^n * gamma^-m`. The row normaliser uses the closed form
    `(1 - gamma^(n+1)) / (1 - gamma)` evaluated in f64 (`n + 1` for gamma = 1),
    so it stays accurate for gamma close to 1. When `log_decay` is a
    constant and the position is known, the row normalisers are folded into
    a constant tensor. Accumulation is in f32.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

#endif // RETNET_CONVERSION_PASSES_TD
