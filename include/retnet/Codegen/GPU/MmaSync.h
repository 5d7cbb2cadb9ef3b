//===- MmaSync.h - one warp's mma.sync m16n8k16 fragments -------*- C++ -*-===//
//
// What the tensor-core kernels share (the retention kernels of
// Conversion/RetentionToGPU, the products of Codegen/GPU): a lane's place in
// the fragments of mma.sync m16n8k16 with f32 accumulators, per the PTX ISA
// tables (groupID g = lane / 4, t2 = 2 (lane % 4)), and the fragments and
// products themselves, built with builders inside a kernel body.
//
//===----------------------------------------------------------------------===//
#ifndef RETNET_CODEGEN_GPU_MMASYNC_H
#define RETNET_CODEGEN_GPU_MMASYNC_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"

#include <array>

namespace retnet::gpu {

/// One warp's view of mma.sync m16n8k16 on f16 or bf16 operands with f32
/// accumulators. An accumulator is a vector<2x2xf32>: element (r, e) is row
/// g + 8r, column t2 + e of the 16 x 8 tile.
class MmaSync {
public:
  MmaSync(mlir::OpBuilder &b, mlir::Location loc, mlir::Value lane,
          mlir::Type elem)
      : b(b), loc(loc), elem(elem), lane(lane) {
    g = mlir::arith::DivUIOp::create(b, loc, lane, index(4));
    t2 = mulc(mlir::arith::RemUIOp::create(b, loc, lane, index(4)), 2);
    accType = mlir::VectorType::get({2, 2}, b.getF32Type());
    zero = f32(0.0);
    // Built from scalars: the emulator mishandles constant arrays of
    // vectors (what a dense vector<2x2xf32> constant becomes).
    zeroAcc = mlir::vector::FromElementsOp::create(
        b, loc, accType, mlir::ValueRange{zero, zero, zero, zero});
  }

  mlir::Value index(int64_t x) {
    return mlir::arith::ConstantIndexOp::create(b, loc, x).getResult();
  }
  mlir::Value f32(double x) {
    return mlir::arith::ConstantOp::create(b, loc, b.getF32FloatAttr(float(x)));
  }
  mlir::Value add(mlir::Value x, mlir::Value y) {
    return mlir::arith::AddIOp::create(b, loc, x, y);
  }
  mlir::Value addc(mlir::Value x, int64_t c) { return add(x, index(c)); }
  mlir::Value mulc(mlir::Value x, int64_t c) {
    return mlir::arith::MulIOp::create(b, loc, x, index(c));
  }
  mlir::Value toF32(mlir::Value x) {
    return mlir::arith::ExtFOp::create(b, loc, b.getF32Type(), x);
  }
  mlir::Value toElem(mlir::Value x) {
    return mlir::arith::TruncFOp::create(b, loc, elem, x);
  }

  /// A `regs` x 2 operand fragment of `elems` in register order: f16 as
  /// the vector<regs x 2 x f16> of nvgpu.mma.sync; bf16 (which MLIR 22's
  /// nvgpu-to-nvvm cannot type) as the registers of nvvm.mma.sync, i32
  /// words holding two values, the first in the low half (a vector bit
  /// cast: ptxas allocates the packing as well as nvgpu's; shifts and ors
  /// cost spills on sm_90).
  mlir::Value fragment(llvm::ArrayRef<mlir::Value> elems, int64_t regs) {
    if (!elem.isBF16())
      return mlir::vector::FromElementsOp::create(
          b, loc, mlir::VectorType::get({regs, 2}, elem), elems);
    mlir::Type i32 = b.getI32Type();
    llvm::SmallVector<mlir::Value> words;
    for (int64_t i = 0; i < regs; ++i) {
      mlir::Value pair = mlir::vector::FromElementsOp::create(
          b, loc, mlir::VectorType::get({2}, elem),
          mlir::ValueRange{elems[2 * i], elems[2 * i + 1]});
      mlir::Value word = mlir::vector::BitCastOp::create(
          b, loc, mlir::VectorType::get({1}, i32), pair);
      words.push_back(mlir::vector::ExtractOp::create(b, loc, word, 0));
    }
    return mlir::vector::FromElementsOp::create(
        b, loc, mlir::VectorType::get({regs}, i32), words);
  }

  /// D = A B + C on mma.sync m16n8k16 with f32 accumulators.
  mlir::Value mma(mlir::Value a, mlir::Value bFrag, mlir::Value c) {
    if (!elem.isBF16())
      return mlir::nvgpu::MmaSyncOp::create(b, loc, a, bFrag, c,
                                            llvm::ArrayRef<int64_t>{16, 8, 16});
    auto words = [&](mlir::Value frag) {
      llvm::SmallVector<mlir::Value> out;
      for (int64_t i = 0;
           i < llvm::cast<mlir::VectorType>(frag.getType()).getDimSize(0); ++i)
        out.push_back(mlir::vector::ExtractOp::create(b, loc, frag, i));
      return out;
    };
    llvm::SmallVector<mlir::Value> acc;
    unpack(c, acc);
    mlir::Type f32Type = b.getF32Type();
    auto type = mlir::LLVM::LLVMStructType::getLiteral(
        b.getContext(), {f32Type, f32Type, f32Type, f32Type});
    mlir::Value d = mlir::NVVM::MmaOp::create(
        b, loc, type, words(a), words(bFrag), acc,
        llvm::ArrayRef<int64_t>{16, 8, 16},
        /*b1Op=*/std::nullopt, /*intOverflow=*/std::nullopt,
        std::array<mlir::NVVM::MMATypes, 2>{mlir::NVVM::MMATypes::bf16,
                                            mlir::NVVM::MMATypes::bf16},
        std::array<mlir::NVVM::MMALayout, 2>{mlir::NVVM::MMALayout::row,
                                             mlir::NVVM::MMALayout::col});
    llvm::SmallVector<mlir::Value> four;
    for (int64_t i = 0; i < 4; ++i)
      four.push_back(mlir::LLVM::ExtractValueOp::create(b, loc, d, i));
    return pack(four);
  }

