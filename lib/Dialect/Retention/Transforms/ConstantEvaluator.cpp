//===- ConstantEvaluator.cpp - evaluating constant tensor subgraphs -------===//
//
// Why an interpreter rather than upstream folding: linalg's constant folding
// (populateConstantFoldLinalgOperations) folds transposes and generics that
// read constant tensors, not bodies with linalg.index (every iota of a decay
// mask); and folding element by element through the ops' fold hooks would
// make a uniqued attribute per element and intermediate value (tens of
// millions for a 2048 x 2048 mask) that lives as long as the context. So
// the evaluator implements the arith folders' semantics in plain arithmetic
// for the ops it knows, and refuses everything else.
//
//===----------------------------------------------------------------------===//

#include "ConstantEvaluator.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <deque>

using namespace mlir;
using namespace retnet::retention::detail;

namespace {
/// A scalar: a float as a double holding a value of its type, an integer as
/// its two's complement bits (zero above its width).
union Scalar {
  double f;
  uint64_t i;
};
Scalar fromFloat(double f) {
  Scalar s;
  s.f = f;
  return s;
}
Scalar fromBits(uint64_t i) {
  Scalar s;
  s.i = i;
  return s;
}

/// An element type the evaluator knows: f16, bf16, f32, f64, or a signless
/// integer of at most 64 bits (index as 64 bits).
struct ScalarType {
  const llvm::fltSemantics *sem = nullptr; // null for integers
  unsigned width = 0;                      // of integers

