// RUN: retnet-opt %s --pass-pipeline='builtin.module(func.func(retnet-cpu-pack-matmuls{tasks=0}))' -verify-diagnostics
// RUN: retnet-opt %s --pass-pipeline='builtin.module(func.func(retnet-cpu-pack-matmuls{streamed-row-tile=0}))' -verify-diagnostics
// RUN: retnet-opt %s --pass-pipeline='builtin.module(func.func(retnet-cpu-pack-matmuls{cached-weight-bytes=-1}))' -verify-diagnostics
// RUN: retnet-opt %s --pass-pipeline='builtin.module(func.func(retnet-cpu-pack-matmuls{row-panel-width=0}))' -verify-diagnostics

// expected-error@+1 {{retnet-cpu-pack-matmuls: panel-width, row-panel-width, row-tile, streamed-row-tile and tasks must be at least 1, cached-weight-bytes at least 0}}
func.func @f() {
  return
}
