// RUN: retnet-opt %s --retention-parallel-to-chunkwise=chunk-size=16 -verify-diagnostics | FileCheck %s
// RUN: retnet-opt %s --retention-to-recurrent 2>&1 | FileCheck %s --check-prefix=REC
// RUN: retnet-opt %s --retention-tile | FileCheck %s --check-prefix=TILE

// A row_divisor divides each row by a sum over all of the row's scores:
// only the parallel form computes it, so the conversions leave the op alone
// and say why; retention-tile tiles it as a parallel op.
// CHECK-LABEL: func.func @row_divisor
// CHECK: retention.parallel {{.*}} {row_divisor = #retention.row_divisor<sum_of_abs, min = 1.000000e+00, max = 5.000000e+04>}
// REC: remark: not converted to the recurrent form: its row_divisor divides each row by a sum over all of the row's scores, which only the parallel form computes
// TILE-LABEL: func.func @row_divisor
// TILE: scf.forall
// TILE: retention.parallel {{.*}} {row_divisor = #retention.row_divisor<sum_of_abs, min = 1.000000e+00, max = 5.000000e+04>} : tensor<1x1x20x16xf32>
func.func @row_divisor(%q: tensor<2x3x20x16xf32>, %ld: tensor<3xf32>)
    -> tensor<2x3x20x16xf32> {
  // expected-remark @+1 {{not converted to the chunkwise form: its row_divisor divides each row by a sum over all of the row's scores, which only the parallel form computes}}
  %o = retention.parallel %q, %q, %q decay(%ld) {row_divisor = #retention.row_divisor<sum_of_abs, min = 1.0, max = 50000.0>}
      : tensor<2x3x20x16xf32>, tensor<2x3x20x16xf32>, tensor<2x3x20x16xf32>,
        tensor<3xf32> -> tensor<2x3x20x16xf32>
  return %o : tensor<2x3x20x16xf32>
}
