# otel_interop: OpenTelemetry's JavaScript SDK (@opentelemetry/sdk-trace-base) with its OTLP
# exporters (exporter-trace-otlp-grpc and exporter-trace-otlp-proto), pinned in
# tests/js/otel/package-lock.json, send vLLM-shaped spans to `llmload bench --otlp-receiver`;
# every request must be joined to its span and its attributes read back exactly.
include(${CMAKE_CURRENT_LIST_DIR}/npm_ci.cmake)
llmload_npm_ci(otel_interop "${SOURCE_DIR}" "${WORK_DIR}")
file(COPY "${SOURCE_DIR}/otel_interop.mjs" DESTINATION "${WORK_DIR}")
execute_process(COMMAND "${NODE}" otel_interop.mjs "${LLMLOAD}" "${WORK_DIR}/out"
                WORKING_DIRECTORY "${WORK_DIR}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "otel_interop failed (${rc}); see the lines above")
endif()
