// RUN: retnet-opt %s --convert-retention-to-gpu --canonicalize | FileCheck %s

// An f16 (or bf16) chunkwise op with Dk and Dv multiples of 16 takes the
// chunkwise tensor-core kernel: B * H x Dv / 16 blocks of one warp, each
// walking ceil(T / 16) chunks of 16 rows (T = 40: 3, the last one 8 rows
// long) and carrying its slice of the state as Dk / 8 accumulators of four
// f32 values (Dk = 32: 16 values), read once before the loop from the
// initial state and written once after it. Q, K and the warp's V columns
// are staged in two shared-memory stages with cp.async (16 bytes a copy,
// zero-filled past T): chunk 0 before the loop, chunk c + 1 at the top of
// iteration c, which then waits for all but that group and syncs the warp.
// Fragments come from ldmatrix (V and, for the state update, K transposed).
// Per chunk: Dk / 16 k steps of 2 mma.sync for the scores and 2 for the
// cross term (Q * xi) S, 2 for P V, the output stores, Dk / 8 for
// V^T (K * zeta) into the decayed state.
// CHECK-LABEL: func.func @chunkwise_f16(
//   CHECK-DAG:   %[[C3:.*]] = arith.constant 3 : index
//   CHECK-DAG:   %[[C6:.*]] = arith.constant 6 : index
//   CHECK-DAG:   %[[C2:.*]] = arith.constant 2 : index
//   CHECK-DAG:   %[[C32:.*]] = arith.constant 32 : index
//       CHECK:   gpu.launch async [%{{.*}}] blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C6]], %{{.*}} = %[[C2]], %{{.*}} = %{{.*}}) threads(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C32]],
//  CHECK-SAME:     workgroup(%[[QS:.*]] : memref<2x16x32xf16, #gpu.address_space<workgroup>>, %[[KS:.*]] : memref<2x16x32xf16, #gpu.address_space<workgroup>>, %[[VS:.*]] : memref<2x16x16xf16, #gpu.address_space<workgroup>>)
//       CHECK:     %[[S0:.*]] = memref.load {{.*}} : memref<2x3x32x32xf32>
//       CHECK:     nvgpu.device_async_copy {{.*}}, %[[QS]][%{{.*}}], 8, %{{.*}} :
//       CHECK:     nvgpu.device_async_create_group
//       CHECK:     %[[S:.*]]:16 = scf.for %{{.*}} = %{{.*}} to %[[C3]] step %{{.*}} iter_args(%{{.*}} = %[[S0]],
//       CHECK:       %[[NEXT:.*]] = nvgpu.device_async_create_group
//       CHECK:       nvgpu.device_async_wait %[[NEXT]] {numGroups = 1 : i32}
//       CHECK:       nvvm.bar.warp.sync
//       CHECK:       nvgpu.ldmatrix %[[QS]][{{.*}}] {numTiles = 4 : i32, transpose = false}
//       CHECK:       nvgpu.ldmatrix %[[KS]][{{.*}}] {numTiles = 4 : i32, transpose = false}
// CHECK-COUNT-4:     nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
//       CHECK:       nvgpu.ldmatrix %[[QS]]
//       CHECK:       nvgpu.ldmatrix %[[KS]]
// CHECK-COUNT-4:     nvgpu.mma.sync
//       CHECK:       math.exp
//       CHECK:       nvgpu.ldmatrix %[[VS]][{{.*}}] {numTiles = 4 : i32, transpose = true}
// CHECK-COUNT-2:     nvgpu.mma.sync
//       CHECK:       scf.if
//       CHECK:         memref.store
//       CHECK:       scf.if
//       CHECK:         memref.store
//       CHECK:       nvgpu.ldmatrix %[[VS]][{{.*}}] {numTiles = 4 : i32, transpose = true}
//       CHECK:       nvgpu.ldmatrix %[[KS]][{{.*}}] {numTiles = 4 : i32, transpose = true}
// CHECK-COUNT-4:     nvgpu.mma.sync
//   CHECK-NOT:       nvgpu.mma.sync
//       CHECK:       nvvm.bar.warp.sync
//       CHECK:       scf.yield
//       CHECK:     memref.store %[[S]]#0, %[[STATE:.*]][
//   CHECK-NOT:     memref.alloc
//       CHECK:     gpu.terminator
//   CHECK-NOT:   retention.
//       CHECK:   return
func.func @chunkwise_f16(%q: tensor<2x3x40x32xf16>, %k: tensor<2x3x40x32xf16>,
                         %v: tensor<2x3x40x32xf16>, %ld: tensor<3xf32>,
                         %s: tensor<2x3x32x32xf32>, %p: index)
    -> (tensor<2x3x40x32xf16>, tensor<2x3x32x32xf32>) {
  %o, %s1 = retention.chunkwise %q, %k, %v decay(%ld) init(%s) at(%p) chunk(32)
      : tensor<2x3x40x32xf16>, tensor<2x3x40x32xf16>, tensor<2x3x40x32xf16>,
        tensor<3xf32>, tensor<2x3x32x32xf32>
        -> tensor<2x3x40x32xf16>, tensor<2x3x32x32xf32>
  return %o, %s1 : tensor<2x3x40x32xf16>, tensor<2x3x32x32xf32>
}

