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

def RetentionFuseDecayPass : Pass<"retention-fuse-decay"> {
  let summary = "Lower retention to linalg with the decay fused into the "
                "computations that use it";
  let description = [{
    The optimised lowering of the three forms (`retention-tile` first turns
    parallel ops into chunkwise ones, except those with a `row_divisor`).
    No tensor of decay values is ever built: per chunk of `L` rows,

    * the intra-chunk decay `gamma^(a-c)` is computed as `exp((a-c) *
      log_decay)` inside the elementwise epilogue of the `Q K^T` score block
      (causal positions only), in place on the scores;
    * the cross-chunk factor `xi[a] = gamma^(a+1)` scales the rows of Q
      before `Q S`, `zeta[c] = gamma^(L-1-c)` scales the rows of K before
      `K^T V`, and `gamma^L` scales the state in place;
    * the row normaliser uses the closed form (folded for constant decays).

    Inputs are converted to f32 once per chunk (fused with the scaling and
    with the transposition of K), and each contraction's innermost loop runs
    over a contiguous output dimension so the loops vectorise.

    A parallel op runs over blocks of 64 query rows and, for each, the
    blocks of 64 key rows up to its own: the weights of a 64 x 64 block are
    decayed in place from the absolute distance `n - m`, summed per row
    (for a `row_divisor`) and multiplied into the rows'
    accumulator, so memory is linear in T (time stays quadratic).
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def ConvertRetentionToGPUPass : Pass<"convert-retention-to-gpu"> {
  let summary = "Lower retention ops to GPU kernels";
  let description = [{
    Lowers retention ops with static shapes on tensors into host code that
    copies the operands to device buffers, launches a kernel with
    `gpu.launch` and copies the results back (`gpu.alloc`, `gpu.memcpy`,
    async tokens, as `gpu-to-llvm` expects). With `operands-on-device`, for
    host code whose buffers all live on the device (the whole model on the
    GPU, see `retnet-gpu-device-buffers`), the kernels read the operands'
    own buffers and write new ones in a synchronous `gpu.launch`: no copies,
    except of a state that a kernel updates where it is.

    Ops with f16 (or all bf16) q, k, v and Dk a multiple of 16 take
    tensor-core kernels (mma.sync m16n8k16 with f32 accumulators:
    `nvgpu.mma.sync` for f16, `nvvm.mma.sync` for bf16, whose fragments
    MLIR 22's nvgpu-to-nvvm cannot type; any T, rows past T read as zero
    and not stored; decays computed in registers from `log_decay` and the
    indices, never stored):

    - chunkwise ops with Dv a multiple of 16: the state stays on chip. One
      warp per (batch * head, 16 value columns) walks the sequence in chunks
      of 16 rows (the mma tile: every chunk size computes the same function)
      carrying its 16 x Dk slice of the state, transposed, as f32
      accumulators. Per chunk of length L: `O = (Q K^T * D) V + (Q * xi) S`
      and `S^T = gamma^L S^T + V^T (K * zeta)`, all four products on
      `mma.sync`; the accumulator layout of `S^T` is the B-operand layout of
      `S`, so the cross term reads the state from registers (rounded to the
      input type). The initial state is read once and the final state
      written once.
    - parallel ops with Dv a multiple of 8 (and chunkwise ops that are the
      parallel function: no initial state, first row at position 0, final
      state unused): one warp per (batch * head, 16 query rows); per causal
      block of 16 keys, the scores with `mma.sync`, scale and decay
      `gamma^(a-c)` applied to the accumulator fragments, the fragments
      repacked as the A operand of the product with v (rounded to the input
      type like FlashAttention's P), the output accumulated with `mma.sync`
      and normalised at the end.

    Every other op becomes a recurrent op (the same function) and takes the
    recurrent kernel:

    one block of 32 threads (a warp) per (batch * head, group of
    32 value columns); each thread owns one column `j` of the state and, for
    each step, updates `S[:, j] = gamma * S[:, j] + k_t^T v_t[j]` and sums
    `o_t[j] = s * q_t . S[:, j] / sqrt(c_t)`, so every state element is read
    and written once per step, coalesced across the warp. `gamma` comes from
    `log_decay` (clamped to the lowest finite float, so gamma = 0 is exact),
    the row normaliser from its closed form in f64. Inputs f32, f16 or bf16,
    accumulation and state in f32.

    Parallel ops with a `row_divisor` (which needs every weight of a row)
    take a SIMT kernel of their own, for correctness rather than speed: one
    thread per (batch * head, value column) walks the rows and, per row,
    the keys up to it, recomputing each score, accumulating `w v[m, j]` and
    the row's sum of `|w|` (or of `w`), and divides once per row.
  }];
  let options = [
    Option<"operandsOnDevice", "operands-on-device", "bool",
           /*default=*/"false",
           "The host code's buffers are device memory: no host-device copies">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::gpu::GPUDialect", "::mlir::LLVM::LLVMDialect",
    "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
    "::mlir::NVVM::NVVMDialect", "::mlir::nvgpu::NVGPUDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect"
  ];
}

#endif // RETNET_CONVERSION_PASSES_TD
