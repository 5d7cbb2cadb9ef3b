// Shared memory across the 8 warps of a block: thread i writes x[i] into
// shared memory and, after the barrier, reads element 255 - i, which
// another warp wrote. Without the barrier (the negative control) a thread
// reads shared memory before its writer ran.
func.func @main(%x: tensor<256xf32>) -> tensor<256xf32> {
  %c1 = arith.constant 1 : index
  %c256 = arith.constant 256 : index
  %xh = bufferization.to_buffer %x read_only : tensor<256xf32> to memref<256xf32>
  %t0 = gpu.wait async
  %xd, %t1 = gpu.alloc async [%t0] () : memref<256xf32>
  %t2 = gpu.memcpy async [%t1] %xd, %xh : memref<256xf32>, memref<256xf32>
  %yd, %t3 = gpu.alloc async [%t2] () : memref<256xf32>
  %t4 = gpu.launch async [%t3] blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%i, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1)
      workgroup(%s : memref<256xf32, #gpu.address_space<workgroup>>) {
    %c255 = arith.constant 255 : index
    %v = memref.load %xd[%i] : memref<256xf32>
    memref.store %v, %s[%i] : memref<256xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    %j = arith.subi %c255, %i : index
    %w = memref.load %s[%j] : memref<256xf32, #gpu.address_space<workgroup>>
    memref.store %w, %yd[%i] : memref<256xf32>
    gpu.terminator
  }
  %yh = memref.alloc() : memref<256xf32>
  %t5 = gpu.memcpy async [%t4] %yh, %yd : memref<256xf32>, memref<256xf32>
  gpu.wait [%t5]
  %r = bufferization.to_tensor %yh restrict writable : memref<256xf32> to tensor<256xf32>
  return %r : tensor<256xf32>
}
