# Deployment files in the `wharf` runtime package: the systemd units, the health-check script,
# the Debian maintainer scripts (the `wharf` user and its directories) and the docs.
# Included from the top-level CMakeLists.txt *before* packaging/cpack.cmake. The units assume
# the package prefix /usr (ExecStart=/usr/bin/wharfd, /usr/lib/wharf/wharf-healthcheck).
set(_wharf_pkg ${CMAKE_CURRENT_LIST_DIR})

install(FILES ${_wharf_pkg}/systemd/wharfd@.service
              ${_wharf_pkg}/systemd/wharf-healthcheck@.service
              ${_wharf_pkg}/systemd/wharf-healthcheck@.timer
        DESTINATION lib/systemd/system COMPONENT runtime)
install(PROGRAMS ${_wharf_pkg}/systemd/wharf-healthcheck DESTINATION lib/wharf COMPONENT runtime)
install(FILES ${_wharf_pkg}/../README.md DESTINATION share/doc/wharf COMPONENT runtime)
install(FILES ${_wharf_pkg}/../config/README.md DESTINATION share/doc/wharf
        RENAME configuration.md COMPONENT runtime)
install(FILES ${_wharf_pkg}/systemd/README.md DESTINATION share/doc/wharf
        RENAME systemd.md COMPONENT runtime)

# Debian: create the user and directories, reload systemd; curl is what the health check uses.
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA
    ${_wharf_pkg}/debian/postinst ${_wharf_pkg}/debian/prerm ${_wharf_pkg}/debian/postrm)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS "curl")
