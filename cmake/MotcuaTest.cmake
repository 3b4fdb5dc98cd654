# motcua_test(NAME SOURCES... LIBS...): one test binary per *_test.cc, registered with CTest.
# The test runs with MOTCUA_SOURCE_DIR set, so tests can read the shipped rules/ directory.
function(motcua_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  # Every test may read the shipped rules (tests/shipped_rules.h).
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} motcua_rules_files GTest::gtest GTest::gmock GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES
    ENVIRONMENT "MOTCUA_SOURCE_DIR=${PROJECT_SOURCE_DIR};MOTCUA_BINARY_DIR=${PROJECT_BINARY_DIR}"
    TIMEOUT 600)
endfunction()
