// One bf16 m16n8k16 tensor-core product by one warp (nvvm.mma.sync: A and
// B as .b32 registers holding two bf16, the first in the low half), its
// fragments loaded and stored per the PTX ISA tables (mma.m16n8k16 .bf16
// A/B, same layout as .f16; .f32 C/D), written out here independently of
// the emulator's shim.
func.func @main(%a: tensor<16x16xbf16>, %b: tensor<16x8xbf16>, %c: tensor<16x8xf32>) -> tensor<16x8xf32> {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %ah = bufferization.to_buffer %a read_only : tensor<16x16xbf16> to memref<16x16xbf16>
  %bh = bufferization.to_buffer %b read_only : tensor<16x8xbf16> to memref<16x8xbf16>
  %ch = bufferization.to_buffer %c read_only : tensor<16x8xf32> to memref<16x8xf32>
  %t0 = gpu.wait async
  %ad, %t1 = gpu.alloc async [%t0] () : memref<16x16xbf16>
  %t2 = gpu.memcpy async [%t1] %ad, %ah : memref<16x16xbf16>, memref<16x16xbf16>
  %bd, %t3 = gpu.alloc async [%t2] () : memref<16x8xbf16>
  %t4 = gpu.memcpy async [%t3] %bd, %bh : memref<16x8xbf16>, memref<16x8xbf16>
  %cd, %t5 = gpu.alloc async [%t4] () : memref<16x8xf32>
  %t6 = gpu.memcpy async [%t5] %cd, %ch : memref<16x8xf32>, memref<16x8xf32>
  %t7 = gpu.launch async [%t6] blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%lane, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %c2 = arith.constant 2 : index
    %c4 = arith.constant 4 : index
    %c8 = arith.constant 8 : index
    %g = arith.divui %lane, %c4 : index
    %t = arith.remui %lane, %c4 : index
    %g8 = arith.addi %g, %c8 : index
    %k0 = arith.muli %t, %c2 : index
    %k1 = arith.addi %k0, %c1 : index
    %k8 = arith.addi %k0, %c8 : index
    %k9 = arith.addi %k1, %c8 : index
    // A: a0 = A[g][2t..2t+1], a1 = A[g+8][2t..], a2 = A[g][2t+8..], a3 = A[g+8][2t+8..]
    %a00 = memref.load %ad[%g, %k0] : memref<16x16xbf16>
    %a01 = memref.load %ad[%g, %k1] : memref<16x16xbf16>
    %a10 = memref.load %ad[%g8, %k0] : memref<16x16xbf16>
    %a11 = memref.load %ad[%g8, %k1] : memref<16x16xbf16>
    %a20 = memref.load %ad[%g, %k8] : memref<16x16xbf16>
    %a21 = memref.load %ad[%g, %k9] : memref<16x16xbf16>
    %a30 = memref.load %ad[%g8, %k8] : memref<16x16xbf16>
    %a31 = memref.load %ad[%g8, %k9] : memref<16x16xbf16>
    %a0 = vector.from_elements %a00, %a01 : vector<2xbf16>
    %a1 = vector.from_elements %a10, %a11 : vector<2xbf16>
    %a2 = vector.from_elements %a20, %a21 : vector<2xbf16>
    %a3 = vector.from_elements %a30, %a31 : vector<2xbf16>
    %a0w = vector.bitcast %a0 : vector<2xbf16> to vector<1xi32>
    %a1w = vector.bitcast %a1 : vector<2xbf16> to vector<1xi32>
    %a2w = vector.bitcast %a2 : vector<2xbf16> to vector<1xi32>
    %a3w = vector.bitcast %a3 : vector<2xbf16> to vector<1xi32>
    %ar0 = vector.extract %a0w[0] : i32 from vector<1xi32>
    %ar1 = vector.extract %a1w[0] : i32 from vector<1xi32>
    %ar2 = vector.extract %a2w[0] : i32 from vector<1xi32>
    %ar3 = vector.extract %a3w[0] : i32 from vector<1xi32>
    // B: b0 = B[2t..2t+1][g], b1 = B[2t+8..2t+9][g]
    %b00 = memref.load %bd[%k0, %g] : memref<16x8xbf16>
    %b01 = memref.load %bd[%k1, %g] : memref<16x8xbf16>
    %b10 = memref.load %bd[%k8, %g] : memref<16x8xbf16>
    %b11 = memref.load %bd[%k9, %g] : memref<16x8xbf16>
    %b0 = vector.from_elements %b00, %b01 : vector<2xbf16>
    %b1 = vector.from_elements %b10, %b11 : vector<2xbf16>
    %b0w = vector.bitcast %b0 : vector<2xbf16> to vector<1xi32>
    %b1w = vector.bitcast %b1 : vector<2xbf16> to vector<1xi32>
    %br0 = vector.extract %b0w[0] : i32 from vector<1xi32>
    %br1 = vector.extract %b1w[0] : i32 from vector<1xi32>
    // C, D: c0 = C[g][2t..2t+1], c1 = C[g+8][2t..2t+1]
    %c00 = memref.load %cd[%g, %k0] : memref<16x8xf32>
    %c01 = memref.load %cd[%g, %k1] : memref<16x8xf32>
    %c10 = memref.load %cd[%g8, %k0] : memref<16x8xf32>
    %c11 = memref.load %cd[%g8, %k1] : memref<16x8xf32>
    %d = nvvm.mma.sync A[%ar0, %ar1, %ar2, %ar3] B[%br0, %br1] C[%c00, %c01, %c10, %c11]
        {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>,
         multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>,
         shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
    %d00 = llvm.extractvalue %d[0] : !llvm.struct<(f32, f32, f32, f32)>
    %d01 = llvm.extractvalue %d[1] : !llvm.struct<(f32, f32, f32, f32)>
    %d10 = llvm.extractvalue %d[2] : !llvm.struct<(f32, f32, f32, f32)>
    %d11 = llvm.extractvalue %d[3] : !llvm.struct<(f32, f32, f32, f32)>
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
