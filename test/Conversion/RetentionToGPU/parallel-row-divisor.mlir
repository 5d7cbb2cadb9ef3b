// RUN: retnet-opt %s --convert-retention-to-gpu --canonicalize --cse | FileCheck %s

// A parallel op with a row divisor takes its own kernel (not the tensor-core
// one, which would drop the divisor, even for f16 with Dk a multiple of 16):
// one thread per (batch * head, value column) walks the rows n and the keys
// m <= n, accumulating w v[m, j] and |w|, then divides by the clamped sum.
// CHECK-LABEL: func.func @row_divisor
//   CHECK-DAG:   %[[MIN:.*]] = arith.constant 1.000000e+00 : f32
//   CHECK-DAG:   %[[MAX:.*]] = arith.constant 5.000000e+04 : f32
//       CHECK:   gpu.launch async
//       CHECK:     scf.for %[[N:[^ ]*]] =
//       CHECK:       %[[KEYS:.*]]:2 = scf.for %[[M:[^ ]*]] = {{.*}} iter_args(%[[ACC:.*]] = %{{.*}}, %[[SUM:.*]] = %{{.*}})
//       CHECK:         %[[DOT:.*]] = scf.for
//       CHECK:           math.fma
//       CHECK:         %[[DECAY:.*]] = math.exp
//       CHECK:         %[[SD:.*]] = arith.mulf %[[DOT]], %[[DECAY]]
//       CHECK:         %[[W:.*]] = arith.mulf %[[SD]], %[[NORM:.*]] : f32
//       CHECK:         %[[ACC1:.*]] = math.fma %[[W]], %{{.*}}, %[[ACC]]
//       CHECK:         %[[ABS:.*]] = math.absf %[[W]]
//       CHECK:         %[[SUM1:.*]] = arith.addf %[[SUM]], %[[ABS]]
//       CHECK:         scf.yield %[[ACC1]], %[[SUM1]]
//       CHECK:       %[[LO:.*]] = arith.maximumf %[[KEYS]]#1, %[[MIN]]
//       CHECK:       %[[CLAMPED:.*]] = arith.minimumf %[[LO]], %[[MAX]]
//       CHECK:       %[[O:.*]] = arith.divf %[[KEYS]]#0, %[[CLAMPED]]
//       CHECK:       arith.truncf %[[O]] : f32 to f16
//   CHECK-NOT:   nvgpu.mma.sync
func.func @row_divisor(%q: tensor<1x2x32x16xf16>, %ld: tensor<2xf32>)
    -> tensor<1x2x32x16xf16> {
  %o = retention.parallel %q, %q, %q decay(%ld)
      {row_divisor = #retention.row_divisor<sum_of_abs, min = 1.0, max = 5.0e4>}
      : tensor<1x2x32x16xf16>, tensor<1x2x32x16xf16>, tensor<1x2x32x16xf16>,
        tensor<2xf32> -> tensor<1x2x32x16xf16>
  return %o : tensor<1x2x32x16xf16>
}
