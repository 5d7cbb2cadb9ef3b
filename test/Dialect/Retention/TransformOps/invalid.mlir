// RUN: retnet-opt %s --transform-interpreter -split-input-file -verify-diagnostics

// A handle to an op that is not retention.parallel.
func.func @wrong_op(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-note @+1 {{when applied to this op}}
  %b = arith.addf %a, %a : tensor<4xf32>
  return %b : tensor<4xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %h = transform.structured.match ops{["arith.addf"]} in %root : (!transform.any_op) -> !transform.any_op
    // expected-error @+1 {{transform applied to the wrong op kind}}
    %c = transform.retention.convert_to_chunkwise %h chunk_size = 16 : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %h = transform.structured.match ops{["retention.parallel"]} in %root : (!transform.any_op) -> !transform.any_op
    // expected-error @+1 {{expects a positive chunk_size, got 0}}
    %c = transform.retention.convert_to_chunkwise %h chunk_size = 0 : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// A recurrent op is already recurrent.
func.func @already_recurrent(%q: tensor<1x1x1x4xf32>, %ld: tensor<1xf32>,
                             %s0: tensor<1x1x4x4xf32>, %p: index) {
  // expected-note @+1 {{when applied to this op}}
  %o, %s = retention.recurrent %q, %q, %q decay(%ld) state(%s0) at(%p)
      : tensor<1x1x1x4xf32>, tensor<1x1x1x4xf32>, tensor<1x1x1x4xf32>,
        tensor<1xf32>, tensor<1x1x4x4xf32> -> tensor<1x1x1x4xf32>
  return
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %h = transform.structured.match ops{["retention.recurrent"]} in %root : (!transform.any_op) -> !transform.any_op
    // expected-error @+1 {{expects a retention.parallel or retention.chunkwise op, got retention.recurrent}}
    %r = transform.retention.convert_to_recurrent %h : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// A chunkwise op whose final state is used is not the parallel function.
func.func @state_used(%q: tensor<1x1x8x4xf32>, %ld: tensor<1xf32>)
    -> tensor<1x1x4x4xf32> {
  // expected-note @+1 {{the chunkwise op}}
  %o, %s = retention.chunkwise %q, %q, %q decay(%ld) chunk(4)
      : tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>,
        tensor<1xf32> -> tensor<1x1x8x4xf32>, tensor<1x1x4x4xf32>
  return %s : tensor<1x1x4x4xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %h = transform.structured.match ops{["retention.chunkwise"]} in %root : (!transform.any_op) -> !transform.any_op
    // expected-error @+1 {{cannot convert to the parallel form: its final state is used}}
    %p = transform.retention.convert_to_parallel %h : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// fuse_decay needs static shapes.
func.func @dynamic(%q: tensor<1x1x?x4xf32>, %ld: tensor<1xf32>) {
  // expected-note @+1 {{when applied to this op}}
  %o, %s = retention.chunkwise %q, %q, %q decay(%ld) chunk(4)
      : tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>,
        tensor<1xf32> -> tensor<1x1x?x4xf32>, tensor<1x1x4x4xf32>
  return
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %h = transform.structured.match ops{["retention.chunkwise"]} in %root : (!transform.any_op) -> !transform.any_op
    // expected-error @+1 {{expects a retention.chunkwise or retention.recurrent op with static shapes, got retention.chunkwise}}
    transform.retention.fuse_decay %h : !transform.any_op
    transform.yield
  }
}

// -----

// Only the parallel form computes a row_divisor.
func.func @only_parallel(%q: tensor<1x1x8x4xf32>, %ld: tensor<1xf32>) {
  // expected-note @+1 {{when applied to this op}}
  %o = retention.parallel %q, %q, %q decay(%ld) {row_divisor = #retention.row_divisor<sum_of_abs, min = 1.0, max = 50000.0>}
      : tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>,
        tensor<1xf32> -> tensor<1x1x8x4xf32>
  return
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %h = transform.structured.match ops{["retention.parallel"]} in %root : (!transform.any_op) -> !transform.any_op
    // expected-error @+1 {{cannot convert to the chunkwise form: its row_divisor divides each row by a sum over all of the row's scores, which only the parallel form computes}}
    %c = transform.retention.convert_to_chunkwise %h chunk_size = 4 : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

func.func @only_parallel_recurrent(%q: tensor<1x1x8x4xf32>, %ld: tensor<1xf32>) {
  // expected-note @+1 {{when applied to this op}}
  %o = retention.parallel %q, %q, %q decay(%ld) {row_divisor = #retention.row_divisor<sum_of_abs, min = 1.0, max = 50000.0>}
      : tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>,
        tensor<1xf32> -> tensor<1x1x8x4xf32>
  return
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %h = transform.structured.match ops{["retention.parallel"]} in %root : (!transform.any_op) -> !transform.any_op
    // expected-error @+1 {{cannot convert to the recurrent form: its row_divisor divides each row by a sum over all of the row's scores, which only the parallel form computes}}
    %c = transform.retention.convert_to_recurrent %h : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}
