//===- ModelBuilder.cpp - the RetNet decoder as MLIR ----------------------===//
//
// Emits the decoder in MLIR's generic textual form of linalg, tensor, scf
// and retention ops; retnet-compile parses it into a module, so the same
// text is what `emit --stage retention` prints.
//
// Matrix products x[M, K] W[K, N] read W packed in column panels
// [N / P, K, P] (see Weights.h) and are emitted pre-tiled: an scf.forall over
// (row tile, panel group) tasks, each a linalg.generic that
// retnet-vectorize-contractions turns into register-blocked kernels reading
// each panel contiguously.
//
//===----------------------------------------------------------------------===//

#include "retnet/Model/ModelBuilder.h"
#include "retnet/Model/Weights.h"
#include "retnet/Support/Extents.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace llvm;
using namespace retnet;
using namespace retnet::model;

namespace {
std::string tensorType(ArrayRef<int64_t> shape, StringRef elem = "f32") {
  std::string s = "tensor<";
  for (int64_t d : shape)
    s += std::to_string(d) + "x";
  return s + elem.str() + ">";
}

/// An affine map over `n` dims d0..d(n-1) with the given result exprs.
std::string map(unsigned n, StringRef results) {
  SmallVector<std::string> dims;
  for (unsigned i = 0; i < n; ++i)
    dims.push_back("d" + std::to_string(i));
  return formatv("affine_map<({0}) -> ({1})>", join(dims, ", "), results);
}

std::string floatLit(double x) { return formatv("{0:e9}", x); }

/// Largest divisor of n that is at most `cap`.
int64_t tileFor(int64_t n, int64_t cap) {
  for (int64_t t = std::min(n, cap); t > 1; --t)
    if (n % t == 0)
      return t;
  return 1;
}

struct Operand {
  std::string value, type, map;
};

class Emitter {
public:
  Emitter(const Config &c, const ForwardShape &s) : c(c), s(s) {
    M = s.batch * s.seq;
  }
  std::string build();

private:
  std::string fresh(StringRef hint) {
    return formatv("%{0}{1}", hint, counter++);
  }
  void line(const Twine &t) { os << "    " << t << "\n"; }

  std::string empty(ArrayRef<int64_t> shape) {
    std::string v = fresh("empty");
    line(v + " = tensor.empty() : " + tensorType(shape));
    return v;
  }
  std::string zeros(ArrayRef<int64_t> shape) {
    std::string e = empty(shape), v = fresh("zero");
    line(formatv("{0} = linalg.fill ins(%cst0 : f32) outs({1} : {2}) -> {2}", v,
                 e, tensorType(shape)));
    return v;
  }

  /// A linalg.generic; `body` maps the block arguments' names (a0, a1, ...;
  /// the init last) to the yielded value, using `emit` lines.
  std::string generic(ArrayRef<Operand> ins, const Operand &init,
                      ArrayRef<StringRef> iters,
                      function_ref<std::string(ArrayRef<std::string>)> body,
                      StringRef name = "", StringRef attrs = "") {
    std::string v = name.empty() ? fresh("g") : name.str();
    SmallVector<std::string> maps, insV, insT, iterS, args;
    for (const Operand &o : ins) {
      maps.push_back(o.map);
      insV.push_back(o.value);
      insT.push_back(o.type);
    }
    maps.push_back(init.map);
    for (StringRef it : iters)
      iterS.push_back(("\"" + it + "\"").str());
    os << "    " << v << " = linalg.generic {indexing_maps = ["
       << join(maps, ", ") << "], iterator_types = [" << join(iterS, ", ")
       << "]}";
    if (!ins.empty())
      os << " ins(" << join(insV, ", ") << " : " << join(insT, ", ") << ")";
    os << " outs(" << init.value << " : " << init.type << ")";
    if (!attrs.empty())
      os << " attrs = {" << attrs << "}";
    os << " {\n    ^bb0(";
    SmallVector<std::string> blockArgs;
    for (size_t i = 0; i <= ins.size(); ++i) {
      std::string elem =
          i < ins.size() ? elemOf(ins[i].type) : elemOf(init.type);
      args.push_back(formatv("%a{0}_{1}", counter, i));
      blockArgs.push_back(args.back() + ": " + elem);
    }
    os << join(blockArgs, ", ") << "):\n";
    std::string yielded = body(args);
    line("  linalg.yield " + yielded + " : " + elemOf(init.type));
    line("} -> " + init.type);
    return v;
  }
  static std::string elemOf(StringRef type) {
    size_t x = type.rfind('x');
    return type.substr(x + 1, type.size() - x - 2).str();
  }
  /// An f32 constant inside a generic body.
  std::string fconst(double x) {
    return op("k", "arith.constant " + floatLit(x) + " : f32");
  }
  /// One SSA line inside a generic body.
  std::string op(StringRef hint, const Twine &rhs) {
    std::string v = fresh(hint);
    line("  " + v + " = " + rhs);
    return v;
  }