  static std::optional<ScalarType> of(Type t) {
    if (t.isF16() || t.isBF16() || t.isF32() || t.isF64())
      return ScalarType{&cast<FloatType>(t).getFloatSemantics(), 0};
    if (t.isIndex())
      return ScalarType{nullptr, 64};
    if (auto i = dyn_cast<IntegerType>(t);
        i && i.isSignless() && i.getWidth() <= 64)
      return ScalarType{nullptr, i.getWidth()};
    return std::nullopt;
  }
  bool isFloat() const { return sem != nullptr; }
};

std::string nameOf(Operation *op) {
  return "'" + op->getName().getStringRef().str() + "'";
}

uint64_t truncBits(uint64_t v, unsigned width) {
  return width >= 64 ? v : v & ((uint64_t(1) << width) - 1);
}
int64_t signedValue(uint64_t v, unsigned width) {
  return width >= 64 ? int64_t(v) : int64_t(v << (64 - width)) >> (64 - width);
}

/// `x` rounded to nearest even in `sem`. One rounding of the f64 result of
/// +, -, *, / or sqrt on f32, f16 or bf16 values is the correctly rounded
/// result in that type: f64 has more than twice their precision plus two.
double roundTo(const llvm::fltSemantics &sem, double x) {
  if (&sem == &llvm::APFloat::IEEEdouble())
    return x;
  if (&sem == &llvm::APFloat::IEEEsingle())
    return double(float(x));
  llvm::APFloat a(x);
  bool losesInfo;
  a.convert(sem, llvm::APFloat::rmNearestTiesToEven, &losesInfo);
  return a.convertToDouble();
}

/// sitofp / uitofp: the integer `bits` of `width` rounded once to `sem`.
double intToFloat(const llvm::fltSemantics &sem, uint64_t bits, unsigned width,
                  bool isSigned) {
  // Up to 2^53 the integer is exact in f64, so rounding that is rounding once.
  constexpr int64_t kExact = int64_t(1) << 53;
  if (isSigned) {
    int64_t v = signedValue(bits, width);
    if (v >= -kExact && v <= kExact)
      return roundTo(sem, double(v));
  } else if (bits <= uint64_t(kExact)) {
    return roundTo(sem, double(bits));
  }
  llvm::APFloat f(sem);
  f.convertFromAPInt(llvm::APInt(width, bits), isSigned,
                     llvm::APFloat::rmNearestTiesToEven);
  return f.convertToDouble();
}

/// fptosi / fptoui: `x` truncated toward zero, or nothing where the result is
/// poison (NaN, or out of the integer's range).
std::optional<uint64_t> floatToInt(double x, unsigned width, bool isSigned) {
  if (std::isnan(x))
    return std::nullopt;
  double t = std::trunc(x);
  if (isSigned) {
    double bound = std::ldexp(1.0, int(width) - 1);
    if (t < -bound || t >= bound)
      return std::nullopt;
    return truncBits(uint64_t(int64_t(t)), width);
  }
  if (t < 0.0 || t >= std::ldexp(1.0, int(width)))
    return std::nullopt;
  return uint64_t(t);
}

bool cmpF(arith::CmpFPredicate p, double a, double b) {
  bool unordered = std::isnan(a) || std::isnan(b);
  using P = arith::CmpFPredicate;
  switch (p) {
  case P::AlwaysFalse:
    return false;
  case P::OEQ:
    return !unordered && a == b;
  case P::OGT:
    return !unordered && a > b;
  case P::OGE:
    return !unordered && a >= b;
  case P::OLT:
    return !unordered && a < b;
  case P::OLE:
    return !unordered && a <= b;
  case P::ONE:
    return !unordered && a != b;
  case P::ORD:
    return !unordered;
  case P::UEQ:
    return unordered || a == b;
  case P::UGT:
    return unordered || a > b;
  case P::UGE:
    return unordered || a >= b;
  case P::ULT:
    return unordered || a < b;
  case P::ULE:
    return unordered || a <= b;
  case P::UNE:
    return unordered || a != b;
  case P::UNO:
    return unordered;
  case P::AlwaysTrue:
    return true;
  }
  return false;
}

/// `a` and `b` are integers of `width` bits (zero above it).
bool cmpI(arith::CmpIPredicate p, uint64_t a, uint64_t b, unsigned width) {
  int64_t x = signedValue(a, width), y = signedValue(b, width);
  using P = arith::CmpIPredicate;
  switch (p) {
  case P::eq:
    return a == b;
  case P::ne:
    return a != b;
  case P::slt:
    return x < y;
  case P::sle:
    return x <= y;
  case P::sgt:
    return x > y;
  case P::sge:
    return x >= y;
  case P::ult:
    return a < b;
  case P::ule:
    return a <= b;
  case P::ugt:
    return a > b;
  case P::uge:
    return a >= b;
  }
  return false;
}

/// The value of a scalar constant attribute of type `t`.
std::optional<Scalar> scalarOf(Attribute attr, ScalarType t) {
  if (auto f = dyn_cast<FloatAttr>(attr); f && t.isFloat())
    return fromFloat(f.getValue().convertToDouble());
  if (auto i = dyn_cast<IntegerAttr>(attr); i && !t.isFloat())
    return fromBits(truncBits(i.getValue().getZExtValue(), t.width));
  return std::nullopt;
}

enum class Code {
  Constant,
  AddF,
  SubF,
  MulF,
  DivF,
  NegF,
  MaximumF,
  MinimumF,
  MaxNumF,
  MinNumF,
  CmpF,
  CmpI,
  Select,
  AndI,
  OrI,
  XOrI,
  AddI,
  SubI,
  MulI,
  ExtF,
  TruncF,
  SIToFP,
  UIToFP,
  FPToSI,
  FPToUI,
  ExtSI,
  ExtUI,
  TruncI,
  IndexCast,
  IndexCastUI,
  AbsF,
  Exp,
  Log,
  Sqrt,
  Rsqrt,
  PowF,
  Index,
};

std::optional<Code> codeOf(Operation &op) {
  return llvm::TypeSwitch<Operation *, std::optional<Code>>(&op)
      .Case([](arith::ConstantOp) { return Code::Constant; })
      .Case([](arith::AddFOp) { return Code::AddF; })
      .Case([](arith::SubFOp) { return Code::SubF; })
      .Case([](arith::MulFOp) { return Code::MulF; })
      .Case([](arith::DivFOp) { return Code::DivF; })
      .Case([](arith::NegFOp) { return Code::NegF; })
      .Case([](arith::MaximumFOp) { return Code::MaximumF; })
      .Case([](arith::MinimumFOp) { return Code::MinimumF; })
      .Case([](arith::MaxNumFOp) { return Code::MaxNumF; })
      .Case([](arith::MinNumFOp) { return Code::MinNumF; })
      .Case([](arith::CmpFOp) { return Code::CmpF; })
      .Case([](arith::CmpIOp) { return Code::CmpI; })
      .Case([](arith::SelectOp) { return Code::Select; })
      .Case([](arith::AndIOp) { return Code::AndI; })
      .Case([](arith::OrIOp) { return Code::OrI; })
      .Case([](arith::XOrIOp) { return Code::XOrI; })
      .Case([](arith::AddIOp) { return Code::AddI; })
      .Case([](arith::SubIOp) { return Code::SubI; })
      .Case([](arith::MulIOp) { return Code::MulI; })
      .Case([](arith::ExtFOp) { return Code::ExtF; })
      .Case([](arith::TruncFOp) { return Code::TruncF; })
      .Case([](arith::SIToFPOp) { return Code::SIToFP; })
      .Case([](arith::UIToFPOp) { return Code::UIToFP; })
      .Case([](arith::FPToSIOp) { return Code::FPToSI; })
      .Case([](arith::FPToUIOp) { return Code::FPToUI; })
      .Case([](arith::ExtSIOp) { return Code::ExtSI; })
      .Case([](arith::ExtUIOp) { return Code::ExtUI; })
      .Case([](arith::TruncIOp) { return Code::TruncI; })
      .Case([](arith::IndexCastOp) { return Code::IndexCast; })
      .Case([](arith::IndexCastUIOp) { return Code::IndexCastUI; })
      .Case([](math::AbsFOp) { return Code::AbsF; })
      .Case([](math::ExpOp) { return Code::Exp; })
      .Case([](math::LogOp) { return Code::Log; })
      .Case([](math::SqrtOp) { return Code::Sqrt; })
      .Case([](math::RsqrtOp) { return Code::Rsqrt; })
      .Case([](math::PowFOp) { return Code::PowF; })
      .Case([](linalg::IndexOp) { return Code::Index; })
      .Default([](Operation *) { return std::nullopt; });
}

/// A linalg body compiled to a list of steps over numbered slots: the block
/// arguments first, then constants and op results.
class BodyProgram {
public:
  static FailureOr<BodyProgram> compile(Block &body, std::string &why) {
    BodyProgram p;
    unsigned next = 0;
    for (BlockArgument arg : body.getArguments()) {
      if (!ScalarType::of(arg.getType())) {
        why = "a body has an argument of a type the evaluator does not know";
        return failure();
      }
      p.slots[arg] = next++;
    }
    auto slotOf = [&](Value v) -> std::optional<unsigned> {
      if (auto it = p.slots.find(v); it != p.slots.end())
        return it->second;
      // A scalar constant from outside the body.
      Attribute attr;
      std::optional<ScalarType> type = ScalarType::of(v.getType());
      if (!type || !matchPattern(v, m_Constant(&attr)))
        return std::nullopt;
      std::optional<Scalar> c = scalarOf(attr, *type);
      if (!c)
        return std::nullopt;
      p.constants.push_back({next, *c});
      return p.slots[v] = next++;
    };
    for (Operation &op : body) {
      if (auto yield = dyn_cast<linalg::YieldOp>(op)) {
        std::optional<unsigned> s = yield.getNumOperands() == 1
                                        ? slotOf(yield.getOperand(0))
                                        : std::nullopt;
        if (!s) {
          why = "a body yields other than one computed value";
          return failure();
        }
        p.result = *s;
        break;
      }
      FailureOr<Step> step = compileStep(op, why);
      if (failed(step))
        return failure();
      for (Value operand : op.getOperands()) {
        std::optional<unsigned> s = slotOf(operand);
        if (!s) {
          why = "a body reads a value that is not a constant";
          return failure();
        }
        step->in.push_back(*s);
      }
      if (step->code == Code::Constant) {
        std::optional<Scalar> c =
            scalarOf(cast<arith::ConstantOp>(op).getValue(), step->type);
        if (!c) {
          why = "a body holds a constant the evaluator does not read";
          return failure();
        }
        p.constants.push_back({next, *c});
        p.slots[op.getResult(0)] = next++;
        continue;
      }
      step->out = p.slots[op.getResult(0)] = next++;
      p.steps.push_back(*step);
    }
    p.numSlots = next;
    return p;
  }