  /// Element (r, e) of an accumulator: row g + 8r, column t2 + e of the tile.
  mlir::Value at(mlir::Value acc, int64_t r, int64_t e) {
    return mlir::vector::ExtractOp::create(b, loc, acc,
                                           llvm::ArrayRef<int64_t>{r, e});
  }
  /// The four f32 values of an accumulator, and back: loops carry
  /// accumulators as scalars (LLVM's SPIR-V back end takes no loop-carried
  /// arrays of vectors).
  void unpack(mlir::Value acc, llvm::SmallVectorImpl<mlir::Value> &out) {
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t e = 0; e < 2; ++e)
        out.push_back(at(acc, r, e));
  }
  mlir::Value pack(mlir::ValueRange four) {
    return mlir::vector::FromElementsOp::create(b, loc, accType, four);
  }

  // --- Keeping f32 values within the operand type's range ----------------
  // f16 holds at most 65504: a product computed in f32 and rounded to f16
  // as an operand may become infinite where the result is finite. Scaling
  // by a power of two 2^-e before rounding, and the product's accumulator
  // by 2^e after, changes no rounding (outside the subnormal ranges) and
  // keeps every operand finite.

  /// Whether f32 values may leave the operand type's range when rounded to
  /// it (f16; bf16 has f32's exponent range).
  bool narrowRange() const { return elem.isF16(); }

  mlir::Value i32(int32_t x) {
    return mlir::arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(x));
  }
  /// The largest of the f32 `x` over the lanes whose ids differ from this
  /// lane's only in the bits of `mask` (3: the quad that holds one fragment
  /// row; 31: the warp), by butterfly shuffles. NaN if any is NaN.
  mlir::Value laneMax(mlir::Value x, unsigned mask) {
    for (unsigned bit = 1; bit <= mask; bit <<= 1) {
      if (!(mask & bit))
        continue;
      auto other = mlir::gpu::ShuffleOp::create(b, loc, x, i32(bit), i32(32),
                                                mlir::gpu::ShuffleMode::XOR);
      x = mlir::arith::MaximumFOp::create(b, loc, x, other.getShuffleResult());
    }
    return x;
  }
  /// For an f32 `maxAbs` >= 0, the i32 e >= 0 of the smallest 2^e with
  /// maxAbs * 2^-e < 2^15 (0 below 2^15): every x with |x| <= maxAbs then
  /// rounds to a finite f16 from x * 2^-e. maxAbs < 2^(B - 126) for its
  /// biased exponent B, so e = max(B - 141, 0) (at most 114: inf and NaN
  /// stay what they are).
  mlir::Value rangeExponent(mlir::Value maxAbs) {
    mlir::Value bits =
        mlir::arith::BitcastOp::create(b, loc, b.getI32Type(), maxAbs);
    mlir::Value biased = mlir::arith::ShRUIOp::create(b, loc, bits, i32(23));
    return mlir::arith::MaxSIOp::create(
        b, loc, mlir::arith::SubIOp::create(b, loc, biased, i32(141)), i32(0));
  }
  /// 2^e as an f32 for an i32 e in [-126, 127].
  mlir::Value pow2(mlir::Value e) {
    mlir::Value bits = mlir::arith::ShLIOp::create(
        b, loc, mlir::arith::AddIOp::create(b, loc, e, i32(127)), i32(23));
    return mlir::arith::BitcastOp::create(b, loc, b.getF32Type(), bits);
  }
  /// {2^-e, 2^e} for the i32 e of rangeExponent.
  std::array<mlir::Value, 2> rangeScales(mlir::Value e) {
    return {pow2(mlir::arith::SubIOp::create(b, loc, i32(0), e)), pow2(e)};
  }
  /// `acc` with the elements of row g + 8r multiplied by factors[r].
  mlir::Value scaleRows(mlir::Value acc, std::array<mlir::Value, 2> factors) {
    llvm::SmallVector<mlir::Value> out;
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t e = 0; e < 2; ++e)
        out.push_back(
            mlir::arith::MulFOp::create(b, loc, at(acc, r, e), factors[r]));
    return pack(out);
  }

  mlir::OpBuilder &b;
  mlir::Location loc;
  /// The operands' element type (f16 or bf16).
  mlir::Type elem;
  mlir::VectorType accType;
  mlir::Value lane, g, t2, zero, zeroAcc;
};

} // namespace retnet::gpu

#endif // RETNET_CODEGEN_GPU_MMASYNC_H