  /// x[M, K] times a weight with K inputs and N outputs, packed in panels.
  std::string matmul(const std::string &x, int64_t K, const std::string &w,
                     int64_t N);
  /// The packed shape [N / P, K, P] of a K x N weight, and its stacked type.
  static SmallVector<int64_t> packed(int64_t K, int64_t N) {
    return {N / panelWidth(N), K, panelWidth(N)};
  }
  std::string stacked(int64_t K, int64_t N) const {
    SmallVector<int64_t> shape = {c.layers};
    shape.append(packed(K, N));
    return tensorType(shape);
  }
  std::string rmsNorm(const std::string &x, int64_t n, const std::string &w,
                      const std::string &wMap);
  std::string sliceLayer(const std::string &stacked,
                         ArrayRef<int64_t> perLayer);
  std::string layer(const std::string &x, std::string &state);

  const Config &c;
  const ForwardShape &s;
  int64_t M;
  unsigned counter = 0;
  std::string text;
  raw_string_ostream os{text};
};

std::string Emitter::matmul(const std::string &x, int64_t K,
                            const std::string &w, int64_t N) {
  // w holds the weight in column panels [N / P, K, P]; the product is
  // computed as [M, N / P, P] and reshaped. Tasks: row tiles of up to 8 x
  // groups of panels, about 16 or more of them for the worker threads.
  int64_t P = panelWidth(N), G = N / P, mt = tileFor(M, 8);
  int64_t groups = std::max<int64_t>(1, (16 + M / mt - 1) / (M / mt));
  int64_t gt = tileFor(G, (G + groups - 1) / groups);
  std::string resT = tensorType({M, G, P}), wT = tensorType({G, K, P});
  std::string init = empty({M, G, P}), v = fresh("mm"), i = fresh("i"),
              j = fresh("j"), out = fresh("out");
  line(formatv("{0} = scf.forall ({1}, {2}) = (0, 0) to ({3}, {4}) step ({5}, "
               "{6}) shared_outs({7} = {8}) -> ({9}) {{",
               v, i, j, M, G, mt, gt, out, init, resT));
  std::string xs = fresh("xs"), ws = fresh("ws");
  line(formatv("  {0} = tensor.extract_slice {1}[{2}, 0] [{3}, {4}] [1, 1] : "
               "{5} to {6}",
               xs, x, i, mt, K, tensorType({M, K}), tensorType({mt, K})));
  line(formatv("  {0} = tensor.extract_slice {1}[{2}, 0, 0] [{3}, {4}, {5}] "
               "[1, 1, 1] : {6} to {7}",
               ws, w, j, gt, K, P, wT, tensorType({gt, K, P})));
  std::string z = zeros({mt, gt, P});
  std::string t = generic(
      {{xs, tensorType({mt, K}), map(4, "d0, d2")},
       {ws, tensorType({gt, K, P}), map(4, "d1, d2, d3")}},
      {z, tensorType({mt, gt, P}), map(4, "d0, d1, d3")},
      {"parallel", "parallel", "reduction", "parallel"},
      [&](ArrayRef<std::string> a) {
        std::string p = op("p", "arith.mulf " + a[0] + ", " + a[1] +
                                    " fastmath<contract> : f32");
        return op("s", "arith.addf " + a[2] + ", " + p +
                           " fastmath<contract> : f32");
      },
      "", "retnet.vectorize");
  line("  scf.forall.in_parallel {");
  line(formatv("    tensor.parallel_insert_slice {0} into {1}[{2}, {3}, 0] "
               "[{4}, {5}, {6}] [1, 1, 1] : {7} into {8}",
               t, out, i, j, mt, gt, P, tensorType({mt, gt, P}), resT));
  line("  }");
  line("}");
  std::string r = fresh("prod");
  line(formatv("{0} = tensor.collapse_shape {1} [[0], [1, 2]] : {2} into {3}",
               r, v, resT, tensorType({M, N})));
  return r;
}

std::string Emitter::rmsNorm(const std::string &x, int64_t n,
                             const std::string &w, const std::string &wMap) {
  std::string sumsq =
      generic({{x, tensorType({M, n}), map(2, "d0, d1")}},
              {zeros({M}), tensorType({M}), map(2, "d0")},
              {"parallel", "reduction"}, [&](ArrayRef<std::string> a) {
                std::string sq =
                    op("sq", "arith.mulf " + a[0] + ", " + a[0] + " : f32");
                return op("acc", "arith.addf " + a[1] + ", " + sq + " : f32");
              });
  return generic(
      {{x, tensorType({M, n}), map(2, "d0, d1")},
       {sumsq, tensorType({M}), map(2, "d0")},
       {w, tensorType({n}), wMap}},
      {empty({M, n}), tensorType({M, n}), map(2, "d0, d1")},
      {"parallel", "parallel"}, [&](ArrayRef<std::string> a) {
        std::string mean = op("mean", "arith.mulf " + a[1] + ", " +
                                          fconst(1.0 / double(n)) + " : f32");
        std::string ms = op("ms", "arith.addf " + mean + ", %eps : f32");
        std::string rs = op("rs", "math.rsqrt " + ms + " : f32");
        std::string y = op("y", "arith.mulf " + a[0] + ", " + rs + " : f32");
        return op("yw", "arith.mulf " + y + ", " + a[2] + " : f32");
      });
}

std::string Emitter::sliceLayer(const std::string &stacked,
                                ArrayRef<int64_t> perLayer) {
  SmallVector<int64_t> full = {c.layers};
  full.append(perLayer.begin(), perLayer.end());
  SmallVector<std::string> offs = {"%l"}, sizes = {"1"}, strides = {"1"};
  for (int64_t d : perLayer) {
    offs.push_back("0");
    sizes.push_back(std::to_string(d));
    strides.push_back("1");
  }
  std::string v = fresh("w");
  line(formatv("{0} = tensor.extract_slice {1}[{2}] [{3}] [{4}] : {5} to {6}",
               v, stacked, join(offs, ", "), join(sizes, ", "),
               join(strides, ", "), tensorType(full), tensorType(perLayer)));
  return v;
}

std::string Emitter::layer(const std::string &x, std::string &state) {
  int64_t d = c.embedDim, vd = c.valueEmbedDim, f = c.ffnDim, H = c.heads,
          dk = c.keyHeadDim(), dv = c.valueHeadDim(), B = s.batch, T = s.seq;
  std::string vecMap = map(2, "d1");
  std::string wq = sliceLayer("%wq", packed(d, d)),
              wk = sliceLayer("%wk", packed(d, d)),
              wv = sliceLayer("%wv", packed(d, vd)),
              wg = sliceLayer("%wg", packed(d, vd)),
              wo = sliceLayer("%wo", packed(vd, d)),
              w1 = sliceLayer("%w1", packed(d, f)),
              wgate = sliceLayer("%wgate", packed(d, f)),
              w2 = sliceLayer("%w2", packed(f, d)),
              ln1 = sliceLayer("%norm_ret", {d}),
              ln2 = sliceLayer("%norm_ffn", {d});

  // Multi-scale retention on RMSNorm(x).
  std::string h = rmsNorm(x, d, ln1, vecMap);
  std::string q = matmul(h, d, wq, d), k = matmul(h, d, wk, d),
              v = matmul(h, d, wv, vd), g = matmul(h, d, wg, vd);

  // Heads split and theta shift: [M, d] -> [B, H, T, dk], rotating pairs.
  auto rotary = [&](const std::string &t) {
    SmallVector<int64_t> split = {B, T, H, dk / 2, 2};
    std::string e = fresh("split");
    line(formatv("{0} = tensor.expand_shape {1} [[0, 1], [2, 3, 4]] "
                 "output_shape [{2}, {3}, {4}, {5}, 2] : {6} into {7}",
                 e, t, B, T, H, dk / 2, tensorType({M, d}), tensorType(split)));
    SmallVector<int64_t> heads = {B, H, T, dk / 2, 2};
    std::string r =
        generic({{e, tensorType(split), map(5, "d0, d2, d1, d3, 0")},
                 {e, tensorType(split), map(5, "d0, d2, d1, d3, 1")},
                 {"%rot_cos", tensorType({T, dk / 2}), map(5, "d2, d3")},
                 {"%rot_sin", tensorType({T, dk / 2}), map(5, "d2, d3")}},
                {empty(heads), tensorType(heads), map(5, "d0, d1, d2, d3, d4")},
                {"parallel", "parallel", "parallel", "parallel", "parallel"},
                [&](ArrayRef<std::string> a) {
                  std::string pIdx = op("pi", "linalg.index 4 : index");
                  std::string first =
                      op("first", "arith.cmpi eq, " + pIdx + ", %c0 : index");
                  std::string x0c =
                      op("x0c", "arith.mulf " + a[0] + ", " + a[2] + " : f32");
                  std::string x1s =
                      op("x1s", "arith.mulf " + a[1] + ", " + a[3] + " : f32");
                  std::string x1c =
                      op("x1c", "arith.mulf " + a[1] + ", " + a[2] + " : f32");
                  std::string x0s =
                      op("x0s", "arith.mulf " + a[0] + ", " + a[3] + " : f32");
                  std::string r0 =
                      op("r0", "arith.subf " + x0c + ", " + x1s + " : f32");
                  std::string r1 =
                      op("r1", "arith.addf " + x1c + ", " + x0s + " : f32");
                  return op("rot", "arith.select " + first + ", " + r0 + ", " +
                                       r1 + " : f32");
                });
    std::string m = fresh("heads");
    line(formatv("{0} = tensor.collapse_shape {1} [[0], [1], [2], [3, 4]] : "
                 "{2} into {3}",
                 m, r, tensorType(heads), tensorType({B, H, T, dk})));
    return m;
  };
  std::string qh = rotary(q), kh = rotary(k);
  std::string vs = fresh("vsplit");
  line(formatv("{0} = tensor.expand_shape {1} [[0, 1], [2, 3]] output_shape "
               "[{2}, {3}, {4}, {5}] : {6} into {7}",
               vs, v, B, T, H, dv, tensorType({M, vd}),
               tensorType({B, T, H, dv})));
  std::string vh =
      generic({{vs, tensorType({B, T, H, dv}), map(4, "d0, d2, d1, d3")}},
              {empty({B, H, T, dv}), tensorType({B, H, T, dv}),
               map(4, "d0, d1, d2, d3")},
              {"parallel", "parallel", "parallel", "parallel"},
              [&](ArrayRef<std::string> a) { return a[0]; });

  // Retention; k * dk^-0.5 is the op's score scale.
  std::string qT = tensorType({B, H, T, dk}), vT = tensorType({B, H, T, dv}),
              sT = tensorType({B, H, dk, dv}), ldT = tensorType({H}),
              lsT = tensorType({c.layers, B, H, dk, dv});
  std::string scale =
      formatv("{{scale = {0} : f32}", floatLit(1.0 / std::sqrt(double(dk))));
  std::string r = fresh("ret");
  std::string types = qT + ", " + qT + ", " + vT + ", " + ldT;
  std::string stateOffsets = "[%l, 0, 0, 0, 0] [1, " + std::to_string(B) +
                             ", " + std::to_string(H) + ", " +
                             std::to_string(dk) + ", " + std::to_string(dv) +
                             "] [1, 1, 1, 1, 1]";
  if (s.form == Form::Parallel) {
    line(formatv("{0} = retention.parallel {1}, {2}, {3} decay(%ld) {4} : {5} "
                 "-> {6}",
                 r, qh, kh, vh, scale, types, vT));
  } else {
    std::string s0 = fresh("s");
    line(formatv("{0} = tensor.extract_slice {1}{2} : {3} to {4}", s0, state,
                 stateOffsets, lsT, sT));
    std::string sn = fresh("snext");
    if (s.form == Form::Chunkwise)
      line(formatv("{0}, {1} = retention.chunkwise {2}, {3}, {4} decay(%ld) "
                   "init({5}) at(%pos) chunk({6}) {7} : {8}, {9} -> {10}, {9}",
                   r, sn, qh, kh, vh, s0, std::min(s.chunk, T), scale, types,
                   sT, vT));
    else
      line(formatv("{0}, {1} = retention.recurrent {2}, {3}, {4} decay(%ld) "
                   "state({5}) at(%pos) {6} : {7}, {8} -> {9}",
                   r, sn, qh, kh, vh, s0, scale, types, sT, vT));
    std::string st = fresh("states");
    line(formatv("{0} = tensor.insert_slice {1} into {2}{3} : {4} into {5}", st,
                 sn, state, stateOffsets, sT, lsT));
    state = st;
  }

  // Per-head RMSNorm over dv (no affine), back to [M, vd].
  std::string ss =
      generic({{r, vT, map(4, "d0, d1, d2, d3")}},
              {zeros({B, H, T}), tensorType({B, H, T}), map(4, "d0, d1, d2")},
              {"parallel", "parallel", "parallel", "reduction"},
              [&](ArrayRef<std::string> a) {
                std::string sq =
                    op("sq", "arith.mulf " + a[0] + ", " + a[0] + " : f32");
                return op("acc", "arith.addf " + a[1] + ", " + sq + " : f32");
              });
  std::string yh = generic(
      {{r, vT, map(4, "d0, d2, d1, d3")},
       {ss, tensorType({B, H, T}), map(4, "d0, d2, d1")}},
      {empty({B, T, H, dv}), tensorType({B, T, H, dv}),
       map(4, "d0, d1, d2, d3")},
      {"parallel", "parallel", "parallel", "parallel"},
      [&](ArrayRef<std::string> a) {
        std::string mean = op("mean", "arith.mulf " + a[1] + ", " +
                                          fconst(1.0 / double(dv)) + " : f32");
        std::string ms = op("ms", "arith.addf " + mean + ", %eps : f32");
        std::string rs = op("rs", "math.rsqrt " + ms + " : f32");
        return op("y", "arith.mulf " + a[0] + ", " + rs + " : f32");
      });
  std::string y = fresh("merged");
  line(formatv("{0} = tensor.collapse_shape {1} [[0, 1], [2, 3]] : {2} into "
               "{3}",
               y, yh, tensorType({B, T, H, dv}), tensorType({M, vd})));

  // swish(g) * y, output projection, residual.
  auto swish = [&](const std::string &a) {
    std::string neg = op("neg", "arith.negf " + a + " : f32");
    std::string e = op("e", "math.exp " + neg + " : f32");
    std::string den = op("den", "arith.addf " + e + ", %cst1 : f32");
    return op("silu", "arith.divf " + a + ", " + den + " : f32");
  };
  std::string id2 = map(2, "d0, d1");
  std::string gated = generic(
      {{g, tensorType({M, vd}), id2}, {y, tensorType({M, vd}), id2}},
      {empty({M, vd}), tensorType({M, vd}), id2}, {"parallel", "parallel"},
      [&](ArrayRef<std::string> a) {
        return op("gy", "arith.mulf " + swish(a[0]) + ", " + a[1] + " : f32");
      });
  std::string o = matmul(gated, vd, wo, d);
  auto residual = [&](const std::string &res, const std::string &add) {
    return generic(
        {{res, tensorType({M, d}), id2}, {add, tensorType({M, d}), id2}},
        {empty({M, d}), tensorType({M, d}), id2}, {"parallel", "parallel"},
        [&](ArrayRef<std::string> a) {
          std::string scaled =
              op("ax", "arith.mulf " + a[0] + ", %alpha : f32");
          return op("res", "arith.addf " + scaled + ", " + a[1] + " : f32");
        });
  };
  std::string x1 = residual(x, o);

  // GLU feed-forward on RMSNorm(x1).
  std::string h2 = rmsNorm(x1, d, ln2, vecMap);
  std::string a1 = matmul(h2, d, w1, f), b1 = matmul(h2, d, wgate, f);
  std::string act = generic(
      {{a1, tensorType({M, f}), id2}, {b1, tensorType({M, f}), id2}},
      {empty({M, f}), tensorType({M, f}), id2}, {"parallel", "parallel"},
      [&](ArrayRef<std::string> a) {
        std::string activated;
        if (c.activation == Activation::Swish) {
          activated = swish(a[0]);
        } else {
          // Exact GELU: x/2 * (1 + erf(x / sqrt(2))).
          std::string xs = op("xs", "arith.mulf " + a[0] + ", " +
                                        fconst(M_SQRT1_2) + " : f32");
          std::string erf = op("erf", "math.erf " + xs + " : f32");
          std::string one = op("onep", "arith.addf " + erf + ", %cst1 : f32");
          std::string half =
              op("half", "arith.mulf " + a[0] + ", " + fconst(0.5) + " : f32");
          activated = op("gelu", "arith.mulf " + half + ", " + one + " : f32");
        }
        return op("ab", "arith.mulf " + activated + ", " + a[1] + " : f32");
      });
  std::string fo = matmul(act, f, w2, d);
  return residual(x1, fo);
}

std::string Emitter::build() {
  int64_t d = c.embedDim, vd = c.valueEmbedDim, f = c.ffnDim, H = c.heads,
          dk = c.keyHeadDim(), dv = c.valueHeadDim(), B = s.batch, T = s.seq,
          L = c.layers, V = c.vocabSize;
  bool stateful = s.form != Form::Parallel;
  std::string lsT = tensorType({L, B, H, dk, dv});
  SmallVector<std::string> args = {"%tokens: " + tensorType({B, T}, "i64"),
                                   "%embed: " + tensorType({V, d}),
                                   "%ld: " + tensorType({H}),
                                   "%angle: " + tensorType({dk}),
                                   "%embed_norm: " + tensorType({d}),
                                   "%wq: " + stacked(d, d),
                                   "%wk: " + stacked(d, d),
                                   "%wv: " + stacked(d, vd),
                                   "%wg: " + stacked(d, vd),
                                   "%wo: " + stacked(vd, d),
                                   "%norm_ret: " + tensorType({L, d}),
                                   "%norm_ffn: " + tensorType({L, d}),
                                   "%w1: " + stacked(d, f),
                                   "%wgate: " + stacked(d, f),
                                   "%w2: " + stacked(f, d),
                                   "%final_norm: " + tensorType({d}),
                                   "%wout: " + tensorType(packed(d, V))};
  std::string results = tensorType({B, T, V});
  if (stateful) {
    args.push_back("%state: " + lsT);
    args.push_back("%pos: index");
    results += ", " + lsT;
  }
  os << "func.func @forward(" << join(args, ", ") << ") -> (" << results
     << ") {\n";
  line("%cst0 = arith.constant 0.0 : f32");
  line("%cst1 = arith.constant 1.0 : f32");
  line("%eps = arith.constant " + floatLit(c.layernormEps) + " : f32");
  double alpha = c.deepnorm ? std::pow(2.0 * double(L), 0.25) : 1.0;
  line("%alpha = arith.constant " + floatLit(alpha) + " : f32");
  line("%c0 = arith.constant 0 : index");
  line("%c1 = arith.constant 1 : index");
  line(formatv("%cL = arith.constant {0} : index", L));
  if (!stateful)
    line("%pos = arith.constant 0 : index");

  // Embedding (token ids were range-checked by the driver).
  line(formatv("%tok = tensor.collapse_shape %tokens [[0, 1]] : {0} into {1}",
               tensorType({B, T}, "i64"), tensorType({M}, "i64")));
  double embedScale = c.noScaleEmbedding ? 1.0 : std::sqrt(double(d));
  std::string x =
      generic({{"%tok", tensorType({M}, "i64"), map(2, "d0")}},
              {empty({M, d}), tensorType({M, d}), map(2, "d0, d1")},
              {"parallel", "parallel"}, [&](ArrayRef<std::string> a) {
                std::string id =
                    op("id", "arith.index_cast " + a[0] + " : i64 to index");
                std::string j = op("j", "linalg.index 1 : index");
                std::string e = op("e", "tensor.extract %embed[" + id + ", " +
                                            j + "] : " + tensorType({V, d}));
                return op("es", "arith.mulf " + e + ", " + fconst(embedScale) +
                                    " : f32");
              });
  if (c.layernormEmbedding)
    x = rmsNorm(x, d, "%embed_norm", map(2, "d1"));

  // Rotary tables at absolute positions pos + n, computed in f64.
  for (const char *fn : {"cos", "sin"}) {
    generic(
        {{"%angle", tensorType({dk}), map(2, "d1 * 2")}},
        {empty({T, dk / 2}), tensorType({T, dk / 2}), map(2, "d0, d1")},
        {"parallel", "parallel"},
        [&](ArrayRef<std::string> a) {
          std::string n = op("n", "linalg.index 0 : index");
          std::string p = op("p", "arith.addi %pos, " + n + " : index");
          std::string p64 =
              op("p64", "arith.index_cast " + p + " : index to i64");
          std::string pf = op("pf", "arith.sitofp " + p64 + " : i64 to f64");
          std::string af = op("af", "arith.extf " + a[0] + " : f32 to f64");
          std::string th = op("th", "arith.mulf " + pf + ", " + af + " : f64");
          std::string tr = op("tr", formatv("math.{0} {1} : f64", fn, th));
          return op("t32", "arith.truncf " + tr + " : f64 to f32");
        },
        formatv("%rot_{0}", fn).str());
  }

  // The layers: one loop body shared by all of them.
  std::string iterArgs = "%x = " + x, iterTypes = tensorType({M, d});
  if (stateful) {
    iterArgs += ", %st = %state";
    iterTypes += ", " + lsT;
  }
  line(formatv("%layers:{0} = scf.for %l = %c0 to %cL step %c1 "
               "iter_args({1}) -> ({2}) {{",
               stateful ? 2 : 1, iterArgs, iterTypes));
  std::string state = "%st";
  std::string next = layer("%x", state);
  line(formatv("scf.yield {0}{1} : {2}", next, stateful ? ", " + state : "",
               iterTypes));
  line("}");

  std::string xf = rmsNorm("%layers#0", d, "%final_norm", map(2, "d1"));
  std::string logits = matmul(xf, d, "%wout", V);
  line(formatv("%logits = tensor.expand_shape {0} [[0, 1], [2]] output_shape "
               "[{1}, {2}, {3}] : {4} into {5}",
               logits, B, T, V, tensorType({M, V}), tensorType({B, T, V})));
  line(formatv("return %logits{0} : {1}", stateful ? ", %layers#1" : "",
               results));
  os << "}\n";
  return text;
}
} // namespace

