//===- retnet-compile.cpp - compile and run RetNet models -----------------===//
//
//   retnet-compile run --model DIR --tokens T.npy --form F --logits OUT.npy
//       [--weights-dtype f32|bf16|f16] (also on generate and emit)
//       [--target cpu|cuda [--emulate] [--chip sm_80|sm_90]] (also on generate)
//   retnet-compile generate --model DIR --prompt-tokens P --max-new-tokens N
//   retnet-compile emit --model DIR --stage retention|linalg|llvm|ptx
//   retnet-compile init --config CONFIG.json --seed S -o DIR
//   retnet-compile build --model DIR --target cpu|cuda [--emulate] -o OUT
//
// A model directory holds config.json (torchscale RetNetConfig keys) and
// model.safetensors (RetNetDecoder state_dict names). Every malformed input
// is reported with what is wrong and gives exit status 1.
//
//===----------------------------------------------------------------------===//

#include "Artifact.h"

#include "retnet/Codegen/CPU/Tiling.h"
#include "retnet/Model/Config.h"
#include "retnet/Model/ModelBuilder.h"
#include "retnet/Model/Safetensors.h"
#include "retnet/Model/Weights.h"
#include "retnet/Pipelines/Pipelines.h"
#include "retnet/Runtime/GpuRuntime.h"
#include "retnet/Runtime/JitModule.h"
#include "retnet/Support/EntrySignature.h"
#include "retnet/Support/Memory.h"
#include "retnet/Support/Npy.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"

#include <chrono>
#include <cstring>

using namespace llvm;
using namespace retnet;
using namespace retnet::model;
namespace rt = retnet::runtime;
using Clock = std::chrono::steady_clock;

// The driver's own options; the LLVM and MLIR options linked into it are
// hidden from --help.
static cl::OptionCategory driverCategory("retnet-compile options");

static cl::SubCommand runCmd("run", "Run a model on tokens, write logits");
static cl::SubCommand generateCmd("generate",
                                  "Prefill a prompt, then decode greedily");
static cl::SubCommand emitCmd("emit", "Print the model's IR at a stage");
static cl::SubCommand initCmd("init", "Write a model with random weights");
static cl::SubCommand
    buildCmd("build", "Compile a model ahead of time into a shared library "
                      "with a C API (retnet_model.h) and its weights file");

static cl::opt<std::string> modelDir("model", cl::desc("Model directory"),
                                     cl::cat(driverCategory), cl::sub(runCmd),
                                     cl::sub(generateCmd), cl::sub(emitCmd),
                                     cl::sub(buildCmd));
static cl::opt<std::string>
    tokensFile("tokens",
               cl::desc("Token ids: a .npy of int32/int64 [B, T] or ids "
                        "separated by commas (batch 1)"),
               cl::cat(driverCategory), cl::sub(runCmd));
static cl::opt<bool> checkForms(
    "check-forms",
    cl::desc("Also run the other two forms and fail unless all logits agree "
             "(max |difference| <= 1e-3 max |logit|)"),
    cl::cat(driverCategory), cl::sub(runCmd));
static cl::opt<std::string> logitsFile("logits",
                                       cl::desc("Output logits, f32 [B, T, V]"),
                                       cl::cat(driverCategory),
                                       cl::sub(runCmd));
static cl::opt<Form> form(
    "form", cl::desc("Retention form"),
    cl::values(clEnumValN(Form::Parallel, "parallel", "O(T^2) parallel form"),
               clEnumValN(Form::Chunkwise, "chunkwise", "chunkwise form"),
               clEnumValN(Form::Recurrent, "recurrent",
                          "one token at a time with carried state")),
    cl::init(Form::Chunkwise), cl::cat(driverCategory), cl::sub(runCmd),
    cl::sub(emitCmd));
static cl::opt<int64_t> chunkSize(
    "chunk-size",
    cl::desc("Chunk size (default: the config's recurrent_chunk_size)"),
    cl::init(0), cl::cat(driverCategory), cl::sub(runCmd), cl::sub(generateCmd),
    cl::sub(emitCmd), cl::sub(buildCmd));
static cl::opt<std::string>
    promptTokens("prompt-tokens",
                 cl::desc("Prompt: a .npy of token ids [1, T] or ids "
                          "separated by commas"),
                 cl::cat(driverCategory), cl::sub(generateCmd));
static cl::opt<int64_t> maxNewTokens("max-new-tokens",
                                     cl::desc("Tokens to generate"),
                                     cl::init(16), cl::cat(driverCategory),
                                     cl::sub(generateCmd));
static cl::opt<int64_t>
    warmup("warmup",
           cl::desc("Calls run and discarded before the timed one (run: the "
                    "forward, generate: the prefill); benchmarks time a warm "
                    "call, as they time their peers after warm-up calls"),
           cl::init(0), cl::cat(driverCategory), cl::sub(runCmd),
           cl::sub(generateCmd));
