//===- JitModule.cpp - JIT-compile lowered modules and call them ----------===//

#include "retnet/Runtime/JitModule.h"
#include "retnet/Runtime/GpuRuntime.h"
#include "retnet/Runtime/MemrefAllocator.h"
#include "retnet/Support/EntrySignature.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/TargetSelect.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

using namespace mlir;
using namespace retnet;
using namespace retnet::runtime;

namespace {
llvm::Error error(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

std::string str(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  return s;
}

/// A ranked memref descriptor {alloc, aligned, offset, sizes[r], strides[r]}
/// of a dense array, as 64-bit words.
std::vector<int64_t> descriptorFor(void *data, llvm::ArrayRef<int64_t> shape) {
  std::vector<int64_t> desc(3 + 2 * shape.size());
  desc[0] = desc[1] = reinterpret_cast<int64_t>(data);
  int64_t stride = 1;
  for (int64_t i = shape.size() - 1; i >= 0; --i) {
    desc[3 + i] = shape[i];
    desc[3 + shape.size() + i] = stride;
    stride *= shape[i];
  }
  return desc;
}

/// Whether the memref descriptor `desc` of `type` lays its elements out
/// densely in row-major order (unit dimensions may have any stride).
bool isDense(const int64_t *desc, RankedTensorType type) {
  int64_t rank = type.getRank();
  for (int64_t d = rank - 1, stride = 1; d >= 0; --d) {
    if (desc[3 + rank + d] != stride && type.getDimSize(d) != 1)
      return false;
    stride *= type.getDimSize(d);
  }
  return true;
}

/// A result memref that is dense and 64-byte aligned as an array that takes
/// ownership of its allocation (freed with std::free, as the runtime's
/// allocator allocates); nullopt otherwise.
std::optional<npy::Array> adoptResult(const int64_t *desc,
                                      RankedTensorType type) {
  npy::DType dtype = *dtypeFor(type.getElementType());
  size_t item = npy::itemSize(dtype);
  char *data = reinterpret_cast<char *>(desc[1]) + desc[2] * int64_t(item);
  if (reinterpret_cast<uintptr_t>(data) % 64 != 0 || !isDense(desc, type))
    return std::nullopt;
  npy::Array out;
  out.dtype = dtype;
  out.shape.assign(type.getShape().begin(), type.getShape().end());
  std::shared_ptr<char> allocation(reinterpret_cast<char *>(desc[0]),
                                   std::free);
  out.data = std::shared_ptr<char>(std::move(allocation), data);
  return out;
}

/// A result memref that is the whole of the donated array `donated` (same
/// start, dense, same shape and type) as an array sharing its storage;
/// nullopt otherwise.
std::optional<npy::Array> shareDonated(const int64_t *desc,
                                       RankedTensorType type,
                                       const npy::Array &donated) {
  if (desc[1] != desc[0] || desc[2] != 0 ||
      dtypeFor(type.getElementType()) != donated.dtype ||
      type.getShape() != llvm::ArrayRef<int64_t>(donated.shape) ||
      !isDense(desc, type))
    return std::nullopt;
  return donated;
}

/// Copies a result memref (possibly strided) into a dense array.
npy::Array readResult(const int64_t *desc, RankedTensorType type) {
  npy::DType dtype = *dtypeFor(type.getElementType());
  npy::Array out = npy::Array::allocate(dtype, type.getShape());
  size_t item = npy::itemSize(dtype);
  int64_t rank = type.getRank();
  const char *base =
      reinterpret_cast<const char *>(desc[1]) + desc[2] * int64_t(item);
  if (isDense(desc, type)) {
    std::memcpy(out.data.get(), base, out.numBytes());
    return out;
  }
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

bool isScalar(Type t) {
  return isa<IndexType>(t) || t.isInteger(64) || t.isInteger(32);
}

/// Resolves the functions compiled code calls into libretnet_runtime.so
/// (memref allocation, the mgpu* GPU runtime) for the JIT.
void registerRuntimeSymbols(ExecutionEngine &engine) {
  engine.registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbols;
    auto add = [&](llvm::StringRef name, auto *fn) {
      symbols[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(fn),
                                 llvm::JITSymbolFlags::Exported};
    };
    add("_mlir_memref_to_llvm_alloc", &_mlir_memref_to_llvm_alloc);
    add("_mlir_memref_to_llvm_aligned_alloc",
        &_mlir_memref_to_llvm_aligned_alloc);
    add("_mlir_memref_to_llvm_free", &_mlir_memref_to_llvm_free);
    add("mgpuModuleLoad", &mgpuModuleLoad);
    add("mgpuModuleUnload", &mgpuModuleUnload);
    add("mgpuModuleGetFunction", &mgpuModuleGetFunction);
    add("mgpuLaunchKernel", &mgpuLaunchKernel);
    add("mgpuStreamCreate", &mgpuStreamCreate);
    add("mgpuStreamSynchronize", &mgpuStreamSynchronize);
    add("mgpuStreamDestroy", &mgpuStreamDestroy);
    add("mgpuMemAlloc", &mgpuMemAlloc);
    add("mgpuMemFree", &mgpuMemFree);
    add("mgpuMemcpy", &mgpuMemcpy);
    add("mgpuMemset32", &mgpuMemset32);
    return symbols;
  });
}
} // namespace

