# mugaid: the same reports as standalone, hostile clients, reloads under
# load, a killed daemon.
mugai_py_test(daemon)
# The systemd units as installed (pointing at this build) are valid, and
# `cmake --install` puts every file where the units and README say.
add_test(NAME systemd_units
         COMMAND systemd-analyze verify ${CMAKE_BINARY_DIR}/dist-test/mugaid.service
                 ${CMAKE_BINARY_DIR}/dist-test/mugai-milter.service
                 ${CMAKE_BINARY_DIR}/dist-test/mugai-share.service)
mugai_py_test(install)
# The audit log: one chained, signed line per job, mail and reload; a
# killed writer loses nothing; every kind of tampering is named by verify.
mugai_py_test(audit)
mugai_unit_test(audit)
# The quarantine store: the review rules (two-person release), retention,
# content addressing, the CSV export; the review commands through mugaid.
mugai_unit_test(store)
mugai_py_test(quarantine)
# PPAP: an encrypted zip opened by the password mail that follows it, or by hand.
mugai_py_test(ppap)
# Alert mail to the security staff: batched, rate-limited, bilingual.
mugai_py_test(alerts)
target_link_libraries(t_store PRIVATE mugai_store)
# Two nodes, one quarantine: the index in a PostgreSQL server of the test's own.
mugai_py_test(twonode)
