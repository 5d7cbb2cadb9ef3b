//===- Artifact.cpp - ahead-of-time CPU artifacts of a model --------------===//

#include "Artifact.h"

#include "retnet/Codegen/CPU/Tiling.h"
#include "retnet/Model/ModelBuilder.h"
#include "retnet/Pipelines/Pipelines.h"
#include "retnet/Runtime/AotFormat.h"
#include "retnet/Runtime/JitModule.h"
#include "retnet/Support/EntrySignature.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"

#include <array>
#include <cstring>
#include <deque>
#include <random>

using namespace llvm;
using namespace retnet;
using namespace retnet::model;
namespace rt = retnet::runtime;

namespace {
Error error(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

using ArgumentTable = std::array<int64_t, RETNET_AOT_WEIGHT_ARGS>;

/// The buffers of the weights file: the checkpoint's arrays and the prepared
/// ones, each stored once even when both entries take it.
class Buffers {
public:
  int64_t add(const npy::Array &a) {
    for (auto [i, b] : llvm::enumerate(buffers))
      if (b->dtype == a.dtype && b->shape == a.shape &&
          (b->data == a.data ||
           std::memcmp(b->data.get(), a.data.get(), a.numBytes()) == 0))
        return i;
    buffers.push_back(&a);
    return buffers.size() - 1;
  }
  int64_t adopt(npy::Array a) {
    owned.push_back(std::move(a));
    return add(owned.back());
  }
  ArrayRef<const npy::Array *> all() const { return buffers; }

private:
  std::deque<npy::Array> owned;
  std::vector<const npy::Array *> buffers;
};

/// The CPU an artifact's code is compiled for.
struct CodeTarget {
  orc::JITTargetMachineBuilder machine;
  /// The x86 features CPUID tells that its code may use, comma-separated
  /// (what the runtime checks at load).
  std::string checkedFeatures;
  /// The fused pipeline's register blocks for it (one packing for every
  /// entry).
  cpu::RegisterBlock registers;
  /// Whether it has AVX512-BF16 dot products.
  bool bf16Dot = false;
  /// How the entries' products by bf16 weights multiply (Widen or Dot).
  Bf16Products bf16Products = Bf16Products::Widen;
};

/// The host CPU, or `cpu` with `features` added or removed, checked against
/// what LLVM knows of the host's target.
Expected<CodeTarget> codeTarget(StringRef cpu, ArrayRef<std::string> features) {
  InitializeNativeTarget();
  InitializeNativeTargetAsmPrinter();
  auto machine = orc::JITTargetMachineBuilder::detectHost();
  if (!machine)
    return machine.takeError();
  const Triple &triple = machine->getTargetTriple();
  std::string message;
  const llvm::Target *target = TargetRegistry::lookupTarget(triple, message);
  if (!target)
    return error(message);
  if (!cpu.empty()) {
    machine->setCPU(cpu.str());
    machine->getFeatures() = SubtargetFeatures();
  }
  std::unique_ptr<MCSubtargetInfo> known(
      target->createMCSubtargetInfo(triple, "", ""));
  if (!known)
    return error("no subtarget information for " + triple.str());
  if (!cpu.empty() && !known->isCPUStringValid(cpu))
    return error("--mcpu: '" + cpu + "' is not a CPU of " +
                 triple.getArchName() + " that LLVM knows");
  for (const std::string &f : features) {
    StringRef name = StringRef(f).drop_front(1);
    if ((f.empty() || (f[0] != '+' && f[0] != '-')) ||
        !llvm::any_of(
            known->getAllProcessorFeatures(),
            [&](const SubtargetFeatureKV &kv) { return name == kv.Key; }))
      return error("--mattr: '" + f + "' is not +FEATURE or -FEATURE with " +
                   "a feature of " + triple.getArchName() + " that LLVM knows");
  }
  machine->addFeatures(features);
  std::unique_ptr<MCSubtargetInfo> chosen(target->createMCSubtargetInfo(
      triple, machine->getCPU(), machine->getFeatures().getString()));
  CodeTarget result{std::move(*machine), "", {0, 0}};
  if (triple.isX86()) {
    // Every feature of the target that CPUID tells (the keys of the host
    // feature map; the others tune code generation) is recorded, for the
    // runtime to check at load; one its tables do not hold is refused here
    // rather than left to an illegal instruction.
    StringSet<> checkable;
#define RETNET_NAME(NAME, ...) checkable.insert(NAME);
    RETNET_AOT_X86_FEATURES(RETNET_NAME)
    RETNET_AOT_X86_VERSIONED_FEATURES(RETNET_NAME)
#undef RETNET_NAME
    StringMap<bool> detectable = sys::getHostCPUFeatures();
    SmallVector<StringRef> used;
    for (const SubtargetFeatureKV &kv : known->getAllProcessorFeatures())
      if (detectable.contains(kv.Key) &&
          chosen->checkFeatures(("+" + Twine(kv.Key)).str()))
        used.push_back(kv.Key);
    for (StringRef f : used)
      if (!checkable.contains(f))
        return error("the code for this CPU would use the x86 feature '" + f +
                     "', which an artifact's runtime cannot check at load; "
                     "build with --mattr=-" +
                     f);
    result.checkedFeatures = llvm::join(used, ",");
  }
  // The entries share the packed weights of one file.
  result.registers = cpu::sharedPanelRegisterBlockFor(
      triple.isX86() && chosen->checkFeatures("+avx512f"));
  result.bf16Dot = triple.isX86() && chosen->checkFeatures("+avx512bf16");
  return result;
}

/// The optimised object code of `module` (LLVM dialect) for `target`,
/// position-independent for a shared library.
Error emitObject(mlir::ModuleOp module, const CodeTarget &target,
                 StringRef path) {
  LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> ir =
      mlir::translateModuleToLLVMIR(module, llvmContext, "retnet_model");
  if (!ir)
    return error("translating the model to LLVM IR failed");
  orc::JITTargetMachineBuilder builder = target.machine;
  builder.setRelocationModel(Reloc::PIC_);
  // The JIT's default is the large code model; a library wants the small.
  builder.setCodeModel(CodeModel::Small);
  builder.setCodeGenOptLevel(CodeGenOptLevel::Aggressive);
  auto machine = builder.createTargetMachine();
  if (!machine)
    return machine.takeError();
  ir->setDataLayout((*machine)->createDataLayout());
  ir->setTargetTriple((*machine)->getTargetTriple());
  if (Error e = mlir::makeOptimizingTransformer(3, 0, machine->get())(ir.get()))
    return e;
  std::error_code ec;
  raw_fd_ostream os(path, ec, sys::fs::OF_None);
  if (ec)
    return error("cannot write '" + path + "': " + ec.message());
  legacy::PassManager pm;
  if ((*machine)->addPassesToEmitFile(pm, os, nullptr,
                                      CodeGenFileType::ObjectFile))
    return error("the host target cannot emit object files");
  pm.run(*ir);
  os.close();
  if (os.has_error()) {
    std::error_code ec = os.error();
    os.clear_error();
    return error("cannot write '" + path + "': " + ec.message());
  }
  return Error::success();
}

/// The artifact prepares nothing at run time: drops the preparer of `name`
/// and its C interface once the weights have been prepared with them.
void dropPreparer(mlir::ModuleOp module, StringRef name) {
  mlir::SymbolTable symbols(module);
  for (const std::string &fn : {name.str(), "_mlir_ciface_" + name.str()}) {
    auto entry = symbols.lookup<mlir::LLVM::LLVMFuncOp>(fn);
    if (!entry)
      continue;
    if (auto preparer =
            entry->getAttrOfType<mlir::FlatSymbolRefAttr>("retnet.preparer")) {
      for (std::string p : {preparer.getValue().str(),
                            "_mlir_ciface_" + preparer.getValue().str()})
        if (mlir::Operation *op = symbols.lookup(p))
          symbols.erase(op);
      entry->removeAttr("retnet.preparer");
    }
  }
}

/// An entry of the library: a @forward for `tokens` tokens per call.
struct Entry {
  std::string name;
  int64_t tokens;
  ForwardShape shape;
  /// What its weight arguments must be: for each, the words of a buffer
  /// record before the offset (element bytes, rank, shape).
  std::vector<int64_t> layout;
};

/// The words of a buffer record before its offset (AotFormat.h).
std::vector<int64_t> recordOf(int64_t elementBytes, ArrayRef<int64_t> shape) {
  std::vector<int64_t> r(2 + RETNET_AOT_MAX_RANK, 0);
  r[0] = elementBytes;
  r[1] = shape.size();
  std::copy(shape.begin(), shape.end(), r.begin() + 2);
  return r;
}

/// Defines the library's retnet_model_id, retnet_model_entry_count,
/// retnet_model_cpu_features and retnet_model_entries (AotFormat.h) in
/// `module`, which holds one of the entries; the others are declared (only
/// their addresses are taken).
void defineEntryTable(mlir::ModuleOp module, int64_t id, int64_t vocab,
                      ArrayRef<int64_t> state, ArrayRef<Entry> entries,
                      StringRef cpuFeatures) {
  namespace LLVM = mlir::LLVM;
  mlir::MLIRContext *ctx = module.getContext();
  mlir::Location loc = module.getLoc();
  mlir::OpBuilder b = mlir::OpBuilder::atBlockEnd(module.getBody());
  mlir::Type i64 = b.getI64Type();
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  mlir::SymbolTable symbols(module);
  for (const Entry &e : entries)
    if (!symbols.lookup("_mlir_ciface_" + e.name))
      LLVM::LLVMFuncOp::create(
          b, loc, "_mlir_ciface_" + e.name,
          LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), {}));
  LLVM::GlobalOp::create(b, loc, i64, /*isConstant=*/true,
                         LLVM::Linkage::External, "retnet_model_id",
                         b.getI64IntegerAttr(id));
  LLVM::GlobalOp::create(b, loc, i64, /*isConstant=*/true,
                         LLVM::Linkage::External, "retnet_model_entry_count",
                         b.getI64IntegerAttr(entries.size()));
  std::string features = (cpuFeatures + Twine('\0')).str();
  LLVM::GlobalOp::create(
      b, loc, LLVM::LLVMArrayType::get(b.getI8Type(), features.size()),
      /*isConstant=*/true, LLVM::Linkage::External, "retnet_model_cpu_features",
      b.getStringAttr(features));
  // The weights file must match what the code was compiled for.
  std::vector<int64_t> layout = {vocab};
  llvm::append_range(layout, state);
  for (const Entry &e : entries)
    llvm::append_range(layout, e.layout);
  auto layoutType =
      mlir::RankedTensorType::get({static_cast<int64_t>(layout.size())}, i64);
  LLVM::GlobalOp::create(
      b, loc, LLVM::LLVMArrayType::get(i64, layout.size()),
      /*isConstant=*/true, LLVM::Linkage::External, "retnet_model_layout",
      mlir::DenseElementsAttr::get(layoutType, ArrayRef<int64_t>(layout)));
  auto entryType = LLVM::LLVMStructType::getLiteral(ctx, {i64, ptr});
  auto tableType = LLVM::LLVMArrayType::get(entryType, entries.size());
  auto table = LLVM::GlobalOp::create(
      b, loc, tableType, /*isConstant=*/true, LLVM::Linkage::External,
      "retnet_model_entries", mlir::Attribute());
  b.createBlock(&table.getInitializerRegion());
  mlir::Value value = LLVM::UndefOp::create(b, loc, tableType);
  for (auto [i, e] : llvm::enumerate(entries)) {
    mlir::Value tokens =
        LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(e.tokens));
    mlir::Value fn =
        LLVM::AddressOfOp::create(b, loc, ptr, "_mlir_ciface_" + e.name);
    int64_t at = i;
    value = LLVM::InsertValueOp::create(b, loc, value, tokens,
                                        ArrayRef<int64_t>{at, 0});
    value = LLVM::InsertValueOp::create(b, loc, value, fn,
                                        ArrayRef<int64_t>{at, 1});
  }
  LLVM::ReturnOp::create(b, loc, value);
}

