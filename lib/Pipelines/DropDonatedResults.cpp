//===- DropDonatedResults.cpp - results returned in donated buffers -------===//

#include "retnet/Pipelines/Pipelines.h"
#include "retnet/Support/EntrySignature.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/BitVector.h"

namespace retnet {
#define GEN_PASS_DEF_DROPDONATEDRESULTSPASS
#include "retnet/Pipelines/Passes.h.inc"
} // namespace retnet

using namespace mlir;

namespace {
struct DropDonatedResultsPass
    : retnet::impl::DropDonatedResultsPassBase<DropDonatedResultsPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      auto donated =
          func->getAttrOfType<DenseI64ArrayAttr>(retnet::kDonatedArgsAttrName);
      if (!donated || !func.isPublic() || func.isExternal() ||
          !func.getBody().hasOneBlock() ||
          func->hasAttr(retnet::kDonatedResultsAttrName))
        continue;
      Block &entry = func.getBody().front();
      auto ret = dyn_cast<func::ReturnOp>(entry.getTerminator());
      if (!ret)
        continue;
      SmallVector<int64_t> pairs;
      llvm::BitVector drop(ret.getNumOperands());
      for (auto [i, value] : llvm::enumerate(ret.getOperands())) {
        auto arg = dyn_cast<BlockArgument>(value);
        if (!arg || arg.getOwner() != &entry ||
            !llvm::is_contained(donated.asArrayRef(), arg.getArgNumber()))
          continue;
        pairs.append({int64_t(i), int64_t(arg.getArgNumber())});
        drop.set(i);
      }
      if (pairs.empty())
        continue;
      // Where the results cannot be erased, they stay (and are cloned).
      if (failed(func.eraseResults(drop)))
        continue;
      ret->eraseOperands(drop);
      func->setAttr(retnet::kDonatedResultsAttrName,
                    DenseI64ArrayAttr::get(&getContext(), pairs));
    }
  }
};
} // namespace
