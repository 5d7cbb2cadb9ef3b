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

  mlir::OpBuilder &b;
  mlir::Location loc;
  /// The operands' element type (f16 or bf16).
  mlir::Type elem;
  mlir::VectorType accType;
  mlir::Value lane, g, t2, zero, zeroAcc;
};

} // namespace retnet::gpu

#endif // RETNET_CODEGEN_GPU_MMASYNC_H
