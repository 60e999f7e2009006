# wharf_add_plugin(<name> <sources>...)
# Builds libwharf-<name>.so against the Wharf SDK: C++20, hidden visibility (only
# wharf_plugin_init is exported), every symbol resolved at link time (-Wl,--no-undefined), and
# installs it to lib/wharf/plugins.
include_guard(GLOBAL)

function(wharf_add_plugin name)
  if(NOT ARGN)
    message(FATAL_ERROR "wharf_add_plugin(${name}) needs source files")
  endif()
  set(target wharf-${name})
  add_library(${target} MODULE ${ARGN})
  if(TARGET Wharf::sdk)
    target_link_libraries(${target} PRIVATE Wharf::sdk)
  else()
    target_link_libraries(${target} PRIVATE wharf_sdk)
  endif()
  target_compile_features(${target} PRIVATE cxx_std_20)
  set_target_properties(${target} PROPERTIES
    PREFIX "lib"
    OUTPUT_NAME "wharf-${name}"
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${target} PRIVATE "LINKER:--no-undefined")
  if(DEFINED WHARF_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${WHARF_PLUGIN_OUTPUT_DIR})
  endif()
  install(TARGETS ${target} LIBRARY DESTINATION lib/wharf/plugins COMPONENT runtime)
endfunction()
