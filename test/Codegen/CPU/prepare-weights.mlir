// RUN: retnet-opt %s --retnet-cpu-prepare-weights | FileCheck %s
// RUN: retnet-opt %s --retnet-cpu-prepare-weights --retnet-cpu-lower-packs | FileCheck %s --check-prefix=LOWER

// Arguments whose only use is a pack (%w, %v) are packed once by
// @f_prepare; @f takes them packed and records where they go. %u is also
// used unpacked, so its pack stays in @f.
// CHECK-LABEL: func.func @f(
//  CHECK-SAME:     %{{[^:]*}}: tensor<4x8xf32>, %[[W:[^:]*]]: tensor<2x1x8x16xf32>, %[[U:[^:]*]]: tensor<16x8xf32>, %[[V:[^:]*]]: tensor<1x8x16xf32>
//  CHECK-SAME:     attributes {retnet.prepared_args = array<i64: 1, 3>, retnet.preparer = @f_prepare}
//       CHECK:   %[[UP:.*]] = linalg.pack %[[U]]
//       CHECK:   return %[[W]], %[[U]], %[[UP]], %[[V]]
// CHECK-LABEL: func.func @f_prepare(
//  CHECK-SAME:     %[[W0:[^:]*]]: tensor<2x16x8xf32>, %[[V0:[^:]*]]: tensor<16x8xf32>) -> (tensor<2x1x8x16xf32>, tensor<1x8x16xf32>)
//       CHECK:   %[[WP:.*]] = linalg.pack %[[W0]] outer_dims_perm = [0, 1, 2] inner_dims_pos = [1] inner_tiles = [16]
//       CHECK:   %[[VP:.*]] = linalg.pack %[[V0]] outer_dims_perm = [0, 1] inner_dims_pos = [0] inner_tiles = [16]
//       CHECK:   return %[[WP]], %[[VP]]

// Packs lower to a reshape and a transpose that bufferize.
// LOWER-LABEL: func.func @f_prepare(
//       LOWER:   tensor.expand_shape
//       LOWER:   linalg.transpose
//   LOWER-NOT:   linalg.pack
func.func @f(%x: tensor<4x8xf32>, %w: tensor<2x16x8xf32>, %u: tensor<16x8xf32>,
             %v: tensor<16x8xf32>)
    -> (tensor<2x1x8x16xf32>, tensor<16x8xf32>, tensor<1x8x16xf32>,
        tensor<1x8x16xf32>) {
  %e = tensor.empty() : tensor<2x1x8x16xf32>
  %p = linalg.pack %w outer_dims_perm = [0, 1, 2] inner_dims_pos = [1]
      inner_tiles = [16] into %e : tensor<2x16x8xf32> -> tensor<2x1x8x16xf32>
  %e2 = tensor.empty() : tensor<1x8x16xf32>
  %q = linalg.pack %u outer_dims_perm = [0, 1] inner_dims_pos = [0]
      inner_tiles = [16] into %e2 : tensor<16x8xf32> -> tensor<1x8x16xf32>
  %r = linalg.pack %v outer_dims_perm = [0, 1] inner_dims_pos = [0]
      inner_tiles = [16] into %e2 : tensor<16x8xf32> -> tensor<1x8x16xf32>
  return %p, %u, %q, %r : tensor<2x1x8x16xf32>, tensor<16x8xf32>,
                          tensor<1x8x16xf32>, tensor<1x8x16xf32>
}

// Private functions are not entry points: left alone.
// CHECK-LABEL: func.func private @helper(
//  CHECK-SAME:     tensor<16x8xf32>
//   CHECK-NOT:   retnet.preparer
//       CHECK:   linalg.pack
func.func private @helper(%w: tensor<16x8xf32>) -> tensor<1x8x16xf32> {
  %e = tensor.empty() : tensor<1x8x16xf32>
  %p = linalg.pack %w outer_dims_perm = [0, 1] inner_dims_pos = [0]
      inner_tiles = [16] into %e : tensor<16x8xf32> -> tensor<1x8x16xf32>
  return %p : tensor<1x8x16xf32>
}
