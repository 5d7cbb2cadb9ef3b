// RUN: retnet-opt %s --split-input-file --retnet-gpu-tile-parallel-loops | FileCheck %s
// RUN: retnet-opt %s --split-input-file --retnet-gpu-tile-parallel-loops=threads=64 | FileCheck %s --check-prefix=T64

// A [1, 1000] loop (a decode step's product): blocks of 1 x 256 threads
// (the tile sizes, then the block loop with a guard), not 16 x 16 of which
// one row works.
// CHECK-LABEL: func.func @row(
//       CHECK:   %{{c0_[0-9]+}} = arith.constant 0 : index
//  CHECK-NEXT:   %[[T0:.*]] = arith.constant 1 : index
//  CHECK-NEXT:   %[[T1:.*]] = arith.constant 256 : index
//  CHECK-NEXT:   %[[S0:.*]] = arith.muli %{{.*}}, %[[T0]] : index
//  CHECK-NEXT:   %[[S1:.*]] = arith.muli %{{.*}}, %[[T1]] : index
//  CHECK-NEXT:   scf.parallel ({{.*}}) = ({{.*}}) to ({{.*}}) step (%[[S0]], %[[S1]])
//  CHECK-NEXT:     scf.parallel ({{.*}}) = ({{.*}}) to (%[[S0]], %[[S1]])
//       CHECK:       scf.if
// T64-LABEL: func.func @row(
//       T64:   %{{c0_[0-9]+}} = arith.constant 0 : index
//  T64-NEXT:   arith.constant 1 : index
//  T64-NEXT:   arith.constant 64 : index
func.func @row(%m: memref<1x1000xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c1000 = arith.constant 1000 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c1, %c1000) step (%c1, %c1) {
    memref.store %f, %m[%i, %j] : memref<1x1000xf32>
  }
  return
}

// -----

// [1, 2, 8, 24] (a retention-sized elementwise op): the innermost 24 first,
// then 8 of the 10 threads' worth left: blocks of 1 x 1 x 8 x 24.
// CHECK-LABEL: func.func @heads(
//       CHECK:   %{{c0_[0-9]+}} = arith.constant 0 : index
//  CHECK-NEXT:   arith.constant 1 : index
//  CHECK-NEXT:   arith.constant 1 : index
//  CHECK-NEXT:   arith.constant 8 : index
//  CHECK-NEXT:   arith.constant 24 : index
func.func @heads(%m: memref<1x2x8x24xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c8 = arith.constant 8 : index
  %c24 = arith.constant 24 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%a, %b, %c, %d) = (%c0, %c0, %c0, %c0) to (%c1, %c2, %c8, %c24)
      step (%c1, %c1, %c1, %c1) {
    memref.store %f, %m[%a, %b, %c, %d] : memref<1x2x8x24xf32>
  }
  return
}

// -----

// [100, 1, 1]: z takes at most 64 threads (CUDA's limit for z).
// CHECK-LABEL: func.func @deep(
//       CHECK:   %{{c0_[0-9]+}} = arith.constant 0 : index
//  CHECK-NEXT:   arith.constant 64 : index
//  CHECK-NEXT:   arith.constant 1 : index
//  CHECK-NEXT:   arith.constant 1 : index
func.func @deep(%m: memref<100x1x1xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c100 = arith.constant 100 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%a, %b, %c) = (%c0, %c0, %c0) to (%c100, %c1, %c1)
      step (%c1, %c1, %c1) {
    memref.store %f, %m[%a, %b, %c] : memref<100x1x1xf32>
  }
  return
}
