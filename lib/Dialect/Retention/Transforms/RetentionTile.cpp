//===- RetentionTile.cpp - tile retention ops -----------------------------===//

#include "retnet/Dialect/Retention/IR/RetentionOps.h"
#include "retnet/Dialect/Retention/Transforms/Passes.h"
#include "retnet/Dialect/Retention/Transforms/Transforms.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace retnet::retention {
#define GEN_PASS_DEF_RETENTIONTILEPASS
#include "retnet/Dialect/Retention/Transforms/Passes.h.inc"
} // namespace retnet::retention

using namespace mlir;
using namespace retnet::retention;

namespace {
constexpr int64_t kDefaultChunk = 64;

/// The tiles of an op with an initial state write disjoint tiles of the
/// final state, each the very tile of the initial state that it reads. So
/// the initial state can be the loop's destination for the final state,
/// with each tile reading its state from the destination: then
/// bufferization updates the state where it is (e.g. in a decode step's
/// stacked layer states) instead of filling a fresh tensor and copying it
/// back. Left as it is unless the slices match exactly.
void updateStateInPlace(RewriterBase &rewriter, scf::ForallOp loop,
                        RetentionOpInterface tile, Value initialState) {
  OpOperand *stateIn = tile.getStateInOperand();
  Value stateOut = tile.getStateOut();
  if (!stateIn || !stateOut)
    return;
  auto read = stateIn->get().getDefiningOp<tensor::ExtractSliceOp>();
  unsigned result = cast<OpResult>(stateOut).getResultNumber();
  if (!read || read.getSource() != initialState ||
      result >= loop.getNumResults() ||
      loop.getOutputs()[result].getType() != initialState.getType())
    return;
  BlockArgument dest = loop.getRegionIterArgs()[result];
  tensor::ParallelInsertSliceOp write;
  for (Operation &op : loop.getTerminator().getYieldingOps())
    if (auto insert = dyn_cast<tensor::ParallelInsertSliceOp>(op);
        insert && insert.getDest() == dest && insert.getSource() == stateOut)
      write = insert;
  if (!write || !read.isSameAs(write, isEqualConstantIntOrValue))
    return;
  Value oldDest = loop.getOutputs()[result];
  rewriter.modifyOpInPlace(read, [&] { read.getSourceMutable().set(dest); });
  rewriter.modifyOpInPlace(
      loop, [&] { loop.getOutputsMutable()[result].set(initialState); });
  if (Operation *def = oldDest.getDefiningOp(); def && isOpTriviallyDead(def))
    rewriter.eraseOp(def);
}

struct RetentionTilePass
    : retnet::retention::impl::RetentionTilePassBase<RetentionTilePass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<int64_t> sizes(tileSizes.begin(), tileSizes.end());
    if (sizes.empty())
      sizes = {1, 1, 0};
    if (sizes.size() != 3) {
      getOperation()->emitError()
          << "retention-tile: tile-sizes takes three non-negative sizes "
             "(batch, heads, value_dim), got "
          << sizes.size() << " value(s)";
      return signalPassFailure();
    }
    if (llvm::any_of(sizes, [](int64_t s) { return s < 0; })) {
      getOperation()->emitError()
          << "retention-tile: tile-sizes must not be negative, got " << sizes[0]
          << "," << sizes[1] << "," << sizes[2];
      return signalPassFailure();
    }
    if (chunkSize < 0) {
      getOperation()->emitError()
          << "retention-tile: chunk-size must be positive (or 0 for the "
             "default), got "
          << static_cast<int64_t>(chunkSize);
      return signalPassFailure();
    }

    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (isa<RetentionOpInterface>(op))
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (Operation *op : ops) {
      rewriter.setInsertionPoint(op);
      int64_t seq =
          cast<RankedTensorType>(op->getOperand(0).getType()).getDimSize(2);
      int64_t chunk = chunkSize > 0 ? chunkSize
                      : ShapedType::isDynamic(seq)
                          ? kDefaultChunk
                          : std::min(seq, kDefaultChunk);
      // A parallel op that only its own form computes is tiled as it is.
      if (auto par = dyn_cast<ParallelOp>(op)) {
        if (FailureOr<ChunkwiseOp> cw =
                convertParallelToChunkwise(rewriter, par, chunk);
            succeeded(cw))
          op = *cw;
      } else if (auto cw = dyn_cast<ChunkwiseOp>(op); cw && chunkSize > 0)
        rewriter.modifyOpInPlace(cw, [&] { cw.setChunkSize(chunkSize); });

      scf::SCFTilingOptions options;
      options.setTileSizes(getAsIndexOpFoldResult(&getContext(), sizes));
      options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
      rewriter.setInsertionPoint(op);
      FailureOr<scf::SCFTilingResult> tiled =
          scf::tileUsingSCF(rewriter, cast<TilingInterface>(op), options);
      if (failed(tiled)) {
        op->emitOpError("retention-tile: tiling failed");
        return signalPassFailure();
      }
      if (OpOperand *stateIn =
              cast<RetentionOpInterface>(op).getStateInOperand();
          stateIn && tiled->loops.size() == 1 && tiled->tiledOps.size() == 1)
        if (auto loop =
                dyn_cast<scf::ForallOp>(tiled->loops.front().getOperation()))
          updateStateInPlace(
              rewriter, loop,
              cast<RetentionOpInterface>(tiled->tiledOps.front()),
              stateIn->get());
      rewriter.replaceOp(op, tiled->replacements);
    }
  }
};
} // namespace
