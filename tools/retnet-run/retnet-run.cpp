//===- retnet-run.cpp - JIT-compile and run a function on .npy inputs -----===//
//
// retnet-run FILE.mlir --entry NAME --input a.npy ... [--output o.npy ...]
//
// Lowers FILE (retention IR, linalg on tensors, or IR already lowered by a
// retnet pipeline) to the LLVM dialect, JIT-compiles it with MLIR's
// ExecutionEngine and calls NAME through its C interface. Tensor arguments
// and results are exchanged as .npy files; index and integer arguments as
// 0-d or one-element integer .npy files. Every mismatch between the files
// and the signature is reported and gives a non-zero exit.
//
//===----------------------------------------------------------------------===//

#include "retnet/Pipelines/Pipelines.h"
#include "retnet/Runtime/GpuRuntime.h"
#include "retnet/Runtime/JitModule.h"
#include "retnet/Support/EntrySignature.h"
#include "retnet/Support/Memory.h"
#include "retnet/Support/Npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"

#include <algorithm>
#include <chrono>
#include <cstring>

using namespace mlir;
namespace npy = retnet::npy;
namespace rt = retnet::runtime;

static llvm::cl::opt<std::string> inputFilename(llvm::cl::Positional,
                                                llvm::cl::desc("<input.mlir>"),
                                                llvm::cl::init("-"));
static llvm::cl::opt<std::string> entryName("entry",
                                            llvm::cl::desc("Function to call"),
                                            llvm::cl::init("main"));
static llvm::cl::list<std::string>
    inputFiles("input", llvm::cl::desc("Argument .npy file, in order"));
static llvm::cl::list<std::string>
    outputFiles("output", llvm::cl::desc("Result .npy file, in order"));
static llvm::cl::opt<unsigned>
    repeat("repeat",
           llvm::cl::desc("Run N times and print the median wall time"),
           llvm::cl::init(1));
static llvm::cl::opt<retnet::CpuLowering>
    pipeline("pipeline", llvm::cl::desc("Lowering of retention ops"),
             llvm::cl::values(
                 clEnumValN(retnet::CpuLowering::Reference, "reference",
                            "retention-to-llvm (reference lowering)"),
                 clEnumValN(retnet::CpuLowering::Fused, "fused",
                            "retention-fused-to-llvm (tiled, decay fused)")),
             llvm::cl::init(retnet::CpuLowering::Fused));
enum class Target { Host, Cuda };
static llvm::cl::opt<Target> target(
    "target", llvm::cl::desc("Where retention ops run"),
    llvm::cl::values(
        clEnumValN(Target::Host, "host", "the host CPU (see --pipeline)"),
        clEnumValN(Target::Cuda, "cuda",
                   "NVIDIA GPU kernels (retention-to-cuda), on the GPU or, "
                   "with --emulate, on the CPU emulator")),
    llvm::cl::init(Target::Host));
static llvm::cl::opt<bool>
    emulate("emulate",
            llvm::cl::desc("With --target cuda: run the kernels on the CPU "
                           "emulator instead of a GPU"),
            llvm::cl::init(false));
static llvm::cl::opt<retnet::CudaChip> chip(
    "chip", llvm::cl::desc("With --target cuda: the GPU generation"),
    llvm::cl::values(clEnumValN(retnet::CudaChip::sm_80, "sm_80", "Ampere"),
                     clEnumValN(retnet::CudaChip::sm_90, "sm_90", "Hopper")),
    llvm::cl::init(retnet::CudaChip::sm_80));
static llvm::cl::opt<std::string> objectFile(
    "dump-object",
    llvm::cl::desc("Write the JIT-compiled object code to this file"),
    llvm::cl::value_desc("file"));
static llvm::cl::opt<unsigned>
    optLevel("O", llvm::cl::desc("LLVM optimisation level"), llvm::cl::init(3),
             llvm::cl::Prefix);

