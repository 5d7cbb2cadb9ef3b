//===- Passes.td - host CPU code generation passes ---------*- tablegen -*-===//
#ifndef RETNET_CODEGEN_CPU_PASSES_TD
#define RETNET_CODEGEN_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def PackMatmulsPass : Pass<"retnet-cpu-pack-matmuls", "::mlir::func::FuncOp"> {
  let summary = "Matrix products over panel-packed weights, split into tasks";
  let description = [{
    Rewrites every static 2-D `linalg.matmul` on tensors whose B operand is
    `[K, N]` or, transposed, `[N, K]` (a torch `Linear` weight) into a
    product over B packed in column panels `[N / P, K, P]` (`linalg.pack`;
    `P` is the largest power of two up to `panel-width` that divides N), so
    that a register block reads each panel row with one load and each panel
    contiguously. B may be of a narrower float type than A and C (weights
    held in bf16 or f16): the panels keep its type and the product widens
    each element it reads (`arith.extf`), as `linalg.matmul` does. The
    product is a `linalg.generic` marked for
    `retnet-vectorize-contractions`, tiled with `scf.forall` into tasks of
    up to `row-tile` rows and a group of panels, about `tasks` of them. A B
    of more than `cached-weight-bytes` (an output projection onto a large
    vocabulary), which each task streams from memory rather than from the
    cache, gets tasks of up to `streamed-row-tile` rows: B is read once per
    row tile, so fewer, taller tiles read it fewer times.

    With `bf16-dot` (for CPUs with AVX512-BF16), a product of an f32 A by a
    bf16 B with an even K and N a multiple of 4 becomes a product of bf16
    pairs: A is rounded to bf16 (to nearest even) and seen as
    `[M, K / 2, 2]`, B packed as `[N / P, K / 2, P, 2]` (P the largest of
    16, 8 and 4 that divides N; two consecutive K of each lane side by
    side), and the product's loops are `(m, g, k / 2, p, 2)`, both operands
    widened in its body, so that `retnet-vectorize-contractions` makes each
    K pair of a panel row one `vdpbf16ps`. The activations are then rounded
    to bf16 as tensor cores round them: a numerical choice of the pipeline.
    Other products keep f32 activations.

    When B is a function argument or a slice of one (a layer of stacked
    weights), the argument is packed once at function entry, where
    `retnet-cpu-prepare-weights` can move the packing out of the function.
    Such a weight is packed one way per function: a product of a weight that
    an earlier product packed takes that pack's panels (a single row then
    multiplies the panels that many rows got) instead of a second copy.
  }];
  let options = [
    Option<"panelWidth", "panel-width", "int64_t",
           "::retnet::cpu::kRegisterCols",
           "Widest panel of a packed B operand (a power of two)">,
    Option<"rowPanelWidth", "row-panel-width", "int64_t",
           "::retnet::cpu::kVectorLanes",
           "Widest panel of a B multiplied by a single row of A">,
    Option<"rowTile", "row-tile", "int64_t", "::retnet::cpu::kTaskRows",
           "Most rows of A per task">,
    Option<"streamedRowTile", "streamed-row-tile", "int64_t",
           "::retnet::cpu::kStreamedTaskRows",
           "Most rows of A per task when B exceeds cached-weight-bytes">,
    Option<"cachedWeightBytes", "cached-weight-bytes", "int64_t",
           "::retnet::cpu::kCachedWeightBytes",
           "Largest B that tasks of row-tile rows read from the cache">,
    Option<"tasks", "tasks", "int64_t", "::retnet::cpu::kTasks",
           "About how many tasks a product is split into">,
    Option<"bf16Dot", "bf16-dot", "bool", "false",
           "Products by bf16 weights as products of bf16 pairs (A rounded "
           "to bf16) for AVX512-BF16 dot products">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def PrepareWeightsPass
    : Pass<"retnet-cpu-prepare-weights", "::mlir::ModuleOp"> {
  let summary = "Move the packing of arguments into a function run once";
  let description = [{
    For every public function `@f` whose entry block packs an argument
    (`linalg.pack` is the argument's only use): moves the packs into a new
    public function `@f_prepare` that takes those arguments and returns them
    packed, and makes `@f` take the packed tensors instead. `@f` records the
    contract for runtimes (Support/EntrySignature.h): `retnet.preparer`
    names `@f_prepare`, `retnet.prepared_args` the positions of `@f`'s
    arguments that its results replace, in order. A caller runs
    `@f_prepare` once on the weights and passes its results to every call
    of `@f`.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::tensor::TensorDialect"];
}

def LowerPacksPass : Pass<"retnet-cpu-lower-packs"> {
  let summary = "Lower linalg.pack to pad, expand_shape and transpose";
  let description = [{
    Rewrites every `linalg.pack` with upstream `linalg::lowerPack` into
    operations that bufferize and lower to loops.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def TileIntoTasksPass : Pass<"retnet-cpu-tile-into-tasks", "::mlir::func::FuncOp"> {
  let summary = "The other linalg ops split into tasks for the worker threads";
  let description = [{
    Splits every static `linalg` op on tensors that is not yet inside a task
    (`scf.forall`) and holds at least `min-task-work` loop iterations per
    task into up to `tasks` tasks (`scf.forall`) along its parallel loops,
    outermost first, each cut into equal static tiles (the largest divisor of
    its size up to the tasks still wanted). The `linalg.fill`s that produce
    its outputs are fused into the tasks. These are the ops of a model
    between its products: norms, rotary embedding, gates, activations,
    residuals, the embedding gather; without this pass they run on the
    calling thread while the others wait. A small op (one decoded token's)
    stays whole: a fork and join would cost more than it saves.
  }];
  let options = [
    Option<"tasks", "tasks", "int64_t", "::retnet::cpu::kTasks",
           "Most tasks an op is split into">,
    Option<"minTaskWork", "min-task-work", "int64_t",
           "::retnet::cpu::kMinTaskWork",
           "Fewest loop iterations a task may hold">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::affine::AffineDialect"];
}

def ApproximateMathPass : Pass<"retnet-cpu-approximate-math"> {
  let summary = "f32 exp and erf as polynomials the loop vectoriser can widen";
  let description = [{
    Replaces scalar `math.exp` and `math.erf` on f32 (in the loops of
    elementwise ops; vectors are left alone) by
    upstream's polynomial approximations (`populateMathPolynomialApproximationPatterns`),
    made of arithmetic only, so that the loops of gates, activations and the
    decay are vectorised instead of calling libm once per element. Other
    element types and other functions are left to libm.
  }];
}

def VectorizeContractionsPass : Pass<"retnet-vectorize-contractions"> {
  let summary = "Register-blocked vector kernels for static linalg "
                "contractions on tensors";
  let description = [{
    For every static `linalg.generic` on tensors marked `retnet.vectorize`
    (`retention-fuse-decay` marks its per-chunk contractions, whose operands
    are cache-resident tiles; `retnet-cpu-pack-matmuls` marks its products
    over packed weights) that is a contraction with one K dimension: tiles
    the M and N dimensions that index the output innermost into register
    blocks (the largest divisors of their sizes up to `block-rows` and
    `block-cols`; a width over 16 lanes that is not a multiple of 16 falls
    back to at most 16, so that no row holds a partial register) and steps
    every other dimension one at a time, the other N dimensions outside the
    M ones (so that a panel of a packed weight is reused from cache by every
    row block of a task), except that a block smaller than `block-rows` x
    `block-cols` (a matrix-vector product; panels narrower than the block)
    also spans another N dimension (e.g. several panels of a packed weight)
    up to that size, so that it keeps enough independent accumulators;
    blocks K by the largest divisor of its size up to `block-k` (when K is
    larger and several row blocks share B), the K blocks outside the row
    blocks, so that the slice of a packed panel the row blocks share stays
    in L1 beside the rows of A they stream; tiles K by
    1, vectorises the step (a broadcast column of A times a row of B; the
    broadcast is moved in front of the transpose vectorisation leaves, so
    that each row's element is broadcast once),
    hoists the accumulator out of the K loop (a loop-carried vector, kept in
    registers) and fuses the multiply-add into `vector.fma` when the body
    allows contraction (`fastmath<contract>`). A widened operand (`arith.extf`
    of 16-bit weights) is widened once per row read, before its broadcast to
    the register block. Shapes that do not divide
    simply get smaller blocks; every tile is static, so no masking is needed.

    A product of bf16 pairs (the loops `(m, g, k / 2, p, 2)` of
    `retnet-cpu-pack-matmuls{bf16-dot}` over bf16 operands into f32, panels
    of 4, 8 or 16 lanes) keeps its pair dimension and its panels whole in
    every tile, whatever `block-cols`, and becomes, per K pair step, one
    `x86vector.avx512.dot` (`vdpbf16ps`) per row and panel of the register
    block: the row's pair of A broadcast as a 32-bit word, the panel's row
    of pairs of B loaded at once.
  }];
  let options = [
    Option<"blockRows", "block-rows", "int64_t",
           "::retnet::cpu::kRegisterRows", "Rows of a register block">,
    Option<"blockCols", "block-cols", "int64_t",
           "::retnet::cpu::kRegisterCols",
           "Columns (f32 lanes) of a register block">,
    Option<"blockK", "block-k", "int64_t", "::retnet::cpu::kBlockK",
           "Most K iterations between two passes over the row blocks "
           "(0: K unblocked)">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::x86vector::X86VectorDialect"];
}

#endif // RETNET_CODEGEN_CPU_PASSES_TD
