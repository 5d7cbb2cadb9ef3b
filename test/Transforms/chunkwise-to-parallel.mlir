// RUN: retnet-opt %s --retention-chunkwise-to-parallel -split-input-file -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @converted
func.func @converted(%q: tensor<1x2x7x16xf32>, %k: tensor<1x2x7x16xf32>,
                     %v: tensor<1x2x7x8xf32>, %ld: tensor<2xf32>)
    -> tensor<1x2x7x8xf32> {
  %p = arith.constant 0 : index
  // CHECK: %[[O:.*]] = retention.parallel %{{.*}} {scale = 2.500000e-01 : f32}
  // CHECK-NOT: retention.chunkwise
  // CHECK: return %[[O]]
  %o, %s = retention.chunkwise %q, %k, %v decay(%ld) at(%p) chunk(4) {scale = 0.25 : f32}
      : tensor<1x2x7x16xf32>, tensor<1x2x7x16xf32>, tensor<1x2x7x8xf32>,
        tensor<2xf32> -> tensor<1x2x7x8xf32>, tensor<1x2x16x8xf32>
  return %o : tensor<1x2x7x8xf32>
}

// -----

// CHECK-LABEL: func.func @state_used
func.func @state_used(%q: tensor<1x2x7x16xf32>, %k: tensor<1x2x7x16xf32>,
                      %v: tensor<1x2x7x8xf32>, %ld: tensor<2xf32>)
    -> tensor<1x2x16x8xf32> {
  // CHECK: retention.chunkwise
  // expected-remark @+1 {{not converted to the parallel form: its final state is used}}
  %o, %s = retention.chunkwise %q, %k, %v decay(%ld) chunk(4)
      : tensor<1x2x7x16xf32>, tensor<1x2x7x16xf32>, tensor<1x2x7x8xf32>,
        tensor<2xf32> -> tensor<1x2x7x8xf32>, tensor<1x2x16x8xf32>
  return %s : tensor<1x2x16x8xf32>
}

// -----

// CHECK-LABEL: func.func @initial_state
func.func @initial_state(%q: tensor<1x2x7x16xf32>, %k: tensor<1x2x7x16xf32>,
                         %v: tensor<1x2x7x8xf32>, %ld: tensor<2xf32>,
                         %s0: tensor<1x2x16x8xf32>) -> tensor<1x2x7x8xf32> {
  // CHECK: retention.chunkwise
  // expected-remark @+1 {{not converted to the parallel form: it starts from a non-zero initial state}}
  %o, %s = retention.chunkwise %q, %k, %v decay(%ld) init(%s0) chunk(4)
      : tensor<1x2x7x16xf32>, tensor<1x2x7x16xf32>, tensor<1x2x7x8xf32>,
        tensor<2xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x7x8xf32>, tensor<1x2x16x8xf32>
  return %o : tensor<1x2x7x8xf32>
}

// -----

// CHECK-LABEL: func.func @position
func.func @position(%q: tensor<1x2x7x16xf32>, %k: tensor<1x2x7x16xf32>,
                    %v: tensor<1x2x7x8xf32>, %ld: tensor<2xf32>,
                    %p: index) -> tensor<1x2x7x8xf32> {
  // CHECK: retention.chunkwise
  // expected-remark @+1 {{not converted to the parallel form: its first row is not at position 0}}
  %o, %s = retention.chunkwise %q, %k, %v decay(%ld) at(%p) chunk(4)
      : tensor<1x2x7x16xf32>, tensor<1x2x7x16xf32>, tensor<1x2x7x8xf32>,
        tensor<2xf32> -> tensor<1x2x7x8xf32>, tensor<1x2x16x8xf32>
  return %o : tensor<1x2x7x8xf32>
}
