//===- Passes.td - passes used by the retnet pipelines -----*- tablegen -*-===//
#ifndef RETNET_PIPELINES_PASSES_TD
#define RETNET_PIPELINES_PASSES_TD

include "mlir/Pass/PassBase.td"

def RecordEntrySignaturesPass
    : Pass<"retnet-record-entry-signatures", "::mlir::ModuleOp"> {
  let summary = "Record the tensor signature of public functions for runners";
  let description = [{
    Gives every public `func.func` with a body the `llvm.emit_c_interface`
    attribute and a `retnet.signature` attribute holding its function type
    before bufferization. The attribute survives the lowering to the LLVM
    dialect, so a runner can call `_mlir_ciface_<name>` of already-lowered
    IR with memref descriptors of the right element types and shapes.
    Tensor arguments are marked `bufferization.writable = false`: the caller
    owns its input buffers, so the lowered code never writes into them.
  }];
}

def CheckLLVMContractPass
    : Pass<"retnet-check-llvm-contract", "::mlir::ModuleOp"> {
  let summary = "Fail unless only the LLVM dialect survived the lowering";
  let description = [{
    The output contract of the CPU pipelines (as torch-mlir checks its
    backend contract): after them, the module holds nothing but LLVM dialect
    ops, which the runtime can translate and JIT-compile. Any other op is an
    error naming it, so a lowering gap is reported where it happens instead
    of as a translation failure later.
  }];
}

def VectorizeContractionsPass : Pass<"retnet-vectorize-contractions"> {
  let summary = "Register-blocked vector kernels for static linalg "
                "contractions on tensors";
  let description = [{
    For every static `linalg.generic` on tensors marked `retnet.vectorize`
    (`retention-fuse-decay` marks its per-chunk contractions, whose operands
    are cache-resident tiles; the model's products mark theirs, which read
    panel-packed weights) that is a contraction with one K dimension: tiles
    the M and N dimensions that index the output innermost into register
    blocks (the largest divisors of their sizes up to 8 and 16) and steps
    every other dimension one at a time; tiles K by 1, vectorises the step
    (a broadcast column of A times a row of B), hoists the accumulator out
    of the K loop (a loop-carried vector, kept in registers) and fuses the
    multiply-add into `vector.fma` when the body allows contraction
    (`fastmath<contract>`). Shapes that do not divide simply get smaller
    blocks; every tile is static, so no masking is needed.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::affine::AffineDialect"];
}

#endif // RETNET_PIPELINES_PASSES_TD
