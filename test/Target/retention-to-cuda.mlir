// The GPU pipeline's kernels as PTX for both chips (LLVM's NVPTX back end),
// and, with a CUDA toolkit, assembled by ptxas without spills and as cubins.
// RUN: retnet-opt %s --pass-pipeline='builtin.module(retention-to-cuda{format=isa chip=sm_80})' | FileCheck %s --check-prefixes=PTX,SM80
// RUN: retnet-opt %s --pass-pipeline='builtin.module(retention-to-cuda{format=isa chip=sm_90})' | FileCheck %s --check-prefixes=PTX,SM90
// RUN: %if ptxas %{ retnet-opt %s --pass-pipeline='builtin.module(retention-to-cuda{format=isa chip=sm_80})' | %python %S/Inputs/ptxas_check.py %cuda_toolkit | FileCheck %s --check-prefix=PTXAS %}
// RUN: %if ptxas %{ retnet-opt %s --pass-pipeline='builtin.module(retention-to-cuda{format=isa chip=sm_90})' | %python %S/Inputs/ptxas_check.py %cuda_toolkit | FileCheck %s --check-prefix=PTXAS %}
// RUN: %if ptxas %{ retnet-opt %s --pass-pipeline='builtin.module(retention-to-cuda{format=bin chip=sm_90})' | FileCheck %s --check-prefix=CUBIN %}

// The host function calls the kernel through gpu.launch_func (translated to
// mgpuLaunchKernel with the object) on device buffers; the kernel updates
// the f32 state with fused multiply-adds and stores f16 outputs.
// PTX-LABEL: llvm.func @decode_step(
//       PTX:   llvm.call @mgpuMemAlloc
//       PTX:   gpu.launch_func <%{{.*}} : !llvm.ptr> @decode_step_kernel::@decode_step_kernel blocks in (%{{.*}}, %{{.*}}, %{{.*}}) threads in (%{{.*}}, %{{.*}}, %{{.*}})
//       PTX:   llvm.return
// SM80: gpu.binary @decode_step_kernel [#gpu.object<#nvvm.target<chip = "sm_80", features = "+ptx80">
// SM90: gpu.binary @decode_step_kernel [#gpu.object<#nvvm.target<chip = "sm_90", features = "+ptx80">
// SM80-SAME: .target sm_80
// SM90-SAME: .target sm_90
//  PTX-SAME: .entry decode_step_kernel(
//  PTX-SAME: fma.rn.f32
//  PTX-SAME: cvt.rn.f16.f32

// PTXAS: binary decode_step_kernel sm_{{80|90}}
// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// CUBIN: gpu.binary @decode_step_kernel [#gpu.object<#nvvm.target<chip = "sm_90", features = "+ptx80">, {{.*}}bin = "\7FELF
func.func @decode_step(%q: tensor<4x8x1x128xf16>, %k: tensor<4x8x1x128xf16>,
                       %v: tensor<4x8x1x128xf16>, %ld: tensor<8xf32>,
                       %s: tensor<4x8x128x128xf32>, %p: index)
    -> (tensor<4x8x1x128xf16>, tensor<4x8x128x128xf32>) {
  %o, %s1 = retention.recurrent %q, %k, %v decay(%ld) state(%s) at(%p)
      : tensor<4x8x1x128xf16>, tensor<4x8x1x128xf16>, tensor<4x8x1x128xf16>,
        tensor<8xf32>, tensor<4x8x128x128xf32> -> tensor<4x8x1x128xf16>
  return %o, %s1 : tensor<4x8x1x128xf16>, tensor<4x8x128x128xf32>
}
