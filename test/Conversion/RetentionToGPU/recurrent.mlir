// RUN: retnet-opt %s --convert-retention-to-gpu --canonicalize --cse | FileCheck %s

// The recurrent kernel: operands copied to device buffers, one block of a
// warp per (batch * head, 32 value columns): 2 * 3 x ceil(40 / 32) blocks of
// 32 threads. Each thread updates its state column with one FMA per element
// (gamma * S + k v) in place and accumulates q . S; gamma is exp of the
// clamped log-decay. Output and state are copied back into new tensors.
// CHECK-LABEL: func.func @recurrent(
//  CHECK-SAME:     %[[Q:[^:]*]]: tensor<2x3x5x16xf32>, %[[K:[^:]*]]: tensor<2x3x5x16xf32>, %[[V:[^:]*]]: tensor<2x3x5x40xf32>, %[[LD:[^:]*]]: tensor<3xf32>, %[[S:[^:]*]]: tensor<2x3x16x40xf32>, %[[P:[^:]*]]: index
//   CHECK-DAG:   %[[C2:.*]] = arith.constant 2 : index
//   CHECK-DAG:   %[[C6:.*]] = arith.constant 6 : index
//   CHECK-DAG:   %[[C32:.*]] = arith.constant 32 : index
//   CHECK-DAG:   %[[LOWEST:.*]] = arith.constant -3.40282347E+38 : f32
//       CHECK:   %[[QH:.*]] = bufferization.to_buffer %[[Q]] read_only
//       CHECK:   %[[QD:.*]], %[[T0:.*]] = gpu.alloc async
//       CHECK:   gpu.memcpy async [%[[T0]]] %[[QD]], %[[QH]]
//       CHECK:   %[[SH:.*]] = bufferization.to_buffer %[[S]] read_only
//       CHECK:   %[[SD:.*]], %{{.*}} = gpu.alloc async
//       CHECK:   gpu.memcpy async [%{{.*}}] %[[SD]], %[[SH]]
//       CHECK:   %[[OD:.*]], %[[TO:.*]] = gpu.alloc async [%{{.*}}] () : memref<2x3x5x40xf32>
//       CHECK:   %[[TL:.*]] = gpu.launch async [%[[TO]]] blocks(%[[BH:.*]], %[[TILE:.*]], %{{.*}}) in (%{{.*}} = %[[C6]], %{{.*}} = %[[C2]], %{{.*}} = %{{.*}}) threads(%[[LANE:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C32]],
//       CHECK:     %[[LDH:.*]] = memref.load %{{.*}}[%{{.*}}] : memref<3xf32>
//       CHECK:     %[[CLAMPED:.*]] = arith.maximumf %[[LDH]], %[[LOWEST]]
//       CHECK:     %[[GAMMA:.*]] = math.exp %[[CLAMPED]]
//       CHECK:     scf.for %[[T:.*]] =
//       CHECK:       scf.for %[[I:.*]] = {{.*}} iter_args(%[[ACC:.*]] =
//       CHECK:         %[[SIJ:.*]] = memref.load %[[SD]][%{{.*}}, %{{.*}}, %[[I]], %[[J:.*]]]
//       CHECK:         %[[KV:.*]] = arith.mulf
//       CHECK:         %[[NEW:.*]] = math.fma %[[GAMMA]], %[[SIJ]], %[[KV]]
//       CHECK:         memref.store %[[NEW]], %[[SD]][%{{.*}}, %{{.*}}, %[[I]], %[[J]]]
//       CHECK:         math.fma %{{.*}}, %[[NEW]], %[[ACC]]
//       CHECK:       math.expm1
//       CHECK:       memref.store %{{.*}}, %[[OD]][%{{.*}}, %{{.*}}, %[[T]], %[[J]]]
//       CHECK:   %[[OH:.*]] = memref.alloc() : memref<2x3x5x40xf32>
//       CHECK:   gpu.memcpy async [%[[TL]]] %[[OH]], %[[OD]]
//       CHECK:   %[[SOUT:.*]] = memref.alloc() : memref<2x3x16x40xf32>
//       CHECK:   gpu.memcpy async [%{{.*}}] %[[SOUT]], %[[SD]]
//       CHECK:   gpu.dealloc async
//       CHECK:   gpu.wait [%{{.*}}]
//       CHECK:   %[[O:.*]] = bufferization.to_tensor %[[OH]] restrict writable
//       CHECK:   %[[S1:.*]] = bufferization.to_tensor %[[SOUT]] restrict writable
//       CHECK:   return %[[O]], %[[S1]]
func.func @recurrent(%q: tensor<2x3x5x16xf32>, %k: tensor<2x3x5x16xf32>,
                     %v: tensor<2x3x5x40xf32>, %ld: tensor<3xf32>,
                     %s: tensor<2x3x16x40xf32>, %p: index)
    -> (tensor<2x3x5x40xf32>, tensor<2x3x16x40xf32>) {
  %o, %s1 = retention.recurrent %q, %k, %v decay(%ld) state(%s) at(%p)
      : tensor<2x3x5x16xf32>, tensor<2x3x5x16xf32>, tensor<2x3x5x40xf32>,
        tensor<3xf32>, tensor<2x3x16x40xf32> -> tensor<2x3x5x40xf32>
  return %o, %s1 : tensor<2x3x5x40xf32>, tensor<2x3x16x40xf32>
}

// Other forms the tensor-core kernels do not take (here Dk = 24, not a
// multiple of 16) become recurrent first (from a zero state at position 0);
// f16 inputs are extended to f32 and the output truncated back.
// CHECK-LABEL: func.func @parallel_f16(
//       CHECK:   gpu.launch
//       CHECK:     arith.extf %{{.*}} : f16 to f32
//       CHECK:     arith.truncf %{{.*}} : f32 to f16
//   CHECK-NOT:   retention.
//       CHECK:   return
func.func @parallel_f16(%q: tensor<1x2x8x24xf16>, %k: tensor<1x2x8x24xf16>,
                        %v: tensor<1x2x8x16xf16>, %ld: tensor<2xf32>)
    -> tensor<1x2x8x16xf16> {
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<1x2x8x24xf16>, tensor<1x2x8x24xf16>, tensor<1x2x8x16xf16>,
        tensor<2xf32> -> tensor<1x2x8x16xf16>
  return %o : tensor<1x2x8x16xf16>
}
