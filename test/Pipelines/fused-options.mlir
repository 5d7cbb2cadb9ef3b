// RUN: retnet-opt %s --retention-fused-to-linalg="chunk-size=16 tile-sizes=1,1,8 register-rows=8" | FileCheck %s
// RUN: retnet-opt %s --retention-fused-to-linalg="chunk-size=16 tile-sizes=1,1,8 register-rows=4" | FileCheck %s --check-prefix=ROWS
// RUN: retnet-opt %s --retention-fused-to-linalg="chunk-size=16 tile-sizes=1,1,8 register-rows=4 register-cols=8" | FileCheck %s --check-prefix=COLS
// RUN: not retnet-opt %s --retention-fused-to-linalg="register-rows=-1" 2>&1 | FileCheck %s --check-prefix=BADROWS
// RUN: not retnet-opt %s --retention-fused-to-linalg="chunk-size=-3" 2>&1 | FileCheck %s --check-prefix=BAD

// The typed options of the fused pipelines reach retention-tile: tiles of
// one head and 8 value columns, chunks of 16 rows; the chunk products are
// register-blocked vector kernels, of register-rows rows (by default the
// host's: 8) and up to register-cols lanes (the host's: 32 with AVX-512,
// else 16; here the 16 value columns of a tile).
// CHECK-LABEL: func.func @chunkwise
// CHECK: scf.forall (%{{.*}}, %{{.*}}) = (0, 0) to (2, 16) step (1, 8)
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c16 iter_args
// CHECK: vector.fma {{.*}} : vector<8x16xf32>
// ROWS: vector.fma {{.*}} : vector<4x16xf32>
// COLS: vector.fma {{.*}} : vector<4x8xf32>
// BAD: error: retention-tile: chunk-size must be positive (or 0 for the default), got -3
// BADROWS: error: retnet-vectorize-contractions: block-rows and block-cols must be at least 1, block-k at least 0
func.func @chunkwise(%q: tensor<1x2x64x8xf32>, %k: tensor<1x2x64x8xf32>,
                     %v: tensor<1x2x64x16xf32>, %ld: tensor<2xf32>)
    -> tensor<1x2x64x16xf32> {
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x16xf32>,
        tensor<2xf32> -> tensor<1x2x64x16xf32>
  return %o : tensor<1x2x64x16xf32>
}