// Without an initial state the state starts as zeros: nothing is read.
// CHECK-LABEL: func.func @zero_state(
//       CHECK:   gpu.launch
//   CHECK-NOT:     memref.load {{.*}} : memref<1x2x16x16xf32>
//       CHECK:     scf.for
//       CHECK:   return
func.func @zero_state(%q: tensor<1x2x32x16xf16>, %ld: tensor<2xf32>)
    -> (tensor<1x2x32x16xf16>, tensor<1x2x16x16xf32>) {
  %o, %s = retention.chunkwise %q, %q, %q decay(%ld) chunk(16)
      : tensor<1x2x32x16xf16>, tensor<1x2x32x16xf16>, tensor<1x2x32x16xf16>,
        tensor<2xf32> -> tensor<1x2x32x16xf16>, tensor<1x2x16x16xf32>
  return %o, %s : tensor<1x2x32x16xf16>, tensor<1x2x16x16xf32>
}

// bf16 operands take nvvm.mma.sync directly (MLIR 22's nvgpu-to-nvvm cannot
// type bf16 fragments): each .b32 register a vector of two bf16 bit cast to
// i32, the four f32 results extracted from the returned struct.
// CHECK-LABEL: func.func @chunkwise_bf16(
//       CHECK:   gpu.launch
//       CHECK:     scf.for
//       CHECK:       vector.bitcast %{{.*}} : vector<2xbf16> to vector<1xi32>
//       CHECK:       nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
//       CHECK:       llvm.extractvalue
//   CHECK-NOT:       nvgpu.mma.sync
//       CHECK:       scf.yield
//       CHECK:   return
func.func @chunkwise_bf16(%q: tensor<1x2x32x16xbf16>, %ld: tensor<2xf32>)
    -> (tensor<1x2x32x16xbf16>, tensor<1x2x16x16xf32>) {
  %o, %s = retention.chunkwise %q, %q, %q decay(%ld) chunk(16)
      : tensor<1x2x32x16xbf16>, tensor<1x2x32x16xbf16>,
        tensor<1x2x32x16xbf16>, tensor<2xf32>
        -> tensor<1x2x32x16xbf16>, tensor<1x2x16x16xf32>
  return %o, %s : tensor<1x2x32x16xbf16>, tensor<1x2x16x16xf32>
}

// Dk above 256 (the state slice would not fit the registers, the staged
// tiles not the static shared memory): the recurrent kernel.
// CHECK-LABEL: func.func @wide(
//       CHECK:   gpu.launch
//   CHECK-NOT:     nvgpu.mma.sync
//       CHECK:   return
func.func @wide(%q: tensor<1x1x16x272xf16>, %v: tensor<1x1x16x16xf16>,
                %ld: tensor<1xf32>)
    -> (tensor<1x1x16x16xf16>, tensor<1x1x272x16xf32>) {
  %o, %s = retention.chunkwise %q, %q, %v decay(%ld) chunk(16)
      : tensor<1x1x16x272xf16>, tensor<1x1x16x272xf16>, tensor<1x1x16x16xf16>,
        tensor<1xf32> -> tensor<1x1x16x16xf16>, tensor<1x1x272x16xf32>
  return %o, %s : tensor<1x1x16x16xf16>, tensor<1x1x272x16xf32>
}
