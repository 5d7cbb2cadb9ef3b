// RUN: retnet-opt %s --convert-retention-to-gpu -split-input-file -verify-diagnostics

func.func @dynamic(%q: tensor<1x2x?x16xf32>, %ld: tensor<2xf32>,
                   %s: tensor<1x2x16x16xf32>, %p: index) -> tensor<1x2x?x16xf32> {
  // expected-error @+1 {{'retention.recurrent' op cannot be lowered to a GPU kernel: its shapes must be static}}
  %o, %s1 = retention.recurrent %q, %q, %q decay(%ld) state(%s) at(%p)
      : tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>,
        tensor<2xf32>, tensor<1x2x16x16xf32> -> tensor<1x2x?x16xf32>
  return %o : tensor<1x2x?x16xf32>
}

// -----

func.func @dynamic_decay(%q: tensor<1x2x32x16xf16>, %ld: tensor<?xf32>)
    -> tensor<1x2x32x16xf16> {
  // expected-error @+1 {{'retention.parallel' op cannot be lowered to a GPU kernel: its shapes must be static}}
  %o = retention.parallel %q, %q, %q decay(%ld)
      : tensor<1x2x32x16xf16>, tensor<1x2x32x16xf16>, tensor<1x2x32x16xf16>,
        tensor<?xf32> -> tensor<1x2x32x16xf16>
  return %o : tensor<1x2x32x16xf16>
}
