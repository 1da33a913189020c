# SPDX-License-Identifier: MIT
# The unit mdevfs@.service (docs/systemd.md), made at install time so that
# its ExecStart= names the mdevfs of that install (cmake --install --prefix).
# It goes to MDEVFS_SYSTEMD_UNITDIR: for an install into /usr, systemd's
# own directory (pkg-config systemd); else lib/systemd/system under the
# prefix, which systemd reads for /usr/local too.  systemd's directory is
# absolute: a temporary prefix would put its unit on the host.
if(NOT DEFINED MDEVFS_SYSTEMD_UNITDIR)
  pkg_get_variable(systemd_unitdir systemd systemdsystemunitdir)
  if(systemd_unitdir AND CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    set(MDEVFS_SYSTEMD_UNITDIR ${systemd_unitdir})
  else()
    set(MDEVFS_SYSTEMD_UNITDIR lib/systemd/system)
  endif()
endif()
set(MDEVFS_SYSTEMD_UNITDIR ${MDEVFS_SYSTEMD_UNITDIR} CACHE STRING
    "Where mdevfs@.service is installed (relative: under the prefix)")
install(CODE "
  set(MDEVFS_BIN \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/mdevfs\")
  configure_file(\"${CMAKE_CURRENT_SOURCE_DIR}/systemd/mdevfs@.service.in\"
                 \"${CMAKE_CURRENT_BINARY_DIR}/mdevfs@.service\" @ONLY)")
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/mdevfs@.service
        DESTINATION ${MDEVFS_SYSTEMD_UNITDIR})
