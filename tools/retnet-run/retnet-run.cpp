//===- retnet-run.cpp - JIT-compile and run a function on .npy inputs -----===//
//
// retnet-run FILE.mlir --entry NAME --input a.npy ... [--output o.npy ...]
//
// Lowers FILE (retention IR, linalg on tensors, or IR already lowered by the
// retention-to-llvm pipeline) to the LLVM dialect, JIT-compiles it with MLIR's
// ExecutionEngine and calls NAME through its C interface. Tensor arguments and
// results are exchanged as .npy files; index and integer arguments as 0-d or
// one-element integer .npy files. Every mismatch between the files and the
// signature is reported and gives a non-zero exit.
//
//===----------------------------------------------------------------------===//

#include "retnet/Dialect/Retention/IR/RetentionDialect.h"
#include "retnet/Pipelines/Pipelines.h"
#include "retnet/Runtime/Npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/WithColor.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>

using namespace mlir;
namespace npy = retnet::npy;

static llvm::cl::opt<std::string> inputFilename(llvm::cl::Positional,
                                                llvm::cl::desc("<input.mlir>"),
                                                llvm::cl::init("-"));
static llvm::cl::opt<std::string>
    entryName("entry", llvm::cl::desc("Function to call"),
              llvm::cl::init("main"));
static llvm::cl::list<std::string>
    inputFiles("input", llvm::cl::desc("Argument .npy file, in order"));
static llvm::cl::list<std::string>
    outputFiles("output", llvm::cl::desc("Result .npy file, in order"));
static llvm::cl::opt<unsigned>
    repeat("repeat", llvm::cl::desc("Run N times and print the median time"),
           llvm::cl::init(1));
enum class PipelineKind { Reference, Fused };
static llvm::cl::opt<PipelineKind> pipelineKind(
    "pipeline", llvm::cl::desc("Lowering of retention ops"),
    llvm::cl::values(clEnumValN(PipelineKind::Reference, "reference",
                                "retention-to-llvm (reference lowering)"),
                     clEnumValN(PipelineKind::Fused, "fused",
                                "retention-fused-to-llvm (tiled, decay fused)")),
    llvm::cl::init(PipelineKind::Fused));
static llvm::cl::opt<std::string> objectFile(
    "dump-object",
    llvm::cl::desc("Write the JIT-compiled object code to this file"),
    llvm::cl::value_desc("file"));
static llvm::cl::opt<unsigned> optLevel("O",
                                        llvm::cl::desc("LLVM optimisation level"),
                                        llvm::cl::init(3), llvm::cl::Prefix);

namespace {
/// Reports `msg` and returns the exit code of a failed run.
int fail(const llvm::Twine &msg) {
  llvm::WithColor::error(llvm::errs(), "retnet-run") << msg << "\n";
  return 1;
}

std::string typeString(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  return s;
}

std::optional<npy::DType> dtypeFor(Type elem) {
  if (elem.isF32())
    return npy::DType::F32;
  if (elem.isF16())
    return npy::DType::F16;
  if (elem.isBF16())
    return npy::DType::U16;
  if (elem.isInteger(32))
    return npy::DType::I32;
  if (elem.isInteger(64))
    return npy::DType::I64;
  return std::nullopt;
}

/// A ranked memref descriptor {alloc, aligned, offset, sizes[r], strides[r]}
/// as 64-bit words.
std::vector<int64_t> descriptorFor(void *data, llvm::ArrayRef<int64_t> shape) {
  std::vector<int64_t> desc(3 + 2 * shape.size());
  desc[0] = desc[1] = reinterpret_cast<int64_t>(data);
  desc[2] = 0;
  int64_t stride = 1;
  for (int64_t i = shape.size() - 1; i >= 0; --i) {
    desc[3 + i] = shape[i];
    desc[3 + shape.size() + i] = stride;
    stride *= shape[i];
  }
  return desc;
}

/// Copies a result memref (possibly strided) into a dense array.
npy::Array readResult(const int64_t *desc, RankedTensorType type) {
  std::optional<npy::DType> dtype = dtypeFor(type.getElementType());
  npy::Array out = npy::Array::allocate(*dtype, type.getShape());
  size_t item = npy::itemSize(*dtype);
  int64_t rank = type.getRank();
  const char *base =
      reinterpret_cast<const char *>(desc[1]) + desc[2] * int64_t(item);
  std::vector<int64_t> idx(rank, 0);
  for (int64_t n = 0, e = out.numElements(); n < e; ++n) {
    int64_t off = 0;
    for (int64_t d = 0; d < rank; ++d)
      off += idx[d] * desc[3 + rank + d];
    std::memcpy(out.data.get() + n * item, base + off * item, item);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++idx[d] < type.getDimSize(d))
        break;
      idx[d] = 0;
    }
  }
  return out;
}

