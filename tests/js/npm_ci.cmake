# Shared by the interop test scripts (cmake -P): checks that node and npm were found when CMake
# configured, and installs the pinned packages of PACKAGE_DIR (package.json and
# package-lock.json) into WORK_DIR with `npm ci`, once per lock file (later runs need no
# network). Any problem is FATAL_ERROR naming TEST and what to do: the tests fail, never skip.
function(llmload_npm_ci TEST PACKAGE_DIR WORK_DIR)
  foreach(tool NODE NPM)
    if(NOT ${tool} OR NOT EXISTS "${${tool}}")
      string(TOLOWER ${tool} name)
      message(FATAL_ERROR
        "${TEST}: '${name}' was not found when CMake configured this build. This test needs "
        "node and npm (Debian: apt-get install nodejs npm, see tools/setup.sh); install them and "
        "re-run cmake.")
    endif()
  endforeach()
  file(MAKE_DIRECTORY "${WORK_DIR}")
  file(COPY "${PACKAGE_DIR}/package.json" "${PACKAGE_DIR}/package-lock.json" DESTINATION "${WORK_DIR}")
  file(SHA256 "${PACKAGE_DIR}/package-lock.json" lock_hash)
  set(stamp "${WORK_DIR}/node_modules/.llmload-lock-sha256")
  set(installed "")
  if(EXISTS "${stamp}")
    file(READ "${stamp}" installed)
  endif()
  if(NOT installed STREQUAL lock_hash)
    message(STATUS "${TEST}: npm ci in ${WORK_DIR}")
    execute_process(COMMAND "${NPM}" ci --no-audit --no-fund --loglevel=error
                    WORKING_DIRECTORY "${WORK_DIR}" RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR
        "${TEST}: 'npm ci' failed (${rc}). It installs the packages pinned in "
        "${PACKAGE_DIR}/package-lock.json from the npm registry: check that the registry "
        "(npm config get registry) is reachable from this machine.")
    endif()
    file(WRITE "${stamp}" "${lock_hash}")
  endif()
endfunction()
