// RUN: retnet-opt %s --split-input-file --retnet-gpu-device-buffers --verify-diagnostics

// Host code cannot read device memory: an argument is a device buffer.
func.func @host_load(%x: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  // expected-error @below {{'memref.load' op accesses device memory from host code: only kernels may read or write the buffers of a function on the GPU}}
  %v = memref.load %x[%c0] : memref<4xf32>
  return %v : f32
}

// -----

// Nor write it: a buffer that a kernel reads is a device buffer.
func.func @host_store(%x: memref<4xf32>, %v: f32) -> memref<4xf32> {
  %c0 = arith.constant 0 : index
  %a = memref.alloc() : memref<4xf32>
  // expected-error @below {{'memref.store' op accesses device memory from host code}}
  memref.store %v, %a[%c0] : memref<4xf32>
  linalg.copy ins(%a : memref<4xf32>) outs(%x : memref<4xf32>)
  return %x : memref<4xf32>
}

// -----

// A linalg op without a parallel dimension would run on the host.
func.func @full_reduction(%x: memref<4xf32>, %acc: memref<f32>) {
  // expected-error @below {{'linalg.generic' op has no parallel dimension: it would run on the host, which cannot read device memory}}
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> ()>],
                  iterator_types = ["reduction"]}
      ins(%x : memref<4xf32>) outs(%acc : memref<f32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  }
  return
}