void printSummary(unsigned i, const npy::Array &a, Type elem) {
  llvm::outs() << "result " << i << ": " << elem << " "
               << npy::shapeString(a.shape);
  int64_t n = std::min<int64_t>(a.numElements(), 8);
  llvm::outs() << " first values:";
  for (int64_t j = 0; j < n; ++j) {
    double x = 0;
    if (a.dtype == npy::DType::F32)
      x = reinterpret_cast<float *>(a.data.get())[j];
    else if (a.dtype == npy::DType::I32)
      x = reinterpret_cast<int32_t *>(a.data.get())[j];
    else if (a.dtype == npy::DType::I64)
      x = reinterpret_cast<int64_t *>(a.data.get())[j];
    else {
      uint16_t bits = reinterpret_cast<uint16_t *>(a.data.get())[j];
      if (elem.isBF16()) {
        uint32_t w = uint32_t(bits) << 16;
        float f;
        std::memcpy(&f, &w, 4);
        x = f;
      } else {
        x = llvm::APFloat(llvm::APFloat::IEEEhalf(), llvm::APInt(16, bits))
                .convertToFloat();
      }
    }
    llvm::outs() << " " << llvm::format("%.6g", x);
  }
  llvm::outs() << "\n";
}

/// The tensor-level signature of the entry function, or null after
/// reporting why there is none.
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
  return cast<FunctionType>(attr.getValue());
}

