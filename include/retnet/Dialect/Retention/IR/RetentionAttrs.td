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

def Retention_RowDivisorKind : I32EnumAttr<"RowDivisorKind",
    "what a row divisor sums over the row's weights", [
      I32EnumAttrCase<"SumOfAbs", 0, "sum_of_abs">,
      I32EnumAttrCase<"AbsOfSum", 1, "abs_of_sum">
    ]> {
  let cppNamespace = "::retnet::retention";
  let genSpecializedAttr = 0;
}

def Retention_RowDivisorAttr : AttrDef<Retention_Dialect, "RowDivisor"> {
  let mnemonic = "row_divisor";
  let summary = "a divisor of each output row computed from all its weights";
  let description = [{
    `#retention.row_divisor<sum_of_abs, min = 1.0, max = 50000.0>` divides
    row `n` of the output by `clamp(sum_m |w[n, m]|, min, max)`;
    `abs_of_sum` by `clamp(|sum_m w[n, m]|, min, max)`. `w` are the row's
    weights (decayed, normalised and scaled scores). Without `max` the
    divisor is unbounded above. Written by the reference implementation as
    `qk / qk.abs().sum(-1).clamp(min=1, max=5e4)` (torchscale after 0.3.0)
    and `qk / qk.sum(-1).abs().clamp(min=1)` (torchscale 0.3.0).
  }];
  let parameters = (ins "RowDivisorKind":$kind,
                        APFloatParameter<"lower bound">:$min,
                        APFloatParameter<"upper bound (+inf: none)">:$max);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

#endif // RETNET_DIALECT_RETENTION_IR_RETENTIONATTRS_TD
