//===- Safetensors.cpp - memory-mapped safetensors checkpoints ------------===//

#include "retnet/Model/Safetensors.h"
#include "retnet/Support/Extents.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstring>

using namespace llvm;
using namespace retnet;
using namespace retnet::model;

Error retnet::model::fileError(StringRef path, const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), "'" + path + "': " + msg);
}

namespace {
size_t itemSize(TensorDType d) { return d == TensorDType::F32 ? 4 : 2; }

std::optional<TensorDType> parseDType(StringRef s) {
  if (s == "F32")
    return TensorDType::F32;
  if (s == "F16")
    return TensorDType::F16;
  if (s == "BF16")
    return TensorDType::BF16;
  return std::nullopt;
}
} // namespace

int64_t TensorView::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

npy::Array TensorView::toF32() const {
  npy::Array out = npy::Array::allocate(npy::DType::F32, shape);
  float *dst = reinterpret_cast<float *>(out.data.get());
  int64_t n = numElements();
  if (dtype == TensorDType::F32) {
    std::memcpy(dst, data, n * sizeof(float));
    return out;
  }
  for (int64_t i = 0; i < n; ++i) {
    uint16_t bits;
    std::memcpy(&bits, data + 2 * i, 2);
    dst[i] = dtype == TensorDType::F16 ? npy::f16ToFloat(bits)
                                       : npy::bf16ToFloat(bits);
  }
  return out;
}

Expected<Safetensors> Safetensors::open(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> file =
      MemoryBuffer::getFile(path, /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (std::error_code ec = file.getError())
    return fileError(path, "cannot open: " + ec.message());
  return parse(std::move(*file), path);
}

Expected<Safetensors>
Safetensors::parse(std::unique_ptr<llvm::MemoryBuffer> contents,
                   StringRef path) {
  Safetensors st;
  st.filePath = path.str();
  st.buffer = std::move(contents);
  StringRef buf = st.buffer->getBuffer();

  if (buf.size() < 8)
    return fileError(path, formatv("truncated: {0} bytes, less than the 8-byte "
                                   "header length",
                                   buf.size()));
  uint64_t headerLen = 0;
  for (int i = 0; i < 8; ++i)
    headerLen |= uint64_t(uint8_t(buf[i])) << (8 * i);
  if (headerLen > buf.size() - 8)
    return fileError(path, formatv("truncated: the header needs {0} bytes, the "
                                   "file holds {1} after the length",
                                   headerLen, buf.size() - 8));
  StringRef headerText = buf.substr(8, headerLen);
  StringRef dataSection = buf.drop_front(8 + headerLen);

  Expected<json::Value> header = json::parse(headerText);
  if (!header)
    return fileError(path,
                     "invalid JSON header: " + toString(header.takeError()));
  const json::Object *obj = header->getAsObject();
  if (!obj)
    return fileError(path, "the header is not a JSON object");

  for (const auto &[key, value] : *obj) {
    StringRef name = key;
    if (name == "__metadata__")
      continue;
    const json::Object *entry = value.getAsObject();
    if (!entry)
      return fileError(path, "tensor '" + name + "': entry is not an object");
    std::optional<StringRef> dtypeName = entry->getString("dtype");
    const json::Array *shape = entry->getArray("shape");
    const json::Array *offsets = entry->getArray("data_offsets");
    if (!dtypeName || !shape || !offsets)
      return fileError(path, "tensor '" + name +
                                 "': entry needs 'dtype', 'shape' and "
                                 "'data_offsets'");
    std::optional<TensorDType> dtype = parseDType(*dtypeName);
    if (!dtype)
      return fileError(path, "tensor '" + name + "' has unsupported dtype '" +
                                 *dtypeName + "' (expected F32, F16 or BF16)");
    TensorView view{name.str(), *dtype, {}, nullptr, 0};
    for (const json::Value &d : *shape) {
      std::optional<int64_t> dim = d.getAsInteger();
      if (!dim || *dim < 0)
        return fileError(path, "tensor '" + name + "' has a malformed shape");
      view.shape.push_back(*dim);
    }
    std::optional<int64_t> elements = boundedProduct(view.shape);
    if (!elements)
      return fileError(path, "tensor '" + name + "' has shape " +
                                 npy::shapeString(view.shape) +
                                 ", more than 2^40 elements");
    std::optional<int64_t> begin, end;
    if (offsets->size() == 2) {
      begin = (*offsets)[0].getAsInteger();
      end = (*offsets)[1].getAsInteger();
    }
    if (!begin || !end || *begin < 0 || *end < *begin)
      return fileError(path,
                       "tensor '" + name + "' has malformed data_offsets");
    if (uint64_t(*end) > dataSection.size())
      return fileError(path,
                       formatv("tensor '{0}': data_offsets [{1}, {2}] out of "
                               "range (the data section holds {3} bytes)",
                               name, *begin, *end, dataSection.size()));
    uint64_t need = uint64_t(*elements) * itemSize(*dtype);
    if (uint64_t(*end - *begin) != need)
      return fileError(path,
                       formatv("tensor '{0}': data_offsets span {1} bytes, "
                               "shape {2} of {3} needs {4}",
                               name, *end - *begin,
                               npy::shapeString(view.shape), *dtypeName, need));
    view.data = dataSection.data() + *begin;
    view.bytes = need;
    st.views.push_back(std::move(view));
  }

  // Byte ranges must not overlap (empty tensors overlap nothing).
  std::vector<const TensorView *> byStart;
  for (const TensorView &v : st.views)
    if (v.bytes)
      byStart.push_back(&v);
  llvm::sort(byStart, [](const TensorView *a, const TensorView *b) {
    return a->data < b->data;
  });
  for (size_t i = 1; i < byStart.size(); ++i)
    if (byStart[i - 1]->data + byStart[i - 1]->bytes > byStart[i]->data)
      return fileError(path, "tensors '" + byStart[i - 1]->name + "' and '" +
                                 byStart[i]->name + "' overlap");

  for (size_t i = 0; i < st.views.size(); ++i)
    st.index[st.views[i].name] = i;
  return st;
}

const TensorView *Safetensors::find(StringRef name) const {
  auto it = index.find(name);
  return it == index.end() ? nullptr : &views[it->second];
}

Error retnet::model::writeSafetensors(
    StringRef path, ArrayRef<std::pair<std::string, npy::Array>> tensors) {
  json::Object header;
  uint64_t offset = 0;
  for (const auto &[name, array] : tensors) {
    json::Array shape;
    for (int64_t d : array.shape)
      shape.push_back(d);
    uint64_t bytes = array.numBytes();
    header[name] =
        json::Object{{"dtype", "F32"},
                     {"shape", std::move(shape)},
                     {"data_offsets", json::Array{offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text;
  raw_string_ostream(text) << json::Value(std::move(header));
  text.append((8 - text.size() % 8) % 8, ' ');

  std::error_code ec;
  raw_fd_ostream os(path, ec, sys::fs::OF_None);
  if (ec)
    return fileError(path, "cannot write: " + ec.message());
  uint64_t len = text.size();
  for (int i = 0; i < 8; ++i)
    os << char((len >> (8 * i)) & 0xff);
  os << text;
  for (const auto &[name, array] : tensors)
    os.write(array.data.get(), array.numBytes());
  os.close();
  if (os.has_error())
    return fileError(path, "write failed");
  return Error::success();
}
