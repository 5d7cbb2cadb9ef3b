// RUN: retnet-opt %s --retnet-drop-donated-results | FileCheck %s

// The second result is the donated argument's own buffer: it leaves the
// results and is recorded as (result 1, argument 0).
// CHECK-LABEL: func.func @state(
//  CHECK-SAME:     %{{[^:]*}}: memref<4xf32>, %[[X:[^:]*]]: memref<2xf32>) -> memref<2xf32>
//  CHECK-SAME:     retnet.donated_results = array<i64: 1, 0>
//       CHECK:   return %[[X]] : memref<2xf32>
func.func @state(%s: memref<4xf32>, %x: memref<2xf32>)
    -> (memref<2xf32>, memref<4xf32>)
    attributes {retnet.donated_args = array<i64: 0>} {
  return %x, %s : memref<2xf32>, memref<4xf32>
}

// Unchanged: a returned argument that is not donated, and a function without
// donated arguments.
// CHECK-LABEL: func.func @kept(
//  CHECK-SAME:     -> memref<4xf32>
//   CHECK-NOT:     retnet.donated_results
// CHECK-LABEL: func.func @none(
//  CHECK-SAME:     -> memref<4xf32>
//   CHECK-NOT:     retnet.donated_results
func.func @kept(%s: memref<4xf32>, %x: memref<4xf32>) -> memref<4xf32>
    attributes {retnet.donated_args = array<i64: 0>} {
  return %x : memref<4xf32>
}
func.func @none(%s: memref<4xf32>) -> memref<4xf32> {
  return %s : memref<4xf32>
}
