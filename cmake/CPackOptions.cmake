# Read by cpack when it runs (CPACK_PROJECT_CONFIG_FILE). A Debian package's
# synopsis is the first line of its own description (CPACK_DEBIAN_<C>_DESCRIPTION);
# without this, CPack would put the project's summary in front of each.
if(CPACK_GENERATOR STREQUAL "DEB")
  unset(CPACK_PACKAGE_DESCRIPTION_SUMMARY)
endif()
