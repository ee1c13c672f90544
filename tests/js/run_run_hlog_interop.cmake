# Runs `llmload run` on run_soak_profile.yaml, then decodes the interval log it wrote with
# hdr-histogram-js (llmload_npm_ci in npm_ci.cmake installs it into WORK_DIR) and
# checks that every tag has one histogram per interval and that the TTFT counts add up to the
# completed requests of the result file. Any failure is FATAL_ERROR with the reason.
#   cmake -DNODE=... -DNPM=... -DSOURCE_DIR=tests/js -DWORK_DIR=... -DLLMLOAD=... -P this
foreach(var SOURCE_DIR WORK_DIR LLMLOAD)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "run_hlog_js_interop: ${var} is not set")
  endif()
endforeach()
include("${CMAKE_CURRENT_LIST_DIR}/npm_ci.cmake")
llmload_npm_ci(run_hlog_js_interop "${SOURCE_DIR}" "${WORK_DIR}")
file(COPY "${SOURCE_DIR}/hdr_log_decode.mjs" DESTINATION "${WORK_DIR}")

file(REMOVE_RECURSE "${WORK_DIR}/out")
execute_process(COMMAND "${LLMLOAD}" run "${SOURCE_DIR}/run_soak_profile.yaml" --set "outputs.dir=${WORK_DIR}/out"
                RESULT_VARIABLE rc OUTPUT_VARIABLE run_out ERROR_VARIABLE run_err)
set(log "${WORK_DIR}/out/01-01-soak.hlog")
if(NOT rc EQUAL 0 OR NOT EXISTS "${log}")
  message(FATAL_ERROR "run_hlog_js_interop: llmload run failed (${rc}) or wrote no log:\n${run_out}\n${run_err}")
endif()

execute_process(COMMAND "${NODE}" hdr_log_decode.mjs "${log}"
                WORKING_DIRECTORY "${WORK_DIR}" RESULT_VARIABLE rc OUTPUT_VARIABLE decoded ERROR_VARIABLE node_err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "run_hlog_js_interop: hdr-histogram-js could not decode ${log} (node exited ${rc}):\n${node_err}")
endif()

file(READ "${WORK_DIR}/out/01-01-soak.json" result)
string(JSON completed GET "${result}" completed)
string(JSON n LENGTH "${decoded}" intervals)
set(ttft_sum 0)
foreach(tag ttft tpot itl e2el)
  set(count_${tag} 0)
endforeach()
math(EXPR last "${n} - 1")
foreach(i RANGE 0 ${last})
  string(JSON tag GET "${decoded}" intervals ${i} tag)
  math(EXPR count_${tag} "${count_${tag}} + 1")
  if(tag STREQUAL "ttft")
    string(JSON total GET "${decoded}" intervals ${i} total_count)
    math(EXPR ttft_sum "${ttft_sum} + ${total}")
  endif()
endforeach()
if(count_ttft LESS 4 OR NOT count_ttft EQUAL count_tpot OR NOT count_ttft EQUAL count_itl OR NOT count_ttft EQUAL count_e2el)
  message(FATAL_ERROR "run_hlog_js_interop: intervals per tag differ or are too few: ttft ${count_ttft}, "
                      "tpot ${count_tpot}, itl ${count_itl}, e2el ${count_e2el}")
endif()
if(NOT ttft_sum EQUAL completed)
  message(FATAL_ERROR "run_hlog_js_interop: hdr-histogram-js counts ${ttft_sum} TTFT samples over "
                      "${count_ttft} intervals; the result says ${completed} requests completed")
endif()
message(STATUS "run_hlog_js_interop: hdr-histogram-js decoded ${count_ttft} intervals x 4 tags; "
               "TTFT samples ${ttft_sum} == completed ${completed}")
