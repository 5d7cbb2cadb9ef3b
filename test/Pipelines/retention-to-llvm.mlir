// RUN: retnet-opt %s --retention-to-llvm | FileCheck %s

// The CPU pipeline leaves only the LLVM dialect and keeps the tensor
// signature of the entry point for retnet-run.
// CHECK-LABEL: llvm.func @decode(
// CHECK-SAME: retnet.signature = (tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x8xf32>, tensor<2xf32>, tensor<1x2x16x8xf32>, index) -> (tensor<1x2x1x8xf32>, tensor<1x2x16x8xf32>)
// CHECK-NOT: {{(retention|linalg|scf|memref|tensor|bufferization|affine)\.}}
// CHECK-LABEL: llvm.func @_mlir_ciface_decode(
// CHECK-NOT: {{(retention|linalg|scf|memref|tensor|bufferization|affine)\.}}
func.func @decode(%q: tensor<1x2x1x16xf32>, %k: tensor<1x2x1x16xf32>,
                  %v: tensor<1x2x1x8xf32>, %ld: tensor<2xf32>,
                  %s0: tensor<1x2x16x8xf32>, %p: index)
    -> (tensor<1x2x1x8xf32>, tensor<1x2x16x8xf32>) {
  %o, %s = retention.recurrent %q, %k, %v decay(%ld) state(%s0) at(%p)
      : tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x8xf32>,
        tensor<2xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x1x8xf32>
  return %o, %s : tensor<1x2x1x8xf32>, tensor<1x2x16x8xf32>
}
