// RUN: retnet-opt %s --retention-raise -verify-diagnostics

// The structure of retention, but the mask is an argument: nothing says it
// is a decay mask.
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#head = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
func.func @mask_argument(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>,
                         %v: tensor<1x2x4x8xf32>, %mask: tensor<2x4x4xf32>)
    -> tensor<1x2x4x8xf32> {
  %zero = arith.constant 0.0 : f32
  %kt0 = tensor.empty() : tensor<1x2x8x4xf32>
  %kt = linalg.transpose ins(%k : tensor<1x2x4x8xf32>) outs(%kt0 : tensor<1x2x8x4xf32>) permutation = [0, 1, 3, 2]
  %qc = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x2x4x8xf32> into tensor<2x4x8xf32>
  %ktc = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<1x2x8x4xf32> into tensor<2x8x4xf32>
  %s0 = tensor.empty() : tensor<2x4x4xf32>
  %s1 = linalg.fill ins(%zero : f32) outs(%s0 : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %s = linalg.batch_matmul ins(%qc, %ktc : tensor<2x4x8xf32>, tensor<2x8x4xf32>) outs(%s1 : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %se = tensor.expand_shape %s [[0, 1], [2], [3]] output_shape [1, 2, 4, 4] : tensor<2x4x4xf32> into tensor<1x2x4x4xf32>
  %w0 = tensor.empty() : tensor<1x2x4x4xf32>
  %w = linalg.generic {indexing_maps = [#id, #head, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%se, %mask : tensor<1x2x4x4xf32>, tensor<2x4x4xf32>) outs(%w0 : tensor<1x2x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<1x2x4x4xf32>
  %wc = tensor.collapse_shape %w [[0, 1], [2], [3]] : tensor<1x2x4x4xf32> into tensor<2x4x4xf32>
  %vc = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x2x4x8xf32> into tensor<2x4x8xf32>
  %o0 = tensor.empty() : tensor<2x4x8xf32>
  %o1 = linalg.fill ins(%zero : f32) outs(%o0 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %o = linalg.batch_matmul ins(%wc, %vc : tensor<2x4x4xf32>, tensor<2x4x8xf32>) outs(%o1 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  // expected-remark @+1 {{not raised to retention.parallel: the mask is not computed from constants: it depends on an argument}}
  %oe = tensor.expand_shape %o [[0, 1], [2], [3]] output_shape [1, 2, 4, 8] : tensor<2x4x8xf32> into tensor<1x2x4x8xf32>
  return %oe : tensor<1x2x4x8xf32>
}