  /// Runs the body at `point` (the loop indices) with the arguments already
  /// in `values[0..numArgs)`; the yielded value, or failure with `why` where
  /// an op's result is undefined.
  FailureOr<Scalar> run(std::vector<Scalar> &values, ArrayRef<int64_t> point,
                        std::string &why) const {
    for (auto [slot, c] : constants)
      values[slot] = c;
    for (const Step &s : steps) {
      std::optional<Scalar> r = apply(s, values, point);
      if (!r) {
        why = nameOf(s.op) + " has an undefined result (poison, or a value "
                             "MLIR leaves unspecified)";
        return failure();
      }
      values[s.out] = *r;
    }
    return values[result];
  }

  unsigned numSlots = 0;

private:
  struct Step {
    Operation *op;
    Code code;
    ScalarType type;    // the result's
    ScalarType operand; // the first operand's (the result's if none)
    int64_t attr = 0;   // a predicate or a dimension
    bool nsw = false, nuw = false;
    SmallVector<unsigned, 3> in;
    unsigned out = 0;
  };

  static FailureOr<Step> compileStep(Operation &op, std::string &why) {
    std::optional<Code> code = codeOf(op);
    if (!code || op.getNumResults() != 1) {
      why = "a body holds " + nameOf(&op);
      return failure();
    }
    // Flags that let the compiler change the result, or a rounding other
    // than to nearest even, have no one value to compare with.
    if (auto fm = dyn_cast<arith::ArithFastMathInterface>(op)) {
      arith::FastMathFlagsAttr flags = fm.getFastMathFlagsAttr();
      if (flags && flags.getValue() != arith::FastMathFlags::none) {
        why = nameOf(&op) + " has fastmath flags";
        return failure();
      }
    }
    if (auto rm = dyn_cast<arith::ArithRoundingModeInterface>(op);
        rm && rm.getRoundingModeAttr()) {
      why = nameOf(&op) + " has a rounding mode";
      return failure();
    }
    std::optional<ScalarType> type = ScalarType::of(op.getResult(0).getType());
    std::optional<ScalarType> operand =
        op.getNumOperands() ? ScalarType::of(op.getOperand(0).getType()) : type;
    if (!type || !operand) {
      why = nameOf(&op) + " has a type the evaluator does not know";
      return failure();
    }
    Step s{&op, *code, *type, *operand};
    if (auto cmp = dyn_cast<arith::CmpFOp>(op))
      s.attr = int64_t(cmp.getPredicate());
    if (auto cmp = dyn_cast<arith::CmpIOp>(op))
      s.attr = int64_t(cmp.getPredicate());
    if (auto index = dyn_cast<linalg::IndexOp>(op))
      s.attr = index.getDim();
    if (auto flags = dyn_cast<arith::ArithIntegerOverflowFlagsInterface>(op)) {
      s.nsw = flags.hasNoSignedWrap();
      s.nuw = flags.hasNoUnsignedWrap();
    }
    return s;
  }

