# Runs the openai npm conformance check (see CMakeLists.txt): installs the pinned openai
# package into WORK_DIR, then has node start `llmload sim` and talk to it through the package.
#   cmake -DNODE=... -DNPM=... -DSOURCE_DIR=tests/js/openai -DWORK_DIR=... -DLLMLOAD=... -P this
foreach(var SOURCE_DIR WORK_DIR LLMLOAD)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "openai_conformance: ${var} is not set")
  endif()
endforeach()
include("${CMAKE_CURRENT_LIST_DIR}/npm_ci.cmake")
llmload_npm_ci(openai_conformance "${SOURCE_DIR}" "${WORK_DIR}")
file(COPY "${SOURCE_DIR}/openai_conformance.mjs" DESTINATION "${WORK_DIR}")
execute_process(COMMAND "${NODE}" openai_conformance.mjs "${LLMLOAD}"
                WORKING_DIRECTORY "${WORK_DIR}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR
    "openai_conformance: the openai package and the simulator disagree (node exited ${rc}); "
    "see the FAIL lines above.")
endif()