/// Checks that the lowered `entry` has the calling convention of the C
/// runtime (AotFormat.h) and records its weight arguments' layout: tokens,
/// the 16 weights, the state, whose new value is the argument's buffer (left
/// out of the results), the position; one result, the last logits.
Error checkConvention(mlir::ModuleOp module, const Config &config,
                      Entry &entry) {
  auto fn = mlir::SymbolTable::lookupNearestSymbolFrom<mlir::LLVM::LLVMFuncOp>(
      module, mlir::StringAttr::get(module.getContext(), entry.name));
  auto sig = fn ? fn->getAttrOfType<mlir::TypeAttr>(kSignatureAttrName)
                : mlir::TypeAttr();
  auto donated =
      fn ? fn->getAttrOfType<mlir::DenseI64ArrayAttr>(kDonatedResultsAttrName)
         : mlir::DenseI64ArrayAttr();
  auto type =
      sig ? dyn_cast<mlir::FunctionType>(sig.getValue()) : mlir::FunctionType();
  auto tensor = [&](mlir::Type t, ArrayRef<int64_t> shape, mlir::Type element) {
    auto r = dyn_cast<mlir::RankedTensorType>(t);
    return r && r.getShape() == shape && r.getElementType() == element;
  };
  mlir::Builder b(module.getContext());
  int64_t state[] = {config.layers, 1, config.heads, config.keyHeadDim(),
                     config.valueHeadDim()};
  bool ok = type && donated &&
            type.getNumInputs() == RETNET_AOT_WEIGHT_ARGS + 3 &&
            type.getNumResults() == 2 &&
            donated.asArrayRef() ==
                ArrayRef<int64_t>{1, RETNET_AOT_WEIGHT_ARGS + 1} &&
            tensor(type.getInput(0), {1, entry.tokens}, b.getI64Type()) &&
            tensor(type.getInput(RETNET_AOT_WEIGHT_ARGS + 1), state,
                   b.getF32Type()) &&
            isa<mlir::IndexType>(type.getInput(RETNET_AOT_WEIGHT_ARGS + 2)) &&
            tensor(type.getResult(0), {1, 1, config.vocabSize}, b.getF32Type());
  entry.layout.clear();
  for (int64_t i = 1; ok && i <= RETNET_AOT_WEIGHT_ARGS; ++i) {
    auto t = dyn_cast<mlir::RankedTensorType>(type.getInput(i));
    std::optional<npy::DType> dtype =
        t ? rt::dtypeFor(t.getElementType()) : std::nullopt;
    ok = dtype && t.getRank() <= RETNET_AOT_MAX_RANK;
    if (ok)
      llvm::append_range(entry.layout,
                         recordOf(npy::itemSize(*dtype), t.getShape()));
  }
  if (!ok)
    return error("the compiled " + entry.name +
                 " entry does not have the calling convention of the "
                 "artifact runtime");
  return Error::success();
}

