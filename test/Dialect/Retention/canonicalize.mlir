// RUN: retnet-opt %s -canonicalize -split-input-file | FileCheck %s

// A chunk longer than the sequence is clamped to the sequence length.
// CHECK-LABEL: func.func @clamp_chunk_size
func.func @clamp_chunk_size(%q: tensor<1x2x20x16xf32>, %k: tensor<1x2x20x16xf32>,
                            %v: tensor<1x2x20x8xf32>, %ld: tensor<2xf32>)
    -> (tensor<1x2x20x8xf32>, tensor<1x2x16x8xf32>) {
  // CHECK: retention.chunkwise {{.*}} chunk(20)
  %o, %s = retention.chunkwise %q, %k, %v decay(%ld) chunk(128)
      : tensor<1x2x20x16xf32>, tensor<1x2x20x16xf32>, tensor<1x2x20x8xf32>,
        tensor<2xf32> -> tensor<1x2x20x8xf32>, tensor<1x2x16x8xf32>
  return %o, %s : tensor<1x2x20x8xf32>, tensor<1x2x16x8xf32>
}

// -----

// CHECK-LABEL: func.func @keep_chunk_size
func.func @keep_chunk_size(%q: tensor<1x2x20x16xf32>, %k: tensor<1x2x20x16xf32>,
                           %v: tensor<1x2x20x8xf32>, %ld: tensor<2xf32>)
    -> (tensor<1x2x20x8xf32>, tensor<1x2x16x8xf32>) {
  // CHECK: retention.chunkwise {{.*}} chunk(16)
  %o, %s = retention.chunkwise %q, %k, %v decay(%ld) chunk(16)
      : tensor<1x2x20x16xf32>, tensor<1x2x20x16xf32>, tensor<1x2x20x8xf32>,
        tensor<2xf32> -> tensor<1x2x20x8xf32>, tensor<1x2x16x8xf32>
  return %o, %s : tensor<1x2x20x8xf32>, tensor<1x2x16x8xf32>
}

// -----

// A zero initial state is the default state; the position stays.
// CHECK-LABEL: func.func @drop_zero_state
// CHECK-SAME: %[[P:[a-z0-9]+]]: index
func.func @drop_zero_state(%q: tensor<1x2x20x16xf32>, %k: tensor<1x2x20x16xf32>,
                           %v: tensor<1x2x20x8xf32>, %ld: tensor<2xf32>,
                           %p: index)
    -> (tensor<1x2x20x8xf32>, tensor<1x2x16x8xf32>) {
  %zero = arith.constant dense<0.0> : tensor<1x2x16x8xf32>
  // CHECK-NOT: arith.constant
  // CHECK: retention.chunkwise %{{.*}} decay(%{{.*}}) at(%[[P]]) chunk(16) :
  %o, %s = retention.chunkwise %q, %k, %v decay(%ld) init(%zero) at(%p) chunk(16)
      : tensor<1x2x20x16xf32>, tensor<1x2x20x16xf32>, tensor<1x2x20x8xf32>,
        tensor<2xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x20x8xf32>, tensor<1x2x16x8xf32>
  return %o, %s : tensor<1x2x20x8xf32>, tensor<1x2x16x8xf32>
}

// -----

// CHECK-LABEL: func.func @keep_nonzero_state
func.func @keep_nonzero_state(%q: tensor<1x2x20x16xf32>, %k: tensor<1x2x20x16xf32>,
                              %v: tensor<1x2x20x8xf32>, %ld: tensor<2xf32>)
    -> (tensor<1x2x20x8xf32>, tensor<1x2x16x8xf32>) {
  // CHECK: %[[ONE:.*]] = arith.constant dense<1.0
  %one = arith.constant dense<1.0> : tensor<1x2x16x8xf32>
  // CHECK: init(%[[ONE]])
  %o, %s = retention.chunkwise %q, %k, %v decay(%ld) init(%one) chunk(16)
      : tensor<1x2x20x16xf32>, tensor<1x2x20x16xf32>, tensor<1x2x20x8xf32>,
        tensor<2xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x20x8xf32>, tensor<1x2x16x8xf32>
  return %o, %s : tensor<1x2x20x8xf32>, tensor<1x2x16x8xf32>
}
