// RUN: retnet-opt %s --convert-retention-to-linalg -canonicalize | FileCheck %s

// Two full chunks of 8 rows in a loop carrying (output, state), then one
// static tail chunk of 4 rows.
// CHECK-LABEL: func.func @chunkwise
// CHECK-SAME: (%[[Q:[a-z0-9]+]]: tensor<1x2x20x16xf32>
func.func @chunkwise(%q: tensor<1x2x20x16xf32>, %k: tensor<1x2x20x16xf32>,
                     %v: tensor<1x2x20x8xf32>, %ld: tensor<2xf32>)
    -> (tensor<1x2x20x8xf32>, tensor<1x2x16x8xf32>) {
  // CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
  // CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
  // CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
  // CHECK: %[[LOOP:.*]]:2 = scf.for %[[J:.*]] = %[[C0]] to %[[C16]] step %[[C8]] iter_args(%[[OUT:.*]] = %{{.*}}, %[[STATE:.*]] = %{{.*}})
  // CHECK: tensor.extract_slice %[[Q]][0, 0, %[[J]], 0] [1, 2, 8, 16]
  // The state update happens in place on the carried state.
  // CHECK: %[[DECAYED:.*]] = linalg.generic {{.*}} outs(%[[STATE]] : tensor<1x2x16x8xf32>)
  // CHECK: %[[NEXT:.*]] = linalg.generic {{.*}} outs(%[[DECAYED]] : tensor<1x2x16x8xf32>)
  // CHECK: scf.yield %{{.*}}, %[[NEXT]]
  // CHECK: tensor.extract_slice %[[Q]][0, 0, 16, 0] [1, 2, 4, 16]
  // CHECK: tensor.insert_slice %{{.*}} into %[[LOOP]]#0[0, 0, 16, 0] [1, 2, 4, 8]
  %o, %s = retention.chunkwise %q, %k, %v decay(%ld) chunk(8)
      : tensor<1x2x20x16xf32>, tensor<1x2x20x16xf32>, tensor<1x2x20x8xf32>,
        tensor<2xf32> -> tensor<1x2x20x8xf32>, tensor<1x2x16x8xf32>
  return %o, %s : tensor<1x2x20x8xf32>, tensor<1x2x16x8xf32>
}