/// Builds and lowers `entry`, prepares its weight arguments into `buffers`
/// and writes its object code to `objectPath`; `addTable`, when given,
/// adds the entry table to the module first.
Expected<ArgumentTable>
compileEntry(mlir::MLIRContext &context, const Config &config,
             const Weights &weights, const ArtifactOptions &options,
             const CodeTarget &target, Entry &entry, StringRef objectPath,
             Buffers &buffers,
             llvm::function_ref<void(mlir::ModuleOp)> addTable) {
  if (Error e = checkForwardShape(config, entry.shape))
    return std::move(e);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      buildForward(context, config, entry.shape);
  mlir::SymbolTable symbols(*module);
  if (failed(symbols.rename(symbols.lookup("forward"), entry.name)))
    return error("cannot name the " + entry.name + " entry");
  if (options.device == ArtifactOptions::Device::CUDA) {
    mlir::PassManager pm(&context);
    CudaPipelineOptions cuda;
    cuda.chip = options.chip;
    cuda.format = options.emulate ? CudaFormat::Emulator : CudaFormat::Fatbin;
    buildGraphToCUDAPipeline(pm, cuda);
    if (failed(pm.run(*module)))
      return error("compiling the " + entry.name + " entry for the GPU failed");
  } else if (failed(lowerForHostCPU(
                 *module, CpuLowering::Fused, target.registers.rows,
                 target.registers.cols, target.bf16Products))) {
    return error("lowering the " + entry.name +
                 " entry to the LLVM dialect failed");
  }
  if (Error e = checkConvention(*module, config, entry))
    return std::move(e);

  std::vector<const npy::Array *> args = {nullptr};
  for (const npy::Array *w : weights.arguments())
    args.push_back(w);
  args.insert(args.end(), {nullptr, nullptr});
  if (args.size() != RETNET_AOT_WEIGHT_ARGS + 3)
    return error("the model's entries do not take the weight arguments of "
                 "the artifact format");
  // CPU code takes some weights prepared (packed) by its preparer, run
  // here once; the GPU's takes them as they are.
  rt::JitModule::Prepared prepared;
  if (options.device == ArtifactOptions::Device::CPU) {
    auto jit = rt::JitModule::load(*module, {});
    if (!jit)
      return jit.takeError();
    auto p = (*jit)->prepare(entry.name, args);
    if (!p)
      return p.takeError();
    prepared = std::move(*p);
  }
  ArgumentTable table;
  for (int64_t i = 0; i < RETNET_AOT_WEIGHT_ARGS; ++i) {
    auto it = llvm::find(prepared.positions, i + 1);
    table[i] = it == prepared.positions.end()
                   ? buffers.add(*args[i + 1])
                   : buffers.adopt(std::move(
                         prepared.arrays[it - prepared.positions.begin()]));
    const npy::Array *a = buffers.all()[table[i]];
    std::vector<int64_t> want(
        entry.layout.begin() + i * (2 + RETNET_AOT_MAX_RANK),
        entry.layout.begin() + (i + 1) * (2 + RETNET_AOT_MAX_RANK));
    if (recordOf(npy::itemSize(a->dtype), a->shape) != want)
      return error(formatv("weight argument {0} of the {1} entry has shape "
                           "{2}, not the compiled one",
                           i, entry.name, npy::shapeString(a->shape)));
  }
  dropPreparer(*module, entry.name);
  // Only the entry and its C interface are the library's: the helpers of
  // both entries' modules must not collide.
  std::string ciface = "_mlir_ciface_" + entry.name;
  for (auto fn : module->getOps<mlir::LLVM::LLVMFuncOp>())
    if (!fn.isExternal() && fn.getName() != entry.name &&
        fn.getName() != ciface)
      fn.setLinkage(mlir::LLVM::Linkage::Internal);
  if (addTable)
    addTable(*module);
  if (Error e = emitObject(*module, target, objectPath))
    return std::move(e);
  return table;
}

