// REQUIRES: ptxas
// The CUDA toolkit is optional: this is the one test that needs its ptxas
// (lit marks it UNSUPPORTED without one). It checks the toolchain facts the
// GPU path relies on: retnet-opt carries the LLVM translations that
// gpu-module-to-binary needs, and ptxas accepts sm_90 code from NVVM.
// RUN: retnet-opt %s --convert-gpu-to-nvvm --reconcile-unrealized-casts --gpu-module-to-binary="format=bin toolkit=%cuda_toolkit" | FileCheck %s
// RUN: retnet-opt %s --convert-gpu-to-nvvm --reconcile-unrealized-casts --gpu-module-to-binary="format=isa" | FileCheck %s --check-prefix=PTX

// CHECK: gpu.binary @kernels [#gpu.object<#nvvm.target<chip = "sm_90">, {{.*}}bin = "\7FELF
// PTX: .target sm_90
// PTX: mul.rn.f32
gpu.module @kernels [#nvvm.target<chip = "sm_90">] {
  gpu.func @scale(%a: memref<256xf32>, %s: f32) kernel {
    %i = gpu.thread_id x
    %x = memref.load %a[%i] : memref<256xf32>
    %y = arith.mulf %x, %s : f32
    memref.store %y, %a[%i] : memref<256xf32>
    gpu.return
  }
}