  /// addi, subi or muli of `a` and `b` at `width` bits, or nothing where an
  /// overflow flag makes the result poison.
  static std::optional<Scalar> integerArith(const Step &s, uint64_t a,
                                            uint64_t b) {
    unsigned w = s.type.width;
    __int128 x = signedValue(a, w), y = signedValue(b, w);
    unsigned __int128 ux = a, uy = b;
    __int128 exact;
    unsigned __int128 uexact;
    switch (s.code) {
    case Code::AddI:
      exact = x + y;
      uexact = ux + uy;
      break;
    case Code::SubI:
      exact = x - y;
      uexact = ux - uy;
      break;
    default:
      exact = x * y;
      uexact = ux * uy;
      break;
    }
    uint64_t bits = truncBits(uint64_t(uexact), w);
    if (s.nsw && __int128(signedValue(bits, w)) != exact)
      return std::nullopt;
    if (s.nuw && (uexact >> w) != 0)
      return std::nullopt;
    return fromBits(bits);
  }

  static std::optional<Scalar> apply(const Step &s, ArrayRef<Scalar> v,
                                     ArrayRef<int64_t> point) {
    auto f = [&](unsigned i) { return v[s.in[i]].f; };
    auto bits = [&](unsigned i) { return v[s.in[i]].i; };
    auto rounded = [&](double x) { return fromFloat(roundTo(*s.type.sem, x)); };
    switch (s.code) {
    case Code::Constant:
      break;
    case Code::AddF:
      return rounded(f(0) + f(1));
    case Code::SubF:
      return rounded(f(0) - f(1));
    case Code::MulF:
      return rounded(f(0) * f(1));
    case Code::DivF:
      return rounded(f(0) / f(1));
    case Code::NegF:
      return fromFloat(-f(0));
    case Code::MaximumF:
    case Code::MinimumF: {
      // NaN if either is; -0 below +0.
      double a = f(0), b = f(1);
      if (std::isnan(a) || std::isnan(b))
        return fromFloat(NAN);
      bool max = s.code == Code::MaximumF;
      if (a == b)
        return fromFloat(std::signbit(a) == max ? b : a);
      return fromFloat(max ? std::max(a, b) : std::min(a, b));
    }
    case Code::MaxNumF:
    case Code::MinNumF: {
      // The other operand where one is NaN; either of +0 and -0.
      double a = f(0), b = f(1);
      if (std::isnan(a))
        return fromFloat(b);
      if (std::isnan(b))
        return fromFloat(a);
      if (a == b && std::signbit(a) != std::signbit(b))
        return std::nullopt;
      return fromFloat(s.code == Code::MaxNumF ? std::max(a, b)
                                               : std::min(a, b));
    }
    case Code::CmpF:
      return fromBits(cmpF(arith::CmpFPredicate(s.attr), f(0), f(1)));
    case Code::CmpI:
      return fromBits(cmpI(arith::CmpIPredicate(s.attr), bits(0), bits(1),
                           s.operand.width));
    case Code::Select:
      return v[s.in[(bits(0) & 1) ? 1 : 2]];
    case Code::AndI:
      return fromBits(bits(0) & bits(1));
    case Code::OrI:
      return fromBits(bits(0) | bits(1));
    case Code::XOrI:
      return fromBits(bits(0) ^ bits(1));
    case Code::AddI:
    case Code::SubI:
    case Code::MulI:
      return integerArith(s, bits(0), bits(1));
    case Code::ExtF:
      return fromFloat(f(0));
    case Code::TruncF:
      return rounded(f(0));
    case Code::SIToFP:
    case Code::UIToFP:
      return fromFloat(intToFloat(*s.type.sem, bits(0), s.operand.width,
                                  s.code == Code::SIToFP));
    case Code::FPToSI:
    case Code::FPToUI: {
      std::optional<uint64_t> r =
          floatToInt(f(0), s.type.width, s.code == Code::FPToSI);
      if (!r)
        return std::nullopt;
      return fromBits(*r);
    }
    case Code::ExtSI:
      return fromBits(truncBits(uint64_t(signedValue(bits(0), s.operand.width)),
                                s.type.width));
    case Code::ExtUI:
      return fromBits(bits(0));
    case Code::TruncI: {
      uint64_t r = truncBits(bits(0), s.type.width);
      if (s.nsw &&
          signedValue(r, s.type.width) != signedValue(bits(0), s.operand.width))
        return std::nullopt;
      if (s.nuw && r != bits(0))
        return std::nullopt;
      return fromBits(r);
    }
    case Code::IndexCast: // truncates, or sign-extends
      return fromBits(
          s.type.width <= s.operand.width
              ? truncBits(bits(0), s.type.width)
              : truncBits(uint64_t(signedValue(bits(0), s.operand.width)),
                          s.type.width));
    case Code::IndexCastUI: // truncates, or zero-extends
      return fromBits(truncBits(bits(0), s.type.width));
    case Code::AbsF:
      return fromFloat(std::fabs(f(0)));
    case Code::Exp:
      return rounded(std::exp(f(0)));
    case Code::Log:
      return rounded(std::log(f(0)));
    case Code::Sqrt:
      return rounded(std::sqrt(f(0)));
    case Code::Rsqrt:
      return rounded(1.0 / std::sqrt(f(0)));
    case Code::PowF:
      return rounded(std::pow(f(0), f(1)));
    case Code::Index:
      if (s.attr >= int64_t(point.size()))
        return std::nullopt;
      return fromBits(uint64_t(point[s.attr]));
    }
    return std::nullopt;
  }

