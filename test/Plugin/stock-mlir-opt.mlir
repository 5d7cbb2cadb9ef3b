// REQUIRES: plugin
// Debian's stock mlir-opt with the plugin: the dialect parses, prints and
// verifies; the passes and pipelines run from --pass-pipeline; upstream
// transforms see the ops' TilingInterface (one copy of MLIR's TypeIDs).
// RUN: %stock_mlir_opt --load-dialect-plugin=%retnet_plugin %s | %stock_mlir_opt --load-dialect-plugin=%retnet_plugin | FileCheck %s --check-prefix=ROUNDTRIP
// RUN: %stock_mlir_opt --load-dialect-plugin=%retnet_plugin --load-pass-plugin=%retnet_plugin %s --pass-pipeline="builtin.module(retention-parallel-to-chunkwise{chunk-size=16})" | FileCheck %s --check-prefix=CHUNK
// RUN: %stock_mlir_opt --load-dialect-plugin=%retnet_plugin --load-pass-plugin=%retnet_plugin %s --pass-pipeline="builtin.module(retention-fused-to-llvm{chunk-size=16})" | FileCheck %s --check-prefix=LLVM
// RUN: %stock_mlir_opt --load-dialect-plugin=%retnet_plugin %s --transform-preload-library=transform-library-paths=%S/Inputs/tile.mlir --transform-interpreter | FileCheck %s --check-prefix=TILE
// RUN: %stock_mlir_opt --load-dialect-plugin=%retnet_plugin %s --transform-preload-library=transform-library-paths=%S/Inputs/fuse.mlir --transform-interpreter | FileCheck %s --check-prefix=FUSE

// ROUNDTRIP-LABEL: func.func @parallel
// ROUNDTRIP: retention.parallel %{{.*}}, %{{.*}}, %{{.*}} decay(%{{.*}}) {scale = 2.500000e-01 : f32}
// CHUNK-LABEL: func.func @parallel
// CHUNK: retention.chunkwise {{.*}} chunk(16)
// LLVM-LABEL: llvm.func @parallel(
// LLVM-SAME: retnet.signature
// FUSE-LABEL: func.func @parallel
// FUSE-NOT: retention.
// FUSE: scf.for {{.*}} step %c16
// TILE-LABEL: func.func @parallel
// TILE: scf.forall
// TILE: retention.parallel {{.*}} -> tensor<1x1x32x8xf32>
func.func @parallel(%q: tensor<1x2x32x8xf32>, %k: tensor<1x2x32x8xf32>,
                    %v: tensor<1x2x32x8xf32>, %ld: tensor<2xf32>)
    -> tensor<1x2x32x8xf32> {
  %o = retention.parallel %q, %k, %v decay(%ld) {scale = 0.25 : f32}
      : tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>,
        tensor<2xf32> -> tensor<1x2x32x8xf32>
  return %o : tensor<1x2x32x8xf32>
}
