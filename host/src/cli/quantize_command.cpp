// `wharfd quantize --method awq|squeezellm|rtn --model DIR|FILE.gguf --out DIR [...]` (or --method
// M
// --backend MODULE for another quant plugin's method): the engine-cpu
// plugin's "quantize" command, run on a configuration made for it (engine-cpu over the source
// model, with the method's quant backend), so that no INI file is needed.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.hpp"

namespace wharf::host {

namespace {

void quantizeUsage() {
  std::cerr
      << "usage: wharfd quantize --method awq|squeezellm|rtn --model DIR|FILE.gguf --out DIR\n"
         "         [--calib FILE] [--group-size N] [--sparse FRACTION] [--samples N]\n"
         "         [--seq-len N] [--threads N] [--plugin-path DIR]\n"
         "       wharfd quantize --method M --backend MODULE --model DIR|FILE.gguf --out DIR\n"
         "         (any quant plugin's offline quantization, uncalibrated)\n";
}

}  // namespace

int commandQuantize(const std::vector<std::string>& args) {
  std::string method, model, plugin_path, backend, threads = "0";
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::string { return i + 1 < args.size() ? args[++i] : ""; };
    if (a == "--plugin-path" || a == "--backend") {
      (a == "--backend" ? backend : plugin_path) = value();
      continue;
    }
    if (a == "--method" || a == "--model" || a == "--threads") {
      std::string v = value();
      (a == "--method" ? method : a == "--model" ? model : threads) = v;
      rest.push_back(a);
      rest.push_back(v);
      continue;
    }
    rest.push_back(a);
  }
  // The quant plugin module: --backend, else the one Wharf ships for the method.
  const std::string module = !backend.empty()                     ? backend
                             : method == "awq" || method == "rtn" ? "quant-awq"
                             : method == "squeezellm"             ? "quant-squeezellm"
                                                                  : "";
  if (module.empty() || model.empty()) {
    if (!method.empty() && module.empty())
      std::cerr << "wharfd: quantize: unknown --method '" << method
                << "' (awq, squeezellm, rtn; another backend's method with --backend MODULE)\n";
    quantizeUsage();
    return kExitUsage;
  }
  namespace fs = std::filesystem;
  std::string dir = (fs::temp_directory_path() / "wharfd-quantize.XXXXXX").string();
  if (!mkdtemp(dir.data())) {
    std::cerr << "wharfd: quantize: cannot create a temporary directory\n";
    return kExitSoftware;
  }
  const std::string ini = dir + "/quantize.ini";
  {
    std::ofstream f(ini);
    f << "[host]\n"
      << "data_dir = " << dir << "/data\n"
      << "log_level = warning\n"
      << "metrics_listener = none\n"
      << "admin_listener = none\n";
    if (!plugin_path.empty()) f << "plugin_path = " << plugin_path << "\n";
    f << "[plugin.quant]\nmodule = " << module << "\n"
      << "[plugin.engine]\nmodule = engine-cpu\nmodel = " << fs::absolute(model).string() << "\n"
      << "threads = " << threads
      << "\nkv_cache_bytes = 16M\nmax_model_len = 256\nquantization = quant\n";
  }
  const int rc = commandPlugin("quantize", ini, rest);
  std::error_code ec;
  fs::remove_all(dir, ec);
  return rc;
}

}  // namespace wharf::host
