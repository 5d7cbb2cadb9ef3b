// RUN: retnet-opt %s --convert-retention-to-linalg -canonicalize | FileCheck %s

// One step per row: the state is updated first, then o_t = q_t S_t.
// CHECK-LABEL: func.func @recurrent
// CHECK-SAME: %[[S0:[a-z0-9]+]]: tensor<1x2x16x8xf32>, %[[P:[a-z0-9]+]]: index
func.func @recurrent(%q: tensor<1x2x3x16xf32>, %k: tensor<1x2x3x16xf32>,
                     %v: tensor<1x2x3x8xf32>, %ld: tensor<2xf32>,
                     %s0: tensor<1x2x16x8xf32>, %p: index)
    -> (tensor<1x2x3x8xf32>, tensor<1x2x16x8xf32>) {
  // CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
  // CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
  // CHECK: scf.for %[[T:.*]] = %{{.*}} to %[[C3]] step %[[C1]] iter_args(%{{.*}} = %{{.*}}, %[[S:.*]] = %[[S0]])
  // CHECK: %[[NEXT:.*]] = linalg.generic {{.*}} outs(%[[S]] : tensor<1x2x16x8xf32>)
  // CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[NEXT]] : tensor<1x2x1x16xf32>, tensor<1x2x16x8xf32>)
  // The row factor counts p + t + 1 terms: t + 1 as an index, then the
  // position added in f64, both read unsigned (no index arithmetic on p).
  // CHECK: %[[T1:.*]] = arith.addi %[[T]], %[[C1]] : index
  // CHECK: %[[T1I:.*]] = arith.index_castui %[[T1]] : index to i64
  // CHECK: %[[T1F:.*]] = arith.uitofp %[[T1I]] : i64 to f64
  // CHECK: %[[PI:.*]] = arith.index_castui %[[P]] : index to i64
  // CHECK: %[[PF:.*]] = arith.uitofp %[[PI]] : i64 to f64
  // CHECK: arith.addf %[[PF]], %[[T1F]] : f64
  // CHECK: scf.yield %{{.*}}, %[[NEXT]]
  %o, %s = retention.recurrent %q, %k, %v decay(%ld) state(%s0) at(%p)
      : tensor<1x2x3x16xf32>, tensor<1x2x3x16xf32>, tensor<1x2x3x8xf32>,
        tensor<2xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x3x8xf32>
  return %o, %s : tensor<1x2x3x8xf32>, tensor<1x2x16x8xf32>
}
