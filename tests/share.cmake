# The inbound share: a real Samba server started by the test, mugai-share
# and mugaid, uploads and read-backs through smbclient, release and PPAP
# into the share, a slow upload, 500 files with the watcher and mugaid
# killed at random points, a nearly full outbound file system.
mugai_py_test(share)
set_tests_properties(e2e_share PROPERTIES TIMEOUT 900)
