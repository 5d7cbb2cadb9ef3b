// An entry whose first argument is donated: bufferization may write it.
func.func @accumulate(%s: tensor<4xf32> {retnet.donated}, %x: tensor<4xf32>)
    -> tensor<4xf32> {
  %r = linalg.add ins(%s, %x : tensor<4xf32>, tensor<4xf32>)
                  outs(%s : tensor<4xf32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}