void runtime::registerJitTranslations(DialectRegistry &registry) {
  registry.insert<LLVM::LLVMDialect>();
  registerAllToLLVMIRTranslations(registry);
}

std::optional<npy::DType> runtime::dtypeFor(Type elem) {
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

std::string runtime::checkArgument(Type type, const npy::Array &array) {
  if (auto tensor = dyn_cast<RankedTensorType>(type)) {
    std::optional<npy::DType> want = dtypeFor(tensor.getElementType());
    if (!want || !tensor.hasStaticShape())
      return "has an unsupported type " + str(type);
    // bf16 bits come as unsigned or signed 16-bit words.
    bool bf16Bits = *want == npy::DType::U16 && array.dtype == npy::DType::I16;
    if (array.dtype != *want && !bf16Bits)
      return llvm::formatv("has dtype {0}, expected {1} for {2}",
                           npy::descr(array.dtype), npy::descr(*want),
                           str(type));
    if (llvm::ArrayRef<int64_t>(array.shape) != tensor.getShape())
      return llvm::formatv("has shape {0}, expected {1} for {2}",
                           npy::shapeString(array.shape),
                           npy::shapeString(tensor.getShape()), str(type));
    return "";
  }
  if (isScalar(type)) {
    if (array.numElements() != 1 ||
        (array.dtype != npy::DType::I64 && array.dtype != npy::DType::I32))
      return llvm::formatv("must hold one i32 or i64 value for {0}, got {1} "
                           "of shape {2}",
                           str(type), npy::descr(array.dtype),
                           npy::shapeString(array.shape));
    return "";
  }
  return "has an unsupported type " + str(type);
}

// From the OpenMP runtime (libomp), which this library links.
extern "C" int omp_get_max_threads();
extern "C" void omp_set_num_threads(int);
extern "C" int omp_get_num_procs();

int64_t JitModule::workerThreads() { return omp_get_max_threads(); }

int64_t JitModule::maxWorkerThreads() {
  return kWorkerThreadsPerProcessor * std::max(omp_get_num_procs(), 1);
}

void JitModule::setWorkerThreads(int64_t n) {
  omp_set_num_threads(int(std::clamp<int64_t>(n, 1, 1 << 16)));
}

// Parallel tiles are OpenMP loops whose team joins before the entry point
// returns: once a call has returned, no thread executes the module's code,
// and the engine can be freed.
JitModule::~JitModule() = default;

llvm::Expected<std::unique_ptr<JitModule>>
JitModule::load(ModuleOp module, const Options &options) {
  std::unique_ptr<JitModule> jit(new JitModule());
  for (auto func : module.getOps<LLVM::LLVMFuncOp>())
    if (auto attr = func->getAttrOfType<TypeAttr>(kSignatureAttrName);
        attr && !func.getName().starts_with("_mlir_ciface_"))
      if (auto type = dyn_cast<FunctionType>(attr.getValue()))
        jit->signatures[func.getName()] = type;
  for (auto func : module.getOps<LLVM::LLVMFuncOp>()) {
    auto preparer = func->getAttrOfType<FlatSymbolRefAttr>(kPreparerAttrName);
    auto positions =
        func->getAttrOfType<DenseI64ArrayAttr>(kPreparedArgsAttrName);
    if (!preparer || !positions || func.getName().starts_with("_mlir_ciface_"))
      continue;
    auto it = jit->signatures.find(func.getName());
    auto prep = jit->signatures.find(preparer.getValue());
    if (it == jit->signatures.end() || prep == jit->signatures.end() ||
        prep->second.getNumInputs() != positions.size() ||
        prep->second.getNumResults() != positions.size() ||
        llvm::any_of(positions.asArrayRef(), [&](int64_t p) {
          return p < 0 || p >= int64_t(it->second.getNumInputs());
        }))
      return error("'@" + func.getName() + "' names preparer '@" +
                   preparer.getValue() +
                   "' without a matching recorded signature");
    jit->preparations[func.getName()] = {preparer.getValue().str(),
                                         positions.asArrayRef().vec()};
  }
  for (auto func : module.getOps<LLVM::LLVMFuncOp>()) {
    auto donated = func->getAttrOfType<DenseI64ArrayAttr>(kDonatedArgsAttrName);
    if (!donated || func.getName().starts_with("_mlir_ciface_"))
      continue;
    auto it = jit->signatures.find(func.getName());
    if (it == jit->signatures.end() ||
        llvm::any_of(donated.asArrayRef(), [&](int64_t p) {
          return p < 0 || p >= int64_t(it->second.getNumInputs()) ||
                 !isa<RankedTensorType>(it->second.getInput(p));
        }))
      return error("'@" + func.getName() +
                   "' donates arguments that its recorded signature does "
                   "not have as tensors");
    jit->donations[func.getName()] = donated.asArrayRef().vec();
    auto results =
        func->getAttrOfType<DenseI64ArrayAttr>(kDonatedResultsAttrName);
    if (!results)
      continue;
    ArrayRef<int64_t> pairs = results.asArrayRef();
    if (pairs.size() % 2 != 0)
      return error("'@" + func.getName() + "' has an odd-length " +
                   kDonatedResultsAttrName);
    std::vector<std::pair<int64_t, int64_t>> tied;
    for (size_t i = 0; i < pairs.size(); i += 2) {
      int64_t r = pairs[i], a = pairs[i + 1];
      if (r < 0 || r >= int64_t(it->second.getNumResults()) ||
          !llvm::is_contained(donated.asArrayRef(), a) ||
          it->second.getResult(r) != it->second.getInput(a))
        return error("'@" + func.getName() +
                     "' returns results in donated arguments that its "
                     "recorded signature does not match");
      tied.emplace_back(r, a);
    }
    jit->donatedResults[func.getName()] = std::move(tied);
  }

  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  // Optimise for the host CPU: without a target machine LLVM's cost models
  // see no vector registers and the loop vectoriser does nothing.
  auto tmBuilder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!tmBuilder)
    return tmBuilder.takeError();
  auto targetMachine = tmBuilder->createTargetMachine();
  if (!targetMachine)
    return targetMachine.takeError();
  // ExecutionEngineOptions holds a function_ref: the transformer must outlive
  // the engine's creation.
  std::function<llvm::Error(llvm::Module *)> optimize =
      makeOptimizingTransformer(options.optLevel, 0, targetMachine->get());
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = optimize;
  engineOptions.jitCodeGenOptLevel =
      static_cast<llvm::CodeGenOptLevel>(std::min(options.optLevel, 3u));
  // Lowered code calls memrefCopy from MLIR's C runner utilities. The OpenMP
  // runtime (parallel tiles) is linked into the process instead of being
  // loaded here: an engine that unloaded it would tear down the thread
  // pool under every other engine.
  llvm::StringRef runtimeLibs[] = {RETNET_C_RUNNER_UTILS};
  engineOptions.sharedLibPaths = runtimeLibs;
  engineOptions.enableObjectDump = !options.objectFile.empty();
  auto engine =
      ExecutionEngine::create(module, engineOptions, std::move(*targetMachine));
  if (!engine)
    return engine.takeError();
  jit->engine = std::move(*engine);
  registerRuntimeSymbols(*jit->engine);
  // Materialise (code-generate) every entry point now, so that load() and
  // not the first call pays for LLVM's code generation.
  for (const auto &entry : jit->signatures)
    if (auto fn =
            jit->engine->lookupPacked(("_mlir_ciface_" + entry.getKey()).str());
        !fn)
      return fn.takeError();
  if (!options.objectFile.empty())
    jit->engine->dumpToObjectFile(options.objectFile);
  return jit;
}

