# wharf_add_plugin(<name> <sources>... [COMPONENT <install component>, default runtime])
# Builds libwharf-<name>.so against the Wharf SDK: C++20, hidden visibility plus a linker version
# script so that wharf_plugin_init is the only exported symbol (hidden visibility alone still
# exports libstdc++ template instantiations), every symbol resolved at link time
# (-Wl,--no-undefined), and installs it to lib/wharf/plugins.
include_guard(GLOBAL)

# Adds the export map at the end of the directory's processing, unless the plugin's own
# CMakeLists set a version script of its own.
function(_wharf_plugin_exports target)
  get_target_property(options ${target} LINK_OPTIONS)
  if(options AND "${options}" MATCHES "--version-script")
    return()
  endif()
  set(map ${CMAKE_CURRENT_BINARY_DIR}/${target}.exports.map)
  file(WRITE ${map} "{ global: wharf_plugin_init; local: *; };\n")
  target_link_options(${target} PRIVATE "LINKER:--version-script=${map}")
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${map})
endfunction()

function(wharf_add_plugin name)
  cmake_parse_arguments(PLUGIN "" "COMPONENT" "" ${ARGN})
  if(NOT PLUGIN_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "wharf_add_plugin(${name}) needs source files")
  endif()
  if(NOT PLUGIN_COMPONENT)
    set(PLUGIN_COMPONENT runtime)
  endif()
  set(target wharf-${name})
  add_library(${target} MODULE ${PLUGIN_UNPARSED_ARGUMENTS})
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
  install(TARGETS ${target} LIBRARY DESTINATION lib/wharf/plugins COMPONENT ${PLUGIN_COMPONENT})
  # DEFER expands variables when the call runs: bake the target name in now.
  cmake_language(EVAL CODE "cmake_language(DEFER CALL _wharf_plugin_exports [[${target}]])")
endfunction()
