// RUN: retnet-opt %s --retention-fused-to-llvm | FileCheck %s
// RUN: retnet-opt %s --retention-fused-to-llvm="parallel=false" | FileCheck %s --check-prefix=SEQ

// Independent tiles run as OpenMP parallel loops by default; with
// parallel=false they are sequential loops and the code calls no OpenMP
// runtime, for hosts that have none.
// CHECK-LABEL: llvm.func @chunkwise
// CHECK: omp.parallel
// SEQ-LABEL: llvm.func @chunkwise
// SEQ-NOT: omp.
func.func @chunkwise(%q: tensor<1x2x64x8xf32>, %k: tensor<1x2x64x8xf32>,
                     %v: tensor<1x2x64x16xf32>, %ld: tensor<2xf32>)
    -> tensor<1x2x64x16xf32> {
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x16xf32>,
        tensor<2xf32> -> tensor<1x2x64x16xf32>
  return %o : tensor<1x2x64x16xf32>
}