llvm::Expected<FunctionType> JitModule::signature(llvm::StringRef name) const {
  auto it = signatures.find(name);
  if (it == signatures.end())
    return error("no public function '@" + name +
                 "' with a recorded signature");
  return it->second;
}

llvm::Expected<JitModule::Prepared>
JitModule::prepare(llvm::StringRef name,
                   llvm::ArrayRef<const npy::Array *> args, bool hugePages) {
  Prepared prepared;
  auto it = preparations.find(name);
  if (it == preparations.end())
    return prepared;
  const Preparation &prep = it->second;
  if (args.size() != signatures.lookup(name).getNumInputs())
    return error(llvm::formatv("'@{0}' takes {1} arguments, {2} given", name,
                               signatures.lookup(name).getNumInputs(),
                               args.size()));
  std::vector<const npy::Array *> inputs;
  for (int64_t p : prep.positions)
    inputs.push_back(args[p]);
  if (hugePages)
    retnet_runtime_huge_pages_begin();
  llvm::Expected<std::vector<npy::Array>> arrays =
      invoke(prep.preparer, inputs);
  if (hugePages)
    retnet_runtime_huge_pages_end();
  if (!arrays)
    return arrays.takeError();
  prepared.positions = prep.positions;
  prepared.arrays = std::move(*arrays);
  return prepared;
}

