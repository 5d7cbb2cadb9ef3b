// RUN: retnet-opt %s --retnet-cpu-approximate-math | FileCheck %s

// Scalar f32 exp and erf (the bodies of elementwise loops) become
// arithmetic (and math.fma / math.floor, which LLVM vectorises): no libm
// call is left for the loop vectoriser to stop at.
// CHECK-LABEL: func.func @f32(
//       CHECK:   math.fma
//   CHECK-NOT:   math.exp
//   CHECK-NOT:   math.erf
//       CHECK:   return
func.func @f32(%x: f32) -> (f32, f32) {
  %e = math.exp %x : f32
  %r = math.erf %x : f32
  return %e, %r : f32, f32
}

// Vectors and f64 keep their math ops.
// CHECK-LABEL: func.func @others(
//       CHECK:   %[[E:.*]] = math.exp %{{.*}} : f64
//       CHECK:   %[[R:.*]] = math.erf %{{.*}} : vector<16xf32>
//       CHECK:   return %[[E]], %[[R]]
func.func @others(%x: f64, %v: vector<16xf32>) -> (f64, vector<16xf32>) {
  %e = math.exp %x : f64
  %r = math.erf %v : vector<16xf32>
  return %e, %r : f64, vector<16xf32>
}
