// Everything a C++ plugin author needs: include this one header.
#pragma once

#include "wharf/cpp/auth.hpp"
#include "wharf/cpp/config.hpp"
#include "wharf/cpp/engine.hpp"
#include "wharf/cpp/error.hpp"
#include "wharf/cpp/half.hpp"
#include "wharf/cpp/host.hpp"
#include "wharf/cpp/http_service.hpp"
#include "wharf/cpp/json.hpp"
#include "wharf/cpp/plugin.hpp"
#include "wharf/cpp/quant.hpp"
#include "wharf/cpp/storage.hpp"
#include "wharf/cpp/tensor.hpp"