  llvm::DenseMap<Value, unsigned> slots;
  SmallVector<std::pair<unsigned, Scalar>> constants;
  SmallVector<Step> steps;
  unsigned result = 0;
};

/// A tensor of the evaluated computation. `defined` is false for the
/// contents of tensor.empty (and what only moves them), which no op may read.
struct Tensor {
  SmallVector<int64_t> shape;
  std::vector<Scalar> data;
  bool defined = true;
};

/// Row-major strides of `shape`.
SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int i = int(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// Each result of `map` as a loop dimension (>= 0) or a constant (-1 - c)
/// within `shape`.
FailureOr<SmallVector<int64_t>> simpleMap(AffineMap map,
                                          ArrayRef<int64_t> shape) {
  SmallVector<int64_t> out;
  for (auto [e, size] : llvm::zip_equal(map.getResults(), shape)) {
    if (auto d = dyn_cast<AffineDimExpr>(e))
      out.push_back(d.getPosition());
    else if (auto c = dyn_cast<AffineConstantExpr>(e);
             c && c.getValue() >= 0 && c.getValue() < size)
      out.push_back(-1 - c.getValue());
    else
      return failure();
  }
  return out;
}

const char *kReadsEmpty = "it reads the contents of a tensor.empty, which are "
                          "undefined";

/// A linalg.generic of `inputs` into `init`, of at most `maxIterations`
/// iterations.
FailureOr<Tensor> evalGeneric(linalg::GenericOp op,
                              ArrayRef<const Tensor *> inputs,
                              const Tensor &init, int64_t maxIterations,
                              std::string &why) {
  FailureOr<BodyProgram> body = BodyProgram::compile(*op.getBlock(), why);
  if (failed(body))
    return failure();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic)) {
    why = "a linalg.generic has dynamic loop ranges";
    return failure();
  }
  int64_t iterations = 1;
  for (int64_t r : ranges) {
    if (r > 0 && iterations > maxIterations / r) {
      why = "a linalg.generic runs more than " + std::to_string(maxIterations) +
            " iterations";
      return failure();
    }
    iterations *= r;
  }
  bool readsInit = !op.getBlock()->getArgument(inputs.size()).use_empty();
  if ((readsInit && !init.defined) ||
      llvm::any_of(inputs, [](const Tensor *t) { return !t->defined; })) {
    why = kReadsEmpty;
    return failure();
  }
  SmallVector<SmallVector<int64_t>> maps, strides;
  SmallVector<const Tensor *> operands(inputs);
  operands.push_back(&init);
  for (auto [map, t] : llvm::zip_equal(op.getIndexingMapsArray(), operands)) {
    FailureOr<SmallVector<int64_t>> m = simpleMap(map, t->shape);
    if (failed(m)) {
      why = "a linalg.generic has an indexing map other than dimensions "
            "and constants within the shape";
      return failure();
    }
    maps.push_back(*m);
    strides.push_back(stridesOf(t->shape));
  }
  Tensor out = init;
  bool empty = llvm::any_of(ranges, [](int64_t r) { return r == 0; });
  // Every element is written when the output's map is a projection of the
  // loops (and the loops run).
  if (!out.defined)
    out.defined =
        !empty && op.getIndexingMapsArray().back().isProjectedPermutation();
  if (empty)
    return out;
  std::vector<Scalar> slots(body->numSlots);
  SmallVector<int64_t> point(ranges.size(), 0);
  auto offsetOf = [&](unsigned operand) {
    int64_t offset = 0;
    for (auto [r, stride] : llvm::zip_equal(maps[operand], strides[operand]))
      offset += (r >= 0 ? point[r] : -1 - r) * stride;
    return offset;
  };
  while (true) {
    for (unsigned i = 0; i < operands.size() - 1; ++i)
      slots[i] = operands[i]->data[offsetOf(i)];
    int64_t o = offsetOf(operands.size() - 1);
    slots[operands.size() - 1] = out.data[o];
    FailureOr<Scalar> r = body->run(slots, point, why);
    if (failed(r))
      return failure();
    out.data[o] = *r;
    int d = int(ranges.size()) - 1;
    for (; d >= 0; --d) {
      if (++point[d] < ranges[d])
        break;
      point[d] = 0;
    }
    if (d < 0)
      break;
  }
  return out;
}

