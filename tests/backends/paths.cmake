# Where scripts/build-backends.sh puts the real backends, from the versions
# pinned in tests/backends/versions.env (read here, so they are written in
# one place): ${SLOEVAL_BACKENDS_CACHE}/<name>-<version>/. The tests look for
# the binaries when they run and exit 77 (skipped, with the reason) when
# they are not built.
include_guard(GLOBAL)
file(STRINGS ${CMAKE_CURRENT_LIST_DIR}/versions.env _sloeval_backend_lines REGEX "^[A-Z_]+=")
foreach(_line ${_sloeval_backend_lines})
  if(_line MATCHES "^([A-Z_]+)=(.*)$")
    set(SLOEVAL_BACKEND_${CMAKE_MATCH_1} "${CMAKE_MATCH_2}")
  endif()
endforeach()
if(DEFINED ENV{SLOEVAL_BACKENDS_CACHE})
  set(_sloeval_backends_default "$ENV{SLOEVAL_BACKENDS_CACHE}")
else()
  set(_sloeval_backends_default "$ENV{HOME}/.cache/sloeval-backends")
endif()
set(SLOEVAL_BACKENDS_CACHE "${_sloeval_backends_default}" CACHE PATH
    "Where scripts/build-backends.sh builds Prometheus 3.x, Thanos and Mimir")
set(SLOEVAL_PROMETHEUS3_DIR ${SLOEVAL_BACKENDS_CACHE}/prometheus-${SLOEVAL_BACKEND_PROMETHEUS_VERSION})
set(SLOEVAL_THANOS_DIR ${SLOEVAL_BACKENDS_CACHE}/thanos-${SLOEVAL_BACKEND_THANOS_VERSION})
set(SLOEVAL_MIMIR_DIR ${SLOEVAL_BACKENDS_CACHE}/mimir-${SLOEVAL_BACKEND_MIMIR_VERSION})
set(SLOEVAL_BACKENDS_ENV
    "SLOEVAL_PROMETHEUS3=${SLOEVAL_PROMETHEUS3_DIR}/prometheus"
    "SLOEVAL_PROMTOOL3=${SLOEVAL_PROMETHEUS3_DIR}/promtool"
    "SLOEVAL_THANOS=${SLOEVAL_THANOS_DIR}/thanos"
    "SLOEVAL_MIMIR=${SLOEVAL_MIMIR_DIR}/mimir")
