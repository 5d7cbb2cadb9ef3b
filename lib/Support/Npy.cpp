//===- Npy.cpp - reading and writing NumPy .npy files ---------------------===//

#include "retnet/Support/Npy.h"
#include "retnet/Support/Extents.h"
#include "retnet/Support/Memory.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

using namespace llvm;
using namespace retnet::npy;

namespace {
constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;

Error fail(StringRef path, const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), "'" + path + "': " + msg);
}

/// The value text after `'key':` in the header dictionary.
std::optional<StringRef> dictValue(StringRef header, StringRef key) {
  std::string quoted = ("'" + key + "'").str();
  size_t pos = header.find(quoted);
  if (pos == StringRef::npos)
    return std::nullopt;
  StringRef rest = header.drop_front(pos + quoted.size()).ltrim();
  if (!rest.consume_front(":"))
    return std::nullopt;
  return rest.ltrim();
}

std::optional<DType> parseDescr(StringRef d) {
  if (d == "<f4" || d == "=f4")
    return DType::F32;
  if (d == "<f2" || d == "=f2")
    return DType::F16;
  if (d == "<u2" || d == "=u2")
    return DType::U16;
  if (d == "<i2" || d == "=i2")
    return DType::I16;
  if (d == "<i4" || d == "=i4")
    return DType::I32;
  if (d == "<i8" || d == "=i8")
    return DType::I64;
  return std::nullopt;
}
} // namespace

StringRef retnet::npy::descr(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "<f4";
  case DType::F16:
    return "<f2";
  case DType::U16:
    return "<u2";
  case DType::I16:
    return "<i2";
  case DType::I32:
    return "<i4";
  case DType::I64:
    return "<i8";
  }
  llvm_unreachable("unknown dtype");
}

size_t retnet::npy::itemSize(DType dtype) {
  switch (dtype) {
  case DType::F16:
  case DType::U16:
  case DType::I16:
    return 2;
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::I64:
    return 8;
  }
  llvm_unreachable("unknown dtype");
}

int64_t Array::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

Array Array::allocate(DType dtype, ArrayRef<int64_t> shape) {
  Array a{dtype, shape.vec(), nullptr};
  std::optional<int64_t> elements = boundedProduct(shape);
  if (!elements) {
    double bytes = double(itemSize(dtype));
    for (int64_t d : shape)
      bytes *= double(d);
    reportOutOfMemory(bytes);
  }
  uint64_t bytes = uint64_t(*elements) * itemSize(dtype);
  void *mem = allocateOrExit(bytes);
  std::memset(mem, 0, bytes);
  a.data = std::shared_ptr<char>(static_cast<char *>(mem), std::free);
  return a;
}

float retnet::npy::f16ToFloat(uint16_t bits) {
  return APFloat(APFloat::IEEEhalf(), APInt(16, bits)).convertToFloat();
}

float retnet::npy::bf16ToFloat(uint16_t bits) {
  uint32_t w = uint32_t(bits) << 16;
  float f;
  std::memcpy(&f, &w, sizeof(f));
  return f;
}

// Both conversions below run on every weight of a model converted to 16
// bits (tens of millions), so they work on the bits rather than through
// APFloat (about 20x faster); they agree with APFloat's round-to-nearest-even
// on every input (checked exhaustively when written).
uint16_t retnet::npy::floatToF16(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof(u));
  uint32_t sign = (u >> 16) & 0x8000, a = u & 0x7fffffff;
  if (a > 0x7f800000) // NaN: keep it quiet
    return uint16_t(sign | 0x7e00 | ((a >> 13) & 0x3ff));
  if (a >= 0x477ff000) // 65520 and above round to infinity
    return uint16_t(sign | 0x7c00);
  if (a < 0x38800000) { // below 2^-14: a multiple of 2^-24 (a subnormal)
    float magnitude;
    std::memcpy(&magnitude, &a, sizeof(a));
    // Exact scaling; nearbyint rounds to nearest even. 1024 is the
    // smallest normal's encoding.
    return uint16_t(sign | uint32_t(std::nearbyint(magnitude * 0x1p24f)));
  }
  // Normal: round the mantissa at bit 13 to nearest even (a carry moves
  // into the exponent), then rebias the exponent from 127 to 15.
  uint32_t rounded = a + 0xfff + ((a >> 13) & 1) - (112u << 23);
  return uint16_t(sign | (rounded >> 13));
}

uint16_t retnet::npy::floatToBF16(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof(u));
  if ((u & 0x7fffffff) > 0x7f800000) // NaN: keep it quiet
    return uint16_t((u >> 16) | 0x40);
  return uint16_t((u + 0x7fff + ((u >> 16) & 1)) >> 16);
}

std::string retnet::npy::shapeString(ArrayRef<int64_t> shape) {
  return "[" +
         join(map_range(shape, [](int64_t d) { return std::to_string(d); }),
              ", ") +
         "]";
}