/// linalg.reduce over `dims` of `in` into `init`.
FailureOr<Tensor> evalReduce(linalg::ReduceOp op, const Tensor &in,
                             const Tensor &init, std::string &why) {
  if (!in.defined || !init.defined) {
    why = kReadsEmpty;
    return failure();
  }
  FailureOr<BodyProgram> body =
      BodyProgram::compile(op.getRegion().front(), why);
  if (failed(body))
    return failure();
  Tensor out = init;
  SmallVector<int64_t> outStrides = stridesOf(out.shape);
  ArrayRef<int64_t> reduced = op.getDimensions();
  std::vector<Scalar> slots(body->numSlots);
  SmallVector<int64_t> idx(in.shape.size(), 0);
  for (Scalar x : in.data) {
    int64_t o = 0;
    for (unsigned d = 0, r = 0; d < idx.size(); ++d)
      if (!llvm::is_contained(reduced, int64_t(d)))
        o += idx[d] * outStrides[r++];
    slots[0] = x;
    slots[1] = out.data[o];
    // The loops of a reduction are the input's dimensions.
    FailureOr<Scalar> r = body->run(slots, idx, why);
    if (failed(r))
      return failure();
    out.data[o] = *r;
    for (int d = int(idx.size()) - 1; d >= 0; --d) {
      if (++idx[d] < in.shape[d])
        break;
      idx[d] = 0;
    }
  }
  return out;
}

