// RUN: retnet-opt %s --split-input-file --retnet-gpu-matmul-to-tensor-cores | FileCheck %s

// C += A W^T with bf16 weights: one warp per 16 x 8 tile of C (ceil(13/8) x
// ceil(5/16) blocks of 32 threads), the tile of C read into f32
// accumulators, K walked in steps of 16 on mma.sync m16n8k16 with A rounded
// to bf16 and W's values entering through f32, C updated where it is.
// CHECK-LABEL: func.func @bf16(
//  CHECK-SAME:     %[[A:[^:]*]]: memref<5x40xf32>, %[[W:[^:]*]]: memref<13x40xbf16, strided<[40, 1], offset: ?>>, %[[C:[^:]*]]: memref<5x13xf32>
//   CHECK-DAG:   %[[C2:.*]] = arith.constant 2 : index
//   CHECK-DAG:   %[[C32:.*]] = arith.constant 32 : index
//       CHECK:   gpu.launch blocks({{.*}}) in ({{.*}} = %[[C2]], {{.*}}) threads({{.*}}) in ({{.*}} = %[[C32]],
//       CHECK:     memref.load %[[C]]
//       CHECK:     scf.for {{.*}} iter_args(
//       CHECK:       memref.load %[[A]]
//       CHECK:       arith.truncf %{{.*}} : f32 to bf16
//       CHECK:       memref.load %[[W]]
//       CHECK:       arith.extf %{{.*}} : bf16 to f32
//       CHECK:       nvvm.mma.sync
//  CHECK-SAME:       shape = #nvvm.shape<m = 16, n = 8, k = 16>
//       CHECK:       scf.yield
//       CHECK:     memref.store %{{.*}}, %[[C]]
//   CHECK-NOT:   linalg.matmul
func.func @bf16(%a: memref<5x40xf32>,
                %w: memref<13x40xbf16, strided<[40, 1], offset: ?>>,
                %c: memref<5x13xf32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                 affine_map<(m, n, k) -> (n, k)>,
                                 affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %w : memref<5x40xf32>, memref<13x40xbf16, strided<[40, 1], offset: ?>>)
      outs(%c : memref<5x13xf32>)
  return
}

// -----

// f16 weights take nvgpu.mma.sync.
// CHECK-LABEL: func.func @f16(
//       CHECK:   nvgpu.mma.sync
func.func @f16(%a: memref<16x16xf32>, %w: memref<8x16xf16>, %c: memref<16x8xf32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                 affine_map<(m, n, k) -> (n, k)>,
                                 affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %w : memref<16x16xf32>, memref<8x16xf16>) outs(%c : memref<16x8xf32>)
  return
}

// -----

// Left to the SIMT path: f32 weights, and W not transposed.
// CHECK-LABEL: func.func @others(
//       CHECK:   linalg.matmul {{.*}} ins(%{{.*}}, %{{.*}} : memref<16x16xf32>, memref<8x16xf32>)
//       CHECK:   linalg.matmul ins(%{{.*}}, %{{.*}} : memref<16x16xf32>, memref<16x8xbf16>)
//   CHECK-NOT:   gpu.launch
func.func @others(%a: memref<16x16xf32>, %w: memref<8x16xf32>, %v: memref<16x8xbf16>,
                  %c: memref<16x8xf32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                 affine_map<(m, n, k) -> (n, k)>,
                                 affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %w : memref<16x16xf32>, memref<8x16xf32>) outs(%c : memref<16x8xf32>)
  linalg.matmul ins(%a, %v : memref<16x16xf32>, memref<16x8xbf16>) outs(%c : memref<16x8xf32>)
  return
}
