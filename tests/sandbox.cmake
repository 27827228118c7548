# The worker sandbox: confinement, limits, deadline, result cap.
mugai_unit_test(sandbox)
# Its workers burn CPU on purpose (limits): slow in the sanitizer build.
set_tests_properties(unit_sandbox PROPERTIES TIMEOUT 900)
# The same tests where the kernel is taken to have no Landlock (test hook):
# the scan profile then runs in a private mount namespace; as root the
# workers also switch to nobody.
add_executable(t_sandbox_ns t_sandbox.c)
target_compile_definitions(t_sandbox_ns PRIVATE T_SANDBOX_NS=1)
target_link_libraries(t_sandbox_ns PRIVATE mugai_testutil mugai_gateway_hooked)
add_test(NAME unit_sandbox_ns COMMAND t_sandbox_ns)
set_tests_properties(unit_sandbox_ns PROPERTIES ENVIRONMENT "${MUGAI_TEST_ENV}" TIMEOUT 900)
# Sealed copies of inputs, outputs and members.
mugai_unit_test(sealed)
