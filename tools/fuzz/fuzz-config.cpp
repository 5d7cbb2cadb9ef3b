//===- fuzz-config.cpp - config.json and the graph builder ----------------===//
//
// Arbitrary bytes as config.json. A config that parses and validates is
// built into the decoder graph for a small shape, which must parse and
// verify: a config the parser accepts never reaches an internal error.
//
//===----------------------------------------------------------------------===//

#include "retnet/Dialect/Retention/IR/RetentionDialect.h"
#include "retnet/Model/Config.h"
#include "retnet/Model/ModelBuilder.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/Parser/Parser.h"

#include <cstdlib>

using namespace retnet::model;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static mlir::DialectRegistry *registry = [] {
    auto *r = new mlir::DialectRegistry();
    mlir::registerAllDialects(*r);
    r->insert<retnet::retention::RetentionDialect>();
    return r;
  }();
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  llvm::Expected<Config> config = Config::parse(text, "fuzz.json");
  if (!config) {
    llvm::consumeError(config.takeError());
    return 0;
  }
  Form form = Form(size % 3);
  ForwardShape shape{form, 1, form == Form::Recurrent ? 1 : 3,
                     config->chunkSize};
  if (llvm::Error e = checkForwardShape(*config, shape)) {
    llvm::consumeError(std::move(e));
    return 0;
  }
  mlir::MLIRContext ctx(*registry, mlir::MLIRContext::Threading::DISABLED);
  if (!mlir::parseSourceString<mlir::ModuleOp>(buildForward(*config, shape),
                                               &ctx))
    std::abort(); // the builder produced IR that does not parse or verify
  return 0;
}