int run() {
  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  registry.insert<retnet::retention::RetentionDialect>();
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
    return fail(llvm::formatv("'@{0}' takes {1} arguments, {2} --input files given",
                        entryName, signature.getNumInputs(),
                        inputFiles.size()));
  if (!outputFiles.empty() && outputFiles.size() != signature.getNumResults())
    return fail(llvm::formatv("'@{0}' returns {1} results, {2} --output files given",
                        entryName, signature.getNumResults(),
                        outputFiles.size()));
  for (Type t : signature.getResults()) {
    auto tensor = dyn_cast<RankedTensorType>(t);
    if (!tensor || !tensor.hasStaticShape() ||
        !dtypeFor(tensor.getElementType()))
      return fail("unsupported result type " + typeString(t) +
            " (results must be static tensors of f32, f16, bf16, i32 or i64)");
  }

  // Load and check the inputs before spending time on compilation.
  std::vector<npy::Array> arrays;
  std::vector<std::vector<int64_t>> descriptors;
  std::vector<int64_t> scalars(signature.getNumInputs());
  std::vector<int32_t> scalars32(signature.getNumInputs());
  std::vector<void *> descriptorPtrs(signature.getNumInputs());
  std::vector<void *> args;
  std::vector<int64_t> resultStorage;
  void *resultPtr = nullptr;
  if (signature.getNumResults() > 0) {
    size_t words = 0;
    for (Type t : signature.getResults())
      words += 3 + 2 * cast<RankedTensorType>(t).getRank();
    resultStorage.resize(words);
    resultPtr = resultStorage.data();
    args.push_back(&resultPtr);
  }
  for (auto [i, type] : llvm::enumerate(signature.getInputs())) {
    const std::string &path = inputFiles[i];
    llvm::Expected<npy::Array> array = npy::read(path);
    if (!array)
      return fail("argument " + llvm::Twine(i) + ": " +
            llvm::toString(array.takeError()));
    if (auto tensor = dyn_cast<RankedTensorType>(type)) {
      std::optional<npy::DType> want = dtypeFor(tensor.getElementType());
      if (!want || !tensor.hasStaticShape())
        return fail(llvm::formatv("argument {0}: unsupported type {1}", i,
                            typeString(type)));
      if (array->dtype != *want)
        return fail(llvm::formatv("argument {0}: '{1}' has dtype {2}, expected {3} "
                            "for {4}",
                            i, path, npy::descr(array->dtype),
                            npy::descr(*want), typeString(type)));
      if (llvm::ArrayRef<int64_t>(array->shape) != tensor.getShape())
        return fail(llvm::formatv("argument {0}: '{1}' has shape {2}, expected {3} "
                            "for {4}",
                            i, path, npy::shapeString(array->shape),
                            npy::shapeString(tensor.getShape()),
                            typeString(type)));
      descriptors.push_back(descriptorFor(array->data.get(), array->shape));
      descriptorPtrs[i] = descriptors.back().data();
      args.push_back(&descriptorPtrs[i]);
    } else if (isa<IndexType>(type) || type.isInteger(64) ||
               type.isInteger(32)) {
      if (array->numElements() != 1 ||
          (array->dtype != npy::DType::I64 && array->dtype != npy::DType::I32))
        return fail(llvm::formatv("argument {0}: '{1}' must hold one i32 or i64 "
                            "value for {2}, got {3} of shape {4}",
                            i, path, typeString(type),
                            npy::descr(array->dtype),
                            npy::shapeString(array->shape)));
      int64_t value = array->dtype == npy::DType::I64
                          ? *reinterpret_cast<int64_t *>(array->data.get())
                          : *reinterpret_cast<int32_t *>(array->data.get());
      scalars[i] = value;
      scalars32[i] = int32_t(value);
      args.push_back(type.isInteger(32) ? static_cast<void *>(&scalars32[i])
                                        : static_cast<void *>(&scalars[i]));
    } else {
      return fail(llvm::formatv("argument {0}: unsupported type {1}", i,
                          typeString(type)));
    }
    arrays.push_back(std::move(*array));
  }
  PassManager pm(&context);
  if (pipelineKind == PipelineKind::Fused)
    retnet::buildRetentionFusedToLLVMPipeline(pm);
  else
    retnet::buildRetentionToLLVMPipeline(pm);
  if (failed(pm.run(*module)))
    return fail("lowering '" + inputFilename + "' to the LLVM dialect failed");

  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  // Optimise for the host CPU: without a target machine LLVM's cost models
  // see no vector registers and the loop vectoriser does nothing.
  auto tmBuilder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!tmBuilder)
    return fail("cannot detect the host CPU: " +
                llvm::toString(tmBuilder.takeError()));
  auto targetMachine = tmBuilder->createTargetMachine();
  if (!targetMachine)
    return fail("cannot create a target machine for the host: " +
                llvm::toString(targetMachine.takeError()));
  // ExecutionEngineOptions holds a function_ref: the transformer must outlive
  // the engine's creation.
  std::function<llvm::Error(llvm::Module *)> optimize =
      makeOptimizingTransformer(optLevel, 0, targetMachine->get());
  ExecutionEngineOptions options;
  options.transformer = optimize;
  llvm::StringRef runtimeLibs[] = {RETNET_C_RUNNER_UTILS, RETNET_ASYNC_RUNTIME};
  options.sharedLibPaths = runtimeLibs;
  options.jitCodeGenOptLevel = static_cast<llvm::CodeGenOptLevel>(
      std::min<unsigned>(optLevel, 3));
  options.enableObjectDump = !objectFile.empty();
  auto engine =
      ExecutionEngine::create(*module, options, std::move(*targetMachine));
  if (!engine)
    return fail("JIT compilation failed: " + llvm::toString(engine.takeError()));
  if (!objectFile.empty())
    (*engine)->dumpToObjectFile(objectFile);

  std::string symbol = "_mlir_ciface_" + entryName;
  std::vector<double> times;
  auto freeResults = [&] {
    int64_t *desc = resultStorage.data();
    for (Type t : signature.getResults()) {
      void *alloc = reinterpret_cast<void *>(desc[0]);
      bool isInput = llvm::any_of(arrays, [&](const npy::Array &a) {
        return a.data.get() == alloc;
      });
      if (!isInput)
        std::free(alloc);
      desc += 3 + 2 * cast<RankedTensorType>(t).getRank();
    }
  };
  for (unsigned r = 0; r < std::max(1u, repeat.getValue()); ++r) {
    if (r > 0)
      freeResults();
    auto start = std::chrono::steady_clock::now();
    if (llvm::Error err = (*engine)->invokePacked(symbol, args))
      return fail("cannot call '" + symbol + "': " + llvm::toString(std::move(err)));
    times.push_back(std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start)
                        .count());
  }
  if (repeat > 1) {
    std::sort(times.begin(), times.end());
    llvm::outs() << llvm::formatv("median time over {0} runs: {1:f3} ms\n",
                                  times.size(), times[times.size() / 2]);
  }

  int64_t *desc = resultStorage.data();
  for (auto [i, t] : llvm::enumerate(signature.getResults())) {
    auto tensor = cast<RankedTensorType>(t);
    npy::Array result = readResult(desc, tensor);
    if (outputFiles.empty())
      printSummary(i, result, tensor.getElementType());
    else if (llvm::Error err = npy::write(outputFiles[i], result))
      return fail(llvm::toString(std::move(err)));
    desc += 3 + 2 * tensor.getRank();
  }
  freeResults();
  return 0;
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  // The lowering pipeline is assembled from registered upstream passes.
  registerAllPasses();
  llvm::cl::ParseCommandLineOptions(
      argc, argv, "retnet-mlir CPU runner: JIT-compiles and calls a function\n");
  return run();
}
