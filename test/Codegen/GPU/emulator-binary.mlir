// RUN: retnet-opt %s --retnet-gpu-module-to-emulator-binary -split-input-file -verify-diagnostics | FileCheck %s

// An NVVM-level kernel module becomes a gpu.binary holding the emulator's
// object (magic RNEMU001, the kernel table, SPIR-V), for the same target.
// CHECK: gpu.binary @kernels [#gpu.object<#nvvm.target<chip = "sm_80">, bin = "RNEMU001
// CHECK-NOT: gpu.module
gpu.module @kernels [#nvvm.target<chip = "sm_80">] {
  llvm.func @copy(%src: !llvm.ptr, %dst: !llvm.ptr) attributes {gpu.kernel, nvvm.kernel} {
    %tid = nvvm.read.ptx.sreg.tid.x : i32
    %p = llvm.getelementptr %src[%tid] : (!llvm.ptr, i32) -> !llvm.ptr, f32
    %x = llvm.load %p : !llvm.ptr -> f32
    %e = llvm.call @__nv_expf(%x) : (f32) -> f32
    %q = llvm.getelementptr %dst[%tid] : (!llvm.ptr, i32) -> !llvm.ptr, f32
    llvm.store %e, %q : f32, !llvm.ptr
    llvm.return
  }
  llvm.func @__nv_expf(f32) -> f32
}

// -----

// An intrinsic without a shim is an error, never skipped.
// expected-error @+1 {{the GPU emulator has no shim for NVVM intrinsic 'llvm.nvvm.read.ptx.sreg.clock'}}
gpu.module @kernels [#nvvm.target<chip = "sm_80">] {
  llvm.func @clock(%dst: !llvm.ptr) attributes {gpu.kernel, nvvm.kernel} {
    %c = nvvm.read.ptx.sreg.clock : i32
    llvm.store %c, %dst : i32, !llvm.ptr
    llvm.return
  }
}

// -----

// So is a libdevice function without one.
// expected-error @+1 {{the GPU emulator has no shim for '__nv_tgammaf'}}
gpu.module @kernels [#nvvm.target<chip = "sm_80">] {
  llvm.func @gamma(%dst: !llvm.ptr, %x: f32) attributes {gpu.kernel, nvvm.kernel} {
    %g = llvm.call @__nv_tgammaf(%x) : (f32) -> f32
    llvm.store %g, %dst : f32, !llvm.ptr
    llvm.return
  }
  llvm.func @__nv_tgammaf(f32) -> f32
}

// -----

// bf16 values are kept as their bits: loads, stores, extensions and
// truncations only; arithmetic on bf16 is an error naming the instruction.
// expected-error @+1 {{bf16 values in 'fadd' are not supported by the GPU emulator}}
gpu.module @kernels [#nvvm.target<chip = "sm_80">] {
  llvm.func @add(%p: !llvm.ptr) attributes {gpu.kernel, nvvm.kernel} {
    %x = llvm.load %p : !llvm.ptr -> bf16
    %y = llvm.fadd %x, %x : bf16
    llvm.store %y, %p : bf16, !llvm.ptr
    llvm.return
  }
}
