// RUN: retnet-opt %s --retnet-gpu-module-to-emulator-binary=shim=%t.missing.bc -verify-diagnostics

// A shim library that cannot be read is an error naming it.
// expected-error @+1 {{cannot read the emulator shim '}}
gpu.module @kernels [#nvvm.target<chip = "sm_80">] {
  llvm.func @noop() attributes {gpu.kernel, nvvm.kernel} {
    llvm.return
  }
}
