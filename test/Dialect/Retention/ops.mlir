// RUN: retnet-opt %s | FileCheck %s
// Round trip through the generic form must give the same custom form.
// RUN: retnet-opt %s --mlir-print-op-generic | retnet-opt | FileCheck %s

// CHECK-LABEL: func.func @parallel
// CHECK-SAME: (%[[Q:.*]]: tensor<2x4x64x16xf32>, %[[K:.*]]: tensor<2x4x64x16xf32>, %[[V:.*]]: tensor<2x4x64x32xf32>, %[[LD:.*]]: tensor<4xf32>)
func.func @parallel(%q: tensor<2x4x64x16xf32>, %k: tensor<2x4x64x16xf32>,
                    %v: tensor<2x4x64x32xf32>, %ld: tensor<4xf32>)
    -> tensor<2x4x64x32xf32> {
  // CHECK: retention.parallel %[[Q]], %[[K]], %[[V]] decay(%[[LD]]) :
  // CHECK-SAME: -> tensor<2x4x64x32xf32>
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<2x4x64x16xf32>, tensor<2x4x64x16xf32>, tensor<2x4x64x32xf32>,
        tensor<4xf32> -> tensor<2x4x64x32xf32>
  return %o : tensor<2x4x64x32xf32>
}

// CHECK-LABEL: func.func @parallel_attrs
func.func @parallel_attrs(%q: tensor<1x2x8x4xbf16>, %k: tensor<1x2x8x4xbf16>,
                          %v: tensor<1x2x8x4xbf16>, %ld: tensor<2xf32>)
    -> tensor<1x2x8x4xbf16> {
  // CHECK: retention.parallel
  // CHECK-SAME: {normalization = #retention.normalization<none>, scale = 1.250000e-01 : f32}
  %o = retention.parallel %q, %k, %v decay(%ld)
      {normalization = #retention.normalization<none>, scale = 0.125 : f32}
      : tensor<1x2x8x4xbf16>, tensor<1x2x8x4xbf16>, tensor<1x2x8x4xbf16>,
        tensor<2xf32> -> tensor<1x2x8x4xbf16>
  return %o : tensor<1x2x8x4xbf16>
}

// Row divisors round-trip; an unbounded one prints no max.
// CHECK-LABEL: func.func @parallel_row_divisor
func.func @parallel_row_divisor(%q: tensor<1x2x8x4xf32>, %ld: tensor<2xf32>)
    -> (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) {
  // CHECK: retention.parallel
  // CHECK-SAME: {row_divisor = #retention.row_divisor<sum_of_abs, min = 1.000000e+00, max = 5.000000e+04>}
  %o = retention.parallel %q, %q, %q decay(%ld)
      {row_divisor = #retention.row_divisor<sum_of_abs, min = 1.0, max = 5.0e4>}
      : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>,
        tensor<2xf32> -> tensor<1x2x8x4xf32>
  // CHECK: retention.parallel
  // CHECK-SAME: {row_divisor = #retention.row_divisor<abs_of_sum, min = 1.000000e+00>}
  %p = retention.parallel %q, %q, %q decay(%ld)
      {row_divisor = #retention.row_divisor<abs_of_sum, min = 1.0>}
      : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>,
        tensor<2xf32> -> tensor<1x2x8x4xf32>
  return %o, %p : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>
}

// CHECK-LABEL: func.func @chunkwise
// CHECK-SAME: %[[S0:[a-z0-9]+]]: tensor<1x2x16x8xf32>, %[[P:[a-z0-9]+]]: index
func.func @chunkwise(%q: tensor<1x2x100x16xf16>, %k: tensor<1x2x100x16xf16>,
                     %v: tensor<1x2x100x8xf16>, %ld: tensor<2xf32>,
                     %s0: tensor<1x2x16x8xf32>, %p: index)
    -> (tensor<1x2x100x8xf16>, tensor<1x2x16x8xf32>) {
  // CHECK: retention.chunkwise %{{.*}} decay(%{{.*}}) init(%[[S0]]) at(%[[P]]) chunk(64) :
  // CHECK-SAME: tensor<1x2x16x8xf32> -> tensor<1x2x100x8xf16>, tensor<1x2x16x8xf32>
  %o, %s = retention.chunkwise %q, %k, %v decay(%ld) init(%s0) at(%p) chunk(64)
      : tensor<1x2x100x16xf16>, tensor<1x2x100x16xf16>, tensor<1x2x100x8xf16>,
        tensor<2xf32>, tensor<1x2x16x8xf32>
      -> tensor<1x2x100x8xf16>, tensor<1x2x16x8xf32>
  return %o, %s : tensor<1x2x100x8xf16>, tensor<1x2x16x8xf32>
}

// CHECK-LABEL: func.func @chunkwise_no_state
func.func @chunkwise_no_state(%q: tensor<1x2x100x16xf32>,
                              %k: tensor<1x2x100x16xf32>,
                              %v: tensor<1x2x100x8xf32>, %ld: tensor<2xf32>)
    -> tensor<1x2x16x8xf32> {
  // CHECK: retention.chunkwise %{{.*}} decay(%{{.*}}) chunk(32) :
  // CHECK-NOT: init
  %o, %s = retention.chunkwise %q, %k, %v decay(%ld) chunk(32)
      : tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>, tensor<1x2x100x8xf32>,
        tensor<2xf32> -> tensor<1x2x100x8xf32>, tensor<1x2x16x8xf32>
  return %s : tensor<1x2x16x8xf32>
}

// CHECK-LABEL: func.func @recurrent
func.func @recurrent(%q: tensor<3x2x1x16xf32>, %k: tensor<3x2x1x16xf32>,
                     %v: tensor<3x2x1x8xf32>, %ld: tensor<2xf32>,
                     %s0: tensor<3x2x16x8xf32>, %p: index)
    -> (tensor<3x2x1x8xf32>, tensor<3x2x16x8xf32>) {
  // CHECK: %[[O:.*]], %[[S:.*]] = retention.recurrent %{{.*}} decay(%{{.*}}) state(%{{.*}}) at(%{{.*}}) :
  // CHECK-SAME: -> tensor<3x2x1x8xf32>
  %o, %s = retention.recurrent %q, %k, %v decay(%ld) state(%s0) at(%p)
      : tensor<3x2x1x16xf32>, tensor<3x2x1x16xf32>, tensor<3x2x1x8xf32>,
        tensor<2xf32>, tensor<3x2x16x8xf32> -> tensor<3x2x1x8xf32>
  // CHECK: return %[[O]], %[[S]]
  return %o, %s : tensor<3x2x1x8xf32>, tensor<3x2x16x8xf32>
}

// Dynamic sizes are allowed by the ops (the lowering needs static ones).
// CHECK-LABEL: func.func @dynamic
func.func @dynamic(%q: tensor<?x2x?x16xf32>, %k: tensor<?x2x?x16xf32>,
                   %v: tensor<?x2x?x8xf32>, %ld: tensor<2xf32>)
    -> tensor<?x2x?x8xf32> {
  // CHECK: retention.parallel
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x8xf32>,
        tensor<2xf32> -> tensor<?x2x?x8xf32>
  return %o : tensor<?x2x?x8xf32>
}
