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

#endif // RETNET_PIPELINES_PASSES_TD
