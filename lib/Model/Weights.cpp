//===- Weights.cpp - RetNet weights in the compiled graph's layout --------===//

#include "retnet/Model/Weights.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <cstring>
#include <random>

using namespace llvm;
using namespace retnet;
using namespace retnet::model;

namespace {
float *f32(npy::Array &a) { return reinterpret_cast<float *>(a.data.get()); }

/// The tensor `name` as f32, checked against `shape`.
Expected<npy::Array> fetch(const Safetensors &ckpt, StringRef name,
                           ArrayRef<int64_t> shape) {
  const TensorView *t = ckpt.find(name);
  if (!t)
    return fileError(ckpt.path(), "missing tensor '" + name + "'");
  if (ArrayRef<int64_t>(t->shape) != shape)
    return fileError(ckpt.path(),
                     formatv("tensor '{0}' has shape {1}, expected {2}", name,
                             npy::shapeString(t->shape),
                             npy::shapeString(shape)));
  return t->toF32();
}

} // namespace

std::vector<const npy::Array *> Weights::arguments() const {
  return {&embed, &logDecay, &angle,     &embedNorm, &wq,      &wk,
          &wv,    &wg,       &wo,        &normRet,   &normFfn, &w1,
          &wgate, &w2,       &finalNorm, &wout};
}

std::vector<npy::Array *> Weights::products() {
  return {&wq, &wk, &wv, &wg, &wo, &w1, &wgate, &w2, &wout};
}

npy::DType retnet::model::dtypeOf(WeightType type) {
  switch (type) {
  case WeightType::F32:
    return npy::DType::F32;
  case WeightType::BF16:
    return npy::DType::U16;
  case WeightType::F16:
    return npy::DType::F16;
  }
  llvm_unreachable("unknown weight type");
}

Error Weights::convertProducts(WeightType type) {
  if (type == WeightType::F32)
    return Error::success();
  bool bf16 = type == WeightType::BF16;
  uint16_t (*convert)(float) = bf16 ? npy::floatToBF16 : npy::floatToF16;
  float (*widen)(uint16_t) = bf16 ? npy::bf16ToFloat : npy::f16ToFloat;
  // The checkpoint names of products(), per layer for the stacked ones.
  bool tied = wout.data == embed.data;
  const char *names[] = {"retention.q_proj.weight",
                         "retention.k_proj.weight",
                         "retention.v_proj.weight",
                         "retention.g_proj.weight",
                         "retention.out_proj.weight",
                         "ffn.fc1.weight",
                         "ffn.gate.weight",
                         "ffn.fc2.weight",
                         tied ? "embed_tokens.weight"
                              : "output_projection.weight"};
  for (auto [w, name] : llvm::zip_equal(products(), names)) {
    npy::Array narrow = npy::Array::allocate(dtypeOf(type), w->shape);
    const float *src = f32(*w);
    auto *dst = reinterpret_cast<uint16_t *>(narrow.data.get());
    int64_t n = w->numElements();
    for (int64_t i = 0; i < n; ++i) {
      dst[i] = convert(src[i]);
      // A finite weight the 16-bit type cannot hold would become infinite
      // and every logit NaN.
      if (std::isinf(widen(dst[i])) && std::isfinite(src[i])) {
        std::string tensor = name;
        if (w != &wout) // stacked [L, ...]
          tensor = formatv("layers.{0}.{1}", i / (n / w->shape[0]), name);
        return createStringError(
            inconvertibleErrorCode(),
            formatv("--weights-dtype {0}: tensor '{1}' holds {2:e}, beyond "
                    "the largest finite {0} ({3:e}); use a wider "
                    "--weights-dtype",
                    bf16 ? "bf16" : "f16", tensor, double(src[i]),
                    bf16 ? 0x1.fep127 : 65504.0));
      }
    }
    *w = std::move(narrow);
  }
  return Error::success();
}

