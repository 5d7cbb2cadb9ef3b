//===- GpuModuleToEmulatorBinary.cpp - NVVM kernels as SPIR-V -------------===//

#include "retnet/Codegen/GPU/Passes.h"
#include "retnet/Support/EmulatorBinary.h"

#include "mlir/IR/AttrTypeSubElements.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Linker/Linker.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include <functional>

namespace retnet::gpu {
#define GEN_PASS_DEF_GPUMODULETOEMULATORBINARYPASS
#include "retnet/Codegen/GPU/Passes.h.inc"

const char *const kDefaultShimPath = RETNET_EMULATOR_SHIM;
const char *const kDefaultLlcPath = RETNET_LLC;
} // namespace retnet::gpu

using namespace mlir;
namespace emu = retnet::emulator;

namespace {
constexpr unsigned kGeneric = 4, kGlobal = 1;
constexpr llvm::StringLiteral kShimPrefix = "__retnet_nvvm_";

/// NVVM's generic address space 0 is SPIR's private space: every generic
/// pointer becomes SPIR's generic space, kernel pointer arguments global
/// (cast to generic on entry), allocas stay private (cast to generic).
LogicalResult remapAddressSpaces(ModuleOp module) {
  MLIRContext *ctx = module.getContext();
  AttrTypeReplacer replacer;
  replacer.addReplacement([&](LLVM::LLVMPointerType t) -> std::optional<Type> {
    if (t.getAddressSpace() != 0)
      return std::nullopt;
    return LLVM::LLVMPointerType::get(ctx, kGeneric);
  });
  replacer.recursivelyReplaceElementsIn(module, /*replaceAttrs=*/true,
                                        /*replaceLocs=*/false,
                                        /*replaceTypes=*/true);
  auto generic = LLVM::LLVMPointerType::get(ctx, kGeneric);
  module.walk([&](LLVM::AllocaOp alloca) {
    OpBuilder b(alloca);
    b.setInsertionPointAfter(alloca);
    alloca.getResult().setType(LLVM::LLVMPointerType::get(ctx, 0));
    auto cast = LLVM::AddrSpaceCastOp::create(b, alloca.getLoc(), generic,
                                              alloca.getResult());
    alloca.getResult().replaceAllUsesExcept(cast.getResult(), cast);
  });
  for (auto func : module.getOps<LLVM::LLVMFuncOp>()) {
    if (!func->hasAttr("nvvm.kernel") || func.isExternal())
      continue;
    Block &entry = func.getBody().front();
    OpBuilder b(ctx);
    b.setInsertionPointToStart(&entry);
    SmallVector<Type> params;
    for (BlockArgument arg : entry.getArguments()) {
      if (arg.getType() != generic) {
        params.push_back(arg.getType());
        continue;
      }
      auto global = LLVM::LLVMPointerType::get(ctx, kGlobal);
      arg.setType(global);
      auto cast = LLVM::AddrSpaceCastOp::create(b, func.getLoc(), generic, arg);
      arg.replaceAllUsesExcept(cast.getResult(), cast);
      params.push_back(global);
    }
    func.setFunctionType(LLVM::LLVMFunctionType::get(
        func.getFunctionType().getReturnType(), params));
  }
  return success();
}

/// Calls to NVVM intrinsics and libdevice become calls to the shim; kernels
/// become SPIR kernels with a sub-group of 32. Returns the shim functions
/// the module needs, each with the intrinsic or function it stands for.
llvm::StringMap<std::string> retarget(llvm::Module &m) {
  llvm::StringMap<std::string> needed;
  llvm::LLVMContext &ctx = m.getContext();
  for (llvm::Function &f : llvm::make_early_inc_range(m)) {
    llvm::StringRef name = f.getName();
    if (name.starts_with(kShimPrefix))
      continue;
    if (name.starts_with("llvm.nvvm.")) {
      std::string shim = (kShimPrefix + name.drop_front(10)).str();
      std::replace(shim.begin(), shim.end(), '.', '_');
      needed[shim] = "NVVM intrinsic '" + name.str() + "'";
      // OpenCL C cannot return a struct: an intrinsic returning N values of
      // one type (mma.sync's fragments, ldmatrix's registers) calls a shim
      // returning an N-vector, unpacked into the struct here.
      llvm::FunctionType *type = f.getFunctionType();
      auto *st = llvm::dyn_cast<llvm::StructType>(type->getReturnType());
      llvm::Type *vec = nullptr;
      if (st && st->getNumElements() > 0 && llvm::all_equal(st->elements()))
        vec = llvm::FixedVectorType::get(st->getElementType(0),
                                         st->getNumElements());
      llvm::Function *replacement = llvm::cast<llvm::Function>(
          m.getOrInsertFunction(
               shim, vec ? llvm::FunctionType::get(vec, type->params(),
                                                   type->isVarArg())
                         : type)
              .getCallee());
      replacement->setCallingConv(llvm::CallingConv::SPIR_FUNC);
      for (llvm::User *user : llvm::make_early_inc_range(f.users())) {
        auto *call = llvm::cast<llvm::CallInst>(user);
        llvm::IRBuilder<> b(call);
        SmallVector<llvm::Value *> args(call->args());
        llvm::CallInst *c = b.CreateCall(replacement, args);
        c->setCallingConv(llvm::CallingConv::SPIR_FUNC);
        llvm::Value *result = c;
        if (vec) {
          result = llvm::PoisonValue::get(st);
          for (unsigned i = 0; i < st->getNumElements(); ++i)
            result =
                b.CreateInsertValue(result, b.CreateExtractElement(c, i), i);
        }
        call->replaceAllUsesWith(result);
        call->eraseFromParent();
      }
      f.eraseFromParent();
      continue;
    }
    if (f.isIntrinsic())
      continue;
    if (f.isDeclaration())
      needed[name] = "'" + name.str() + "'";
    if (f.hasFnAttribute("nvvm.maxntid") ||
        f.getCallingConv() == llvm::CallingConv::PTX_Kernel) {
      f.setCallingConv(llvm::CallingConv::SPIR_KERNEL);
      llvm::Metadata *size = llvm::ConstantAsMetadata::get(
          llvm::ConstantInt::get(llvm::Type::getInt32Ty(ctx), 32));
      f.setMetadata("intel_reqd_sub_group_size",
                    llvm::MDNode::get(ctx, {size}));
    } else {
      f.setCallingConv(llvm::CallingConv::SPIR_FUNC);
    }
    for (llvm::StringRef attr : {"nvvm.maxntid", "nvvm.kernel"})
      f.removeFnAttr(attr);
  }
  for (llvm::Function &f : m)
    for (llvm::BasicBlock &bb : f)
      for (llvm::Instruction &inst : bb)
        if (auto *call = llvm::dyn_cast<llvm::CallInst>(&inst))
          if (llvm::Function *callee = call->getCalledFunction();
              callee && !callee->isIntrinsic())
            call->setCallingConv(callee->getCallingConv());
  return needed;
}

/// The CPU runtime takes no SPIR-V bfloat16: bf16 values (and vectors of
/// them) are kept as their 16 bits (i16) and converted by bit manipulation,
/// as arith-expand does: extension is a shift, truncation rounds to nearest
/// even (NaN stays a quiet NaN), a bit cast casts the bits, a vector is
/// built of (and read as) the elements' bits. Fails on a bf16 value used
/// otherwise than loaded, stored, selected, extended, truncated, bit cast,
/// inserted into or extracted from a vector.
llvm::Error lowerBFloat16(llvm::Module &m) {
  llvm::LLVMContext &ctx = m.getContext();
  llvm::Type *bf16 = llvm::Type::getBFloatTy(ctx),
             *i16 = llvm::Type::getInt16Ty(ctx),
             *i32 = llvm::Type::getInt32Ty(ctx),
             *f32 = llvm::Type::getFloatTy(ctx);
  // The type holding the bits of a type with bf16 in it (bf16, vectors and
  // arrays of them), or null.
  std::function<llvm::Type *(llvm::Type *)> bitsType =
      [&](llvm::Type *t) -> llvm::Type * {
    if (t == bf16)
      return i16;
    if (auto *v = llvm::dyn_cast<llvm::VectorType>(t);
        v && v->getElementType() == bf16)
      return llvm::VectorType::get(i16, v->getElementCount());
    if (auto *a = llvm::dyn_cast<llvm::ArrayType>(t))
      if (llvm::Type *e = bitsType(a->getElementType()))
        return llvm::ArrayType::get(e, a->getNumElements());
    return nullptr;
  };
  // Globals of bf16 (shared-memory tiles) hold their bits; opaque pointers
  // and the rewritten GEPs below need nothing else.
  for (llvm::GlobalVariable &g : llvm::make_early_inc_range(m.globals())) {
    llvm::Type *t = bitsType(g.getValueType());
    if (!t)
      continue;
    if (g.hasInitializer() && !llvm::isa<llvm::UndefValue>(g.getInitializer()))
      return llvm::createStringError(
          "an initialised bf16 global the emulator cannot represent");
    auto *bitsGlobal = new llvm::GlobalVariable(
        m, t, g.isConstant(), g.getLinkage(),
        g.hasInitializer() ? llvm::UndefValue::get(t) : nullptr, "", nullptr,
        g.getThreadLocalMode(), g.getAddressSpace());
    bitsGlobal->takeName(&g);
    bitsGlobal->setAlignment(g.getAlign());
    g.replaceAllUsesWith(bitsGlobal);
    g.eraseFromParent();
  }
  for (llvm::Function &f : m) {
    llvm::DenseMap<llvm::Value *, llvm::Value *> bits;
    SmallVector<llvm::Instruction *> dead;
    for (llvm::BasicBlock &bb : f) {
      for (llvm::Instruction &inst : bb) {
        llvm::IRBuilder<> b(&inst);
        auto bitsOf = [&](llvm::Value *v) -> llvm::Value * {
          if (auto *c = llvm::dyn_cast<llvm::ConstantFP>(v))
            return b.getInt(c->getValueAPF().bitcastToAPInt());
          if (llvm::isa<llvm::UndefValue>(v))
            return llvm::PoisonValue::get(bitsType(v->getType()));
          return bits.lookup(v);
        };
        if (auto *gep = llvm::dyn_cast<llvm::GetElementPtrInst>(&inst)) {
          if (gep->getSourceElementType() == bf16)
            gep->setSourceElementType(i16);
          if (gep->getResultElementType() == bf16)
            gep->setResultElementType(i16);
        } else if (auto *load = llvm::dyn_cast<llvm::LoadInst>(&inst);
                   load && load->getType() == bf16) {
          auto *l = b.CreateLoad(i16, load->getPointerOperand());
          l->setAlignment(load->getAlign());
          bits[load] = l;
          dead.push_back(load);
        } else if (auto *store = llvm::dyn_cast<llvm::StoreInst>(&inst);
                   store && store->getValueOperand()->getType() == bf16) {
          llvm::Value *v = bitsOf(store->getValueOperand());
          if (!v)
            return llvm::createStringError(
                "a bf16 value the emulator cannot represent is stored");
          b.CreateAlignedStore(v, store->getPointerOperand(),
                               store->getAlign());
          dead.push_back(store);
        } else if (auto *ext = llvm::dyn_cast<llvm::FPExtInst>(&inst);
                   ext && ext->getSrcTy() == bf16) {
          llvm::Value *v = bitsOf(ext->getOperand(0));
          if (!v || ext->getType() != f32)
            return llvm::createStringError(
                "a bf16 extension the emulator cannot represent");
          llvm::Value *wide = b.CreateShl(b.CreateZExt(v, i32), 16);
          ext->replaceAllUsesWith(b.CreateBitCast(wide, f32));
          dead.push_back(ext);
        } else if (auto *trunc = llvm::dyn_cast<llvm::FPTruncInst>(&inst);
                   trunc && trunc->getType() == bf16) {
          if (trunc->getSrcTy() != f32)
            return llvm::createStringError(
                "a bf16 truncation the emulator cannot represent");
          llvm::Value *x = b.CreateBitCast(trunc->getOperand(0), i32);
          llvm::Value *lsb = b.CreateAnd(b.CreateLShr(x, 16), 1);
          llvm::Value *rounded = b.CreateLShr(
              b.CreateAdd(x, b.CreateAdd(b.getInt32(0x7fff), lsb)), 16);
          llvm::Value *isNan =
              b.CreateFCmpUNO(trunc->getOperand(0), trunc->getOperand(0));
          llvm::Value *r = b.CreateSelect(isNan, b.getInt32(0x7fc0), rounded);
          bits[trunc] = b.CreateTrunc(r, i16);
          dead.push_back(trunc);
        } else if (auto *cast = llvm::dyn_cast<llvm::BitCastInst>(&inst);
                   cast &&
                   (bitsType(cast->getSrcTy()) || bitsType(cast->getType()))) {
          llvm::Value *v = cast->getOperand(0);
          if (bitsType(cast->getSrcTy()) && !(v = bitsOf(v)))
            return llvm::createStringError(
                "a bf16 bit cast the emulator cannot represent");
          if (llvm::Type *t = bitsType(cast->getType()))
            bits[cast] = b.CreateBitCast(v, t);
          else
            cast->replaceAllUsesWith(b.CreateBitCast(v, cast->getType()));
          dead.push_back(cast);
        } else if (auto *insert =
                       llvm::dyn_cast<llvm::InsertElementInst>(&inst);
                   insert && bitsType(insert->getType())) {
          llvm::Value *vec = bitsOf(insert->getOperand(0)),
                      *elem = bitsOf(insert->getOperand(1));
          if (!vec || !elem)
            return llvm::createStringError(
                "a bf16 vector the emulator cannot represent");
          bits[insert] =
              b.CreateInsertElement(vec, elem, insert->getOperand(2));
          dead.push_back(insert);
        } else if (auto *select = llvm::dyn_cast<llvm::SelectInst>(&inst);
                   select && select->getType() == bf16) {
          llvm::Value *x = bitsOf(select->getTrueValue()),
                      *y = bitsOf(select->getFalseValue());
          if (!x || !y)
            return llvm::createStringError(
                "a bf16 select the emulator cannot represent");
          bits[select] = b.CreateSelect(select->getCondition(), x, y);
          dead.push_back(select);
        } else if (auto *extract =
                       llvm::dyn_cast<llvm::ExtractElementInst>(&inst);
                   extract && extract->getType() == bf16) {
          llvm::Value *vec = bitsOf(extract->getVectorOperand());
          if (!vec)
            return llvm::createStringError(
                "a bf16 vector the emulator cannot represent");
          bits[extract] =
              b.CreateExtractElement(vec, extract->getIndexOperand());
          dead.push_back(extract);
        } else if (auto *insert = llvm::dyn_cast<llvm::InsertValueInst>(&inst);
                   insert && bitsType(insert->getType())) {
          llvm::Value *agg = bitsOf(insert->getAggregateOperand()),
                      *elem = insert->getInsertedValueOperand();
          if (bitsType(elem->getType()))
            elem = bitsOf(elem);
          if (!agg || !elem)
            return llvm::createStringError(
                "a bf16 aggregate the emulator cannot represent");
          bits[insert] = b.CreateInsertValue(agg, elem, insert->getIndices());
          dead.push_back(insert);
        } else if (auto *extract =
                       llvm::dyn_cast<llvm::ExtractValueInst>(&inst);
                   extract &&
                   bitsType(extract->getAggregateOperand()->getType())) {
          llvm::Value *agg = bitsOf(extract->getAggregateOperand());
          if (!agg)
            return llvm::createStringError(
                "a bf16 aggregate the emulator cannot represent");
          llvm::Value *part = b.CreateExtractValue(agg, extract->getIndices());
          if (bitsType(extract->getType()))
            bits[extract] = part;
          else
            extract->replaceAllUsesWith(part);
          dead.push_back(extract);
        } else if (bitsType(inst.getType()) ||
                   llvm::any_of(inst.operands(), [&](llvm::Use &u) {
                     return bitsType(u->getType());
                   })) {
          // Anything the cases above did not rewrite (vectors of bf16
          // loaded, stored or converted, phis, arithmetic, ...).
          return llvm::createStringError(
              llvm::Twine("bf16 values in '") + inst.getOpcodeName() +
              "' are not supported by the GPU emulator");
        }
      }
    }
    for (llvm::Instruction *inst : llvm::reverse(dead)) {
      inst->replaceAllUsesWith(llvm::PoisonValue::get(inst->getType()));
      inst->eraseFromParent();
    }
  }
  return llvm::Error::success();
}

struct GpuModuleToEmulatorBinaryPass
    : retnet::gpu::impl::GpuModuleToEmulatorBinaryPassBase<
          GpuModuleToEmulatorBinaryPass> {
  using GpuModuleToEmulatorBinaryPassBase::GpuModuleToEmulatorBinaryPassBase;

  void getDependentDialects(DialectRegistry &registry) const override {
    GpuModuleToEmulatorBinaryPassBase::getDependentDialects(registry);
    registerBuiltinDialectTranslation(registry);
    registerLLVMDialectTranslation(registry);
    registerNVVMDialectTranslation(registry);
  }

  FailureOr<std::string> compile(gpu::GPUModuleOp gpuModule);
  FailureOr<std::string> runLlc(llvm::Module &m, gpu::GPUModuleOp gpuModule);

  void runOnOperation() override {
    for (auto gpuModule :
         llvm::to_vector(getOperation().getOps<gpu::GPUModuleOp>())) {
      FailureOr<std::string> object = compile(gpuModule);
      if (failed(object))
        return signalPassFailure();
      Attribute target = gpuModule.getTargetsAttr()
                             ? gpuModule.getTargetsAttr()[0]
                             : Attribute();
      if (!target)
        target = NVVM::NVVMTargetAttr::get(&getContext());
      OpBuilder b(gpuModule);
      auto objectAttr = gpu::ObjectAttr::get(
          &getContext(), target, gpu::CompilationTarget::Binary,
          b.getStringAttr(*object), /*properties=*/nullptr,
          /*kernels=*/nullptr);
      gpu::BinaryOp::create(b, gpuModule.getLoc(), gpuModule.getName(),
                            /*offloadingHandler=*/nullptr,
                            b.getArrayAttr({objectAttr}));
      gpuModule.erase();
    }
  }
};

/// SPIR-V of the optimised module `m`, compiled by an llc process of its
/// own: LLVM 22's SPIR-V back end keeps its module analysis in a static
/// (SPIRVModuleAnalysis::MAI, llvm/llvm-project#160613), so a module
/// compiled after others in the same process can define an id twice,
/// invalid SPIR-V on which the OpenCL runtime crashes.
FailureOr<std::string>
GpuModuleToEmulatorBinaryPass::runLlc(llvm::Module &m,
                                      gpu::GPUModuleOp gpuModule) {
  auto fail = [&](const Twine &msg) {
    return gpuModule.emitError(msg), failure();
  };
  llvm::SmallString<128> in, out;
  int fd;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("retnet-kernels", "bc", fd, in))
    return fail("cannot create a temporary file: " + ec.message());
  llvm::FileRemover removeIn(in);
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    llvm::WriteBitcodeToFile(m, os);
    os.close();
    if (os.has_error()) {
      std::string why = os.error().message();
      os.clear_error();
      return fail("cannot write the kernels' bitcode: " + why);
    }
  }
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("retnet-kernels", "spv", out))
    return fail("cannot create a temporary file: " + ec.message());
  llvm::FileRemover removeOut(out);
  llvm::StringRef args[] = {
      llcPath, "-O2", "-mtriple=spirv64-unknown-unknown", "-filetype=obj", in,
      "-o",    out};
  std::string message;
  if (llvm::sys::ExecuteAndWait(llcPath, args, /*Env=*/std::nullopt,
                                /*Redirects=*/{}, /*SecondsToWait=*/0,
                                /*MemoryLimit=*/0, &message) != 0)
    return fail("'" + llcPath + "' could not compile the kernels to SPIR-V" +
                (message.empty() ? "" : ": " + message));
  auto spirv = llvm::MemoryBuffer::getFile(out);
  if (!spirv)
    return fail("cannot read llc's SPIR-V: " + spirv.getError().message());
  return (*spirv)->getBuffer().str();
}

