# llmload_needed_sources(<out_var> <file>...): the src/*.cpp files that <file>s need, found by
# following their `#include "llmload/<module>/<name>.hpp"` lines (and `#include "x.hpp"` of a
# header beside the including file, e.g. a test's support header) through headers and sources:
# a header stands for src/<module>/<name>.cpp where that file exists, and that source for any
# src/<module>/<name>_*.cpp without a header of its own (the tokenizer's Unicode tables).
# The libFuzzer build (tools/CMakeLists.txt) and the ThreadSanitizer tests
# (tests/CMakeLists.txt, llmload_thread_tests) compile only these, not all of llmload_core, so
# that their cold builds stay small enough for CI. A link error naming a missing symbol means
# a source is reached some other way: include its header where it is used. A header with no
# src/<module>/<name>.cpp stands for nothing here: `llmload/otlp/wire.hpp` is implemented in
# the llmload_otlp library (src/otlp/wire/ and the generated protobuf code), which a target
# that reaches it links itself (tools/CMakeLists.txt: the OTLP receiver's fuzz target).
function(llmload_needed_sources out_var)
  set(todo ${ARGN})
  set(seen "")
  set(sources "")
  while(todo)
    list(POP_FRONT todo file)
    get_filename_component(file_dir ${file} DIRECTORY)
    file(STRINGS ${file} lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
    foreach(line IN LISTS lines)
      string(REGEX REPLACE "^[^\"]*\"([^\"]+)\".*$" "\\1" header "${line}")
      if(NOT header MATCHES "^llmload/")
        # A header beside the including file (tests' support headers).
        if(EXISTS ${file_dir}/${header} AND NOT ${file_dir}/${header} IN_LIST seen)
          list(APPEND seen ${file_dir}/${header})
          list(APPEND todo ${file_dir}/${header})
        endif()
        continue()
      endif()
      if(header IN_LIST seen)
        continue()
      endif()
      list(APPEND seen ${header})
      if(EXISTS ${PROJECT_SOURCE_DIR}/include/${header})
        list(APPEND todo ${PROJECT_SOURCE_DIR}/include/${header})
      endif()
      string(REGEX REPLACE "^llmload/(.*)\\.hpp$" "${PROJECT_SOURCE_DIR}/src/\\1.cpp" source "${header}")
      if(EXISTS ${source} AND NOT source IN_LIST sources)
        list(APPEND sources ${source})
        list(APPEND todo ${source})
        string(REGEX REPLACE "\\.cpp$" "_*.cpp" companions_glob "${source}")
        file(GLOB companions ${companions_glob})
        foreach(companion IN LISTS companions)
          string(REPLACE "${PROJECT_SOURCE_DIR}/src/" "${PROJECT_SOURCE_DIR}/include/llmload/"
                 companion_header "${companion}")
          string(REGEX REPLACE "\\.cpp$" ".hpp" companion_header "${companion_header}")
          if(NOT EXISTS ${companion_header} AND NOT companion IN_LIST sources)
            list(APPEND sources ${companion})
          endif()
        endforeach()
      endif()
    endforeach()
  endwhile()
  set(${out_var} ${sources} PARENT_SCOPE)
endfunction()

# llmload_partial_core(<name> <file>...): a static library of only the sources <file>s need
# (above) plus Asio/Beast's compiled part, with llmload_core's definitions and dependencies.
function(llmload_partial_core name)
  llmload_needed_sources(sources ${ARGN})
  list(APPEND sources ${PROJECT_SOURCE_DIR}/src/net/asio_impl.cpp)
  list(REMOVE_DUPLICATES sources)
  list(LENGTH sources count)
  message(STATUS "${name}: ${count} library sources")
  add_library(${name} STATIC EXCLUDE_FROM_ALL ${sources})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/include)
  target_compile_definitions(${name} PUBLIC
    $<TARGET_PROPERTY:llmload_core,INTERFACE_COMPILE_DEFINITIONS>)
  target_link_libraries(${name}
    PUBLIC ${LLMLOAD_CORE_DEPENDENCIES} PRIVATE llmload_warnings)
  llmload_precompile_headers(${name})
  set_source_files_properties(${PROJECT_SOURCE_DIR}/src/net/asio_impl.cpp PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
endfunction()
