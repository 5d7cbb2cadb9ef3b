// RUN: retnet-opt %s --pass-pipeline='builtin.module(func.func(retnet-cpu-pack-matmuls{tasks=0}))' -verify-diagnostics

// expected-error@+1 {{retnet-cpu-pack-matmuls: panel-width, row-tile and tasks must be at least 1}}
func.func @f() {
  return
}
