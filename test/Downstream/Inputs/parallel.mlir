func.func @parallel(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>,
                    %v: tensor<1x2x16x4xf32>, %ld: tensor<2xf32>)
    -> tensor<1x2x16x4xf32> {
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x4xf32>,
        tensor<2xf32> -> tensor<1x2x16x4xf32>
  return %o : tensor<1x2x16x4xf32>
}
