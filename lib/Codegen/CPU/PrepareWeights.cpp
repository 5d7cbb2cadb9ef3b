//===- PrepareWeights.cpp - pack arguments once, outside the entry --------===//

#include "retnet/Codegen/CPU/Passes.h"
#include "retnet/Support/EntrySignature.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"

namespace retnet::cpu {
#define GEN_PASS_DEF_PREPAREWEIGHTSPASS
#include "retnet/Codegen/CPU/Passes.h.inc"
} // namespace retnet::cpu

using namespace mlir;

namespace {
/// The pack that is the only use of `arg`, packing into a static empty
/// tensor, or null.
linalg::PackOp soleStaticPack(BlockArgument arg) {
  if (!arg.hasOneUse())
    return {};
  auto pack = dyn_cast<linalg::PackOp>(*arg.getUsers().begin());
  if (!pack || pack.getSource() != arg || pack.getPaddingValue() ||
      !pack.getDest().getDefiningOp<tensor::EmptyOp>() ||
      !pack.getDestType().hasStaticShape() ||
      llvm::any_of(pack.getMixedTiles(),
                   [](OpFoldResult t) { return isa<Value>(t); }))
    return {};
  return pack;
}

struct PrepareWeightsPass
    : retnet::cpu::impl::PrepareWeightsPassBase<PrepareWeightsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    for (auto func : llvm::to_vector(module.getOps<func::FuncOp>())) {
      if (!func.isPublic() || func.isExternal() ||
          func->hasAttr(retnet::kPreparerAttrName))
        continue;
      SmallVector<int64_t> positions;
      SmallVector<linalg::PackOp> packs;
      for (BlockArgument arg : func.getArguments())
        if (linalg::PackOp pack = soleStaticPack(arg)) {
          positions.push_back(arg.getArgNumber());
          packs.push_back(pack);
        }
      if (packs.empty())
        continue;

      // @f_prepare(the packed arguments) -> their packs.
      OpBuilder b(func);
      b.setInsertionPointAfter(func);
      SmallVector<Type> inputs, results;
      for (auto [pos, pack] : llvm::zip(positions, packs)) {
        inputs.push_back(func.getArgumentTypes()[pos]);
        results.push_back(pack.getDestType());
      }
      auto preparer = func::FuncOp::create(b, func.getLoc(),
                                           (func.getName() + "_prepare").str(),
                                           b.getFunctionType(inputs, results));
      symbols.insert(preparer);
      Block *entry = preparer.addEntryBlock();
      b.setInsertionPointToStart(entry);
      SmallVector<Value> packed;
      for (auto [i, pack] : llvm::enumerate(packs)) {
        IRMapping mapping;
        mapping.map(pack.getSource(), entry->getArgument(i));
        mapping.map(pack.getDest(),
                    b.clone(*pack.getDest().getDefiningOp())->getResult(0));
        packed.push_back(b.clone(*pack, mapping)->getResult(0));
      }
      func::ReturnOp::create(b, func.getLoc(), packed);

      // @f takes the packed tensors.
      for (auto [pos, pack] : llvm::zip(positions, packs)) {
        BlockArgument arg = func.getArgument(pos);
        Operation *dest = pack.getDest().getDefiningOp();
        arg.setType(pack.getDestType());
        pack.getResult().replaceAllUsesWith(arg);
        pack.erase();
        if (dest->use_empty())
          dest->erase();
      }
      func.setType(b.getFunctionType(func.getBody().getArgumentTypes(),
                                     func.getResultTypes()));
      func->setAttr(retnet::kPreparerAttrName,
                    FlatSymbolRefAttr::get(preparer.getSymNameAttr()));
      func->setAttr(retnet::kPreparedArgsAttrName,
                    b.getDenseI64ArrayAttr(positions));
    }
  }
};
} // namespace
