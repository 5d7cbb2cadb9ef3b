//===- RetentionDialect.td - retention dialect definition --*- tablegen -*-===//
#ifndef RETNET_DIALECT_RETENTION_IR_RETENTIONDIALECT_TD
#define RETNET_DIALECT_RETENTION_IR_RETENTIONDIALECT_TD

include "mlir/IR/OpBase.td"

def Retention_Dialect : Dialect {
  let name = "retention";
  let summary = "Retention (RetNet) in its parallel, recurrent and chunkwise forms";
  let description = [{
    The `retention` dialect expresses the retention mechanism of RetNet in its
    three mathematically equivalent forms:

    * `retention.parallel`: O(T^2) per head, the training form;
    * `retention.chunkwise`: linear in T, a loop over chunks carrying a state;
    * `retention.recurrent`: O(1) per token, the decoding form.

    All operands use the layout `[batch, heads, seq, dim]`. The per-head decay
    is given as `log(gamma)` in a `tensor<H x f32>` operand: a runtime value
    (read from a checkpoint, say) or a constant, which the lowering folds
    (the row normalisers of a constant decay are computed at compile time).
    States are unnormalised (`S_n = sum_{m<=n} gamma^(n-m) k_m^T v_m`) and always
    `f32`; the row normaliser `1/sqrt(sum_{i=0..n} gamma^i)` depends on the
    absolute position `n` only.
  }];
  let cppNamespace = "::retnet::retention";
  let useDefaultAttributePrinterParser = 1;
  let hasCanonicalizer = 0;
}

#endif // RETNET_DIALECT_RETENTION_IR_RETENTIONDIALECT_TD
