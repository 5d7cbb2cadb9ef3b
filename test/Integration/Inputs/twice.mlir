// Entries whose results once crashed retnet-run (see runner-memory.test).

// One buffer returned as two results.
func.func @twice(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>)
    -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %s = arith.addf %a, %b : tensor<2x3xf32>
  return %s, %s : tensor<2x3xf32>, tensor<2x3xf32>
}

// A constant (a global buffer, not an allocation) as a result.
func.func @constant() -> tensor<2xf32> {
  %c = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  return %c : tensor<2xf32>
}

// A 40 GB result.
func.func @huge() -> tensor<100000x100000xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<100000x100000xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<100000x100000xf32>)
      -> tensor<100000x100000xf32>
  return %f : tensor<100000x100000xf32>
}
