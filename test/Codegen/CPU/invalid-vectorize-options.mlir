// RUN: retnet-opt %s --pass-pipeline='builtin.module(func.func(retnet-vectorize-contractions{block-cols=0}))' -verify-diagnostics
// RUN: retnet-opt %s --pass-pipeline='builtin.module(func.func(retnet-vectorize-contractions{block-k=-1}))' -verify-diagnostics

// expected-error@+1 {{retnet-vectorize-contractions: block-rows and block-cols must be at least 1, block-k at least 0}}
func.func @f() {
  return
}
