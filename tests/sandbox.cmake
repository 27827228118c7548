# The worker sandbox: confinement, limits, deadline, result cap.
mugai_unit_test(sandbox)
