// REQUIRES: plugin
// RUN: %stock_mlir_opt --load-dialect-plugin=%retnet_plugin %s -split-input-file -verify-diagnostics

// The verifiers run inside the stock mlir-opt too.
func.func @empty_heads(%q: tensor<1x0x4x16xf32>, %v: tensor<1x0x4x8xf32>,
                       %ld: tensor<0xf32>) {
  // expected-error @+1 {{expects a number of heads of at least 1, got 0}}
  %o = retention.parallel %q, %q, %v decay(%ld)
      : tensor<1x0x4x16xf32>, tensor<1x0x4x16xf32>, tensor<1x0x4x8xf32>,
        tensor<0xf32> -> tensor<1x0x4x8xf32>
  return
}
