//===- RetentionAttrs.td - retention attributes ------------*- tablegen -*-===//
#ifndef RETNET_DIALECT_RETENTION_IR_RETENTIONATTRS_TD
#define RETNET_DIALECT_RETENTION_IR_RETENTIONATTRS_TD

include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "retnet/Dialect/Retention/IR/RetentionDialect.td"

def Retention_Normalization : I32EnumAttr<"Normalization",
    "row normalisation of the decay mask", [
      I32EnumAttrCase<"None", 0, "none">,
      I32EnumAttrCase<"SqrtRowSum", 1, "sqrt_rowsum">
    ]> {
  let cppNamespace = "::retnet::retention";
  let genSpecializedAttr = 0;
}

def Retention_NormalizationAttr
    : EnumAttr<Retention_Dialect, Retention_Normalization, "normalization"> {
  let assemblyFormat = "`<` $value `>`";
}

#endif // RETNET_DIALECT_RETENTION_IR_RETENTIONATTRS_TD
