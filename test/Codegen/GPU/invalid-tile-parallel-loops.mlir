// RUN: retnet-opt %s --retnet-gpu-tile-parallel-loops --verify-diagnostics
// RUN: not retnet-opt %s --retnet-gpu-tile-parallel-loops=threads=0 2>&1 | FileCheck %s --check-prefix=ZERO
// RUN: not retnet-opt %s --retnet-gpu-tile-parallel-loops=threads=2048 2>&1 | FileCheck %s --check-prefix=MAX
// ZERO: error: retnet-gpu-tile-parallel-loops: threads must be in [1, 1024] (CUDA's block), got 0
// MAX: error: retnet-gpu-tile-parallel-loops: threads must be in [1, 1024] (CUDA's block), got 2048

// [70000, 512]: a block of 256 threads along the rows of 512, one row per
// block in y: 70000 blocks, which CUDA does not launch (the emulator would).
func.func @rows(%m: memref<70000x512xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c512 = arith.constant 512 : index
  %c70000 = arith.constant 70000 : index
  %f = arith.constant 1.0 : f32
  // expected-error @below {{'scf.parallel' op needs 70000 blocks along grid dimension y, more than CUDA's 65535}}
  scf.parallel (%i, %j) = (%c0, %c0) to (%c70000, %c512) step (%c1, %c1) {
    memref.store %f, %m[%i, %j] : memref<70000x512xf32>
  }
  return
}