static cl::opt<int64_t>
    threads("threads",
            cl::desc("Threads for the parallel tiles (default 0: all cores)"),
            cl::init(0), cl::cat(driverCategory), cl::sub(runCmd),
            cl::sub(generateCmd));
static cl::opt<WeightType> weightsDtype(
    "weights-dtype",
    cl::desc("Element type in which the matrix products' weights are held"),
    cl::values(clEnumValN(WeightType::F32, "f32", "as f32 (default)"),
               clEnumValN(WeightType::BF16, "bf16",
                          "rounded once to bfloat16, widened to f32 in "
                          "registers"),
               clEnumValN(WeightType::F16, "f16",
                          "rounded once to IEEE half, widened to f32 in "
                          "registers")),
    cl::init(WeightType::F32), cl::cat(driverCategory), cl::sub(runCmd),
    cl::sub(generateCmd), cl::sub(emitCmd), cl::sub(buildCmd));
static cl::opt<Bf16Products> bf16Products(
    "bf16-products",
    cl::desc("With --weights-dtype bf16 on the CPU: how the products "
             "multiply (default: dot where the CPU has AVX512-BF16, else "
             "widen)"),
    cl::values(clEnumValN(Bf16Products::Widen, "widen",
                          "weights widened to f32 in registers, f32 "
                          "activations"),
               clEnumValN(Bf16Products::Dot, "dot",
                          "AVX512-BF16 dot products, activations rounded to "
                          "bf16 as tensor cores round them")),
    cl::init(Bf16Products::Host), cl::cat(driverCategory), cl::sub(runCmd),
    cl::sub(generateCmd), cl::sub(emitCmd), cl::sub(buildCmd));
enum class Stage { Retention, Linalg, LLVM, Ptx };
static cl::opt<Stage> stage(
    "stage", cl::desc("IR stage to print"),
    cl::values(
        clEnumValN(Stage::Retention, "retention",
                   "the decoder as built (retention + linalg ops)"),
        clEnumValN(Stage::Linalg, "linalg",
                   "retention-fused-to-linalg: the fused kernels on tensors"),
        clEnumValN(Stage::LLVM, "llvm", "the LLVM dialect"),
        clEnumValN(Stage::Ptx, "ptx",
                   "the PTX of each kernel of the model on the GPU "
                   "(retention-graph-to-cuda for --chip)")),
    cl::init(Stage::Retention), cl::cat(driverCategory), cl::sub(emitCmd));
static cl::opt<int64_t> emitSeq("seq", cl::desc("Sequence length to emit for"),
                                cl::init(16), cl::cat(driverCategory),
                                cl::sub(emitCmd));
static cl::opt<bool> emitLastLogits(
    "last-logits-only",
    cl::desc("Emit the logits of each sequence's last position only (as "
             "generate's prefill computes them)"),
    cl::init(false), cl::cat(driverCategory), cl::sub(emitCmd));
static cl::opt<int64_t> emitBatch("batch", cl::desc("Batch size to emit for"),
                                  cl::init(1), cl::cat(driverCategory),
                                  cl::sub(emitCmd));
static cl::opt<std::string> configFile(
    "config",
    cl::desc("config.json to initialise (init), or to emit for instead of "
             "--model (emit: the IR needs no weights)"),
    cl::cat(driverCategory), cl::sub(initCmd), cl::sub(emitCmd));
static cl::opt<uint64_t> seed("seed", cl::desc("Random seed"), cl::init(0),
                              cl::cat(driverCategory), cl::sub(initCmd));
static cl::opt<std::string> outDir("o", cl::desc("Output directory"),
                                   cl::cat(driverCategory), cl::sub(initCmd),
                                   cl::sub(buildCmd));
enum class Target { CPU, CUDA };
static cl::opt<Target> target(
    "target", cl::desc("What the artifact runs on"),
    cl::values(clEnumValN(Target::CPU, "cpu",
                          "a CPU: the build machine's or --mcpu's"),
               clEnumValN(Target::CUDA, "cuda",
                          "an NVIDIA GPU (--chip), or with --emulate the GPU "
                          "runtime's CPU emulator; the library opens "
                          "libcuda (or the emulator) itself")),
    cl::init(Target::CPU), cl::cat(driverCategory), cl::sub(buildCmd));
enum class Device { CPU, CUDA };
static cl::opt<Device> runTarget(
    "target", cl::desc("Where the model runs"),
    cl::values(clEnumValN(Device::CPU, "cpu", "the host CPU (default)"),
               clEnumValN(Device::CUDA, "cuda",
                          "an NVIDIA GPU, or with --emulate the GPU "
                          "runtime's CPU emulator: weights uploaded once, "
                          "states kept on the device, logits copied back")),
    cl::init(Device::CPU), cl::cat(driverCategory), cl::sub(runCmd),
    cl::sub(generateCmd));