namespace {
/// Reports `msg` and returns the exit code of a failed run.
int fail(const llvm::Twine &msg) {
  llvm::WithColor::error(llvm::errs(), "retnet-run") << msg << "\n";
  return 1;
}

void printSummary(unsigned i, const npy::Array &a, Type elem) {
  llvm::outs() << "result " << i << ": " << elem << " "
               << npy::shapeString(a.shape) << " first values:";
  for (int64_t j = 0, n = std::min<int64_t>(a.numElements(), 8); j < n; ++j) {
    double x = 0;
    const char *p = a.data.get();
    if (a.dtype == npy::DType::F32)
      x = reinterpret_cast<const float *>(p)[j];
    else if (a.dtype == npy::DType::I32)
      x = reinterpret_cast<const int32_t *>(p)[j];
    else if (a.dtype == npy::DType::I64)
      x = reinterpret_cast<const int64_t *>(p)[j];
    else if (elem.isBF16())
      x = npy::bf16ToFloat(reinterpret_cast<const uint16_t *>(p)[j]);
    else
      x = npy::f16ToFloat(reinterpret_cast<const uint16_t *>(p)[j]);
    llvm::outs() << " " << llvm::format("%.6g", x);
  }
  llvm::outs() << "\n";
}

/// The tensor-level signature of the entry function before lowering, or
/// null after reporting why there is none.
FunctionType entrySignature(ModuleOp module) {
  Operation *sym = SymbolTable::lookupSymbolIn(module, entryName);
  if (!sym) {
    fail("no function '@" + entryName + "' in '" + inputFilename + "'");
    return nullptr;
  }
  if (auto func = dyn_cast<func::FuncOp>(sym)) {
    if (func.isExternal()) {
      fail("'@" + entryName + "' is a declaration, not a definition");
      return nullptr;
    }
    return func.getFunctionType();
  }
  auto attr = sym->getAttrOfType<TypeAttr>(retnet::kSignatureAttrName);
  if (!attr || !isa<FunctionType>(attr.getValue())) {
    fail("'@" + entryName + "' has no '" + retnet::kSignatureAttrName +
         "' attribute: lower it with the retention-to-llvm pipeline");
    return nullptr;
  }
  auto type = cast<FunctionType>(attr.getValue());
  // Arguments the lowered code takes prepared are passed as the preparer
  // takes them.
  auto preparer =
      sym->getAttrOfType<FlatSymbolRefAttr>(retnet::kPreparerAttrName);
  auto positions =
      sym->getAttrOfType<DenseI64ArrayAttr>(retnet::kPreparedArgsAttrName);
  if (!preparer || !positions)
    return type;
  Operation *prep = SymbolTable::lookupSymbolIn(module, preparer.getAttr());
  auto prepAttr =
      prep ? prep->getAttrOfType<TypeAttr>(retnet::kSignatureAttrName)
           : TypeAttr();
  auto prepType =
      prepAttr ? dyn_cast<FunctionType>(prepAttr.getValue()) : FunctionType();
  if (!prepType || prepType.getNumInputs() != positions.size() ||
      llvm::any_of(positions.asArrayRef(), [&](int64_t p) {
        return p < 0 || p >= int64_t(type.getNumInputs());
      })) {
    fail("'@" + entryName + "' names preparer '@" + preparer.getValue() +
         "' without a matching recorded signature");
    return nullptr;
  }
  SmallVector<Type> inputs(type.getInputs());
  for (auto [p, t] : llvm::zip(positions.asArrayRef(), prepType.getInputs()))
    inputs[p] = t;
  return FunctionType::get(module.getContext(), inputs, type.getResults());
}

int run() {
  DialectRegistry registry;
  retnet::registerPipelineDialects(registry);
  rt::registerJitTranslations(registry);
  MLIRContext context(registry);

  std::string errorMessage;
  std::unique_ptr<llvm::MemoryBuffer> file =
      openInputFile(inputFilename, &errorMessage);
  if (!file)
    return fail(errorMessage);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return fail("cannot parse '" + inputFilename + "'");

  FunctionType signature = entrySignature(*module);
  if (!signature)
    return 1;
  if (inputFiles.size() != signature.getNumInputs())
    return fail(llvm::formatv("'@{0}' takes {1} arguments, {2} --input files "
                              "given",
                              entryName, signature.getNumInputs(),
                              inputFiles.size()));
  if (!outputFiles.empty() && outputFiles.size() != signature.getNumResults())
    return fail(llvm::formatv("'@{0}' returns {1} results, {2} --output files "
                              "given",
                              entryName, signature.getNumResults(),
                              outputFiles.size()));

  // Load and check the inputs before spending time on compilation.
  std::vector<npy::Array> arrays;
  for (auto [i, type] : llvm::enumerate(signature.getInputs())) {
    llvm::Expected<npy::Array> array = npy::read(inputFiles[i]);
    if (!array)
      return fail("argument " + llvm::Twine(i) + ": " +
                  llvm::toString(array.takeError()));
    std::string why = rt::checkArgument(type, *array);
    if (!why.empty())
      return fail(
          llvm::formatv("argument {0}: '{1}' {2}", i, inputFiles[i], why));
    arrays.push_back(std::move(*array));
  }

  if (emulate && target != Target::Cuda)
    return fail("--emulate needs --target cuda");
  if (target == Target::Cuda) {
    // The back end must be open before the module's kernels are loaded.
    if (const char *why = retnetGpuSelectBackend(emulate ? RETNET_GPU_EMULATOR
                                                         : RETNET_GPU_CUDA))
      return fail(why);
    PassManager pm(&context);
    retnet::CudaPipelineOptions cuda;
    cuda.chip = chip;
    cuda.format =
        emulate ? retnet::CudaFormat::Emulator : retnet::CudaFormat::Fatbin;
    retnet::buildRetentionToCUDAPipeline(pm, cuda);
    if (failed(pm.run(*module)))
      return fail("cannot compile '" + inputFilename + "' for the GPU");
  } else if (failed(retnet::lowerForHostCPU(*module, pipeline))) {
    return fail("cannot lower '" + inputFilename + "' to the LLVM dialect");
  }
  rt::JitModule::Options options;
  options.optLevel = optLevel;
  options.objectFile = objectFile;
  auto jit = rt::JitModule::load(*module, options);
  if (!jit)
    return fail("cannot compile '" + inputFilename +
                "': " + llvm::toString(jit.takeError()));

  std::vector<const npy::Array *> args;
  for (const npy::Array &a : arrays)
    args.push_back(&a);
  // Arguments the compiled code takes prepared (e.g. packed weights) are
  // prepared once, outside the timed calls.
  auto prepared = (*jit)->prepare(entryName, args);
  if (!prepared)
    return fail(llvm::toString(prepared.takeError()));
  std::vector<double> times;
  std::vector<npy::Array> results;
  for (unsigned r = 0; r < std::max(1u, repeat.getValue()); ++r) {
    auto start = std::chrono::steady_clock::now();
    auto out = (*jit)->call(entryName, args, &*prepared);
    if (!out)
      return fail(llvm::toString(out.takeError()));
    times.push_back(std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start)
                        .count());
    results = std::move(*out);
  }
  if (repeat.getNumOccurrences() > 0) {
    std::sort(times.begin(), times.end());
    llvm::outs() << llvm::formatv("median time over {0} runs: {1:f3} ms\n",
                                  times.size(), times[times.size() / 2]);
  }

  for (auto [i, t] : llvm::enumerate(signature.getResults())) {
    if (outputFiles.empty())
      printSummary(i, results[i], cast<RankedTensorType>(t).getElementType());
    else if (llvm::Error err = npy::write(outputFiles[i], results[i]))
      return fail(llvm::toString(std::move(err)));
  }
  return 0;
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  retnet::retainFreedMemory();
  llvm::cl::ParseCommandLineOptions(
      argc, argv,
      "retnet-mlir CPU runner: JIT-compiles and calls a function\n");
  return run();
}