Expected<Array> retnet::npy::read(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> fileOrErr =
      MemoryBuffer::getFile(path, /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (std::error_code ec = fileOrErr.getError())
    return fail(path, "cannot open: " + ec.message());
  return parse((*fileOrErr)->getBuffer(), path);
}

Expected<Array> retnet::npy::parse(StringRef buf, StringRef path) {
  if (buf.size() < kMagicLen + 2 ||
      !buf.starts_with(StringRef(kMagic, kMagicLen)))
    return fail(path, "not an .npy file (missing \\x93NUMPY magic)");
  uint8_t major = buf[kMagicLen];
  size_t lenBytes;
  if (major == 1)
    lenBytes = 2;
  else if (major == 2 || major == 3)
    lenBytes = 4;
  else
    return fail(path, formatv("unsupported .npy format version {0}", major));
  size_t preamble = kMagicLen + 2 + lenBytes;
  if (buf.size() < preamble)
    return fail(path, "truncated .npy header");
  size_t headerLen = 0;
  for (size_t i = 0; i < lenBytes; ++i)
    headerLen |= size_t(uint8_t(buf[kMagicLen + 2 + i])) << (8 * i);
  if (buf.size() < preamble + headerLen)
    return fail(path, "truncated .npy header");
  StringRef header = buf.substr(preamble, headerLen);

  std::optional<StringRef> descrText = dictValue(header, "descr");
  if (!descrText || descrText->size() < 2 || !descrText->starts_with("'"))
    return fail(path, "malformed .npy header: no 'descr'");
  StringRef d =
      descrText->drop_front().take_until([](char c) { return c == '\''; });
  std::optional<DType> dtype = parseDescr(d);
  if (!dtype)
    return fail(path,
                "unsupported dtype '" + d +
                    "' (expected <f4, <f2, <u2 or <i2 for bf16, <i4 or <i8)");

  std::optional<StringRef> order = dictValue(header, "fortran_order");
  if (!order)
    return fail(path, "malformed .npy header: no 'fortran_order'");
  if (order->starts_with("True"))
    return fail(path, "Fortran-order arrays are not supported");

  std::optional<StringRef> shapeText = dictValue(header, "shape");
  if (!shapeText || !shapeText->starts_with("("))
    return fail(path, "malformed .npy header: no 'shape'");
  StringRef dims =
      shapeText->drop_front().take_until([](char c) { return c == ')'; });
  if (dims.size() == shapeText->size() - 1)
    return fail(path, "malformed .npy header: unterminated 'shape'");
  std::vector<int64_t> shape;
  SmallVector<StringRef> parts;
  dims.split(parts, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  for (StringRef part : parts) {
    part = part.trim();
    if (part.empty())
      continue;
    int64_t dim;
    if (part.getAsInteger(10, dim) || dim < 0)
      return fail(path, "malformed .npy header: bad dimension '" + part + "'");
    shape.push_back(dim);
  }
  // Check the claimed size against the limit and the file before allocating.
  std::optional<int64_t> elements = boundedProduct(shape);
  if (!elements)
    return fail(path, "malformed .npy header: shape " + shapeString(shape) +
                          " has more than 2^40 elements");
  size_t expected = size_t(*elements) * itemSize(*dtype);
  size_t available = buf.size() - preamble - headerLen;
  if (available < expected)
    return fail(path, formatv("truncated data: shape {0} of {1} needs {2} "
                              "bytes, the file holds {3}",
                              shapeString(shape), d, expected, available));
  Array array = Array::allocate(*dtype, shape);
  std::memcpy(array.data.get(), buf.data() + preamble + headerLen, expected);
  return array;
}

Error retnet::npy::write(StringRef path, const Array &array) {
  std::string dict;
  {
    raw_string_ostream os(dict);
    os << "{'descr': '" << descr(array.dtype)
       << "', 'fortran_order': False, 'shape': (";
    for (int64_t d : array.shape)
      os << d << ", ";
    if (!array.shape.empty())
      dict.resize(dict.size() - (array.shape.size() == 1 ? 1 : 2));
    os << "), }";
  }
  // Pad with spaces so that the data starts at a multiple of 64 bytes.
  size_t total = kMagicLen + 4 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict.push_back('\n');

  std::error_code ec;
  raw_fd_ostream os(path, ec, sys::fs::OF_None);
  if (ec)
    return fail(path, "cannot write: " + ec.message());
  os.write(kMagic, kMagicLen);
  os << char(1) << char(0) << char(dict.size() & 0xff)
     << char((dict.size() >> 8) & 0xff) << dict;
  os.write(array.data.get(), array.numBytes());
  os.close();
  if (os.has_error())
    return fail(path, "write failed");
  return Error::success();
}
