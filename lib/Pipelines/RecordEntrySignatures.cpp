//===- RecordEntrySignatures.cpp - keep entry signatures for runners ------===//

#include "retnet/Pipelines/Pipelines.h"
#include "retnet/Support/EntrySignature.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace retnet {
#define GEN_PASS_DEF_RECORDENTRYSIGNATURESPASS
#include "retnet/Pipelines/Passes.h.inc"
} // namespace retnet

using namespace mlir;

namespace {
struct RecordEntrySignaturesPass
    : retnet::impl::RecordEntrySignaturesPassBase<RecordEntrySignaturesPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (!func.isPublic() || func.isExternal())
        continue;
      func->setAttr("llvm.emit_c_interface", UnitAttr::get(&getContext()));
      func->setAttr(retnet::kSignatureAttrName,
                    TypeAttr::get(func.getFunctionType()));
      // Callers own their input buffers: bufferization must not write them,
      // except those donated to the call.
      SmallVector<int64_t> donated;
      for (auto [i, type] : llvm::enumerate(func.getArgumentTypes())) {
        if (!isa<TensorType>(type))
          continue;
        bool donate =
            func.getArgAttr(i, retnet::kDonatedArgAttrName) != nullptr;
        if (donate)
          donated.push_back(i);
        func.setArgAttr(i, "bufferization.writable",
                        BoolAttr::get(&getContext(), donate));
      }
      if (!donated.empty())
        func->setAttr(retnet::kDonatedArgsAttrName,
                      DenseI64ArrayAttr::get(&getContext(), donated));
    }
  }
};
} // namespace
