// The tensor-core kernels of f16 and bf16 parallel and chunkwise retention,
// as PTX for both chips and through ptxas (no spills).
// RUN: retnet-opt %s --pass-pipeline='builtin.module(retention-to-cuda{format=isa chip=sm_80})' | FileCheck %s --check-prefixes=PTX,SM80
// RUN: retnet-opt %s --pass-pipeline='builtin.module(retention-to-cuda{format=isa chip=sm_90})' | FileCheck %s --check-prefixes=PTX,SM90
// RUN: %if ptxas %{ retnet-opt %s --pass-pipeline='builtin.module(retention-to-cuda{format=isa chip=sm_80})' | %python %S/Inputs/ptxas_check.py %cuda_toolkit | FileCheck %s --check-prefix=PTXAS %}
// RUN: %if ptxas %{ retnet-opt %s --pass-pipeline='builtin.module(retention-to-cuda{format=isa chip=sm_90})' | %python %S/Inputs/ptxas_check.py %cuda_toolkit | FileCheck %s --check-prefix=PTXAS %}

// SM80: gpu.binary @prefill_kernel [#gpu.object<#nvvm.target<chip = "sm_80", features = "+ptx80">
// SM90: gpu.binary @prefill_kernel [#gpu.object<#nvvm.target<chip = "sm_90", features = "+ptx80">
// The kernel's parameters are the memref descriptors of q, k, v, log_decay
// and o (3 x 11 + 5 + 11 = 49 values): no decay tensor.
//  PTX-SAME: .entry prefill_kernel(
//  PTX-SAME: prefill_kernel_param_48
//   PTX-NOT: prefill_kernel_param_49
//  PTX-SAME: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
//  PTX-SAME: ex2.approx

// PTXAS: binary prefill_kernel sm_{{80|90}}
// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
func.func @prefill(%q: tensor<4x8x256x128xf16>, %k: tensor<4x8x256x128xf16>,
                   %v: tensor<4x8x256x128xf16>, %ld: tensor<8xf32>)
    -> tensor<4x8x256x128xf16> {
  %o = retention.parallel %q, %k, %v decay(%ld) {scale = 0.0883883461 : f32}
      : tensor<4x8x256x128xf16>, tensor<4x8x256x128xf16>,
        tensor<4x8x256x128xf16>, tensor<8xf32> -> tensor<4x8x256x128xf16>
  return %o : tensor<4x8x256x128xf16>
}

// The chunkwise kernel at the head size of the base model (Dk = Dv = 128):
// q, k, v, log_decay, the initial state, o, the final state and the
// position (6 x 11 + 5 + 1 = 72 values), no decay tensor; per chunk of 16
// rows 50 mma.sync (16 scores, 16 cross term, 2 P V, 16 state update).
// SM80: gpu.binary @forward_kernel [#gpu.object<#nvvm.target<chip = "sm_80"
// SM90: gpu.binary @forward_kernel [#gpu.object<#nvvm.target<chip = "sm_90"
// Q, K and V tiles staged through shared memory by cp.async, fragments
// read by ldmatrix (transposed for V and the state update's K).
//  PTX-SAME: .entry forward_kernel(
//  PTX-SAME: forward_kernel_param_71
//   PTX-NOT: forward_kernel_param_72
//  PTX-SAME: cp.async.ca.shared.global
//  PTX-SAME: cp.async.wait_group {{\\09}}1;
//  PTX-SAME: ldmatrix.sync.aligned.m8n8.x4.shared.b16
//  PTX-SAME: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
//  PTX-SAME: ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16

// PTXAS: binary forward_kernel sm_{{80|90}}
// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
func.func @forward(%q: tensor<4x8x2048x128xf16>, %k: tensor<4x8x2048x128xf16>,
                   %v: tensor<4x8x2048x128xf16>, %ld: tensor<8xf32>,
                   %s: tensor<4x8x128x128xf32>, %p: index)
    -> (tensor<4x8x2048x128xf16>, tensor<4x8x128x128xf32>) {
  %o, %s1 = retention.chunkwise %q, %k, %v decay(%ld) init(%s) at(%p) chunk(64)
      {scale = 0.0883883461 : f32}
      : tensor<4x8x2048x128xf16>, tensor<4x8x2048x128xf16>,
        tensor<4x8x2048x128xf16>, tensor<8xf32>, tensor<4x8x128x128xf32>
        -> tensor<4x8x2048x128xf16>, tensor<4x8x128x128xf32>
  return %o, %s1 : tensor<4x8x2048x128xf16>, tensor<4x8x128x128xf32>
}

// bf16 takes nvvm.mma.sync with .b32 registers: the bf16 instruction.
// SM80: gpu.binary @forward_bf16_kernel [#gpu.object<#nvvm.target<chip = "sm_80"
// SM90: gpu.binary @forward_bf16_kernel [#gpu.object<#nvvm.target<chip = "sm_90"
//  PTX-SAME: .entry forward_bf16_kernel(
//  PTX-SAME: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32

// PTXAS: binary forward_bf16_kernel sm_{{80|90}}
// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
func.func @forward_bf16(%q: tensor<4x8x2048x128xbf16>,
                        %k: tensor<4x8x2048x128xbf16>,
                        %v: tensor<4x8x2048x128xbf16>, %ld: tensor<8xf32>,
                        %s: tensor<4x8x128x128xf32>, %p: index)
    -> (tensor<4x8x2048x128xbf16>, tensor<4x8x128x128xf32>) {
  %o, %s1 = retention.chunkwise %q, %k, %v decay(%ld) init(%s) at(%p) chunk(64)
      {scale = 0.0883883461 : f32}
      : tensor<4x8x2048x128xbf16>, tensor<4x8x2048x128xbf16>,
        tensor<4x8x2048x128xbf16>, tensor<8xf32>, tensor<4x8x128x128xf32>
        -> tensor<4x8x2048x128xbf16>, tensor<4x8x128x128xf32>
  return %o, %s1 : tensor<4x8x2048x128xbf16>, tensor<4x8x128x128xf32>
}

// SM80: gpu.binary @prefill_bf16_kernel [#gpu.object<#nvvm.target<chip = "sm_80"
// SM90: gpu.binary @prefill_bf16_kernel [#gpu.object<#nvvm.target<chip = "sm_90"
//  PTX-SAME: .entry prefill_bf16_kernel(
//  PTX-SAME: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32

// PTXAS: binary prefill_bf16_kernel sm_{{80|90}}
// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
func.func @prefill_bf16(%q: tensor<4x8x256x128xbf16>,
                        %k: tensor<4x8x256x128xbf16>,
                        %v: tensor<4x8x256x128xbf16>, %ld: tensor<8xf32>)
    -> tensor<4x8x256x128xbf16> {
  %o = retention.parallel %q, %k, %v decay(%ld) {scale = 0.0883883461 : f32}
      : tensor<4x8x256x128xbf16>, tensor<4x8x256x128xbf16>,
        tensor<4x8x256x128xbf16>, tensor<8xf32> -> tensor<4x8x256x128xbf16>
  return %o : tensor<4x8x256x128xbf16>
}
