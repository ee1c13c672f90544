# Included by the interop scripts: copies the package files and the decoder into WORK_DIR and
# installs the pinned hdr-histogram-js there once per lock file (later runs need no network).
# Needs SOURCE_DIR, WORK_DIR, NPM and TEST_NAME (for messages).
file(MAKE_DIRECTORY "${WORK_DIR}")
file(COPY "${SOURCE_DIR}/package.json" "${SOURCE_DIR}/package-lock.json"
          "${SOURCE_DIR}/hdr_log_decode.mjs" DESTINATION "${WORK_DIR}")
file(SHA256 "${SOURCE_DIR}/package-lock.json" lock_hash)
set(stamp "${WORK_DIR}/node_modules/.llmload-lock-sha256")
set(installed "")
if(EXISTS "${stamp}")
  file(READ "${stamp}" installed)
endif()
if(NOT installed STREQUAL lock_hash)
  message(STATUS "${TEST_NAME}: npm ci in ${WORK_DIR}")
  execute_process(COMMAND "${NPM}" ci --no-audit --no-fund --loglevel=error
                  WORKING_DIRECTORY "${WORK_DIR}" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR
      "${TEST_NAME}: 'npm ci' failed (${rc}). It installs hdr-histogram-js, pinned in "
      "tests/js/package-lock.json, from the npm registry: check that the registry "
      "(npm config get registry) is reachable from this machine.")
  endif()
  file(WRITE "${stamp}" "${lock_hash}")
endif()
