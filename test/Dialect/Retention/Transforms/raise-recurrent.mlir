// RUN: retnet-opt %s --retention-raise -split-input-file -verify-diagnostics | FileCheck %s

// The recurrence written as a loop over the positions: the state decays by
// gamma per head and takes k_t^T v_t, then o_t = q_t S. It becomes one
// retention.recurrent op (no row normalisation) from the loop's initial
// state at position 0, with log(gamma) as its decay.
#s = affine_map<(b, h, i, j) -> (b, h, i, j)>
#k = affine_map<(b, h, i, j) -> (b, h, i)>
#v = affine_map<(b, h, i, j) -> (b, h, j)>
#g = affine_map<(b, h, i, j) -> (h)>
#qo = affine_map<(b, h, j, i) -> (b, h, i)>
#so = affine_map<(b, h, j, i) -> (b, h, i, j)>
#oo = affine_map<(b, h, j, i) -> (b, h, j)>
// CHECK-LABEL: func.func @recurrence
// CHECK-SAME: (%[[Q:.*]]: tensor<2x2x5x4xf32>, %[[K:.*]]: tensor<2x2x5x4xf32>, %[[V:.*]]: tensor<2x2x5x3xf32>, %[[S0:.*]]: tensor<2x2x4x3xf32>)
// CHECK: %[[LD:.*]] = arith.constant dense<[-0.05129{{[0-9]*}}, -0.693147{{[0-9]*}}]> : tensor<2xf32>
// CHECK: %[[P:.*]] = arith.constant 0 : index
// CHECK: %[[O:.*]], %[[S:.*]] = retention.recurrent %[[Q]], %[[K]], %[[V]] decay(%[[LD]]) state(%[[S0]]) at(%[[P]]) {normalization = #retention.normalization<none>}
// CHECK-NOT: scf.for
// CHECK: return %[[O]], %[[S]]
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

// -----

