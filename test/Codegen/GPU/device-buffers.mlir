// RUN: retnet-opt %s --split-input-file --retnet-gpu-device-buffers | FileCheck %s

// Buffers the function allocates live on the device, copies between them
// become kernels (linalg.copy), and the result comes back in a host buffer;
// the device one is freed.
// CHECK-LABEL: func.func @forward(
//  CHECK-SAME:     %[[X:[^:]*]]: memref<4x8xf32>
//       CHECK:   %[[A:.*]] = gpu.alloc () : memref<4x8xf32>
//       CHECK:   linalg.generic {{.*}} ins(%[[X]] : memref<4x8xf32>) outs(%[[A]] : memref<4x8xf32>)
//       CHECK:   %[[B:.*]] = gpu.alloc () : memref<4x8xf32>
//       CHECK:   linalg.copy ins(%[[A]] : memref<4x8xf32>) outs(%[[B]] : memref<4x8xf32>)
//       CHECK:   gpu.dealloc %[[A]]
//       CHECK:   %[[H:.*]] = memref.alloc() : memref<4x8xf32>
//       CHECK:   gpu.memcpy %[[H]], %[[B]]
//       CHECK:   gpu.dealloc %[[B]]
//       CHECK:   return %[[H]]
//   CHECK-NOT:   memref.copy
func.func @forward(%x: memref<4x8xf32>) -> memref<4x8xf32> {
  %a = memref.alloc() {alignment = 64 : i64} : memref<4x8xf32>
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>,
                                   affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<4x8xf32>) outs(%a : memref<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %y = arith.mulf %in, %in : f32
    linalg.yield %y : f32
  }
  %b = memref.alloc() : memref<4x8xf32>
  memref.copy %a, %b : memref<4x8xf32> to memref<4x8xf32>
  memref.dealloc %a : memref<4x8xf32>
  return %b : memref<4x8xf32>
}

// -----

// Host scratch of the deallocation protocol (only read, written, cast,
// passed to calls and freed by host code) stays host memory; private
// functions are not entry points and stay as they are.
// CHECK-LABEL: func.func private @helper(
//       CHECK:   memref.alloc() : memref<1xi1>
// CHECK-LABEL: func.func @scratch(
//       CHECK:   %[[S:.*]] = memref.alloc() : memref<2xindex>
//       CHECK:   memref.store %{{.*}}, %[[S]]
//       CHECK:   %[[C:.*]] = memref.cast %[[S]]
//       CHECK:   call @helper(%[[C]])
//       CHECK:   memref.load %[[S]]
//       CHECK:   memref.dealloc %[[S]]
func.func private @helper(%list: memref<?xindex>) {
  %f = memref.alloc() : memref<1xi1>
  memref.dealloc %f : memref<1xi1>
  return
}
func.func @scratch(%p: index) -> index {
  %c0 = arith.constant 0 : index
  %s = memref.alloc() : memref<2xindex>
  memref.store %p, %s[%c0] : memref<2xindex>
  %c = memref.cast %s : memref<2xindex> to memref<?xindex>
  call @helper(%c) : (memref<?xindex>) -> ()
  %r = memref.load %s[%c0] : memref<2xindex>
  memref.dealloc %s : memref<2xindex>
  return %r : index
}

// -----

// An argument returned as it is comes back as a host copy and stays the
// caller's: it is not freed.
// CHECK-LABEL: func.func @identity(
//  CHECK-SAME:     %[[X:[^:]*]]: memref<4xf32>
//       CHECK:   %[[H:.*]] = memref.alloc() : memref<4xf32>
//       CHECK:   gpu.memcpy %[[H]], %[[X]]
//   CHECK-NOT:   gpu.dealloc
//       CHECK:   return %[[H]]
func.func @identity(%x: memref<4xf32>) -> memref<4xf32> {
  return %x : memref<4xf32>
}
