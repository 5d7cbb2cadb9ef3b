//===- Config.cpp - RetNet model configuration ----------------------------===//

#include "retnet/Model/Config.h"
#include "retnet/Model/Safetensors.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace llvm;
using namespace retnet::model;

namespace {
/// Reads `key` as a positive integer; required keys must be present.
Error readInt(const json::Object &obj, StringRef origin, StringRef key,
              int64_t &out, bool required) {
  const json::Value *v = obj.get(key);
  if (!v) {
    if (required)
      return fileError(origin, "missing required key '" + key + "'");
    return Error::success();
  }
  std::optional<int64_t> i = v->getAsInteger();
  if (!i || *i <= 0)
    return fileError(origin, "'" + key + "' must be a positive integer");
  // Far above any published RetNet; keeps every tensor size in range.
  constexpr int64_t kMax = int64_t(1) << 20;
  if (*i > kMax)
    return fileError(origin, "'" + key + "' = " + Twine(*i) +
                                 " exceeds the supported maximum " +
                                 Twine(kMax));
  out = *i;
  return Error::success();
}

Error readBool(const json::Object &obj, StringRef origin, StringRef key,
               bool &out) {
  const json::Value *v = obj.get(key);
  if (!v || v->kind() == json::Value::Null)
    return Error::success();
  std::optional<bool> b = v->getAsBoolean();
  if (!b)
    return fileError(origin, "'" + key + "' must be true or false");
  out = *b;
  return Error::success();
}
} // namespace

Expected<Config> Config::parse(StringRef text, StringRef origin) {
  Expected<json::Value> parsed = json::parse(text);
  if (!parsed)
    return fileError(origin, "invalid JSON: " + toString(parsed.takeError()));
  const json::Object *obj = parsed->getAsObject();
  if (!obj)
    return fileError(origin, "expected a JSON object");

  Config c;
  struct IntKey {
    const char *key;
    int64_t *field;
    bool required;
  } ints[] = {{"decoder_embed_dim", &c.embedDim, true},
              {"decoder_value_embed_dim", &c.valueEmbedDim, true},
              {"decoder_retention_heads", &c.heads, true},
              {"decoder_ffn_embed_dim", &c.ffnDim, true},
              {"decoder_layers", &c.layers, true},
              {"vocab_size", &c.vocabSize, true},
              {"recurrent_chunk_size", &c.chunkSize, false}};
  for (IntKey &k : ints)
    if (Error e = readInt(*obj, origin, k.key, *k.field, k.required))
      return std::move(e);

  struct BoolKey {
    const char *key;
    bool *field;
  } bools[] = {{"no_scale_embedding", &c.noScaleEmbedding},
               {"layernorm_embedding", &c.layernormEmbedding},
               {"deepnorm", &c.deepnorm},
               {"share_decoder_input_output_embed", &c.tiedEmbeddings}};
  for (BoolKey &k : bools)
    if (Error e = readBool(*obj, origin, k.key, *k.field))
      return std::move(e);

  if (const json::Value *v = obj->get("layernorm_eps")) {
    std::optional<double> eps = v->getAsNumber();
    if (!eps || !(*eps > 0))
      return fileError(origin, "'layernorm_eps' must be a positive number");
    c.layernormEps = *eps;
  }
  if (const json::Value *v = obj->get("activation_fn")) {
    std::optional<StringRef> act = v->getAsString();
    if (act == StringRef("gelu"))
      c.activation = Activation::Gelu;
    else if (act == StringRef("swish"))
      c.activation = Activation::Swish;
    else
      return fileError(origin,
                       "unsupported 'activation_fn' (expected \"gelu\" or "
                       "\"swish\")");
  }

  // Keys whose non-default values change the math in ways not compiled here.
  bool normalizeBefore = true;
  if (Error e =
          readBool(*obj, origin, "decoder_normalize_before", normalizeBefore))
    return std::move(e);
  if (!normalizeBefore)
    return fileError(origin,
                     "'decoder_normalize_before' = false (post-norm) is not "
                     "supported");
  bool multiway = false;
  if (Error e = readBool(*obj, origin, "multiway", multiway))
    return std::move(e);
  if (multiway)
    return fileError(origin, "'multiway' = true is not supported");
  if (const json::Value *v = obj->get("moe_freq")) {
    std::optional<int64_t> f = v->getAsInteger();
    if (!f || *f != 0)
      return fileError(origin, "'moe_freq' > 0 (mixture of experts) is not "
                               "supported");
  }

  if (c.embedDim % c.heads != 0)
    return fileError(origin,
                     formatv("decoder_retention_heads ({0}) does not divide "
                             "decoder_embed_dim ({1})",
                             c.heads, c.embedDim));
  if (c.valueEmbedDim % c.heads != 0)
    return fileError(origin,
                     formatv("decoder_retention_heads ({0}) does not divide "
                             "decoder_value_embed_dim ({1})",
                             c.heads, c.valueEmbedDim));
  double params = double(c.vocabSize) * double(c.embedDim) * 2 +
                  double(c.layers) * (2.0 * c.embedDim * c.embedDim +
                                      3.0 * c.embedDim * c.valueEmbedDim +
                                      3.0 * c.embedDim * c.ffnDim);
  if (params > double(int64_t(1) << 32))
    return fileError(origin, formatv("the model has about {0:e2} parameters, "
                                     "more than this driver supports (2^32)",
                                     params));
  if (c.keyHeadDim() % 2 != 0)
    return fileError(origin,
                     formatv("the key head dim ({0}) must be even for the "
                             "rotary theta shift",
                             c.keyHeadDim()));
  return c;
}

Expected<Config> Config::load(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> file = MemoryBuffer::getFile(path);
  if (std::error_code ec = file.getError())
    return fileError(path, "cannot open: " + ec.message());
  return parse((*file)->getBuffer(), path);
}

std::string Config::toJson() const {
  json::Object obj{
      {"decoder_embed_dim", embedDim},
      {"decoder_value_embed_dim", valueEmbedDim},
      {"decoder_retention_heads", heads},
      {"decoder_ffn_embed_dim", ffnDim},
      {"decoder_layers", layers},
      {"decoder_normalize_before", true},
      {"activation_fn", activation == Activation::Gelu ? "gelu" : "swish"},
      {"layernorm_eps", layernormEps},
      {"vocab_size", vocabSize},
      {"no_scale_embedding", noScaleEmbedding},
      {"layernorm_embedding", layernormEmbedding},
      {"deepnorm", deepnorm},
      {"share_decoder_input_output_embed", tiedEmbeddings},
      {"recurrent_chunk_size", chunkSize},
  };
  std::string s;
  raw_string_ostream os(s);
  os << formatv("{0:2}", json::Value(std::move(obj))) << "\n";
  return s;
}
