//===- ConstantEvaluator.cpp - evaluating constant tensor subgraphs -------===//

#include "ConstantEvaluator.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace retnet::retention::detail;

namespace {
/// Rounds `v` to the precision of `type` (f32 results as f32 arithmetic
/// rounds them, i1 to 0 or 1).
double roundTo(Type type, double v) {
  if (type.isF32())
    return double(float(v));
  if (type.isInteger(1))
    return v != 0.0 ? 1.0 : 0.0;
  return v;
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

bool cmpI(arith::CmpIPredicate p, double a, double b) {
  int64_t x = int64_t(a), y = int64_t(b);
  uint64_t ux = uint64_t(x), uy = uint64_t(y);
  using P = arith::CmpIPredicate;
  switch (p) {
  case P::eq:
    return x == y;
  case P::ne:
    return x != y;
  case P::slt:
    return x < y;
  case P::sle:
    return x <= y;
  case P::sgt:
    return x > y;
  case P::sge:
    return x >= y;
  case P::ult:
    return ux < uy;
  case P::ule:
    return ux <= uy;
  case P::ugt:
    return ux > uy;
  case P::uge:
    return ux >= uy;
  }
  return false;
}

/// A linalg body compiled to a list of steps over numbered slots: the block
/// arguments first, then constants and op results.
class BodyProgram {
public:
  static FailureOr<BodyProgram> compile(Block &body, std::string &why) {
    BodyProgram p;
    unsigned next = 0;
    for (BlockArgument arg : body.getArguments())
      p.slots[arg] = next++;
    auto slotOf = [&](Value v) -> std::optional<unsigned> {
      if (auto it = p.slots.find(v); it != p.slots.end())
        return it->second;
      // A scalar constant from outside the body.
      FloatAttr f;
      IntegerAttr i;
      double c;
      if (matchPattern(v, m_Constant(&f)))
        c = f.getValueAsDouble();
      else if (matchPattern(v, m_Constant(&i)))
        c = v.getType().isInteger(1) ? double(i.getValue().getZExtValue())
                                     : double(i.getValue().getSExtValue());
      else
        return std::nullopt;
      p.constants.push_back({next, c});
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
      Step step{&op, {}, 0};
      for (Value operand : op.getOperands()) {
        std::optional<unsigned> s = slotOf(operand);
        if (!s) {
          why = "a body reads a value that is not a constant";
          return failure();
        }
        step.in.push_back(*s);
      }
      if (op.getNumResults() != 1 || !isKnown(op)) {
        why = "a body holds '" + op.getName().getStringRef().str() + "'";
        return failure();
      }
      step.out = p.slots[op.getResult(0)] = next++;
      p.steps.push_back(step);
    }
    p.numSlots = next;
    return p;
  }

  /// Runs the body at `point` (the loop indices) with the arguments already
  /// in `values[0..numArgs)`; returns the yielded value.
  double run(std::vector<double> &values, ArrayRef<int64_t> point) const {
    for (auto [slot, c] : constants)
      values[slot] = c;
    for (const Step &s : steps)
      values[s.out] =
          roundTo(s.op->getResult(0).getType(), apply(s, values, point));
    return values[result];
  }

  unsigned numSlots = 0;

private:
  struct Step {
    Operation *op;
    SmallVector<unsigned, 3> in;
    unsigned out;
  };

  static bool isKnown(Operation &op) {
    return isa<arith::ConstantOp, arith::AddFOp, arith::SubFOp, arith::MulFOp,
               arith::DivFOp, arith::NegFOp, arith::MaximumFOp,
               arith::MinimumFOp, arith::MaxNumFOp, arith::MinNumFOp,
               arith::CmpFOp, arith::CmpIOp, arith::SelectOp, arith::XOrIOp,
               arith::AndIOp, arith::OrIOp, arith::AddIOp, arith::SubIOp,
               arith::MulIOp, arith::ExtFOp, arith::TruncFOp, arith::SIToFPOp,
               arith::UIToFPOp, arith::IndexCastOp, arith::ExtSIOp,
               arith::ExtUIOp, arith::TruncIOp, arith::FPToSIOp, math::AbsFOp,
               math::ExpOp, math::SqrtOp, math::RsqrtOp, math::PowFOp,
               math::LogOp, linalg::IndexOp>(op);
  }

  double apply(const Step &s, const std::vector<double> &v,
               ArrayRef<int64_t> point) const {
    auto in = [&](unsigned i) { return v[s.in[i]]; };
    return llvm::TypeSwitch<Operation *, double>(s.op)
        .Case([&](arith::ConstantOp op) {
          if (auto f = dyn_cast<FloatAttr>(op.getValue()))
            return f.getValueAsDouble();
          auto i = cast<IntegerAttr>(op.getValue());
          return op.getType().isInteger(1)
                     ? double(i.getValue().getZExtValue())
                     : double(i.getValue().getSExtValue());
        })
        .Case([&](arith::AddFOp) { return in(0) + in(1); })
        .Case([&](arith::SubFOp) { return in(0) - in(1); })
        .Case([&](arith::MulFOp) { return in(0) * in(1); })
        .Case([&](arith::DivFOp) { return in(0) / in(1); })
        .Case([&](arith::NegFOp) { return -in(0); })
        .Case([&](arith::MaximumFOp) {
          return std::isnan(in(0)) || std::isnan(in(1))
                     ? NAN
                     : std::max(in(0), in(1));
        })
        .Case([&](arith::MinimumFOp) {
          return std::isnan(in(0)) || std::isnan(in(1))
                     ? NAN
                     : std::min(in(0), in(1));
        })
        .Case([&](arith::MaxNumFOp) { return std::fmax(in(0), in(1)); })
        .Case([&](arith::MinNumFOp) { return std::fmin(in(0), in(1)); })
        .Case([&](arith::CmpFOp op) {
          return double(cmpF(op.getPredicate(), in(0), in(1)));
        })
        .Case([&](arith::CmpIOp op) {
          return double(cmpI(op.getPredicate(), in(0), in(1)));
        })
        .Case([&](arith::SelectOp) { return in(0) != 0.0 ? in(1) : in(2); })
        .Case([&](arith::XOrIOp) {
          return double(int64_t(in(0)) ^ int64_t(in(1)));
        })
        .Case([&](arith::AndIOp) {
          return double(int64_t(in(0)) & int64_t(in(1)));
        })
        .Case([&](arith::OrIOp) {
          return double(int64_t(in(0)) | int64_t(in(1)));
        })
        .Case([&](arith::AddIOp) { return in(0) + in(1); })
        .Case([&](arith::SubIOp) { return in(0) - in(1); })
        .Case([&](arith::MulIOp) { return in(0) * in(1); })
        .Case<arith::ExtFOp, arith::TruncFOp, arith::SIToFPOp, arith::UIToFPOp,
              arith::IndexCastOp, arith::ExtSIOp, arith::ExtUIOp>(
            [&](Operation *) { return in(0); })
        .Case([&](arith::TruncIOp op) {
          // Values that fit the narrower type are unchanged; i1 keeps bit 0.
          return op.getType().isInteger(1) ? double(int64_t(in(0)) & 1) : in(0);
        })
        .Case([&](arith::FPToSIOp) { return std::trunc(in(0)); })
        .Case([&](math::AbsFOp) { return std::fabs(in(0)); })
        .Case([&](math::ExpOp) { return std::exp(in(0)); })
        .Case([&](math::SqrtOp) { return std::sqrt(in(0)); })
        .Case([&](math::RsqrtOp) { return 1.0 / std::sqrt(in(0)); })
        .Case([&](math::PowFOp) { return std::pow(in(0), in(1)); })
        .Case([&](math::LogOp) { return std::log(in(0)); })
        .Case([&](linalg::IndexOp op) { return double(point[op.getDim()]); })
        .Default([](Operation *) { return NAN; });
  }

  llvm::DenseMap<Value, unsigned> slots;
  SmallVector<std::pair<unsigned, double>> constants;
  SmallVector<Step> steps;
  unsigned result = 0;
};

/// Row-major strides of `shape`.
SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int i = int(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// Each result of `map` as a loop dimension (>= 0) or a constant (-1 - c).
FailureOr<SmallVector<int64_t>> simpleMap(AffineMap map) {
  SmallVector<int64_t> out;
  for (AffineExpr e : map.getResults()) {
    if (auto d = dyn_cast<AffineDimExpr>(e))
      out.push_back(d.getPosition());
    else if (auto c = dyn_cast<AffineConstantExpr>(e))
      out.push_back(-1 - c.getValue());
    else
      return failure();
  }
  return out;
}

FailureOr<ConstantTensor> evalGeneric(linalg::GenericOp op,
                                      ArrayRef<const ConstantTensor *> inputs,
                                      const ConstantTensor &init,
                                      std::string &why) {
  FailureOr<BodyProgram> body = BodyProgram::compile(*op.getBlock(), why);
  if (failed(body))
    return failure();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic)) {
    why = "a linalg.generic has dynamic loop ranges";
    return failure();
  }
  SmallVector<SmallVector<int64_t>> maps, strides;
  SmallVector<const ConstantTensor *> operands(inputs);
  operands.push_back(&init);
  for (auto [map, t] : llvm::zip_equal(op.getIndexingMapsArray(), operands)) {
    FailureOr<SmallVector<int64_t>> m = simpleMap(map);
    if (failed(m)) {
      why = "a linalg.generic has an indexing map other than dimensions "
            "and constants";
      return failure();
    }
    maps.push_back(*m);
    strides.push_back(stridesOf(t->shape));
  }
  ConstantTensor out = init;
  std::vector<double> slots(body->numSlots);
  SmallVector<int64_t> point(ranges.size(), 0);
  auto offsetOf = [&](unsigned operand) {
    int64_t offset = 0;
    for (auto [r, stride] : llvm::zip_equal(maps[operand], strides[operand]))
      offset += (r >= 0 ? point[r] : -1 - r) * stride;
    return offset;
  };
  if (llvm::any_of(ranges, [](int64_t r) { return r == 0; }))
    return out;
  while (true) {
    for (unsigned i = 0; i < operands.size() - 1; ++i)
      slots[i] = operands[i]->values[offsetOf(i)];
    int64_t o = offsetOf(operands.size() - 1);
    slots[operands.size() - 1] = out.values[o];
    out.values[o] = body->run(slots, point);
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
FailureOr<ConstantTensor> evalReduce(linalg::ReduceOp op,
                                     const ConstantTensor &in,
                                     const ConstantTensor &init,
                                     std::string &why) {
  FailureOr<BodyProgram> body =
      BodyProgram::compile(op.getRegion().front(), why);
  if (failed(body))
    return failure();
  ConstantTensor out = init;
  SmallVector<int64_t> outStrides = stridesOf(out.shape);
  ArrayRef<int64_t> reduced = op.getDimensions();
  std::vector<double> slots(body->numSlots);
  SmallVector<int64_t> idx(in.shape.size(), 0);
  for (double x : in.values) {
    int64_t o = 0;
    for (unsigned d = 0, r = 0; d < idx.size(); ++d)
      if (!llvm::is_contained(reduced, int64_t(d)))
        o += idx[d] * outStrides[r++];
    slots[0] = x;
    slots[1] = out.values[o];
    out.values[o] = body->run(slots, {});
    for (int d = int(idx.size()) - 1; d >= 0; --d) {
      if (++idx[d] < in.shape[d])
        break;
      idx[d] = 0;
    }
  }
  return out;
}

FailureOr<ConstantTensor> evalConstant(Attribute attr, ShapedType type,
                                       std::string &why) {
  ConstantTensor t{SmallVector<int64_t>(type.getShape()), {}};
  Type elem = type.getElementType();
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (isa<FloatType>(elem) && (elem.isF32() || elem.isF64())) {
      for (const APFloat &f : dense.getValues<APFloat>())
        t.values.push_back(f.convertToDouble());
      return t;
    }
    if (elem.isIntOrIndex()) {
      for (const APInt &i : dense.getValues<APInt>())
        t.values.push_back(elem.isInteger(1) ? double(i.getZExtValue())
                                             : double(i.getSExtValue()));
      return t;
    }
  }
  auto copy = [&](auto ref) -> FailureOr<ConstantTensor> {
    if (!ref)
      return failure();
    t.values.assign(ref->begin(), ref->end());
    return t;
  };
  if (auto r = dyn_cast<DenseF32ResourceElementsAttr>(attr))
    return copy(r.tryGetAsArrayRef());
  if (auto r = dyn_cast<DenseF64ResourceElementsAttr>(attr))
    return copy(r.tryGetAsArrayRef());
  if (auto r = dyn_cast<DenseI64ResourceElementsAttr>(attr))
    return copy(r.tryGetAsArrayRef());
  if (auto r = dyn_cast<DenseI32ResourceElementsAttr>(attr))
    return copy(r.tryGetAsArrayRef());
  why = "a constant of an element type or encoding the evaluator does not "
        "read";
  return failure();
}

/// The value `op` computes from the values of its operands.
FailureOr<ConstantTensor> evalOp(Operation *op,
                                 llvm::DenseMap<Value, ConstantTensor> &known,
                                 std::string &why) {
  auto type = cast<ShapedType>(op->getResult(0).getType());
  SmallVector<int64_t> shape(type.getShape());
  return llvm::TypeSwitch<Operation *, FailureOr<ConstantTensor>>(op)
      .Case([&](arith::ConstantOp c) {
        return evalConstant(c.getValue(), type, why);
      })
      .Case([&](tensor::EmptyOp) {
        return ConstantTensor{shape,
                              std::vector<double>(type.getNumElements())};
      })
      .Case([&](linalg::FillOp fill) -> FailureOr<ConstantTensor> {
        FloatAttr f;
        IntegerAttr i;
        double c;
        if (matchPattern(fill.value(), m_Constant(&f)))
          c = f.getValueAsDouble();
        else if (matchPattern(fill.value(), m_Constant(&i)))
          c = double(i.getValue().getSExtValue());
        else
          return (why = "a fill of a value that is not a constant", failure());
        return ConstantTensor{shape,
                              std::vector<double>(type.getNumElements(), c)};
      })
      .Case<tensor::ExpandShapeOp, tensor::CollapseShapeOp>([&](Operation *) {
        ConstantTensor t = known.at(op->getOperand(0));
        t.shape = shape;
        return t;
      })
      .Case([&](linalg::TransposeOp transpose) {
        const ConstantTensor &in = known.at(transpose.getInput());
        SmallVector<int64_t> inStrides = stridesOf(in.shape);
        ArrayRef<int64_t> perm = transpose.getPermutation();
        ConstantTensor out{shape, std::vector<double>(type.getNumElements())};
        SmallVector<int64_t> idx(shape.size(), 0);
        for (double &dst : out.values) {
          int64_t src = 0;
          for (unsigned d = 0; d < shape.size(); ++d)
            src += idx[d] * inStrides[perm[d]];
          dst = in.values[src];
          for (int d = int(shape.size()) - 1; d >= 0; --d) {
            if (++idx[d] < shape[d])
              break;
            idx[d] = 0;
          }
        }
        return FailureOr<ConstantTensor>(std::move(out));
      })
      .Case([&](linalg::ReduceOp reduce) -> FailureOr<ConstantTensor> {
        return evalReduce(reduce, known.at(reduce.getInputs()[0]),
                          known.at(reduce.getInits()[0]), why);
      })
      .Case([&](linalg::GenericOp generic) -> FailureOr<ConstantTensor> {
        SmallVector<const ConstantTensor *> inputs;
        for (Value in : generic.getInputs())
          inputs.push_back(&known.at(in));
        return evalGeneric(generic, inputs, known.at(generic.getOutputs()[0]),
                           why);
      })
      .Default([&](Operation *) -> FailureOr<ConstantTensor> {
        why = "it is computed by '" + op->getName().getStringRef().str() + "'";
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
      why = "it is computed by '" + def->getName().getStringRef().str() + "'";
      return failure();
    }
    ++uses[v];
    if (!visited.contains(def))
      stack.push_back({def, false});
    return success();
  };
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

  llvm::DenseMap<Value, ConstantTensor> known;
  for (Operation *op : order) {
    FailureOr<ConstantTensor> result = evalOp(op, known, why);
    if (failed(result))
      return failure();
    known[op->getResult(0)] = std::move(*result);
    // Free what no later op reads.
    for (Value operand : op->getOperands())
      if (auto it = uses.find(operand); it != uses.end() && --it->second == 0)
        known.erase(operand);
  }
  return std::move(known.at(value));
}

FailureOr<double>
retnet::retention::detail::evaluateUnaryBody(linalg::GenericOp op, double x) {
  std::string why;
  FailureOr<BodyProgram> body = BodyProgram::compile(*op.getBlock(), why);
  if (failed(body) || op.getNumDpsInputs() != 1)
    return failure();
  std::vector<double> slots(body->numSlots);
  slots[0] = x;
  SmallVector<int64_t> point(op.getNumLoops(), 0);
  return body->run(slots, point);
}
