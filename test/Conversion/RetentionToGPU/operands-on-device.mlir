// RUN: retnet-opt %s --convert-retention-to-gpu=operands-on-device --canonicalize --cse | FileCheck %s

// Host code whose buffers are device memory: the kernel reads the operands'
// own buffers and writes a new output buffer in a synchronous launch; the
// state it updates where it is starts as a copy (the input stays intact).
// No host-device copy, no async token. (Canonicalization folds the kernel's
// loads from a read-only operand buffer into tensor.extract.)
// CHECK-LABEL: func.func @recurrent(
//  CHECK-SAME:     %[[Q:[^:]*]]: tensor<2x3x5x16xf32>, %{{[^:]*}}: tensor<2x3x5x16xf32>, %{{[^:]*}}: tensor<2x3x5x40xf32>, %{{[^:]*}}: tensor<3xf32>, %[[S:[^:]*]]: tensor<2x3x16x40xf32>
//       CHECK:   %[[SB:.*]] = bufferization.to_buffer %[[S]] read_only
//       CHECK:   %[[SD:.*]] = memref.alloc() : memref<2x3x16x40xf32>
//       CHECK:   memref.copy %[[SB]], %[[SD]] :
//       CHECK:   %[[OD:.*]] = memref.alloc() : memref<2x3x5x40xf32>
//       CHECK:   gpu.launch blocks(
//       CHECK:     memref.store %{{.*}}, %[[SD]][
//       CHECK:     tensor.extract %[[Q]]
//       CHECK:     memref.store %{{.*}}, %[[OD]][
//       CHECK:   %[[O:.*]] = bufferization.to_tensor %[[OD]] restrict writable
//       CHECK:   %[[S1:.*]] = bufferization.to_tensor %[[SD]] restrict writable
//       CHECK:   return %[[O]], %[[S1]]
//   CHECK-NOT:   gpu.memcpy
func.func @recurrent(%q: tensor<2x3x5x16xf32>, %k: tensor<2x3x5x16xf32>,
                     %v: tensor<2x3x5x40xf32>, %ld: tensor<3xf32>,
                     %s: tensor<2x3x16x40xf32>, %p: index)
    -> (tensor<2x3x5x40xf32>, tensor<2x3x16x40xf32>) {
  %o, %s1 = retention.recurrent %q, %k, %v decay(%ld) state(%s) at(%p)
      : tensor<2x3x5x16xf32>, tensor<2x3x5x16xf32>, tensor<2x3x5x40xf32>,
        tensor<3xf32>, tensor<2x3x16x40xf32> -> tensor<2x3x5x40xf32>
  return %o, %s1 : tensor<2x3x5x40xf32>, tensor<2x3x16x40xf32>
}
