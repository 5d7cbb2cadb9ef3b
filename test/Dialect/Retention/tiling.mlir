// RUN: retnet-opt %s --transform-interpreter --canonicalize -split-input-file | FileCheck %s

// Upstream transform ops tile the retention ops through TilingInterface:
// batch, heads and value dim are parallel; seq and key dim stay whole.

// CHECK-LABEL: func.func @tile_parallel
// CHECK-SAME: (%[[Q:.*]]: tensor<2x4x64x16xf32>, %[[K:.*]]: tensor<2x4x64x16xf32>, %[[V:.*]]: tensor<2x4x64x32xf32>, %[[LD:.*]]: tensor<4xf32>)
// CHECK: scf.forall (%[[B:.*]], %[[H:.*]], %[[E:.*]]) in (2, 2, 2) shared_outs(%[[OUT:.*]] = %{{.*}})
// CHECK-DAG: %[[H2:.*]] = affine.apply #{{.*}}(%[[H]])
// CHECK-DAG: %[[E16:.*]] = affine.apply #{{.*}}(%[[E]])
// CHECK-DAG: %[[QS:.*]] = tensor.extract_slice %[[Q]][%[[B]], %[[H2]], 0, 0] [1, 2, 64, 16]
// CHECK-DAG: %[[VS:.*]] = tensor.extract_slice %[[V]][%[[B]], %[[H2]], 0, %[[E16]]] [1, 2, 64, 16]
// CHECK-DAG: %[[LDS:.*]] = tensor.extract_slice %[[LD]][%[[H2]]] [2]
// CHECK: %[[T:.*]] = retention.parallel %[[QS]], %{{.*}}, %[[VS]] decay(%[[LDS]]) : {{.*}} -> tensor<1x2x64x16xf32>
// CHECK: tensor.parallel_insert_slice %[[T]] into %[[OUT]][%[[B]], %[[H2]], 0, %[[E16]]] [1, 2, 64, 16]
func.func @tile_parallel(%q: tensor<2x4x64x16xf32>, %k: tensor<2x4x64x16xf32>,
                         %v: tensor<2x4x64x32xf32>, %ld: tensor<4xf32>)
    -> tensor<2x4x64x32xf32> {
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<2x4x64x16xf32>, tensor<2x4x64x16xf32>, tensor<2x4x64x32xf32>,
        tensor<4xf32> -> tensor<2x4x64x32xf32>
  return %o : tensor<2x4x64x32xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["retention.parallel"]} in %root : (!transform.any_op) -> !transform.any_op
    %tiled, %loop = transform.structured.tile_using_forall %op tile_sizes [1, 2, 16]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// The state operands and results are tiled with the value dim.
// CHECK-LABEL: func.func @tile_chunkwise
// CHECK-SAME: %[[S0:[a-z0-9]+]]: tensor<1x2x16x32xf32>, %[[P:[a-z0-9]+]]: index
// CHECK: scf.for %[[H:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[O:.*]] = %{{.*}}, %[[S:.*]] = %{{.*}})
// CHECK: scf.for %[[E:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[O2:.*]] = %[[O]], %[[S2:.*]] = %[[S]])
// CHECK: %[[S0S:.*]] = tensor.extract_slice %[[S0]][0, %[[H]], 0, %[[E]]] [1, 1, 16, 8]
// CHECK: %[[TO:.*]], %[[TS:.*]] = retention.chunkwise {{.*}} init(%[[S0S]]) at(%[[P]]) chunk(16) : {{.*}} -> tensor<1x1x40x8xf32>, tensor<1x1x16x8xf32>
// CHECK: tensor.insert_slice %[[TO]] into %[[O2]][0, %[[H]], 0, %[[E]]] [1, 1, 40, 8]
// CHECK: tensor.insert_slice %[[TS]] into %[[S2]][0, %[[H]], 0, %[[E]]] [1, 1, 16, 8]
func.func @tile_chunkwise(%q: tensor<1x2x40x16xf32>, %k: tensor<1x2x40x16xf32>,
                          %v: tensor<1x2x40x32xf32>, %ld: tensor<2xf32>,
                          %s0: tensor<1x2x16x32xf32>, %p: index)
    -> (tensor<1x2x40x32xf32>, tensor<1x2x16x32xf32>) {
  %o, %s = retention.chunkwise %q, %k, %v decay(%ld) init(%s0) at(%p) chunk(16)
      : tensor<1x2x40x16xf32>, tensor<1x2x40x16xf32>, tensor<1x2x40x32xf32>,
        tensor<2xf32>, tensor<1x2x16x32xf32> -> tensor<1x2x40x32xf32>, tensor<1x2x16x32xf32>
  return %o, %s : tensor<1x2x40x32xf32>, tensor<1x2x16x32xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["retention.chunkwise"]} in %root : (!transform.any_op) -> !transform.any_op
    %tiled, %loops:2 = transform.structured.tile_using_for %op tile_sizes [0, 1, 8]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// CHECK-LABEL: func.func @tile_recurrent
// CHECK: scf.forall (%[[H:.*]]) in (2)
// CHECK: retention.recurrent {{.*}} : tensor<3x1x1x16xf32>, tensor<3x1x1x16xf32>, tensor<3x1x1x8xf32>, tensor<1xf32>, tensor<3x1x16x8xf32> -> tensor<3x1x1x8xf32>
func.func @tile_recurrent(%q: tensor<3x2x1x16xf32>, %k: tensor<3x2x1x16xf32>,
                          %v: tensor<3x2x1x8xf32>, %ld: tensor<2xf32>,
                          %s0: tensor<3x2x16x8xf32>, %p: index)
    -> (tensor<3x2x1x8xf32>, tensor<3x2x16x8xf32>) {
  %o, %s = retention.recurrent %q, %k, %v decay(%ld) state(%s0) at(%p)
      : tensor<3x2x1x16xf32>, tensor<3x2x1x16xf32>, tensor<3x2x1x8xf32>,
        tensor<2xf32>, tensor<3x2x16x8xf32> -> tensor<3x2x1x8xf32>
  return %o, %s : tensor<3x2x1x8xf32>, tensor<3x2x16x8xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["retention.recurrent"]} in %root : (!transform.any_op) -> !transform.any_op
    %tiled, %loop = transform.structured.tile_using_forall %op tile_sizes [0, 1, 0]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}
