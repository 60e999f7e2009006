#include "squeezellm_quantize.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <numeric>
#include <utility>

#include "squeezellm_packing.hpp"
#include "wharf/cpp/json.hpp"

namespace wharf::quant_squeezellm {

namespace {

constexpr float kF16Max = 65504.0f;

// Row r of the weight as f32, refusing what an f16 lookup table cannot hold.
void readRow(const wharf_tensor& w, int64_t r, std::vector<float>& row) {
  const int64_t k = static_cast<int64_t>(row.size());
  for (int64_t i = 0; i < k; ++i) {
    const float v = loadFloat(w, r * k + i);
    if (!std::isfinite(v) || std::fabs(v) > kF16Max)
      throw Error(WHARF_ERR_INVALID_ARGUMENT,
                  "SqueezeLLM quantize: weight (row " + std::to_string(r) + ", input " +
                      std::to_string(i) + ") is " + std::to_string(v) +
                      ", not a finite value within the f16 range of the lookup table");
    row[static_cast<size_t>(i)] = v;
  }
}

// The index of the entry of `lut` (16 ascending values) nearest to v (the lower one on a tie).
uint8_t nearest(const float* lut, float v) {
  const int64_t p = std::lower_bound(lut, lut + 16, v) - lut;
  if (p == 0) return 0;
  if (p == 16) return 15;
  return static_cast<uint8_t>(v - lut[p - 1] <= lut[p] - v ? p - 1 : p);
}

// Which weights are outliers: those whose |w - row mean| is above the layer's threshold, and as
// many of those exactly at it as the count needs, taken in row-major order.
class OutlierSelection {
 public:
  OutlierSelection(const wharf_tensor& weight, int64_t n, int64_t k, int64_t count)
      : means_(static_cast<size_t>(n)) {
    if (count == 0) return;
    std::vector<float> row(static_cast<size_t>(k)), dev(static_cast<size_t>(n * k));
    for (int64_t r = 0; r < n; ++r) {
      readRow(weight, r, row);
      const double sum = std::accumulate(row.begin(), row.end(), 0.0);
      means_[static_cast<size_t>(r)] = static_cast<float>(sum / static_cast<double>(k));
      for (int64_t i = 0; i < k; ++i)
        dev[static_cast<size_t>(r * k + i)] = deviation(r, row[static_cast<size_t>(i)]);
    }
    auto nth = dev.begin() + (count - 1);
    std::nth_element(dev.begin(), nth, dev.end(), std::greater<float>());
    threshold_ = *nth;
    ties_left_ =
        count - std::count_if(dev.begin(), dev.end(), [&](float d) { return d > threshold_; });
    active_ = true;
  }
  // Whether weight v of row r is an outlier; call in row-major order.
  bool take(int64_t r, float v) {
    if (!active_) return false;
    const float d = deviation(r, v);
    if (d > threshold_) return true;
    if (d == threshold_ && ties_left_ > 0) {
      --ties_left_;
      return true;
    }
    return false;
  }

 private:
  float deviation(int64_t r, float v) const {
    return std::fabs(v - means_[static_cast<size_t>(r)]);
  }
  std::vector<float> means_;
  float threshold_ = 0;
  int64_t ties_left_ = 0;
  bool active_ = false;
};

// Lloyd's iterations on sorted, weighted values through prefix sums (wsum: of the weights, msum:
// of weight * value, qsum: of weight * value^2, each [count + 1]).
class SortedLloyd {
 public:
  SortedLloyd(const float* values, const float* weights, int64_t count)
      : values_(values),
        count_(count),
        wsum_(static_cast<size_t>(count + 1)),
        msum_(static_cast<size_t>(count + 1)),
        qsum_(static_cast<size_t>(count + 1)) {
    double total = 0;
    for (int64_t i = 0; i < count; ++i) total += weights[i];
    const bool uniform = !(total > 0);  // no weight at all: every value counts as 1
    for (int64_t i = 0; i < count; ++i) {
      const double s = uniform ? 1.0 : weights[i], v = values[i];
      const auto at = static_cast<size_t>(i);
      wsum_[at + 1] = wsum_[at] + s;
      msum_[at + 1] = msum_[at] + s * v;
      qsum_[at + 1] = qsum_[at] + s * v * v;
    }
  }

