# Reads sloeval's version from include/sloeval/common.h, before project():
# SLOEVAL_VERSION_MAJOR, _MINOR, _PATCH and _STRING must agree, and
# SLOEVAL_HEADER_VERSION becomes project(VERSION), from which the SONAME,
# sloeval.pc and sloevalConfigVersion.cmake are made.
set(_sloeval_header ${CMAKE_CURRENT_LIST_DIR}/../include/sloeval/common.h)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_sloeval_header})
file(STRINGS ${_sloeval_header} _sloeval_version_lines
     REGEX "^#define SLOEVAL_VERSION_(MAJOR|MINOR|PATCH|STRING) ")
foreach(_part MAJOR MINOR PATCH STRING)
  set(_sloeval_${_part} "")
  foreach(_line ${_sloeval_version_lines})
    if(_line MATCHES "^#define SLOEVAL_VERSION_${_part} +\"?([0-9.]+)\"?$")
      set(_sloeval_${_part} ${CMAKE_MATCH_1})
    endif()
  endforeach()
  if(_sloeval_${_part} STREQUAL "")
    message(FATAL_ERROR "${_sloeval_header}: no SLOEVAL_VERSION_${_part}")
  endif()
endforeach()
set(SLOEVAL_HEADER_VERSION ${_sloeval_MAJOR}.${_sloeval_MINOR}.${_sloeval_PATCH})
if(NOT _sloeval_STRING STREQUAL SLOEVAL_HEADER_VERSION)
  message(FATAL_ERROR "${_sloeval_header}: SLOEVAL_VERSION_STRING \"${_sloeval_STRING}\" is not "
                      "MAJOR.MINOR.PATCH (${SLOEVAL_HEADER_VERSION})")
endif()
