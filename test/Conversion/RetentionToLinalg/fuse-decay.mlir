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

// A parallel op in blocks of query rows (64; T = 136 here: two full
// blocks and a tail of 8) and key blocks up to the query block's own: the only
// score tensors are 64 x 64 (and the tail's 8 x 64, 8 x 8) blocks, decayed
// in place; with a row_divisor each block's absolute row sums accumulate
// beside the rows' outputs, which are divided by them once.
// CHECK-LABEL: func.func @parallel
// CHECK: scf.for %[[ROW0:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK: %[[KEYEND:.*]] = arith.addi %[[ROW0]]
// CHECK: scf.for %[[KEY0:.*]] = %{{.*}} to %[[KEYEND]] step {{.*}} iter_args(%[[ACC:.*]] = %{{.*}}, %[[ABS:.*]] = %{{.*}})
// CHECK: %[[SCORES:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x2x64x64xf32>)
// CHECK: %[[W:.*]] = linalg.generic {{.*}} outs(%[[SCORES]] : tensor<1x2x64x64xf32>)
// CHECK: math.exp
// CHECK: %[[ABS1:.*]] = linalg.generic {{.*}} ins(%[[W]] : tensor<1x2x64x64xf32>) outs(%[[ABS]] : tensor<1x2x64xf32>)
// CHECK: math.absf
// CHECK: %[[ACC1:.*]] = linalg.generic {{.*}} ins(%[[W]], %{{.*}} : tensor<1x2x64x64xf32>, tensor<1x2x64x4xf32>) outs(%[[ACC]] :
// CHECK: scf.yield %[[ACC1]], %[[ABS1]]
// CHECK: arith.maximumf
// CHECK: arith.minimumf
// CHECK: arith.divf
// CHECK: tensor.insert_slice {{.*}} into %{{.*}}[0, 0, %[[ROW0]], 0] [1, 2, 64, 4]
// The tail: full key blocks up to row 128, then its own 8 x 8 block.
// CHECK: scf.for
// CHECK: tensor<1x2x8x64xf32>
// CHECK: } -> tensor<1x2x8x8xf32>
// CHECK: tensor.insert_slice {{.*}}[0, 0, 128, 0] [1, 2, 8, 4]
// CHECK-NOT: tensor<1x2x136x136xf32>
func.func @parallel(%q: tensor<1x2x136x8xf32>, %k: tensor<1x2x136x8xf32>,
                    %v: tensor<1x2x136x4xf32>, %ld: tensor<2xf32>)
    -> tensor<1x2x136x4xf32> {
  %o = retention.parallel %q, %k, %v decay(%ld)
      {row_divisor = #retention.row_divisor<sum_of_abs, min = 1.0, max = 50000.0>}
      : tensor<1x2x136x8xf32>, tensor<1x2x136x8xf32>, tensor<1x2x136x4xf32>,
        tensor<2xf32> -> tensor<1x2x136x4xf32>
  return %o : tensor<1x2x136x4xf32>
}