int64_t alignUp(int64_t n) {
  return (n + RETNET_AOT_ALIGNMENT - 1) / RETNET_AOT_ALIGNMENT *
         RETNET_AOT_ALIGNMENT;
}

Error writeWeights(StringRef path, int64_t id, const Config &config,
                   ArrayRef<Entry> entries, ArrayRef<ArgumentTable> tables,
                   const Buffers &buffers) {
  ArrayRef<const npy::Array *> all = buffers.all();
  size_t records =
      RETNET_AOT_FIXED_WORDS + entries.size() * RETNET_AOT_ENTRY_WORDS;
  std::vector<int64_t> head(records + all.size() * RETNET_AOT_BUFFER_WORDS, 0);
  int64_t state[RETNET_AOT_STATE_RANK] = {config.layers, 1, config.heads,
                                          config.keyHeadDim(),
                                          config.valueHeadDim()};
  head[0] = RETNET_AOT_MAGIC;
  head[1] = RETNET_AOT_VERSION;
  head[2] = id;
  head[3] = config.vocabSize;
  head[4] = entries.size();
  std::copy(std::begin(state), std::end(state), head.begin() + 5);
  head[10] = all.size();
  for (auto [e, entry, table] : llvm::enumerate(entries, tables)) {
    int64_t *r =
        head.data() + RETNET_AOT_FIXED_WORDS + e * RETNET_AOT_ENTRY_WORDS;
    r[0] = entry.tokens;
    std::copy(table.begin(), table.end(), r + 1);
  }
  int64_t offset = alignUp(head.size() * sizeof(int64_t));
  std::vector<int64_t> offsets;
  for (auto [b, a] : llvm::enumerate(all)) {
    if (a->shape.size() > RETNET_AOT_MAX_RANK)
      return error(formatv("weights of rank {0} exceed the artifact format's "
                           "{1}",
                           a->shape.size(), RETNET_AOT_MAX_RANK));
    int64_t *r = head.data() + records + b * RETNET_AOT_BUFFER_WORDS;
    r[0] = npy::itemSize(a->dtype);
    r[1] = a->shape.size();
    std::copy(a->shape.begin(), a->shape.end(), r + 2);
    r[2 + RETNET_AOT_MAX_RANK] = offset;
    r[3 + RETNET_AOT_MAX_RANK] = a->numBytes();
    offsets.push_back(offset);
    offset = alignUp(offset + a->numBytes());
  }
  std::error_code ec;
  raw_fd_ostream os(path, ec, sys::fs::OF_None);
  if (ec)
    return error("cannot write '" + path + "': " + ec.message());
  os.write(reinterpret_cast<const char *>(head.data()),
           head.size() * sizeof(int64_t));
  for (auto [a, at] : llvm::zip(all, offsets)) {
    os.write_zeros(at - os.tell());
    os.write(a->data.get(), a->numBytes());
  }
  os.close();
  if (os.has_error()) {
    std::error_code ec = os.error();
    os.clear_error();
    return error("cannot write '" + path + "': " + ec.message());
  }
  return Error::success();
}