static cl::opt<bool>
    emulate("emulate",
            cl::desc("With --target cuda: run the kernels on the CPU emulator "
                     "instead of a GPU"),
            cl::init(false), cl::cat(driverCategory), cl::sub(runCmd),
            cl::sub(generateCmd), cl::sub(buildCmd));
static cl::opt<std::string> emulatorShim(
    "emulator-shim",
    cl::desc("With --emulate: the emulator's NVVM shim bitcode to link the "
             "kernels with (default: the build's; tests give a deliberately "
             "wrong one as a negative control)"),
    cl::value_desc("file"), cl::cat(driverCategory), cl::sub(runCmd),
    cl::sub(generateCmd));
static cl::opt<CudaChip>
    chip("chip",
         cl::desc("The GPU generation (--target cuda, emit --stage ptx)"),
         cl::values(clEnumValN(CudaChip::sm_80, "sm_80", "Ampere (default)"),
                    clEnumValN(CudaChip::sm_90, "sm_90", "Hopper")),
         cl::init(CudaChip::sm_80), cl::cat(driverCategory), cl::sub(runCmd),
         cl::sub(generateCmd), cl::sub(emitCmd), cl::sub(buildCmd));
static cl::list<int64_t> prefillTokens(
    "prefill-tokens",
    cl::desc("Tokens per call of each compiled prefill (default 512,64,8): "
             "a prompt runs in the longest calls that fit, the rest in "
             "decode steps"),
    cl::CommaSeparated, cl::cat(driverCategory), cl::sub(buildCmd));
static cl::opt<std::string>
    mcpu("mcpu",
         cl::desc("CPU the library's code is for, as LLVM names it (default: "
                  "the build machine's; e.g. x86-64-v3 for any AVX2 CPU)"),
         cl::cat(driverCategory), cl::sub(buildCmd));
static cl::list<std::string>
    mattr("mattr",
          cl::desc("CPU features added (+avx512f) or removed (-avx512f)"),
          cl::CommaSeparated, cl::cat(driverCategory), cl::sub(buildCmd));
static cl::opt<std::string>
    cCompiler("cc", cl::desc("C compiler driver that links the library"),
              cl::init(RETNET_C_COMPILER), cl::cat(driverCategory),
              cl::sub(buildCmd));

