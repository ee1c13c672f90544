# Installs the pinned reference tokenizers (package.json) into NPM_DIR. Fails loudly.
if(NOT NPM)
  message(FATAL_ERROR "tokenizer parity: npm was not found when CMake configured. Install the "
                      "Debian packages nodejs and npm (tools/setup.sh) and re-run cmake.")
endif()
file(MAKE_DIRECTORY ${NPM_DIR})
configure_file(${SOURCE_DIR}/package.json ${NPM_DIR}/package.json COPYONLY)
execute_process(COMMAND ${NPM} install --no-audit --no-fund --fetch-retries=1
                WORKING_DIRECTORY ${NPM_DIR}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "tokenizer parity: 'npm install' in ${NPM_DIR} failed (exit ${rc}). The "
                      "parity tests need the npm registry (registry.npmjs.org) to download the "
                      "reference tokenizers; check network access or npm's proxy/registry "
                      "settings.\n${out}\n${err}")
endif()
message(STATUS "tokenizer parity: reference tokenizers installed in ${NPM_DIR}/node_modules")