/// The C compiler driver `name` (a path, or a program on PATH).
Expected<std::string> findCompiler(StringRef name) {
  ErrorOr<std::string> cc = sys::findProgramByName(name);
  if (!cc || !sys::fs::can_execute(*cc))
    return error("cannot find the C compiler '" + name +
                 "' that links the library (--cc)");
  return *cc;
}

Error linkLibrary(StringRef cc, StringRef runtimeArchive,
                  ArrayRef<std::string> objects, StringRef library,
                  StringRef gpuRuntimeArchive) {
  SmallString<128> log;
  if (std::error_code ec =
          sys::fs::createTemporaryFile("retnet-build", "log", log))
    return error("cannot create a temporary file: " + ec.message());
  FileRemover removeLog(log);
  // The pool of Threads.c must stay mapped while its workers live.
  SmallVector<StringRef> argv = {cc,   "-shared", "-pthread", "-Wl,-z,nodelete",
                                 "-o", library};
  for (const std::string &o : objects)
    argv.push_back(o);
  // All of the runtime: the API is what the program calls, whatever the
  // compiled code happens to reference.
  argv.append(
      {"-Wl,--whole-archive", runtimeArchive, "-Wl,--no-whole-archive"});
  // The GPU runtime and the C++ library it uses, linked in with their symbols
  // kept inside: the artifact needs no C++ runtime where it runs and does not
  // interpose on another library's.
  std::string excluded;
  if (!gpuRuntimeArchive.empty()) {
    excluded = ("-Wl,--exclude-libs," + sys::path::filename(gpuRuntimeArchive) +
                ":libstdc++.a")
                   .str();
    argv.append({gpuRuntimeArchive, "-Wl,-Bstatic", "-lstdc++", "-Wl,-Bdynamic",
                 "-static-libgcc", excluded, "-ldl"});
  }
  argv.push_back("-lm");
  std::optional<StringRef> redirects[] = {std::nullopt, log.str(), log.str()};
  std::string message;
  int rc =
      sys::ExecuteAndWait(cc, argv, std::nullopt, redirects, 0, 0, &message);
  if (rc == 0)
    return Error::success();
  auto output = MemoryBuffer::getFile(log);
  return error(formatv("linking '{0}' with {1} failed{2}{3}\n{4}", library, cc,
                       message.empty() ? "" : ": ", message,
                       output ? (*output)->getBuffer() : ""));
}
} // namespace

