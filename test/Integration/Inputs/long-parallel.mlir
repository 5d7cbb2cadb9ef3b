// A parallel op whose reference lowering needs T x T = 57.6 GB of scores.
func.func @main(%q: tensor<1x1x120000x1xf32>, %k: tensor<1x1x120000x1xf32>,
                %v: tensor<1x1x120000x1xf32>, %ld: tensor<1xf32>)
    -> tensor<1x1x120000x1xf32> {
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<1x1x120000x1xf32>, tensor<1x1x120000x1xf32>,
        tensor<1x1x120000x1xf32>, tensor<1xf32> -> tensor<1x1x120000x1xf32>
  return %o : tensor<1x1x120000x1xf32>
}
