# The Debian package (CPack's DEB generator): `cpack --config
# build/release/CPackConfig.cmake` or `deploy/package-test.sh`, which also
# checks it (docs/operations.md, "Installing the package").
#
#   /usr/bin/motcuad, /usr/bin/motcua
#   /usr/share/motcua/rules           the shipped rules, as released
#   /etc/motcua/rules                 the live rules (conffiles)
#   /etc/motcua/motcuad.yaml          the commented configuration (conffile)
#   /lib/systemd/system/motcuad.service
#   /usr/share/doc/motcua/            copyright, changelog, operations.md
#
# The motcua user, /var/lib/motcua and the checkpoint key are made by the
# postinst; purging removes the user and never the data.

include(GNUInstallDirs)
# Whoever builds the package for an organisation names themselves here.
set(MOTCUA_PACKAGE_MAINTAINER "motcua maintainers <motcua@example.org>"
  CACHE STRING "The Maintainer field of the Debian package")
# Installing (and packaging) builds only what it installs: the package
# script builds motcuad, motcua and the changelog, not the whole suite.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

install(TARGETS motcuad motcua RUNTIME DESTINATION bin)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/rules/
  DESTINATION share/motcua/rules
  FILES_MATCHING PATTERN "*.yaml" PATTERN "*.yml")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/rules/
  DESTINATION /etc/motcua/rules
  FILES_MATCHING PATTERN "*.yaml" PATTERN "*.yml")
install(FILES ${PROJECT_SOURCE_DIR}/deploy/motcuad.service
  DESTINATION /lib/systemd/system)

# The configuration: the commented sample of every key, with the package's
# paths in place of the sample's.
file(READ ${PROJECT_SOURCE_DIR}/deploy/motcuad.yaml motcua_config)
foreach(change
    "data_dir: data|data_dir: /var/lib/motcua"
    "rules_dir: rules|rules_dir: /etc/motcua/rules"
    "checkpoint_key_file: \"\"|checkpoint_key_file: /etc/motcua/keys/checkpoint.key"
    "metrics_listen: \"\"|metrics_listen: 127.0.0.1:9464")
  string(REPLACE "|" ";" pair "${change}")
  list(GET pair 0 from)
  list(GET pair 1 to)
  string(FIND "${motcua_config}" "\n${from}\n" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "deploy/motcuad.yaml has no line \"${from}\" for the package's configuration")
  endif()
  string(REPLACE "\n${from}\n" "\n${to}\n" motcua_config "${motcua_config}")
endforeach()
file(WRITE ${PROJECT_BINARY_DIR}/package/motcuad.yaml
  "# The Debian package's configuration of motcuad (a conffile: your edits\n"
  "# are kept across upgrades). Its paths differ from the sample's:\n"
  "# data in /var/lib/motcua, live rules in /etc/motcua/rules (the shipped\n"
  "# ones are in /usr/share/motcua/rules), the checkpoint key in\n"
  "# /etc/motcua/keys, metrics and /healthz on 127.0.0.1:9464.\n"
  "# Reload the rules with `systemctl reload motcuad`; other keys take\n"
  "# effect at `systemctl restart motcuad`.\n#\n"
  "${motcua_config}")
install(FILES ${PROJECT_BINARY_DIR}/package/motcuad.yaml
  DESTINATION /etc/motcua PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

# /usr/share/doc/motcua: copyright, the compressed changelog, the
# operator's page.
set(PACKAGE_VERSION "${PROJECT_VERSION}-1")
set(PACKAGE_MAINTAINER "${MOTCUA_PACKAGE_MAINTAINER}")
configure_file(${PROJECT_SOURCE_DIR}/deploy/debian/changelog
  ${PROJECT_BINARY_DIR}/package/changelog.Debian @ONLY)
add_custom_command(
  OUTPUT ${PROJECT_BINARY_DIR}/package/changelog.Debian.gz
  COMMAND gzip -9nc ${PROJECT_BINARY_DIR}/package/changelog.Debian
          > ${PROJECT_BINARY_DIR}/package/changelog.Debian.gz
  DEPENDS ${PROJECT_BINARY_DIR}/package/changelog.Debian)
add_custom_target(motcua_package_changelog ALL
  DEPENDS ${PROJECT_BINARY_DIR}/package/changelog.Debian.gz)
install(FILES
    ${PROJECT_SOURCE_DIR}/deploy/debian/copyright
    ${PROJECT_BINARY_DIR}/package/changelog.Debian.gz
    ${PROJECT_SOURCE_DIR}/docs/operations.md
  DESTINATION share/doc/motcua)

# Every file under /etc is a conffile: dpkg keeps the administrator's edits.
file(GLOB_RECURSE motcua_rule_files RELATIVE ${PROJECT_SOURCE_DIR}/rules
  ${PROJECT_SOURCE_DIR}/rules/*.yaml ${PROJECT_SOURCE_DIR}/rules/*.yml)
list(SORT motcua_rule_files)
set(motcua_conffiles "/etc/motcua/motcuad.yaml\n")
foreach(rule_file ${motcua_rule_files})
  string(APPEND motcua_conffiles "/etc/motcua/rules/${rule_file}\n")
endforeach()
file(WRITE ${PROJECT_BINARY_DIR}/package/conffiles "${motcua_conffiles}")

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "motcua")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
# A Debian revision: the package is built apart from the source's version.
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_CONTACT "${MOTCUA_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "workflow and deadline engine for one-stop-shop procedures")
# The long description; CPack puts the summary above it and indents each
# line.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "motcua receives administrative dossiers, counts their legal time limits in
working days of a calendar, escalates them before they are late, and keeps
every fact in a hash-chained event log that an auditor can verify.
.
This package holds the server (motcuad, a systemd service) and the
command-line client (motcua).")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "misc")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
# Dependencies from the shared libraries the binaries link (dpkg-shlibdeps),
# adduser for the postinst, procps for the unit's /bin/kill (ExecReload).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, procps")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${PROJECT_BINARY_DIR}/package/conffiles
  ${PROJECT_SOURCE_DIR}/deploy/debian/postinst
  ${PROJECT_SOURCE_DIR}/deploy/debian/prerm
  ${PROJECT_SOURCE_DIR}/deploy/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
