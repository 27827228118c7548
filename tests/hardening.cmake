# The job pipeline against a compromised parser or scanner (test hooks in
# the mugai-hooked binary), planted directories, odd inputs and full disks.
mugai_py_test(hardening)
