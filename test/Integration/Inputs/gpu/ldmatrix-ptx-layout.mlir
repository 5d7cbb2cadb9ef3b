// The same product with A and B staged in shared memory and loaded with
// ldmatrix (x4; x2.trans), the row addresses given per the PTX ISA.
func.func @main(%a: tensor<16x16xf16>, %b: tensor<16x8xf16>, %c: tensor<16x8xf32>) -> tensor<16x8xf32> {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %ah = bufferization.to_buffer %a read_only : tensor<16x16xf16> to memref<16x16xf16>
  %bh = bufferization.to_buffer %b read_only : tensor<16x8xf16> to memref<16x8xf16>
  %ch = bufferization.to_buffer %c read_only : tensor<16x8xf32> to memref<16x8xf32>
  %t0 = gpu.wait async
  %ad, %t1 = gpu.alloc async [%t0] () : memref<16x16xf16>
  %t2 = gpu.memcpy async [%t1] %ad, %ah : memref<16x16xf16>, memref<16x16xf16>
  %bd, %t3 = gpu.alloc async [%t2] () : memref<16x8xf16>
  %t4 = gpu.memcpy async [%t3] %bd, %bh : memref<16x8xf16>, memref<16x8xf16>
  %cd, %t5 = gpu.alloc async [%t4] () : memref<16x8xf32>
  %t6 = gpu.memcpy async [%t5] %cd, %ch : memref<16x8xf32>, memref<16x8xf32>
  %t7 = gpu.launch async [%t6] blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%lane, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1)
      workgroup(%sa : memref<16x16xf16, #gpu.address_space<workgroup>>,
                %sb : memref<16x8xf16, #gpu.address_space<workgroup>>) {
    %c0 = arith.constant 0 : index
    %c2 = arith.constant 2 : index
    %c4 = arith.constant 4 : index
    %c8 = arith.constant 8 : index
    %c16 = arith.constant 16 : index
    // Stage A (lane l: row l / 2, columns 8 (l % 2) + 0..7) and B (lanes
    // 0..15: row l, all 8 columns) in shared memory.
    %row = arith.divui %lane, %c2 : index
    %col = arith.muli %c8, %lane : index
    %col8 = arith.remui %col, %c16 : index
    scf.for %j = %c0 to %c8 step %c1 {
      %cj = arith.addi %col8, %j : index
      %x = memref.load %ad[%row, %cj] : memref<16x16xf16>
      memref.store %x, %sa[%row, %cj] : memref<16x16xf16, #gpu.address_space<workgroup>>
    }
    %isB = arith.cmpi ult, %lane, %c16 : index
    scf.if %isB {
      scf.for %j = %c0 to %c8 step %c1 {
        %y = memref.load %bd[%lane, %j] : memref<16x8xf16>
        memref.store %y, %sb[%lane, %j] : memref<16x8xf16, #gpu.address_space<workgroup>>
      }
    }
    gpu.barrier
    // ldmatrix x4 of A: lane l gives the address of row l % 8 of matrix
    // l / 8, matrices A[0:8, 0:8], A[8:16, 0:8], A[0:8, 8:16], A[8:16, 8:16]
    // (so registers a0..a3 are mma.sync's A fragments).
    %m = arith.divui %lane, %c8 : index
    %r8 = arith.remui %lane, %c8 : index
    %mrow = arith.remui %m, %c2 : index
    %mcol = arith.divui %m, %c2 : index
    %arow0 = arith.muli %mrow, %c8 : index
    %arow = arith.addi %arow0, %r8 : index
    %acol = arith.muli %mcol, %c8 : index
    %av = nvgpu.ldmatrix %sa[%arow, %acol] {numTiles = 4 : i32, transpose = false} : memref<16x16xf16, #gpu.address_space<workgroup>> -> vector<4x2xf16>
    // ldmatrix x2.trans of B [K, N]: lanes 0..15 give rows k = l of
    // matrices B[0:8, :] and B[8:16, :]; transposed, lane l gets
    // B[2t, 2t+1][g] (+8), mma.sync's B fragments.
    %l16 = arith.remui %lane, %c16 : index
    %bv = nvgpu.ldmatrix %sb[%l16, %c0] {numTiles = 2 : i32, transpose = true} : memref<16x8xf16, #gpu.address_space<workgroup>> -> vector<2x2xf16>
    %g = arith.divui %lane, %c4 : index
    %t = arith.remui %lane, %c4 : index
    %g8 = arith.addi %g, %c8 : index
    %k0 = arith.muli %t, %c2 : index
    %k1 = arith.addi %k0, %c1 : index
    %c00 = memref.load %cd[%g, %k0] : memref<16x8xf32>
    %c01 = memref.load %cd[%g, %k1] : memref<16x8xf32>
    %c10 = memref.load %cd[%g8, %k0] : memref<16x8xf32>
    %c11 = memref.load %cd[%g8, %k1] : memref<16x8xf32>
    %cv = vector.from_elements %c00, %c01, %c10, %c11 : vector<2x2xf32>
    %d = nvgpu.mma.sync (%av, %bv, %cv) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
    %d00 = vector.extract %d[0, 0] : f32 from vector<2x2xf32>
    %d01 = vector.extract %d[0, 1] : f32 from vector<2x2xf32>
    %d10 = vector.extract %d[1, 0] : f32 from vector<2x2xf32>
    %d11 = vector.extract %d[1, 1] : f32 from vector<2x2xf32>
    memref.store %d00, %cd[%g, %k0] : memref<16x8xf32>
    memref.store %d01, %cd[%g, %k1] : memref<16x8xf32>
    memref.store %d10, %cd[%g8, %k0] : memref<16x8xf32>
    memref.store %d11, %cd[%g8, %k1] : memref<16x8xf32>
    gpu.terminator
  }
  %dh = memref.alloc() : memref<16x8xf32>
  %t8 = gpu.memcpy async [%t7] %dh, %cd : memref<16x8xf32>, memref<16x8xf32>
  gpu.wait [%t8]
  %r = bufferization.to_tensor %dh restrict writable : memref<16x8xf32> to tensor<16x8xf32>
  return %r : tensor<16x8xf32>
}
