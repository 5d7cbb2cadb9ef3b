//===- RetentionInterfaces.td - what the retention forms share -*- tablegen -*-===//
#ifndef RETNET_DIALECT_RETENTION_IR_RETENTIONINTERFACES_TD
#define RETNET_DIALECT_RETENTION_IR_RETENTIONINTERFACES_TD

include "mlir/IR/OpBase.td"

def RetentionOpInterface : OpInterface<"RetentionOpInterface"> {
  let cppNamespace = "::retnet::retention";
  let description = [{
    What the three forms of retention share: the roles of their operands, the
    output and the attributes of the row normaliser. Code that treats every
    form alike (tiling, lowering, verification) reads operands through these
    accessors, by role, never by value identity or type: `q`, `k` and `v` may
    be the same SSA value, and a state may have the type of `q`.
  }];
  let methods = [
    InterfaceMethod<"The queries [B, H, T, Dk].", "::mlir::OpOperand &",
                    "getQMutable">,
    InterfaceMethod<"The keys [B, H, T, Dk].", "::mlir::OpOperand &",
                    "getKMutable">,
    InterfaceMethod<"The values [B, H, T, Dv].", "::mlir::OpOperand &",
                    "getVMutable">,
    InterfaceMethod<"log(gamma) per head, [H].", "::mlir::OpOperand &",
                    "getLogDecayMutable">,
    InterfaceMethod<"The incoming state [B, H, Dk, Dv], or null when the form "
                    "has none (parallel, or chunkwise from a zero state).",
                    "::mlir::OpOperand *", "getStateInOperand">,
    InterfaceMethod<"The absolute position of the first row (index), or null "
                    "for position 0.", "::mlir::Value", "getPosition">,
    InterfaceMethod<"The output [B, H, T, Dv].",
                    "::mlir::TypedValue<::mlir::RankedTensorType>", "getO">,
    InterfaceMethod<"The outgoing state [B, H, Dk, Dv], or null.",
                    "::mlir::Value", "getStateOut">,
    InterfaceMethod<"The row normaliser.",
                    "::retnet::retention::Normalization", "getNormalization">,
    InterfaceMethod<"The optional score scale.", "std::optional<::llvm::APFloat>",
                    "getScale">,
  ];
  let extraSharedClassDeclaration = [{
    ::mlir::Value getQ() { return $_op.getQMutable().get(); }
    ::mlir::Value getK() { return $_op.getKMutable().get(); }
    ::mlir::Value getV() { return $_op.getVMutable().get(); }
    ::mlir::Value getLogDecay() { return $_op.getLogDecayMutable().get(); }
    /// The scale as a double (1 when absent).
    double getScaleOrOne() {
      std::optional<::llvm::APFloat> s = $_op.getScale();
      return s ? s->convertToDouble() : 1.0;
    }
  }];
}

#endif // RETNET_DIALECT_RETENTION_IR_RETENTIONINTERFACES_TD
