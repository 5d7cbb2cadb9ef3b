// RUN: retnet-opt %s --convert-retention-to-gpu --canonicalize | FileCheck %s

// An f16 parallel op with Dk a multiple of 16 and Dv of 8 takes the
// tensor-core kernel: B * H x ceil(T / 16) blocks of one warp. Per causal
// key block (0 .. the query block), Dk / 16 x 2 mma.sync for the 16 x 16
// score tile, the decay exp((a - c) log_decay) applied to the f32 fragments
// and truncated to f16, then Dv / 8 mma.sync into the output accumulators;
// no decay tensor.
// CHECK-LABEL: func.func @parallel_f16(
//   CHECK-DAG:   %[[C4:.*]] = arith.constant 4 : index
//   CHECK-DAG:   %[[C32:.*]] = arith.constant 32 : index
//   CHECK-DAG:   %[[C6:.*]] = arith.constant 6 : index
//       CHECK:   gpu.launch async [%{{.*}}] blocks(%{{.*}}, %[[QB:.*]], %{{.*}}) in (%{{.*}} = %[[C6]], %{{.*}} = %[[C4]], %{{.*}} = %{{.*}}) threads(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C32]],
//       CHECK:     %[[LAST:.*]] = arith.addi %[[QB]], %{{.*}} : index
//       CHECK:     scf.for %[[KB:.*]] = %{{.*}} to %[[LAST]] step
// CHECK-COUNT-4:     nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
//       CHECK:       math.exp
//       CHECK:       arith.truncf %{{.*}} : f32 to f16
//       CHECK:       vector.from_elements {{.*}} : vector<4x2xf16>
// CHECK-COUNT-2:     nvgpu.mma.sync
//   CHECK-NOT:     nvgpu.mma.sync
//       CHECK:       scf.yield
//       CHECK:     math.expm1
//   CHECK-NOT:   retention.
//       CHECK:   return
func.func @parallel_f16(%q: tensor<2x3x64x32xf16>, %k: tensor<2x3x64x32xf16>,
                        %v: tensor<2x3x64x16xf16>, %ld: tensor<3xf32>)
    -> tensor<2x3x64x16xf16> {
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<2x3x64x32xf16>, tensor<2x3x64x32xf16>, tensor<2x3x64x16xf16>,
        tensor<3xf32> -> tensor<2x3x64x16xf16>
  return %o : tensor<2x3x64x16xf16>
}

// T = 24 is not a multiple of 16: two query blocks, the rows past T read
// as zero and not stored.
// CHECK-LABEL: func.func @tail(
//   CHECK-DAG:   %[[C2:.*]] = arith.constant 2 : index
//       CHECK:   gpu.launch async [%{{.*}}] blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %{{.*}}, %{{.*}} = %[[C2]],
//       CHECK:     nvgpu.mma.sync
//       CHECK:     scf.if
//       CHECK:       memref.store
//       CHECK:   return
func.func @tail(%q: tensor<1x1x24x16xf16>, %ld: tensor<1xf32>)
    -> tensor<1x1x24x16xf16> {
  %o = retention.parallel %q, %q, %q decay(%ld)
      : tensor<1x1x24x16xf16>, tensor<1x1x24x16xf16>, tensor<1x1x24x16xf16>,
        tensor<1xf32> -> tensor<1x1x24x16xf16>
  return %o : tensor<1x1x24x16xf16>
}

// Dk = 24 is not in k16 steps: the recurrent kernel.
// CHECK-LABEL: func.func @untiled(
//       CHECK:   gpu.launch
//   CHECK-NOT:     nvgpu.mma.sync
//       CHECK:   return
func.func @untiled(%q: tensor<1x1x32x24xf16>, %ld: tensor<1xf32>)
    -> tensor<1x1x32x24xf16> {
  %o = retention.parallel %q, %q, %q decay(%ld)
      : tensor<1x1x32x24xf16>, tensor<1x1x32x24xf16>, tensor<1x1x32x24xf16>,
        tensor<1xf32> -> tensor<1x1x32x24xf16>
  return %o : tensor<1x1x32x24xf16>
}

// A chunkwise op that is the parallel function (no state in or out) with Dv
// a multiple of 8 but not of 16 (which the chunkwise kernel needs) takes
// this kernel: one block per 16 query rows, no loop-carried state.
// CHECK-LABEL: func.func @chunkwise_f16(
//   CHECK-DAG:   %[[C2:.*]] = arith.constant 2 : index
//       CHECK:   gpu.launch async [%{{.*}}] blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C2]], %{{.*}} = %[[C2]],
//       CHECK:     nvgpu.mma.sync
//       CHECK:   return
func.func @chunkwise_f16(%q: tensor<1x2x32x16xf16>, %v: tensor<1x2x32x8xf16>,
                         %ld: tensor<2xf32>) -> tensor<1x2x32x8xf16> {
  %o, %s = retention.chunkwise %q, %q, %v decay(%ld) chunk(16)
      : tensor<1x2x32x16xf16>, tensor<1x2x32x16xf16>, tensor<1x2x32x8xf16>,
        tensor<2xf32> -> tensor<1x2x32x8xf16>, tensor<1x2x16x8xf32>
  return %o : tensor<1x2x32x8xf16>
}
