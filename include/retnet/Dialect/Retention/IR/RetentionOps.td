//===- RetentionOps.td - retention operations --------------*- tablegen -*-===//
#ifndef RETNET_DIALECT_RETENTION_IR_RETENTIONOPS_TD
#define RETNET_DIALECT_RETENTION_IR_RETENTIONOPS_TD

include "retnet/Dialect/Retention/IR/RetentionDialect.td"
include "retnet/Dialect/Retention/IR/RetentionAttrs.td"
include "retnet/Dialect/Retention/IR/RetentionInterfaces.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/TilingInterface.td"

// Batch, heads and value dim are parallel loops: each (batch, head,
// value-column) tile of the outputs and states depends on the same slice of
// q and k and on the matching slices of v and the state. The sequence is not
// a loop of the interface: it is tiled by the chunkwise form's chunk loop.
defvar RetentionTiling = [
  RetentionOpInterface,
  DeclareOpInterfaceMethods<TilingInterface, [
    "getLoopIteratorTypes", "getIterationDomain", "getTiledImplementation",
    "getResultTilePosition"]>,
  DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
                            ["reifyResultShapes"]>
];

class Retention_Op<string mnemonic, list<Trait> traits = []>
    : Op<Retention_Dialect, mnemonic, traits>;

def Retention_QKVTensor : RankedTensorOf<[F32, F16, BF16]>;
def Retention_F32Tensor : RankedTensorOf<[F32]>;

// Arguments shared by the three forms.
defvar RetentionCommonArgs = (ins
  Retention_QKVTensor:$q,
  Retention_QKVTensor:$k,
  Retention_QKVTensor:$v,
  Retention_F32Tensor:$log_decay,
  DefaultValuedAttr<Retention_NormalizationAttr,
                    "::retnet::retention::Normalization::SqrtRowSum">:$normalization,
  OptionalAttr<F32Attr>:$scale
);

def Retention_ParallelOp : Retention_Op<"parallel",
    !listconcat([Pure], RetentionTiling)> {
  let summary = "retention in its parallel (O(T^2)) form";
  let description = [{
    Computes, for every batch `b`, head `h` and position `n`:

    ```
    o[n] = sum_{m <= n} D[n, m] * s * (q[n] . k[m]) * v[m]
    D[n, m] = gamma_h^(n - m) / sqrt(sum_{i=0..n} gamma_h^i)
    ```

    where `gamma_h = exp(log_decay[h])` and `s` is the optional `scale`
    (default 1). With `normalization = #retention.normalization<none>` the
    denominator is dropped.

    With a `row_divisor` each output row is further divided by a clamped sum
    over its weights `w[n, m] = D[n, m] * s * (q[n] . k[m])`, as the reference
    implementation's parallel form does:

    ```
    o[n] = o[n] / clamp(sum_{m <= n} |w[n, m]|, min, max)     (sum_of_abs)
    o[n] = o[n] / clamp(|sum_{m <= n} w[n, m]|, min, max)     (abs_of_sum)
    ```

    The divisor depends on the whole row of scores, so only this form
    states it: an op with a `row_divisor` is not converted to the chunkwise
    or recurrent form. Operands are `q: [B, H, T, Dk]`, `k: [B, H, T, Dk]`,
    `v: [B, H, T, Dv]` and `log_decay: [H]`; the result is `o: [B, H, T, Dv]`
    with the element type of `v`. Accumulation is in f32.

    Example:

    ```mlir
    %o = retention.parallel %q, %k, %v decay(%ld)
        : tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x32xf32>,
          tensor<2xf32> -> tensor<1x2x64x32xf32>
    ```
  }];
  let arguments = !con(RetentionCommonArgs, (ins
    OptionalAttr<Retention_RowDivisorAttr>:$row_divisor
  ));
  let results = (outs Retention_QKVTensor:$o);
  let extraClassDeclaration = [{
    ::mlir::OpOperand *getStateInOperand() { return nullptr; }
    ::mlir::Value getPosition() { return nullptr; }
    ::mlir::Value getStateOut() { return nullptr; }
  }];
  let assemblyFormat = [{
    $q `,` $k `,` $v `decay` `(` $log_decay `)` attr-dict `:`
    type($q) `,` type($k) `,` type($v) `,` type($log_decay) `->` type($o)
  }];
  let hasVerifier = 1;
}

