// RUN: retnet-opt %s --retention-to-recurrent | FileCheck %s

// CHECK-LABEL: func.func @parallel
func.func @parallel(%q: tensor<1x2x7x16xf32>, %k: tensor<1x2x7x16xf32>,
                    %v: tensor<1x2x7x8xf32>, %ld: tensor<2xf32>)
    -> tensor<1x2x7x8xf32> {
  // CHECK-DAG: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : tensor<1x2x16x8xf32>
  // CHECK-DAG: %[[P0:.*]] = arith.constant 0 : index
  // CHECK: %[[O:.*]], %{{.*}} = retention.recurrent %{{.*}} state(%[[ZERO]]) at(%[[P0]])
  // CHECK-SAME: {normalization = #retention.normalization<none>}
  // CHECK: return %[[O]]
  %o = retention.parallel %q, %k, %v decay(%ld) {normalization = #retention.normalization<none>}
      : tensor<1x2x7x16xf32>, tensor<1x2x7x16xf32>, tensor<1x2x7x8xf32>,
        tensor<2xf32> -> tensor<1x2x7x8xf32>
  return %o : tensor<1x2x7x8xf32>
}

// CHECK-LABEL: func.func @chunkwise
// CHECK-SAME: %[[S0:[a-z0-9]+]]: tensor<1x2x16x8xf32>, %[[P:[a-z0-9]+]]: index
func.func @chunkwise(%q: tensor<1x2x7x16xf32>, %k: tensor<1x2x7x16xf32>,
                     %v: tensor<1x2x7x8xf32>, %ld: tensor<2xf32>,
                     %s0: tensor<1x2x16x8xf32>, %p: index)
    -> (tensor<1x2x7x8xf32>, tensor<1x2x16x8xf32>) {
  // CHECK: %[[O:.*]], %[[S:.*]] = retention.recurrent %{{.*}} state(%[[S0]]) at(%[[P]])
  // CHECK: return %[[O]], %[[S]]
  %o, %s = retention.chunkwise %q, %k, %v decay(%ld) init(%s0) at(%p) chunk(4)
      : tensor<1x2x7x16xf32>, tensor<1x2x7x16xf32>, tensor<1x2x7x8xf32>,
        tensor<2xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x7x8xf32>, tensor<1x2x16x8xf32>
  return %o, %s : tensor<1x2x7x8xf32>, tensor<1x2x16x8xf32>
}
