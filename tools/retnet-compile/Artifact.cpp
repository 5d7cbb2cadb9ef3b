//===- Artifact.cpp - ahead-of-time CPU artifacts of a model --------------===//

#include "Artifact.h"

#include "retnet/Model/ModelBuilder.h"
#include "retnet/Pipelines/Pipelines.h"
#include "retnet/Runtime/AotFormat.h"
#include "retnet/Runtime/JitModule.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Target/TargetMachine.h"

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
      if (b->data == a.data ||
          (b->dtype == a.dtype && b->shape == a.shape &&
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

/// The optimised object code of `module` (LLVM dialect) for the host CPU,
/// position-independent for a shared library.
Error emitObject(mlir::ModuleOp module, StringRef path) {
  LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> ir =
      mlir::translateModuleToLLVMIR(module, llvmContext, "retnet_model");
  if (!ir)
    return error("translating the model to LLVM IR failed");
  auto builder = orc::JITTargetMachineBuilder::detectHost();
  if (!builder)
    return builder.takeError();
  builder->setRelocationModel(Reloc::PIC_);
  // The JIT's default is the large code model; a library wants the small.
  builder->setCodeModel(CodeModel::Small);
  builder->setCodeGenOptLevel(CodeGenOptLevel::Aggressive);
  auto machine = builder->createTargetMachine();
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
  return Error::success();
}

/// The artifact prepares nothing at run time: drops the preparer of `name`
/// and its C interface once the weights have been prepared with them.
void dropPreparer(mlir::ModuleOp module, StringRef name) {
  mlir::SymbolTable symbols(module);
  for (StringRef fn : {name, StringRef("_mlir_ciface_" + name.str())}) {
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

struct Entry {
  StringRef name;
  ForwardShape shape;
};

/// Builds and lowers `entry`, prepares its weight arguments into `buffers`
/// and writes its object code to `objectPath`. `id`, when given, is defined
/// as retnet_model_id.
Expected<ArgumentTable> compileEntry(mlir::MLIRContext &context,
                                     const Config &config,
                                     const Weights &weights, Entry entry,
                                     std::optional<int64_t> id,
                                     StringRef objectPath, Buffers &buffers) {
  if (Error e = checkForwardShape(config, entry.shape))
    return std::move(e);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      buildForward(context, config, entry.shape);
  mlir::SymbolTable symbols(*module);
  if (failed(symbols.rename(symbols.lookup("forward"), entry.name)))
    return error("cannot name the " + entry.name + " entry");
  if (failed(lowerForHostCPU(*module, CpuLowering::Fused)))
    return error("lowering the " + entry.name +
                 " entry to the LLVM dialect failed");

  auto jit = rt::JitModule::load(*module, {});
  if (!jit)
    return jit.takeError();
  std::vector<const npy::Array *> args = {nullptr};
  for (const npy::Array *w : weights.arguments())
    args.push_back(w);
  args.insert(args.end(), {nullptr, nullptr});
  if (args.size() != RETNET_AOT_WEIGHT_ARGS + 3)
    return error("the model's entries do not take the weight arguments of "
                 "the artifact format");
  auto prepared = (*jit)->prepare(entry.name, args);
  if (!prepared)
    return prepared.takeError();
  ArgumentTable table;
  for (int64_t i = 0; i < RETNET_AOT_WEIGHT_ARGS; ++i) {
    auto it = llvm::find(prepared->positions, i + 1);
    table[i] = it == prepared->positions.end()
                   ? buffers.add(*args[i + 1])
                   : buffers.adopt(std::move(
                         prepared->arrays[it - prepared->positions.begin()]));
  }
  dropPreparer(*module, entry.name);
  // Only the entry and its C interface are the library's: the helpers of
  // both entries' modules must not collide.
  std::string ciface = "_mlir_ciface_" + entry.name.str();
  for (auto fn : module->getOps<mlir::LLVM::LLVMFuncOp>())
    if (!fn.isExternal() && fn.getName() != entry.name &&
        fn.getName() != ciface)
      fn.setLinkage(mlir::LLVM::Linkage::Internal);
  if (id) {
    mlir::OpBuilder b = mlir::OpBuilder::atBlockEnd(module->getBody());
    mlir::LLVM::GlobalOp::create(b, module->getLoc(), b.getI64Type(),
                                 /*isConstant=*/true,
                                 mlir::LLVM::Linkage::External,
                                 "retnet_model_id", b.getI64IntegerAttr(*id));
  }
  if (Error e = emitObject(*module, objectPath))
    return std::move(e);
  return table;
}

int64_t alignUp(int64_t n) {
  return (n + RETNET_AOT_ALIGNMENT - 1) / RETNET_AOT_ALIGNMENT *
         RETNET_AOT_ALIGNMENT;
}

Error writeWeights(StringRef path, int64_t id, const Config &config,
                   int64_t prefillTokens, ArrayRef<ArgumentTable> tables,
                   const Buffers &buffers) {
  ArrayRef<const npy::Array *> all = buffers.all();
  std::vector<int64_t> head(
      RETNET_AOT_HEADER_WORDS + all.size() * RETNET_AOT_BUFFER_WORDS, 0);
  int64_t state[RETNET_AOT_STATE_RANK] = {config.layers, 1, config.heads,
                                          config.keyHeadDim(),
                                          config.valueHeadDim()};
  head[0] = RETNET_AOT_MAGIC;
  head[1] = RETNET_AOT_VERSION;
  head[2] = id;
  head[3] = config.vocabSize;
  head[4] = prefillTokens;
  std::copy(std::begin(state), std::end(state), head.begin() + 5);
  head[10] = all.size();
  for (auto [e, table] : llvm::enumerate(tables))
    std::copy(table.begin(), table.end(),
              head.begin() + 11 + e * RETNET_AOT_WEIGHT_ARGS);
  int64_t offset = alignUp(head.size() * sizeof(int64_t));
  std::vector<int64_t> offsets;
  for (auto [b, a] : llvm::enumerate(all)) {
    if (a->shape.size() > RETNET_AOT_MAX_RANK)
      return error(formatv("weights of rank {0} exceed the artifact format's "
                           "{1}",
                           a->shape.size(), RETNET_AOT_MAX_RANK));
    int64_t *r =
        head.data() + RETNET_AOT_HEADER_WORDS + b * RETNET_AOT_BUFFER_WORDS;
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
  if (os.has_error())
    return error("cannot write '" + path + "': " + os.error().message());
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
                  ArrayRef<std::string> objects, StringRef library) {
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
  argv.append({runtimeArchive, "-lm"});
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

Error retnet::writeCpuArtifact(
    mlir::MLIRContext &context, const Config &config, const Weights &weights,
    const ArtifactOptions &options,
    const std::function<void(const Twine &)> &progress) {
  if (options.prefillTokens < 1)
    return error("--prefill-tokens must be at least 1");
  if (options.prefillTokens > RETNET_AOT_MAX_PREFILL_TOKENS)
    return error(formatv("--prefill-tokens must be at most {0}",
                         RETNET_AOT_MAX_PREFILL_TOKENS));
  int64_t stateElements = config.layers * config.heads * config.keyHeadDim() *
                          config.valueHeadDim();
  if (stateElements > RETNET_AOT_MAX_STATE_ELEMENTS)
    return error(formatv("the model's state of {0} elements exceeds the "
                         "artifact runtime's {1}",
                         stateElements, RETNET_AOT_MAX_STATE_ELEMENTS));
  Expected<std::string> cc = findCompiler(options.cc);
  if (!cc)
    return cc.takeError();
  if (std::error_code ec = sys::fs::create_directories(options.outDir))
    return error("cannot create '" + options.outDir + "': " + ec.message());
  // Ties the library to the weights file written with it.
  std::random_device random;
  int64_t id = (int64_t(random()) << 32 | random()) | 1;

  ForwardShape prefill{Form::Chunkwise,         1,
                       options.prefillTokens,   options.chunk,
                       /*lastLogitsOnly=*/true, options.weightType};
  ForwardShape decode{Form::Recurrent,   1, 1, 1, /*lastLogitsOnly=*/false,
                      options.weightType};
  Entry entries[] = {{"retnet_prefill", prefill}, {"retnet_decode", decode}};
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
    auto table = compileEntry(
        context, config, weights, entry,
        i == 1 ? std::optional<int64_t>(id) : std::nullopt, object, buffers);
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
  if (Error e = linkLibrary(*cc, options.runtimeArchive, objects, library))
    return e;
  if (std::error_code ec = sys::fs::copy_file(options.header, header))
    return error("cannot copy '" + options.header + "' to '" + header +
                 "': " + ec.message());
  if (Error e = writeWeights(weightsPath, id, config, options.prefillTokens,
                             tables, buffers))
    return e;
  progress(formatv("wrote {0}, {1} and {2}", library, header, weightsPath));
  return Error::success();
}