npy::Array retnet::model::defaultLogDecay(const Config &c) {
  npy::Array a = npy::Array::allocate(npy::DType::F32, {c.heads});
  for (int64_t h = 0; h < c.heads; ++h)
    f32(a)[h] = float(std::log(1.0 - std::pow(2.0, -5.0 - double(h))));
  return a;
}

npy::Array retnet::model::defaultAngle(const Config &c) {
  int64_t half = c.keyHeadDim() / 2;
  npy::Array a = npy::Array::allocate(npy::DType::F32, {c.keyHeadDim()});
  for (int64_t i = 0; i < half; ++i) {
    double t = half == 1 ? 0.0 : double(i) / double(half - 1);
    float angle = float(1.0 / std::pow(10000.0, t));
    f32(a)[2 * i] = f32(a)[2 * i + 1] = angle;
  }
  return a;
}

Expected<Weights> Weights::load(const Config &c, const Safetensors &ckpt) {
  int64_t d = c.embedDim, vd = c.valueEmbedDim, f = c.ffnDim, V = c.vocabSize,
          L = c.layers;
  Weights w;
  auto get = [&](StringRef name, ArrayRef<int64_t> shape,
                 npy::Array &out) -> Error {
    Expected<npy::Array> a = fetch(ckpt, name, shape);
    if (!a)
      return a.takeError();
    out = std::move(*a);
    return Error::success();
  };
  if (Error e = get("embed_tokens.weight", {V, d}, w.embed))
    return std::move(e);
  if (Error e = get("layer_norm.weight", {d}, w.finalNorm))
    return std::move(e);
  if (c.layernormEmbedding) {
    if (Error e = get("layernorm_embedding.weight", {d}, w.embedNorm))
      return std::move(e);
  } else {
    w.embedNorm = npy::Array::allocate(npy::DType::F32, {d});
    std::fill_n(f32(w.embedNorm), d, 1.0f);
  }

  // Output projection [V, d]; tied models may omit it.
  if (ckpt.find("output_projection.weight") || !c.tiedEmbeddings) {
    if (Error e = get("output_projection.weight", {V, d}, w.wout))
      return std::move(e);
  } else {
    w.wout = w.embed;
  }

  // Optional buffers: used when present (the decay is a runtime operand).
  w.logDecay = defaultLogDecay(c);
  w.angle = defaultAngle(c);
  if (ckpt.find("retnet_rel_pos.decay"))
    if (Error e = get("retnet_rel_pos.decay", {c.heads}, w.logDecay))
      return std::move(e);
  if (ckpt.find("retnet_rel_pos.angle"))
    if (Error e = get("retnet_rel_pos.angle", {c.keyHeadDim()}, w.angle))
      return std::move(e);

  struct Stacked {
    const char *suffix;
    npy::Array *dst;
    int64_t out, in; // torch Linear [out, in]; in == 0 for a norm vector
  } stacked[] = {{"retention.q_proj.weight", &w.wq, d, d},
                 {"retention.k_proj.weight", &w.wk, d, d},
                 {"retention.v_proj.weight", &w.wv, vd, d},
                 {"retention.g_proj.weight", &w.wg, vd, d},
                 {"retention.out_proj.weight", &w.wo, d, vd},
                 {"retention_layer_norm.weight", &w.normRet, d, 0},
                 {"final_layer_norm.weight", &w.normFfn, d, 0},
                 {"ffn.fc1.weight", &w.w1, f, d},
                 {"ffn.gate.weight", &w.wgate, f, d},
                 {"ffn.fc2.weight", &w.w2, d, f}};
  for (Stacked &s : stacked) {
    SmallVector<int64_t> shape = {s.out};
    if (s.in)
      shape.push_back(s.in);
    SmallVector<int64_t> stackedShape = {L};
    stackedShape.append(shape);
    *s.dst = npy::Array::allocate(npy::DType::F32, stackedShape);
    int64_t per = s.in ? s.in * s.out : s.out;
    for (int64_t l = 0; l < L; ++l) {
      npy::Array t;
      if (Error e = get(formatv("layers.{0}.{1}", l, s.suffix).str(), shape, t))
        return std::move(e);
      std::memcpy(f32(*s.dst) + l * per, f32(t), per * sizeof(float));
    }
  }
  return w;
}