llvm::Error retnet::model::checkForwardShape(const Config &c,
                                             const ForwardShape &shape) {
  auto fail = [](const Twine &msg) {
    return createStringError(inconvertibleErrorCode(), msg);
  };
  if (shape.batch < 1 || shape.seq < 1 || shape.chunk < 1)
    return fail(formatv("batch ({0}), sequence length ({1}) and chunk size "
                        "({2}) must be at least 1",
                        shape.batch, shape.seq, shape.chunk));
  int64_t B = shape.batch, T = shape.seq;
  int64_t widest = std::max({c.embedDim, c.valueEmbedDim, c.ffnDim});
  struct Tensor {
    const char *what;
    SmallVector<int64_t> dims;
  };
  SmallVector<Tensor> tensors = {
      {"the logits [batch, seq, vocab]", {B, T, c.vocabSize}},
      {"an activation [batch, seq, width]", {B, T, widest}},
      {"the state [layers, batch, heads, key dim, value dim]",
       {c.layers, B, c.heads, c.keyHeadDim(), c.valueHeadDim()}}};
  if (shape.form == Form::Parallel)
    tensors.push_back(
        {"the scores [batch, heads, seq, seq]", {B, c.heads, T, T}});
  for (const Tensor &t : tensors)
    if (!boundedProduct(t.dims))
      return fail(formatv("batch {0} with sequence length {1} is too large: "
                          "{2} would have more than 2^40 elements",
                          B, T, t.what));
  return Error::success();
}

std::string retnet::model::buildForward(const Config &config,
                                        const ForwardShape &shape) {
  return Emitter(config, shape).build();
}
