// RUN: retnet-opt %s --convert-retention-to-linalg -split-input-file -verify-diagnostics

func.func @dynamic_seq(%q: tensor<1x2x?x16xf32>, %k: tensor<1x2x?x16xf32>,
                       %v: tensor<1x2x?x8xf32>, %ld: tensor<2xf32>)
    -> tensor<1x2x?x8xf32> {
  // expected-error @+1 {{lowering to linalg requires static shapes}}
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x8xf32>,
        tensor<2xf32> -> tensor<1x2x?x8xf32>
  return %o : tensor<1x2x?x8xf32>
}