std::vector<std::pair<std::string, npy::Array>>
retnet::model::initWeights(const Config &c, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](double bound) {
    return float((double(rng() >> 11) * 0x1.0p-53 * 2.0 - 1.0) * bound);
  };
  auto normal = [&](double std) {
    double u1 = (double(rng() >> 11) + 1.0) * 0x1.0p-53;
    double u2 = double(rng() >> 11) * 0x1.0p-53;
    return float(std * std::sqrt(-2.0 * std::log(u1)) *
                 std::cos(2.0 * M_PI * u2));
  };
  auto matrix = [&](int64_t rows, int64_t cols, auto &&sample) {
    npy::Array a = npy::Array::allocate(npy::DType::F32, {rows, cols});
    for (int64_t i = 0; i < rows * cols; ++i)
      f32(a)[i] = sample();
    return a;
  };
  // xavier_uniform(gain): U(+-gain * sqrt(6 / (fan_in + fan_out))).
  auto xavier = [&](int64_t out, int64_t in, double gain) {
    double bound = gain * std::sqrt(6.0 / double(in + out));
    return matrix(out, in, [&] { return uniform(bound); });
  };
  // torch.nn.Linear's default: U(+-1 / sqrt(fan_in)).
  auto linear = [&](int64_t out, int64_t in) {
    double bound = 1.0 / std::sqrt(double(in));
    return matrix(out, in, [&] { return uniform(bound); });
  };
  auto ones = [&](int64_t n) {
    npy::Array a = npy::Array::allocate(npy::DType::F32, {n});
    std::fill_n(f32(a), n, 1.0f);
    return a;
  };
  int64_t d = c.embedDim, vd = c.valueEmbedDim, f = c.ffnDim;
  const double kQkvGain = std::pow(2.0, -2.5);
  double embedStd = 1.0 / std::sqrt(double(d));
  std::vector<std::pair<std::string, npy::Array>> t;
  t.emplace_back("embed_tokens.weight",
                 matrix(c.vocabSize, d, [&] { return normal(embedStd); }));
  if (c.layernormEmbedding)
    t.emplace_back("layernorm_embedding.weight", ones(d));
  for (int64_t l = 0; l < c.layers; ++l) {
    std::string p = formatv("layers.{0}.", l);
    t.emplace_back(p + "retention.q_proj.weight", xavier(d, d, kQkvGain));
    t.emplace_back(p + "retention.k_proj.weight", xavier(d, d, kQkvGain));
    t.emplace_back(p + "retention.v_proj.weight", xavier(vd, d, kQkvGain));
    t.emplace_back(p + "retention.g_proj.weight", xavier(vd, d, kQkvGain));
    t.emplace_back(p + "retention.out_proj.weight", xavier(d, vd, 0.5));
    t.emplace_back(p + "retention_layer_norm.weight", ones(d));
    t.emplace_back(p + "ffn.fc1.weight", linear(f, d));
    t.emplace_back(p + "ffn.gate.weight", linear(f, d));
    t.emplace_back(p + "ffn.fc2.weight", linear(d, f));
    t.emplace_back(p + "final_layer_norm.weight", ones(d));
  }
  t.emplace_back("layer_norm.weight", ones(d));
  if (!c.tiedEmbeddings)
    t.emplace_back("output_projection.weight",
                   matrix(c.vocabSize, d, [&] { return normal(embedStd); }));
  t.emplace_back("retnet_rel_pos.decay", defaultLogDecay(c));
  t.emplace_back("retnet_rel_pos.angle", defaultAngle(c));
  return t;
}