FailureOr<std::string>
GpuModuleToEmulatorBinaryPass::compile(gpu::GPUModuleOp gpuModule) {
  // The kernel module's body as an LLVM-dialect module.
  OpBuilder b(gpuModule->getContext());
  OwningOpRef<ModuleOp> device = ModuleOp::create(gpuModule.getLoc());
  b.setInsertionPointToStart(device->getBody());
  for (Operation &op : gpuModule.getBody()->getOperations())
    b.clone(op);
  if (failed(remapAddressSpaces(*device)))
    return failure();

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> m =
      translateModuleToLLVMIR(*device, llvmContext, gpuModule.getName());
  if (!m)
    return gpuModule.emitError("cannot translate the kernel module to LLVM IR");
  llvm::StringMap<std::string> needed = retarget(*m);
  if (llvm::Error e = lowerBFloat16(*m))
    return gpuModule.emitError(llvm::toString(std::move(e)));

  llvm::InitializeAllTargetInfos();
  llvm::InitializeAllTargets();
  llvm::InitializeAllTargetMCs();
  llvm::InitializeAllAsmPrinters();
  llvm::Triple triple("spirv64-unknown-unknown");
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return gpuModule.emitError("LLVM has no SPIR-V back end: ") << error;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, "", "", llvm::TargetOptions(), std::nullopt));
  m->setTargetTriple(triple);
  m->setDataLayout(machine->createDataLayout());

  // Link the shim's definitions of what the kernels call.
  auto buffer = llvm::MemoryBuffer::getFile(shimPath);
  if (!buffer)
    return gpuModule.emitError("cannot read the emulator shim '")
           << shimPath << "': " << buffer.getError().message();
  auto shim = llvm::parseBitcodeFile(**buffer, llvmContext);
  if (!shim)
    return gpuModule.emitError("cannot parse the emulator shim '")
           << shimPath << "': " << llvm::toString(shim.takeError());
  (*shim)->setTargetTriple(triple);
  (*shim)->setDataLayout(m->getDataLayout());
  if (llvm::Linker::linkModules(*m, std::move(*shim),
                                llvm::Linker::Flags::LinkOnlyNeeded))
    return gpuModule.emitError("cannot link the emulator shim");
  for (const auto &entry : needed) {
    llvm::Function *f = m->getFunction(entry.getKey());
    if (f && f->isDeclaration())
      return gpuModule.emitError("the GPU emulator has no shim for ")
             << entry.getValue();
  }
  // Inline every helper into the kernels: the OpenCL CPU compiler maps a
  // sub-group onto SIMD lanes only within a kernel, and a sub-group
  // shuffle in a called function sees one lane (measured: only lane 0 of an
  // mma.sync called from three sites was right).
  for (llvm::Function &f : *m)
    if (!f.isDeclaration() &&
        f.getCallingConv() != llvm::CallingConv::SPIR_KERNEL) {
      f.removeFnAttr(llvm::Attribute::NoInline);
      f.addFnAttr(llvm::Attribute::AlwaysInline);
    }
  if (llvm::verifyModule(*m, &llvm::errs()))
    return gpuModule.emitError("the retargeted kernel module is invalid");

  // Optimise (the shim's calls inline) and compile to SPIR-V.
  {
    llvm::LoopAnalysisManager lam;
    llvm::FunctionAnalysisManager fam;
    llvm::CGSCCAnalysisManager cgam;
    llvm::ModuleAnalysisManager mam;
    llvm::PassBuilder pb(machine.get());
    pb.registerModuleAnalyses(mam);
    pb.registerCGSCCAnalyses(cgam);
    pb.registerFunctionAnalyses(fam);
    pb.registerLoopAnalyses(lam);
    pb.crossRegisterProxies(lam, fam, cgam, mam);
    pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2).run(*m, mam);
  }
  emu::Binary binary;
  for (llvm::Function &f : *m) {
    if (f.getCallingConv() != llvm::CallingConv::SPIR_KERNEL ||
        f.isDeclaration())
      continue;
    emu::Kernel kernel{f.getName().str(), {}};
    for (llvm::Argument &arg : f.args()) {
      llvm::Type *t = arg.getType();
      kernel.arguments.push_back(
          {uint32_t(m->getDataLayout().getTypeAllocSize(t)), t->isPointerTy()});
    }
    binary.kernels.push_back(std::move(kernel));
  }
  FailureOr<std::string> spirv = runLlc(*m, gpuModule);
  if (failed(spirv))
    return failure();
  binary.spirv = std::move(*spirv);
  return emu::encode(binary);
}
} // namespace
