// RUN: retnet-opt %s --retnet-check-llvm-contract -split-input-file -verify-diagnostics

// Only the LLVM dialect may survive the CPU pipelines, and the OpenMP ops
// of parallel tiles, which the runtime translates.
llvm.func @lowered(%a: i64) -> i64 {
  llvm.return %a : i64
}

llvm.func @parallel_tiles() {
  omp.parallel {
    omp.terminator
  }
  llvm.return
}

// -----

// expected-error @+1 {{'func.func' op survived the lowering to the LLVM dialect: the CPU pipeline cannot translate it}}
func.func @not_lowered() {
  return
}

// -----

llvm.func @partly_lowered() -> i64 {
  // expected-error @+1 {{'arith.constant' op survived the lowering to the LLVM dialect}}
  %c = arith.constant 1 : i64
  llvm.return %c : i64
}
