#include "engine/model/safetensors_writer.hpp"

#include <cstdio>
#include <filesystem>

#include "engine/json.hpp"
#include "engine/model/safetensors.hpp"
#include "wharf/cpp/error.hpp"

namespace wharf::engine {

SafetensorsWriter::SafetensorsWriter(std::string path)
    : path_(std::move(path)), data_path_(path_ + ".data") {
  data_.open(data_path_, std::ios::binary | std::ios::trunc);
  if (!data_) throw Error(WHARF_ERR_IO, "cannot create '" + data_path_ + "'");
}

SafetensorsWriter::~SafetensorsWriter() {
  if (!finished_) {
    data_.close();
    std::remove(data_path_.c_str());
  }
}

void SafetensorsWriter::add(const std::string& name, const std::string& dtype,
                            const std::vector<int64_t>& shape, const void* data, size_t bytes) {
  if (tensors_.count(name))
    throw Error(WHARF_ERR_INVALID_ARGUMENT, "tensor '" + name + "' is written twice");
  uint64_t elements = 1;
  for (int64_t d : shape) {
    if (d < 0) throw Error(WHARF_ERR_INVALID_ARGUMENT, "tensor '" + name + "': negative dim");
    elements *= static_cast<uint64_t>(d);
  }
  const size_t width = safetensorsDtypeBytes(dtype);
  if (width == 0 || elements * width != bytes)
    throw Error(WHARF_ERR_INVALID_ARGUMENT, "tensor '" + name + "': " + std::to_string(bytes) +
                                                " bytes do not match its " + dtype + " shape");
  data_.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
  if (!data_) throw Error(WHARF_ERR_IO, "cannot write '" + data_path_ + "'");
  tensors_[name] = Entry{dtype, shape, size_, size_ + bytes};
  size_ += bytes;
}

void SafetensorsWriter::finish(const std::map<std::string, std::string>& metadata) {
  data_.close();
  if (!data_) throw Error(WHARF_ERR_IO, "cannot write '" + data_path_ + "'");
  Json header = Json::object();
  if (!metadata.empty()) {
    Json m = Json::object();
    for (const auto& [k, v] : metadata) m[k] = v;
    header["__metadata__"] = std::move(m);
  }
  for (const auto& [name, e] : tensors_)
    header[name] = Json{{"dtype", e.dtype}, {"shape", e.shape}, {"data_offsets", {e.begin, e.end}}};
  std::string text = toJsonText(header);
  text.append((8 - text.size() % 8) % 8, ' ');  // the data starts 8-byte aligned
  std::ofstream out(path_, std::ios::binary | std::ios::trunc);
  const uint64_t n = text.size();
  unsigned char len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(n >> (8 * i));
  out.write(reinterpret_cast<const char*>(len), 8);
  out << text;
  if (size_ > 0) {  // inserting an empty stream buffer would set failbit
    std::ifstream in(data_path_, std::ios::binary);
    out << in.rdbuf();
  }
  out.close();
  if (!out) throw Error(WHARF_ERR_IO, "cannot write '" + path_ + "'");
  std::remove(data_path_.c_str());
  finished_ = true;
}

}  // namespace wharf::engine