  // Centroids at the weighted quantiles (j + 1/2) / 16: the first value whose cumulative weight
  // passes each.
  std::array<double, 16> quantiles() const {
    std::array<double, 16> c;
    for (size_t j = 0; j < 16; ++j) {
      const double target = (static_cast<double>(j) + 0.5) / 16.0 * wsum_.back();
      const int64_t at =
          std::upper_bound(wsum_.begin() + 1, wsum_.end(), target) - (wsum_.begin() + 1);
      c[j] = values_[std::min(at, count_ - 1)];
    }
    return c;
  }
  // Centroids on the uniform grid from the smallest value to the largest.
  std::array<double, 16> grid() const {
    std::array<double, 16> c;
    const double lo = values_[0], hi = values_[count_ - 1];
    for (size_t j = 0; j < 16; ++j) c[j] = lo + (hi - lo) * static_cast<double>(j) / 15.0;
    return c;
  }

  // Runs at most `iterations` from `c` (ascending); returns the weighted squared error of the
  // nearest-centroid assignment to the result.
  double run(std::array<double, 16>& c, int64_t iterations) const {
    std::array<int64_t, 17> bound = bounds(c), previous{};
    for (int64_t it = 0; it < iterations; ++it) {
      if (it > 0 && bound == previous) break;
      previous = bound;
      for (size_t j = 0; j < 16; ++j) {
        const auto a = static_cast<size_t>(bound[j]), b = static_cast<size_t>(bound[j + 1]);
        const double weight = wsum_[b] - wsum_[a];
        if (weight > 0) c[j] = (msum_[b] - msum_[a]) / weight;  // an empty cluster stays put
      }
      std::sort(c.begin(), c.end());
      bound = bounds(c);
    }
    double error = 0;
    for (size_t j = 0; j < 16; ++j) {
      const auto a = static_cast<size_t>(bound[j]), b = static_cast<size_t>(bound[j + 1]);
      error += (qsum_[b] - qsum_[a]) - 2 * c[j] * (msum_[b] - msum_[a]) +
               c[j] * c[j] * (wsum_[b] - wsum_[a]);
    }
    return error;
  }

 private:
  // Cluster j is the sorted values [bound[j], bound[j + 1]): the boundaries are the midpoints
  // between consecutive centroids, a value on one going to the lower cluster.
  std::array<int64_t, 17> bounds(const std::array<double, 16>& c) const {
    std::array<int64_t, 17> bound{};
    bound[16] = count_;
    for (size_t j = 0; j < 15; ++j) {
      const double mid = 0.5 * (c[j] + c[j + 1]);
      bound[j + 1] =
          std::upper_bound(values_, values_ + count_, mid,
                           [](double m, float v) { return m < static_cast<double>(v); }) -
          values_;
    }
    return bound;
  }

