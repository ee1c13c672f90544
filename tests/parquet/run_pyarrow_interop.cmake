# The parquet_pyarrow_interop test (cmake -P; see CMakeLists.txt): installs the pinned pyarrow
# of requirements.txt into WORK_DIR/venv, once per requirements file (later runs need no
# network), then runs pyarrow_interop.py. Any problem is FATAL_ERROR saying what to do.
if(NOT PYTHON OR NOT EXISTS "${PYTHON}")
  message(FATAL_ERROR
    "parquet_pyarrow_interop: python3 was not found when CMake configured this build. This test "
    "needs python3 with its venv module (Debian: apt-get install python3-venv, see tools/setup.sh); "
    "install it and re-run cmake.")
endif()
set(venv "${WORK_DIR}/venv")
set(stamp "${venv}/.llmload-requirements-sha256")
file(SHA256 "${SOURCE_DIR}/requirements.txt" wanted)
set(installed "")
if(EXISTS "${stamp}")
  file(READ "${stamp}" installed)
endif()
if(NOT installed STREQUAL wanted)
  message(STATUS "parquet_pyarrow_interop: installing ${SOURCE_DIR}/requirements.txt into ${venv}")
  execute_process(COMMAND "${PYTHON}" -m venv --clear "${venv}" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR
      "parquet_pyarrow_interop: '${PYTHON} -m venv' failed (${rc}); install python3-venv (Debian: "
      "apt-get install python3-venv, see tools/setup.sh).")
  endif()
  execute_process(COMMAND "${venv}/bin/python" -m pip install --disable-pip-version-check --no-input -q
                          -r "${SOURCE_DIR}/requirements.txt" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR
      "parquet_pyarrow_interop: 'pip install -r requirements.txt' failed (${rc}). It installs the pinned "
      "pyarrow from PyPI: check that PyPI (pip config list) is reachable from this machine.")
  endif()
  file(WRITE "${stamp}" "${wanted}")
endif()
execute_process(COMMAND "${venv}/bin/python" "${SOURCE_DIR}/pyarrow_interop.py" --dump "${DUMP}"
                        --llmload "${LLMLOAD}" --work "${WORK_DIR}/files"
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "parquet_pyarrow_interop: llmload's reading differs from pyarrow's (see above)")
endif()
