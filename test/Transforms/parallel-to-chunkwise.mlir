// RUN: retnet-opt %s --retention-parallel-to-chunkwise=chunk-size=16 | FileCheck %s
// RUN: not retnet-opt %s --retention-parallel-to-chunkwise=chunk-size=0 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: retention-parallel-to-chunkwise: chunk-size must be positive, got 0

// CHECK-LABEL: func.func @parallel
// CHECK-SAME: (%[[Q:.*]]: tensor<2x3x20x16xbf16>, %[[K:.*]]: tensor<2x3x20x16xbf16>, %[[V:.*]]: tensor<2x3x20x8xbf16>, %[[LD:.*]]: tensor<3xf32>)
func.func @parallel(%q: tensor<2x3x20x16xbf16>, %k: tensor<2x3x20x16xbf16>,
                    %v: tensor<2x3x20x8xbf16>, %ld: tensor<3xf32>)
    -> tensor<2x3x20x8xbf16> {
  // CHECK: %[[O:.*]], %{{.*}} = retention.chunkwise %[[Q]], %[[K]], %[[V]] decay(%[[LD]]) chunk(16)
  // CHECK-SAME: {scale = 5.000000e-01 : f32}
  // CHECK-SAME: -> tensor<2x3x20x8xbf16>, tensor<2x3x16x8xf32>
  // CHECK: return %[[O]]
  %o = retention.parallel %q, %k, %v decay(%ld) {scale = 0.5 : f32}
      : tensor<2x3x20x16xbf16>, tensor<2x3x20x16xbf16>, tensor<2x3x20x8xbf16>,
        tensor<3xf32> -> tensor<2x3x20x8xbf16>
  return %o : tensor<2x3x20x8xbf16>
}
