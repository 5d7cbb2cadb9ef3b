//===- fuzz-config.cpp - config.json and the graph builder ----------------===//
//
// Arbitrary bytes as config.json. A config that parses and validates is
// built into the decoder graph for a small shape, which must verify: a
// config the parser accepts never reaches an internal error.
//
//===----------------------------------------------------------------------===//

#include "retnet/Model/Config.h"
#include "retnet/Model/ModelBuilder.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <cstdlib>

using namespace retnet::model;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
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
  mlir::MLIRContext ctx(mlir::MLIRContext::Threading::DISABLED);
  mlir::OwningOpRef<mlir::ModuleOp> module = buildForward(ctx, *config, shape);
  if (failed(mlir::verify(*module)))
    std::abort(); // the builder produced IR that does not verify
  return 0;
}
