// RUN: retnet-opt %s --convert-retention-to-linalg | FileCheck %s

// The reference parallel form: scores q k^T, the causal decay mask
// exp((n - m) * log_decay) with the row factors, then the product with v.
// CHECK-LABEL: func.func @parallel
// CHECK-SAME: (%[[Q:.*]]: tensor<1x2x7x16xbf16>, %[[K:.*]]: tensor<1x2x7x16xbf16>, %[[V:.*]]: tensor<1x2x7x8xbf16>, %[[LD:.*]]: tensor<2xf32>)
func.func @parallel(%q: tensor<1x2x7x16xbf16>, %k: tensor<1x2x7x16xbf16>,
                    %v: tensor<1x2x7x8xbf16>, %ld: tensor<2xf32>)
    -> tensor<1x2x7x8xbf16> {
  // gamma = 0 (log -inf) is clamped to the lowest finite log(gamma), so
  // that gamma^0 = exp(0 * log(gamma)) is 1, not NaN.
  // CHECK: %[[LOWEST:.*]] = arith.constant -3.40282347E+38 : f32
  // CHECK: %[[LDF:.*]] = linalg.generic {{.*}} ins(%[[LD]] : tensor<2xf32>) outs(%{{.*}} : tensor<2xf32>)
  // CHECK: arith.maximumf %{{.*}}, %[[LOWEST]] : f32
  // CHECK: %[[S:.*]] = linalg.generic
  // CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
  // CHECK-SAME: ins(%[[Q]], %[[K]] : {{.*}}) outs(%{{.*}} : tensor<1x2x7x7xf32>)
  // CHECK: arith.extf %{{.*}} : bf16 to f32
  // The row factors 1/sqrt(sum gamma^i), [heads, seq], in f64.
  // CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[LDF]] : tensor<2xf32>) outs(%{{.*}} : tensor<2x7xf32>)
  // CHECK: math.sqrt %{{.*}} : f64
  // CHECK: %[[W:.*]] = linalg.generic {{.*}} ins(%[[LDF]], %[[R]] : {{.*}}) outs(%[[S]] : tensor<1x2x7x7xf32>)
  // CHECK: arith.cmpi uge
  // CHECK: math.exp
  // CHECK: %[[O:.*]] = linalg.generic {{.*}} ins(%[[W]], %[[V]] : {{.*}}) outs(%{{.*}} : tensor<1x2x7x8xf32>)
  // CHECK: %[[OUT:.*]] = linalg.generic {{.*}} ins(%[[O]] : tensor<1x2x7x8xf32>) outs(%{{.*}} : tensor<1x2x7x8xbf16>)
  // CHECK: arith.truncf %{{.*}} : f32 to bf16
  // CHECK: return %[[OUT]]
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<1x2x7x16xbf16>, tensor<1x2x7x16xbf16>, tensor<1x2x7x8xbf16>,
        tensor<2xf32> -> tensor<1x2x7x8xbf16>
  return %o : tensor<1x2x7x8xbf16>
}