  const float* values_;
  int64_t count_;
  std::vector<double> wsum_, msum_, qsum_;
};

}  // namespace

SqueezeLlmQuantizeOptions SqueezeLlmQuantizeOptions::parse(const std::string& json) {
  const nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (!j.is_object())
    throw Error(WHARF_ERR_INVALID_ARGUMENT,
                "SqueezeLLM quantize: the options are not a JSON object");
  SqueezeLlmQuantizeOptions o;
  const nlohmann::json& sensitivity = jsonMemberOrNull(j, "sensitivity");
  if (!sensitivity.is_null()) {
    if (!sensitivity.is_array())
      throw Error(WHARF_ERR_INVALID_ARGUMENT,
                  "SqueezeLLM quantize: 'sensitivity' is not an array of numbers");
    for (size_t i = 0; i < sensitivity.size(); ++i) {
      const nlohmann::json& v = sensitivity[i];
      const double d = v.is_number() ? v.get<double>() : -1.0;
      if (!std::isfinite(d) || d < 0 || d > std::numeric_limits<float>::max())
        throw Error(WHARF_ERR_INVALID_ARGUMENT, "SqueezeLLM quantize: 'sensitivity' entry " +
                                                    std::to_string(i) + " is " + v.dump() +
                                                    " (a channel weighs a finite number >= 0)");
      o.sensitivity.push_back(static_cast<float>(d));
    }
  }
  const nlohmann::json& sparse = jsonMemberOrNull(j, "sparse");
  if (!sparse.is_null()) {
    const double f = sparse.is_number() ? sparse.get<double>() : -1.0;
    if (!(f >= 0 && f < 1))
      throw Error(WHARF_ERR_INVALID_ARGUMENT, "SqueezeLLM quantize: 'sparse' is " + sparse.dump() +
                                                  " (a fraction of the weights, in [0, 1))");
    o.sparse = f;
  }
  const nlohmann::json& iterations = jsonMemberOrNull(j, "iterations");
  if (!iterations.is_null()) {
    if (!iterations.is_number_integer() || iterations.get<int64_t>() < 0)
      throw Error(WHARF_ERR_INVALID_ARGUMENT, "SqueezeLLM quantize: 'iterations' is " +
                                                  iterations.dump() +
                                                  " (a number of iterations >= 0)");
    o.iterations = iterations.get<int64_t>();
  }
  return o;
}

std::array<float, 16> weightedKMeans1d(const float* values, const float* weights, int64_t count,
                                       int64_t iterations) {
  std::array<float, 16> out{};
  if (count <= 0) return out;
  const SortedLloyd lloyd(values, weights, count);
  // From the weighted quantiles, and from the uniform grid as a second start: the quantiles crowd
  // the bulk of a heavy-tailed row and Lloyd can stay stuck there, while Lloyd from the grid ends
  // no worse than the grid. The lower weighted error wins.
  std::array<double, 16> from_quantiles = lloyd.quantiles(), from_grid = lloyd.grid();
  const double e_quantiles = lloyd.run(from_quantiles, iterations);
  const double e_grid = lloyd.run(from_grid, iterations);
  const std::array<double, 16>& best = e_grid < e_quantiles ? from_grid : from_quantiles;
  for (size_t j = 0; j < 16; ++j) out[j] = static_cast<float>(best[j]);
  return out;
}

SqueezeLlmTensors quantizeSqueezeLlm(const wharf_tensor& weight,
                                     const SqueezeLlmQuantizeOptions& options) {
  if (weight.ndim != 2 || weight.device != WHARF_DEVICE_CPU || !weight.data)
    throw Error(WHARF_ERR_INVALID_ARGUMENT,
                "SqueezeLLM quantize: the weight is " + describeTensor(weight) + ", not [N x K]");
  if (weight.dtype != WHARF_DTYPE_F32 && weight.dtype != WHARF_DTYPE_F16 &&
      weight.dtype != WHARF_DTYPE_BF16)
    loadFloat(weight, 0);  // names the dtype
  const int64_t n = weight.shape[0], k = weight.shape[1];
  constexpr int64_t kMax = std::numeric_limits<int32_t>::max() - 1;
  if (n <= 0 || k <= 0 || k % 8 != 0 || n > kMax || k > kMax)
    throw Error(WHARF_ERR_INVALID_ARGUMENT,
                "SqueezeLLM quantize: the weight is " + describeTensor(weight) +
                    ": its input features are not a positive multiple of 8");
  if (!options.sensitivity.empty() && static_cast<int64_t>(options.sensitivity.size()) != k)
    throw Error(WHARF_ERR_INVALID_ARGUMENT, "SqueezeLLM quantize: 'sensitivity' has " +
                                                std::to_string(options.sensitivity.size()) +
                                                " entries, but the weight has " +
                                                std::to_string(k) + " input features");
  const double wanted =
      std::nearbyint(options.sparse * static_cast<double>(n) * static_cast<double>(k));
  if (wanted > static_cast<double>(kMax))
    throw Error(WHARF_ERR_INVALID_ARGUMENT,
                "SqueezeLLM quantize: 'sparse' asks for " + std::to_string(wanted) +
                    " corrections; the sparse part indexes them with int32");
  const auto count = static_cast<int64_t>(wanted);

  SqueezeLlmTensors out;
  out.n = n;
  out.k = k;
  out.sparse = options.sparse > 0;
  out.qweight.resize(static_cast<size_t>(k / 8 * n));
  out.lookup_table.resize(static_cast<size_t>(n * 16));
  out.sparse_indptr.assign(static_cast<size_t>(n + 1), 0);
  OutlierSelection outliers(weight, n, k, count);
  std::vector<float> row(static_cast<size_t>(k)), values, weights;
  std::vector<std::pair<float, float>> sorted;
  std::vector<uint8_t> index(static_cast<size_t>(k));
  std::vector<int32_t> row_outliers;
  values.reserve(static_cast<size_t>(k));
  weights.reserve(static_cast<size_t>(k));
  for (int64_t r = 0; r < n; ++r) {
    readRow(weight, r, row);
    sorted.clear();
    row_outliers.clear();
    for (int64_t i = 0; i < k; ++i) {
      const float v = row[static_cast<size_t>(i)];
      if (outliers.take(r, v)) {
        row_outliers.push_back(static_cast<int32_t>(i));
      } else {
        sorted.emplace_back(
            v, options.sensitivity.empty() ? 1.0f : options.sensitivity[static_cast<size_t>(i)]);
      }
    }
    std::sort(sorted.begin(), sorted.end());
    values.clear();
    weights.clear();
    for (const auto& [v, s] : sorted) {
      values.push_back(v);
      weights.push_back(s);
    }
    const std::array<float, 16> centroids = weightedKMeans1d(
        values.data(), weights.data(), static_cast<int64_t>(values.size()), options.iterations);
    std::array<uint16_t, 16> lut16;
    for (size_t j = 0; j < 16; ++j) lut16[j] = floatToFp16(centroids[j]);
    std::sort(lut16.begin(), lut16.end(),
              [](uint16_t a, uint16_t b) { return fp16ToFloat(a) < fp16ToFloat(b); });
    float lut[16];
    for (size_t j = 0; j < 16; ++j) {
      lut[j] = fp16ToFloat(lut16[j]);
      out.lookup_table[static_cast<size_t>(r * 16) + j] = lut16[j];
    }
    for (int64_t i = 0; i < k; ++i)
      index[static_cast<size_t>(i)] = nearest(lut, row[static_cast<size_t>(i)]);
    for (int64_t pr = 0; pr < k / 8; ++pr)
      out.qweight[static_cast<size_t>(pr * n + r)] = packSqueezeLlm8(index.data() + pr * 8);
    for (int32_t i : row_outliers) {
      const float v = row[static_cast<size_t>(i)];
      out.sparse_indices.push_back(i);
      out.sparse_values.push_back(floatToFp16(v - lut[index[static_cast<size_t>(i)]]));
    }
    out.sparse_indptr[static_cast<size_t>(r + 1)] = static_cast<int32_t>(out.sparse_indices.size());
  }
  return out;
}

void emitSqueezeLlmTensors(const SqueezeLlmTensors& t, wharf_tensor_sink_fn sink, void* ctx) {
  static const int32_t kNothing = 0;  // the data of an empty tensor is still a pointer
  auto emit = [&](const char* name, wharf_dtype dtype, std::initializer_list<int64_t> shape,
                  const void* data, bool empty) {
    emitTensor(sink, ctx, name, dtype, shape, empty ? &kNothing : data);
  };
  emit("qweight", WHARF_DTYPE_I32, {t.k / 8, t.n}, t.qweight.data(), false);
  emit("lookup_table", WHARF_DTYPE_F16, {t.n, 16}, t.lookup_table.data(), false);
  if (!t.sparse) return;
  const auto nnz = static_cast<int64_t>(t.sparse_indices.size());
  emit("sparse_indptr", WHARF_DTYPE_I32, {t.n + 1}, t.sparse_indptr.data(), false);
  emit("sparse_indices", WHARF_DTYPE_I32, {nnz}, t.sparse_indices.data(), nnz == 0);
  emit("sparse_values", WHARF_DTYPE_F16, {nnz}, t.sparse_values.data(), nnz == 0);
}

}  // namespace wharf::quant_squeezellm