llvm::Expected<std::vector<npy::Array>>
JitModule::call(llvm::StringRef name, llvm::ArrayRef<const npy::Array *> args,
                const Prepared *prepared,
                llvm::ArrayRef<npy::Array *> givenUp) {
  if (!preparations.count(name))
    return invoke(name, args, givenUp);
  Prepared local;
  if (!prepared) {
    llvm::Expected<Prepared> p = prepare(name, args);
    if (!p)
      return p.takeError();
    local = std::move(*p);
    prepared = &local;
  }
  std::vector<const npy::Array *> actual(args.begin(), args.end());
  for (auto [p, array] : llvm::zip(prepared->positions, prepared->arrays))
    if (p < int64_t(actual.size()))
      actual[p] = &array;
  return invoke(name, actual, givenUp);
}

llvm::Expected<std::vector<npy::Array>>
JitModule::invoke(llvm::StringRef name, llvm::ArrayRef<const npy::Array *> args,
                  llvm::ArrayRef<npy::Array *> givenUp) {
  llvm::Expected<FunctionType> sig = signature(name);
  if (!sig)
    return sig.takeError();
  if (args.size() != sig->getNumInputs())
    return error(llvm::formatv("'@{0}' takes {1} arguments, {2} given", name,
                               sig->getNumInputs(), args.size()));
  for (Type t : sig->getResults()) {
    auto tensor = dyn_cast<RankedTensorType>(t);
    if (!tensor || !tensor.hasStaticShape() ||
        !dtypeFor(tensor.getElementType()))
      return error("unsupported result type " + str(t) +
                   " (results must be static tensors of f32, f16, bf16, i32 "
                   "or i64)");
  }

  // Packed-call arguments: a pointer to each argument of _mlir_ciface_<name>,
  // whose first argument points to the results when there are any.
  size_t n = args.size();
  std::vector<std::vector<int64_t>> descriptors(n);
  std::vector<void *> descriptorPtrs(n);
  std::vector<int64_t> scalars(n);
  std::vector<int32_t> scalars32(n);
  std::vector<void *> packed;
  // Results that the compiled function leaves out: they are the donated
  // argument's own buffer (retnet.donated_results).
  llvm::DenseMap<int64_t, int64_t> inDonated;
  if (auto it = donatedResults.find(name); it != donatedResults.end())
    for (auto [r, a] : it->second)
      inDonated[r] = a;
  std::vector<int64_t> resultStorage;
  void *resultPtr = nullptr;
  size_t words = 0;
  for (auto [i, t] : llvm::enumerate(sig->getResults()))
    if (!inDonated.count(i))
      words += 3 + 2 * cast<RankedTensorType>(t).getRank();
  if (words > 0) {
    resultStorage.resize(words);
    resultPtr = resultStorage.data();
    packed.push_back(&resultPtr);
  }
  // A donated argument's buffer may be overwritten: it is the caller's own
  // only when given up, otherwise a copy.
  std::vector<const npy::Array *> actual(args.begin(), args.end());
  std::vector<npy::Array> copies;
  std::vector<const npy::Array *> donatedArrays;
  auto donation = donations.find(name);
  if (donation != donations.end()) {
    copies.reserve(donation->second.size());
    for (int64_t p : donation->second) {
      if (p >= int64_t(n) || !checkArgument(sig->getInput(p), *args[p]).empty())
        continue; // reported below
      // Given up and not also passed as another argument (the compiled code
      // assumes its arguments do not overlap).
      bool own = llvm::is_contained(givenUp, args[p]) &&
                 llvm::count_if(args, [&](const npy::Array *a) {
                   return a->data.get() == args[p]->data.get();
                 }) == 1;
      if (!own) {
        npy::Array copy = npy::Array::allocate(args[p]->dtype, args[p]->shape);
        std::memcpy(copy.data.get(), args[p]->data.get(), copy.numBytes());
        copies.push_back(std::move(copy));
        actual[p] = &copies.back();
      }
      donatedArrays.push_back(actual[p]);
    }
  }
  for (size_t i = 0; i < n; ++i) {
    Type type = sig->getInput(i);
    std::string why = checkArgument(type, *actual[i]);
    if (!why.empty())
      return error(llvm::formatv("argument {0} of '@{1}' {2}", i, name, why));
    if (isa<RankedTensorType>(type)) {
      descriptors[i] = descriptorFor(actual[i]->data.get(), actual[i]->shape);
      descriptorPtrs[i] = descriptors[i].data();
      packed.push_back(&descriptorPtrs[i]);
      continue;
    }
    scalars[i] = actual[i]->dtype == npy::DType::I64
                     ? *reinterpret_cast<int64_t *>(actual[i]->data.get())
                     : *reinterpret_cast<int32_t *>(actual[i]->data.get());
    scalars32[i] = int32_t(scalars[i]);
    packed.push_back(type.isInteger(32) ? static_cast<void *>(&scalars32[i])
                                        : static_cast<void *>(&scalars[i]));
  }

  if (llvm::Error err =
          engine->invokePacked(("_mlir_ciface_" + name).str(), packed))
    return std::move(err);

  // The caller owns the returned buffers, except arguments returned as they
  // are. A buffer that only one result uses becomes that result's storage
  // when the result is dense and aligned as npy::Array promises (no copy:
  // a decode step returns its whole state); other results are copied, and
  // their buffers freed once, after every result has been read.
  std::vector<const int64_t *> descs;
  llvm::DenseMap<void *, unsigned> uses;
  const int64_t *next = resultStorage.data();
  for (auto [i, t] : llvm::enumerate(sig->getResults())) {
    if (inDonated.count(i)) {
      descs.push_back(nullptr);
      continue;
    }
    descs.push_back(next);
    ++uses[reinterpret_cast<void *>(next[0])];
    next += 3 + 2 * cast<RankedTensorType>(t).getRank();
  }
  std::vector<npy::Array> results;
  llvm::SmallPtrSet<void *, 4> owned;
  for (auto [i, t, desc] : llvm::enumerate(sig->getResults(), descs)) {
    if (!desc) {
      results.push_back(*actual[inDonated[i]]);
      continue;
    }
    auto tensor = cast<RankedTensorType>(t);
    void *alloc = reinterpret_cast<void *>(desc[0]);
    bool argument = llvm::any_of(
        actual, [&](const npy::Array *a) { return a->data.get() == alloc; });
    // A result in a donated buffer, whole: it shares the buffer.
    if (auto it = llvm::find_if(
            donatedArrays,
            [&](const npy::Array *a) { return a->data.get() == alloc; });
        it != donatedArrays.end() && uses[alloc] == 1) {
      if (std::optional<npy::Array> shared = shareDonated(desc, tensor, **it)) {
        results.push_back(std::move(*shared));
        continue;
      }
    }
    if (!argument && uses[alloc] == 1) {
      if (std::optional<npy::Array> adopted = adoptResult(desc, tensor)) {
        results.push_back(std::move(*adopted));
        continue;
      }
    }
    results.push_back(readResult(desc, tensor));
    if (!argument)
      owned.insert(alloc);
  }
  for (void *alloc : owned)
    std::free(alloc);
  return results;
}
