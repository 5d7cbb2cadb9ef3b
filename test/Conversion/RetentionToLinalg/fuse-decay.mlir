// RUN: retnet-opt %s --retention-fuse-decay -canonicalize | FileCheck %s

// The decay-fused chunk: the only C x C tensor is the score block, and the
// decay gamma^(a-c) is applied in place on it; xi and zeta scale the rows of
// Q and K; gamma^L scales the carried state in place.
// CHECK-LABEL: func.func @chunkwise
// CHECK-SAME: %[[LDIN:[a-z0-9]+]]: tensor<2xf32>
// CHECK: %[[LD:.*]] = linalg.generic {{.*}} ins(%[[LDIN]] : tensor<2xf32>)
// CHECK: arith.maximumf
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}, %[[S:.*]] = %{{.*}})
// CHECK: %[[KT:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x2x8x16xf32>)
// CHECK: %[[SCORES:.*]] = linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]
// CHECK-SAME: ins(%{{.*}}, %[[KT]] : tensor<1x2x16x8xf32>, tensor<1x2x8x16xf32>) outs(%{{.*}} : tensor<1x2x16x16xf32>)
// CHECK: %[[P:.*]] = linalg.generic {{.*}} ins(%[[LD]] : tensor<2xf32>) outs(%[[SCORES]] : tensor<1x2x16x16xf32>)
// CHECK: arith.cmpi uge
// CHECK: math.exp
// CHECK: arith.select
// CHECK: } -> tensor<1x2x16x16xf32>
// CHECK-NOT: tensor<1x2x16x16xf32>
// Q * xi, then (Q * xi) S and P V accumulate into one tensor.
// CHECK: %[[QXI:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x2x16x8xf32>)
// CHECK: math.exp
// CHECK: %[[CROSS:.*]] = linalg.generic {{.*}} ins(%[[QXI]], %[[S]] :
// CHECK: %[[ACC:.*]] = linalg.generic {{.*}} ins(%[[P]], %{{.*}} : {{.*}}) outs(%[[CROSS]] :
// CHECK-NOT: tensor<1x2x16x16xf32>
// CHECK: %[[DECAYED:.*]] = linalg.generic {{.*}} ins(%[[LD]] : tensor<2xf32>) outs(%[[S]] : tensor<1x2x8x4xf32>)
// CHECK: %[[KZETA:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x2x16x8xf32>)
// CHECK: math.exp
// CHECK: %[[NEXT:.*]] = linalg.generic {{.*}} ins(%[[KZETA]], %{{.*}} : {{.*}}) outs(%[[DECAYED]] : tensor<1x2x8x4xf32>)
// CHECK-NOT: tensor<1x2x16x16xf32>
// CHECK: scf.yield %{{.*}}, %[[NEXT]]
func.func @chunkwise(%q: tensor<1x2x32x8xf32>, %k: tensor<1x2x32x8xf32>,
                     %v: tensor<1x2x32x4xf32>, %ld: tensor<2xf32>)
    -> (tensor<1x2x32x4xf32>, tensor<1x2x8x4xf32>) {
  %o, %s = retention.chunkwise %q, %k, %v decay(%ld) chunk(16)
      : tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x4xf32>,
        tensor<2xf32> -> tensor<1x2x32x4xf32>, tensor<1x2x8x4xf32>
  return %o, %s : tensor<1x2x32x4xf32>, tensor<1x2x8x4xf32>
}

// Parallel ops are left to retention-tile (which makes them chunkwise).
// CHECK-LABEL: func.func @parallel
// CHECK: retention.parallel
func.func @parallel(%q: tensor<1x2x32x8xf32>, %k: tensor<1x2x32x8xf32>,
                    %v: tensor<1x2x32x4xf32>, %ld: tensor<2xf32>)
    -> tensor<1x2x32x4xf32> {
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x4xf32>,
        tensor<2xf32> -> tensor<1x2x32x4xf32>
  return %o : tensor<1x2x32x4xf32>
}
