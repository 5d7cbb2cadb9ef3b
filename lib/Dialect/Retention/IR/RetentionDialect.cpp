//===- RetentionDialect.cpp - retention dialect ---------------------------===//

#include "retnet/Dialect/Retention/IR/RetentionDialect.h"
#include "retnet/Dialect/Retention/IR/RetentionOps.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace retnet::retention;

#include "retnet/Dialect/Retention/IR/RetentionOpsDialect.cpp.inc"

#include "retnet/Dialect/Retention/IR/RetentionEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "retnet/Dialect/Retention/IR/RetentionAttrs.cpp.inc"

#include "retnet/Dialect/Retention/IR/RetentionInterfaces.cpp.inc"

//===----------------------------------------------------------------------===//
// RowDivisorAttr: <kind, min = F[, max = F]>
//===----------------------------------------------------------------------===//

Attribute RowDivisorAttr::parse(AsmParser &parser, Type) {
  StringRef keyword;
  double min, max = std::numeric_limits<double>::infinity();
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess() || parser.parseKeyword(&keyword))
    return {};
  std::optional<RowDivisorKind> kind = symbolizeRowDivisorKind(keyword);
  if (!kind) {
    parser.emitError(loc) << "expected 'sum_of_abs' or 'abs_of_sum', got '"
                          << keyword << "'";
    return {};
  }
  if (parser.parseComma() || parser.parseKeyword("min") ||
      parser.parseEqual() || parser.parseFloat(min))
    return {};
  if (succeeded(parser.parseOptionalComma()) &&
      (parser.parseKeyword("max") || parser.parseEqual() ||
       parser.parseFloat(max)))
    return {};
  if (parser.parseGreater())
    return {};
  return parser.getChecked<RowDivisorAttr>(loc, parser.getContext(), *kind,
                                           APFloat(min), APFloat(max));
}

void RowDivisorAttr::print(AsmPrinter &printer) const {
  printer << "<" << stringifyRowDivisorKind(getKind()) << ", min = ";
  printer.printFloat(getMin());
  if (!getMax().isInfinity()) {
    printer << ", max = ";
    printer.printFloat(getMax());
  }
  printer << ">";
}

LogicalResult
RowDivisorAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                       RowDivisorKind, APFloat min, APFloat max) {
  double lo = min.convertToDouble(), hi = max.convertToDouble();
  if (!(std::isfinite(lo) && lo > 0.0 && hi >= lo))
    return emitError() << "expects a row divisor with a finite min > 0 and "
                          "max >= min, got min = "
                       << lo << ", max = " << hi;
  return success();
}

void RetentionDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "retnet/Dialect/Retention/IR/RetentionAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "retnet/Dialect/Retention/IR/RetentionOps.cpp.inc"
      >();
}
