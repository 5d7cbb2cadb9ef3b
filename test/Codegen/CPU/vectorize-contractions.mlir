// RUN: retnet-opt %s --retnet-vectorize-contractions -canonicalize | FileCheck %s
// RUN: retnet-opt %s --retnet-vectorize-contractions="block-rows=8 block-cols=32 block-k=16" -canonicalize | FileCheck %s --check-prefix=ZMM
// RUN: retnet-opt %s --retnet-vectorize-contractions="block-rows=4 block-cols=8" -canonicalize | FileCheck %s --check-prefix=NARROW

#lhs = affine_map<(b, i, k, j) -> (b, i, k)>
#rhs = affine_map<(b, i, k, j) -> (b, k, j)>
#out = affine_map<(b, i, k, j) -> (b, i, j)>

// A marked contraction becomes 8 x 16 register blocks: the K loop carries
// the accumulator as a vector (registers) and multiply-adds a broadcast
// column of A with a row of B (one FMA: the body allows contraction).
// CHECK-LABEL: func.func @marked
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c8
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c16
// CHECK: %[[ACC0:.*]] = vector.transfer_read
// CHECK: %[[ACC:.*]] = scf.for %{{.*}} = %c0 to %c32 step %c1 iter_args(%[[A:.*]] = %[[ACC0]]) -> (vector<8x16xf32>)
// CHECK: %[[ROW:.*]] = vector.transfer_read {{.*}} : tensor<1x1x16xf32>, vector<16xf32>
// CHECK: %[[S:.*]] = vector.fma {{.*}}, %[[A]] : vector<8x16xf32>
// CHECK: scf.yield %[[S]]
// CHECK: vector.transfer_write %[[ACC]]
// CHECK-NOT: linalg.generic
func.func @marked(%a: tensor<2x24x32xf32>, %b: tensor<2x32x48xf32>,
                  %c: tensor<2x24x48xf32>) -> tensor<2x24x48xf32> {
  %r = linalg.generic {indexing_maps = [#lhs, #rhs, #out],
                       iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
      ins(%a, %b : tensor<2x24x32xf32>, tensor<2x32x48xf32>) outs(%c : tensor<2x24x48xf32>)
      attrs = {retnet.vectorize} {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y fastmath<contract> : f32
    %s = arith.addf %acc, %m fastmath<contract> : f32
    linalg.yield %s : f32
  } -> tensor<2x24x48xf32>
  return %r : tensor<2x24x48xf32>
}

// Blocks shrink to divisors of the sizes (6 rows, 10 columns here).
// CHECK-LABEL: func.func @odd_sizes
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<6x10xf32>)
// CHECK: arith.addf {{.*}} : vector<6x10xf32>
func.func @odd_sizes(%a: tensor<1x6x5xf32>, %b: tensor<1x5x10xf32>,
                     %c: tensor<1x6x10xf32>) -> tensor<1x6x10xf32> {
  %r = linalg.generic {indexing_maps = [#lhs, #rhs, #out],
                       iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
      ins(%a, %b : tensor<1x6x5xf32>, tensor<1x5x10xf32>) outs(%c : tensor<1x6x10xf32>)
      attrs = {retnet.vectorize} {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<1x6x10xf32>
  return %r : tensor<1x6x10xf32>
}

// A 16-bit B (weights held in bf16) is read as a vector of bf16 and widened
// in registers before the FMA.
// CHECK-LABEL: func.func @widened_b
// CHECK: scf.for {{.*}} iter_args(%[[A:.*]] = %{{.*}}) -> (vector<4x16xf32>)
// CHECK: %[[ROW:.*]] = vector.transfer_read {{.*}} : tensor<1x1x16xbf16>, vector<16xbf16>
// CHECK: %[[WIDE:.*]] = arith.extf %[[ROW]] : vector<16xbf16> to vector<16xf32>
// CHECK: %[[B:.*]] = vector.broadcast %[[WIDE]] : vector<16xf32> to vector<4x16xf32>
// CHECK: vector.fma %{{.*}}, %[[B]], %[[A]] : vector<4x16xf32>
func.func @widened_b(%a: tensor<1x4x8xf32>, %b: tensor<1x8x16xbf16>,
                     %c: tensor<1x4x16xf32>) -> tensor<1x4x16xf32> {
  %r = linalg.generic {indexing_maps = [#lhs, #rhs, #out],
                       iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
      ins(%a, %b : tensor<1x4x8xf32>, tensor<1x8x16xbf16>) outs(%c : tensor<1x4x16xf32>)
      attrs = {retnet.vectorize} {
  ^bb0(%x: f32, %y: bf16, %acc: f32):
    %w = arith.extf %y : bf16 to f32
    %m = arith.mulf %x, %w fastmath<contract> : f32
    %s = arith.addf %acc, %m fastmath<contract> : f32
    linalg.yield %s : f32
  } -> tensor<1x4x16xf32>
  return %r : tensor<1x4x16xf32>
}

// One row (a matrix-vector product over a packed weight [G, K, P]): the
// block also spans 8 panels, so that 8 x 16 accumulators stay independent.
// CHECK-LABEL: func.func @matrix_vector
// CHECK: %[[ACC:.*]] = scf.for {{.*}} iter_args(%[[A:.*]] = %{{.*}}) -> (vector<8x16xf32>)
// CHECK: %[[ROWS:.*]] = vector.transfer_read {{.*}} : tensor<8x1x16xf32>, vector<8x1x16xf32>
// CHECK: vector.fma %{{.*}}, %{{.*}}, %[[A]] : vector<8x16xf32>
// CHECK: vector.transfer_write %[[ACC]]
#mv_a = affine_map<(m, g, k, p) -> (m, k)>
#mv_b = affine_map<(m, g, k, p) -> (g, k, p)>
#mv_c = affine_map<(m, g, k, p) -> (m, g, p)>
func.func @matrix_vector(%x: tensor<1x32xf32>, %w: tensor<8x32x16xf32>,
                         %acc: tensor<1x8x16xf32>) -> tensor<1x8x16xf32> {
  %y = linalg.generic {indexing_maps = [#mv_a, #mv_b, #mv_c],
                       iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
      ins(%x, %w : tensor<1x32xf32>, tensor<8x32x16xf32>) outs(%acc : tensor<1x8x16xf32>)
      attrs = {retnet.vectorize} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b fastmath<contract> : f32
    %s = arith.addf %c, %m fastmath<contract> : f32
    linalg.yield %s : f32
  } -> tensor<1x8x16xf32>
  return %y : tensor<1x8x16xf32>
}

// Unmarked contractions are left alone.
// CHECK-LABEL: func.func @unmarked
// CHECK: linalg.generic
// CHECK-NOT: vector.
func.func @unmarked(%a: tensor<1x8x4xf32>, %b: tensor<1x4x16xf32>,
                    %c: tensor<1x8x16xf32>) -> tensor<1x8x16xf32> {
  %r = linalg.generic {indexing_maps = [#lhs, #rhs, #out],
                       iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
      ins(%a, %b : tensor<1x8x4xf32>, tensor<1x4x16xf32>) outs(%c : tensor<1x8x16xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<1x8x16xf32>
  return %r : tensor<1x8x16xf32>
}

#pa = affine_map<(m, g, k, p) -> (m, k)>
#pb = affine_map<(m, g, k, p) -> (g, k, p)>
#pc = affine_map<(m, g, k, p) -> (m, g, p)>

// A product over a packed weight (panels g of [K, 16]): the panel loop is
// outside the row blocks, so each panel is read from cache by every block
// of rows before the next panel is read.
// CHECK-LABEL: func.func @panels_outside_rows
// CHECK: scf.for %{{.*}} = %c0 to %c4 step %c1
// CHECK: scf.for %{{.*}} = %c0 to %c32 step %c8
// CHECK: scf.for %{{.*}} = %c0 to %c16 step %c1 iter_args(%{{.*}} = %{{.*}}) -> (vector<8x1x16xf32>)
func.func @panels_outside_rows(%a: tensor<32x16xf32>, %b: tensor<4x16x16xf32>,
                               %c: tensor<32x4x16xf32>) -> tensor<32x4x16xf32> {
  %r = linalg.generic {indexing_maps = [#pa, #pb, #pc],
                       iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
      ins(%a, %b : tensor<32x16xf32>, tensor<4x16x16xf32>) outs(%c : tensor<32x4x16xf32>)
      attrs = {retnet.vectorize} {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y fastmath<contract> : f32
    %s = arith.addf %acc, %m fastmath<contract> : f32
    linalg.yield %s : f32
  } -> tensor<32x4x16xf32>
  return %r : tensor<32x4x16xf32>
}

// Two registers per row (AVX-512's block) and, since two row blocks share
// each slice of B, K in blocks of 16 outside them: the column of A is read
// once per K step and broadcast along each row, no transpose between (each
// row's element is then one broadcast feeding the row's two FMAs).
// ZMM-LABEL: func.func @wide
//        ZMM: scf.for %[[KB:.*]] = %c0 to %c64 step %c16
//        ZMM:   scf.for %{{.*}} = %c0 to %c16 step %c8
//        ZMM:     scf.for %{{.*}} = %c0 to %c64 step %c32
//        ZMM:       tensor.extract_slice %{{.*}}[0, %{{.*}}, %[[KB]]] [1, 8, 16]
//        ZMM:     scf.for %{{.*}} = %c0 to %c16 step %c1 iter_args(%[[ACC:.*]] = %{{.*}}) -> (vector<8x32xf32>)
//        ZMM:       %[[COL:.*]] = vector.transfer_read {{.*}} : tensor<1x8x1xf32>, vector<8x1xf32>
//    ZMM-NOT:       vector.transpose
//        ZMM:       vector.broadcast %[[COL]] : vector<8x1xf32> to vector<8x32xf32>
//        ZMM:       vector.fma {{.*}}, %[[ACC]] : vector<8x32xf32>
func.func @wide(%a: tensor<1x16x64xf32>, %b: tensor<1x64x64xf32>,
                %c: tensor<1x16x64xf32>) -> tensor<1x16x64xf32> {
  %r = linalg.generic {indexing_maps = [#lhs, #rhs, #out],
                       iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
      ins(%a, %b : tensor<1x16x64xf32>, tensor<1x64x64xf32>) outs(%c : tensor<1x16x64xf32>)
      attrs = {retnet.vectorize} {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y fastmath<contract> : f32
    %s = arith.addf %acc, %m fastmath<contract> : f32
    linalg.yield %s : f32
  } -> tensor<1x16x64xf32>
  return %r : tensor<1x16x64xf32>
}

// 5 rows by 5 panels of 8 lanes (a task of a product with N = 200): B's
// row of each panel is broadcast across the rows, A's element of each row
// across the panels. The first broadcast is built from B's read with its
// unit K dimension cast away: cast after it, LLVM 22's canonicalization
// would fold the pair into a broadcast of vector<5x1x8> to vector<5x5x8>,
// which repeats B's panels down the rows instead (llvm-project#190614).
// ZMM-LABEL: func.func @rows_by_panels
//       ZMM: scf.for {{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (vector<5x5x8xf32>)
//   ZMM-DAG:   %[[COL:.*]] = vector.transfer_read {{.*}} : tensor<5x1xf32>, vector<5x1xf32>
//   ZMM-DAG:   %[[ROW:.*]] = vector.transfer_read {{.*}} : tensor<5x1x8xf32>, vector<5x1x8xf32>
//   ZMM-DAG:   %[[PANELS:.*]] = vector.shape_cast %[[ROW]] : vector<5x1x8xf32> to vector<5x8xf32>
//   ZMM-DAG:   %[[B:.*]] = vector.broadcast %[[PANELS]] : vector<5x8xf32> to vector<5x5x8xf32>
//   ZMM-DAG:   %[[ROWS:.*]] = vector.shape_cast %[[COL]] : vector<5x1xf32> to vector<5x1x1xf32>
//   ZMM-DAG:   %[[A:.*]] = vector.broadcast %[[ROWS]] : vector<5x1x1xf32> to vector<5x5x8xf32>
//       ZMM:   vector.fma %[[A]], %[[B]], %[[ACC]] : vector<5x5x8xf32>
func.func @rows_by_panels(%a: tensor<5x4xf32>, %b: tensor<5x4x8xf32>,
                          %c: tensor<5x5x8xf32>) -> tensor<5x5x8xf32> {
  %r = linalg.generic {indexing_maps = [#pa, #pb, #pc],
                       iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
      ins(%a, %b : tensor<5x4xf32>, tensor<5x4x8xf32>) outs(%c : tensor<5x5x8xf32>)
      attrs = {retnet.vectorize} {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y fastmath<contract> : f32
    %s = arith.addf %acc, %m fastmath<contract> : f32
    linalg.yield %s : f32
  } -> tensor<5x5x8xf32>
  return %r : tensor<5x5x8xf32>
}

// 48 columns: 24 (the largest divisor up to 32) is not a whole number of
// 16-lane registers, so the block is 16 wide. K (4) is below block-k.
// ZMM-LABEL: func.func @whole_registers
//        ZMM: scf.for %{{.*}} = %c0 to %c48 step %c16
//        ZMM:   scf.for %{{.*}} = %c0 to %c4 step %c1 iter_args(%{{.*}} = %{{.*}}) -> (vector<8x16xf32>)
func.func @whole_registers(%a: tensor<1x8x4xf32>, %b: tensor<1x4x48xf32>,
                           %c: tensor<1x8x48xf32>) -> tensor<1x8x48xf32> {
  %r = linalg.generic {indexing_maps = [#lhs, #rhs, #out],
                       iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
      ins(%a, %b : tensor<1x8x4xf32>, tensor<1x4x48xf32>) outs(%c : tensor<1x8x48xf32>)
      attrs = {retnet.vectorize} {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y fastmath<contract> : f32
    %s = arith.addf %acc, %m fastmath<contract> : f32
    linalg.yield %s : f32
  } -> tensor<1x8x48xf32>
  return %r : tensor<1x8x48xf32>
}

// A product of bf16 pairs (retnet-cpu-pack-matmuls{bf16-dot}) keeps the pair
// whole: per K pair step, each row's pair of A is broadcast as a 32-bit word
// and multiplies each panel's row of 16 pairs, one 64-byte read, in one
// vdpbf16ps per row and panel (8 rows x 2 panels: 16 accumulators).
// ZMM-LABEL: func.func @bf16_pairs
//       ZMM: scf.for {{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (vector<8x2x16xf32>)
//       ZMM:   %[[ROWS:.*]] = vector.transfer_read {{.*}} : tensor<2x1x32xbf16>, vector<2x1x32xbf16>
//       ZMM:   %[[P0:.*]] = vector.extract %[[ROWS]][0, 0] : vector<32xbf16> from vector<2x1x32xbf16>
//       ZMM:   %[[PAIR:.*]] = vector.bitcast %{{.*}} : vector<2xbf16> to vector<1xi32>
//       ZMM:   %[[WORD:.*]] = vector.extract %[[PAIR]][0] : i32 from vector<1xi32>
//       ZMM:   %[[SPLAT:.*]] = vector.broadcast %[[WORD]] : i32 to vector<16xi32>
//       ZMM:   %[[LHS:.*]] = vector.bitcast %[[SPLAT]] : vector<16xi32> to vector<32xbf16>
//       ZMM:   %[[C00:.*]] = vector.extract %[[ACC]][0, 0] : vector<16xf32> from vector<8x2x16xf32>
//       ZMM:   x86vector.avx512.dot %[[C00]], %[[LHS]], %[[P0]] : vector<32xbf16> -> vector<16xf32>
//       ZMM-COUNT-15: x86vector.avx512.dot
//   ZMM-NOT:   x86vector.avx512.dot
//   ZMM-NOT:   linalg.generic
// A block narrower than a panel still takes whole panels: 4 rows x 1 panel.
// NARROW-LABEL: func.func @bf16_pairs
//       NARROW: scf.for {{.*}} -> (vector<4x1x16xf32>)
//       NARROW-COUNT-4: x86vector.avx512.dot {{.*}} : vector<32xbf16> -> vector<16xf32>
//   NARROW-NOT: x86vector.avx512.dot
//   NARROW-NOT: linalg.generic
#dot_a = affine_map<(m, g, k, p, j) -> (m, k, j)>
#dot_b = affine_map<(m, g, k, p, j) -> (g, k, p, j)>
#dot_c = affine_map<(m, g, k, p, j) -> (m, g, p)>
func.func @bf16_pairs(%x: tensor<16x8x2xbf16>, %w: tensor<4x8x16x2xbf16>,
                      %acc: tensor<16x4x16xf32>) -> tensor<16x4x16xf32> {
  %r = linalg.generic {indexing_maps = [#dot_a, #dot_b, #dot_c],
                       iterator_types = ["parallel", "parallel", "reduction", "parallel", "reduction"]}
      ins(%x, %w : tensor<16x8x2xbf16>, tensor<4x8x16x2xbf16>) outs(%acc : tensor<16x4x16xf32>)
      attrs = {retnet.vectorize} {
  ^bb0(%u: bf16, %v: bf16, %s: f32):
    %uw = arith.extf %u : bf16 to f32
    %vw = arith.extf %v : bf16 to f32
    %m = arith.mulf %uw, %vw fastmath<contract> : f32
    %t = arith.addf %s, %m fastmath<contract> : f32
    linalg.yield %t : f32
  } -> tensor<16x4x16xf32>
  return %r : tensor<16x4x16xf32>
}

// The pass builds every shape_cast of a broadcast that drops or inserts unit
// dimensions as a broadcast of a shape_cast, which canonicalization keeps
// (it would fold both pairs below into a broadcast of vector<5x1x8> that
// reads %x's rows as the second dimension: llvm-project#190614).
// CHECK-LABEL: func.func @cast_drops_unit_dim
// CHECK-SAME: (%[[X:.*]]: vector<5x1x8xf32>)
// CHECK: %[[C:.*]] = vector.shape_cast %[[X]] : vector<5x1x8xf32> to vector<5x8xf32>
// CHECK: vector.broadcast %[[C]] : vector<5x8xf32> to vector<5x5x8xf32>
func.func @cast_drops_unit_dim(%x: vector<5x1x8xf32>) -> vector<5x5x8xf32> {
  %b = vector.broadcast %x : vector<5x1x8xf32> to vector<5x5x1x8xf32>
  %s = vector.shape_cast %b : vector<5x5x1x8xf32> to vector<5x5x8xf32>
  return %s : vector<5x5x8xf32>
}

// CHECK-LABEL: func.func @cast_inserts_unit_dim
// CHECK-SAME: (%[[X:.*]]: vector<5x1x8xf32>)
// CHECK: %[[C:.*]] = vector.shape_cast %[[X]] : vector<5x1x8xf32> to vector<5x1x1x8xf32>
// CHECK: vector.broadcast %[[C]] : vector<5x1x1x8xf32> to vector<5x5x1x8xf32>
func.func @cast_inserts_unit_dim(%x: vector<5x1x8xf32>) -> vector<5x5x1x8xf32> {
  %b = vector.broadcast %x : vector<5x1x8xf32> to vector<5x5x8xf32>
  %s = vector.shape_cast %b : vector<5x5x8xf32> to vector<5x5x1x8xf32>
  return %s : vector<5x5x1x8xf32>
}