FailureOr<Tensor> evalConstant(Attribute attr, ShapedType type,
                               std::string &why) {
  Tensor t{SmallVector<int64_t>(type.getShape()), {}};
  std::optional<ScalarType> elem = ScalarType::of(type.getElementType());
  if (auto dense = dyn_cast<DenseElementsAttr>(attr); dense && elem) {
    if (elem->isFloat()) {
      for (const APFloat &f : dense.getValues<APFloat>())
        t.data.push_back(fromFloat(f.convertToDouble()));
    } else {
      for (const APInt &i : dense.getValues<APInt>())
        t.data.push_back(fromBits(truncBits(i.getZExtValue(), elem->width)));
    }
    return t;
  }
  auto copy = [&](auto ref, auto convert) -> FailureOr<Tensor> {
    if (!ref || int64_t(ref->size()) != type.getNumElements()) {
      why = "a dense_resource constant does not hold its type's elements";
      return failure();
    }
    for (auto x : *ref)
      t.data.push_back(convert(x));
    return t;
  };
  auto asFloat = [](auto x) { return fromFloat(double(x)); };
  auto asInt = [&](auto x) {
    return fromBits(truncBits(uint64_t(int64_t(x)), elem->width));
  };
  if (auto r = dyn_cast<DenseF32ResourceElementsAttr>(attr))
    return copy(r.tryGetAsArrayRef(), asFloat);
  if (auto r = dyn_cast<DenseF64ResourceElementsAttr>(attr))
    return copy(r.tryGetAsArrayRef(), asFloat);
  if (auto r = dyn_cast<DenseI64ResourceElementsAttr>(attr))
    return copy(r.tryGetAsArrayRef(), asInt);
  if (auto r = dyn_cast<DenseI32ResourceElementsAttr>(attr))
    return copy(r.tryGetAsArrayRef(), asInt);
  why = "a constant of an element type or encoding the evaluator does not "
        "read";
  return failure();
}

/// The value `op` computes from the values of its operands.
FailureOr<Tensor> evalOp(Operation *op, llvm::DenseMap<Value, Tensor> &known,
                         int64_t maxElements, std::string &why) {
  auto type = cast<ShapedType>(op->getResult(0).getType());
  SmallVector<int64_t> shape(type.getShape());
  return llvm::TypeSwitch<Operation *, FailureOr<Tensor>>(op)
      .Case([&](arith::ConstantOp c) {
        return evalConstant(c.getValue(), type, why);
      })
      .Case([&](tensor::EmptyOp) {
        return Tensor{shape, std::vector<Scalar>(type.getNumElements()),
                      /*defined=*/false};
      })
      .Case([&](linalg::FillOp fill) -> FailureOr<Tensor> {
        Attribute attr;
        std::optional<Scalar> c;
        if (fill.value().getType() == type.getElementType() &&
            matchPattern(fill.value(), m_Constant(&attr)))
          c = scalarOf(attr, *ScalarType::of(type.getElementType()));
        if (!c)
          return (why = "a fill of a value that is not a constant of the "
                        "tensor's element type",
                  failure());
        return Tensor{shape, std::vector<Scalar>(type.getNumElements(), *c)};
      })
      .Case<tensor::ExpandShapeOp, tensor::CollapseShapeOp>([&](Operation *) {
        Tensor t = known.at(op->getOperand(0));
        t.shape = shape;
        return t;
      })
      .Case([&](linalg::TransposeOp transpose) {
        const Tensor &in = known.at(transpose.getInput());
        SmallVector<int64_t> inStrides = stridesOf(in.shape);
        ArrayRef<int64_t> perm = transpose.getPermutation();
        Tensor out{shape, std::vector<Scalar>(type.getNumElements()),
                   in.defined};
        SmallVector<int64_t> idx(shape.size(), 0);
        for (Scalar &dst : out.data) {
          int64_t src = 0;
          for (unsigned d = 0; d < shape.size(); ++d)
            src += idx[d] * inStrides[perm[d]];
          dst = in.data[src];
          for (int d = int(shape.size()) - 1; d >= 0; --d) {
            if (++idx[d] < shape[d])
              break;
            idx[d] = 0;
          }
        }
        return FailureOr<Tensor>(std::move(out));
      })
      .Case([&](linalg::ReduceOp reduce) -> FailureOr<Tensor> {
        return evalReduce(reduce, known.at(reduce.getInputs()[0]),
                          known.at(reduce.getInits()[0]), why);
      })
      .Case([&](linalg::GenericOp generic) -> FailureOr<Tensor> {
        // Scalar inputs as rank-0 tensors: constants only.
        std::deque<Tensor> scalars;
        SmallVector<const Tensor *> inputs;
        for (Value in : generic.getInputs()) {
          if (isa<ShapedType>(in.getType())) {
            inputs.push_back(&known.at(in));
            continue;
          }
          Attribute attr;
          std::optional<ScalarType> t = ScalarType::of(in.getType());
          std::optional<Scalar> c;
          if (t && matchPattern(in, m_Constant(&attr)))
            c = scalarOf(attr, *t);
          if (!c)
            return (why = "a linalg.generic reads a scalar that is not a "
                          "constant",
                    failure());
          inputs.push_back(&scalars.emplace_back(Tensor{{}, {*c}}));
        }
        return evalGeneric(generic, inputs, known.at(generic.getOutputs()[0]),
                           maxElements, why);
      })
      .Default([&](Operation *) -> FailureOr<Tensor> {
        why = "it is computed by " + nameOf(op);
        return failure();
      });
}

