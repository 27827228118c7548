# The inbound share: a real Samba server started by the test, mugai-share
# and mugaid, uploads and read-backs through smbclient, release and PPAP
# into the share, a slow upload, 500 files with the watcher and mugaid
# killed at random points, a nearly full outbound file system.
mugai_py_test(share)
set_tests_properties(e2e_share PROPERTIES TIMEOUT 900)
# Its paths and outbound writer on their own: which share paths a request
# may carry, no link followed, whole files, a notice removed only for its item.
mugai_unit_test(sharedir)
target_link_libraries(t_sharedir PRIVATE mugai_sharedir)
