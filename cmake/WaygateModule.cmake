# waygate_module(NAME SOURCES a.cc b.cc DEPS base model LIBS PkgConfig::RE2)
# One module = one folder = one static library `waygate_<NAME>`. DEPS name other modules and
# make the one-way dependency graph visible in the build.
function(waygate_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;LIBS" ${ARGN})
  add_library(waygate_${name} STATIC ${M_SOURCES})
  target_include_directories(waygate_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  foreach(dep ${M_DEPS})
    target_link_libraries(waygate_${name} PUBLIC waygate_${dep})
  endforeach()
  target_link_libraries(waygate_${name} PUBLIC ${M_LIBS})
endfunction()

# waygate_test(NAME SOURCES x_test.cc DEPS route)  -> gtest executable registered with ctest.
function(waygate_test name)
  cmake_parse_arguments(T "" "" "SOURCES;DEPS;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  foreach(dep ${T_DEPS})
    target_link_libraries(${name} PRIVATE waygate_${dep})
  endforeach()
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)  # tests/common/
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST PROPERTIES LABELS unit)
endfunction()
