//===- TileParallelLoops.cpp - parallel loops into blocks of threads ------===//

#include "retnet/Codegen/GPU/Passes.h"

#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

namespace retnet::gpu {
#define GEN_PASS_DEF_GPUTILEPARALLELLOOPSPASS
#include "retnet/Codegen/GPU/Passes.h.inc"
} // namespace retnet::gpu

using namespace mlir;

namespace {
/// The iterations of dimension `i` of `loop`, if constant.
std::optional<int64_t> extent(scf::ParallelOp loop, unsigned i) {
  std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound()[i]);
  std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound()[i]);
  std::optional<int64_t> step = getConstantIntValue(loop.getStep()[i]);
  if (!lb || !ub || !step || *step <= 0)
    return std::nullopt;
  return std::max<int64_t>(0, (*ub - *lb + *step - 1) / *step);
}

struct GpuTileParallelLoopsPass
    : retnet::gpu::impl::GpuTileParallelLoopsPassBase<
          GpuTileParallelLoopsPass> {
  using GpuTileParallelLoopsPassBase::GpuTileParallelLoopsPassBase;

  void runOnOperation() override {
    if (threads < 1 || threads > 1024) {
      getOperation().emitError("retnet-gpu-tile-parallel-loops: threads must "
                               "be in [1, 1024] (CUDA's block), got ")
          << static_cast<int64_t>(threads);
      return signalPassFailure();
    }
    SmallVector<scf::ParallelOp> outermost;
    getOperation().walk([&](scf::ParallelOp loop) {
      if (!loop->getParentOfType<scf::ParallelOp>() &&
          !loop->getParentOfType<mlir::gpu::LaunchOp>())
        outermost.push_back(loop);
    });
    // gpu-map-parallel-loops puts the innermost dimension on x, the next
    // on y and z (CUDA allows 64 threads in z, 65535 blocks in y and z);
    // the others stay loops.
    const int64_t limits[] = {1024, 1024, 64};
    const int64_t maxBlocks = 65535;
    for (scf::ParallelOp loop : outermost) {
      unsigned rank = loop.getNumLoops();
      SmallVector<int64_t> sizes(rank, 1);
      int64_t left = threads;
      for (unsigned j = 0; j < std::min(rank, 3u) && left > 1; ++j) {
        unsigned i = rank - 1 - j;
        sizes[i] = std::clamp<int64_t>(extent(loop, i).value_or(left), 1,
                                       std::min(left, limits[j]));
        left /= sizes[i];
      }
      for (unsigned j = 1; j < std::min(rank, 3u); ++j) {
        unsigned i = rank - 1 - j;
        std::optional<int64_t> n = extent(loop, i);
        int64_t blocks = n ? (*n + sizes[i] - 1) / sizes[i] : 0;
        if (blocks > maxBlocks) {
          loop.emitOpError("needs ")
              << blocks << " blocks along grid dimension " << "xyz"[j]
              << ", more than CUDA's " << maxBlocks;
          return signalPassFailure();
        }
      }
      scf::tileParallelLoop(loop, sizes, /*noMinMaxBounds=*/true);
    }
  }
};
} // namespace
