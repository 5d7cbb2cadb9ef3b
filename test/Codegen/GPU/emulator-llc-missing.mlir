// RUN: retnet-opt %s --retnet-gpu-module-to-emulator-binary=llc=%t.missing-llc -verify-diagnostics

// The SPIR-V comes from an llc process: one that cannot run is an error
// naming it.
// expected-error @+1 {{missing-llc' could not compile the kernels to SPIR-V: }}
gpu.module @kernels [#nvvm.target<chip = "sm_80">] {
  llvm.func @noop() attributes {gpu.kernel, nvvm.kernel} {
    llvm.return
  }
}