def Retention_ChunkwiseOp : Retention_Op<"chunkwise",
    !listconcat([Pure, AttrSizedOperandSegments], RetentionTiling)> {
  let summary = "retention in its chunkwise (linear) form";
  let description = [{
    The same function as `retention.parallel`, computed chunk by chunk with a
    carried state. Chunk `j` covers rows `[j*C, min((j+1)*C, T))`; the last
    chunk may be shorter than `C` (`chunk_size`). Inside a chunk the decay is
    applied directly, across chunks through the state:

    ```
    inner_j = (Q_j K_j^T * Gamma) V_j       Gamma[a, b] = gamma^(a-b), a >= b
    cross_j = (Q_j * xi) S_{j-1}            xi[a] = gamma^(a+1)
    S_j     = gamma^L S_{j-1} + (K_j * zeta)^T V_j,   zeta[b] = gamma^(L-1-b)
    o       = s * (inner_j + cross_j) / sqrt(sum_{i=0..p+n} gamma^i)
    ```

    `L` is the length of chunk `j`. The optional `initial_state`
    (`[B, H, Dk, Dv]`, f32, unnormalised) defaults to zero; the optional
    `position` (index, default 0) is the absolute position `p` of the first
    row, used by the row normaliser; it is read as an unsigned count, and
    `p + n` never wraps around (every lowering forms `p + n + 1` in f64).
    The second result is the unnormalised state after the last row.

    Example:

    ```mlir
    %o, %s = retention.chunkwise %q, %k, %v decay(%ld) init(%s0) at(%p)
        chunk(64) : tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>,
        tensor<1x2x100x32xf32>, tensor<2xf32>, tensor<1x2x16x32xf32>
        -> tensor<1x2x100x32xf32>, tensor<1x2x16x32xf32>
    ```
  }];
  let arguments = !con(RetentionCommonArgs, (ins
    Optional<Retention_F32Tensor>:$initial_state,
    Optional<Index>:$position,
    I64Attr:$chunk_size
  ));
  let results = (outs Retention_QKVTensor:$o, Retention_F32Tensor:$final_state);
  let extraClassDeclaration = [{
    ::mlir::OpOperand *getStateInOperand() {
      ::mlir::MutableOperandRange init = getInitialStateMutable();
      return init.empty() ? nullptr : &init[0];
    }
    ::mlir::Value getStateOut() { return getFinalState(); }
  }];
  let assemblyFormat = [{
    $q `,` $k `,` $v `decay` `(` $log_decay `)`
    (`init` `(` $initial_state^ `)`)? (`at` `(` $position^ `)`)?
    `chunk` `(` $chunk_size `)` attr-dict `:`
    type($q) `,` type($k) `,` type($v) `,` type($log_decay)
    (`,` type($initial_state)^)? `->` type($o) `,` type($final_state)
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

def Retention_RecurrentOp : Retention_Op<"recurrent",
    !listconcat([Pure, AllTypesMatch<["state", "new_state"]>],
                RetentionTiling)> {
  let summary = "retention in its recurrent (O(1) per token) form";
  let description = [{
    Runs the recurrence for the `T >= 1` steps of `q`, `k`, `v` starting from
    `state` (`[B, H, Dk, Dv]`, f32, unnormalised) at absolute position
    `position`:

    ```
    S_t = gamma * S_{t-1} + k_t^T v_t
    o_t = s * (q_t S_t) / sqrt(sum_{i=0..position+t} gamma^i)
    ```

    Decoding one token is `T = 1`. `position` is read as an unsigned count,
    and `position + t` never wraps around (every lowering forms
    `position + t + 1` in f64). Returns the outputs and the new state.

    Example:

    ```mlir
    %o, %s1 = retention.recurrent %q, %k, %v decay(%ld) state(%s0) at(%p)
        : tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x32xf32>,
          tensor<2xf32>, tensor<1x2x16x32xf32> -> tensor<1x2x1x32xf32>
    ```
  }];
  let arguments = !con(RetentionCommonArgs, (ins
    Retention_F32Tensor:$state,
    Index:$position
  ));
  let results = (outs Retention_QKVTensor:$o, Retention_F32Tensor:$new_state);
  let extraClassDeclaration = [{
    ::mlir::OpOperand *getStateInOperand() { return &getStateMutable(); }
    ::mlir::Value getStateOut() { return getNewState(); }
  }];
  let assemblyFormat = [{
    $q `,` $k `,` $v `decay` `(` $log_decay `)` `state` `(` $state `)`
    `at` `(` $position `)` attr-dict `:`
    type($q) `,` type($k) `,` type($v) `,` type($log_decay) `,` type($state)
    `->` type($o)
  }];
  let hasVerifier = 1;
}

#endif // RETNET_DIALECT_RETENTION_IR_RETENTIONOPS_TD