namespace {
int fail(const Twine &msg) {
  WithColor::error(errs(), "retnet-compile") << msg << "\n";
  return 1;
}

void progress(const Twine &msg) {
  WithColor(errs(), HighlightColor::Remark) << "retnet-compile: ";
  errs() << msg << "\n";
}

double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

/// `host` where the compiled code reads it: the array itself on the CPU, a
/// copy in device memory (freed with the array) on the GPU.
npy::Array onTarget(npy::Array host) {
  if (runTarget != Device::CUDA)
    return host;
  auto *dev = static_cast<char *>(
      mgpuMemAlloc(std::max<size_t>(host.numBytes(), 1), nullptr, false));
  mgpuMemcpy(dev, host.data.get(), host.numBytes(), nullptr);
  mgpuStreamSynchronize(nullptr);
  host.data =
      std::shared_ptr<char>(dev, [](char *p) { mgpuMemFree(p, nullptr); });
  return host;
}

/// --bf16-products is a choice of the CPU's bf16 products.
Error checkBf16Products(bool cuda) {
  if (!bf16Products.getNumOccurrences())
    return Error::success();
  if (weightsDtype != WeightType::BF16)
    return createStringError(inconvertibleErrorCode(),
                             "--bf16-products needs --weights-dtype bf16");
  if (cuda)
    return createStringError(inconvertibleErrorCode(),
                             "--bf16-products applies to the CPU (tensor "
                             "cores round the activations to bf16)");
  return Error::success();
}

/// Opens the GPU runtime's back end for --target cuda.
Error openTarget() {
  if (emulate && runTarget != Device::CUDA)
    return createStringError(inconvertibleErrorCode(),
                             "--emulate needs --target cuda");
  if (!emulatorShim.empty() && !emulate)
    return createStringError(inconvertibleErrorCode(),
                             "--emulator-shim needs --emulate");
  if (Error e = checkBf16Products(runTarget == Device::CUDA))
    return e;
  if (bf16Products == Bf16Products::Dot && !cpu::hostHasBF16Dot())
    return createStringError(inconvertibleErrorCode(),
                             "--bf16-products dot needs a CPU with "
                             "AVX512-BF16, which this one lacks");
  if (runTarget != Device::CUDA)
    return Error::success();
  if (const char *why = retnetGpuSelectBackend(emulate ? RETNET_GPU_EMULATOR
                                                       : RETNET_GPU_CUDA))
    return createStringError(inconvertibleErrorCode(), why);
  return Error::success();
}

struct Model {
  Config config;
  Safetensors ckpt;
  Weights weights;
  /// On the GPU: the weight arguments in device memory, uploaded once.
  std::vector<npy::Array> deviceWeights;
};

Expected<Model> loadModel() {
  if (modelDir.empty())
    return createStringError(inconvertibleErrorCode(),
                             "--model DIR is required");
  SmallString<256> configPath(modelDir), ckptPath(modelDir);
  sys::path::append(configPath, "config.json");
  sys::path::append(ckptPath, "model.safetensors");
  Expected<Config> config = Config::load(configPath);
  if (!config)
    return config.takeError();
  Expected<Safetensors> ckpt = Safetensors::open(ckptPath);
  if (!ckpt)
    return ckpt.takeError();
  Expected<Weights> weights = Weights::load(*config, *ckpt);
  if (!weights)
    return weights.takeError();
  if (Error e = weights->convertProducts(weightsDtype))
    return std::move(e);
  Model m{std::move(*config), std::move(*ckpt), std::move(*weights), {}};
  if (runTarget == Device::CUDA) {
    // A tensor passed as two arguments (tied embeddings) is uploaded once.
    DenseMap<const char *, npy::Array> uploaded;
    for (const npy::Array *w : m.weights.arguments()) {
      auto [it, fresh] = uploaded.try_emplace(w->data.get());
      if (fresh)
        it->second = onTarget(*w);
      m.deviceWeights.push_back(it->second);
    }
  }
  return m;
}

/// Token ids as an i64 [B, T] array, range-checked against the vocabulary.
Expected<npy::Array> checkTokens(npy::Array in, StringRef origin,
                                 int64_t vocab) {
  auto err = [&](const Twine &msg) {
    return createStringError(inconvertibleErrorCode(),
                             "'" + origin + "': " + msg);
  };
  if (in.dtype != npy::DType::I32 && in.dtype != npy::DType::I64)
    return err("token ids must be int32 or int64, got " + npy::descr(in.dtype));
  if (in.shape.size() != 2 || in.shape[0] < 1 || in.shape[1] < 1)
    return err("token ids must have shape [batch, seq] with both at least "
               "1, got " +
               npy::shapeString(in.shape));
  npy::Array out = npy::Array::allocate(npy::DType::I64, in.shape);
  auto *dst = reinterpret_cast<int64_t *>(out.data.get());
  for (int64_t i = 0, n = in.numElements(); i < n; ++i) {
    int64_t id = in.dtype == npy::DType::I64
                     ? reinterpret_cast<int64_t *>(in.data.get())[i]
                     : reinterpret_cast<int32_t *>(in.data.get())[i];
    if (id < 0 || id >= vocab)
      return err(formatv("token id {0} at flat index {1} is out of range "
                         "[0, {2})",
                         id, i, vocab));
    dst[i] = id;
  }
  return out;
}

const char *formName(Form f) {
  return f == Form::Parallel    ? "parallel"
         : f == Form::Chunkwise ? "chunkwise"
                                : "recurrent";
}

/// A compiled @forward for one shape.
struct Forward {
  std::unique_ptr<rt::JitModule> jit;
  ForwardShape shape;
  /// The weights as the compiled code takes them (e.g. packed for the CPU
  /// kernels), prepared once after compilation.
  rt::JitModule::Prepared prepared;
};

/// The weight arguments of @forward (after the token ids).
std::vector<const npy::Array *> forwardArguments(const Model &m) {
  std::vector<const npy::Array *> args = {nullptr};
  if (!m.deviceWeights.empty()) {
    for (const npy::Array &w : m.deviceWeights)
      args.push_back(&w);
    return args;
  }
  for (const npy::Array *w : m.weights.arguments())
    args.push_back(w);
  return args;
}

Expected<Forward> compileForward(mlir::MLIRContext &context, const Model &m,
                                 ForwardShape shape) {
  const Config &config = m.config;
  shape.weightType = weightsDtype;
  if (Error e = checkForwardShape(config, shape))
    return std::move(e);
  auto start = Clock::now();
  mlir::OwningOpRef<mlir::ModuleOp> module =
      buildForward(context, config, shape);
  std::string where;
  if (runTarget == Device::CUDA) {
    mlir::PassManager pm(&context);
    CudaPipelineOptions cuda;
    cuda.chip = chip;
    cuda.format = emulate ? CudaFormat::Emulator : CudaFormat::Fatbin;
    cuda.emulatorShim = emulatorShim;
    buildGraphToCUDAPipeline(pm, cuda);
    if (failed(pm.run(*module)))
      return createStringError(inconvertibleErrorCode(),
                               "compiling the model for the GPU failed");
    // The state stays on the device: the compiled code must update it in
    // its buffer (result 1 is argument 17's), not return a host copy that
    // the next step would pass as a device buffer.
    auto fn = module->lookupSymbol<mlir::LLVM::LLVMFuncOp>("forward");
    auto tied =
        fn ? fn->getAttrOfType<mlir::DenseI64ArrayAttr>(kDonatedResultsAttrName)
           : mlir::DenseI64ArrayAttr();
    if (shape.form != Form::Parallel &&
        (!tied || tied.asArrayRef() != ArrayRef<int64_t>{1, 17}))
      return createStringError(inconvertibleErrorCode(),
                               "the GPU forward does not update its state in "
                               "place on the device");
    where = emulate ? "for the GPU emulator" : "for the GPU";
  } else {
    if (failed(
            lowerForHostCPU(*module, CpuLowering::Fused, 0, 0, bf16Products)))
      return createStringError(inconvertibleErrorCode(),
                               "lowering the model to the LLVM dialect failed");
    where = formatv("({0} worker threads)", rt::JitModule::workerThreads());
  }
  auto jit = rt::JitModule::load(*module, {});
  if (!jit)
    return jit.takeError();
  progress(formatv("compiled the {0} forward for batch {1}, {2} token(s) in "
                   "{3:f2} s {4}",
                   formName(shape.form), shape.batch, shape.seq,
                   secondsSince(start), where));
  // The weight arguments only: the preparer reads no other argument.
  std::vector<const npy::Array *> args = forwardArguments(m);
  if (shape.form != Form::Parallel)
    args.insert(args.end(), {nullptr, nullptr});
  start = Clock::now();
  // A decode step streams every weight once (for each of its sequences):
  // its packs go on huge pages. A prompt's products reuse each panel from
  // cache across its rows.
  bool streamsWeights = shape.seq == 1;
  auto prepared = (*jit)->prepare("forward", args, streamsWeights);
  if (!prepared)
    return prepared.takeError();
  if (!prepared->arrays.empty())
    progress(formatv("prepared {0} weight tensors for the compiled code in "
                     "{1:f2} s",
                     prepared->arrays.size(), secondsSince(start)));
  return Forward{std::move(*jit), shape, std::move(*prepared)};
}

/// Zero layer states, where the compiled code keeps them.
npy::Array zeroState(const Config &c, int64_t batch) {
  return onTarget(npy::Array::allocate(
      npy::DType::F32,
      {c.layers, batch, c.heads, c.keyHeadDim(), c.valueHeadDim()}));
}

npy::Array indexArray(int64_t v) {
  npy::Array a = npy::Array::allocate(npy::DType::I64, {1});
  *reinterpret_cast<int64_t *>(a.data.get()) = v;
  return a;
}

/// Calls @forward; returns {logits, state (empty for the parallel form)}.
/// The state is given up to the call, which updates it in place (the new
/// state shares its buffer).
Expected<std::pair<npy::Array, npy::Array>>
callForward(Forward &fwd, const Model &m, const npy::Array &tokens,
            npy::Array *state, int64_t position) {
  std::vector<const npy::Array *> args = forwardArguments(m);
  npy::Array ids = onTarget(tokens);
  args[0] = &ids;
  npy::Array pos = indexArray(position);
  if (fwd.shape.form != Form::Parallel) {
    args.push_back(state);
    args.push_back(&pos);
  }
  std::vector<npy::Array *> givenUp;
  if (state)
    givenUp.push_back(state);
  auto results = fwd.jit->call("forward", args, &fwd.prepared, givenUp);
  if (!results)
    return results.takeError();
  npy::Array newState;
  if (results->size() > 1)
    newState = std::move((*results)[1]);
  return std::make_pair(std::move((*results)[0]), std::move(newState));
}

/// Tokens [B, T] column t as a [B, 1] array.
npy::Array column(const npy::Array &tokens, int64_t t) {
  int64_t B = tokens.shape[0], T = tokens.shape[1];
  npy::Array col = npy::Array::allocate(npy::DType::I64, {B, 1});
  for (int64_t b = 0; b < B; ++b)
    reinterpret_cast<int64_t *>(col.data.get())[b] =
        reinterpret_cast<const int64_t *>(tokens.data.get())[b * T + t];
  return col;
}

int64_t effectiveChunk(const Config &c) {
  return chunkSize > 0 ? int64_t(chunkSize) : c.chunkSize;
}

/// Token ids from a .npy file or a comma-separated list (batch 1).
Expected<npy::Array> parseTokens(StringRef spec, StringRef option,
                                 int64_t vocab) {
  if (spec.ends_with(".npy")) {
    Expected<npy::Array> raw = npy::read(spec);
    if (!raw)
      return raw.takeError();
    return checkTokens(std::move(*raw), spec, vocab);
  }
  SmallVector<StringRef> parts;
  spec.split(parts, ',', -1, false);
  npy::Array ids =
      npy::Array::allocate(npy::DType::I64, {1, int64_t(parts.size())});
  for (auto [i, p] : enumerate(parts)) {
    int64_t id;
    if (p.trim().getAsInteger(10, id))
      return createStringError(inconvertibleErrorCode(),
                               option + ": '" + p + "' is not an integer");
    reinterpret_cast<int64_t *>(ids.data.get())[i] = id;
  }
  return checkTokens(std::move(ids), option, vocab);
}

/// Logits [B, T, V] of `tokens` with the given form, timing the call(s).
Expected<npy::Array> computeLogits(mlir::MLIRContext &context, const Model &m,
                                   const npy::Array &tokens, Form f) {
  int64_t B = tokens.shape[0], T = tokens.shape[1], V = m.config.vocabSize;
  bool stepwise = f == Form::Recurrent;
  if (Error e =
          checkForwardShape(m.config, {f, B, T, effectiveChunk(m.config)}))
    return std::move(e);
  auto fwd = compileForward(context, m,
                            {f, B, stepwise ? 1 : T, effectiveChunk(m.config)});
  if (!fwd)
    return fwd.takeError();
  auto compute = [&]() -> Expected<npy::Array> {
    npy::Array state = zeroState(m.config, B);
    if (!stepwise) {
      auto out = callForward(*fwd, m, tokens, &state, 0);
      if (!out)
        return out.takeError();
      return std::move(out->first);
    }
    npy::Array logits = npy::Array::allocate(npy::DType::F32, {B, T, V});
    for (int64_t t = 0; t < T; ++t) {
      auto out = callForward(*fwd, m, column(tokens, t), &state, t);
      if (!out)
        return out.takeError();
      for (int64_t b = 0; b < B; ++b)
        std::memcpy(logits.data.get() + ((b * T + t) * V) * sizeof(float),
                    out->first.data.get() + b * V * sizeof(float),
                    V * sizeof(float));
      state = std::move(out->second);
    }
    return logits;
  };
  for (int64_t i = 0; i < warmup; ++i)
    if (Expected<npy::Array> discarded = compute(); !discarded)
      return discarded.takeError();
  auto start = Clock::now();
  Expected<npy::Array> logits = compute();
  if (!logits)
    return logits.takeError();
  double secs = secondsSince(start);
  progress(formatv("ran {0} token(s) in {1:f3} s ({2:f1} tokens/s)", B * T,
                   secs, double(B * T) / secs));
  return logits;
}

int runModel(mlir::MLIRContext &context) {
  if (tokensFile.empty() || logitsFile.empty())
    return fail("run needs --tokens FILE.npy and --logits OUT.npy");
  if (chunkSize < 0)
    return fail("--chunk-size must be positive");
  if (warmup < 0)
    return fail("--warmup must be at least 0");
  if (Error e = openTarget())
    return fail(toString(std::move(e)));
  Expected<Model> m = loadModel();
  if (!m)
    return fail(toString(m.takeError()));
  Expected<npy::Array> tokens =
      parseTokens(tokensFile, "--tokens", m->config.vocabSize);
  if (!tokens)
    return fail(toString(tokens.takeError()));
  Expected<npy::Array> logits = computeLogits(context, *m, *tokens, form);
  if (!logits)
    return fail(toString(logits.takeError()));
  if (Error e = npy::write(logitsFile, *logits))
    return fail(toString(std::move(e)));
  if (!checkForms)
    return 0;

  const float *want = reinterpret_cast<const float *>(logits->data.get());
  int64_t n = logits->numElements();
  float peak = 0;
  for (int64_t i = 0; i < n; ++i)
    peak = std::max(peak, std::abs(want[i]));
  bool agree = true;
  for (Form other : {Form::Parallel, Form::Chunkwise, Form::Recurrent}) {
    if (other == form)
      continue;
    Expected<npy::Array> alt = computeLogits(context, *m, *tokens, other);
    if (!alt)
      return fail(toString(alt.takeError()));
    const float *got = reinterpret_cast<const float *>(alt->data.get());
    float diff = 0;
    for (int64_t i = 0; i < n; ++i)
      diff = std::max(diff, std::abs(got[i] - want[i]));
    double rel = peak > 0 ? diff / peak : diff;
    outs() << formatv("{0} vs {1}: max |logit difference| = {2:e2} "
                      "({3:e2} of the largest logit)\n",
                      formName(other), formName(form), diff, rel);
    agree &= rel <= 1e-3;
  }
  if (!agree)
    return fail("the forms disagree by more than 1e-3 of the largest logit");
  outs() << "all three forms agree\n";
  return 0;
}

int64_t argmax(const float *row, int64_t n) {
  return std::max_element(row, row + n) - row;
}

int generate(mlir::MLIRContext &context) {
  if (maxNewTokens < 1)
    return fail("--max-new-tokens must be at least 1");
  if (warmup < 0)
    return fail("--warmup must be at least 0");
  if (Error e = openTarget())
    return fail(toString(std::move(e)));
  Expected<Model> m = loadModel();
  if (!m)
    return fail(toString(m.takeError()));
  if (promptTokens.empty())
    return fail("generate needs --prompt-tokens");
  Expected<npy::Array> prompt =
      parseTokens(promptTokens, "--prompt-tokens", m->config.vocabSize);
  if (!prompt)
    return fail(toString(prompt.takeError()));
  if (prompt->shape[0] != 1)
    return fail("generate takes one prompt (batch 1), got batch " +
                Twine(prompt->shape[0]));
  int64_t T0 = prompt->shape[1], V = m->config.vocabSize;

  // The prefill computes the logits of the last prompt position only.
  auto prefill =
      compileForward(context, *m,
                     {Form::Chunkwise, 1, T0, effectiveChunk(m->config),
                      /*lastLogitsOnly=*/true});
  if (!prefill)
    return fail(toString(prefill.takeError()));
  auto decode = compileForward(context, *m, {Form::Recurrent, 1, 1, 1});
  if (!decode)
    return fail(toString(decode.takeError()));

  for (int64_t i = 0; i < warmup; ++i) {
    npy::Array state = zeroState(m->config, 1);
    if (auto out = callForward(*prefill, *m, *prompt, &state, 0); !out)
      return fail(toString(out.takeError()));
  }
  npy::Array state = zeroState(m->config, 1);
  auto start = Clock::now();
  auto out = callForward(*prefill, *m, *prompt, &state, 0);
  if (!out)
    return fail(toString(out.takeError()));
  double prefillSecs = secondsSince(start);
  int64_t next =
      argmax(reinterpret_cast<const float *>(out->first.data.get()), V);
  state = std::move(out->second);

  // Tokens are printed as they are produced.
  outs() << "tokens: " << next;
  outs().flush();
  start = Clock::now();
  for (int64_t i = 1; i < maxNewTokens; ++i) {
    npy::Array tok = npy::Array::allocate(npy::DType::I64, {1, 1});
    *reinterpret_cast<int64_t *>(tok.data.get()) = next;
    auto step = callForward(*decode, *m, tok, &state, T0 + i - 1);
    if (!step)
      return fail(toString(step.takeError()));
    next = argmax(reinterpret_cast<const float *>(step->first.data.get()), V);
    state = std::move(step->second);
    outs() << " " << next;
    outs().flush();
  }
  double decodeSecs = secondsSince(start);
  int64_t steps = maxNewTokens - 1;
  outs() << "\n";
  outs() << formatv("prefill: {0} tokens in {1:f3} s ({2:f1} tokens/s)\n", T0,
                    prefillSecs, double(T0) / prefillSecs);
  if (steps > 0)
    outs() << formatv("decode: {0} tokens in {1:f3} s ({2:f1} tokens/s, "
                      "{3:f2} ms/token)\n",
                      steps, decodeSecs, double(steps) / decodeSecs,
                      1e3 * decodeSecs / double(steps));
  return 0;
}

int emit(mlir::MLIRContext &context) {
  if (emitSeq < 1 || emitBatch < 1)
    return fail("--seq and --batch must be at least 1");
  if (!configFile.empty() && !modelDir.empty())
    return fail("emit takes --model or --config, not both");
  Expected<Config> config = Config::load(configFile);
  if (configFile.empty()) {
    consumeError(config.takeError());
    Expected<Model> m = loadModel();
    if (!m)
      return fail(toString(m.takeError()));
    config = std::move(m->config);
  }
  if (!config)
    return fail(toString(config.takeError()));
  int64_t seq = form == Form::Recurrent ? 1 : int64_t(emitSeq);
  ForwardShape shape{form, emitBatch, seq, effectiveChunk(*config),
                     emitLastLogits};
  shape.weightType = weightsDtype;
  if (Error e = checkForwardShape(*config, shape))
    return fail(toString(std::move(e)));
  mlir::OwningOpRef<mlir::ModuleOp> module =
      buildForward(context, *config, shape);
  if (Error e = checkBf16Products(stage == Stage::Ptx))
    return fail(toString(std::move(e)));
  if (bf16Products.getNumOccurrences() && stage == Stage::Retention)
    return fail("--bf16-products applies to --stage linalg and llvm");
  mlir::PassManager pm(&context);
  FusedPipelineOptions cpu;
  cpu.bf16Products = bf16Products;
  if (stage == Stage::Linalg)
    buildRetentionFusedToLinalgPipeline(pm, cpu);
  else if (stage == Stage::LLVM)
    buildRetentionFusedToLLVMPipeline(pm, cpu);
  CudaPipelineOptions cuda;
  cuda.chip = chip;
  cuda.format = CudaFormat::Isa;
  if (stage == Stage::Ptx)
    buildGraphToCUDAPipeline(pm, cuda);
  if (failed(pm.run(*module)))
    return fail("lowering failed");
  if (stage != Stage::Ptx) {
    module->print(outs());
    return 0;
  }
  for (auto binary : module->getOps<mlir::gpu::BinaryOp>())
    for (auto object : binary.getObjects().getAsRange<mlir::gpu::ObjectAttr>())
      outs() << "// kernel module @" << binary.getName() << "\n"
             << object.getObject().getValue() << "\n";
  return 0;
}

int build(mlir::MLIRContext &context) {
  if (outDir.empty())
    return fail("build needs -o DIR");
  if (chunkSize < 0)
    return fail("--chunk-size must be positive");
  Expected<Model> m = loadModel();
  if (!m)
    return fail(toString(m.takeError()));
  ArtifactOptions options;
  options.outDir = outDir;
  if (!prefillTokens.empty())
    options.prefillTokens.assign(prefillTokens.begin(), prefillTokens.end());
  options.chunk = effectiveChunk(m->config);
  options.weightType = weightsDtype;
  options.cpu = mcpu;
  options.features.assign(mattr.begin(), mattr.end());
  options.cc = cCompiler;
  options.runtimeArchive = RETNET_AOT_RUNTIME;
  options.header = RETNET_AOT_HEADER;
  if (emulate && target != Target::CUDA)
    return fail("--emulate needs --target cuda");
  if (Error e = checkBf16Products(target == Target::CUDA))
    return fail(toString(std::move(e)));
  options.bf16Products = bf16Products;
  if (target == Target::CUDA)
    options.device = ArtifactOptions::Device::CUDA;
  options.emulate = emulate;
  options.chip = chip;
  options.cudaRuntimeArchive = RETNET_AOT_CUDA_RUNTIME;
  options.gpuRuntimeArchive = RETNET_GPU_RUNTIME_ARCHIVE;
  if (Error e =
          writeArtifact(context, m->config, m->weights, options, progress))
    return fail(toString(std::move(e)));
  return 0;
}

int init() {
  if (configFile.empty() || outDir.empty())
    return fail("init needs --config CONFIG.json and -o DIR");
  Expected<Config> config = Config::load(configFile);
  if (!config)
    return fail(toString(config.takeError()));
  if (std::error_code ec = sys::fs::create_directories(outDir))
    return fail("cannot create '" + outDir + "': " + ec.message());
  SmallString<256> configPath(outDir), ckptPath(outDir);
  sys::path::append(configPath, "config.json");
  sys::path::append(ckptPath, "model.safetensors");
  std::error_code ec;
  raw_fd_ostream os(configPath, ec, sys::fs::OF_Text);
  if (ec)
    return fail("cannot write '" + configPath + "': " + ec.message());
  os << config->toJson();
  os.close();
  if (Error e = writeSafetensors(ckptPath, initWeights(*config, seed)))
    return fail(toString(std::move(e)));
  progress("wrote " + configPath + " and " + ckptPath);
  return 0;
}
} // namespace

int main(int argc, char **argv) {
  InitLLVM y(argc, argv);
  retnet::retainFreedMemory();
  cl::HideUnrelatedOptions(driverCategory);
  cl::ParseCommandLineOptions(argc, argv,
                              "retnet-mlir model driver: compile and run "
                              "RetNet models\n");
  mlir::DialectRegistry registry;
  registerPipelineDialects(registry);
  rt::registerJitTranslations(registry);
  mlir::MLIRContext context(registry);
  if (threads < 0)
    return fail("--threads must be at least 0");
  if (threads > rt::JitModule::maxWorkerThreads())
    return fail(formatv("--threads {0} is more than this machine runs: at "
                        "most {1} ({2} per processor)",
                        int64_t(threads), rt::JitModule::maxWorkerThreads(),
                        rt::JitModule::kWorkerThreadsPerProcessor)
                    .str());
  if (threads > 0)
    rt::JitModule::setWorkerThreads(threads);
  if (runCmd)
    return runModel(context);
  if (generateCmd)
    return generate(context);
  if (emitCmd)
    return emit(context);
  if (initCmd)
    return init();
  if (buildCmd)
    return build(context);
  return fail("expected a subcommand: run, generate, emit, init or build (see "
              "--help)");
}
