# Opens the HTML report in headless Chromium: builds it from the synthetic results
# (tests/data/report/synthetic_{a,b}.json) with the llmload binary, dumps the DOM after the
# page's scripts ran, and FAILS when the page's verdict is not "ok" (a chart without drawn data,
# a script error or console.error), when Chromium logged any console message (CSP violations and
# uncaught errors land there), or when fewer charts than expected rendered. Then saves a
# screenshot (report.png) in WORK_DIR for people to look at.
#   cmake -DCHROMIUM=... -DLLMLOAD=... -DDATA_DIR=tests/data/report -DWORK_DIR=... -P this
foreach(var LLMLOAD DATA_DIR WORK_DIR)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "report_html_browser: ${var} is not set")
  endif()
endforeach()
if(NOT CHROMIUM OR NOT EXISTS "${CHROMIUM}")
  message(FATAL_ERROR
    "report_html_browser: 'chromium' was not found when CMake configured this build. This test "
    "opens the HTML report in headless Chromium; run tools/setup.sh (it installs Debian's "
    "chromium package) and re-run cmake.")
endif()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
execute_process(
  COMMAND "${LLMLOAD}" report "${DATA_DIR}/synthetic_a.json" "${DATA_DIR}/synthetic_b.json"
          --html "${WORK_DIR}/report.html" --md "${WORK_DIR}/report.md" --csv "${WORK_DIR}/report.csv"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT EXISTS "${WORK_DIR}/report.html")
  message(FATAL_ERROR "report_html_browser: llmload report failed (${rc}): ${out}${err}")
endif()

# Chromium refuses its sandbox as root; a throw-away profile keeps runs independent.
set(browser "${CHROMIUM}" --headless --no-sandbox --disable-gpu --no-first-run
            --user-data-dir=${WORK_DIR}/profile --enable-logging=stderr --v=0)
execute_process(COMMAND ${browser} --dump-dom "file://${WORK_DIR}/report.html"
                RESULT_VARIABLE rc OUTPUT_VARIABLE dom ERROR_VARIABLE log TIMEOUT 180)
file(WRITE "${WORK_DIR}/dom.html" "${dom}")
file(WRITE "${WORK_DIR}/chromium.log" "${log}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "report_html_browser: chromium --dump-dom failed (${rc}); see ${WORK_DIR}/chromium.log")
endif()
string(REGEX MATCH "id=\"verdict\" data-charts=\"([0-9]+)\" data-problems=\"([^\"]*)\" data-status=\"([a-z]+)\"" verdict "${dom}")
if(NOT verdict)
  message(FATAL_ERROR "report_html_browser: the page wrote no verdict (its script did not run); see ${WORK_DIR}/dom.html")
endif()
set(charts "${CMAKE_MATCH_1}")
set(problems "${CMAKE_MATCH_2}")
set(status "${CMAKE_MATCH_3}")
if(NOT status STREQUAL "ok")
  message(FATAL_ERROR "report_html_browser: the page reported problems: ${problems}")
endif()
# 8 distribution charts, 2 sweep charts, and per run 6 over-time charts, the timeline and the
# category bars (synthetic_{a,b} have chunk gaps and categories).
if(charts LESS 26)
  message(FATAL_ERROR "report_html_browser: only ${charts} charts rendered, expected 26")
endif()
string(REGEX MATCHALL "[^\n]*:CONSOLE[^\n]*" console "${log}")
if(console)
  message(FATAL_ERROR "report_html_browser: the page logged to the console:\n${console}")
endif()

execute_process(COMMAND ${browser} --hide-scrollbars --window-size=1400,4000
                        "--screenshot=${WORK_DIR}/report.png" "file://${WORK_DIR}/report.html"
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET TIMEOUT 180)
if(NOT rc EQUAL 0 OR NOT EXISTS "${WORK_DIR}/report.png")
  message(FATAL_ERROR "report_html_browser: the screenshot failed (${rc})")
endif()
file(SIZE "${WORK_DIR}/report.png" png_bytes)
message(STATUS "report_html_browser: ${charts} charts rendered, no console message; screenshot "
               "${WORK_DIR}/report.png (${png_bytes} bytes)")
