// RUN: retnet-opt %s --retention-raise -split-input-file -verify-diagnostics
// RUN: retnet-opt %s --retention-raise -split-input-file 2>/dev/null | FileCheck %s

// Near-misses of the parallel form that retention-raise raised to a
// retention.parallel op with other numbers (exit 0) before it evaluated masks
// with MLIR's exact semantics, derived its tolerance from the mask type's
// rounding, matched reductions by their operands and checked shapes. Each is
// left alone now; those whose structure is retention get a remark. The mask
// is [1, 4, 4]: exp(ld * (n - m)) for m <= n, else 0, with ld = log(1 - 2^-12)
// unless a case says otherwise, written in one linalg.generic.
// The reference case: raised (see raise.test for the raised form).
// CHECK-LABEL: func.func @reference
// CHECK: retention.parallel
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#head = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
#row = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
#m3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#r3 = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @reference(%q: tensor<1x1x4x4xf32>, %k: tensor<1x1x4x4xf32>, %v: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %ld = arith.constant -2.44170427E-4 : f32
  %e = tensor.empty() : tensor<1x4x4xf32>
  %mask = linalg.generic {indexing_maps = [#m3], iterator_types = ["parallel", "parallel", "parallel"]} outs(%e : tensor<1x4x4xf32>) {
  ^bb0(%out: f32):
    %n = linalg.index 1 : index
    %m = linalg.index 2 : index
    %causal = arith.cmpi uge, %n, %m : index
    %d = arith.subi %n, %m : index
    %di = arith.index_cast %d : index to i64
    %df = arith.sitofp %di : i64 to f32
    %x = arith.mulf %df, %ld : f32
    %g = math.exp %x : f32
    %y = arith.select %causal, %g, %zero : f32
    linalg.yield %y : f32
  } -> tensor<1x4x4xf32>
  %kt0 = tensor.empty() : tensor<1x1x4x4xf32>
  %kt = linalg.transpose ins(%k : tensor<1x1x4x4xf32>) outs(%kt0 : tensor<1x1x4x4xf32>) permutation = [0, 1, 3, 2]
  %qc = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %ktc = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %s0 = tensor.empty() : tensor<1x4x4xf32>
  %s1 = linalg.fill ins(%zero : f32) outs(%s0 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %s = linalg.batch_matmul ins(%qc, %ktc : tensor<1x4x4xf32>, tensor<1x4x4xf32>) outs(%s1 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %se = tensor.expand_shape %s [[0, 1], [2], [3]] output_shape [1, 1, 4, 4] : tensor<1x4x4xf32> into tensor<1x1x4x4xf32>
  %w0 = tensor.empty() : tensor<1x1x4x4xf32>
  %w = linalg.generic {indexing_maps = [#id, #head, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%se, %mask : tensor<1x1x4x4xf32>, tensor<1x4x4xf32>) outs(%w0 : tensor<1x1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %y = arith.mulf %a, %b : f32
    linalg.yield %y : f32
  } -> tensor<1x1x4x4xf32>
  %pc = tensor.collapse_shape %w [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %vc = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %o0 = tensor.empty() : tensor<1x4x4xf32>
  %o1 = linalg.fill ins(%zero : f32) outs(%o0 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %o = linalg.batch_matmul ins(%pc, %vc : tensor<1x4x4xf32>, tensor<1x4x4xf32>) outs(%o1 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %oe = tensor.expand_shape %o [[0, 1], [2], [3]] output_shape [1, 1, 4, 4] : tensor<1x4x4xf32> into tensor<1x1x4x4xf32>
  return %oe : tensor<1x1x4x4xf32>
}

// -----

// sitofp of an i1 true is -1 in MLIR: the causal factor makes the mask the
// negated decay mask (it was evaluated as +1).
// CHECK-LABEL: func.func @sitofp_of_true
// CHECK: linalg.batch_matmul
// CHECK-NOT: retention.parallel
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#head = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
#row = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
#m3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#r3 = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @sitofp_of_true(%q: tensor<1x1x4x4xf32>, %k: tensor<1x1x4x4xf32>, %v: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %ld = arith.constant -2.44170427E-4 : f32
  %e = tensor.empty() : tensor<1x4x4xf32>
  %mask = linalg.generic {indexing_maps = [#m3], iterator_types = ["parallel", "parallel", "parallel"]} outs(%e : tensor<1x4x4xf32>) {
  ^bb0(%out: f32):
    %n = linalg.index 1 : index
    %m = linalg.index 2 : index
    %causal = arith.cmpi uge, %n, %m : index
    %d = arith.subi %n, %m : index
    %di = arith.index_cast %d : index to i64
    %df = arith.sitofp %di : i64 to f32
    %x = arith.mulf %df, %ld : f32
    %g = math.exp %x : f32
    %c = arith.sitofp %causal : i1 to f32
    %y = arith.mulf %c, %g : f32
    linalg.yield %y : f32
  } -> tensor<1x4x4xf32>
  %kt0 = tensor.empty() : tensor<1x1x4x4xf32>
  %kt = linalg.transpose ins(%k : tensor<1x1x4x4xf32>) outs(%kt0 : tensor<1x1x4x4xf32>) permutation = [0, 1, 3, 2]
  %qc = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %ktc = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %s0 = tensor.empty() : tensor<1x4x4xf32>
  %s1 = linalg.fill ins(%zero : f32) outs(%s0 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %s = linalg.batch_matmul ins(%qc, %ktc : tensor<1x4x4xf32>, tensor<1x4x4xf32>) outs(%s1 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %se = tensor.expand_shape %s [[0, 1], [2], [3]] output_shape [1, 1, 4, 4] : tensor<1x4x4xf32> into tensor<1x1x4x4xf32>
  %w0 = tensor.empty() : tensor<1x1x4x4xf32>
  %w = linalg.generic {indexing_maps = [#id, #head, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%se, %mask : tensor<1x1x4x4xf32>, tensor<1x4x4xf32>) outs(%w0 : tensor<1x1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %y = arith.mulf %a, %b : f32
    linalg.yield %y : f32
  } -> tensor<1x1x4x4xf32>
  %pc = tensor.collapse_shape %w [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %vc = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %o0 = tensor.empty() : tensor<1x4x4xf32>
  %o1 = linalg.fill ins(%zero : f32) outs(%o0 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %o = linalg.batch_matmul ins(%pc, %vc : tensor<1x4x4xf32>, tensor<1x4x4xf32>) outs(%o1 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  // expected-remark @+1 {{not raised to retention.parallel: the mask is not gamma^(n-m)}}
  %oe = tensor.expand_shape %o [[0, 1], [2], [3]] output_shape [1, 1, 4, 4] : tensor<1x4x4xf32> into tensor<1x1x4x4xf32>
  return %oe : tensor<1x1x4x4xf32>
}

// -----

// The distance truncated to i2 and sign-extended back: 2 becomes -2 (trunci
// was evaluated as no change for values that fit the wider type).
// CHECK-LABEL: func.func @trunci_wraps
// CHECK: linalg.batch_matmul
// CHECK-NOT: retention.parallel
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#head = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
#row = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
#m3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#r3 = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @trunci_wraps(%q: tensor<1x1x4x4xf32>, %k: tensor<1x1x4x4xf32>, %v: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %ld = arith.constant -2.44170427E-4 : f32
  %e = tensor.empty() : tensor<1x4x4xf32>
  %mask = linalg.generic {indexing_maps = [#m3], iterator_types = ["parallel", "parallel", "parallel"]} outs(%e : tensor<1x4x4xf32>) {
  ^bb0(%out: f32):
    %n = linalg.index 1 : index
    %m = linalg.index 2 : index
    %causal = arith.cmpi uge, %n, %m : index
    %d = arith.subi %n, %m : index
    %di = arith.index_cast %d : index to i64
    %dn = arith.trunci %di : i64 to i2
    %dw = arith.extsi %dn : i2 to i64
    %df = arith.sitofp %dw : i64 to f32
    %x = arith.mulf %df, %ld : f32
    %g = math.exp %x : f32
    %y = arith.select %causal, %g, %zero : f32
    linalg.yield %y : f32
  } -> tensor<1x4x4xf32>
  %kt0 = tensor.empty() : tensor<1x1x4x4xf32>
  %kt = linalg.transpose ins(%k : tensor<1x1x4x4xf32>) outs(%kt0 : tensor<1x1x4x4xf32>) permutation = [0, 1, 3, 2]
  %qc = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %ktc = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %s0 = tensor.empty() : tensor<1x4x4xf32>
  %s1 = linalg.fill ins(%zero : f32) outs(%s0 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %s = linalg.batch_matmul ins(%qc, %ktc : tensor<1x4x4xf32>, tensor<1x4x4xf32>) outs(%s1 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %se = tensor.expand_shape %s [[0, 1], [2], [3]] output_shape [1, 1, 4, 4] : tensor<1x4x4xf32> into tensor<1x1x4x4xf32>
  %w0 = tensor.empty() : tensor<1x1x4x4xf32>
  %w = linalg.generic {indexing_maps = [#id, #head, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%se, %mask : tensor<1x1x4x4xf32>, tensor<1x4x4xf32>) outs(%w0 : tensor<1x1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %y = arith.mulf %a, %b : f32
    linalg.yield %y : f32
  } -> tensor<1x1x4x4xf32>
  %pc = tensor.collapse_shape %w [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %vc = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %o0 = tensor.empty() : tensor<1x4x4xf32>
  %o1 = linalg.fill ins(%zero : f32) outs(%o0 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %o = linalg.batch_matmul ins(%pc, %vc : tensor<1x4x4xf32>, tensor<1x4x4xf32>) outs(%o1 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  // expected-remark @+1 {{not raised to retention.parallel: the mask is not gamma^(n-m)}}
  %oe = tensor.expand_shape %o [[0, 1], [2], [3]] output_shape [1, 1, 4, 4] : tensor<1x4x4xf32> into tensor<1x1x4x4xf32>
  return %oe : tensor<1x1x4x4xf32>
}

// -----

// The distance times 64 in i8, then divided by 64 in f32: wraps at 2 (i8
// products were evaluated without wrapping).
// CHECK-LABEL: func.func @muli_wraps_at_width
// CHECK: linalg.batch_matmul
// CHECK-NOT: retention.parallel
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#head = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
#row = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
#m3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#r3 = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @muli_wraps_at_width(%q: tensor<1x1x4x4xf32>, %k: tensor<1x1x4x4xf32>, %v: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %ld = arith.constant -2.44170427E-4 : f32
  %e = tensor.empty() : tensor<1x4x4xf32>
  %mask = linalg.generic {indexing_maps = [#m3], iterator_types = ["parallel", "parallel", "parallel"]} outs(%e : tensor<1x4x4xf32>) {
  ^bb0(%out: f32):
    %n = linalg.index 1 : index
    %m = linalg.index 2 : index
    %causal = arith.cmpi uge, %n, %m : index
    %d = arith.subi %n, %m : index
    %di = arith.index_cast %d : index to i8
    %c64 = arith.constant 64 : i8
    %d64 = arith.muli %di, %c64 : i8
    %dw = arith.sitofp %d64 : i8 to f32
    %inv = arith.constant 0.015625 : f32
    %df = arith.mulf %dw, %inv : f32
    %x = arith.mulf %df, %ld : f32
    %g = math.exp %x : f32
    %y = arith.select %causal, %g, %zero : f32
    linalg.yield %y : f32
  } -> tensor<1x4x4xf32>
  %kt0 = tensor.empty() : tensor<1x1x4x4xf32>
  %kt = linalg.transpose ins(%k : tensor<1x1x4x4xf32>) outs(%kt0 : tensor<1x1x4x4xf32>) permutation = [0, 1, 3, 2]
  %qc = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %ktc = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %s0 = tensor.empty() : tensor<1x4x4xf32>
  %s1 = linalg.fill ins(%zero : f32) outs(%s0 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %s = linalg.batch_matmul ins(%qc, %ktc : tensor<1x4x4xf32>, tensor<1x4x4xf32>) outs(%s1 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %se = tensor.expand_shape %s [[0, 1], [2], [3]] output_shape [1, 1, 4, 4] : tensor<1x4x4xf32> into tensor<1x1x4x4xf32>
  %w0 = tensor.empty() : tensor<1x1x4x4xf32>
  %w = linalg.generic {indexing_maps = [#id, #head, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%se, %mask : tensor<1x1x4x4xf32>, tensor<1x4x4xf32>) outs(%w0 : tensor<1x1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %y = arith.mulf %a, %b : f32
    linalg.yield %y : f32
  } -> tensor<1x1x4x4xf32>
  %pc = tensor.collapse_shape %w [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %vc = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %o0 = tensor.empty() : tensor<1x4x4xf32>
  %o1 = linalg.fill ins(%zero : f32) outs(%o0 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %o = linalg.batch_matmul ins(%pc, %vc : tensor<1x4x4xf32>, tensor<1x4x4xf32>) outs(%o1 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  // expected-remark @+1 {{not raised to retention.parallel: the mask is not gamma^(n-m)}}
  %oe = tensor.expand_shape %o [[0, 1], [2], [3]] output_shape [1, 1, 4, 4] : tensor<1x4x4xf32> into tensor<1x1x4x4xf32>
  return %oe : tensor<1x1x4x4xf32>
}

// -----

// The body adds its outs operand, the contents of a tensor.empty (they were
// evaluated as zeros).
// CHECK-LABEL: func.func @reads_outs_of_empty
// CHECK: linalg.batch_matmul
// CHECK-NOT: retention.parallel
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#head = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
#row = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
#m3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#r3 = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @reads_outs_of_empty(%q: tensor<1x1x4x4xf32>, %k: tensor<1x1x4x4xf32>, %v: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %ld = arith.constant -2.44170427E-4 : f32
  %e = tensor.empty() : tensor<1x4x4xf32>
  %mask = linalg.generic {indexing_maps = [#m3], iterator_types = ["parallel", "parallel", "parallel"]} outs(%e : tensor<1x4x4xf32>) {
  ^bb0(%out: f32):
    %n = linalg.index 1 : index
    %m = linalg.index 2 : index
    %causal = arith.cmpi uge, %n, %m : index
    %d = arith.subi %n, %m : index
    %di = arith.index_cast %d : index to i64
    %df = arith.sitofp %di : i64 to f32
    %x = arith.mulf %df, %ld : f32
    %g = math.exp %x : f32
    %y0 = arith.select %causal, %g, %zero : f32
    %y = arith.addf %y0, %out : f32
    linalg.yield %y : f32
  } -> tensor<1x4x4xf32>
  %kt0 = tensor.empty() : tensor<1x1x4x4xf32>
  %kt = linalg.transpose ins(%k : tensor<1x1x4x4xf32>) outs(%kt0 : tensor<1x1x4x4xf32>) permutation = [0, 1, 3, 2]
  %qc = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %ktc = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %s0 = tensor.empty() : tensor<1x4x4xf32>
  %s1 = linalg.fill ins(%zero : f32) outs(%s0 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %s = linalg.batch_matmul ins(%qc, %ktc : tensor<1x4x4xf32>, tensor<1x4x4xf32>) outs(%s1 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %se = tensor.expand_shape %s [[0, 1], [2], [3]] output_shape [1, 1, 4, 4] : tensor<1x4x4xf32> into tensor<1x1x4x4xf32>
  %w0 = tensor.empty() : tensor<1x1x4x4xf32>
  %w = linalg.generic {indexing_maps = [#id, #head, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%se, %mask : tensor<1x1x4x4xf32>, tensor<1x4x4xf32>) outs(%w0 : tensor<1x1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %y = arith.mulf %a, %b : f32
    linalg.yield %y : f32
  } -> tensor<1x1x4x4xf32>
  %pc = tensor.collapse_shape %w [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %vc = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %o0 = tensor.empty() : tensor<1x4x4xf32>
  %o1 = linalg.fill ins(%zero : f32) outs(%o0 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %o = linalg.batch_matmul ins(%pc, %vc : tensor<1x4x4xf32>, tensor<1x4x4xf32>) outs(%o1 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  // expected-remark @+1 {{not raised to retention.parallel: the mask is not computed from constants: it reads the contents of a tensor.empty, which are undefined}}
  %oe = tensor.expand_shape %o [[0, 1], [2], [3]] output_shape [1, 1, 4, 4] : tensor<1x4x4xf32> into tensor<1x1x4x4xf32>
  return %oe : tensor<1x1x4x4xf32>
}

// -----

// gamma^(n-m+1) / sqrt(its row sums) for gamma = 1 - 2^-12: every entry a
// factor sqrt(gamma) off, within the fixed 1e-3 the check allowed, far beyond
// f32's rounding.
// CHECK-LABEL: func.func @exponent_plus_one
// CHECK: linalg.batch_matmul
// CHECK-NOT: retention.parallel
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#head = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
#row = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
#m3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#r3 = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @exponent_plus_one(%q: tensor<1x1x4x4xf32>, %k: tensor<1x1x4x4xf32>, %v: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %ld = arith.constant -2.44170427E-4 : f32
  %e = tensor.empty() : tensor<1x4x4xf32>
  %u = linalg.generic {indexing_maps = [#m3], iterator_types = ["parallel", "parallel", "parallel"]} outs(%e : tensor<1x4x4xf32>) {
  ^bb0(%out: f32):
    %n = linalg.index 1 : index
    %m = linalg.index 2 : index
    %causal = arith.cmpi uge, %n, %m : index
    %d0 = arith.subi %n, %m : index
    %c1 = arith.constant 1 : index
    %d = arith.addi %d0, %c1 : index
    %di = arith.index_cast %d : index to i64
    %df = arith.sitofp %di : i64 to f32
    %x = arith.mulf %df, %ld : f32
    %g = math.exp %x : f32
    %y = arith.select %causal, %g, %zero : f32
    linalg.yield %y : f32
  } -> tensor<1x4x4xf32>
  %r0 = tensor.empty() : tensor<1x4xf32>
  %rz = linalg.fill ins(%zero : f32) outs(%r0 : tensor<1x4xf32>) -> tensor<1x4xf32>
  %rs = linalg.reduce ins(%u : tensor<1x4x4xf32>) outs(%rz : tensor<1x4xf32>) dimensions = [2]
    (%in: f32, %acc: f32) {
      %t = arith.addf %in, %acc : f32
      linalg.yield %t : f32
    }
  %mask = linalg.generic {indexing_maps = [#m3, #r3, #m3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%u, %rs : tensor<1x4x4xf32>, tensor<1x4xf32>) outs(%e : tensor<1x4x4xf32>) {
  ^bb0(%x: f32, %rsum: f32, %out: f32):
    %sq = math.sqrt %rsum : f32
    %y = arith.divf %x, %sq : f32
    linalg.yield %y : f32
  } -> tensor<1x4x4xf32>
  %kt0 = tensor.empty() : tensor<1x1x4x4xf32>
  %kt = linalg.transpose ins(%k : tensor<1x1x4x4xf32>) outs(%kt0 : tensor<1x1x4x4xf32>) permutation = [0, 1, 3, 2]
  %qc = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %ktc = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %s0 = tensor.empty() : tensor<1x4x4xf32>
  %s1 = linalg.fill ins(%zero : f32) outs(%s0 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %s = linalg.batch_matmul ins(%qc, %ktc : tensor<1x4x4xf32>, tensor<1x4x4xf32>) outs(%s1 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %se = tensor.expand_shape %s [[0, 1], [2], [3]] output_shape [1, 1, 4, 4] : tensor<1x4x4xf32> into tensor<1x1x4x4xf32>
  %w0 = tensor.empty() : tensor<1x1x4x4xf32>
  %w = linalg.generic {indexing_maps = [#id, #head, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%se, %mask : tensor<1x1x4x4xf32>, tensor<1x4x4xf32>) outs(%w0 : tensor<1x1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %y = arith.mulf %a, %b : f32
    linalg.yield %y : f32
  } -> tensor<1x1x4x4xf32>
  %pc = tensor.collapse_shape %w [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %vc = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %o0 = tensor.empty() : tensor<1x4x4xf32>
  %o1 = linalg.fill ins(%zero : f32) outs(%o0 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %o = linalg.batch_matmul ins(%pc, %vc : tensor<1x4x4xf32>, tensor<1x4x4xf32>) outs(%o1 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  // expected-remark @+1 {{not raised to retention.parallel: the mask is not gamma^(n-m) / sqrt(row sum) for one gamma per head: entry [0, 0, 0] is 0.999878, expected 1.000000}}
  %oe = tensor.expand_shape %o [[0, 1], [2], [3]] output_shape [1, 1, 4, 4] : tensor<1x4x4xf32> into tensor<1x1x4x4xf32>
  return %oe : tensor<1x1x4x4xf32>
}

// -----

// v split [2, 1] where q and the scores are [1, 2]: the same collapsed
// batch, another [batch, heads] (the op it made failed to verify).
// CHECK-LABEL: func.func @batch_heads_split
// CHECK: linalg.batch_matmul
// CHECK-NOT: retention.parallel
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#head = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
#row = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
#m3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#r3 = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @batch_heads_split(%q: tensor<1x2x4x4xf32>, %k: tensor<1x2x4x4xf32>, %v: tensor<2x1x4x4xf32>) -> tensor<2x1x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %ld = arith.constant -2.44170427E-4 : f32
  %e = tensor.empty() : tensor<2x4x4xf32>
  %mask = linalg.generic {indexing_maps = [#m3], iterator_types = ["parallel", "parallel", "parallel"]} outs(%e : tensor<2x4x4xf32>) {
  ^bb0(%out: f32):
    %n = linalg.index 1 : index
    %m = linalg.index 2 : index
    %causal = arith.cmpi uge, %n, %m : index
    %d = arith.subi %n, %m : index
    %di = arith.index_cast %d : index to i64
    %df = arith.sitofp %di : i64 to f32
    %x = arith.mulf %df, %ld : f32
    %g = math.exp %x : f32
    %y = arith.select %causal, %g, %zero : f32
    linalg.yield %y : f32
  } -> tensor<2x4x4xf32>
  %kt0 = tensor.empty() : tensor<1x2x4x4xf32>
  %kt = linalg.transpose ins(%k : tensor<1x2x4x4xf32>) outs(%kt0 : tensor<1x2x4x4xf32>) permutation = [0, 1, 3, 2]
  %qc = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x2x4x4xf32> into tensor<2x4x4xf32>
  %ktc = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<1x2x4x4xf32> into tensor<2x4x4xf32>
  %s0 = tensor.empty() : tensor<2x4x4xf32>
  %s1 = linalg.fill ins(%zero : f32) outs(%s0 : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %s = linalg.batch_matmul ins(%qc, %ktc : tensor<2x4x4xf32>, tensor<2x4x4xf32>) outs(%s1 : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %se = tensor.expand_shape %s [[0, 1], [2], [3]] output_shape [1, 2, 4, 4] : tensor<2x4x4xf32> into tensor<1x2x4x4xf32>
  %w0 = tensor.empty() : tensor<1x2x4x4xf32>
  %w = linalg.generic {indexing_maps = [#id, #head, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%se, %mask : tensor<1x2x4x4xf32>, tensor<2x4x4xf32>) outs(%w0 : tensor<1x2x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %y = arith.mulf %a, %b : f32
    linalg.yield %y : f32
  } -> tensor<1x2x4x4xf32>
  %pc = tensor.collapse_shape %w [[0, 1], [2], [3]] : tensor<1x2x4x4xf32> into tensor<2x4x4xf32>
  %vc = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<2x1x4x4xf32> into tensor<2x4x4xf32>
  %o0 = tensor.empty() : tensor<2x4x4xf32>
  %o1 = linalg.fill ins(%zero : f32) outs(%o0 : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %o = linalg.batch_matmul ins(%pc, %vc : tensor<2x4x4xf32>, tensor<2x4x4xf32>) outs(%o1 : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  // expected-remark @+1 {{not raised to retention.parallel: q, k, v, the scores and the result do not split the batch into the same [batch, heads]}}
  %oe = tensor.expand_shape %o [[0, 1], [2], [3]] output_shape [2, 1, 4, 4] : tensor<2x4x4xf32> into tensor<2x1x4x4xf32>
  return %oe : tensor<2x1x4x4xf32>
}

// -----

// The row divisor's sum adds each weight to itself, not to the accumulator
// (the matcher took any addf for a row sum).
// CHECK-LABEL: func.func @rowsum_doubles_input
// CHECK: linalg.batch_matmul
// CHECK-NOT: retention.parallel
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#head = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
#row = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
#m3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#r3 = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @rowsum_doubles_input(%q: tensor<1x1x4x4xf32>, %k: tensor<1x1x4x4xf32>, %v: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %ld = arith.constant -2.44170427E-4 : f32
  %e = tensor.empty() : tensor<1x4x4xf32>
  %mask = linalg.generic {indexing_maps = [#m3], iterator_types = ["parallel", "parallel", "parallel"]} outs(%e : tensor<1x4x4xf32>) {
  ^bb0(%out: f32):
    %n = linalg.index 1 : index
    %m = linalg.index 2 : index
    %causal = arith.cmpi uge, %n, %m : index
    %d = arith.subi %n, %m : index
    %di = arith.index_cast %d : index to i64
    %df = arith.sitofp %di : i64 to f32
    %x = arith.mulf %df, %ld : f32
    %g = math.exp %x : f32
    %y = arith.select %causal, %g, %zero : f32
    linalg.yield %y : f32
  } -> tensor<1x4x4xf32>
  %kt0 = tensor.empty() : tensor<1x1x4x4xf32>
  %kt = linalg.transpose ins(%k : tensor<1x1x4x4xf32>) outs(%kt0 : tensor<1x1x4x4xf32>) permutation = [0, 1, 3, 2]
  %qc = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %ktc = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %s0 = tensor.empty() : tensor<1x4x4xf32>
  %s1 = linalg.fill ins(%zero : f32) outs(%s0 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %s = linalg.batch_matmul ins(%qc, %ktc : tensor<1x4x4xf32>, tensor<1x4x4xf32>) outs(%s1 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %se = tensor.expand_shape %s [[0, 1], [2], [3]] output_shape [1, 1, 4, 4] : tensor<1x4x4xf32> into tensor<1x1x4x4xf32>
  %w0 = tensor.empty() : tensor<1x1x4x4xf32>
  %w = linalg.generic {indexing_maps = [#id, #head, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%se, %mask : tensor<1x1x4x4xf32>, tensor<1x4x4xf32>) outs(%w0 : tensor<1x1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %y = arith.mulf %a, %b : f32
    linalg.yield %y : f32
  } -> tensor<1x1x4x4xf32>
  %one = arith.constant 1.0 : f32
  %r0 = tensor.empty() : tensor<1x1x4x1xf32>
  %rz = linalg.fill ins(%zero : f32) outs(%r0 : tensor<1x1x4x1xf32>) -> tensor<1x1x4x1xf32>
  %sum = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%w : tensor<1x1x4x4xf32>) outs(%rz : tensor<1x1x4x1xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %t = arith.addf %in, %in : f32
    linalg.yield %t : f32
  } -> tensor<1x1x4x1xf32>
  %abs = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%sum : tensor<1x1x4x1xf32>) outs(%r0 : tensor<1x1x4x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %a = math.absf %in : f32
    linalg.yield %a : f32
  } -> tensor<1x1x4x1xf32>
  %clamp = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%abs : tensor<1x1x4x1xf32>) outs(%r0 : tensor<1x1x4x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %lt = arith.cmpf ult, %in, %one : f32
    %c = arith.select %lt, %one, %in : f32
    linalg.yield %c : f32
  } -> tensor<1x1x4x1xf32>
  %p0 = tensor.empty() : tensor<1x1x4x4xf32>
  %p = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%w, %clamp : tensor<1x1x4x4xf32>, tensor<1x1x4x1xf32>) outs(%p0 : tensor<1x1x4x4xf32>) {
  ^bb0(%in: f32, %den: f32, %out: f32):
    %y = arith.divf %in, %den : f32
    linalg.yield %y : f32
  } -> tensor<1x1x4x4xf32>
  %pc = tensor.collapse_shape %p [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %vc = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %o0 = tensor.empty() : tensor<1x4x4xf32>
  %o1 = linalg.fill ins(%zero : f32) outs(%o0 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %o = linalg.batch_matmul ins(%pc, %vc : tensor<1x4x4xf32>, tensor<1x4x4xf32>) outs(%o1 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %oe = tensor.expand_shape %o [[0, 1], [2], [3]] output_shape [1, 1, 4, 4] : tensor<1x4x4xf32> into tensor<1x1x4x4xf32>
  return %oe : tensor<1x1x4x4xf32>
}

// -----

// The divisor's absolute value is taken of the outs operand, not of the sum
// (the matcher did not check the operand of math.absf).
// CHECK-LABEL: func.func @abs_of_outs
// CHECK: linalg.batch_matmul
// CHECK-NOT: retention.parallel
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#head = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
#row = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
#m3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#r3 = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @abs_of_outs(%q: tensor<1x1x4x4xf32>, %k: tensor<1x1x4x4xf32>, %v: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %ld = arith.constant -2.44170427E-4 : f32
  %e = tensor.empty() : tensor<1x4x4xf32>
  %mask = linalg.generic {indexing_maps = [#m3], iterator_types = ["parallel", "parallel", "parallel"]} outs(%e : tensor<1x4x4xf32>) {
  ^bb0(%out: f32):
    %n = linalg.index 1 : index
    %m = linalg.index 2 : index
    %causal = arith.cmpi uge, %n, %m : index
    %d = arith.subi %n, %m : index
    %di = arith.index_cast %d : index to i64
    %df = arith.sitofp %di : i64 to f32
    %x = arith.mulf %df, %ld : f32
    %g = math.exp %x : f32
    %y = arith.select %causal, %g, %zero : f32
    linalg.yield %y : f32
  } -> tensor<1x4x4xf32>
  %kt0 = tensor.empty() : tensor<1x1x4x4xf32>
  %kt = linalg.transpose ins(%k : tensor<1x1x4x4xf32>) outs(%kt0 : tensor<1x1x4x4xf32>) permutation = [0, 1, 3, 2]
  %qc = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %ktc = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %s0 = tensor.empty() : tensor<1x4x4xf32>
  %s1 = linalg.fill ins(%zero : f32) outs(%s0 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %s = linalg.batch_matmul ins(%qc, %ktc : tensor<1x4x4xf32>, tensor<1x4x4xf32>) outs(%s1 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %se = tensor.expand_shape %s [[0, 1], [2], [3]] output_shape [1, 1, 4, 4] : tensor<1x4x4xf32> into tensor<1x1x4x4xf32>
  %w0 = tensor.empty() : tensor<1x1x4x4xf32>
  %w = linalg.generic {indexing_maps = [#id, #head, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%se, %mask : tensor<1x1x4x4xf32>, tensor<1x4x4xf32>) outs(%w0 : tensor<1x1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %y = arith.mulf %a, %b : f32
    linalg.yield %y : f32
  } -> tensor<1x1x4x4xf32>
  %one = arith.constant 1.0 : f32
  %r0 = tensor.empty() : tensor<1x1x4x1xf32>
  %rz = linalg.fill ins(%zero : f32) outs(%r0 : tensor<1x1x4x1xf32>) -> tensor<1x1x4x1xf32>
  %sum = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%w : tensor<1x1x4x4xf32>) outs(%rz : tensor<1x1x4x1xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %t = arith.addf %in, %acc : f32
    linalg.yield %t : f32
  } -> tensor<1x1x4x1xf32>
  %abs = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%sum : tensor<1x1x4x1xf32>) outs(%r0 : tensor<1x1x4x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %a = math.absf %out : f32
    linalg.yield %a : f32
  } -> tensor<1x1x4x1xf32>
  %clamp = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%abs : tensor<1x1x4x1xf32>) outs(%r0 : tensor<1x1x4x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %lt = arith.cmpf ult, %in, %one : f32
    %c = arith.select %lt, %one, %in : f32
    linalg.yield %c : f32
  } -> tensor<1x1x4x1xf32>
  %p0 = tensor.empty() : tensor<1x1x4x4xf32>
  %p = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%w, %clamp : tensor<1x1x4x4xf32>, tensor<1x1x4x1xf32>) outs(%p0 : tensor<1x1x4x4xf32>) {
  ^bb0(%in: f32, %den: f32, %out: f32):
    %y = arith.divf %in, %den : f32
    linalg.yield %y : f32
  } -> tensor<1x1x4x4xf32>
  %pc = tensor.collapse_shape %p [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %vc = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %o0 = tensor.empty() : tensor<1x4x4xf32>
  %o1 = linalg.fill ins(%zero : f32) outs(%o0 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %o = linalg.batch_matmul ins(%pc, %vc : tensor<1x4x4xf32>, tensor<1x4x4xf32>) outs(%o1 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %oe = tensor.expand_shape %o [[0, 1], [2], [3]] output_shape [1, 1, 4, 4] : tensor<1x4x4xf32> into tensor<1x1x4x4xf32>
  return %oe : tensor<1x1x4x4xf32>
}

// -----

// The decay as a scalar input of the mask's generic: evaluated as a
// constant (it was read out of bounds, as a tensor).
// CHECK-LABEL: func.func @scalar_input
// CHECK: retention.parallel
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#head = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
#row = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
#m3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#s3 = affine_map<(d0, d1, d2) -> ()>
#r3 = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @scalar_input(%q: tensor<1x1x4x4xf32>, %k: tensor<1x1x4x4xf32>, %v: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %ldc = arith.constant -2.44170427E-4 : f32
  %e = tensor.empty() : tensor<1x4x4xf32>
  %mask = linalg.generic {indexing_maps = [#s3, #m3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ldc : f32) outs(%e : tensor<1x4x4xf32>) {
  ^bb0(%ld: f32, %out: f32):
    %n = linalg.index 1 : index
    %m = linalg.index 2 : index
    %causal = arith.cmpi uge, %n, %m : index
    %d = arith.subi %n, %m : index
    %di = arith.index_cast %d : index to i64
    %df = arith.sitofp %di : i64 to f32
    %x = arith.mulf %df, %ld : f32
    %g = math.exp %x : f32
    %y = arith.select %causal, %g, %zero : f32
    linalg.yield %y : f32
  } -> tensor<1x4x4xf32>
  %kt0 = tensor.empty() : tensor<1x1x4x4xf32>
  %kt = linalg.transpose ins(%k : tensor<1x1x4x4xf32>) outs(%kt0 : tensor<1x1x4x4xf32>) permutation = [0, 1, 3, 2]
  %qc = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %ktc = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %s0 = tensor.empty() : tensor<1x4x4xf32>
  %s1 = linalg.fill ins(%zero : f32) outs(%s0 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %s = linalg.batch_matmul ins(%qc, %ktc : tensor<1x4x4xf32>, tensor<1x4x4xf32>) outs(%s1 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %se = tensor.expand_shape %s [[0, 1], [2], [3]] output_shape [1, 1, 4, 4] : tensor<1x4x4xf32> into tensor<1x1x4x4xf32>
  %w0 = tensor.empty() : tensor<1x1x4x4xf32>
  %w = linalg.generic {indexing_maps = [#id, #head, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%se, %mask : tensor<1x1x4x4xf32>, tensor<1x4x4xf32>) outs(%w0 : tensor<1x1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %y = arith.mulf %a, %b : f32
    linalg.yield %y : f32
  } -> tensor<1x1x4x4xf32>
  %pc = tensor.collapse_shape %w [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %vc = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %o0 = tensor.empty() : tensor<1x4x4xf32>
  %o1 = linalg.fill ins(%zero : f32) outs(%o0 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %o = linalg.batch_matmul ins(%pc, %vc : tensor<1x4x4xf32>, tensor<1x4x4xf32>) outs(%o1 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %oe = tensor.expand_shape %o [[0, 1], [2], [3]] output_shape [1, 1, 4, 4] : tensor<1x4x4xf32> into tensor<1x1x4x4xf32>
  return %oe : tensor<1x1x4x4xf32>
}

// -----

// The decay read from element 1 of a tensor<2xf32> whose dense_resource blob
// holds one value: not evaluated (it was read past the blob's end).
// CHECK-LABEL: func.func @short_blob
// CHECK: linalg.batch_matmul
// CHECK-NOT: retention.parallel
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#head = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
#row = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
#m3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#e3 = affine_map<(d0, d1, d2) -> (1)>
#r3 = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @short_blob(%q: tensor<1x1x4x4xf32>, %k: tensor<1x1x4x4xf32>, %v: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %lds = arith.constant dense_resource<short_blob> : tensor<2xf32>
  %e = tensor.empty() : tensor<1x4x4xf32>
  %mask = linalg.generic {indexing_maps = [#e3, #m3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%lds : tensor<2xf32>) outs(%e : tensor<1x4x4xf32>) {
  ^bb0(%ld: f32, %out: f32):
    %n = linalg.index 1 : index
    %m = linalg.index 2 : index
    %causal = arith.cmpi uge, %n, %m : index
    %d = arith.subi %n, %m : index
    %di = arith.index_cast %d : index to i64
    %df = arith.sitofp %di : i64 to f32
    %x = arith.mulf %df, %ld : f32
    %g = math.exp %x : f32
    %y = arith.select %causal, %g, %zero : f32
    linalg.yield %y : f32
  } -> tensor<1x4x4xf32>
  %kt0 = tensor.empty() : tensor<1x1x4x4xf32>
  %kt = linalg.transpose ins(%k : tensor<1x1x4x4xf32>) outs(%kt0 : tensor<1x1x4x4xf32>) permutation = [0, 1, 3, 2]
  %qc = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %ktc = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %s0 = tensor.empty() : tensor<1x4x4xf32>
  %s1 = linalg.fill ins(%zero : f32) outs(%s0 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %s = linalg.batch_matmul ins(%qc, %ktc : tensor<1x4x4xf32>, tensor<1x4x4xf32>) outs(%s1 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %se = tensor.expand_shape %s [[0, 1], [2], [3]] output_shape [1, 1, 4, 4] : tensor<1x4x4xf32> into tensor<1x1x4x4xf32>
  %w0 = tensor.empty() : tensor<1x1x4x4xf32>
  %w = linalg.generic {indexing_maps = [#id, #head, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%se, %mask : tensor<1x1x4x4xf32>, tensor<1x4x4xf32>) outs(%w0 : tensor<1x1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %y = arith.mulf %a, %b : f32
    linalg.yield %y : f32
  } -> tensor<1x1x4x4xf32>
  %pc = tensor.collapse_shape %w [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %vc = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %o0 = tensor.empty() : tensor<1x4x4xf32>
  %o1 = linalg.fill ins(%zero : f32) outs(%o0 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %o = linalg.batch_matmul ins(%pc, %vc : tensor<1x4x4xf32>, tensor<1x4x4xf32>) outs(%o1 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  // expected-remark @+1 {{not raised to retention.parallel: the mask is not computed from constants: a dense_resource constant does not hold its type's elements}}
  %oe = tensor.expand_shape %o [[0, 1], [2], [3]] output_shape [1, 1, 4, 4] : tensor<1x4x4xf32> into tensor<1x1x4x4xf32>
  return %oe : tensor<1x1x4x4xf32>
}

// -----

// gamma = 0: the identity mask, raised with log(gamma) = -inf (its tolerance
// was NaN).
// CHECK-LABEL: func.func @gamma_zero
// CHECK: arith.constant dense<0xFF800000> : tensor<1xf32>
// CHECK: retention.parallel
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#head = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
#row = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
#m3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#r3 = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @gamma_zero(%q: tensor<1x1x4x4xf32>, %k: tensor<1x1x4x4xf32>, %v: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %ld = arith.constant -2.44170427E-4 : f32
  %e = tensor.empty() : tensor<1x4x4xf32>
  %mask = linalg.generic {indexing_maps = [#m3], iterator_types = ["parallel", "parallel", "parallel"]} outs(%e : tensor<1x4x4xf32>) {
  ^bb0(%out: f32):
    %n = linalg.index 1 : index
    %m = linalg.index 2 : index
    %causal = arith.cmpi uge, %n, %m : index
    %one = arith.constant 1.0 : f32
    %diag = arith.cmpi eq, %n, %m : index
    %y = arith.select %diag, %one, %zero : f32
    linalg.yield %y : f32
  } -> tensor<1x4x4xf32>
  %kt0 = tensor.empty() : tensor<1x1x4x4xf32>
  %kt = linalg.transpose ins(%k : tensor<1x1x4x4xf32>) outs(%kt0 : tensor<1x1x4x4xf32>) permutation = [0, 1, 3, 2]
  %qc = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %ktc = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %s0 = tensor.empty() : tensor<1x4x4xf32>
  %s1 = linalg.fill ins(%zero : f32) outs(%s0 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %s = linalg.batch_matmul ins(%qc, %ktc : tensor<1x4x4xf32>, tensor<1x4x4xf32>) outs(%s1 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %se = tensor.expand_shape %s [[0, 1], [2], [3]] output_shape [1, 1, 4, 4] : tensor<1x4x4xf32> into tensor<1x1x4x4xf32>
  %w0 = tensor.empty() : tensor<1x1x4x4xf32>
  %w = linalg.generic {indexing_maps = [#id, #head, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%se, %mask : tensor<1x1x4x4xf32>, tensor<1x4x4xf32>) outs(%w0 : tensor<1x1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %y = arith.mulf %a, %b : f32
    linalg.yield %y : f32
  } -> tensor<1x1x4x4xf32>
  %pc = tensor.collapse_shape %w [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %vc = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %o0 = tensor.empty() : tensor<1x4x4xf32>
  %o1 = linalg.fill ins(%zero : f32) outs(%o0 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %o = linalg.batch_matmul ins(%pc, %vc : tensor<1x4x4xf32>, tensor<1x4x4xf32>) outs(%o1 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %oe = tensor.expand_shape %o [[0, 1], [2], [3]] output_shape [1, 1, 4, 4] : tensor<1x4x4xf32> into tensor<1x1x4x4xf32>
  return %oe : tensor<1x1x4x4xf32>
}

// -----

// One entry, [0, 3, 3], 20 u of f32 off (1 + 20 * 2^-24); gamma = 0.9. The
// constant part of the tolerance for a ratio of entries was 32 u; it is
// 16 u now (4 u per entry).
// CHECK-LABEL: func.func @one_entry_off
// CHECK: linalg.batch_matmul
// CHECK-NOT: retention.parallel
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#head = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
#row = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
#m3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#r3 = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @one_entry_off(%q: tensor<1x1x4x4xf32>, %k: tensor<1x1x4x4xf32>, %v: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %ld = arith.constant -0.105360515 : f32
  %e = tensor.empty() : tensor<1x4x4xf32>
  %mask = linalg.generic {indexing_maps = [#m3], iterator_types = ["parallel", "parallel", "parallel"]} outs(%e : tensor<1x4x4xf32>) {
  ^bb0(%out: f32):
    %n = linalg.index 1 : index
    %m = linalg.index 2 : index
    %causal = arith.cmpi uge, %n, %m : index
    %d = arith.subi %n, %m : index
    %di = arith.index_cast %d : index to i64
    %df = arith.sitofp %di : i64 to f32
    %x = arith.mulf %df, %ld : f32
    %g = math.exp %x : f32
    %corner = arith.constant 3 : index
    %last = arith.cmpi eq, %n, %corner : index
    %first = arith.cmpi eq, %m, %n : index
    %both = arith.andi %last, %first : i1
    %f = arith.constant 1.00000119 : f32
    %one = arith.constant 1.0 : f32
    %kf = arith.select %both, %f, %one : f32
    %gk = arith.mulf %g, %kf : f32
    %y = arith.select %causal, %gk, %zero : f32
    linalg.yield %y : f32
  } -> tensor<1x4x4xf32>
  %kt0 = tensor.empty() : tensor<1x1x4x4xf32>
  %kt = linalg.transpose ins(%k : tensor<1x1x4x4xf32>) outs(%kt0 : tensor<1x1x4x4xf32>) permutation = [0, 1, 3, 2]
  %qc = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %ktc = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %s0 = tensor.empty() : tensor<1x4x4xf32>
  %s1 = linalg.fill ins(%zero : f32) outs(%s0 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %s = linalg.batch_matmul ins(%qc, %ktc : tensor<1x4x4xf32>, tensor<1x4x4xf32>) outs(%s1 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %se = tensor.expand_shape %s [[0, 1], [2], [3]] output_shape [1, 1, 4, 4] : tensor<1x4x4xf32> into tensor<1x1x4x4xf32>
  %w0 = tensor.empty() : tensor<1x1x4x4xf32>
  %w = linalg.generic {indexing_maps = [#id, #head, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%se, %mask : tensor<1x1x4x4xf32>, tensor<1x4x4xf32>) outs(%w0 : tensor<1x1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %y = arith.mulf %a, %b : f32
    linalg.yield %y : f32
  } -> tensor<1x1x4x4xf32>
  %pc = tensor.collapse_shape %w [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %vc = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x1x4x4xf32> into tensor<1x4x4xf32>
  %o0 = tensor.empty() : tensor<1x4x4xf32>
  %o1 = linalg.fill ins(%zero : f32) outs(%o0 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %o = linalg.batch_matmul ins(%pc, %vc : tensor<1x4x4xf32>, tensor<1x4x4xf32>) outs(%o1 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  // expected-remark @+1 {{not raised to retention.parallel: the mask is not gamma^(n-m) times a row factor: in row 3 of head 0}}
  %oe = tensor.expand_shape %o [[0, 1], [2], [3]] output_shape [1, 1, 4, 4] : tensor<1x4x4xf32> into tensor<1x1x4x4xf32>
  return %oe : tensor<1x1x4x4xf32>
}

{-#
  dialect_resources: {
    builtin: {
      short_blob: "0x04000000EC0A02BD"
    }
  }
#-}
