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
    Arguments marked `retnet.donated` are the exception: they are marked
    writable (so that, e.g., a state is updated where it is) and their
    positions are recorded in `retnet.donated_args` for the runtime, which
    passes a buffer its caller gives up, or a copy.
  }];
}

def DropDonatedResultsPass
    : Pass<"retnet-drop-donated-results", "::mlir::ModuleOp"> {
  let summary = "Results returned in a donated argument's own buffer leave "
                "the signature";
  let description = [{
    Runs right after bufferization. A public function that returns a donated
    argument's buffer itself (`retnet.donated_args`, e.g. a state updated in
    place) would otherwise have that result cloned by buffer deallocation,
    since callers own what functions return. Such results are removed from
    the function's results and recorded in `retnet.donated_results`: pairs
    (result position, argument position) in the numbering of the recorded
    signature (`retnet.signature`). The runtime hands the donated array back
    as that result.
  }];
}

def CheckLLVMContractPass
    : Pass<"retnet-check-llvm-contract", "::mlir::ModuleOp"> {
  let summary = "Fail unless only LLVM dialect ops (and OpenMP ops, GPU "
                "binaries) survived the lowering";
  let description = [{
    The output contract of the CPU pipelines (as torch-mlir checks its
    backend contract): after them, the module holds nothing but LLVM dialect
    ops, the OpenMP dialect ops of parallel tiles (operating on LLVM types)
    and the `gpu.binary` kernel objects and `gpu.launch_func` launches of
    GPU pipelines (translated with them), which the runtime
    can translate and JIT-compile. Any other op is an
    error naming it, so a lowering gap is reported where it happens instead
    of as a translation failure later.
  }];
}

#endif // RETNET_PIPELINES_PASSES_TD
