// A 16x16 by 16x8 f16 product with f32 accumulation as a vector.contract in
// one warp; lowered by upstream convert-vector-to-gpu{use-nvgpu}, which
// chooses the lanes' fragments itself (MLIR's layouts, independent of the
// emulator's shim) for mma.sync.
#map_a = affine_map<(m, n, k) -> (m, k)>
#map_b = affine_map<(m, n, k) -> (n, k)>
#map_c = affine_map<(m, n, k) -> (m, n)>
func.func @main(%a: tensor<16x16xf16>, %b: tensor<8x16xf16>, %c: tensor<16x8xf32>) -> tensor<16x8xf32> {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %ah = bufferization.to_buffer %a read_only : tensor<16x16xf16> to memref<16x16xf16>
  %bh = bufferization.to_buffer %b read_only : tensor<8x16xf16> to memref<8x16xf16>
  %ch = bufferization.to_buffer %c read_only : tensor<16x8xf32> to memref<16x8xf32>
  %t0 = gpu.wait async
  %ad, %t1 = gpu.alloc async [%t0] () : memref<16x16xf16>
  %t2 = gpu.memcpy async [%t1] %ad, %ah : memref<16x16xf16>, memref<16x16xf16>
  %bd, %t3 = gpu.alloc async [%t2] () : memref<8x16xf16>
  %t4 = gpu.memcpy async [%t3] %bd, %bh : memref<8x16xf16>, memref<8x16xf16>
  %cd, %t5 = gpu.alloc async [%t4] () : memref<16x8xf32>
  %t6 = gpu.memcpy async [%t5] %cd, %ch : memref<16x8xf32>, memref<16x8xf32>
  %t7 = gpu.launch async [%t6] blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%lane, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %c0 = arith.constant 0 : index
    %f0 = arith.constant 0.0 : f16
    %f32z = arith.constant 0.0 : f32
    %A = vector.transfer_read %ad[%c0, %c0], %f0 {in_bounds = [true, true]} : memref<16x16xf16>, vector<16x16xf16>
    %B = vector.transfer_read %bd[%c0, %c0], %f0 {in_bounds = [true, true]} : memref<8x16xf16>, vector<8x16xf16>
    %C = vector.transfer_read %cd[%c0, %c0], %f32z {in_bounds = [true, true]} : memref<16x8xf32>, vector<16x8xf32>
    %D = vector.contract {indexing_maps = [#map_a, #map_b, #map_c],
                          iterator_types = ["parallel", "parallel", "reduction"],
                          kind = #vector.kind<add>} %A, %B, %C
        : vector<16x16xf16>, vector<8x16xf16> into vector<16x8xf32>
    vector.transfer_write %D, %cd[%c0, %c0] {in_bounds = [true, true]} : vector<16x8xf32>, memref<16x8xf32>
    gpu.terminator
  }
  %dh = memref.alloc() : memref<16x8xf32>
  %t8 = gpu.memcpy async [%t7] %dh, %cd : memref<16x8xf32>, memref<16x8xf32>
  gpu.wait [%t8]
  %r = bufferization.to_tensor %dh restrict writable : memref<16x8xf32> to tensor<16x8xf32>
  return %r : tensor<16x8xf32>
}