// A decay read per position (gamma[t]) is not retention's: left alone.
#s = affine_map<(b, h, i, j) -> (b, h, i, j)>
#k = affine_map<(b, h, i, j) -> (b, h, i)>
#v = affine_map<(b, h, i, j) -> (b, h, j)>
#g = affine_map<(b, h, i, j) -> (h)>
#qo = affine_map<(b, h, j, i) -> (b, h, i)>
#so = affine_map<(b, h, j, i) -> (b, h, i, j)>
#oo = affine_map<(b, h, j, i) -> (b, h, j)>
// CHECK-LABEL: func.func @decay_per_position
// CHECK: scf.for
// CHECK-NOT: retention.recurrent
func.func @decay_per_position(%q: tensor<1x2x5x4xf32>, %s0: tensor<1x2x4x4xf32>,
                              %gammas: tensor<5x2xf32>)
    -> tensor<1x2x5x4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c5 = arith.constant 5 : index
  %zero = arith.constant 0.0 : f32
  %o0 = tensor.empty() : tensor<1x2x5x4xf32>
  // expected-remark @+1 {{not raised to retention.recurrent: the decay varies across positions (it is computed inside the loop)}}
  %res:2 = scf.for %t = %c0 to %c5 step %c1 iter_args(%s = %s0, %o = %o0)
      -> (tensor<1x2x4x4xf32>, tensor<1x2x5x4xf32>) {
    %gamma = tensor.extract_slice %gammas[%t, 0] [1, 2] [1, 1] : tensor<5x2xf32> to tensor<2xf32>
    %qt = tensor.extract_slice %q[0, 0, %t, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x5x4xf32> to tensor<1x2x4xf32>
    %e = tensor.empty() : tensor<1x2x4x4xf32>
    %s1 = linalg.generic {indexing_maps = [#s, #k, #v, #g, #s], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        ins(%s, %qt, %qt, %gamma : tensor<1x2x4x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>, tensor<2xf32>)
        outs(%e : tensor<1x2x4x4xf32>) {
    ^bb0(%sv: f32, %kv: f32, %vv: f32, %gv: f32, %out: f32):
      %decayed = arith.mulf %gv, %sv : f32
      %kvp = arith.mulf %kv, %vv : f32
      %sum = arith.addf %kvp, %decayed : f32
      linalg.yield %sum : f32
    } -> tensor<1x2x4x4xf32>
    %z0 = tensor.empty() : tensor<1x2x4xf32>
    %z = linalg.fill ins(%zero : f32) outs(%z0 : tensor<1x2x4xf32>) -> tensor<1x2x4xf32>
    %ot = linalg.generic {indexing_maps = [#qo, #so, #oo], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
        ins(%qt, %s1 : tensor<1x2x4xf32>, tensor<1x2x4x4xf32>) outs(%z : tensor<1x2x4xf32>) {
    ^bb0(%qv: f32, %sv: f32, %acc: f32):
      %p = arith.mulf %qv, %sv : f32
      %a = arith.addf %acc, %p : f32
      linalg.yield %a : f32
    } -> tensor<1x2x4xf32>
    %o1 = tensor.insert_slice %ot into %o[0, 0, %t, 0] [1, 2, 1, 4] [1, 1, 1, 1] : tensor<1x2x4xf32> into tensor<1x2x5x4xf32>
    scf.yield %s1, %o1 : tensor<1x2x4x4xf32>, tensor<1x2x5x4xf32>
  }
  return %res#1 : tensor<1x2x5x4xf32>
}

// -----

// A decay that is not a constant.
#s = affine_map<(b, h, i, j) -> (b, h, i, j)>
#k = affine_map<(b, h, i, j) -> (b, h, i)>
#v = affine_map<(b, h, i, j) -> (b, h, j)>
#g = affine_map<(b, h, i, j) -> (h)>
#qo = affine_map<(b, h, j, i) -> (b, h, i)>
#so = affine_map<(b, h, j, i) -> (b, h, i, j)>
#oo = affine_map<(b, h, j, i) -> (b, h, j)>
func.func @decay_argument(%q: tensor<2x2x5x4xf32>, %k: tensor<2x2x5x4xf32>,
                      %v: tensor<2x2x5x3xf32>, %s0: tensor<2x2x4x3xf32>,
                      %gamma: tensor<2xf32>)
    -> (tensor<2x2x5x3xf32>, tensor<2x2x4x3xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c5 = arith.constant 5 : index
  %zero = arith.constant 0.0 : f32
  %o0 = tensor.empty() : tensor<2x2x5x3xf32>
  // expected-remark @+1 {{not raised to retention.recurrent: the decay is not a constant}}
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

// -----

// A negative decay has no logarithm.
#s = affine_map<(b, h, i, j) -> (b, h, i, j)>
#k = affine_map<(b, h, i, j) -> (b, h, i)>
#v = affine_map<(b, h, i, j) -> (b, h, j)>
#g = affine_map<(b, h, i, j) -> (h)>
#qo = affine_map<(b, h, j, i) -> (b, h, i)>
#so = affine_map<(b, h, j, i) -> (b, h, i, j)>
#oo = affine_map<(b, h, j, i) -> (b, h, j)>
func.func @negative_decay(%q: tensor<2x2x5x4xf32>, %k: tensor<2x2x5x4xf32>,
                      %v: tensor<2x2x5x3xf32>, %s0: tensor<2x2x4x3xf32>)
    -> (tensor<2x2x5x3xf32>, tensor<2x2x4x3xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c5 = arith.constant 5 : index
  %zero = arith.constant 0.0 : f32
  %gamma = arith.constant dense<[0.95, -0.5]> : tensor<2xf32>
  %o0 = tensor.empty() : tensor<2x2x5x3xf32>
  // expected-remark @+1 {{not raised to retention.recurrent: a decay is negative}}
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

// -----

// The recurrent raise takes f32 only.
#s = affine_map<(b, h, i, j) -> (b, h, i, j)>
#k = affine_map<(b, h, i, j) -> (b, h, i)>
#v = affine_map<(b, h, i, j) -> (b, h, j)>
#g = affine_map<(b, h, i, j) -> (h)>
#qo = affine_map<(b, h, j, i) -> (b, h, i)>
#so = affine_map<(b, h, j, i) -> (b, h, i, j)>
#oo = affine_map<(b, h, j, i) -> (b, h, j)>
func.func @f16_inputs(%q: tensor<2x2x5x4xf16>, %k: tensor<2x2x5x4xf16>,
                      %v: tensor<2x2x5x3xf16>, %s0: tensor<2x2x4x3xf16>)
    -> (tensor<2x2x5x3xf16>, tensor<2x2x4x3xf16>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c5 = arith.constant 5 : index
  %zero = arith.constant 0.0 : f16
  %gamma = arith.constant dense<[0.95, 0.5]> : tensor<2xf16>
  %o0 = tensor.empty() : tensor<2x2x5x3xf16>
  // expected-remark @+1 {{not raised to retention.recurrent: q, k, v and the outputs are not all f32}}
  %res:2 = scf.for %t = %c0 to %c5 step %c1 iter_args(%s = %s0, %o = %o0)
      -> (tensor<2x2x4x3xf16>, tensor<2x2x5x3xf16>) {
    %qt = tensor.extract_slice %q[0, 0, %t, 0] [2, 2, 1, 4] [1, 1, 1, 1] : tensor<2x2x5x4xf16> to tensor<2x2x4xf16>
    %kt = tensor.extract_slice %k[0, 0, %t, 0] [2, 2, 1, 4] [1, 1, 1, 1] : tensor<2x2x5x4xf16> to tensor<2x2x4xf16>
    %vt = tensor.extract_slice %v[0, 0, %t, 0] [2, 2, 1, 3] [1, 1, 1, 1] : tensor<2x2x5x3xf16> to tensor<2x2x3xf16>
    %e = tensor.empty() : tensor<2x2x4x3xf16>
    %s1 = linalg.generic {indexing_maps = [#s, #k, #v, #g, #s], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        ins(%s, %kt, %vt, %gamma : tensor<2x2x4x3xf16>, tensor<2x2x4xf16>, tensor<2x2x3xf16>, tensor<2xf16>)
        outs(%e : tensor<2x2x4x3xf16>) {
    ^bb0(%sv: f16, %kv: f16, %vv: f16, %gv: f16, %out: f16):
      %decayed = arith.mulf %sv, %gv : f16
      %kvp = arith.mulf %kv, %vv : f16
      %sum = arith.addf %decayed, %kvp : f16
      linalg.yield %sum : f16
    } -> tensor<2x2x4x3xf16>
    %z0 = tensor.empty() : tensor<2x2x3xf16>
    %z = linalg.fill ins(%zero : f16) outs(%z0 : tensor<2x2x3xf16>) -> tensor<2x2x3xf16>
    %ot = linalg.generic {indexing_maps = [#qo, #so, #oo], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
        ins(%qt, %s1 : tensor<2x2x4xf16>, tensor<2x2x4x3xf16>) outs(%z : tensor<2x2x3xf16>) {
    ^bb0(%qv: f16, %sv: f16, %acc: f16):
      %p = arith.mulf %qv, %sv : f16
      %a = arith.addf %acc, %p : f16
      linalg.yield %a : f16
    } -> tensor<2x2x3xf16>
    %o1 = tensor.insert_slice %ot into %o[0, 0, %t, 0] [2, 2, 1, 3] [1, 1, 1, 1] : tensor<2x2x3xf16> into tensor<2x2x5x3xf16>
    scf.yield %s1, %o1 : tensor<2x2x4x3xf16>, tensor<2x2x5x3xf16>
  }
  return %res#1, %res#0 : tensor<2x2x5x3xf16>, tensor<2x2x4x3xf16>
}
