// RUN: retnet-opt %s --pass-pipeline='builtin.module(func.func(retnet-cpu-pack-matmuls))' | FileCheck %s
// RUN: retnet-opt %s --pass-pipeline='builtin.module(func.func(retnet-cpu-pack-matmuls{panel-width=4 row-tile=2 tasks=8}))' | FileCheck %s --check-prefix=SMALL
// RUN: retnet-opt %s --pass-pipeline='builtin.module(func.func(retnet-cpu-pack-matmuls{panel-width=32 row-panel-width=4}))' | FileCheck %s --check-prefix=ROWPANEL
// RUN: retnet-opt %s --pass-pipeline='builtin.module(func.func(retnet-cpu-pack-matmuls{panel-width=4 row-tile=2 streamed-row-tile=4 cached-weight-bytes=767 tasks=8}))' | FileCheck %s --check-prefix=STREAMED
// RUN: retnet-opt %s --pass-pipeline='builtin.module(func.func(retnet-cpu-pack-matmuls{panel-width=4 row-tile=2 streamed-row-tile=4 cached-weight-bytes=768 tasks=8}))' | FileCheck %s --check-prefix=SMALL
// RUN: retnet-opt %s --pass-pipeline='builtin.module(func.func(retnet-cpu-pack-matmuls{bf16-dot=true}))' --mlir-print-local-scope | FileCheck %s --check-prefix=DOT

#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>

