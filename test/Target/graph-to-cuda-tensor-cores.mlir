// A product by bf16 weights in a whole graph on the GPU: the mma.sync
// kernel of retnet-gpu-matmul-to-tensor-cores in PTX for both chips and,
// with a CUDA toolkit, assembled by ptxas without spills.
// RUN: retnet-opt %s --pass-pipeline='builtin.module(retention-graph-to-cuda{format=isa chip=sm_80})' | FileCheck %s --check-prefixes=PTX,SM80
// RUN: retnet-opt %s --pass-pipeline='builtin.module(retention-graph-to-cuda{format=isa chip=sm_90})' | FileCheck %s --check-prefixes=PTX,SM90
// RUN: %if ptxas %{ retnet-opt %s --pass-pipeline='builtin.module(retention-graph-to-cuda{format=isa chip=sm_90})' | %python %S/Inputs/ptxas_check.py %cuda_toolkit | FileCheck %s --check-prefix=PTXAS %}

// PTX-LABEL: llvm.func @project(
//       PTX:   gpu.launch_func <%{{.*}} : !llvm.ptr> @project_kernel::@project_kernel
//       PTX:   gpu.launch_func <%{{.*}} : !llvm.ptr> @project_kernel_0::@project_kernel
// SM80: gpu.binary @project_kernel_0 [#gpu.object<#nvvm.target<chip = "sm_80"
// SM90: gpu.binary @project_kernel_0 [#gpu.object<#nvvm.target<chip = "sm_90"
//  PTX-SAME: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32

// PTXAS-COUNT-2: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
func.func @project(%x: tensor<5x64xf32>, %w: tensor<40x64xbf16>) -> tensor<5x40xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<5x40xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<5x40xf32>) -> tensor<5x40xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                      affine_map<(m, n, k) -> (n, k)>,
                                      affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w : tensor<5x64xf32>, tensor<40x64xbf16>) outs(%c : tensor<5x40xf32>) -> tensor<5x40xf32>
  return %y : tensor<5x40xf32>
}
