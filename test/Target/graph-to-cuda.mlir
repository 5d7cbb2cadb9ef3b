// A whole graph on the GPU (retention-graph-to-cuda): its linalg ops become
// kernels next to the retention kernel; as PTX for both chips and, with a
// CUDA toolkit, assembled by ptxas without spills.
// RUN: retnet-opt %s --pass-pipeline='builtin.module(retention-graph-to-cuda{format=isa chip=sm_80})' | FileCheck %s --check-prefixes=PTX,SM80
// RUN: retnet-opt %s --pass-pipeline='builtin.module(retention-graph-to-cuda{format=isa chip=sm_90})' | FileCheck %s --check-prefixes=PTX,SM90
// RUN: %if ptxas %{ retnet-opt %s --pass-pipeline='builtin.module(retention-graph-to-cuda{format=isa chip=sm_90})' | %python %S/Inputs/ptxas_check.py %cuda_toolkit | FileCheck %s --check-prefix=PTXAS %}

// The host code allocates device buffers and launches: the product's zero
// fill, the product, the copy of the state that the retention kernel
// updates, the retention kernel, the activation (erf, from libdevice, and
// the product with the retention output fused into one kernel); each result
// comes back with one copy to a host buffer.
// PTX-LABEL: llvm.func @layer(
//       PTX:   llvm.call @mgpuMemAlloc
//       PTX:   gpu.launch_func <%{{.*}} : !llvm.ptr> @layer_kernel::@layer_kernel
//       PTX:   gpu.launch_func <%{{.*}} : !llvm.ptr> @layer_kernel_0::@layer_kernel
//       PTX:   gpu.launch_func <%{{.*}} : !llvm.ptr> @layer_kernel_1::@layer_kernel
//       PTX:   gpu.launch_func <%{{.*}} : !llvm.ptr> @layer_kernel_2::@layer_kernel
//       PTX:   gpu.launch_func <%{{.*}} : !llvm.ptr> @layer_kernel_3::@layer_kernel
//   PTX-NOT:   gpu.launch_func
//       PTX:   llvm.call @mgpuMemcpy
//       PTX:   llvm.call @mgpuMemcpy
//       PTX:   llvm.return
// SM80: gpu.binary @layer_kernel_3 [#gpu.object<#nvvm.target<chip = "sm_80", features = "+ptx80">
// SM90: gpu.binary @layer_kernel_3 [#gpu.object<#nvvm.target<chip = "sm_90", features = "+ptx80">
//  PTX-SAME: .entry layer_kernel(

// PTXAS-COUNT-5: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
func.func @layer(%x: tensor<1x2x1x32xf32>, %w: tensor<32x32xf32>,
                 %ld: tensor<2xf32>, %s: tensor<1x2x16x32xf32>, %p: index)
    -> (tensor<1x2x1x32xf32>, tensor<1x2x16x32xf32>) {
  %zero = arith.constant 0.0 : f32
  %xf = tensor.collapse_shape %x [[0, 1, 2], [3]]
      : tensor<1x2x1x32xf32> into tensor<2x32xf32>
  %e = tensor.empty() : tensor<2x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x32xf32>) -> tensor<2x32xf32>
  %y = linalg.matmul ins(%xf, %w : tensor<2x32xf32>, tensor<32x32xf32>)
      outs(%f : tensor<2x32xf32>) -> tensor<2x32xf32>
  %q = tensor.expand_shape %y [[0, 1, 2], [3]] output_shape [1, 2, 1, 32]
      : tensor<2x32xf32> into tensor<1x2x1x32xf32>
  %k = tensor.extract_slice %q[0, 0, 0, 0] [1, 2, 1, 16] [1, 1, 1, 1]
      : tensor<1x2x1x32xf32> to tensor<1x2x1x16xf32>
  %o, %s1 = retention.recurrent %k, %k, %q decay(%ld) state(%s) at(%p)
      : tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x1x32xf32>,
        tensor<2xf32>, tensor<1x2x16x32xf32> -> tensor<1x2x1x32xf32>
  %e4 = tensor.empty() : tensor<1x2x1x32xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(a, b, c, d) -> (a, b, c, d)>,
                                        affine_map<(a, b, c, d) -> (a, b, c, d)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%o : tensor<1x2x1x32xf32>) outs(%e4 : tensor<1x2x1x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.erf %in : f32
    linalg.yield %r : f32
  } -> tensor<1x2x1x32xf32>
  %g = linalg.generic {indexing_maps = [affine_map<(a, b, c, d) -> (a, b, c, d)>,
                                        affine_map<(a, b, c, d) -> (a, b, c, d)>,
                                        affine_map<(a, b, c, d) -> (a, b, c, d)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%a, %o : tensor<1x2x1x32xf32>, tensor<1x2x1x32xf32>) outs(%e4 : tensor<1x2x1x32xf32>) {
  ^bb0(%u: f32, %v: f32, %out: f32):
    %r = arith.mulf %u, %v : f32
    linalg.yield %r : f32
  } -> tensor<1x2x1x32xf32>
  return %g, %s1 : tensor<1x2x1x32xf32>, tensor<1x2x16x32xf32>
}
