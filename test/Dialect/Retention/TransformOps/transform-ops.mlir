// RUN: retnet-opt %s --transform-interpreter -split-input-file -verify-diagnostics | FileCheck %s

// A transform script converts forms and fuses the decay on handles:
// parallel -> chunkwise (chunk 16) -> decay-fused linalg.
// CHECK-LABEL: func.func @parallel_to_fused
// CHECK-NOT: retention.
// CHECK: scf.for {{.*}} step %c16
// CHECK: math.exp
func.func @parallel_to_fused(%q: tensor<1x2x32x8xf32>, %k: tensor<1x2x32x8xf32>,
                             %v: tensor<1x2x32x4xf32>, %ld: tensor<2xf32>)
    -> tensor<1x2x32x4xf32> {
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x4xf32>,
        tensor<2xf32> -> tensor<1x2x32x4xf32>
  return %o : tensor<1x2x32x4xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %p = transform.structured.match ops{["retention.parallel"]} in %root : (!transform.any_op) -> !transform.any_op
    %c = transform.retention.convert_to_chunkwise %p chunk_size = 16 : (!transform.any_op) -> !transform.any_op
    transform.retention.fuse_decay %c : !transform.any_op
    transform.yield
  }
}

// -----

// chunkwise -> recurrent keeps the initial state and position;
// recurrent -> chunkwise is not a conversion this op makes.
// CHECK-LABEL: func.func @chunkwise_to_recurrent
// CHECK-SAME: %[[S0:[a-z0-9]+]]: tensor<1x2x8x4xf32>, %[[P:[a-z0-9]+]]: index
// CHECK: %[[O:.*]], %[[S:.*]] = retention.recurrent {{.*}} state(%[[S0]]) at(%[[P]])
// CHECK: return %[[O]], %[[S]]
func.func @chunkwise_to_recurrent(%q: tensor<1x2x32x8xf32>, %k: tensor<1x2x32x8xf32>,
                                  %v: tensor<1x2x32x4xf32>, %ld: tensor<2xf32>,
                                  %s0: tensor<1x2x8x4xf32>, %p: index)
    -> (tensor<1x2x32x4xf32>, tensor<1x2x8x4xf32>) {
  %o, %s = retention.chunkwise %q, %k, %v decay(%ld) init(%s0) at(%p) chunk(8)
      : tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x4xf32>,
        tensor<2xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x32x4xf32>, tensor<1x2x8x4xf32>
  return %o, %s : tensor<1x2x32x4xf32>, tensor<1x2x8x4xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %c = transform.structured.match ops{["retention.chunkwise"]} in %root : (!transform.any_op) -> !transform.any_op
    %r = transform.retention.convert_to_recurrent %c : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// chunkwise -> parallel where the op is the parallel function.
// CHECK-LABEL: func.func @chunkwise_to_parallel
// CHECK: %[[O:.*]] = retention.parallel
// CHECK: return %[[O]]
func.func @chunkwise_to_parallel(%q: tensor<1x2x32x8xf32>, %k: tensor<1x2x32x8xf32>,
                                 %v: tensor<1x2x32x4xf32>, %ld: tensor<2xf32>)
    -> tensor<1x2x32x4xf32> {
  %o, %s = retention.chunkwise %q, %k, %v decay(%ld) chunk(8)
      : tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x4xf32>,
        tensor<2xf32> -> tensor<1x2x32x4xf32>, tensor<1x2x8x4xf32>
  return %o : tensor<1x2x32x4xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %c = transform.structured.match ops{["retention.chunkwise"]} in %root : (!transform.any_op) -> !transform.any_op
    %p = transform.retention.convert_to_parallel %c : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}
