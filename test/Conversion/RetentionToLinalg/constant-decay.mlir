// RUN: retnet-opt %s --convert-retention-to-linalg | FileCheck %s

// A constant decay folds: the row factors 1/sqrt(sum_{i<=n} gamma^i) are a
// constant tensor, no f64 exp/sqrt remains. gamma = 0.5: 1, 1/sqrt(1.5),
// 1/sqrt(1.75).
// CHECK-LABEL: func.func @constant_decay
// CHECK: %[[R:.*]] = arith.constant dense<{{\[\[}}1.000000e+00, 0.816496611, 0.755928933]]> : tensor<1x3xf32>
// CHECK-NOT: math.sqrt
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[R]] :
func.func @constant_decay(%q: tensor<1x1x3x4xf32>, %k: tensor<1x1x3x4xf32>,
                          %v: tensor<1x1x3x2xf32>) -> tensor<1x1x3x2xf32> {
  %ld = arith.constant dense<-0.693147182> : tensor<1xf32>
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<1x1x3x4xf32>, tensor<1x1x3x4xf32>, tensor<1x1x3x2xf32>,
        tensor<1xf32> -> tensor<1x1x3x2xf32>
  return %o : tensor<1x1x3x2xf32>
}
