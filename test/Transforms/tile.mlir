// RUN: retnet-opt %s --retention-tile -canonicalize -split-input-file | FileCheck %s
// RUN: retnet-opt %s --retention-tile="tile-sizes=1,1,2 chunk-size=8" -canonicalize -split-input-file | FileCheck %s --check-prefix=SIZES
// RUN: not retnet-opt %s --retention-tile="tile-sizes=1,1" -split-input-file 2>&1 | FileCheck %s --check-prefix=BAD-SIZES
// RUN: not retnet-opt %s --retention-tile="tile-sizes=-1,1,1" -split-input-file 2>&1 | FileCheck %s --check-prefix=NEG-SIZES
// RUN: not retnet-opt %s --retention-tile="chunk-size=-4" -split-input-file 2>&1 | FileCheck %s --check-prefix=BAD-CHUNK

// BAD-SIZES: retention-tile: tile-sizes takes three non-negative sizes (batch, heads, value_dim), got 2 value(s)
// NEG-SIZES: retention-tile: tile-sizes must not be negative, got -1,1,1
// BAD-CHUNK: retention-tile: chunk-size must be positive (or 0 for the default), got -4

// Default: one (batch, head) per forall iteration, the value dim whole,
// the parallel op made chunkwise with chunk min(T, 64).
// CHECK-LABEL: func.func @parallel
// CHECK: scf.forall (%[[B:.*]], %[[H:.*]]) in (2, 3)
// CHECK: %[[O:.*]], %{{.*}} = retention.chunkwise {{.*}} chunk(64) : {{.*}} -> tensor<1x1x100x4xf32>, tensor<1x1x8x4xf32>
// CHECK: tensor.parallel_insert_slice %[[O]] into %{{.*}}[%[[B]], %[[H]], 0, 0] [1, 1, 100, 4]
// SIZES-LABEL: func.func @parallel
// SIZES: scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) = (0, 0, 0) to (2, 3, 4) step (1, 1, 2)
// SIZES: retention.chunkwise {{.*}} chunk(8) : {{.*}} -> tensor<1x1x100x2xf32>, tensor<1x1x8x2xf32>
func.func @parallel(%q: tensor<2x3x100x8xf32>, %k: tensor<2x3x100x8xf32>,
                    %v: tensor<2x3x100x4xf32>, %ld: tensor<3xf32>)
    -> tensor<2x3x100x4xf32> {
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<2x3x100x8xf32>, tensor<2x3x100x8xf32>, tensor<2x3x100x4xf32>,
        tensor<3xf32> -> tensor<2x3x100x4xf32>
  return %o : tensor<2x3x100x4xf32>
}

// -----

// A short sequence gets a chunk of T; an existing chunkwise op keeps its
// chunk size unless one is given.
// CHECK-LABEL: func.func @short
// CHECK: retention.chunkwise {{.*}} chunk(10)
// CHECK: retention.chunkwise {{.*}} chunk(4)
func.func @short(%q: tensor<1x2x10x8xf32>, %k: tensor<1x2x10x8xf32>,
                 %v: tensor<1x2x10x4xf32>, %ld: tensor<2xf32>)
    -> (tensor<1x2x10x4xf32>, tensor<1x2x10x4xf32>) {
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<1x2x10x8xf32>, tensor<1x2x10x8xf32>, tensor<1x2x10x4xf32>,
        tensor<2xf32> -> tensor<1x2x10x4xf32>
  %o2, %s = retention.chunkwise %q, %k, %v decay(%ld) chunk(4)
      : tensor<1x2x10x8xf32>, tensor<1x2x10x8xf32>, tensor<1x2x10x4xf32>,
        tensor<2xf32> -> tensor<1x2x10x4xf32>, tensor<1x2x8x4xf32>
  return %o, %o2 : tensor<1x2x10x4xf32>, tensor<1x2x10x4xf32>
}

// -----

// With an initial state, the loop's destination for the final state is the
// initial state and each tile reads its state tile from the destination, so
// that bufferization can update the state where it is.
// CHECK-LABEL: func.func @state_in_place(
//  CHECK-SAME:     %[[S:[^:]*]]: tensor<2x3x8x4xf32>
//       CHECK:   %[[E:.*]] = tensor.empty() : tensor<2x3x1x4xf32>
//       CHECK:   scf.forall (%[[B:.*]], %[[H:.*]]) in (2, 3) shared_outs(%[[O:.*]] = %[[E]], %[[D:.*]] = %[[S]])
//       CHECK:     %[[T:.*]] = tensor.extract_slice %[[D]][%[[B]], %[[H]], 0, 0] [1, 1, 8, 4]
//       CHECK:     %{{.*}}, %[[N:.*]] = retention.recurrent {{.*}} state(%[[T]])
//       CHECK:     tensor.parallel_insert_slice %[[N]] into %[[D]][%[[B]], %[[H]], 0, 0] [1, 1, 8, 4]
func.func @state_in_place(%s0: tensor<2x3x8x4xf32>, %q: tensor<2x3x1x8xf32>,
                          %k: tensor<2x3x1x8xf32>, %v: tensor<2x3x1x4xf32>,
                          %ld: tensor<3xf32>, %p: index)
    -> (tensor<2x3x1x4xf32>, tensor<2x3x8x4xf32>) {
  %o, %s = retention.recurrent %q, %k, %v decay(%ld) state(%s0) at(%p)
      : tensor<2x3x1x8xf32>, tensor<2x3x1x8xf32>, tensor<2x3x1x4xf32>,
        tensor<3xf32>, tensor<2x3x8x4xf32> -> tensor<2x3x1x4xf32>
  return %o, %s : tensor<2x3x1x4xf32>, tensor<2x3x8x4xf32>
}