Error retnet::writeArtifact(
    mlir::MLIRContext &context, const Config &config, const Weights &weights,
    const ArtifactOptions &options,
    const std::function<void(const Twine &)> &progress) {
  if (options.prefillTokens.size() >= RETNET_AOT_MAX_ENTRIES)
    return error(formatv("--prefill-tokens takes at most {0} lengths",
                         RETNET_AOT_MAX_ENTRIES - 1));
  for (int64_t tokens : options.prefillTokens) {
    if (tokens < 1)
      return error("--prefill-tokens must be at least 1");
    if (tokens > RETNET_AOT_MAX_PREFILL_TOKENS)
      return error(formatv("--prefill-tokens must be at most {0}",
                           RETNET_AOT_MAX_PREFILL_TOKENS));
  }
  int64_t stateElements = config.layers * config.heads * config.keyHeadDim() *
                          config.valueHeadDim();
  if (stateElements > RETNET_AOT_MAX_STATE_ELEMENTS)
    return error(formatv("the model's state of {0} elements exceeds the "
                         "artifact runtime's {1}",
                         stateElements, RETNET_AOT_MAX_STATE_ELEMENTS));
  Expected<CodeTarget> target = codeTarget(options.cpu, options.features);
  if (!target)
    return target.takeError();
  // The weights are packed here by the entries' preparers, JIT-compiled
  // with the rest of the module for this machine: dot products need
  // AVX512-BF16 on both.
  bool hostDot = cpu::hostHasBF16Dot();
  if (options.bf16Products == Bf16Products::Dot && !target->bf16Dot)
    return error("--bf16-products dot needs a CPU with AVX512-BF16, which "
                 "the target lacks");
  if (options.bf16Products == Bf16Products::Dot && !hostDot)
    return error("--bf16-products dot needs AVX512-BF16 on the build "
                 "machine too, which packs the weights");
  target->bf16Products =
      resolveBf16Products(options.bf16Products, target->bf16Dot && hostDot);
  Expected<std::string> cc = findCompiler(options.cc);
  if (!cc)
    return cc.takeError();
  if (std::error_code ec = sys::fs::create_directories(options.outDir))
    return error("cannot create '" + options.outDir + "': " + ec.message());
  // Ties the library to the weights file written with it.
  std::random_device random;
  int64_t id = (int64_t(random()) << 32 | random()) | 1;

  // The prefills, longest first, then the decode step, which takes the
  // one-token remainders.
  std::vector<int64_t> lengths = options.prefillTokens;
  llvm::sort(lengths, std::greater<int64_t>());
  lengths.erase(std::unique(lengths.begin(), lengths.end()), lengths.end());
  int64_t state[] = {config.layers, 1, config.heads, config.keyHeadDim(),
                     config.valueHeadDim()};
  std::vector<Entry> entries;
  for (int64_t tokens : lengths)
    if (tokens > 1)
      entries.push_back(
          {"retnet_prefill_" + std::to_string(tokens), tokens,
           ForwardShape{Form::Chunkwise, 1, tokens, options.chunk,
                        /*lastLogitsOnly=*/true, options.weightType},
           /*layout=*/{}});
  entries.push_back({"retnet_decode", 1,
                     ForwardShape{Form::Recurrent, 1, 1, 1,
                                  /*lastLogitsOnly=*/false, options.weightType},
                     /*layout=*/{}});
  Buffers buffers;
  std::vector<ArgumentTable> tables;
  std::vector<std::string> objects;
  std::vector<std::unique_ptr<FileRemover>> removers;
  for (auto [i, entry] : llvm::enumerate(entries)) {
    SmallString<128> object;
    if (std::error_code ec =
            sys::fs::createTemporaryFile(entry.name, "o", object))
      return error("cannot create a temporary file: " + ec.message());
    removers.push_back(std::make_unique<FileRemover>(object));
    auto addTable = [&](mlir::ModuleOp module) {
      defineEntryTable(module, id, config.vocabSize, state, entries,
                       target->checkedFeatures);
    };
    auto table = compileEntry(
        context, config, weights, options, *target, entry, object, buffers,
        i + 1 == entries.size()
            ? llvm::function_ref<void(mlir::ModuleOp)>(addTable)
            : nullptr);
    if (!table)
      return table.takeError();
    tables.push_back(*table);
    objects.push_back(object.str().str());
    progress("compiled " + entry.name);
  }

  SmallString<256> library(options.outDir), header(options.outDir),
      weightsPath(options.outDir);
  sys::path::append(library, "libretnet_model.so");
  sys::path::append(header, "retnet_model.h");
  sys::path::append(weightsPath, "model.weights");
  bool gpu = options.device == ArtifactOptions::Device::CUDA;
  if (Error e = linkLibrary(
          *cc, gpu ? options.cudaRuntimeArchive : options.runtimeArchive,
          objects, library, gpu ? options.gpuRuntimeArchive : StringRef()))
    return e;
  if (std::error_code ec = sys::fs::copy_file(options.header, header))
    return error("cannot copy '" + options.header + "' to '" + header +
                 "': " + ec.message());
  if (Error e = writeWeights(weightsPath, id, config, entries, tables, buffers))
    return e;
  progress(formatv("wrote {0}, {1} and {2}", library, header, weightsPath));
  return Error::success();
}
