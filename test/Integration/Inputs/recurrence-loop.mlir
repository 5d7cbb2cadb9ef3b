// The recurrence as a loop over positions in linalg on tensors (see
// test/Dialect/Retention/Transforms/raise-recurrent.mlir): the input of
// raise-recurrence.test.
#s = affine_map<(b, h, i, j) -> (b, h, i, j)>
#k = affine_map<(b, h, i, j) -> (b, h, i)>
#v = affine_map<(b, h, i, j) -> (b, h, j)>
#g = affine_map<(b, h, i, j) -> (h)>
#qo = affine_map<(b, h, j, i) -> (b, h, i)>
#so = affine_map<(b, h, j, i) -> (b, h, i, j)>
#oo = affine_map<(b, h, j, i) -> (b, h, j)>
func.func @recurrence(%q: tensor<2x2x5x4xf32>, %k: tensor<2x2x5x4xf32>,
                      %v: tensor<2x2x5x3xf32>, %s0: tensor<2x2x4x3xf32>)
    -> (tensor<2x2x5x3xf32>, tensor<2x2x4x3xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c5 = arith.constant 5 : index
  %zero = arith.constant 0.0 : f32
  %gamma = arith.constant dense<[0.95, 0.5]> : tensor<2xf32>
  %o0 = tensor.empty() : tensor<2x2x5x3xf32>
  %res:2 = scf.for %t = %c0 to %c5 step %c1 iter_args(%s = %s0, %o = %o0)
      -> (tensor<2x2x4x3xf32>, tensor<2x2x5x3xf32>) {
    %qt = tensor.extract_slice %q[0, 0, %t, 0] [2, 2, 1, 4] [1, 1, 1, 1] : tensor<2x2x5x4xf32> to tensor<2x2x4xf32>
    %kt = tensor.extract_slice %k[0, 0, %t, 0] [2, 2, 1, 4] [1, 1, 1, 1] : tensor<2x2x5x4xf32> to tensor<2x2x4xf32>
    %vt = tensor.extract_slice %v[0, 0, %t, 0] [2, 2, 1, 3] [1, 1, 1, 1] : tensor<2x2x5x3xf32> to tensor<2x2x3xf32>
    %e = tensor.empty() : tensor<2x2x4x3xf32>
    %s1 = linalg.generic {indexing_maps = [#s, #k, #v, #g, #s], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        ins(%s, %kt, %vt, %gamma : tensor<2x2x4x3xf32>, tensor<2x2x4xf32>, tensor<2x2x3xf32>, tensor<2xf32>)
        outs(%e : tensor<2x2x4x3xf32>) {
    ^bb0(%sv: f32, %kv: f32, %vv: f32, %gv: f32, %out: f32):
      %decayed = arith.mulf %sv, %gv : f32
      %kvp = arith.mulf %kv, %vv : f32
      %sum = arith.addf %decayed, %kvp : f32
      linalg.yield %sum : f32
    } -> tensor<2x2x4x3xf32>
    %z0 = tensor.empty() : tensor<2x2x3xf32>
    %z = linalg.fill ins(%zero : f32) outs(%z0 : tensor<2x2x3xf32>) -> tensor<2x2x3xf32>
    %ot = linalg.generic {indexing_maps = [#qo, #so, #oo], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
        ins(%qt, %s1 : tensor<2x2x4xf32>, tensor<2x2x4x3xf32>) outs(%z : tensor<2x2x3xf32>) {
    ^bb0(%qv: f32, %sv: f32, %acc: f32):
      %p = arith.mulf %qv, %sv : f32
      %a = arith.addf %acc, %p : f32
      linalg.yield %a : f32
    } -> tensor<2x2x3xf32>
    %o1 = tensor.insert_slice %ot into %o[0, 0, %t, 0] [2, 2, 1, 3] [1, 1, 1, 1] : tensor<2x2x3xf32> into tensor<2x2x5x3xf32>
    scf.yield %s1, %o1 : tensor<2x2x4x3xf32>, tensor<2x2x5x3xf32>
  }
  return %res#1, %res#0 : tensor<2x2x5x3xf32>, tensor<2x2x4x3xf32>
}
