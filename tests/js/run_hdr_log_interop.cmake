# Runs the hdr-histogram-js interop check (see CMakeLists.txt): installs the pinned npm
# package into WORK_DIR, has the C++ unit test write a log and its expected figures there, and
# has node decode the log and compare. Any failure is FATAL_ERROR with the reason.
#   cmake -DNODE=... -DNPM=... -DSOURCE_DIR=tests/js -DWORK_DIR=... -DUNIT_TESTS=... -P this
foreach(var SOURCE_DIR WORK_DIR UNIT_TESTS)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "hdr_log_js_interop: ${var} is not set")
  endif()
endforeach()
include("${CMAKE_CURRENT_LIST_DIR}/npm_ci.cmake")
llmload_npm_ci(hdr_log_js_interop "${SOURCE_DIR}" "${WORK_DIR}")
file(COPY "${SOURCE_DIR}/hdr_log_decode.mjs" DESTINATION "${WORK_DIR}")

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