bool isEvaluable(Operation *op) {
  if (auto generic = dyn_cast<linalg::GenericOp>(op))
    return generic.getNumDpsInits() == 1 && generic->getNumResults() == 1;
  if (auto reduce = dyn_cast<linalg::ReduceOp>(op))
    return reduce.getNumDpsInputs() == 1 && reduce->getNumResults() == 1;
  return isa<arith::ConstantOp, tensor::EmptyOp, linalg::FillOp,
             tensor::ExpandShapeOp, tensor::CollapseShapeOp,
             linalg::TransposeOp>(op);
}
} // namespace

FailureOr<ConstantTensor> retnet::retention::detail::evaluateConstantTensor(
    Value value, int64_t maxElements, std::string &why) {
  // The producers in an order where each comes after those it reads.
  SmallVector<Operation *> order;
  llvm::DenseSet<Operation *> visited;
  llvm::DenseMap<Value, unsigned> uses;
  SmallVector<std::pair<Operation *, bool>> stack;
  auto push = [&](Value v) -> LogicalResult {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type || !type.hasStaticShape()) {
      why = "it depends on a value of dynamic or non-tensor type";
      return failure();
    }
    if (!ScalarType::of(type.getElementType())) {
      why = "it depends on a tensor of an element type the evaluator does "
            "not know";
      return failure();
    }
    if (type.getNumElements() > maxElements) {
      why = "it depends on a tensor of more than " +
            std::to_string(maxElements) + " elements";
      return failure();
    }
    Operation *def = v.getDefiningOp();
    if (!def) {
      why = "it depends on an argument";
      return failure();
    }
    if (!isEvaluable(def)) {
      why = "it is computed by " + nameOf(def);
      return failure();
    }
    ++uses[v];
    if (!visited.contains(def))
      stack.push_back({def, false});
    return success();
  };
  auto resultType = cast<ShapedType>(value.getType());
  if (!isa<FloatType>(resultType.getElementType())) {
    why = "it is not a tensor of floats";
    return failure();
  }
  if (failed(push(value)))
    return failure();
  while (!stack.empty()) {
    auto [op, expanded] = stack.pop_back_val();
    if (expanded) {
      order.push_back(op);
      continue;
    }
    if (!visited.insert(op).second)
      continue;
    stack.push_back({op, true});
    for (Value operand : op->getOperands())
      if (isa<ShapedType>(operand.getType()) && failed(push(operand)))
        return failure();
  }

  llvm::DenseMap<Value, Tensor> known;
  for (Operation *op : order) {
    FailureOr<Tensor> result = evalOp(op, known, maxElements, why);
    if (failed(result))
      return failure();
    known[op->getResult(0)] = std::move(*result);
    // Free what no later op reads.
    for (Value operand : op->getOperands())
      if (auto it = uses.find(operand); it != uses.end() && --it->second == 0)
        known.erase(operand);
  }
  Tensor &t = known.at(value);
  if (!t.defined) {
    why = "it holds the contents of a tensor.empty, which are undefined";
    return failure();
  }
  ConstantTensor out{std::move(t.shape), resultType.getElementType(), {}};
  out.values.reserve(t.data.size());
  for (Scalar s : t.data)
    out.values.push_back(s.f);
  return out;
}

FailureOr<double>
retnet::retention::detail::evaluateUnaryBody(linalg::GenericOp op, double x) {
  std::string why;
  Block &block = *op.getBlock();
  if (op.getNumDpsInputs() != 1 || !block.getArgument(1).use_empty())
    return failure();
  std::optional<ScalarType> in = ScalarType::of(block.getArgument(0).getType());
  std::optional<ScalarType> out =
      ScalarType::of(block.getArgument(1).getType());
  if (!in || !out || !in->isFloat() || !out->isFloat())
    return failure();
  FailureOr<BodyProgram> body = BodyProgram::compile(block, why);
  if (failed(body))
    return failure();
  std::vector<Scalar> slots(body->numSlots);
  slots[0] = fromFloat(roundTo(*in->sem, x));
  SmallVector<int64_t> point(op.getNumLoops(), 0);
  FailureOr<Scalar> r = body->run(slots, point, why);
  if (failed(r))
    return failure();
  return r->f;
}