// A layer of stacked torch Linear weights [L, N, K]: the whole stack is
// packed into 16-wide panels [L, N / 16, K, 16] once, at function entry, and
// the layer is sliced from the packed stack. The product over the panels is
// split into tasks of (rows, panels), each filling its own output tile with
// the zeros C was filled with, and marked for the vector kernels.
// CHECK-LABEL: func.func @stacked_layer(
//  CHECK-SAME:     %[[X:[^:]*]]: tensor<8x32xf32>, %[[W:[^:]*]]: tensor<3x64x32xf32>, %[[L:[^:]*]]: index
//       CHECK:   %[[PACK:.*]] = linalg.pack %[[W]] outer_dims_perm = [0, 1, 2] inner_dims_pos = [1] inner_tiles = [16] into %{{.*}} : tensor<3x64x32xf32> -> tensor<3x4x32x16xf32>
//       CHECK:   %[[LAYER:.*]] = tensor.extract_slice %[[PACK]][%[[L]], 0, 0, 0] [1, 4, 32, 16] [1, 1, 1, 1] : tensor<3x4x32x16xf32> to tensor<4x32x16xf32>
//       CHECK:   %[[ZERO:.*]] = arith.constant 0.0
//       CHECK:   %[[C:.*]] = tensor.empty() : tensor<8x4x16xf32>
//   CHECK-NOT:   linalg.fill
//       CHECK:   %[[Y:.*]] = scf.forall (%[[I:.*]], %[[J:.*]]) = (0, 0) to (8, 4) step (8, 1) shared_outs(%[[OUT:.*]] = %[[C]])
//       CHECK:     %[[XS:.*]] = tensor.extract_slice %[[X]][%[[I]], 0] [8, 32]
//       CHECK:     %[[WS:.*]] = tensor.extract_slice %[[LAYER]][%[[J]], 0, 0] [1, 32, 16]
//       CHECK:     %[[OS:.*]] = tensor.extract_slice %[[OUT]][%[[I]], %[[J]], 0] [8, 1, 16]
//       CHECK:     %[[ACC:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[OS]] :
//       CHECK:     linalg.generic {{.*}} ins(%[[XS]], %[[WS]] : tensor<8x32xf32>, tensor<1x32x16xf32>) outs(%[[ACC]] : tensor<8x1x16xf32>) attrs = {retnet.vectorize}
//       CHECK:   %[[R:.*]] = tensor.collapse_shape %[[Y]] {{\[}}[0], [1, 2]] : tensor<8x4x16xf32> into tensor<8x64xf32>
//       CHECK:   return %[[R]]
//   CHECK-NOT:   linalg.matmul
func.func @stacked_layer(%x: tensor<8x32xf32>, %w: tensor<3x64x32xf32>,
                         %l: index) -> tensor<8x64xf32> {
  %s = tensor.extract_slice %w[%l, 0, 0] [1, 64, 32] [1, 1, 1]
      : tensor<3x64x32xf32> to tensor<64x32xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x64xf32>
  %c = linalg.fill ins(%z : f32) outs(%e : tensor<8x64xf32>) -> tensor<8x64xf32>
  %y = linalg.matmul indexing_maps = [#mk, #nk, #mn]
      ins(%x, %s : tensor<8x32xf32>, tensor<64x32xf32>)
      outs(%c : tensor<8x64xf32>) -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

// B [K, N] computed in the function is packed where it is (outer dims
// swapped to [N / P, K]); P = 8, the largest power of two up to 16 dividing
// N = 24. The product accumulates into C.
// CHECK-LABEL: func.func @computed_b(
//  CHECK-SAME:     %[[X:[^:]*]]: tensor<4x8xf32>, %[[B:[^:]*]]: tensor<8x24xf32>, %[[C:[^:]*]]: tensor<4x24xf32>
//       CHECK:   %[[B2:.*]] = arith.addf %[[B]], %[[B]]
//       CHECK:   %[[PACK:.*]] = linalg.pack %[[B2]] outer_dims_perm = [1, 0] inner_dims_pos = [1] inner_tiles = [8] into %{{.*}} : tensor<8x24xf32> -> tensor<3x8x8xf32>
//       CHECK:   %[[CE:.*]] = tensor.expand_shape %[[C]] {{\[}}[0], [1, 2]] output_shape [4, 3, 8]
//       CHECK:   scf.forall ({{.*}}) = (0, 0) to (4, 3) step (4, 1) shared_outs(%{{.*}} = %[[CE]])
//       CHECK:     tensor.extract_slice %[[PACK]]

// Smaller panels, row tiles and more tasks.
// SMALL-LABEL: func.func @computed_b(
//       SMALL:   linalg.pack {{.*}} inner_tiles = [4] {{.*}} -> tensor<6x8x4xf32>
//       SMALL:   scf.forall ({{.*}}) = (0, 0) to (4, 6) step (2, 2)

// A B of more bytes than cached-weight-bytes (8 x 24 f32: 768) is streamed:
// tasks of up to streamed-row-tile rows.
// STREAMED-LABEL: func.func @computed_b(
//       STREAMED:   scf.forall ({{.*}}) = (0, 0) to (4, 6) step (4, 1)
func.func @computed_b(%x: tensor<4x8xf32>, %b: tensor<8x24xf32>,
                      %c: tensor<4x24xf32>) -> tensor<4x24xf32> {
  %b2 = arith.addf %b, %b : tensor<8x24xf32>
  %y = linalg.matmul ins(%x, %b2 : tensor<4x8xf32>, tensor<8x24xf32>)
      outs(%c : tensor<4x24xf32>) -> tensor<4x24xf32>
  return %y : tensor<4x24xf32>
}

// 16-bit weights (`--weights-dtype bf16`): the panels keep B's type and the
// product widens each element it reads.
// CHECK-LABEL: func.func @bf16_weights(
//  CHECK-SAME:     %[[X:[^:]*]]: tensor<1x32xf32>, %[[W:[^:]*]]: tensor<64x32xbf16>
//       CHECK:   %[[PACK:.*]] = linalg.pack %[[W]] {{.*}} : tensor<64x32xbf16> -> tensor<4x32x16xbf16>
//       CHECK:   scf.forall
//       CHECK:     linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x32xf32>, tensor<1x32x16xbf16>)
//       CHECK:     ^bb0(%[[A:.*]]: f32, %[[B:.*]]: bf16, %[[C:.*]]: f32):
//       CHECK:       %[[BW:.*]] = arith.extf %[[B]] : bf16 to f32
//       CHECK:       %[[M:.*]] = arith.mulf %[[A]], %[[BW]] fastmath<contract>
//       CHECK:       arith.addf %[[C]], %[[M]] fastmath<contract>
// A single row of A (decoding a token) gets panels of up to row-panel-width
// lanes, more rows those of up to panel-width.
// ROWPANEL-LABEL: func.func @stacked_layer(
//       ROWPANEL:   linalg.pack {{.*}} -> tensor<3x2x32x32xf32>
// ROWPANEL-LABEL: func.func @bf16_weights(
//       ROWPANEL:   linalg.pack {{.*}} : tensor<64x32xbf16> -> tensor<16x32x4xbf16>
func.func @bf16_weights(%x: tensor<1x32xf32>, %w: tensor<64x32xbf16>)
    -> tensor<1x64xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x64xf32>
  %c = linalg.fill ins(%z : f32) outs(%e : tensor<1x64xf32>) -> tensor<1x64xf32>
  %y = linalg.matmul indexing_maps = [#mk, #nk, #mn]
      ins(%x, %w : tensor<1x32xf32>, tensor<64x32xbf16>)
      outs(%c : tensor<1x64xf32>) -> tensor<1x64xf32>
  return %y : tensor<1x64xf32>
}

// With bf16-dot a product by bf16 weights multiplies bf16 pairs: A rounded
// to bf16 and seen as [M, K / 2, 2], B packed as [N / P, K / 2, P, 2] (P of
// 16 lanes, or 8 or 4 where N needs it), loops (m, g, k / 2, p, 2), both
// operands widened in the body.
// DOT-LABEL: func.func @bf16_weights(
//  DOT-SAME:     %[[X:[^:]*]]: tensor<1x32xf32>, %[[W:[^:]*]]: tensor<64x32xbf16>
//       DOT:   %[[PACK:.*]] = linalg.pack %[[W]] outer_dims_perm = [0, 1] inner_dims_pos = [0, 1] inner_tiles = [16, 2] {{.*}} : tensor<64x32xbf16> -> tensor<4x16x16x2xbf16>
//       DOT:   %[[R:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<1x32xf32>) outs(%{{.*}} : tensor<1x32xbf16>)
//       DOT:     arith.truncf %{{.*}} : f32 to bf16
//       DOT:   %[[PAIRS:.*]] = tensor.expand_shape %[[R]] {{\[}}[0], [1, 2]] {{.*}} into tensor<1x16x2xbf16>
//       DOT:   scf.forall
//       DOT:     linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d1, d2, d3, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3)>], iterator_types = ["parallel", "parallel", "reduction", "parallel", "reduction"]}
//  DOT-SAME:       ins(%{{.*}}, %{{.*}} : tensor<1x16x2xbf16>, tensor<1x16x16x2xbf16>)
//       DOT:     ^bb0(%[[A:.*]]: bf16, %[[B:.*]]: bf16, %[[C:.*]]: f32):
//   DOT-DAG:       %[[AW:.*]] = arith.extf %[[A]] : bf16 to f32
//   DOT-DAG:       %[[BW:.*]] = arith.extf %[[B]] : bf16 to f32
//       DOT:       %[[M:.*]] = arith.mulf %[[AW]], %[[BW]] fastmath<contract>
//       DOT:       arith.addf %[[C]], %[[M]] fastmath<contract>

// B as [K, N] with N = 24: panels of 8 lanes, K pairs packed from rows.
// DOT-LABEL: func.func @bf16_kn(
//       DOT:   linalg.pack %{{.*}} outer_dims_perm = [1, 0] inner_dims_pos = [1, 0] inner_tiles = [8, 2] {{.*}} : tensor<32x24xbf16> -> tensor<3x16x8x2xbf16>
//       DOT:   linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<4x16x2xbf16>, tensor<{{[0-9]+}}x16x8x2xbf16>)
func.func @bf16_kn(%x: tensor<4x32xf32>, %w: tensor<32x24xbf16>,
                   %c: tensor<4x24xf32>) -> tensor<4x24xf32> {
  %y = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x24xbf16>)
      outs(%c : tensor<4x24xf32>) -> tensor<4x24xf32>
  return %y : tensor<4x24xf32>
}

// No pairs for an odd K, nor for an f32 B: the products of panel-packed
// weights as above, with f32 activations.
// DOT-LABEL: func.func @bf16_odd_k(
//       DOT:   linalg.pack {{.*}} : tensor<32x31xbf16> -> tensor<2x31x16xbf16>
//       DOT:   linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction", "parallel"]
//  DOT-SAME:     ins(%{{.*}}, %{{.*}} : tensor<4x31xf32>, tensor<1x31x16xbf16>)
//   DOT-NOT:   arith.truncf
// DOT-LABEL: func.func @f32_weights(
//       DOT:   linalg.pack {{.*}} : tensor<32x32xf32> -> tensor<2x32x16xf32>
//   DOT-NOT:   arith.truncf
func.func @bf16_odd_k(%x: tensor<4x31xf32>, %w: tensor<32x31xbf16>,
                      %c: tensor<4x32xf32>) -> tensor<4x32xf32> {
  %y = linalg.matmul indexing_maps = [#mk, #nk, #mn]
      ins(%x, %w : tensor<4x31xf32>, tensor<32x31xbf16>)
      outs(%c : tensor<4x32xf32>) -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}
func.func @f32_weights(%x: tensor<4x32xf32>, %w: tensor<32x32xf32>,
                       %c: tensor<4x32xf32>) -> tensor<4x32xf32> {
  %y = linalg.matmul indexing_maps = [#mk, #nk, #mn]
      ins(%x, %w : tensor<4x32xf32>, tensor<32x32xf32>)
      outs(%c : tensor<4x32xf32>) -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}

// Left alone: a B wider than C (the product would narrow it), and A of
// another type than C.
// CHECK-LABEL: func.func @not_widening
//       CHECK:   linalg.matmul
//       CHECK:   linalg.matmul
//   CHECK-NOT:   linalg.pack
func.func @not_widening(%x: tensor<1x32xbf16>, %w: tensor<64x32xf32>,
                        %c: tensor<1x64xbf16>, %x16: tensor<1x32xf16>,
                        %w32: tensor<64x32xf32>, %c32: tensor<1x64xf32>)
    -> (tensor<1x64xbf16>, tensor<1x64xf32>) {
  %y = linalg.matmul indexing_maps = [#mk, #nk, #mn]
      ins(%x, %w : tensor<1x32xbf16>, tensor<64x32xf32>)
      outs(%c : tensor<1x64xbf16>) -> tensor<1x64xbf16>
  %z = linalg.matmul indexing_maps = [#mk, #nk, #mn]
      ins(%x16, %w32 : tensor<1x32xf16>, tensor<64x32xf32>)
      outs(%c32 : tensor<1x64xf32>) -> tensor<1x64xf32>
  return %y, %z : tensor<1x64xbf16>, tensor<1x64xf32>
}

// A weight is packed one way per function: the single-row product of the
// same stacked weight (generation's last layer) takes the 32-wide panels of
// the product before it instead of a second, 4-wide pack.
// ROWPANEL-LABEL: func.func @shared_pack(
//  ROWPANEL-SAME:     %[[X:[^:]*]]: tensor<8x32xf32>, %[[X1:[^:]*]]: tensor<1x32xf32>, %[[W:[^:]*]]: tensor<3x64x32xf32>
//       ROWPANEL:   %[[PACK:.*]] = linalg.pack %[[W]] {{.*}} inner_tiles = [32] {{.*}} -> tensor<3x2x32x32xf32>
//   ROWPANEL-NOT:   linalg.pack
//       ROWPANEL:   %[[LAYER:.*]] = tensor.extract_slice %[[PACK]][%{{.*}}, 0, 0, 0] [1, 2, 32, 32]
//       ROWPANEL:   %[[LAST:.*]] = tensor.extract_slice %[[PACK]][2, 0, 0, 0] [1, 2, 32, 32]
//       ROWPANEL:   tensor.extract_slice %[[LAYER]]
//       ROWPANEL:   linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<8x32xf32>, tensor<1x32x32xf32>)
//       ROWPANEL:   tensor.extract_slice %[[LAST]]
//       ROWPANEL:   linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x32xf32>, tensor<1x32x32xf32>)
//   ROWPANEL-NOT:   linalg.pack
// CHECK-LABEL: func.func @shared_pack(
//       CHECK:   linalg.pack {{.*}} -> tensor<3x4x32x16xf32>
//   CHECK-NOT:   linalg.pack
func.func @shared_pack(%x: tensor<8x32xf32>, %x1: tensor<1x32xf32>,
                       %w: tensor<3x64x32xf32>, %l: index)
    -> (tensor<8x64xf32>, tensor<1x64xf32>) {
  %s = tensor.extract_slice %w[%l, 0, 0] [1, 64, 32] [1, 1, 1]
      : tensor<3x64x32xf32> to tensor<64x32xf32>
  %s2 = tensor.extract_slice %w[2, 0, 0] [1, 64, 32] [1, 1, 1]
      : tensor<3x64x32xf32> to tensor<64x32xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x64xf32>
  %c = linalg.fill ins(%z : f32) outs(%e : tensor<8x64xf32>) -> tensor<8x64xf32>
  %y = linalg.matmul indexing_maps = [#mk, #nk, #mn]
      ins(%x, %s : tensor<8x32xf32>, tensor<64x32xf32>)
      outs(%c : tensor<8x64xf32>) -> tensor<8x64xf32>
  %e1 = tensor.empty() : tensor<1x64xf32>
  %c1 = linalg.fill ins(%z : f32) outs(%e1 : tensor<1x64xf32>) -> tensor<1x64xf32>
  %y1 = linalg.matmul indexing_maps = [#mk, #nk, #mn]
      ins(%x1, %s2 : tensor<1x32xf32>, tensor<64x32xf32>)
      outs(%c1 : tensor<1x64xf32>) -> tensor<1x64xf32>
  return %y, %y1 : tensor<8x64xf32>, tensor<1x64xf32>
}

// The first product's panels win (walk order): the single-row product
// first, its 4-wide panels serve the 8-row product too.
// ROWPANEL-LABEL: func.func @shared_pack_row_first(
//       ROWPANEL:   linalg.pack {{.*}} inner_tiles = [4] {{.*}} -> tensor<3x16x32x4xf32>
//   ROWPANEL-NOT:   linalg.pack
//       ROWPANEL:   return
// CHECK-LABEL: func.func @shared_pack_row_first(
//       CHECK:   linalg.pack {{.*}} -> tensor<3x4x32x16xf32>
//   CHECK-NOT:   linalg.pack
func.func @shared_pack_row_first(%x: tensor<8x32xf32>, %x1: tensor<1x32xf32>,
                                 %w: tensor<3x64x32xf32>, %l: index)
    -> (tensor<8x64xf32>, tensor<1x64xf32>) {
  %s = tensor.extract_slice %w[%l, 0, 0] [1, 64, 32] [1, 1, 1]
      : tensor<3x64x32xf32> to tensor<64x32xf32>
  %z = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<1x64xf32>
  %c1 = linalg.fill ins(%z : f32) outs(%e1 : tensor<1x64xf32>) -> tensor<1x64xf32>
  %y1 = linalg.matmul indexing_maps = [#mk, #nk, #mn]
      ins(%x1, %s : tensor<1x32xf32>, tensor<64x32xf32>)
      outs(%c1 : tensor<1x64xf32>) -> tensor<1x64xf32>
  %e = tensor.empty() : tensor<8x64xf32>
  %c = linalg.fill ins(%z : f32) outs(%e : tensor<8x64xf32>) -> tensor<8x64xf32>
  %y = linalg.matmul indexing_maps = [#mk, #nk, #mn]
      ins(%x, %s : tensor<8x32xf32>, tensor<64x32xf32>)
      outs(%c : tensor<8x64xf32>) -> tensor<8x64xf32>
  return %y, %y1 : tensor<8x64xf32>, tensor<1x64xf32>
}

// A pack of the argument that is not one of this pass's (here padded) is
// not shared: the product packs the argument its own way.
// CHECK-LABEL: func.func @foreign_pack(
//       CHECK:   linalg.pack %{{.*}} outer_dims_perm = [0, 1, 2] inner_dims_pos = [1] inner_tiles = [16] into
//       CHECK:   linalg.pack %{{.*}} padding_value
func.func @foreign_pack(%x: tensor<8x32xf32>, %w: tensor<3x64x32xf32>,
                        %l: index)
    -> (tensor<8x64xf32>, tensor<3x3x32x24xf32>) {
  %z = arith.constant 0.0 : f32
  %d = tensor.empty() : tensor<3x3x32x24xf32>
  %p = linalg.pack %w padding_value(%z : f32) outer_dims_perm = [0, 1, 2]
      inner_dims_pos = [1] inner_tiles = [24] into %d
      : tensor<3x64x32xf32> -> tensor<3x3x32x24xf32>
  %s = tensor.extract_slice %w[%l, 0, 0] [1, 64, 32] [1, 1, 1]
      : tensor<3x64x32xf32> to tensor<64x32xf32>
  %e = tensor.empty() : tensor<8x64xf32>
  %c = linalg.fill ins(%z : f32) outs(%e : tensor<8x64xf32>) -> tensor<8x64xf32>
  %y = linalg.matmul indexing_maps = [#mk, #nk, #mn]
      ins(%x, %s : tensor<8x32xf32>, tensor<64x32xf32>)
      outs(%c : tensor<8x64xf32>) -> tensor<8x64xf32>
  return %y, %p : tensor<8x64xf32>, tensor<3x3x32x24xf32>
}

// Left alone: a transposed A, and dynamic shapes.
// CHECK-LABEL: func.func @not_packed
//       CHECK:   linalg.matmul
//       CHECK:   linalg.matmul
//   CHECK-NOT:   linalg.pack
func.func @not_packed(%a: tensor<8x4xf32>, %b: tensor<8x16xf32>,
                      %c: tensor<4x16xf32>, %d: tensor<?x8xf32>,
                      %e: tensor<?x16xf32>) -> (tensor<4x16xf32>, tensor<?x16xf32>) {
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>,
                                      affine_map<(m, n, k) -> (k, n)>,
                                      affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %b : tensor<8x4xf32>, tensor<8x16xf32>)
      outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
  %z = linalg.matmul ins(%d, %b : tensor<?x8xf32>, tensor<8x16xf32>)
      outs(%e : tensor<?x16xf32>) -> tensor<?x16xf32>
  return %y, %z : tensor<4x16xf32>, tensor<?x16xf32>
}
