# Runs the hdr-histogram-js interop check (see CMakeLists.txt): installs the pinned npm
# package into WORK_DIR, has the C++ unit test write a log and its expected figures there, and
# has node decode the log and compare. Any failure is FATAL_ERROR with the reason.
#   cmake -DNODE=... -DNPM=... -DSOURCE_DIR=tests/js -DWORK_DIR=... -DUNIT_TESTS=... -P this
foreach(var SOURCE_DIR WORK_DIR UNIT_TESTS)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "hdr_log_js_interop: ${var} is not set")
  endif()
endforeach()
foreach(tool NODE NPM)
  if(NOT ${tool} OR NOT EXISTS "${${tool}}")
    string(TOLOWER ${tool} name)
    message(FATAL_ERROR
      "hdr_log_js_interop: '${name}' was not found when CMake configured this build. This test "
      "needs node and npm (Debian: apt-get install nodejs npm); install them and re-run cmake.")
  endif()
endforeach()

set(TEST_NAME hdr_log_js_interop)
include("${SOURCE_DIR}/npm_ci.cmake")

file(REMOVE "${WORK_DIR}/intervals.hlog" "${WORK_DIR}/expected.json")
set(ENV{LLMLOAD_HDR_INTEROP_DIR} "${WORK_DIR}")
execute_process(COMMAND "${UNIT_TESTS}" --gtest_filter=HdrLogInterop.*
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT EXISTS "${WORK_DIR}/intervals.hlog" OR NOT EXISTS "${WORK_DIR}/expected.json")
  message(FATAL_ERROR "hdr_log_js_interop: the C++ side (HdrLogInterop.*) failed (${rc}) or wrote no log")
endif()

execute_process(COMMAND "${NODE}" hdr_log_decode.mjs intervals.hlog --expect expected.json
                WORKING_DIRECTORY "${WORK_DIR}" RESULT_VARIABLE rc OUTPUT_VARIABLE decoded)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR
    "hdr_log_js_interop: hdr-histogram-js disagrees with llmload (node exited ${rc}); see the "
    "MISMATCH lines above. Decoded figures:\n${decoded}")
endif()
