// RUN: retnet-opt %s --retnet-gpu-tile-parallel-loops=threads=0 --verify-diagnostics

// expected-error @+1 {{retnet-gpu-tile-parallel-loops: threads must be at least 1, got 0}}
func.func @f() {
  return
}
