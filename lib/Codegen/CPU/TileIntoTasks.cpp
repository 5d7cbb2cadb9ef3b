//===- TileIntoTasks.cpp - the ops between the products, in tasks ---------===//

#include "retnet/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace retnet::cpu {
#define GEN_PASS_DEF_TILEINTOTASKSPASS
#include "retnet/Codegen/CPU/Passes.h.inc"
} // namespace retnet::cpu

using namespace mlir;
using namespace retnet::cpu;

namespace {
struct TileIntoTasks : OpInterfaceRewritePattern<linalg::LinalgOp> {
  TileIntoTasks(MLIRContext *ctx, const TileIntoTasksPassOptions &options)
      : OpInterfaceRewritePattern(ctx), options(options) {}

  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    // A fill is fused into the task of the op that consumes it.
    if (isa<linalg::FillOp>(op) || !op.hasPureTensorSemantics() ||
        op.hasDynamicShape() || op->getParentOfType<scf::ForallOp>())
      return rewriter.notifyMatchFailure(op, "not a static op outside tasks");
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    int64_t work = 1;
    for (int64_t r : ranges)
      work *= r;
    int64_t wanted = std::min(options.tasks, work / options.minTaskWork);
    // Tiles of the parallel loops, outermost first, until enough tasks.
    SmallVector<int64_t> sizes(ranges.size(), 0);
    int64_t tasks = 1;
    for (auto [d, type] : llvm::enumerate(op.getIteratorTypesArray())) {
      if (type != utils::IteratorType::parallel || tasks >= wanted)
        continue;
      int64_t count = largestDivisorUpTo(ranges[d], wanted / tasks);
      if (count > 1)
        sizes[d] = ranges[d] / count;
      tasks *= count;
    }
    if (tasks < 2)
      return rewriter.notifyMatchFailure(op, "too little work to share");

    scf::SCFTileAndFuseOptions tiling;
    tiling.tilingOptions.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp)
        .setTileSizes(getAsIndexOpFoldResult(op.getContext(), sizes));
    tiling.setFusionControlFn(
        [](tensor::ExtractSliceOp, OpResult producer,
           bool) -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
          if (isa<linalg::FillOp>(producer.getOwner()))
            return scf::SCFTileAndFuseOptions::ControlFnResult{};
          return std::nullopt;
        });
    FailureOr<scf::SCFTileAndFuseResult> tiled =
        scf::tileConsumerAndFuseProducersUsingSCF(
            rewriter, cast<TilingInterface>(op.getOperation()), tiling);
    if (failed(tiled))
      return rewriter.notifyMatchFailure(op, "tiling into tasks failed");
    SmallVector<Value> results;
    for (Value result : op->getResults())
      results.push_back(tiled->replacements.lookup(result));
    SmallVector<Value> inits = op.getDpsInits();
    rewriter.replaceOp(op, results);
    // The fills now done in the tasks.
    for (Value init : inits)
      if (auto fill = init.getDefiningOp<linalg::FillOp>();
          fill && isOpTriviallyDead(fill))
        rewriter.eraseOp(fill);
    return success();
  }

  TileIntoTasksPassOptions options;
};

struct TileIntoTasksPass
    : retnet::cpu::impl::TileIntoTasksPassBase<TileIntoTasksPass> {
  using TileIntoTasksPassBase::TileIntoTasksPassBase;
  void runOnOperation() override {
    if (tasks < 1 || minTaskWork < 1) {
      getOperation().emitError("retnet-cpu-tile-into-tasks: tasks and "
                               "min-task-work must be at least 1");
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    populateTileIntoTasksPatterns(patterns, {tasks, minTaskWork});
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};
} // namespace

void retnet::cpu::populateTileIntoTasksPatterns(
    RewritePatternSet &patterns, const TileIntoTasksPassOptions &options) {
  patterns.add<TileIntoTasks>(patterns.getContext(), options);
}
