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

# The report of a named rate sweep and of a scenario suite, each written by `llmload run` of a
# small profile against the built-in simulator: the page must draw every chart without a
# console message, name every run, and judge only the sweep's points (a suite's scenarios stand
# side by side, with no sweep curve). Screenshots: sweep.png, suite.png.
function(check_profile_report name profile_text min_charts must_have must_not_have)
  file(WRITE "${WORK_DIR}/${name}.yaml" "${profile_text}outputs: {dir: ${WORK_DIR}/${name}, formats: [json, html, md]}\n")
  execute_process(COMMAND "${LLMLOAD}" run "${WORK_DIR}/${name}.yaml"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
  set(page "${WORK_DIR}/${name}/report.html")
  if(NOT rc EQUAL 0 OR NOT EXISTS "${page}")
    message(FATAL_ERROR "report_html_browser: llmload run ${name} failed (${rc}): ${out}${err}")
  endif()
  execute_process(COMMAND ${browser} --dump-dom "file://${page}"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE dom ERROR_VARIABLE log TIMEOUT 180)
  file(WRITE "${WORK_DIR}/${name}-dom.html" "${dom}")
  string(REGEX MATCH "id=\"verdict\" data-charts=\"([0-9]+)\" data-problems=\"([^\"]*)\" data-status=\"([a-z]+)\"" verdict "${dom}")
  if(NOT rc EQUAL 0 OR NOT verdict OR NOT CMAKE_MATCH_3 STREQUAL "ok" OR CMAKE_MATCH_1 LESS ${min_charts})
    message(FATAL_ERROR "report_html_browser: ${name}: charts '${CMAKE_MATCH_1}' (at least ${min_charts}), "
                        "problems '${CMAKE_MATCH_2}'; see ${WORK_DIR}/${name}-dom.html")
  endif()
  string(REGEX MATCHALL "[^\n]*:CONSOLE[^\n]*" console "${log}")
  if(console)
    message(FATAL_ERROR "report_html_browser: ${name}: the page logged to the console:\n${console}")
  endif()
  foreach(text IN LISTS must_have)
    string(FIND "${dom}" "${text}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "report_html_browser: ${name}: the page lacks '${text}'; see ${WORK_DIR}/${name}-dom.html")
    endif()
  endforeach()
  foreach(text IN LISTS must_not_have)
    string(FIND "${dom}" "${text}" at)
    if(NOT at EQUAL -1)
      message(FATAL_ERROR "report_html_browser: ${name}: the page has '${text}'; see ${WORK_DIR}/${name}-dom.html")
    endif()
  endforeach()
  execute_process(COMMAND ${browser} --hide-scrollbars --window-size=1400,4000
                          "--screenshot=${WORK_DIR}/${name}.png" "file://${page}"
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET TIMEOUT 180)
  if(NOT rc EQUAL 0 OR NOT EXISTS "${WORK_DIR}/${name}.png")
    message(FATAL_ERROR "report_html_browser: ${name}: the screenshot failed (${rc})")
  endif()
  message(STATUS "report_html_browser: ${name}: ${CMAKE_MATCH_1} charts rendered; screenshot ${WORK_DIR}/${name}.png")
endfunction()

set(small "workload: {dataset: random, input_len: 16, output_len: 8}\n")
check_profile_report(sweep
  "${small}load:\n  stages:\n    - {name: steady, rate: 40/s, requests: 12}\nsweep:\n  load.stages.0.rate: [10, 20, 40, 80]\n"
  14 "rate=10/s;rate=80/s;rate=80/s vs rate=10/s;Sweep over load.stages.0.rate;<h2>Runs</h2>" "sweep-point")
check_profile_report(suite
  "load:\n  stages:\n    - {name: scenario, rate: 40/s, requests: 12}\nsweep:\n  workload:\n    - {name: short-answer, dataset: random, input_len: 16, output_len: 4}\n    - {name: long-answer, dataset: random, input_len: 16, output_len: 32}\n    - {name: long-prompt, dataset: random, input_len: 256, output_len: 8}\n"
  11 "short-answer;long-answer;long-prompt;Shown side by side;<h2>Runs</h2>" " vs short-answer;Sweep over;class=\"worse\"")
