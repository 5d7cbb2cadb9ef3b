// RUN: retnet-opt %s --retention-raise -split-input-file -verify-diagnostics

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

// -----

// Element types the retention ops do not take.
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#head = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
func.func @f64_inputs(%q: tensor<1x2x4x8xf64>, %k: tensor<1x2x4x8xf64>,
                         %v: tensor<1x2x4x8xf64>, %mask: tensor<2x4x4xf64>)
    -> tensor<1x2x4x8xf64> {
  %zero = arith.constant 0.0 : f64
  %kt0 = tensor.empty() : tensor<1x2x8x4xf64>
  %kt = linalg.transpose ins(%k : tensor<1x2x4x8xf64>) outs(%kt0 : tensor<1x2x8x4xf64>) permutation = [0, 1, 3, 2]
  %qc = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x2x4x8xf64> into tensor<2x4x8xf64>
  %ktc = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<1x2x8x4xf64> into tensor<2x8x4xf64>
  %s0 = tensor.empty() : tensor<2x4x4xf64>
  %s1 = linalg.fill ins(%zero : f64) outs(%s0 : tensor<2x4x4xf64>) -> tensor<2x4x4xf64>
  %s = linalg.batch_matmul ins(%qc, %ktc : tensor<2x4x8xf64>, tensor<2x8x4xf64>) outs(%s1 : tensor<2x4x4xf64>) -> tensor<2x4x4xf64>
  %se = tensor.expand_shape %s [[0, 1], [2], [3]] output_shape [1, 2, 4, 4] : tensor<2x4x4xf64> into tensor<1x2x4x4xf64>
  %w0 = tensor.empty() : tensor<1x2x4x4xf64>
  %w = linalg.generic {indexing_maps = [#id, #head, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%se, %mask : tensor<1x2x4x4xf64>, tensor<2x4x4xf64>) outs(%w0 : tensor<1x2x4x4xf64>) {
  ^bb0(%a: f64, %b: f64, %out: f64):
    %m = arith.mulf %a, %b : f64
    linalg.yield %m : f64
  } -> tensor<1x2x4x4xf64>
  %wc = tensor.collapse_shape %w [[0, 1], [2], [3]] : tensor<1x2x4x4xf64> into tensor<2x4x4xf64>
  %vc = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x2x4x8xf64> into tensor<2x4x8xf64>
  %o0 = tensor.empty() : tensor<2x4x8xf64>
  %o1 = linalg.fill ins(%zero : f64) outs(%o0 : tensor<2x4x8xf64>) -> tensor<2x4x8xf64>
  %o = linalg.batch_matmul ins(%wc, %vc : tensor<2x4x4xf64>, tensor<2x4x8xf64>) outs(%o1 : tensor<2x4x8xf64>) -> tensor<2x4x8xf64>
  // expected-remark @+1 {{not raised to retention.parallel: q, k and v are not f32, f16 or bf16}}
  %oe = tensor.expand_shape %o [[0, 1], [2], [3]] output_shape [1, 2, 4, 8] : tensor<2x4x8xf64> into tensor<1x2x4x8xf64>
  return %oe : tensor<1x2x4x8xf64>
}

// -----

// q, k and v of different element types.
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#head = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
func.func @mixed_types(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>,
                         %v: tensor<1x2x4x8xf16>, %mask: tensor<2x4x4xf32>)
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
  %vc = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x2x4x8xf16> into tensor<2x4x8xf16>
  %o0 = tensor.empty() : tensor<2x4x8xf32>
  %o1 = linalg.fill ins(%zero : f32) outs(%o0 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %o = linalg.batch_matmul ins(%wc, %vc : tensor<2x4x4xf32>, tensor<2x4x8xf16>) outs(%o1 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  // expected-remark @+1 {{not raised to retention.parallel: q, k, v and the result do not share one element type}}
  %oe = tensor.expand_shape %o [[0, 1], [2], [3]] output_shape [1, 2, 4, 8] : tensor<2x4x8xf32> into tensor<1x2x4x8xf32>
  return %oe : tensor<1x2x4x8xf32>
}

// -----

// A geometric causal mask divided by something else than sqrt of the row sums.
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#head = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
func.func @row_sum_mask(%q: tensor<1x1x3x4xf32>, %k: tensor<1x1x3x4xf32>,
                %v: tensor<1x1x3x4xf32>) -> tensor<1x1x3x4xf32> {
  %zero = arith.constant 0.0 : f32
  // gamma = 1/2 divided by the row sums, not by their square roots.
  %mask = arith.constant dense<[[[1.0, 0.0, 0.0], [0.33333334, 0.6666667, 0.0], [0.14285715, 0.2857143, 0.5714286]]]> : tensor<1x3x3xf32>
  %kt0 = tensor.empty() : tensor<1x1x4x3xf32>
  %kt = linalg.transpose ins(%k : tensor<1x1x3x4xf32>) outs(%kt0 : tensor<1x1x4x3xf32>) permutation = [0, 1, 3, 2]
  %qc = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x1x3x4xf32> into tensor<1x3x4xf32>
  %ktc = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<1x1x4x3xf32> into tensor<1x4x3xf32>
  %s0 = tensor.empty() : tensor<1x3x3xf32>
  %s1 = linalg.fill ins(%zero : f32) outs(%s0 : tensor<1x3x3xf32>) -> tensor<1x3x3xf32>
  %s = linalg.batch_matmul ins(%qc, %ktc : tensor<1x3x4xf32>, tensor<1x4x3xf32>) outs(%s1 : tensor<1x3x3xf32>) -> tensor<1x3x3xf32>
  %se = tensor.expand_shape %s [[0, 1], [2], [3]] output_shape [1, 1, 3, 3] : tensor<1x3x3xf32> into tensor<1x1x3x3xf32>
  %w0 = tensor.empty() : tensor<1x1x3x3xf32>
  %w = linalg.generic {indexing_maps = [#id, #head, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%se, %mask : tensor<1x1x3x3xf32>, tensor<1x3x3xf32>) outs(%w0 : tensor<1x1x3x3xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<1x1x3x3xf32>
  %wc = tensor.collapse_shape %w [[0, 1], [2], [3]] : tensor<1x1x3x3xf32> into tensor<1x3x3xf32>
  %vc = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x1x3x4xf32> into tensor<1x3x4xf32>
  %o0 = tensor.empty() : tensor<1x3x4xf32>
  %o1 = linalg.fill ins(%zero : f32) outs(%o0 : tensor<1x3x4xf32>) -> tensor<1x3x4xf32>
  %o = linalg.batch_matmul ins(%wc, %vc : tensor<1x3x3xf32>, tensor<1x3x4xf32>) outs(%o1 : tensor<1x3x4xf32>) -> tensor<1x3x4xf32>
  // expected-remark @+1 {{not raised to retention.parallel: the mask is not gamma^(n-m) / sqrt(row sum) for one gamma per head: entry [0, 1, 0] is 0.333333, expected 0.408248 for gamma = 0.500000}}
  %oe = tensor.expand_shape %o [[0, 1], [2], [3]] output_shape [1, 1, 3, 4] : tensor<1x3x4xf32> into tensor<1x1x3x4xf32>
  return %oe : tensor<1x1x3x4xf32>
}

// -----

// A mask computed by an op the evaluator does not run.
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#head = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
func.func @mask_by_matmul(%q: tensor<1x1x3x4xf32>, %k: tensor<1x1x3x4xf32>,
                %v: tensor<1x1x3x4xf32>) -> tensor<1x1x3x4xf32> {
  %zero = arith.constant 0.0 : f32
  %ones = arith.constant dense<1.0> : tensor<1x3x3xf32>
  %m0 = tensor.empty() : tensor<1x3x3xf32>
  %mask = linalg.batch_matmul ins(%ones, %ones : tensor<1x3x3xf32>, tensor<1x3x3xf32>) outs(%m0 : tensor<1x3x3xf32>) -> tensor<1x3x3xf32>
  %kt0 = tensor.empty() : tensor<1x1x4x3xf32>
  %kt = linalg.transpose ins(%k : tensor<1x1x3x4xf32>) outs(%kt0 : tensor<1x1x4x3xf32>) permutation = [0, 1, 3, 2]
  %qc = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x1x3x4xf32> into tensor<1x3x4xf32>
  %ktc = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<1x1x4x3xf32> into tensor<1x4x3xf32>
  %s0 = tensor.empty() : tensor<1x3x3xf32>
  %s1 = linalg.fill ins(%zero : f32) outs(%s0 : tensor<1x3x3xf32>) -> tensor<1x3x3xf32>
  %s = linalg.batch_matmul ins(%qc, %ktc : tensor<1x3x4xf32>, tensor<1x4x3xf32>) outs(%s1 : tensor<1x3x3xf32>) -> tensor<1x3x3xf32>
  %se = tensor.expand_shape %s [[0, 1], [2], [3]] output_shape [1, 1, 3, 3] : tensor<1x3x3xf32> into tensor<1x1x3x3xf32>
  %w0 = tensor.empty() : tensor<1x1x3x3xf32>
  %w = linalg.generic {indexing_maps = [#id, #head, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%se, %mask : tensor<1x1x3x3xf32>, tensor<1x3x3xf32>) outs(%w0 : tensor<1x1x3x3xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<1x1x3x3xf32>
  %wc = tensor.collapse_shape %w [[0, 1], [2], [3]] : tensor<1x1x3x3xf32> into tensor<1x3x3xf32>
  %vc = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x1x3x4xf32> into tensor<1x3x4xf32>
  %o0 = tensor.empty() : tensor<1x3x4xf32>
  %o1 = linalg.fill ins(%zero : f32) outs(%o0 : tensor<1x3x4xf32>) -> tensor<1x3x4xf32>
  %o = linalg.batch_matmul ins(%wc, %vc : tensor<1x3x3xf32>, tensor<1x3x4xf32>) outs(%o1 : tensor<1x3x4xf32>) -> tensor<1x3x4xf32>
  // expected-remark @+1 {{not raised to retention.parallel: the mask is not computed from constants: it is computed by 'linalg.batch_matmul'}}
  %oe = tensor.expand_shape %o [[0, 1], [2], [3]] output_shape [1, 1, 3, 4] : tensor<1x3x4xf32> into tensor<1x1x3x4xf32>
  return %oe : tensor<1x1x3x4xf32>
}
