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

// Beyond 2^16 row factors the closed form is evaluated in the generated code
// instead: compile time and memory do not grow with T (T = 2^31 here).
// CHECK-LABEL: func.func @long_constant_decay
// CHECK: %[[LD:.*]] = arith.constant dense<[-5.000000e-01, -0.00999999977]> : tensor<2xf32>
// CHECK: %[[LDF:.*]] = linalg.generic {{.*}} ins(%[[LD]] : tensor<2xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[LDF]] : tensor<2xf32>) outs(%{{.*}} : tensor<2x2147483648xf32>)
// CHECK: math.sqrt %{{.*}} : f64
// CHECK-NOT: arith.constant dense
func.func @long_constant_decay(%q: tensor<1x2x2147483648x4xf32>,
                               %k: tensor<1x2x2147483648x4xf32>,
                               %v: tensor<1x2x2147483648x4xf32>)
    -> tensor<1x2x2147483648x4xf32> {
  %ld = arith.constant dense<[-0.5, -0.01]> : tensor<2xf32>
  %o = retention.parallel %q, %k, %v decay(%ld)
      : tensor<1x2x2147483648x4xf32>, tensor<1x2x2147483648x4xf32>,
        tensor<1x2x2147483648x4xf32>, tensor<2xf32>
      -> tensor<1x2x2147483648x4xf32>
  return %o : tensor<1x2x2147483648x4xf32>
}
